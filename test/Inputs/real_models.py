#!/usr/bin/python3
"""Issue 13's acceptance on real architectures: exports each model with
torch.onnx (torch_models.py), then
  1. imports and compiles it, and matches onnxruntime-node on a held-out input;
  2. quantizes it with --bits 4, --bits 8 --act-bits 8 --calib and
     --avg-bits 4.5 --calib (calibration and evaluation samples disjoint),
     recording the report's output SQNR and each artifact's size.
Prints one line per step and a table; ends with `N passed, N failed`.

  real_models.py --quantc quantc --work DIR [--models a,b] [--size small|full]"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = ["resnet18", "mobilenet_v3", "regnet", "vit", "lraspp", "video_resnet", "decoder_lm"]
# W8A8 takes the defaults (MSE ranges, AdaRound). The allocation names the
# pre-issue-15 methods: with the defaults, AdaRound at six widths per layer
# for the Hessian-KL scores takes resnet18's 4608-column layers past CI's
# time (a known cost, bench/RESULTS.md).
CONFIGS = [("w4", ["--bits", "4"]),
           ("w8a8", ["--bits", "8", "--act-bits", "8", "--calib", "{calib}"]),
           ("alloc4.5", ["--avg-bits", "4.5", "--weight-method", "rtn", "--sensitivity", "output-kl",
                         "--calib", "{calib}"])]


def run(command):
    start = time.time()
    result = subprocess.run(command, capture_output=True, text=True)
    return result, time.time() - start


def samples(info, directory, count, rng):
    os.makedirs(directory, exist_ok=True)
    for i in range(count):
        if info["dtype"] == "int64":
            array = rng.integers(0, info["high"], info["shape"]).astype(np.int64)
        else:
            array = rng.standard_normal(info["shape"]).astype(np.float32)
        np.save(os.path.join(directory, "%02d.npy" % i), array)


def output_sqnr(stderr):
    found = re.findall(r"quantized output '[^']*': SQNR (-?[0-9.]+|inf) dB", stderr)
    return min(float(v) for v in found) if found else None


def size_of(directory):
    return sum(os.path.getsize(os.path.join(directory, f)) for f in os.listdir(directory)
               if f.endswith(".so"))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quantc", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--size", choices=["small", "full"], default="small")
    parser.add_argument("--calib-samples", type=int, default=8)
    args = parser.parse_args()
    rng = np.random.default_rng(2026)
    passed = failed = 0
    table = []

    def report(ok, text):
        nonlocal passed, failed
        print(("PASS " if ok else "FAIL ") + text, flush=True)
        passed, failed = passed + ok, failed + (not ok)

    for name in args.models.split(","):
        work = os.path.join(args.work, name)
        os.makedirs(work, exist_ok=True)
        model = os.path.join(work, name + ".onnx")
        result, _ = run([sys.executable, os.path.join(HERE, "torch_models.py"), name, model,
                         "--size", args.size])
        if result.returncode:
            report(False, "%s export: %s" % (name, result.stderr.strip().splitlines()[-1:]))
            continue
        info = json.loads(result.stdout.strip().splitlines()[-1])
        calib, held_out = os.path.join(work, "calib"), os.path.join(work, "eval")
        samples(info, calib, args.calib_samples, rng)
        samples(info, held_out, 1, rng)
        inputs = os.path.join(work, "inputs")
        os.makedirs(inputs, exist_ok=True)
        os.replace(os.path.join(held_out, "00.npy"), os.path.join(inputs, info["name"] + ".npy"))

        float_dir = os.path.join(work, "float")
        result, seconds = run([args.quantc, "compile", model, "-o", float_dir])
        if result.returncode:
            report(False, "%s compile: %s" % (name, result.stderr.strip()[-500:]))
            continue
        match, _ = run([sys.executable, os.path.join(HERE, "match_ort.py"), model, inputs,
                        "--quantc", args.quantc, "--artifact", float_dir,
                        "--work", os.path.join(work, "match"), "--tol", "1e-4"])
        last = (match.stdout.strip().splitlines() or ["no output"])[-1]
        report(match.returncode == 0, "%s float: compiled in %.1f s, %s" % (name, seconds, last))
        row = {"model": name, "input": info["shape"], "float_bytes": size_of(float_dir),
               "ort": match.returncode == 0}
        for label, flags in CONFIGS:
            out = os.path.join(work, label)
            command = [args.quantc, "compile", model, "-o", out] + [
                f.format(calib=calib) for f in flags]
            result, seconds = run(command)
            sqnr = output_sqnr(result.stderr)
            ok = result.returncode == 0 and sqnr is not None
            errors = [l for l in result.stderr.splitlines() if "error" in l.lower()]
            detail = ("output SQNR %.2f dB, %.1f s, %.2f MB" % (sqnr, seconds, size_of(out) / 1e6)
                      if ok else "exit %d: %s" % (result.returncode, " | ".join(errors)[-800:] or
                                                  result.stderr.strip()[-500:]))
            report(ok, "%s %s: %s" % (name, label, detail))
            row[label] = sqnr if ok else None
        table.append(row)

    print("\n| model | input | matches ORT | w4 SQNR dB | w8a8 SQNR dB | alloc 4.5 SQNR dB |")
    print("|---|---|---|---|---|---|")
    fmt = lambda v: "-" if v is None else "%.2f" % v
    for row in table:
        print("| %s | %s | %s | %s | %s | %s |" % (
            row["model"], "x".join(map(str, row["input"])), "yes" if row["ort"] else "NO",
            fmt(row.get("w4")), fmt(row.get("w8a8")), fmt(row.get("alloc4.5"))))
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
