#!/usr/bin/python3
"""Execution benchmark: single-thread latency of PaddleOCR cls, rec and det compiled
by quantc (AOT artifact, `quantc run DIR --repeat N --time`) against
onnxruntime-node fp32 with intraOpNumThreads=1, in the same run, plus quantc's
compile time.

bench/exec-bench.py [--quantc build/bin/quantc] [--runs 50] [--target host]
                    [--compile-flags "--bits 8 --act-bits 8"]  (quantized artifacts;
                    without --calib they are calibrated data-free, fine for timing)
With --compile-flags, ORT also runs quantc's own ONNX export of the same
quantization (`quantc export-onnx`: MatMulNBits for MatMul/Gemm, QDQ for the
rest; graph optimizations on, so ORT fuses QDQ into its integer kernels;
basic optimizations where "all" fails to load).
--models picks among cls, rec and det (default all three); --torchvision adds
torchvision 0.14 architectures (e.g. resnet18,convnext_tiny,vit_b_16), exported
by torch.onnx at 1x3x224x224 with random weights (seed 0) into the run's
temporary directory, never kept.
Prints a Markdown table; ratio = quantc / ORT fp32 (lower is better)."""
import argparse
import os
import re
import subprocess
import tempfile
import time
import json

import numpy as np

from benchlib import cpu_name, ort_median_ms

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = [
    ("cls", "ch_ppocr_mobile_v2.0_cls_infer.onnx", (1, 3, 48, 192)),
    ("rec", "ch_PP-OCRv4_rec_infer.onnx", (1, 3, 48, 320)),
    ("det", "ch_PP-OCRv4_det_infer.onnx", (1, 3, 640, 640)),
]



def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quantc", default=os.path.join(ROOT, "build", "bin", "quantc"))
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--target", default="host")
    parser.add_argument("--compile-flags", default="", help="extra quantc compile flags")
    parser.add_argument("--models", default="cls,rec,det", help="PaddleOCR models to run")
    parser.add_argument("--torchvision", default="",
                        help="torchvision architectures to export and run (comma-separated)")
    args = parser.parse_args()
    models = os.path.join(ROOT, ".cache", "models")
    chosen = [m for m in MODELS if m[0] in args.models.split(",")]
    print("machine: %s, %d cores; target %s; %d timed runs after one warm-up; compile flags: %s\n" %
          (cpu_name(), os.cpu_count(), args.target, args.runs, args.compile_flags or "(float)"))
    qdq = bool(args.compile_flags)
    print("| model | input | quantc compile (s) | quantc median (ms) | quantc min (ms) "
          "| ORT median (ms) | ORT min (ms) | ratio (median) |" +
          (" ORT on quantc export median (ms) | quantc / ORT export |" if qdq else ""))
    print("|---|---|---|---|---|---|---|---|" + ("---|---|" if qdq else ""))
    with tempfile.TemporaryDirectory() as work:
        runs = [(name, os.path.join(models, file), shape) for name, file, shape in chosen]
        runs += [(name, export_torchvision(name, work), (1, 3, 224, 224))
                 for name in filter(None, args.torchvision.split(","))]
        for name, model, shape in runs:
            x = os.path.join(work, name + ".npy")
            np.save(x, np.random.default_rng(0).random(shape, np.float32))
            artifact = os.path.join(work, name)
            start = time.perf_counter()
            subprocess.run([args.quantc, "compile", model, "--input-shape",
                            "x=" + ",".join(map(str, shape)), "--target", args.target,
                            "-o", artifact] + args.compile_flags.split(), check=True,
                           stderr=subprocess.DEVNULL)
            compile_s = time.perf_counter() - start
            result = subprocess.run([args.quantc, "run", artifact, "--input", "x=" + x,
                                     "--threads", "1", "--repeat", str(args.runs), "--time"],
                                    check=True, capture_output=True, text=True)
            q_min, q_med = map(float, re.search(r"run: min ([0-9.]+) ms, median ([0-9.]+) ms",
                                                result.stderr).groups())
            ort = subprocess.run(["node", os.path.join(ROOT, "scripts", "ort-run.js"), model,
                                  "--input", "x=" + x, "--threads", "1", "--repeat", str(args.runs)],
                                 check=True, capture_output=True, text=True)
            o = json.loads(ort.stdout)
            row = "| %s | %s | %.1f | %.2f | %.2f | %.2f | %.2f | %.2fx |" % (
                name, "x".join(map(str, shape)), compile_s, q_med, q_min, o["median_ms"],
                o["min_ms"], q_med / o["median_ms"])
            if qdq:
                q = ort_on_qdq(args, model, shape, x, work, name)
                row += " %s | %s |" % (("%.2f" % q, "%.2fx" % (q_med / q)) if q else ("failed", ""))
            print(row)


def export_torchvision(name, work):
    """torchvision's `name` with random weights (seed 0) as ONNX in `work`."""
    import torch
    import torchvision
    torch.manual_seed(0)
    model = getattr(torchvision.models, name)(weights=None).eval()
    path = os.path.join(work, name + ".onnx")
    # Not under no_grad: ViT's attention would take its fused fast path,
    # which torch 1.13 cannot export.
    torch.onnx.export(model, torch.randn(1, 3, 224, 224), path, opset_version=14,
                      input_names=["x"], output_names=["y"])
    return path


def ort_on_qdq(args, model, shape, x, work, name):
    """Median ms of ORT on `quantc export-onnx` with the same flags, or None."""
    exported = os.path.join(work, name + "-export.onnx")
    export = subprocess.run([args.quantc, "export-onnx", model, "--input-shape",
                             "x=" + ",".join(map(str, shape)), "-o", exported] +
                            args.compile_flags.split(), stderr=subprocess.DEVNULL)
    if export.returncode != 0:  # a layer ONNX cannot express quantized (det's ConvTranspose)
        return None
    return ort_median_ms(exported, x, 1, args.runs)

if __name__ == "__main__":
    main()
