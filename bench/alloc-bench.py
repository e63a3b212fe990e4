#!/usr/bin/python3
"""alloc-bench.py: how long bit allocation's steps take.

1. qnn-sensitivity on PaddleOCR rec (or cls) after qnn-calibrate{hessians=true},
   for each metric (hessian, output-kl, weight-sqnr), N calibration lines
   rendered by test/e2e/Inputs/ocr_dataset.py. Pass times from -mlir-timing.
2. qnn-allocate-bits (the CBC integer program) on synthetic modules of L
   layers x 6 candidate bit-widths with random sensitivities, at an
   avg-bits budget halfway between the extremes.
Prints markdown tables."""
import argparse
import os
import random
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = {"cls": ("ch_ppocr_mobile_v2.0_cls_infer.onnx", "x=1,3,48,192"),
          "rec": ("ch_PP-OCRv4_rec_infer.onnx", "x=1,3,48,320")}


def pass_seconds(stderr, name):
    match = re.search(r"([\d.]+) \(\s*[\d.]+%\)\s+" + name, stderr)
    return float(match.group(1)) if match else float("nan")


def quant_opt(build, args):
    start = time.time()
    result = subprocess.run([os.path.join(build, "bin/quant-opt")] + args + ["-mlir-timing"],
                            capture_output=True, text=True)
    if result.returncode:
        sys.exit(result.stderr)
    return result.stderr, time.time() - start


def synthetic_module(layers, seed):
    """L chained 64x64 matmuls with sensitivities falling ~4x per bit."""
    rng = random.Random(seed)
    lines = ["func.func @main(%x: tensor<1x64xf32>) -> tensor<1x64xf32> {",
             "  %w = qnn.constant dense<0.5> : tensor<64x64xf32>"]
    value = "%x"
    for l in range(layers):
        base = 10 ** rng.uniform(-3, 2)
        omega = ", ".join("%.6e" % (base * 4.0 ** -b * rng.uniform(0.5, 1.5)) for b in (2, 3, 4, 5, 6, 8))
        lines.append("  %%y%d = qnn.matmul %s, %%w {qnn.sensitivity = #qnn.sensitivity<bits = "
                     "[2, 3, 4, 5, 6, 8], omega = [%s]>} : (tensor<1x64xf32>, tensor<64x64xf32>) "
                     "-> tensor<1x64xf32>" % (l, value, omega))
        value = "%%y%d" % l
    lines += ["  return %s : tensor<1x64xf32>" % value, "}"]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--models", default=os.path.join(ROOT, ".cache/models"))
    parser.add_argument("--samples", type=int, default=32)
    parser.add_argument("--model", default="rec", choices=sorted(MODELS))
    parser.add_argument("--metrics", default="hessian,weight-sqnr,output-kl")
    parser.add_argument("--work", default="/tmp/quantc-alloc-bench")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)

    print("qnn-allocate-bits (CBC), 6 candidate bit-widths per layer:\n")
    print("| layers | solve s (pass time) |")
    print("|---|---|")
    for layers in (50, 100, 200, 400):
        path = os.path.join(args.work, "synthetic-%d.mlir" % layers)
        with open(path, "w") as f:
            f.write(synthetic_module(layers, layers))
        stderr, _ = quant_opt(args.build, [path, "-qnn-allocate-bits=avg-bits=4.5", "-o", os.devnull])
        print("| %d | %.3f |" % (layers, pass_seconds(stderr, "QNNAllocateBitsPass")), flush=True)

    if not args.metrics:
        return
    onnx, shape = MODELS[args.model]
    mlir = os.path.join(args.work, args.model + ".mlirbc")
    subprocess.run([os.path.join(args.build, "bin/quantc"), "import", os.path.join(args.models, onnx),
                    "--input-shape", shape, "-o", mlir], check=True)
    data = os.path.join(args.work, "data")
    subprocess.run([sys.executable, os.path.join(ROOT, "test/e2e/Inputs/ocr_dataset.py"), data,
                    "--count", str(args.samples), "--seed", "1"], check=True)
    calib = os.path.join(data, args.model)
    calibrated = os.path.join(args.work, args.model + "-calibrated.mlirbc")
    stderr, _ = quant_opt(args.build, [mlir, "-qnn-fold-batchnorm", "-qnn-fuse-patterns",
                                       "-qnn-calibrate=inputs=%s hessians=true" % calib,
                                       "--emit-bytecode", "-o", calibrated])
    print("\n%s, %d calibration samples; qnn-calibrate{hessians=true} %.1f s, then:\n"
          % (args.model, args.samples, pass_seconds(stderr, "QNNCalibratePass")))
    print("| metric | qnn-sensitivity s |")
    print("|---|---|")
    for metric in args.metrics.split(","):
        stderr, _ = quant_opt(args.build, [calibrated, "-qnn-sensitivity=metric=%s inputs=%s" % (metric, calib),
                                           "-o", os.devnull])
        print("| %s | %.1f |" % (metric, pass_seconds(stderr, "QNNSensitivityPass")), flush=True)


if __name__ == "__main__":
    main()
