#!/usr/bin/python3
"""Writes small ONNX models for the importer tests: gen_onnx.py CASE OUT.onnx.

Models are built at test time so that no binaries are committed."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

F = TensorProto.FLOAT
I64 = TensorProto.INT64


def model(nodes, inputs, outputs, inits=(), opset=13, domains=()):
    graph = helper.make_graph(nodes, "test", inputs, outputs, list(inits))
    opsets = [helper.make_opsetid("", opset)] + [helper.make_opsetid(d, 1) for d in domains]
    m = helper.make_model(graph, opset_imports=opsets, producer_name="gen_onnx")
    m.ir_version = 8
    # The checker wants declared output shapes: take them from ONNX inference.
    inferred = {v.name: v for v in onnx.shape_inference.infer_shapes(m).graph.output
                if v.type.tensor_type.HasField("shape")}
    for out in m.graph.output:
        if not out.type.tensor_type.HasField("shape") and out.name in inferred:
            out.type.CopyFrom(inferred[out.name].type)
    return m


def vi(name, dtype, shape):
    return helper.make_tensor_value_info(name, dtype, shape)


def const(name, array):
    return helper.make_node("Constant", [], [name], name=name,
                            value=numpy_helper.from_array(np.asarray(array), name))


def weights(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def conv_same_upper():
    w = numpy_helper.from_array(weights((8, 2, 3, 3)), "w")
    b = numpy_helper.from_array(weights((8,), 1), "b")
    conv = helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv0", auto_pad="SAME_UPPER",
                            strides=[2, 2], group=2)
    relu = helper.make_node("Relu", ["c"], ["y"], name="relu0")
    return model([conv, relu], [vi("x", F, [1, 4, 9, 9])], [vi("y", F, None)], [w, b])


def dynamic_batch():
    w = numpy_helper.from_array(weights((4, 3, 1, 1)), "w")
    conv = helper.make_node("Conv", ["x", "w"], ["y"], name="conv0")
    return model([conv], [vi("x", F, ["N", 3, 8, 8])], [vi("y", F, None)], [w])


def shape_subgraph():
    # paddle2onnx style: Reshape's target is computed from the input's shape.
    nodes = [
        helper.make_node("Shape", ["x"], ["s"], name="shape0"),
        const("idx", np.array([0], np.int64)),
        helper.make_node("Gather", ["s", "idx"], ["n"], name="gather0"),
        helper.make_node("Cast", ["n"], ["nf"], name="cast0", to=F),
        helper.make_node("Cast", ["nf"], ["ni"], name="cast1", to=I64),
        const("minus1", np.array([-1], np.int64)),
        helper.make_node("Concat", ["ni", "minus1"], ["target"], name="concat0", axis=0),
        helper.make_node("Reshape", ["x", "target"], ["r"], name="reshape0"),
        const("ax", np.array([1], np.int64)),
        helper.make_node("Unsqueeze", ["r", "ax"], ["y"], name="unsqueeze0"),
        helper.make_node("Relu", ["x"], ["dead"], name="dead_relu"),
    ]
    return model(nodes, [vi("x", F, ["B", 4, 6])], [vi("y", F, ["B", 1, 24])])


def constant_weights():
    nodes = [
        const("w", weights((3, 5))),
        const("bias", weights((5,), 2)),
        const("scale", np.array([0.5], np.float32)),
        helper.make_node("MatMul", ["x", "w"], ["m"], name="matmul0"),
        helper.make_node("Add", ["m", "bias"], ["a"], name="add0"),
        helper.make_node("Mul", ["a", "scale"], ["y"], name="mul0"),
    ]
    return model(nodes, [vi("x", F, [2, 3])], [vi("y", F, None)])


def unsupported_ops():
    nodes = [
        helper.make_node("Relu", ["x"], ["r"], name="relu0"),
        helper.make_node("NonZero", ["r"], ["v"], name="nonzero0"),
        helper.make_node("Unique", ["v"], ["e"], name="unique0"),
        helper.make_node("Unique", ["e"], ["f"], name="unique1"),
        helper.make_node("FancyOp", ["f"], ["y"], name="fancy0", domain="com.example"),
    ]
    return model(nodes, [vi("x", F, [2, 4])], [vi("y", F, [2, 2])], domains=["com.example"])


def bad_shape():
    # Conv weight channels do not match the input: a shape error in the middle of the graph.
    w = numpy_helper.from_array(weights((4, 5, 3, 3)), "w")
    nodes = [helper.make_node("Conv", ["x", "w"], ["y"], name="conv_bad")]
    return model(nodes, [vi("x", F, [1, 3, 8, 8])], [vi("y", F, [1, 4, 6, 6])], [w])


def opset_variants():
    # Attribute-era forms (opset 9): Clip/Slice/Squeeze/Unsqueeze/Pad/Upsample/Softmax.
    nodes = [
        helper.make_node("Clip", ["x"], ["c"], name="clip0", min=0.0, max=6.0),
        helper.make_node("Slice", ["c"], ["s"], name="slice0", starts=[1], ends=[-1], axes=[3]),
        helper.make_node("Pad", ["s"], ["p"], name="pad0", pads=[0, 0, 1, 0, 0, 0, 1, 0]),
        helper.make_node("Upsample", ["p", "up"], ["u"], name="upsample0"),
        helper.make_node("Softmax", ["u"], ["sm"], name="softmax0", axis=1),
        helper.make_node("Flatten", ["sm"], ["f"], name="flatten0", axis=2),
        helper.make_node("Unsqueeze", ["f"], ["un"], name="unsqueeze0", axes=[0]),
        helper.make_node("Squeeze", ["un"], ["y"], name="squeeze0", axes=[0]),
    ]
    up = numpy_helper.from_array(np.array([1, 1, 2, 2], np.float32), "up")
    return model(nodes, [vi("x", F, [1, 2, 3, 6])], [vi("y", F, None)], [up], opset=9)


def resize_sizes():
    nodes = [
        helper.make_node("Resize", ["x", "", "", "sizes"], ["y"], name="resize0", mode="linear",
                         coordinate_transformation_mode="align_corners"),
    ]
    sizes = numpy_helper.from_array(np.array([1, 2, 7, 9], np.int64), "sizes")
    return model(nodes, [vi("x", F, [1, 2, 4, 5])], [vi("y", F, None)], [sizes])


def grid_sample():
    """GridSample (opset 16's names): x[1,2,4,5] sampled bicubically at a
    grid[1,3,6,2], reflected at the borders, corners aligned."""
    nodes = [helper.make_node("GridSample", ["x", "grid"], ["y"], name="sample0", mode="bicubic",
                              padding_mode="reflection", align_corners=1)]
    return model(nodes, [vi("x", F, [1, 2, 4, 5]), vi("grid", F, [1, 3, 6, 2])], [vi("y", F, None)],
                 opset=16)


def grid_sample_modes():
    """Every GridSample mode, padding and corner alignment (18 nodes) on one
    x[1,2,5,6] and grid[1,4,7,2]: outputs named mode_padding_align."""
    nodes, outputs = [], []
    for mode in ("bilinear", "nearest", "bicubic"):
        for padding in ("zeros", "border", "reflection"):
            for align in (0, 1):
                name = "%s_%s_%d" % (mode, padding, align)
                nodes.append(helper.make_node("GridSample", ["x", "grid"], [name], name=name,
                                              mode=mode, padding_mode=padding,
                                              align_corners=align))
                outputs.append(vi(name, F, None))
    return model(nodes, [vi("x", F, [1, 2, 5, 6]), vi("grid", F, [1, 4, 7, 2])], outputs, opset=16)


def transposes():
    """Transposes that move the innermost dim, with whole 8 x 8 blocks and
    tails: x[1,19,12,21] to NHWC ("nhwc") and to [1,21,19,12] ("nchw_like"),
    by a perm of every dim ("mixed"); m[9,17] ("matrix"); int64 ids[2,16,24]
    ("ids")."""
    nodes = [helper.make_node("Transpose", ["x"], ["nhwc"], name="nhwc", perm=[0, 2, 3, 1]),
             helper.make_node("Transpose", ["x"], ["nchw_like"], name="nchw_like",
                              perm=[0, 3, 1, 2]),
             helper.make_node("Transpose", ["x"], ["mixed"], name="mixed", perm=[3, 1, 0, 2]),
             helper.make_node("Transpose", ["m"], ["matrix"], name="matrix", perm=[1, 0]),
             helper.make_node("Transpose", ["ids"], ["ids_t"], name="ids_t", perm=[0, 2, 1])]
    return model(nodes, [vi("x", F, [1, 19, 12, 21]), vi("m", F, [9, 17]),
                         vi("ids", I64, [2, 16, 24])],
                 [vi(o, I64 if o == "ids_t" else F, None)
                  for o in ("nhwc", "nchw_like", "mixed", "matrix", "ids_t")])


def top_k():
    """TopK with ties: the 3 largest of each row of x[4,6] ("rows") and the
    2 smallest of each column ("columns", axis 0); the int64 ids' 4
    smallest ("ids")."""
    k3, k2, k4 = (numpy_helper.from_array(np.array([v], np.int64), "k%d" % v) for v in (3, 2, 4))
    nodes = [helper.make_node("TopK", ["x", "k3"], ["rows", "rows_at"], name="rows"),
             helper.make_node("TopK", ["x", "k2"], ["columns", "columns_at"], name="columns",
                              axis=0, largest=0),
             helper.make_node("TopK", ["ids", "k4"], ["smallest_ids", "smallest_at"],
                              name="ids", largest=0)]
    outputs = ["rows", "rows_at", "columns", "columns_at", "smallest_ids", "smallest_at"]
    return model(nodes, [vi("x", F, [4, 6]), vi("ids", I64, [2, 5])],
                 [vi(o, F if o in ("rows", "columns") else I64, None) for o in outputs],
                 [k3, k2, k4], opset=11)


def top_k_long():
    """TopK of a few from long rows (selected k times, not ranked): the 50
    largest of each row of x[3,1000] ("rows"), the 10 smallest down each
    column of tall[300,4] ("columns", axis 0), the 20 largest int64 ids of
    ids[1,500]."""
    k50, k10, k20 = (numpy_helper.from_array(np.array([v], np.int64), "k%d" % v)
                     for v in (50, 10, 20))
    nodes = [helper.make_node("TopK", ["x", "k50"], ["rows", "rows_at"], name="rows"),
             helper.make_node("TopK", ["tall", "k10"], ["columns", "columns_at"], name="columns",
                              axis=0, largest=0),
             helper.make_node("TopK", ["ids", "k20"], ["largest_ids", "largest_at"], name="ids")]
    outputs = ["rows", "rows_at", "columns", "columns_at", "largest_ids", "largest_at"]
    return model(nodes, [vi("x", F, [3, 1000]), vi("tall", F, [300, 4]), vi("ids", I64, [1, 500])],
                 [vi(o, F if o in ("rows", "columns") else I64, None) for o in outputs],
                 [k50, k10, k20], opset=11)


def grid_sample_volumetric():
    """GridSample of a 5-D input (opset 20's volumetric form)."""
    nodes = [helper.make_node("GridSample", ["x", "grid"], ["y"], name="sample3d")]
    return model(nodes, [vi("x", F, [1, 1, 2, 3, 4]), vi("grid", F, [1, 2, 2, 2, 3])],
                 [vi("y", F, None)], opset=20)


def pools():
    nodes = [
        helper.make_node("MaxPool", ["x"], ["m"], name="maxpool0", kernel_shape=[3, 3],
                         strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=1),
        helper.make_node("AveragePool", ["m"], ["a"], name="avgpool0", kernel_shape=[2, 2],
                         auto_pad="SAME_LOWER", count_include_pad=1),
        helper.make_node("GlobalAveragePool", ["a"], ["y"], name="gap0"),
    ]
    return model(nodes, [vi("x", F, [1, 3, 10, 10])], [vi("y", F, None)])


def gemm_bn_layernorm():
    nodes = [
        helper.make_node("Gemm", ["x", "w", "c"], ["g"], name="gemm0", transB=1, alpha=0.5),
        helper.make_node("LayerNormalization", ["g", "ln_s", "ln_b"], ["l"], name="ln0",
                         epsilon=1e-6),
        helper.make_node("Unsqueeze", ["l", "axes"], ["u"], name="unsqueeze0"),
        helper.make_node("BatchNormalization", ["u", "s", "b", "mean", "var"], ["y"], name="bn0"),
    ]
    inits = [numpy_helper.from_array(a, n) for n, a in [
        ("w", weights((6, 4))), ("c", weights((6,), 1)), ("ln_s", weights((6,), 2)),
        ("ln_b", weights((6,), 3)), ("s", weights((6,), 4)), ("b", weights((6,), 5)),
        ("mean", weights((6,), 6)), ("var", np.abs(weights((6,), 7))),
        ("axes", np.array([2], np.int64))]]
    return model(nodes, [vi("x", F, [2, 4])], [vi("y", F, [2, 6, 1])], inits, opset=17)


def layernorm_outlier_matmul():
    # A transformer block's input projection: LayerNorm's scale makes channel
    # 3 an outlier (x40), the case SmoothQuant exists for.
    scale = np.ones(8, np.float32)
    scale[3] = 40.0
    nodes = [
        helper.make_node("LayerNormalization", ["x", "ln_s", "ln_b"], ["l"], name="ln0"),
        helper.make_node("MatMul", ["l", "w"], ["y"], name="proj0"),
    ]
    inits = [numpy_helper.from_array(a, n) for n, a in [
        ("ln_s", scale), ("ln_b", weights((8,), 1) * 0.1), ("w", weights((8, 16), 2))]]
    return model(nodes, [vi("x", F, [1, 32, 8])], [vi("y", F, [1, 32, 16])], inits, opset=17)


def external_data(outside=False):
    w = numpy_helper.from_array(weights((16, 8)), "w")
    nodes = [helper.make_node("MatMul", ["x", "w"], ["y"], name="matmul0")]
    m = model(nodes, [vi("x", F, [1, 16])], [vi("y", F, None)], [w])
    onnx.external_data_helper.convert_model_to_external_data(
        m, all_tensors_to_one_file=True, location="../escape.bin" if outside else "weights.bin",
        size_threshold=0)
    return m


def output_unsupported():
    # MaxPool's Indices output is used: a case the importer must refuse, not ignore.
    nodes = [
        helper.make_node("MaxPool", ["x"], ["m", "idx"], name="maxpool_idx", kernel_shape=[2, 2]),
        helper.make_node("Cast", ["idx"], ["y"], name="cast0", to=F),
    ]
    return model(nodes, [vi("x", F, [1, 1, 4, 4])], [vi("y", F, None)])


def reshape_input():
    # Reshape's target is a graph input: importable only once frozen with --input-value.
    nodes = [helper.make_node("Reshape", ["x", "shape"], ["y"], name="reshape0")]
    return model(nodes, [vi("x", F, [2, 6]), vi("shape", I64, [2])], [vi("y", F, ["a", "b"])])


def mlp_two_outputs():
    """x[2,8] -> Gemm -> Relu (y1) -> Softmax (y2): the driver's run/compile tests."""
    nodes = [helper.make_node("Gemm", ["x", "w", "b"], ["h"], transB=1),
             helper.make_node("Relu", ["h"], ["y1"]),
             helper.make_node("Softmax", ["y1"], ["y2"], axis=-1)]
    inits = [numpy_helper.from_array(weights((6, 8), 1), "w"),
             numpy_helper.from_array(weights((6,), 2), "b")]
    return model(nodes, [vi("x", F, [2, 8])], [vi("y1", F, [2, 6]), vi("y2", F, [2, 6])], inits)


def ctc_head():
    """A CTC recognizer's head, as PP-OCR's rec ends: features[1,16,1,10] ->
    Conv 1x1 -> Squeeze -> Transpose -> MatMul [16, 300] -> Add -> Softmax.
    The bias makes a blank and five other classes win (qnn-split-decisive-channels)."""
    rng = np.random.default_rng(12)
    bias = np.full(300, -3.0, np.float32)
    bias[0], bias[1:6] = 3.0, 1.0
    nodes = [helper.make_node("Conv", ["x", "cw", "cb"], ["c"]),
             helper.make_node("Relu", ["c"], ["r"]),
             helper.make_node("Squeeze", ["r", "axes"], ["s"]),
             helper.make_node("Transpose", ["s"], ["t"], perm=[0, 2, 1]),
             helper.make_node("MatMul", ["t", "w"], ["m"]),
             helper.make_node("Add", ["m", "b"], ["logits"]),
             helper.make_node("Softmax", ["logits"], ["y"], axis=-1)]
    inits = [numpy_helper.from_array(weights((16, 16, 1, 1), 13), "cw"),
             numpy_helper.from_array(weights((16,), 14), "cb"),
             numpy_helper.from_array(np.array([2], np.int64), "axes"),
             numpy_helper.from_array((rng.standard_normal((16, 300)) * 0.3).astype(np.float32), "w"),
             numpy_helper.from_array(bias, "b")]
    return model(nodes, [vi("x", F, [1, 16, 1, 10])], [vi("y", F, [1, 10, 300])], inits)


def qdq_conv():
    """ORT-style QDQ: uint8 activations (Q -> DQ), int8 per-channel conv weights, float bias."""
    rng = np.random.default_rng(11)
    w = rng.integers(-127, 128, (3, 2, 3, 3)).astype(np.int8)
    inits = [numpy_helper.from_array(np.array(0.05, np.float32), "x_scale"),
             numpy_helper.from_array(np.array(128, np.uint8), "x_zero"),
             numpy_helper.from_array(w, "w_q"),
             numpy_helper.from_array(np.array([0.01, 0.02, 0.005], np.float32), "w_scale"),
             numpy_helper.from_array(np.zeros(3, np.int8), "w_zero"),
             numpy_helper.from_array(weights((3,), 4), "b")]
    nodes = [helper.make_node("QuantizeLinear", ["x", "x_scale", "x_zero"], ["xq"]),
             helper.make_node("DequantizeLinear", ["xq", "x_scale", "x_zero"], ["xd"]),
             helper.make_node("DequantizeLinear", ["w_q", "w_scale", "w_zero"], ["wd"], axis=0),
             helper.make_node("Conv", ["xd", "wd", "b"], ["c"], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c"], ["y"])]
    return model(nodes, [vi("x", F, [1, 2, 5, 5])], [vi("y", F, [1, 3, 5, 5])], inits)


def matmul_nbits():
    """com.microsoft MatMulNBits: 4-bit weights, K = 32, N = 3, blocks of 16, packed zero points."""
    rng = np.random.default_rng(12)
    k, n, block = 32, 3, 16
    q = rng.integers(0, 16, (n, k)).astype(np.uint8)
    packed = (q[:, 0::2] | (q[:, 1::2] << 4)).reshape(n, k // block, block // 2)
    zeros = rng.integers(0, 16, (n, k // block)).astype(np.uint8)
    zeros_packed = (zeros[:, 0] | (zeros[:, 1] << 4)).reshape(n, 1).astype(np.uint8)
    inits = [numpy_helper.from_array(packed, "b_q"),
             numpy_helper.from_array(rng.uniform(0.01, 0.1, n * k // block).astype(np.float32), "scales"),
             numpy_helper.from_array(zeros_packed.reshape(-1), "zeros"),
             numpy_helper.from_array(weights((n,), 5), "bias")]
    node = helper.make_node("MatMulNBits", ["a", "b_q", "scales", "zeros", "", "bias"], ["y"],
                            domain="com.microsoft", K=k, N=n, bits=4, block_size=block)
    return model([node], [vi("a", F, [2, k])], [vi("y", F, [2, n])], inits,
                 domains=("com.microsoft",))


def matmul_nbits_bad_k():
    """MatMulNBits whose K attribute contradicts the packed weight's shape."""
    m = matmul_nbits()
    for attribute in m.graph.node[0].attribute:
        if attribute.name == "K":
            attribute.i = 64
    return m


def output_matmul():
    """The smallest classifier head: a quantized MatMul feeds the graph output."""
    w = numpy_helper.from_array(weights((96, 40)), "w")
    node = helper.make_node("MatMul", ["x", "w"], ["y"], name="fc")
    return model([node], [vi("x", F, [1, 96])], [vi("y", F, [1, 40])], [w])


def output_gemm_transb():
    """Gemm with transB (torch.nn.Linear as exported) straight to the output."""
    w = numpy_helper.from_array(weights((24, 64)), "w")
    b = numpy_helper.from_array(weights((24,), 1), "b")
    node = helper.make_node("Gemm", ["x", "w", "b"], ["y"], name="fc", transB=1)
    return model([node], [vi("x", F, [2, 64])], [vi("y", F, [2, 24])], [w, b])


def output_shared():
    """Layer outputs that are graph outputs and also feed other layers:
    conv -> (y0, and conv2 -> y1); y1 -> gemm -> y2; y2 is also returned twice
    through Identity."""
    w0 = numpy_helper.from_array(weights((8, 3, 3, 3)), "w0")
    w1 = numpy_helper.from_array(weights((8, 8, 1, 1), 1), "w1")
    w2 = numpy_helper.from_array(weights((10, 8 * 6 * 6), 2), "w2")
    nodes = [
        helper.make_node("Conv", ["x", "w0"], ["y0"], name="conv0"),
        helper.make_node("Conv", ["y0", "w1"], ["y1"], name="conv1"),
        helper.make_node("Flatten", ["y1"], ["f"], name="flatten"),
        helper.make_node("Gemm", ["f", "w2"], ["y2"], name="fc", transB=1),
        helper.make_node("Identity", ["y2"], ["y3"], name="same"),
    ]
    return model(nodes, [vi("x", F, [1, 3, 8, 8])],
                 [vi("y0", F, None), vi("y1", F, None), vi("y2", F, None), vi("y3", F, None)],
                 [w0, w1, w2])


def output_batched_matmul():
    """A batched MatMul [2,5,16] x [16,12] to the output (W8A8 crashed here)."""
    w = numpy_helper.from_array(weights((16, 12)), "w")
    node = helper.make_node("MatMul", ["x", "w"], ["y"], name="proj")
    return model([node], [vi("x", F, [2, 5, 16])], [vi("y", F, [2, 5, 12])], [w])


def token_model(mask_type=TensorProto.BOOL):
    """A language-model-shaped graph with two inputs: int64 token ids index an
    embedding (Gather), a mask (bool, or int64 with mask_type) zeroes padded
    positions, two MatMuls produce logits."""
    emb = numpy_helper.from_array(weights((32, 16)), "emb")
    w1 = numpy_helper.from_array(weights((16, 16), 1), "w1")
    w2 = numpy_helper.from_array(weights((16, 10), 2), "w2")
    nodes = [
        helper.make_node("Gather", ["emb", "ids"], ["e"], name="embed"),
        helper.make_node("MatMul", ["e", "w1"], ["h"], name="proj"),
        helper.make_node("Relu", ["h"], ["r"], name="act"),
        helper.make_node("Cast", ["mask"], ["m"], name="mask_cast", to=F),
        helper.make_node("Unsqueeze", ["m", "axes"], ["m3"], name="mask_dims"),
        helper.make_node("Mul", ["r", "m3"], ["masked"], name="apply_mask"),
        helper.make_node("MatMul", ["masked", "w2"], ["logits"], name="head"),
    ]
    axes = numpy_helper.from_array(np.array([2], np.int64), "axes")
    return model(nodes, [vi("ids", I64, [1, 6]), vi("mask", mask_type, [1, 6])],
                 [vi("logits", F, [1, 6, 10])], [emb, w1, w2, axes])


def embedding_net():
    """A decoder's input end: int64 token ids [1, 6] index a [1024, 96] embedding
    table (Gather, 98304 weights: a table qnn-quantize quantizes) whose rows are
    the output, and a MatMul head [96, 32] on them for a second output."""
    emb = numpy_helper.from_array(weights((1024, 96), 3), "emb")
    head = numpy_helper.from_array(weights((96, 32), 4) / np.sqrt(96), "head")
    nodes = [helper.make_node("Gather", ["emb", "ids"], ["rows"], name="embed"),
             helper.make_node("MatMul", ["rows", "head"], ["logits"], name="head")]
    return model(nodes, [vi("ids", I64, [1, 6])],
                 [vi("rows", F, [1, 6, 96]), vi("logits", F, [1, 6, 32])], [emb, head])


def depthwise_channels():
    """x[1,4,8,8] -> 1x1 Conv (output channels scaled 10, 1, 0.1, 0.01) -> 3x3
    depthwise Conv (pad 1): a depthwise input whose channels differ 1000-fold."""
    w0 = weights((4, 4, 1, 1), 1) * np.array([10, 1, 0.1, 0.01], np.float32).reshape(4, 1, 1, 1)
    nodes = [helper.make_node("Conv", ["x", "w0"], ["p"], name="pointwise"),
             helper.make_node("Conv", ["p", "w1", "b1"], ["y"], name="depthwise", group=4,
                              pads=[1, 1, 1, 1])]
    inits = [numpy_helper.from_array(w0, "w0"), numpy_helper.from_array(weights((4, 1, 3, 3), 2), "w1"),
             numpy_helper.from_array(weights((4,), 3), "b1")]
    return model(nodes, [vi("x", F, [1, 4, 8, 8])], [vi("y", F, [1, 4, 8, 8])], inits)


def pointwise_depthwise():
    """x[1,8,11,37] -> 1x1 Conv (8 -> 8, Relu) -> four depthwise Convs whose
    input a GEMM writes (on a GPU target, a device value): 3x3 pad 1 with
    Relu, 5x5 stride 2, 3x3 with asymmetric pads and strides (2, 1), and a
    dilated 3x3 (pad 2, dilation 2) with HardSwish. Each output is named
    after its case."""
    def dw(name, k, pads, strides, dilations=(1, 1), seed=0):
        w = numpy_helper.from_array(weights((8, 1, k, k), seed), name + "_w")
        b = numpy_helper.from_array(weights((8,), seed + 50), name + "_b")
        node = helper.make_node("Conv", ["p", w.name, b.name], [name + "_conv"], name=name,
                                group=8, pads=list(pads), strides=list(strides),
                                dilations=list(dilations))
        return node, [w, b]
    cases = [dw("same", 3, (1, 1, 1, 1), (1, 1), seed=1),
             dw("strided", 5, (2, 2, 2, 2), (2, 2), seed=2),
             dw("asymmetric", 3, (0, 1, 2, 0), (2, 1), seed=3),
             dw("dilated", 3, (2, 2, 2, 2), (1, 1), (2, 2), seed=4)]
    nodes = [helper.make_node("Conv", ["x", "w0", "b0"], ["p_conv"], name="pointwise"),
             helper.make_node("Relu", ["p_conv"], ["p"])]
    nodes += [c[0] for c in cases]
    nodes += [helper.make_node("Relu", ["same_conv"], ["same"]),
              helper.make_node("Identity", ["strided_conv"], ["strided"]),
              helper.make_node("Identity", ["asymmetric_conv"], ["asymmetric"]),
              helper.make_node("HardSwish", ["dilated_conv"], ["dilated"])]
    inits = [numpy_helper.from_array(weights((8, 8, 1, 1), 10) / np.sqrt(8), "w0"),
             numpy_helper.from_array(weights((8,), 11), "b0")]
    inits += [i for c in cases for i in c[1]]
    outputs = ["same", "strided", "asymmetric", "dilated"]
    return model(nodes, [vi("x", F, [1, 8, 11, 37])], [vi(o, F, None) for o in outputs], inits,
                 opset=14)


def long_softmax():
    """x[2,16] -> MatMul [16, 640] -> Softmax over 640 classes, and the
    rows' ReduceMean (kept dim): long reductions over 2 rows, which a GPU
    target splits in two kernels."""
    w = numpy_helper.from_array(weights((16, 640), 12) / 4, "w")
    nodes = [helper.make_node("MatMul", ["x", "w"], ["logits"], name="head"),
             helper.make_node("Softmax", ["logits"], ["probs"], name="softmax", axis=-1),
             helper.make_node("ReduceMean", ["logits"], ["mean"], name="mean", axes=[-1],
                              keepdims=1)]
    return model(nodes, [vi("x", F, [2, 16])], [vi("probs", F, [2, 640]), vi("mean", F, [2, 1])],
                 [w])


def wide_gemv():
    """x[1,512] -> MatMul 512x576 -> Relu -> MatMul 576x264: two GEMVs with
    enough (N group, K iteration) items that stream-K's runs start and end
    inside N groups, K a multiple of 64 (permuted)."""
    nodes = [helper.make_node("MatMul", ["x", "w1"], ["h"], name="up"),
             helper.make_node("Relu", ["h"], ["r"], name="relu"),
             helper.make_node("MatMul", ["r", "w2"], ["y"], name="down")]
    inits = [numpy_helper.from_array(weights((512, 576), 21) / 8, "w1"),
             numpy_helper.from_array(weights((576, 264), 22) / 8, "w2")]
    return model(nodes, [vi("x", F, [1, 512])], [vi("y", F, [1, 264])], inits)


def wide_concat():
    """x[1,16] -> 12 MatMuls 16x8 (each + Relu) -> Concat of the 12 -> MatMul
    96x10: a concatenation reading more tensors (12, plus its output) than
    the GPU launch takes in registers (8), as a DenseNet's do."""
    branches = 12
    nodes, inits = [], []
    for i in range(branches):
        nodes += [helper.make_node("MatMul", ["x", "w%d" % i], ["h%d" % i], name="branch%d" % i),
                  helper.make_node("Relu", ["h%d" % i], ["r%d" % i])]
        inits.append(numpy_helper.from_array(weights((16, 8), 30 + i) / 4, "w%d" % i))
    nodes += [helper.make_node("Concat", ["r%d" % i for i in range(branches)], ["c"], axis=1,
                               name="concat"),
              helper.make_node("MatMul", ["c", "head"], ["y"], name="head")]
    inits.append(numpy_helper.from_array(weights((8 * branches, 10), 50) / 10, "head"))
    return model(nodes, [vi("x", F, [1, 16])], [vi("y", F, [1, 10])], inits)


def grouped_conv():
    """x[1,8,8,8] -> 1x1 Conv to 336 channels -> Relu -> 3x3 Conv stride 2 in
    14 groups of 24 -> Relu -> 1x1 Conv to 16: a RegNetY/ResNeXt stage, whose
    grouped convolution at 4 bits keeps int8 codes dequantized at run time."""
    nodes = [helper.make_node("Conv", ["x", "w0"], ["a"], name="expand"),
             helper.make_node("Relu", ["a"], ["b"]),
             helper.make_node("Conv", ["b", "w1"], ["c"], name="grouped", group=14,
                              pads=[1, 1, 1, 1], strides=[2, 2]),
             helper.make_node("Relu", ["c"], ["d"]),
             helper.make_node("Conv", ["d", "w2"], ["y"], name="project")]
    inits = [numpy_helper.from_array(weights((336, 8, 1, 1), 60) / 3, "w0"),
             numpy_helper.from_array(weights((336, 24, 3, 3), 61) / 15, "w1"),
             numpy_helper.from_array(weights((16, 336, 1, 1), 62) / 18, "w2")]
    return model(nodes, [vi("x", F, [1, 8, 8, 8])], [vi("y", F, [1, 16, 4, 4])], inits)


def int_offset_mlp():
    """x[2,8] -> MatMul -> + Cast(offset): the int64 input indexes nothing,
    so no data-free value can be synthesized for it."""
    nodes = [helper.make_node("MatMul", ["x", "w"], ["h"], name="proj"),
             helper.make_node("Cast", ["offset"], ["o"], name="offset_cast", to=F),
             helper.make_node("Add", ["h", "o"], ["y"], name="shift")]
    inits = [numpy_helper.from_array(weights((8, 6), 1), "w")]
    return model(nodes, [vi("x", F, [2, 8]), vi("offset", I64, [2, 6])], [vi("y", F, [2, 6])], inits)


def parallel_net():
    """Big enough for every kind of parallel loop: x[1,8,32,32] -> 3x3 Conv +
    Relu (im2col GEMM) -> 3x3 depthwise Conv -> 1x1 Conv -> + residual ->
    [32,1024] -> MatMul 1024x600 (GEMM), plus its row mean -> MatMul
    1024x600 (GEMV) -> sum [32,600]."""
    nodes = [helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], name="conv", pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c1"], ["r1"], name="relu"),
             helper.make_node("Conv", ["r1", "wd"], ["d"], name="depthwise", group=32,
                              pads=[1, 1, 1, 1]),
             helper.make_node("Conv", ["d", "w2"], ["c2"], name="pointwise"),
             helper.make_node("Add", ["c2", "r1"], ["s"], name="residual"),
             const("rows", np.array([32, 1024], np.int64)),
             helper.make_node("Reshape", ["s", "rows"], ["rs"], name="to_rows"),
             helper.make_node("MatMul", ["rs", "wm"], ["m"], name="gemm"),
             helper.make_node("ReduceMean", ["rs"], ["mean"], name="mean", axes=[0], keepdims=1),
             helper.make_node("MatMul", ["mean", "wv"], ["g"], name="gemv"),
             helper.make_node("Add", ["m", "g"], ["y"], name="sum")]
    inits = [numpy_helper.from_array(weights((32, 8, 3, 3), 1) * 0.2, "w1"),
             numpy_helper.from_array(weights((32,), 2), "b1"),
             numpy_helper.from_array(weights((32, 1, 3, 3), 3) * 0.3, "wd"),
             numpy_helper.from_array(weights((32, 32, 1, 1), 4) * 0.2, "w2"),
             numpy_helper.from_array(weights((1024, 600), 5) * 0.03, "wm"),
             numpy_helper.from_array(weights((1024, 600), 6) * 0.03, "wv")]
    return model(nodes, [vi("x", F, [1, 8, 32, 32])], [vi("y", F, [32, 600])], inits)


def conv_transpose_upsample():
    """x[1,3,5,6] -> ConvTranspose 3->4, kernel 2x2, stride 2, bias: the
    non-overlapping upsampling that lowers to one GEMM."""
    node = helper.make_node("ConvTranspose", ["x", "w", "b"], ["y"], name="up", strides=[2, 2],
                            kernel_shape=[2, 2])
    inits = [numpy_helper.from_array(weights((3, 4, 2, 2), 1), "w"),
             numpy_helper.from_array(weights((4,), 2), "b")]
    return model([node], [vi("x", F, [1, 3, 5, 6])], [vi("y", F, [1, 4, 10, 12])], inits)


def cast_out_of_range():
    """Constant folding of float -> int64 casts past int64's range (what the
    ONNX fuzzer found undefined in C++): int64 max -> float (2^63) -> int64,
    and NaN -> int64. The folded values saturate, and NaN folds to 0."""
    nodes = [
        const("big", np.array([2**63 - 1, -2**63], np.int64)),
        const("nan", np.array([np.nan], np.float32)),  # one element: an inline literal
        helper.make_node("Cast", ["big"], ["big_f"], name="to_float", to=F),
        helper.make_node("Cast", ["big_f"], ["big_i"], name="back_to_int", to=I64),
        helper.make_node("Cast", ["nan"], ["nan_i"], name="nan_to_int", to=I64),
        helper.make_node("Concat", ["big_i", "nan_i"], ["n"], name="both", axis=0),
        helper.make_node("Relu", ["x"], ["y"], name="relu0"),
    ]
    return model(nodes, [vi("x", F, [2])], [vi("y", F, [2]), vi("n", I64, [3])])


def export_net():
    """x[1,4,8,8] -> Conv 3x3 (32) -> Relu -> Conv 1x1 (64) -> Relu -> Reshape/Transpose
    to [1,64,64] -> MatMul [64,48] (3-D input) -> Relu -> ReduceMean(axis 1) -> Gemm
    (transB, bias) [32,48]: every weighted layer kind ONNX export writes."""
    w = lambda shape, seed: numpy_helper.from_array(weights(shape, seed) / np.sqrt(np.prod(shape[1:])),
                                                    "w%d" % seed)
    inits = [w((32, 4, 3, 3), 1), w((64, 32, 1, 1), 2), w((64, 48), 3), w((32, 48), 4),
             numpy_helper.from_array(weights((32,), 5), "b4"),
             numpy_helper.from_array(np.array([1, 64, 64], np.int64), "shape")]
    nodes = [helper.make_node("Conv", ["x", "w1"], ["c1"], name="conv3x3", pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c1"], ["r1"]),
             helper.make_node("Conv", ["r1", "w2"], ["c2"], name="conv1x1"),
             helper.make_node("Relu", ["c2"], ["r2"]),
             helper.make_node("Reshape", ["r2", "shape"], ["s"]),
             helper.make_node("Transpose", ["s"], ["t"], perm=[0, 2, 1]),
             helper.make_node("MatMul", ["t", "w3"], ["m"], name="matmul"),
             helper.make_node("Relu", ["m"], ["r3"]),
             helper.make_node("ReduceMean", ["r3"], ["p"], axes=[1], keepdims=0),
             helper.make_node("Gemm", ["p", "w4", "b4"], ["y"], name="gemm", transB=1)]
    return model(nodes, [vi("x", F, [1, 4, 8, 8])], [vi("y", F, [1, 32])], inits)



def float_reductions():
    """x[1,8,5,21] -> GlobalAveragePool (5 rows of 21 a channel), ReduceMean,
    ReduceMax and Softmax over the last axis: rows of 21 are 2 vectors of 8
    and a masked tail of 5 for quantc-vectorize-float-reductions."""
    nodes = [helper.make_node("GlobalAveragePool", ["x"], ["pool"], name="pool"),
             helper.make_node("ReduceMean", ["x"], ["mean"], name="mean", axes=[-1], keepdims=1),
             helper.make_node("ReduceMax", ["x"], ["max"], name="max", axes=[-1], keepdims=1),
             helper.make_node("Softmax", ["x"], ["softmax"], name="softmax", axis=-1)]
    return model(nodes, [vi("x", F, [1, 8, 5, 21])],
                 [vi("pool", F, [1, 8, 1, 1]), vi("mean", F, [1, 8, 5, 1]),
                  vi("max", F, [1, 8, 5, 1]), vi("softmax", F, [1, 8, 5, 21])])

def float_depthwise():
    """Float depthwise convolutions for convert-linalg-depthwise-to-vector:
    x[2,6,11,37] through 3x3 and 5x5 windows, strides 1 and 2 each way,
    dilation 2, asymmetric pads, a channel multiplier of 2, and the ops
    after them (Relu, HardSwish, a residual Add, a per-channel Mul, and a
    Sigmoid the kernel does not take), and one depthwise conv reading
    another's Relu; x2[1,4,5,3] has rows too short for vectors; x3[1,8,7,7]
    through a 5x5 window padded by 2 ("small_plane": 3 of 7 columns read
    only the unpadded input, so the kernel reads the padded copy). Each
    output is named after what it tests."""
    def dw(name, x, channels, k, pads, strides, dilations=(1, 1), bias=True, seed=0, group=6):
        w = numpy_helper.from_array(weights((channels, 1, k, k), seed), name + "_w")
        inits = [w]
        inputs = [x, w.name]
        if bias:
            inits.append(numpy_helper.from_array(weights((channels,), seed + 50), name + "_b"))
            inputs.append(inits[-1].name)
        node = helper.make_node("Conv", inputs, [name + "_conv"], name=name, group=group,
                                pads=list(pads), strides=list(strides), dilations=list(dilations))
        return node, inits
    cases = [dw("relu", "x", 6, 3, (1, 1, 1, 1), (1, 1), seed=1),
             dw("hardswish", "x", 6, 5, (2, 2, 2, 2), (2, 2), bias=False, seed=2),
             dw("multiplier", "x", 12, 3, (2, 2, 2, 2), (1, 2), (2, 2), seed=3),
             dw("sigmoid", "x", 6, 3, (0, 1, 2, 0), (2, 1), seed=4),
             dw("residual", "x", 6, 3, (1, 1, 1, 1), (1, 1), seed=5),
             dw("scaled", "x", 6, 3, (1, 1, 1, 1), (1, 1), seed=6),
             dw("narrow", "x2", 4, 3, (1, 1, 1, 1), (1, 1), seed=7, group=4),
             dw("small_plane", "x3", 8, 5, (2, 2, 2, 2), (1, 1), seed=10, group=8)]
    chained = dw("chained", "relu", 6, 3, (1, 1, 1, 1), (1, 1), seed=9)
    nodes = [c[0] for c in cases]
    inits = [i for c in cases for i in c[1]]
    inits.append(numpy_helper.from_array(weights((1, 6, 1, 1), 8), "scale"))
    nodes += [helper.make_node("Relu", ["relu_conv"], ["relu"]),
              helper.make_node("HardSwish", ["hardswish_conv"], ["hardswish"]),
              helper.make_node("Identity", ["multiplier_conv"], ["multiplier"]),
              helper.make_node("Sigmoid", ["sigmoid_conv"], ["sigmoid"]),
              helper.make_node("Add", ["residual_conv", "x"], ["residual"]),
              helper.make_node("Mul", ["scaled_conv", "scale"], ["scaled"]),
              helper.make_node("Relu", ["narrow_conv"], ["narrow"]),
              helper.make_node("HardSwish", ["small_plane_conv"], ["small_plane"]),
              chained[0], helper.make_node("HardSwish", ["chained_conv"], ["chained"])]
    inits += chained[1]
    outputs = ["relu", "hardswish", "multiplier", "sigmoid", "residual", "scaled", "narrow",
               "small_plane", "chained"]
    return model(nodes, [vi("x", F, [2, 6, 11, 37]), vi("x2", F, [1, 4, 5, 3]),
                         vi("x3", F, [1, 8, 7, 7])],
                 [vi(o, F, None) for o in outputs], inits, opset=14)


def float_conv_panels():
    """Float convolutions whose im2col matrix the matmul microkernel packs a
    panel at a time: x[1,8,6,64] (rows of whole vectors of 32, 16 or 8)
    through a padded 3x3 with bias and Relu, a dilated one with a stride of
    2 down the rows, and a 5x5; x2[1,4,5,60] has rows no vector width
    divides (blocks cross rows); x3[1,4,3,20] rows narrower than a block of
    32, which keep the whole im2col matrix on AVX-512. Two convs stride 2
    along the columns (rows of 32 from x, of 30 from x2). "unpadded" reads
    x2 with no padding (rows of 58: blocks cross rows, copied from x2
    itself)."""
    def conv(name, x, shape, pads, strides=(1, 1), dilations=(1, 1), seed=0, bias=True):
        w = numpy_helper.from_array(weights(shape, seed), name + "_w")
        inits, inputs = [w], [x, w.name]
        if bias:
            inits.append(numpy_helper.from_array(weights((shape[0],), seed + 50), name + "_b"))
            inputs.append(inits[-1].name)
        return helper.make_node("Conv", inputs, [name + "_conv"], name=name, pads=list(pads),
                                strides=list(strides), dilations=list(dilations)), inits
    cases = [conv("same", "x", (16, 8, 3, 3), (1, 1, 1, 1), seed=1),
             conv("dilated", "x", (8, 8, 3, 3), (2, 2, 2, 2), (2, 1), (2, 2), seed=2, bias=False),
             conv("wide", "x", (4, 8, 5, 5), (2, 2, 2, 2), seed=3),
             conv("across", "x2", (6, 4, 3, 3), (1, 1, 1, 1), seed=4),
             conv("narrow", "x3", (5, 4, 3, 3), (1, 1, 1, 1), seed=5),
             conv("strided", "x", (8, 8, 3, 3), (1, 1, 1, 1), (2, 2), seed=6),
             conv("across_strided", "x2", (6, 4, 3, 3), (1, 1, 1, 1), (1, 2), seed=7),
             conv("unpadded", "x2", (6, 4, 3, 3), (0, 0, 0, 0), seed=8)]
    nodes = [c[0] for c in cases]
    inits = [i for c in cases for i in c[1]]
    nodes += [helper.make_node("Relu", ["same_conv"], ["same"]),
              helper.make_node("Identity", ["dilated_conv"], ["dilated"]),
              helper.make_node("Identity", ["wide_conv"], ["wide"]),
              helper.make_node("Relu", ["across_conv"], ["across"]),
              helper.make_node("Relu", ["narrow_conv"], ["narrow"]),
              helper.make_node("Identity", ["strided_conv"], ["strided"]),
              helper.make_node("Identity", ["across_strided_conv"], ["across_strided"]),
              helper.make_node("Identity", ["unpadded_conv"], ["unpadded"])]
    outputs = ["same", "dilated", "wide", "across", "narrow", "strided", "across_strided",
               "unpadded"]
    return model(nodes, [vi("x", F, [1, 8, 6, 64]), vi("x2", F, [1, 4, 5, 60]),
                         vi("x3", F, [1, 4, 3, 20])],
                 [vi(o, F, None) for o in outputs], inits)


def float_conv_padding():
    """Padded float convolutions whose panels read the unpadded input, each
    conv alone on its input (so the padding is implicit): x[1,4,5,60] with
    a pad of 1 (blocks of 32 cross rows), x2[1,3,9,64] with asymmetric pads
    and a stride of 2 both ways (the stem's shape), x3[1,2,7,70] with a
    dilation of 2 and a pad of 3 (taps entirely in the padding)."""
    def conv(name, x, shape, pads, strides=(1, 1), dilations=(1, 1), seed=0):
        w = numpy_helper.from_array(weights(shape, seed), name + "_w")
        b = numpy_helper.from_array(weights((shape[0],), seed + 50), name + "_b")
        return helper.make_node("Conv", [x, w.name, b.name], [name], name=name, pads=list(pads),
                                strides=list(strides), dilations=list(dilations)), [w, b]
    cases = [conv("across", "x", (8, 4, 3, 3), (1, 1, 1, 1), seed=1),
             conv("stem", "x2", (8, 3, 3, 3), (1, 0, 2, 1), (2, 2), seed=2),
             conv("dilated", "x3", (4, 2, 3, 3), (3, 3, 3, 3), dilations=(2, 3), seed=3)]
    return model([c[0] for c in cases],
                 [vi("x", F, [1, 4, 5, 60]), vi("x2", F, [1, 3, 9, 64]), vi("x3", F, [1, 2, 7, 70])],
                 [vi(o, F, None) for o in ("across", "stem", "dilated")],
                 [i for c in cases for i in c[1]])


def float_grouped_conv():
    """Grouped float convolutions of several channels a group, which run as
    one im2col GEMM per image and group: x[2,8,9,40] (two images) through
    2 groups of 4 channels (3x3, bias, Relu), 4 groups of 2 with a stride of
    2 and no bias, 2 groups dilated by 2 with 3 outputs a group; x2[1,6,5,7]
    (rows narrower than a panel block) through 3 groups of 2 with 2 outputs
    a group, feeding a second grouped conv (5x5, 2 groups)."""
    def conv(name, x, shape, group, pads, strides=(1, 1), dilations=(1, 1), seed=0, bias=True):
        w = numpy_helper.from_array(weights(shape, seed), name + "_w")
        inits, inputs = [w], [x, w.name]
        if bias:
            inits.append(numpy_helper.from_array(weights((shape[0],), seed + 50), name + "_b"))
            inputs.append(inits[-1].name)
        return helper.make_node("Conv", inputs, [name + "_conv"], name=name, group=group,
                                pads=list(pads), strides=list(strides),
                                dilations=list(dilations)), inits
    cases = [conv("relu", "x", (8, 4, 3, 3), 2, (1, 1, 1, 1), seed=1),
             conv("strided", "x", (8, 2, 3, 3), 4, (1, 1, 1, 1), (2, 2), seed=2, bias=False),
             conv("dilated", "x", (6, 4, 3, 3), 2, (2, 2, 2, 2), dilations=(2, 2), seed=3),
             conv("narrow", "x2", (6, 2, 3, 3), 3, (1, 1, 1, 1), seed=4)]
    chained = conv("chained", "narrow", (4, 3, 5, 5), 2, (2, 2, 2, 2), seed=5)
    nodes = [c[0] for c in cases]
    inits = [i for c in cases for i in c[1]] + chained[1]
    nodes += [helper.make_node("Relu", ["relu_conv"], ["relu"]),
              helper.make_node("Identity", ["strided_conv"], ["strided"]),
              helper.make_node("Identity", ["dilated_conv"], ["dilated"]),
              helper.make_node("Relu", ["narrow_conv"], ["narrow"]),
              chained[0], helper.make_node("Identity", ["chained_conv"], ["chained"])]
    outputs = ["relu", "strided", "dilated", "narrow", "chained"]
    return model(nodes, [vi("x", F, [2, 8, 9, 40]), vi("x2", F, [1, 6, 5, 7])],
                 [vi(o, F, None) for o in outputs], inits)


def float_squeeze_excite():
    """MobileNetV3's squeeze-and-excitation block, whose channel gate the
    matmul microkernel applies to each panel of the 1x1 conv after it:
    x[1,16,6,40] through a depthwise 3x3 with HardSwish, a global average
    pool, two 1x1 convs (Relu, then HardSigmoid) and the gating Mul into a
    16 -> 8 1x1 conv ("projected"); "gate_first" multiplies the gate by the
    activations (the other operand order); "gated" is a Mul that is also a
    graph output, which stays."""
    def conv(name, x, shape, seed, group=1, pads=(0, 0, 0, 0)):
        w = numpy_helper.from_array(weights(shape, seed), name + "_w")
        b = numpy_helper.from_array(weights((shape[0],), seed + 50), name + "_b")
        return helper.make_node("Conv", [x, w.name, b.name], [name], name=name, group=group,
                                pads=list(pads)), [w, b]
    layers = [conv("dw", "x", (16, 1, 3, 3), 1, group=16, pads=(1, 1, 1, 1)),
              conv("squeeze", "pooled", (4, 16, 1, 1), 2),
              conv("excite", "squeezed", (16, 4, 1, 1), 3),
              conv("projected", "scaled", (8, 16, 1, 1), 4),
              conv("gate_first", "scaled_first", (8, 16, 1, 1), 5),
              conv("after_gated", "gated", (8, 16, 1, 1), 6)]
    nodes = [layers[0][0], helper.make_node("HardSwish", ["dw"], ["act"]),
             helper.make_node("GlobalAveragePool", ["act"], ["pooled"]),
             layers[1][0], helper.make_node("Relu", ["squeeze"], ["squeezed"]),
             layers[2][0],
             helper.make_node("HardSigmoid", ["excite"], ["gate"], alpha=1 / 6, beta=0.5),
             helper.make_node("Mul", ["act", "gate"], ["scaled"]), layers[3][0],
             helper.make_node("Mul", ["gate", "act"], ["scaled_first"]), layers[4][0],
             helper.make_node("Mul", ["act", "gate"], ["gated"]), layers[5][0]]
    inits = [i for layer in layers for i in layer[1]]
    outputs = ["projected", "gate_first", "gated", "after_gated"]
    return model(nodes, [vi("x", F, [1, 16, 6, 40])], [vi(o, F, None) for o in outputs], inits,
                 opset=14)


CASES = {name: fn for name, fn in list(globals().items())
         if callable(fn) and fn.__module__ == __name__ and name not in
         ("model", "vi", "const", "weights", "main", "token_model")}
CASES["token_bool_mask"] = token_model
CASES["external_data_outside"] = lambda: external_data(outside=True)
CASES["token_int_mask"] = lambda: token_model(I64)


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in CASES:
        sys.exit("usage: gen_onnx.py {%s} OUT.onnx" % ",".join(sorted(CASES)))
    case, out = sys.argv[1], sys.argv[2]
    m = CASES[case]()
    onnx.save_model(m, out)


if __name__ == "__main__":
    main()
