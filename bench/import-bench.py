#!/usr/bin/python3
"""Import benchmark: wall time of `quantc import` on the PaddleOCR models.

bench/import-bench.py [--quantc build/bin/quantc] [--runs 7]
Prints a table: whole-process wall time (best / median) and quantc's own
import and write phases for text and bytecode output."""
import argparse
import os
import re
import statistics
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = [
    ("ch_ppocr_mobile_v2.0_cls_infer.onnx", "x=1,3,48,192"),
    ("ch_PP-OCRv4_rec_infer.onnx", "x=1,3,48,320"),
    ("ch_PP-OCRv4_det_infer.onnx", "x=1,3,640,640"),
]


def run(quantc, model, shape, output):
    start = time.perf_counter()
    result = subprocess.run([quantc, "import", model, "--input-shape", shape, "-o", output,
                             "--time"], capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    phases = dict(re.findall(r"^(import|write): ([0-9.]+) s$", result.stderr, re.M))
    return wall, float(phases["import"]), float(phases["write"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quantc", default=os.path.join(ROOT, "build", "bin", "quantc"))
    parser.add_argument("--models", default=os.path.join(ROOT, ".cache", "models"))
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    print("| model | size MB | output | wall best s | wall median s | import s | write s |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for name, shape in MODELS:
            model = os.path.join(args.models, name)
            size = os.path.getsize(model) / 1e6
            for suffix in (".mlirbc", ".mlir"):
                samples = [run(args.quantc, model, shape, os.path.join(tmp, "out" + suffix))
                           for _ in range(args.runs)]
                walls = [s[0] for s in samples]
                best = min(samples)
                print("| %s | %.1f | %s | %.3f | %.3f | %.3f | %.3f |" %
                      (name, size, suffix, best[0], statistics.median(walls), best[1], best[2]))


if __name__ == "__main__":
    main()
