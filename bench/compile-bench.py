#!/usr/bin/python3
"""Compile time: PaddleOCR cls, rec and det, float and quantized, by phase.

bench/compile-bench.py [--quantc build/bin/quantc] [--models cls,rec,det]
                       [--configs float,w8a8,w4] [--repeat 3]
Each configuration is compiled cold (--object-cache in a fresh directory, so
nothing is reused), on every core and with QUANTC_NUM_THREADS=1, then again
warm (the same cache: an unchanged model reads its code back). Times are
the `--time` line's phases, best of --repeat: import, quantize (analysis:
calibration, sensitivity, the quality report), lower (MLIR passes),
codegen and link (translation, LLVM -O2 and emission in partitions, link).
"vs float" compares lower + codegen with the same model's float compile.
Configurations: float; w8a8 (`--bits 8 --act-bits 8`, data-free ranges);
w4 (`--bits 4 --act-bits none --group-size 32`, packed weight-only kernels).
Prints a Markdown table."""
import argparse
import os
import re
import shutil
import subprocess
import tempfile

from benchlib import cpu_name

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = {
    "cls": ("ch_ppocr_mobile_v2.0_cls_infer.onnx", "x=1,3,48,192"),
    "rec": ("ch_PP-OCRv4_rec_infer.onnx", "x=1,3,48,320"),
    "det": ("ch_PP-OCRv4_det_infer.onnx", "x=1,3,640,640"),
}
CONFIGS = {
    "float": [],
    "w8a8": ["--bits", "8", "--act-bits", "8"],
    "w4": ["--bits", "4", "--act-bits", "none", "--group-size", "32"],
}
TIME_LINE = re.compile(r"compile: ([0-9.]+) s \(import ([0-9.]+), quantize ([0-9.]+), lower "
                       r"([0-9.]+), codegen and link ([0-9.]+): .* in (\d+) partitions, (\d+) cached")


def compile_phases(args, model, dims, flags, out, cache, threads=None):
    env = dict(os.environ)
    if threads:
        env["QUANTC_NUM_THREADS"] = str(threads)
    result = subprocess.run([args.quantc, "compile", model, "--input-shape", dims, "-o", out,
                             "--object-cache", cache, "--time"] + flags,
                            check=True, capture_output=True, text=True, env=env)
    match = TIME_LINE.search(result.stderr)
    total, imported, quantize, lower, codegen = map(float, match.groups()[:5])
    return {"total": total, "import": imported, "quantize": quantize, "lower": lower,
            "codegen": codegen, "partitions": int(match.group(6)), "cached": int(match.group(7))}


def best(runs):
    return min(runs, key=lambda r: r["lower"] + r["codegen"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quantc", default=os.path.join(ROOT, "build", "bin", "quantc"))
    parser.add_argument("--models", default="cls,rec,det")
    parser.add_argument("--configs", default="float,w8a8,w4")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print("machine: %s, %d cores; seconds, best of %d\n" % (cpu_name(), os.cpu_count(), args.repeat))
    print("| model | config | total | import | quantize (analysis) | lower | codegen and link "
          "| partitions | lower + codegen vs float | codegen, 1 thread | warm total (cached) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as work:
        for name in args.models.split(","):
            file, dims = MODELS[name]
            model = os.path.join(ROOT, ".cache", "models", file)
            float_build = None
            for config in args.configs.split(","):
                out, cache = (os.path.join(work, name + "-" + config + s) for s in ("", "-cache"))
                cold, single = [], []
                for _ in range(args.repeat):
                    shutil.rmtree(cache, ignore_errors=True)
                    cold.append(compile_phases(args, model, dims, CONFIGS[config], out, cache))
                    shutil.rmtree(cache, ignore_errors=True)
                    single.append(compile_phases(args, model, dims, CONFIGS[config], out, cache, 1))
                warm = min((compile_phases(args, model, dims, CONFIGS[config], out, cache)
                            for _ in range(args.repeat)), key=lambda r: r["total"])
                c, s = best(cold), best(single)
                build = c["lower"] + c["codegen"]
                if config == "float":
                    float_build = build
                ratio = "%.2fx" % (build / float_build) if float_build else "n/a"
                print("| %s | %s | %.2f | %.2f | %.2f | %.2f | %.2f | %d | %s | %.2f | %.2f (%d of %d) |"
                      % (name, config, c["total"], c["import"], c["quantize"], c["lower"],
                         c["codegen"], c["partitions"], ratio, s["codegen"], warm["total"],
                         warm["cached"], warm["partitions"]), flush=True)


if __name__ == "__main__":
    main()
