#!/usr/bin/python3
"""Issue 19's measurement: a model whose weights are larger than what code
generation can hold, compiled and run as a user would. Generates the MLP of
gen_mlp.py (24 x 4096x4096 fp32 in external data, 1.6 GB, by default) in
WORK, then measures under /usr/bin/time -v: quantc import, quantc compile
--bits 4 --group-size 32 (RTN), and the artifact's load and batch-1 step
(bench/run_artifact.c, 1 thread), against the machine's read bandwidth
(one pass over a buffer of the weights' size). Prints a table.
    bench/streaming/bench.py [--work DIR] [--layers 24] [--hidden 4096]"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
QUANTC = os.path.join(ROOT, "build", "bin", "quantc")


def timed(command):
    """(wall seconds, peak RSS in MB) of a command run under /usr/bin/time -v."""
    start = time.time()
    run = subprocess.run(["/usr/bin/time", "-v"] + command, capture_output=True, text=True)
    if run.returncode:
        sys.exit("bench: %s failed:\n%s" % (" ".join(command), run.stderr[-2000:]))
    peak = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", run.stderr).group(1))
    return time.time() - start, peak / 1024, run.stdout


def read_bandwidth(nbytes):
    """GB/s of one summing pass over nbytes of int64 (the best of three)."""
    data = np.ones(nbytes // 8, dtype=np.int64)
    best = 0.0
    for _ in range(3):
        start = time.perf_counter()
        data.sum()
        best = max(best, nbytes / (time.perf_counter() - start) / 1e9)
    return best


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", default="/tmp/quantc-streaming")
    parser.add_argument("--layers", type=int, default=24)
    parser.add_argument("--hidden", type=int, default=4096)
    args = parser.parse_args()
    work = args.work
    model = os.path.join(work, "mlp.onnx")
    if not os.path.exists(model):
        subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "bench", "streaming", "gen_mlp.py"),
                        work, "--layers", str(args.layers), "--hidden", str(args.hidden)],
                       check=True)
    float_gb = os.path.getsize(os.path.join(work, "mlp.bin")) / 1e9
    rows = []
    seconds, peak, _ = timed([QUANTC, "import", model, "-o", os.path.join(work, "mlp.mlirbc")])
    rows.append(("quantc import", seconds, peak, ""))
    artifact = os.path.join(work, "w4")
    seconds, peak, _ = timed([QUANTC, "compile", model, "--bits", "4", "--group-size", "32",
                              "--quiet", "-o", artifact])
    weights = os.path.join(artifact, "mlp.weights")
    artifact_gb = (os.path.getsize(weights) + os.path.getsize(os.path.join(artifact, "libmlp.so"))) / 1e9
    rows.append(("quantc compile --bits 4 --group-size 32", seconds, peak,
                 "artifact %.3f GB (%.2f/32 of float)" % (artifact_gb, 32 * artifact_gb / float_gb)))

    runner = os.path.join(work, "run_artifact")
    subprocess.run(["cc", "-O2", "-std=c99", "-I", os.path.join(ROOT, "include"),
                    os.path.join(ROOT, "bench", "run_artifact.c"), "-ldl", "-lm", "-o", runner],
                   check=True)
    x = os.path.join(work, "x.npy")
    np.save(x, np.random.default_rng(0).standard_normal((1, args.hidden)).astype(np.float32))
    seconds, peak, out = timed([runner, os.path.join(artifact, "libmlp.so"), "mlp", x, "1", "0"])
    rows.append(("load + first step (cold run_artifact)", seconds, peak, ""))
    step_ms = json.loads(timed([runner, os.path.join(artifact, "libmlp.so"), "mlp", x, "1",
                                "20"])[2])["median_ms"]
    bandwidth = read_bandwidth(os.path.getsize(weights))
    achieved = os.path.getsize(weights) / (step_ms / 1e3) / 1e9
    rows.append(("batch-1 step, 1 thread (median of 20)", step_ms / 1e3, None,
                 "%.1f GB/s of weights = %.0f%% of the %.1f GB/s read bandwidth"
                 % (achieved, 100 * achieved / bandwidth, bandwidth)))

    print("model: %d x %dx%d fp32, %.2f GB of weights in external data" %
          (args.layers, args.hidden, args.hidden, float_gb))
    print("| step | wall s | peak RSS MB | notes |")
    print("|---|---|---|---|")
    for name, seconds, peak, note in rows:
        print("| %s | %.3f | %s | %s |" % (name, seconds, "%.0f" % peak if peak else "", note))


if __name__ == "__main__":
    main()
