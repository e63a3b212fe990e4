"""pass_matrix.py: every quantc pass on every IR the test suite has, looking for crashes.

Issue 6 point 3: IR that verifies must never reach an assert, an
llvm_unreachable or undefined behaviour inside a pass. The inputs are the lit
tests' .mlir files (each split at `// -----`) and generated ONNX models
imported and then taken through the pipeline's stages (float, calibrated and
quantized, integer, linalg), so each pass also sees IR from stages it does not
expect. A run passes when quant-opt exits 0, or exits 1 after printing an
error diagnostic. Anything else (a signal, a sanitizer report, a stack dump,
a silent failure) is a crash and fails the matrix. Prints one line per crash
and "pass matrix: N runs, N clean errors, N crashes".

Each pass runs once per batch of inputs, their chunks joined into one
--split-input-file buffer: the sanitized binary's start-up, not the passes,
took most of the time when each cell was its own process. A batch that
crashes, or has a failed chunk without an error diagnostic, runs again one
input per process, which names the input.
"""
import argparse
import bisect
import concurrent.futures
import glob
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TEST_ROOT = os.path.dirname(HERE)

# Each pass with the options that reach its main paths.
PASSES = [
    "qnn-fold-constants",
    "qnn-fold-batchnorm",
    "qnn-fuse-patterns",
    "qnn-calibrate{data-free-samples=2}",
    "qnn-calibrate{data-free-samples=2 method=mse}",
    "qnn-calibrate{data-free-samples=2 hessians=true method=entropy}",
    "qnn-calibrate{data-free-samples=2 hessians=true act-sensitivity=true method=layer}",
    "qnn-smooth-quant",
    "qnn-quantize{bits=8 act-bits=8}",
    "qnn-quantize{bits=4 group-size=32 method=gptq embedding-bits=3}",
    "qnn-quantize{bits=4 method=adaround bias-correction=true}",
    "qnn-quantize{bits=ternary symmetric=true}",
    "qnn-refit-weights{data-free-samples=2 bits=4 act-bits=8}",
    "qnn-refit-weights{data-free-samples=2 bits=3 method=adaround}",
    "qnn-split-decisive-channels{data-free-samples=2 min-channels=2 max-fraction=1}",
    "qnn-fold-scales",
    "qnn-sensitivity",
    "qnn-allocate-bits{avg-bits=4}",
    "qnn-allocate-bits{avg-bits=4 act-bits-auto=true}",
    "qnn-allocate-bits{avg-bits=3 preferred-min-bits=3}",
    "qnn-allocate-bits{avg-bits=3 preferred-min-bits=3 output-min-bits=4 grouped-min-bits=8}",
    "qnn-measure-latency{bits=8 repeats=1 cache=CACHE}",
    "qnn-apply-allocation{file=ALLOCATION}",
    "qnn-apply-allocation{file=MISSING}",
    "quantc-quantize-pipeline{bits=4 group-size=32 weight-scheme=asym}",
    "convert-qnn-to-linalg",
    "convert-qnn-to-linalg{pool-taps=true top-k-selection=true}",
    "convert-qnn-to-qkernel",
    "convert-qnn-to-qkernel{lanes=4 activations=float signed-bytes=true}",
    "convert-qkernel-to-loops{family=vnni}",
    "convert-qkernel-to-loops{family=neon}",
    "convert-qkernel-to-llvm",
    "convert-qkernel-to-gpu{chip=sm_90 format=none}",
    "convert-qkernel-to-gpu{chip=sm_90 format=none gemv=stream-k}",
    "convert-qkernel-to-gpu{chip=sm_90 format=none deterministic=false}",
    "convert-qkernel-to-gpu{chip=sm_90 format=none gemv=stream-k:prefetch=4:stages=3:scale-after-mma:warps=2}",
    "convert-qkernel-to-gpu{chip=sm_90 format=isa}",
    "func.func(convert-linalg-matmul-to-vector)",
    "func.func(quantc-fuse-elementwise)",
    "func.func(convert-linalg-grouped-convs-to-matmuls)",
    "func.func(convert-linalg-depthwise-to-vector)",
    "func.func(convert-linalg-depthwise-to-vector{lanes=4})",
    "func.func(convert-strided-copies-to-linalg)",
    "func.func(convert-linalg-transpose-to-vector)",
    "func.func(convert-padded-copies-to-loops)",
    "quantc-approximate-math",
    "func.func(quantc-fuse-fills-into-parallel-loops)",
    "func.func(quantc-fuse-adjacent-parallel-loops)",
    "func.func(quantc-fuse-producers-into-row-chunks)",
    "func.func(quantc-plan-parallel-loops)",
    "func.func(quantc-vectorize-hints)",
    "func.func(quantc-vectorize-float-reductions)",
    "func.func(quantc-expand-alloca-scopes)",
    "quantc-apply-loop-annotations",
    "quantc-flatten-constant-globals",
    "quantc-outline-loop-nests",
    "quantc-share-thread-team",
    "quantc-import-cleanup-pipeline",
    "quantc-lower-to-qkernel-pipeline",
    "quantc-lower-to-loops-pipeline",
    "quantc-lower-to-loops-pipeline{gpu-chip=sm_90 gpu-format=none}",
    "quantc-lower-to-loops-pipeline{gpu-chip=sm_90 gpu-format=none gpu-gemv=stream-k:past-l1}",
    "quantc-lower-to-loops-pipeline{gpu-chip=sm_90 gpu-format=none gpu-gemv=split-k:permute-k:stages=2:warps=1}",
    "quantc-lower-to-llvm-pipeline",
    "quantc-lower-to-llvm-pipeline{kernel-family=neon kernel-activations=float}",
]

MODELS = ["mlp_two_outputs", "output_shared", "output_batched_matmul", "gemm_bn_layernorm", "pools", "qdq_conv", "matmul_nbits",
          "resize_sizes", "conv_same_upper", "constant_weights", "layernorm_outlier_matmul",
          "depthwise_channels", "cast_out_of_range", "embedding_net", "grid_sample"]

# Stages a model is taken through before every pass runs on it.
STAGES = {
    "float": None,
    # Statistics on the float graph: what SmoothQuant, AdaRound, bias
    # correction and --act-bits auto read.
    "calibrated": "builtin.module(qnn-fold-batchnorm, qnn-calibrate{data-free-samples=2"
                  " hessians=true act-sensitivity=true})",
    # MSE ranges: per-channel depthwise inputs where they quantize better.
    "quantized": "builtin.module(qnn-fold-batchnorm, qnn-calibrate{data-free-samples=2 method=mse},"
                 " qnn-quantize{bits=8 act-bits=8})",
    "integer": "builtin.module(qnn-fold-batchnorm, qnn-calibrate{data-free-samples=2 method=mse},"
               " qnn-quantize{bits=8 act-bits=8}, qnn-fold-scales)",
    "qkernel": "builtin.module(qnn-fold-batchnorm, qnn-quantize{bits=4 group-size=32 embedding-bits=4},"
               " convert-qnn-to-qkernel)",
    "linalg": "builtin.module(qnn-fold-batchnorm, qnn-calibrate{data-free-samples=2},"
              " qnn-quantize{bits=4 act-bits=8}, qnn-fold-scales, convert-qnn-to-linalg)",
}

# Where mlir's splitAndProcessBuffer cuts an input (a line that starts a
# `// -----` marker).
SPLIT_MARKER = re.compile(r"^// -----[^\n]*\n?", re.M)

CRASH_MARKS = ("Stack dump", "PLEASE submit", "Sanitizer", "runtime error:", "LLVM ERROR",
               "Assertion", "UNREACHABLE")


def run(command, **kwargs):
    return subprocess.run(command, capture_output=True, text=True, timeout=600, **kwargs)


def crash_of(result):
    """Why `result` counts as a crash, or None for a clean run or a clean error."""
    text = result.stderr
    for mark in CRASH_MARKS:
        if mark in text:
            return mark
    if result.returncode == 0:
        return None
    if result.returncode == 1:
        return None if "error:" in text else "exit 1 without an error diagnostic"
    return "exit code %d" % result.returncode


def build_inputs(args):
    """The .mlir inputs: lit tests as they are, models at every stage."""
    inputs = sorted(glob.glob(os.path.join(TEST_ROOT, "Dialect", "**", "*.mlir"), recursive=True) +
                    glob.glob(os.path.join(TEST_ROOT, "Conversion", "**", "*.mlir"), recursive=True) +
                    glob.glob(os.path.join(TEST_ROOT, "Transforms", "*.mlir")))
    for model in MODELS:
        onnx = os.path.join(args.work, model + ".onnx")
        made = run([sys.executable, os.path.join(HERE, "gen_onnx.py"), model, onnx])
        if made.returncode:
            sys.exit("gen_onnx.py %s failed:\n%s" % (model, made.stderr))
        imported = os.path.join(args.work, model + ".float.mlir")
        result = run([args.quantc, "import", onnx, "-o", imported])
        if result.returncode:
            sys.exit("quantc import %s failed:\n%s" % (model, result.stderr))
        inputs.append(imported)
        for stage, pipeline in STAGES.items():
            if pipeline is None:
                continue
            staged = os.path.join(args.work, "%s.%s.mlir" % (model, stage))
            result = run([args.quant_opt, imported, "--pass-pipeline=" + pipeline, "-o", staged])
            # A stage the model cannot reach is itself a pass run; keep it
            # in the matrix only when it produced IR.
            if result.returncode == 0:
                inputs.append(staged)
            elif crash_of(result):
                sys.exit("staging %s to %s crashed:\n%s" % (model, stage, result.stderr))
    return inputs


def pass_options(args, pass_text):
    pass_text = pass_text.replace("CACHE", os.path.join(args.work, "latency.json"))
    # An allocation file with entries no input has, and one that does not exist.
    pass_text = pass_text.replace("ALLOCATION", os.path.join(args.work, "allocation.json"))
    return pass_text.replace("MISSING", os.path.join(args.work, "missing.json"))


def run_cell(args, path, pass_text):
    command = [args.quant_opt, path, "--split-input-file",
               "--pass-pipeline=builtin.module(%s)" % pass_text, "-o", os.devnull]
    result = run(command)
    return path, result, crash_of(result)


def chunks_of(path):
    """`path` split where quant-opt's --split-input-file splits it."""
    with open(path) as f:
        return SPLIT_MARKER.split(f.read())


RERUNS = []  # batches run again one input per process, for the summary


def run_batch(args, batch, pass_text):
    """One quant-opt process runs `pass_text` on every chunk of every input in
    `batch` (process start-up, not the passes, dominated one run per cell in
    the sanitized build). Returns (path, result or None, crash) per input:
    None when the input's chunks all succeeded. A crash, or a failed chunk
    without an error diagnostic, reruns the batch's inputs one per process,
    which names the culprit exactly as before."""
    name = os.path.join(args.work, "batch-%d-%d.mlir" % (PASSES.index(pass_text), id(batch)))
    owners, starts, text, line = [], [], [], 1
    for path in batch:
        for chunk in chunks_of(path):
            chunk = chunk.strip("\n") + "\n"
            owners.append(path)
            starts.append(line)
            text.append(chunk)
            line += chunk.count("\n") + 1  # the marker line after it
    with open(name, "w") as f:
        f.write("// -----\n".join(text))
    options = pass_options(args, pass_text)
    result = run([args.quant_opt, name, "--split-input-file",
                  "--pass-pipeline=builtin.module(%s)" % options, "-o", "-"])
    outputs = result.stdout.split("// -----\n")
    failing = [not output.strip() for output in outputs]
    with_error, unplaced = set(), 0
    for match in re.finditer(r"^(.*?):(\d+):\d+: error:|^.*: error:", result.stderr, re.M):
        if match.group(1) == name:
            # A chunk's module-level errors point at the marker line above it.
            with_error.add(bisect.bisect_right(starts, int(match.group(2)) + 1) - 1)
        else:
            unplaced += 1  # at a location with no line in the batch, e.g. loc("a")
    os.remove(name)
    # Each failed chunk must account for an error diagnostic: its own, or one
    # of those that name no line.
    silent = sum(failing[i] and i not in with_error for i in range(len(failing))) > unplaced
    if crash_of(result) or len(outputs) != len(owners) or silent:
        RERUNS.append(pass_text)
        return [run_cell(args, path, options) for path in batch]
    failed = {owners[i] for i in range(len(owners)) if failing[i]}
    return [(path, result if path in failed else None, None) for path in batch]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quant-opt", required=True)
    parser.add_argument("--quantc", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    with open(os.path.join(args.work, "allocation.json"), "w") as f:
        f.write('{"quantc_allocation": 1, "layers": [{"name": "matmul#0", "weight_bits": 4}, '
                '{"name": "conv#0", "weight_bits": 3, "group_size": 32, "act_bits": 16}]}')
    inputs = build_inputs(args)
    # Per pass, a few batches of inputs so that every core stays busy.
    batches = [inputs[i::2 * args.jobs] for i in range(2 * args.jobs)]
    work = [(batch, p) for p in PASSES for batch in batches if batch]
    crashes = errors = 0
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        outcomes = pool.map(lambda w: run_batch(args, *w), work)
        for (_, pass_text), batch_outcomes in zip(work, outcomes):
            for path, result, crash in batch_outcomes:
                if crash:
                    crashes += 1
                    name = os.path.relpath(path, TEST_ROOT) if path.startswith(TEST_ROOT) else os.path.basename(path)
                    print("CRASH: %s on %s (%s)" % (pass_text, name, crash))
                    print("\n".join("  " + line for line in result.stderr.splitlines()[-15:]))
                elif result is not None and result.returncode:
                    errors += 1
    print("pass matrix: %d inputs x %d passes = %d runs, %d clean errors, %d crashes"
          % (len(inputs), len(PASSES), len(inputs) * len(PASSES), errors, crashes))
    print("(%d of %d batches rerun one input per process)" % (len(RERUNS), len(work)), file=sys.stderr)
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
