#!/usr/bin/python3
"""Quantizes models whose graph outputs come straight from quantized layers
(issue 13: these crashed) in every weight format, weight-only and W8A8, runs
each artifact and the float model on held-out inputs, and checks the output
SQNR per format. Prints one line per build and ends with `N passed, N failed`.

  quantized_outputs.py --quantc quantc --gen gen_onnx.py --work DIR [--models a,b] [--formats 8,4,...]"""
import argparse
import os
import subprocess
import sys

import numpy as np

MODELS = ["output_matmul", "output_gemm_transb", "output_shared", "output_batched_matmul"]
FORMATS = ["8", "6", "5", "4", "3", "2", "ternary", "binary"]
# Lowest output SQNR (dB) accepted per weight format, on random Gaussian weights
# and inputs: about 6 dB per bit above the 2-bit floor, a margin below measured.
MIN_SQNR = {"8": 30, "6": 22, "5": 17, "4": 12, "3": 6, "2": 1, "ternary": 1, "binary": -1}


def run(command):
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError("%s: exit %d\n%s" % (" ".join(command[:3]), result.returncode,
                                                result.stderr[-2000:]))
    return result


def input_shapes(model_path):
    import onnx
    m = onnx.load(model_path)
    return {i.name: [d.dim_value for d in i.type.tensor_type.shape.dim] for i in m.graph.input}


def sqnr(reference, approx):
    noise = np.sum((reference.astype(np.float64) - approx) ** 2)
    signal = np.sum(reference.astype(np.float64) ** 2)
    return float("inf") if noise == 0 else 10 * np.log10(signal / noise)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quantc", required=True)
    parser.add_argument("--gen", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--formats", default=",".join(FORMATS))
    args = parser.parse_args()
    rng = np.random.default_rng(13)
    passed = failed = 0
    for name in args.models.split(","):
        model = os.path.join(args.work, name + ".onnx")
        run([sys.executable, args.gen, name, model])
        shapes = input_shapes(model)
        calib = os.path.join(args.work, name + "-calib")
        evaluation = os.path.join(args.work, name + "-eval")
        for directory, count in ((calib, 32), (evaluation, 1)):
            os.makedirs(directory, exist_ok=True)
            for i in range(count):
                (input_name, shape), = shapes.items()
                np.save(os.path.join(directory, "%d.npy" % i),
                        rng.standard_normal(shape).astype(np.float32))
        (input_name, _), = shapes.items()
        sample = os.path.join(evaluation, "0.npy")
        float_out = os.path.join(args.work, name + "-float")
        run([args.quantc, "run", model, "--input", "%s=%s" % (input_name, sample), "-o", float_out])
        for fmt in args.formats.split(","):
            for act in ([], ["--act-bits", "8", "--calib", calib]):
                label = "%s --bits %s%s" % (name, fmt, " --act-bits 8" if act else "")
                out = os.path.join(args.work, "%s-%s-%s" % (name, fmt, "a8" if act else "w"))
                try:
                    run([args.quantc, "compile", model, "--bits", fmt, "-o", out] + act)
                    run([args.quantc, "run", out, "--input", "%s=%s" % (input_name, sample),
                         "-o", out + "-y"])
                    worst = float("inf")
                    for file in sorted(os.listdir(float_out) if os.path.isdir(float_out)
                                       else [None]):
                        ref = np.load(os.path.join(float_out, file) if file else float_out)
                        got = np.load(os.path.join(out + "-y", file) if file else out + "-y")
                        worst = min(worst, sqnr(ref, got))
                    ok = worst >= MIN_SQNR[fmt]
                    print("%s %s: worst output SQNR %.1f dB (min %d)" %
                          ("PASS" if ok else "FAIL", label, worst, MIN_SQNR[fmt]))
                except RuntimeError as error:
                    ok = False
                    print("FAIL %s: %s" % (label, error))
                passed, failed = passed + ok, failed + (not ok)
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
