#!/usr/bin/python3
"""calib-bench.py: how long qnn-calibrate takes on PaddleOCR rec (and cls).

Imports the model, renders N calibration lines (test/e2e/Inputs/ocr_dataset.py),
and times `quant-opt -qnn-fold-batchnorm -qnn-fuse-patterns -qnn-calibrate`
for each range method (and with hessians=true, what GPTQ needs), using
MLIR's pass timing. Prints a table."""
import argparse
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = {"cls": ("ch_ppocr_mobile_v2.0_cls_infer.onnx", "x=1,3,48,192"),
          "rec": ("ch_PP-OCRv4_rec_infer.onnx", "x=1,3,48,320")}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--models", default=os.path.join(ROOT, ".cache/models"))
    parser.add_argument("--samples", type=int, default=32)
    parser.add_argument("--model", default="rec", choices=sorted(MODELS))
    parser.add_argument("--work", default="/tmp/quantc-calib-bench")
    args = parser.parse_args()
    onnx, shape = MODELS[args.model]
    os.makedirs(args.work, exist_ok=True)
    mlir = os.path.join(args.work, args.model + ".mlirbc")
    subprocess.run([os.path.join(args.build, "bin/quantc"), "import", os.path.join(args.models, onnx),
                    "--input-shape", shape, "-o", mlir], check=True)
    data = os.path.join(args.work, "data")
    subprocess.run([sys.executable, os.path.join(ROOT, "test/e2e/Inputs/ocr_dataset.py"), data,
                    "--count", str(args.samples), "--seed", "1"], check=True)
    calib = os.path.join(data, args.model)
    print("%s, %d calibration samples, qnn-calibrate wall time (pass timing):\n" % (args.model, args.samples))
    print("| method | hessians | calibrate s | whole quant-opt s |")
    print("|---|---|---|---|")
    for method, hessians in (("minmax", False), ("percentile", False), ("mse", False),
                             ("entropy", False), ("minmax", True)):
        options = "inputs=%s method=%s%s" % (calib, method, " hessians=true" if hessians else "")
        start = time.time()
        result = subprocess.run([os.path.join(args.build, "bin/quant-opt"), mlir, "-qnn-fold-batchnorm",
                                 "-qnn-fuse-patterns", "-qnn-calibrate=" + options, "-mlir-timing",
                                 "-o", os.devnull], capture_output=True, text=True)
        wall = time.time() - start
        if result.returncode:
            sys.exit(result.stderr)
        match = re.search(r"([\d.]+) \(\s*[\d.]+%\)\s+QNNCalibratePass", result.stderr)
        print("| %s | %s | %s | %.1f |" % (method, "yes" if hessians else "no",
                                          match.group(1) if match else "?", wall), flush=True)


if __name__ == "__main__":
    main()
