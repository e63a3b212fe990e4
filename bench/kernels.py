#!/usr/bin/python3
"""Packed-kernel benchmark: single-thread GEMV/GEMM latency of quantc's packed
low-bit kernels against onnxruntime-node in the same run, with effective
weight bandwidth beside a read-bandwidth probe, and artifact size against
the packed bits.

bench/kernels.py [--quantc build/bin/quantc] [--runs 30] [--target host]
                 [--shapes 1x4096x4096,...] [--kernels dot,lut] [--threads 1]
Shapes are MxKxN (x [M, K] times W [K, N]). Prints Markdown tables.
--kernels picks the kernel families timed for the formats of at most 4 bits:
dot (`--lut-bits 0`), lut (`--lut-bits 4`: table lookups); w8 always runs
the dot kernel.

Per shape, one float MatMul model and MatMulNBits models (W4 g32 and W8 g32,
accuracy_level 4, no zero points, random weights) are written with onnx;
ORT runs the float model and the MatMulNBits models; quantc compiles the
same MatMulNBits models (imported as 4/8-bit groups of 32) and quantizes the
float model itself for w3, w2 and ternary (per-channel, weight-only). All
times are medians of --runs calls on --threads threads (quantc `run --repeat
--threads`, ORT session.run with intraOpNumThreads the same)."""
import argparse
import json
import os
import re
import subprocess
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LUT_BITS = {"dot": "0", "lut": "4"}
KERNEL_LABEL = {"dot": "", "lut": ", LUT"}
DEFAULT_SHAPES = "1x4096x4096,1x14336x4096,1x4096x14336,64x4096x4096,256x4096x4096"

PROBE_C = r"""
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
/* Single-thread read bandwidth: sums 512 MiB of 64-bit words, best of 5. */
int main(void) {
  size_t n = (size_t)512 << 20 >> 3;
  uint64_t *a = malloc(n * 8);
  for (size_t i = 0; i < n; ++i) a[i] = i;
  double best = 1e9; uint64_t sink = 0;
  for (int r = 0; r < 5; ++r) {
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (size_t i = 0; i < n; i += 4) { s0 += a[i]; s1 += a[i + 1]; s2 += a[i + 2]; s3 += a[i + 3]; }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    sink += s0 + s1 + s2 + s3;
    double s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9;
    if (s < best) best = s;
  }
  printf("%.2f %llu\n", n * 8 / best / 1e9, (unsigned long long)(sink & 1));
  return 0;
}
"""


def read_bandwidth(work):
    src, exe = os.path.join(work, "probe.c"), os.path.join(work, "probe")
    with open(src, "w") as f:
        f.write(PROBE_C)
    subprocess.run(["cc", "-O2", "-march=native", src, "-o", exe], check=True)
    return float(subprocess.run([exe], check=True, capture_output=True, text=True).stdout.split()[0])


def float_model(path, m, k, n, rng):
    w = (rng.standard_normal((k, n)) * 0.05).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"])], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [m, k])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [m, n])],
        [numpy_helper.from_array(w, "w")])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)


def nbits_model(path, m, k, n, bits, rng, block=32):
    blocks = k // block
    codes = rng.integers(0, 1 << bits, size=(n, blocks, block), dtype=np.uint8)
    if bits == 4:
        packed = (codes[:, :, 0::2] | (codes[:, :, 1::2] << 4)).astype(np.uint8)
    else:
        packed = codes
    scales = (rng.random((n * blocks,)) * 0.01 + 0.001).astype(np.float32)
    node = helper.make_node("MatMulNBits", ["x", "b", "scales"], ["y"], domain="com.microsoft",
                            K=k, N=n, bits=bits, block_size=block, accuracy_level=4)
    graph = helper.make_graph(
        [node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [m, k])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [m, n])],
        [numpy_helper.from_array(packed, "b"), numpy_helper.from_array(scales, "scales")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                    helper.make_opsetid("com.microsoft", 1)])
    model.ir_version = 8
    onnx.save(model, path)


def time_quantc(args, model, x, work, name, flags):
    artifact = os.path.join(work, name)
    subprocess.run([args.quantc, "compile", model, "--target", args.target, "-o", artifact] + flags,
                   check=True, stderr=subprocess.DEVNULL)
    out = subprocess.run([args.quantc, "run", artifact, "--input", "x=" + x, "--repeat",
                          str(args.runs), "--time", "--threads", str(args.threads)],
                         check=True, capture_output=True, text=True)
    median = float(re.search(r"run: min [0-9.]+ ms, median ([0-9.]+) ms", out.stderr).group(1))
    size = sum(os.path.getsize(os.path.join(artifact, f)) for f in os.listdir(artifact)
               if f.endswith(".so"))
    return median, size


def time_ort(args, model, x):
    out = subprocess.run(["node", os.path.join(ROOT, "scripts", "ort-run.js"), model, "--input",
                          "x=" + x, "--threads", str(args.threads), "--repeat", str(args.runs)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout)["median_ms"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quantc", default=os.path.join(ROOT, "build", "bin", "quantc"))
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--target", default="host")
    parser.add_argument("--shapes", default=DEFAULT_SHAPES)
    parser.add_argument("--kernels", default="dot,lut", help="dot, lut or both (formats <= 4 bits)")
    parser.add_argument("--threads", type=int, default=1,
                        help="threads of quantc (run --threads) and ORT (intraOpNumThreads)")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as work:
        bandwidth = read_bandwidth(work)
        print("read-bandwidth probe (1 thread, 512 MiB): %.1f GB/s; target %s; median of %d runs; "
              "%d thread(s)\n" % (bandwidth, args.target, args.runs, args.threads))
        print("| M x K x N | format | quantc ms | ORT ms | ORT reference | quantc / ref "
              "| weight GB/s (quantc) | % of probe | .so MB | packed MB |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for shape in args.shapes.split(","):
            m, k, n = map(int, shape.split("x"))
            x = os.path.join(work, "x.npy")
            np.save(x, rng.standard_normal((m, k)).astype(np.float32))
            fp32 = os.path.join(work, "fp32.onnx")
            float_model(fp32, m, k, n, rng)
            ort_fp32 = time_ort(args, fp32, x)
            rows = []
            q, size = time_quantc(args, fp32, x, work, "f32", [])
            rows.append(("fp32", q, ort_fp32, "ORT fp32", size, k * n * 4))
            ort_by_bits = {}
            kernels = args.kernels.split(",")
            for bits in (4, 8):
                model = os.path.join(work, "w%d.onnx" % bits)
                nbits_model(model, m, k, n, bits, rng)
                ort_by_bits[bits] = time_ort(args, model, x)
                packed = k * n * bits / 8 + (k // 32) * n * 4
                for kernel in (kernels if bits <= 4 else ["dot"]):
                    q, size = time_quantc(args, model, x, work, "w%d" % bits,
                                          ["--lut-bits", LUT_BITS[kernel]])
                    rows.append(("w%d g32%s" % (bits, KERNEL_LABEL[kernel]), q, ort_by_bits[bits],
                                 "ORT MatMulNBits w%d" % bits, size, packed))
            for label, flag, bits in (("w3", "3", 3), ("w2", "2", 2), ("ternary", "ternary", 2)):
                for kernel in kernels:
                    q, size = time_quantc(args, fp32, x, work, label,
                                          ["--bits", flag, "--lut-bits", LUT_BITS[kernel]])
                    rows.append((label + " per-channel" + KERNEL_LABEL[kernel], q, ort_by_bits[4],
                                 "ORT MatMulNBits w4", size, k * n * bits / 8 + n * 4))
            for label, q, ort, ref, size, packed in rows:
                gbps = packed / (q * 1e-3) / 1e9
                print("| %s | %s | %.3f | %.3f | %s | %.2fx | %.1f | %.0f%% | %.2f | %.2f |" % (
                    shape, label, q, ort, ref, q / ort, gbps, 100 * gbps / bandwidth,
                    size / 1e6, packed / 1e6))


if __name__ == "__main__":
    main()
