#!/usr/bin/python3
"""Thread scaling: PaddleOCR cls, rec and det compiled by quantc (float and
quantized artifacts) at 1 and N threads (`quantc run --threads`), against
onnxruntime-node at the same intraOpNumThreads, in the same run.

bench/threads-bench.py [--quantc build/bin/quantc] [--runs 50] [--threads 2]
                       [--rounds 5] [--models cls,rec,det] [--configs float,w8a8]
Configurations: float; w8a8 (`--bits 8 --act-bits 8`, data-free ranges: fine
for timing), against ORT on quantc's `export-onnx` of the same quantization.
Each artifact is also checked to give bit-identical outputs at 1 and N
threads. Prints a Markdown table; speedup = quantc 1 thread / quantc N
threads; vs ORT = quantc / ORT at N threads (lower is better). CPUs 0 and
1's cache-line round trip (bench/core_distance.c) is printed before and
after: on a VM whose vCPUs move apart, 2-thread rows move with it. quantc's
runs alternate between 1 and N threads in `--rounds` rounds, each side's
time the median of its rounds' medians, so that both sides see the same
states of such a VM."""
import argparse
import filecmp
import os
import re
import subprocess
import tempfile

import numpy as np

from benchlib import cpu_name, ort_median_ms

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = {
    "cls": ("ch_ppocr_mobile_v2.0_cls_infer.onnx", (1, 3, 48, 192)),
    "rec": ("ch_PP-OCRv4_rec_infer.onnx", (1, 3, 48, 320)),
    "det": ("ch_PP-OCRv4_det_infer.onnx", (1, 3, 640, 640)),
}
CONFIGS = {"float": [], "w8a8": ["--bits", "8", "--act-bits", "8"]}



def time_quantc(args, artifact, x, threads, out, runs):
    result = subprocess.run([args.quantc, "run", artifact, "--input", "x=" + x, "--threads",
                             str(threads), "--repeat", str(runs), "--time", "-o", out],
                            check=True, capture_output=True, text=True)
    return float(re.search(r"median ([0-9.]+) ms", result.stderr).group(1))


def time_interleaved(args, artifact, x, outs):
    """quantc's median at 1 and N threads, over rounds that alternate them."""
    runs = max(1, args.runs // args.rounds)
    medians = {threads: [] for threads in outs}
    for _ in range(args.rounds):
        for threads, out in outs.items():
            medians[threads].append(time_quantc(args, artifact, x, threads, out, runs))
    return [float(np.median(medians[threads])) for threads in outs]


def core_distance():
    """CPUs 0 and 1's cache-line round trip (bench/core_distance.c): 2-thread
    timings move with it, so each table says what it was."""
    if os.cpu_count() < 2:
        return "n/a (one CPU)"
    with tempfile.TemporaryDirectory() as work:
        binary = os.path.join(work, "core_distance")
        subprocess.run(["cc", "-O2", "-std=c11", os.path.join(ROOT, "bench", "core_distance.c"),
                        "-lpthread", "-o", binary], check=True)
        return subprocess.run([binary], check=True, capture_output=True,
                              text=True).stdout.strip()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quantc", default=os.path.join(ROOT, "build", "bin", "quantc"))
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--models", default="cls,rec,det")
    parser.add_argument("--configs", default="float,w8a8")
    args = parser.parse_args()
    n = args.threads
    print("machine: %s, %d cores; median of %d runs (quantc: %d alternating rounds)"
          % (cpu_name(), os.cpu_count(), args.runs, args.rounds))
    print("core distance before: %s\n" % core_distance())
    print("| model | config | quantc 1t (ms) | quantc %dt (ms) | speedup | ORT 1t (ms) | ORT %dt (ms) "
          "| vs ORT at 1t | vs ORT at %dt | bit-identical |" % (n, n, n))
    print("|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as work:
        for name in args.models.split(","):
            file, shape = MODELS[name]
            model = os.path.join(ROOT, ".cache", "models", file)
            x = os.path.join(work, name + ".npy")
            np.save(x, np.random.default_rng(0).random(shape, np.float32))
            dims = "x=" + ",".join(map(str, shape))
            for config in args.configs.split(","):
                flags = CONFIGS[config]
                artifact = os.path.join(work, name + "-" + config)
                subprocess.run([args.quantc, "compile", model, "--input-shape", dims, "-o", artifact]
                               + flags, check=True, stderr=subprocess.DEVNULL)
                one, many = (os.path.join(work, "%s-%s-%d.npy" % (name, config, t)) for t in (1, n))
                q1, qn = time_interleaved(args, artifact, x, {1: one, n: many})
                peer = model
                if flags:  # ORT runs quantc's ONNX export, when the model exports
                    peer = os.path.join(work, name + "-" + config + ".export.onnx")
                    if subprocess.run([args.quantc, "export-onnx", model, "--input-shape", dims,
                                       "-o", peer] + flags, stderr=subprocess.DEVNULL).returncode:
                        peer = None
                o1, on = ((ort_median_ms(peer, x, 1, args.runs), ort_median_ms(peer, x, n, args.runs))
                          if peer else (None, None))
                ratio = lambda q, o: "%.2fx" % (q / o) if o else "n/a"
                fmt = lambda v: "%.2f" % v if v else "failed"
                print("| %s | %s | %.2f | %.2f | %.2fx | %s | %s | %s | %s | %s |" % (
                    name, config, q1, qn, q1 / qn, fmt(o1), fmt(on), ratio(q1, o1), ratio(qn, on),
                    "yes" if filecmp.cmp(one, many, shallow=False) else "NO"), flush=True)
    print("\ncore distance after: %s" % core_distance())


if __name__ == "__main__":
    main()
