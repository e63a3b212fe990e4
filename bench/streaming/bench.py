#!/usr/bin/python3
"""Issue 19's measurement: a model whose weights are larger than what code
generation can hold, compiled and run as a user would. Generates the model
in WORK, then measures under /usr/bin/time -v: quantc compile --bits 4
--group-size 32 (RTN; the MLP also quantc import), and the artifact's load
and batch-1 step (bench/run_artifact.c, 1 thread), against the machine's
read bandwidth (one pass over a buffer of the bytes a step reads). Prints a
table. Models (--model):
  mlp         gen_mlp.py: 24 x 4096x4096 MatMul+Relu, 1.6 GB (the issue's report)
  decoder     gen_decoder.py: 28 layers, hidden 3072, MLP 8192, 3.2 B parameters,
              12.9 GB (the issue's acceptance model); one token per step
  decoder-1b  gen_decoder.py: 20 layers, hidden 2048, MLP 5632, 1.06 B parameters
    bench/streaming/bench.py [--model mlp] [--work DIR] [--gptq]
--gptq (decoders) adds the compile with GPTQ on 8 random token sequences of
32 (--weight-method gptq --calib DIR, groups of 32) and its step times."""
import argparse
import json
import os
import re
import subprocess
import sys
import time

import numpy as np
import onnx

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
QUANTC = os.environ.get("QUANTC", os.path.join(ROOT, "build", "bin", "quantc"))  # another build: QUANTC=...


def timed(command, stderr=False):
    """(wall seconds, peak RSS in MB, stdout[, stderr]) of a command run under /usr/bin/time -v."""
    start = time.time()
    run = subprocess.run(["/usr/bin/time", "-v"] + command, capture_output=True, text=True)
    if run.returncode:
        sys.exit("bench: %s failed:\n%s" % (" ".join(command), run.stderr[-2000:]))
    peak = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", run.stderr).group(1))
    result = (time.time() - start, peak / 1024, run.stdout)
    return result + (run.stderr,) if stderr else result


def read_bandwidth(nbytes):
    """GB/s of one summing pass over nbytes of int64 (the best of three)."""
    data = np.ones(nbytes // 8, dtype=np.int64)
    best = 0.0
    for _ in range(3):
        start = time.perf_counter()
        data.sum()
        best = max(best, nbytes / (time.perf_counter() - start) / 1e9)
    return best


MODELS = {
    "mlp": ("gen_mlp.py", "mlp", ["--layers", "24", "--hidden", "4096"]),
    "decoder": ("gen_decoder.py", "decoder", []),
    "decoder-1b": ("gen_decoder.py", "decoder", ["--layers", "20", "--hidden", "2048", "--mlp", "5632",
                                                 "--heads", "16"]),
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", choices=MODELS, default="mlp")
    parser.add_argument("--work", help="default /tmp/quantc-streaming-MODEL")
    parser.add_argument("--gptq", action="store_true", help="also GPTQ with 8 calibration sequences")
    parser.add_argument("--only-gptq", action="store_true", help="the GPTQ compile alone")
    args = parser.parse_args()
    generator, name, sizes = MODELS[args.model]
    work = args.work or "/tmp/quantc-streaming-" + args.model
    model = os.path.join(work, name + ".onnx")
    if not os.path.exists(model):
        subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "bench", "streaming", generator), work] + sizes,
                       check=True)
    graph = onnx.load(model, load_external_data=False)
    float_bytes = os.path.getsize(os.path.join(work, name + ".bin"))
    rows = []
    decoder = name == "decoder"
    if decoder and (args.gptq or args.only_gptq):
        rows.append(gptq_compile(model, work, graph))
        if args.only_gptq:
            print_rows(args.model, float_bytes, rows)
            return
    if not decoder:  # a decoder's bytecode would hold its 12.9 GB again
        seconds, peak, _ = timed([QUANTC, "import", model, "-o", os.path.join(work, name + ".mlirbc")])
        rows.append(("quantc import", seconds, peak, ""))
    artifact = os.path.join(work, "w4")
    shape = ["--input-shape", "ids=1,1"] if decoder else []
    seconds, peak, _ = timed([QUANTC, "compile", model, "--bits", "4", "--group-size", "32", "--quiet",
                              "-o", artifact] + shape)
    weights = os.path.join(artifact, name + ".weights")
    library = os.path.join(artifact, "lib%s.so" % name)
    artifact_bytes = os.path.getsize(weights) + os.path.getsize(library)
    rows.append(("quantc compile --bits 4 --group-size 32", seconds, peak,
                 "artifact %.3f GB (%.2f/32 of float)" % (artifact_bytes / 1e9, 32 * artifact_bytes / float_bytes)))

    runner = os.path.join(work, "run_artifact")
    subprocess.run(["cc", "-O2", "-std=c99", "-I", os.path.join(ROOT, "include"),
                    os.path.join(ROOT, "bench", "run_artifact.c"), "-ldl", "-lm", "-o", runner],
                   check=True)
    x = os.path.join(work, "x.npy")
    if decoder:
        np.save(x, np.array([[7]], np.int64))
    else:
        hidden = graph.graph.input[0].type.tensor_type.shape.dim[1].dim_value
        np.save(x, np.random.default_rng(0).standard_normal((1, hidden)).astype(np.float32))
    seconds, peak, out = timed([runner, library, name, x, "1", "0"])
    rows.append(("load + first step (cold run_artifact)", seconds, peak, ""))
    step_ms = json.loads(timed([runner, library, name, x, "1", "20"])[2])["median_ms"]
    # A step reads every weight but the embedding table, of which one row:
    # the table is 4-bit codes and an f16 scale per 32 (--embedding-bits auto).
    read = os.path.getsize(weights)
    for tensor in graph.graph.initializer:
        if tensor.name == "embed" and decoder:
            read -= tensor.dims[0] * tensor.dims[1] * 4.5 / 8
    read = int(read)
    bandwidth = read_bandwidth(read)
    achieved = read / (step_ms / 1e3) / 1e9
    rows.append(("batch-1 step, 1 thread (median of 20)", step_ms / 1e3, None,
                 "%.1f GB/s of weights = %.0f%% of the %.1f GB/s read bandwidth"
                 % (achieved, 100 * achieved / bandwidth, bandwidth)))

    print_rows(args.model, float_bytes, rows)


def gptq_compile(model, work, graph):
    """quantc compile with GPTQ on 8 random token sequences of 32: a table row,
    with the step times quantc prints."""
    vocab = next(t.dims[0] for t in graph.graph.initializer if t.name == "embed")
    calib = os.path.join(work, "calib")
    os.makedirs(calib, exist_ok=True)
    rng = np.random.default_rng(1)
    for i in range(8):
        np.save(os.path.join(calib, "%d.npy" % i), rng.integers(0, vocab, (1, 32), dtype=np.int64))
    seconds, peak, _, log = timed([QUANTC, "compile", model, "--input-shape", "ids=1,32", "--bits", "4",
                                   "--group-size", "32", "--weight-method", "gptq", "--calib", calib,
                                   "-o", os.path.join(work, "w4-gptq")], stderr=True)
    steps = "; ".join(line.split("quantc: ", 1)[1] for line in log.splitlines() if line.startswith("quantc: "))
    return ("quantc compile --bits 4 --group-size 32 --weight-method gptq (8 x 32 tokens)", seconds, peak, steps)


def print_rows(model, float_bytes, rows):
    print("model: %s, %.2f GB of fp32 weights in external data" % (model, float_bytes / 1e9))
    print("| step | wall s | peak RSS MB | notes |")
    print("|---|---|---|---|")
    for step, seconds, peak, note in rows:
        print("| %s | %.3f | %s | %s |" % (step, seconds, "%.0f" % peak if peak else "", note))


if __name__ == "__main__":
    main()
