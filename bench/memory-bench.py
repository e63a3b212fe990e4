#!/usr/bin/python3
"""Peak resident memory: PaddleOCR cls, rec and det compiled by quantc, run by
a lean C runner (bench/run_artifact.c: dlopen of the artifact, nothing else),
against onnxruntime-node on the same input, each process measured by
/usr/bin/time -v (maximum resident set size).

bench/memory-bench.py [--quantc build/bin/quantc] [--runs 5] [--threads 1]
                      [--models cls,rec,det] [--compile-flags "..."]
Besides the raw peaks, "model" columns subtract each runtime's idle process:
the C runner with the artifact loaded but not run, and node with
onnxruntime-node loaded (no session). Prints a Markdown table."""
import argparse
import json
import os
import re
import subprocess
import tempfile

import numpy as np

from benchlib import cpu_name

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = {
    "cls": ("ch_ppocr_mobile_v2.0_cls_infer.onnx", (1, 3, 48, 192)),
    "rec": ("ch_PP-OCRv4_rec_infer.onnx", (1, 3, 48, 320)),
    "det": ("ch_PP-OCRv4_det_infer.onnx", (1, 3, 640, 640)),
}


def peak_kb(command):
    """Runs `command` under /usr/bin/time -v: (its stdout, maximum RSS in KiB)."""
    result = subprocess.run(["/usr/bin/time", "-v"] + command, check=True, capture_output=True,
                            text=True)
    return result.stdout, int(re.search(r"Maximum resident set size \(kbytes\): (\d+)",
                                        result.stderr).group(1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quantc", default=os.path.join(ROOT, "build", "bin", "quantc"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--models", default="cls,rec,det")
    parser.add_argument("--compile-flags", default="")
    args = parser.parse_args()
    ort = os.path.join(ROOT, ".cache", "ort", "node_modules", "onnxruntime-node")
    print("machine: %s, %d cores; %d thread(s); median of %d runs; compile flags: %s\n" %
          (cpu_name(), os.cpu_count(), args.threads, args.runs, args.compile_flags or "(float)"))
    print("| model | input | quantc scratch (MB) | quantc peak (MB) | ORT peak (MB) | quantc model (MB) "
          "| ORT model (MB) | model ratio | quantc ms | ORT ms |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as work:
        runner = os.path.join(work, "run_artifact")
        subprocess.run(["cc", "-O2", "-std=c99", "-I", os.path.join(ROOT, "include"),
                        os.path.join(ROOT, "bench", "run_artifact.c"), "-ldl", "-lm", "-o", runner],
                       check=True)
        _, ort_idle = peak_kb(["node", "-e", "require(%s)" % json.dumps(ort)])
        for name in args.models.split(","):
            file, shape = MODELS[name]
            model = os.path.join(ROOT, ".cache", "models", file)
            x = os.path.join(work, name + ".npy")
            np.save(x, np.random.default_rng(0).random(shape, np.float32))
            artifact = os.path.join(work, name)
            subprocess.run([args.quantc, "compile", model, "--input-shape",
                            "x=" + ",".join(map(str, shape)), "--name", name, "-o", artifact] +
                           args.compile_flags.split(), check=True, stderr=subprocess.DEVNULL)
            with open(os.path.join(artifact, name + ".h")) as header:
                scratch = int(re.search(r"_SCRATCH_BYTES (\d+)", header.read()).group(1))
            out, q_peak = peak_kb([runner, os.path.join(artifact, "lib%s.so" % name), name, x,
                                   str(args.threads), str(args.runs)])
            q = json.loads(out)
            out, o_peak = peak_kb(["node", os.path.join(ROOT, "scripts", "ort-run.js"), model,
                                   "--input", "x=" + x, "--threads", str(args.threads),
                                   "--repeat", str(args.runs)])
            o = json.loads(out)
            q_model, o_model = q_peak - q["idle_kb"], o_peak - ort_idle
            print("| %s | %s | %.1f | %.1f | %.1f | %.1f | %.1f | %.2fx | %.2f | %.2f |" % (
                name, "x".join(map(str, shape)), scratch / 2**20, q_peak / 1024, o_peak / 1024,
                q_model / 1024, o_model / 1024, q_model / o_model, q["median_ms"],
                o["median_ms"]), flush=True)


if __name__ == "__main__":
    main()
