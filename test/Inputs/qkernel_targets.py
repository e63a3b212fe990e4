"""The packed kernels of every target family compute the same bits: a MatMul,
a Gemm (transB, bias), a 1x1 Conv (bias, Relu), kxk Convs through im2col
(3x3 stride 2 with pads, 1x3) and a depthwise 3x3 Conv (37 channels) with
tails in K and N, quantized to each
weight format, run through the host JIT, x86-64-v3 (AVX2 dot), x86-64
(generic dot), x86-64-v4-vnni (when the host has VNNI) and AArch64 (NEON
sdot, under qemu-aarch64); each output must equal the host's bit for bit
and stay close to float. The `lut` mode runs the LUT kernels (vpshufb on
AVX-512 and AVX2, generic selects, NEON tbl) for the formats of at most 4
bits, on the host too, and must equal the host's int8 dot kernels bit for
bit.

  qkernel_targets.py QUANTC RUN_ARTIFACT_C WORK [FORMAT...]
Prints one line per format and activation mode, then a summary."""
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

quantc, runner, work = sys.argv[1:4]
formats = sys.argv[4:] or ["8", "7", "6", "5", "4", "3", "2", "ternary", "binary", "w8a8", "w4a8"]
rng = np.random.default_rng(3)
m, k, n = 3, 100, 37  # K is not a multiple of 32, N of any lane count
w1 = (rng.standard_normal((k, n)) * 0.2).astype(np.float32)
w2 = (rng.standard_normal((n, n)) * 0.2).astype(np.float32)  # Gemm transB
b2 = rng.standard_normal(n).astype(np.float32)
w3 = (rng.standard_normal((21, n, 1, 1)) * 0.2).astype(np.float32)  # 1x1 Conv
b3 = rng.standard_normal(21).astype(np.float32)
# kxk convs through im2col, on x seen as a [1, 4, 5, 15] image: 3x3 with
# stride (2, 1) and pads (K 36), then 1x3 with width pads as in PP-OCR rec (K 18).
w4 = (rng.standard_normal((6, 4, 3, 3)) * 0.2).astype(np.float32)
b4 = rng.standard_normal(6).astype(np.float32)
w5 = (rng.standard_normal((5, 6, 1, 3)) * 0.2).astype(np.float32)
# A depthwise 3x3 conv on the 37-channel image (A8: channels-last
# qkernel.depthwise_conv_integer, 37 = full vectors plus a masked tail on
# every family).
w6 = (rng.standard_normal((n, 1, 3, 3)) * 0.3).astype(np.float32)
b6 = rng.standard_normal(n).astype(np.float32)
graph = helper.make_graph(
    [helper.make_node("MatMul", ["x", "w1"], ["h"]),
     helper.make_node("Gemm", ["h", "w2", "b2"], ["g"], transB=1),
     helper.make_node("Transpose", ["g"], ["gt"], perm=[1, 0]),
     helper.make_node("Reshape", ["gt", "shape"], ["image"]),
     helper.make_node("Conv", ["image", "w3", "b3"], ["c"], kernel_shape=[1, 1]),
     helper.make_node("Relu", ["c"], ["r"]),
     helper.make_node("Reshape", ["x", "image_shape"], ["x_image"]),
     helper.make_node("Conv", ["x_image", "w4", "b4"], ["c4"], kernel_shape=[3, 3],
                      strides=[2, 1], pads=[1, 1, 1, 1]),
     helper.make_node("Relu", ["c4"], ["r4"]),
     helper.make_node("Conv", ["r4", "w5"], ["c5"], kernel_shape=[1, 3], pads=[0, 1, 0, 1]),
     helper.make_node("Conv", ["image", "w6", "b6"], ["c6"], kernel_shape=[3, 3],
                      pads=[1, 1, 1, 1], group=n),
     helper.make_node("Flatten", ["r"], ["f1"]),
     helper.make_node("Flatten", ["c5"], ["f2"]),
     helper.make_node("Flatten", ["c6"], ["f3"]),
     helper.make_node("Concat", ["f1", "f2", "f3"], ["y"], axis=1)], "g",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [m, k])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 21 * m + 5 * 3 * 15 + n * m])],
    [numpy_helper.from_array(a, name) for a, name in
     ((w1, "w1"), (w2, "w2"), (b2, "b2"), (w3, "w3"), (b3, "b3"), (w4, "w4"), (b4, "b4"),
      (w5, "w5"), (w6, "w6"), (b6, "b6"), (np.array([1, n, m, 1], np.int64), "shape"),
      (np.array([1, 4, 5, 15], np.int64), "image_shape"))])
model = os.path.join(work, "mlp.onnx")
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), model)
x = os.path.join(work, "x.npy")
np.save(x, rng.standard_normal((m, k)).astype(np.float32))


def run(*args):
    subprocess.run(list(args), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


run(quantc, "run", model, "--input", "x=" + x, "-o", os.path.join(work, "float.npy"))
reference = np.load(os.path.join(work, "float.npy"))
with open("/proc/cpuinfo") as f:
    vnni = "avx512_vnni" in f.read()
targets = ["x86-64-v3", "x86-64"] + (["x86-64-v4-vnni"] if vnni else [])
LIMITS = {"8": 0.03, "7": 0.05, "6": 0.08, "5": 0.15, "4": 0.3, "3": 0.4, "w8a8": 0.1, "w4a8": 0.35}
# w8a8 / w4a8: int8 activations with static ranges (data-free calibration)
# run qkernel.matmul_integer (8- and 4-bit codes); the weight-only formats
# run in both kernel modes.
A8 = {"w8a8": ["--bits", "8", "--act-bits", "8"], "w4a8": ["--bits", "4", "--act-bits", "8"]}
LUT_FORMATS = ("4", "3", "2", "ternary", "binary")
configurations = [(fmt, mode) for fmt in formats
                  for mode in (("int8",) if fmt in A8 else ("int8", "float") +
                               (("lut",) if fmt in LUT_FORMATS else ()))]
failed = 0
for fmt, mode in configurations:
    flags = A8.get(fmt) or ["--bits", fmt, "--kernel-activations", mode]
    reference_flags = flags
    if mode == "lut":  # LUT kernels everywhere against the host's dot kernels
        flags = ["--bits", fmt, "--lut-bits", "4"]
        reference_flags = ["--bits", fmt, "--lut-bits", "0"]
    tag = os.path.join(work, "%s-%s" % (fmt, mode))
    run(quantc, "run", model, "--input", "x=" + x, "-o", tag + "-host.npy", *reference_flags)
    host = np.load(tag + "-host.npy")
    outputs = {}
    if mode == "lut":
        run(quantc, "run", model, "--input", "x=" + x, "-o", tag + "-host-lut.npy", *flags)
        outputs["host"] = np.load(tag + "-host-lut.npy")
    for target in targets:
        run(quantc, "compile", model, "--target", target, "-o", tag + "-" + target, *flags)
        run(quantc, "run", tag + "-" + target, "--input", "x=" + x, "-o", tag + "-" + target + ".npy")
        outputs[target] = np.load(tag + "-" + target + ".npy")
    arm = tag + "-aarch64"
    run(quantc, "compile", model, "--target", "aarch64", "--name", "mlp", "-o", arm, *flags)
    run("aarch64-linux-gnu-gcc", "-std=c99", "-O2", "-DMODEL=mlp", "-include",
        os.path.join(arm, "mlp.h"), runner, "-L" + arm, "-lmlp", "-o", arm + "/run")
    subprocess.run(["qemu-aarch64", "-L", "/usr/aarch64-linux-gnu", arm + "/run", x, "-o",
                    arm + ".npy"], check=True, stdout=subprocess.DEVNULL,
                   env=dict(os.environ, LD_LIBRARY_PATH=arm))
    outputs["aarch64"] = np.load(arm + ".npy")
    differ = [t for t, o in outputs.items() if o.tobytes() != host.tobytes()]
    error = float(np.abs(host - reference).max() / np.abs(reference).max())
    # Random Gaussian weights at 2 bits or fewer keep only the signs.
    ok = not differ and error < LIMITS.get(fmt, 1.0)
    failed += not ok
    print("%-4s %-7s %-5s: %d targets %s host, relative error vs float %.4f" % (
        "ok" if ok else "FAIL", fmt, mode, len(outputs),
        "equal" if not differ else "DIFFER (" + ", ".join(differ) + ")", error))
print("%d configurations, %d failed" % (len(configurations), failed))
