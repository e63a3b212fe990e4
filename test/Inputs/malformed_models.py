#!/usr/bin/python3
"""Bad input must get a clear error, exit code 1, no crash and no output.

malformed_models.py QUANTC WORKDIR [CASE...]

Each case writes its files into WORKDIR/<case>/, runs quantc, and checks:
the exit code is exactly 1 (not a signal), stderr matches the expected
message (a regex), the output path does not exist, and no temporary file is
left behind. Prints one line per case, then "N cases, N failed"."""
import os
import re
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

F = TensorProto.FLOAT
CASES = []


def case(expected, args=None):
    """Registers a builder(dir) -> model path; `args` overrides the command line."""
    def register(builder):
        CASES.append((builder.__name__, builder, expected, args))
        return builder
    return register


def base_model(opset=13):
    """x[1,3,8,8] -> Conv(w, b) -> Relu -> y: a small valid model to corrupt."""
    rng = np.random.default_rng(0)
    inits = [numpy_helper.from_array(rng.standard_normal((4, 3, 3, 3)).astype(np.float32), "w"),
             numpy_helper.from_array(np.zeros(4, np.float32), "b")]
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv0", pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c"], ["y"], name="relu0")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", F, [1, 3, 8, 8])],
                              [helper.make_tensor_value_info("y", F, [1, 4, 8, 8])], inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    return m


def save(directory, m, name="model.onnx"):
    path = os.path.join(directory, name)
    with open(path, "wb") as f:
        f.write(m.SerializeToString())
    return path


def node(m, name):
    return next(n for n in m.graph.node if n.name == name)


def attribute(n, name):
    return next(a for a in n.attribute if a.name == name)


def one_node_model(op, inputs, outputs, inits=(), opset=13, domains=(), **attrs):
    n = helper.make_node(op, [i[0] for i in inputs if i[1] is not None] + [i for i, _ in inits],
                         [o for o in outputs], name="n0", **attrs)
    graph = helper.make_graph(
        [n], "g", [helper.make_tensor_value_info(i, F, s) for i, s in inputs if s is not None],
        [helper.make_tensor_value_info(o, F, None) for o in outputs],
        [numpy_helper.from_array(a, i) for i, a in inits])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)] +
                          [helper.make_opsetid(d, 1) for d in domains])
    m.ir_version = 8
    try:  # the checker wants declared output shapes: take ONNX's inference
        inferred = {v.name: v for v in onnx.shape_inference.infer_shapes(m).graph.output}
        for out in m.graph.output:
            if out.name in inferred and inferred[out.name].type.tensor_type.HasField("shape"):
                out.type.CopyFrom(inferred[out.name].type)
    except Exception:
        pass
    rank = len(inputs[0][1]) if inputs and inputs[0][1] else 2
    for out in m.graph.output:  # a broken op: the first input's rank, dims unknown
        if not out.type.tensor_type.HasField("shape"):
            for i in range(rank):
                out.type.tensor_type.shape.dim.add().dim_param = "d%d" % i
    return m


# --- Files -----------------------------------------------------------------

@case(r"missing\.onnx: error: cannot read file: No such file or directory")
def file_missing(d):
    return os.path.join(d, "missing.onnx")


@case(r"error: cannot read file: Not a directory")
def file_unreadable_path(d):
    save(d, base_model(), "plain.onnx")
    return os.path.join(d, "plain.onnx", "model.onnx")


@case(r"error: cannot read file: Permission denied")
def file_unreadable(d):
    path = save(d, base_model())
    os.chmod(path, 0)
    return path


@case(r"error: this is a directory, not a model file")
def file_directory(d):
    return d


@case(r"empty\.onnx: error: the file is empty")
def file_empty(d):
    path = os.path.join(d, "empty.onnx")
    open(path, "wb").close()
    return path


@case(r"error: not a valid ONNX model \(protobuf parse failed\)")
def file_not_protobuf(d):
    path = os.path.join(d, "text.onnx")
    with open(path, "w") as f:
        f.write("ir_version: 8\nthis is text, not a protobuf\n")
    return path


@case(r"truncated\.onnx: error: not a valid ONNX model \(protobuf parse failed\)")
def file_truncated(d):
    data = base_model().SerializeToString()
    path = os.path.join(d, "truncated.onnx")
    with open(path, "wb") as f:
        f.write(data[:len(data) - 40])
    return path


@case(r"huge\.onnx: error: the file is 3\.0 GiB; ONNX protobuf files are limited to 2 GiB")
def file_over_2gib(d):
    path = os.path.join(d, "huge.onnx")
    with open(path, "wb") as f:  # sparse: takes no disk space
        f.truncate(3 << 30)
    return path


# --- Model header ----------------------------------------------------------

@case(r"error: the model has no ir_version")
def header_ir_version_missing(d):
    m = base_model()
    m.ClearField("ir_version")
    return save(d, m)


@case(r"error: the model has no ir_version")
def header_ir_version_zero(d):
    m = base_model()
    m.ir_version = 0
    return save(d, m)


@case(r"error: ir_version 99 is newer than quantc supports \(3 to 10\)")
def header_ir_version_too_new(d):
    m = base_model()
    m.ir_version = 99
    return save(d, m)


@case(r"error: the model has no opset_import")
def header_no_opset_import(d):
    m = base_model()
    del m.opset_import[:]
    return save(d, m)


@case(r"error: node 'relu0' \(Relu\) uses domain 'com\.unknown', which the model does not import")
def header_unknown_domain(d):
    m = base_model()
    node(m, "relu0").domain = "com.unknown"
    return save(d, m)


@case(r"error: 1 unsupported op type\(s\):\n\s+com\.unknown::Relu \(opset 1\) at node\(s\) 'relu0'")
def header_unsupported_domain(d):
    m = base_model()
    node(m, "relu0").domain = "com.unknown"
    m.opset_import.append(helper.make_opsetid("com.unknown", 1))
    return save(d, m)


@case(r"error: default-domain opset 0 is not supported \(supported: 1 to 21\)")
def header_opset_too_old(d):
    return save(d, base_model(opset=0))


@case(r"error: default-domain opset 99 is not supported \(supported: 1 to 21\)")
def header_opset_too_new(d):
    return save(d, base_model(opset=99))


@case(r"error: com\.microsoft opset 7 is not supported \(supported: 1\)")
def header_microsoft_opset(d):
    m = base_model()
    m.opset_import.append(helper.make_opsetid("com.microsoft", 7))
    return save(d, m)


# --- Graph -----------------------------------------------------------------

@case(r"error: node 'relu0' \(Relu\): input 'nothing' is not produced by any node, "
      r"initializer or graph input")
def graph_undefined_input(d):
    m = base_model()
    node(m, "relu0").input[0] = "nothing"
    return save(d, m)


@case(r"error: the graph has a cycle through node\(s\) 'conv0', 'relu0'")
def graph_cycle(d):
    m = base_model()
    node(m, "conv0").input[0] = "y"
    return save(d, m)


@case(r"error: value 'c' is produced twice \(by node 'conv0' and by node 'relu0'\)")
def graph_duplicate_output(d):
    m = base_model()
    node(m, "relu0").output[0] = "c"
    m.graph.output[0].name = "c"
    return save(d, m)


@case(r"error: initializer 'w' is defined twice")
def graph_duplicate_initializer(d):
    m = base_model()
    m.graph.initializer.append(m.graph.initializer[0])
    return save(d, m)


@case(r"error: initializer #3 has an empty name")
def graph_empty_initializer_name(d):
    m = base_model()
    m.graph.initializer.append(numpy_helper.from_array(np.ones(2, np.float32), ""))
    return save(d, m)


@case(r"error: graph output 'ghost' is not produced by any node, initializer or graph input")
def graph_output_undefined(d):
    m = base_model()
    m.graph.output.append(helper.make_tensor_value_info("ghost", F, [1]))
    return save(d, m)


@case(r"error: model-local function 'local\.fns::Loop1' is recursive "
      r"\(Loop1 -> Loop2 -> Loop1\)")
def graph_recursive_function(d):
    m = base_model()
    call = lambda callee: helper.make_node(callee, ["a"], ["b"], domain="local.fns")
    m.functions.extend([
        helper.make_function("local.fns", "Loop1", ["a"], ["b"], [call("Loop2")],
                             [helper.make_opsetid("", 13), helper.make_opsetid("local.fns", 1)]),
        helper.make_function("local.fns", "Loop2", ["a"], ["b"], [call("Loop1")],
                             [helper.make_opsetid("", 13), helper.make_opsetid("local.fns", 1)])])
    m.opset_import.append(helper.make_opsetid("local.fns", 1))
    node(m, "relu0").op_type = "Loop1"
    node(m, "relu0").domain = "local.fns"
    return save(d, m)


@case(r"error: node 'if19' \(If\): subgraphs are nested deeper than 16 levels")
def graph_deep_subgraphs(d):
    m = base_model()
    cond = helper.make_tensor_value_info("cond", TensorProto.BOOL, [])
    body = helper.make_graph([helper.make_node("Identity", ["c"], ["o0"])], "leaf", [],
                             [helper.make_tensor_value_info("o0", F, None)])
    for level in range(20):
        wrapped = helper.make_node("If", ["cond"], ["o%d" % (level + 1)], name="if%d" % level,
                                   then_branch=body, else_branch=body)
        body = helper.make_graph([wrapped], "level%d" % level, [],
                                 [helper.make_tensor_value_info("o%d" % (level + 1), F, None)])
    m.graph.node.append(body.node[0])
    m.graph.input.append(cond)
    return save(d, m)


# --- Tensors ---------------------------------------------------------------

@case(r"error: tensor 'w' holds 400 bytes of data, but its shape and type need 432")
def tensor_raw_data_short(d):
    m = base_model()
    m.graph.initializer[0].raw_data = m.graph.initializer[0].raw_data[:400]
    return save(d, m)


@case(r"error: tensor 'w4' holds 3 bytes of data, but its shape and type need 5")
def tensor_raw_data_int4(d):
    m = base_model()
    t = TensorProto(name="w4", data_type=22, dims=[9], raw_data=b"\x12\x34\x56")  # INT4: 2/byte
    m.graph.initializer.append(t)
    return save(d, m)


@case(r"error: tensor 'w' has a negative dim \(-4\)")
def tensor_negative_dim(d):
    m = base_model()
    m.graph.initializer[0].dims[0] = -4
    return save(d, m)


@case(r"error: tensor 'w' has 2 ?\^ ?\d+|error: tensor 'w': its element count overflows 64 bits")
def tensor_dim_overflow(d):
    m = base_model()
    del m.graph.initializer[0].dims[:]
    m.graph.initializer[0].dims.extend([1 << 34, 1 << 34, 1 << 34])
    return save(d, m)


@case(r"error: tensor 'w' has data type UNDEFINED")
def tensor_undefined_type(d):
    m = base_model()
    m.graph.initializer[0].data_type = 0
    return save(d, m)


@case(r"error: tensor 'w' has unknown data type 99")
def tensor_unknown_type(d):
    m = base_model()
    m.graph.initializer[0].data_type = 99
    return save(d, m)


@case(r"error: tensor 'b' sets more than one data field \(float_data, raw_data\)")
def tensor_several_data_fields(d):
    m = base_model()
    m.graph.initializer[1].float_data.extend([0, 0, 0, 0])
    return save(d, m)


@case(r"error: tensor 'w' would take 12 TiB, more than quantc's 32 GiB limit for one tensor")
def tensor_absurd_size(d):
    m = base_model()
    t = m.graph.initializer[0]
    del t.dims[:]
    t.dims.extend([1 << 20, 1 << 20, 3, 1])
    t.raw_data = b""
    return save(d, m)


@case(r"error: graph input 'x' would take 12 TiB, more than quantc's 32 GiB limit")
def tensor_absurd_input(d):
    m = base_model()
    dims = m.graph.input[0].type.tensor_type.shape.dim
    dims[2].dim_value = dims[3].dim_value = 1 << 20
    del m.graph.output[0].type.tensor_type.shape.dim[:]
    return save(d, m)


# --- External data ---------------------------------------------------------

def external_model(d, location, offset=None, length=None, make_file=True):
    m = base_model()
    t = m.graph.initializer[0]
    data = t.raw_data
    t.ClearField("raw_data")
    t.data_location = TensorProto.EXTERNAL
    entries = [("location", location)]
    if offset is not None:
        entries.append(("offset", str(offset)))
    if length is not None:
        entries.append(("length", str(length)))
    for key, value in entries:
        t.external_data.add(key=key, value=value)
    if make_file:
        with open(os.path.join(d, "w.bin"), "wb") as f:
            f.write(data)
    return m


@case(r"error: tensor 'w': external data location '/etc/passwd' is an absolute path")
def external_absolute(d):
    return save(d, external_model(d, "/etc/passwd"))


@case(r"error: tensor 'w': external data location '\.\./w\.bin' contains '\.\.'")
def external_dotdot(d):
    inner = os.path.join(d, "inner")
    os.makedirs(inner)
    external_model(d, "../w.bin")
    return save(inner, external_model(d, "../w.bin", make_file=False))


@case(r"error: tensor 'w': external data file 'link\.bin' is a symbolic link")
def external_symlink(d):
    m = external_model(d, "link.bin")
    os.symlink("w.bin", os.path.join(d, "link.bin"))
    return save(d, m)


@case(r"error: tensor 'w': external data path 'sub/w\.bin' goes through symbolic link 'sub'")
def external_symlink_parent(d):
    m = external_model(d, "sub/w.bin")
    os.makedirs(os.path.join(d, "real"))
    os.rename(os.path.join(d, "w.bin"), os.path.join(d, "real", "w.bin"))
    os.symlink("real", os.path.join(d, "sub"))
    return save(d, m)


@case(r"error: tensor 'w': external data file 'w\.bin' has 2 hard links")
def external_hardlink(d):
    m = external_model(d, "w.bin")
    os.link(os.path.join(d, "w.bin"), os.path.join(d, "w_copy.bin"))
    return save(d, m)


@case(r"error: tensor 'w': external data file 'nothere\.bin' does not exist")
def external_missing(d):
    return save(d, external_model(d, "nothere.bin"))


@case(r"error: tensor 'w': external data offset '-8' is not a non-negative integer")
def external_negative_offset(d):
    return save(d, external_model(d, "w.bin", offset=-8))


@case(r"error: tensor 'w': external data length '-1' is not a non-negative integer")
def external_negative_length(d):
    return save(d, external_model(d, "w.bin", length=-1))


@case(r"error: tensor 'w': external data offset '99999999999999999999999' is not a "
      r"non-negative integer")
def external_offset_too_big(d):
    return save(d, external_model(d, "w.bin", offset=99999999999999999999999))


@case(r"error: tensor 'w': external data range \[18446744073709551615, \+432\) overflows")
def external_range_overflow(d):
    return save(d, external_model(d, "w.bin", offset=(1 << 64) - 1, length=432))


@case(r"error: tensor 'w': external data range \[400, 832\) exceeds file 'w\.bin' \(432 bytes\)")
def external_beyond_file(d):
    return save(d, external_model(d, "w.bin", offset=400, length=432))


@case(r"error: tensor 'w': external data length 16 does not match the tensor's 432 bytes")
def external_length_mismatch(d):
    return save(d, external_model(d, "w.bin", length=16))


# --- Operators -------------------------------------------------------------

@case(r"error: 1 unsupported op type\(s\):\n\s+ai\.onnx::Frobnicate \(opset 13\) at node\(s\) 'relu0'")
def op_unknown(d):
    m = base_model()
    node(m, "relu0").op_type = "Frobnicate"
    return save(d, m)


@case(r"error: node 'relu0' \(Relu\): Node \(relu0\) has input size 2 not in range \[min=1, max=1\]")
def op_wrong_input_count(d):
    m = base_model()
    node(m, "relu0").input.append("x")
    return save(d, m)


@case(r"error: node 'n0' \(Cast\): Required attribute 'to' is missing")
def op_missing_attribute(d):
    return save(d, one_node_model("Cast", [("x", [2, 3])], ["y"]))


@case(r"error: node 'conv0' \(Conv\): Mismatched attribute type in 'conv0 : pads'")
def op_wrong_attribute_type(d):
    m = base_model()
    conv = node(m, "conv0")
    conv.attribute.remove(attribute(conv, "pads"))
    conv.attribute.append(helper.make_attribute("pads", 1.0))
    return save(d, m)


@case(r"error: node 'n0' \(Softmax\): axis 5 is out of range for rank 2")
def op_axis_out_of_range(d):
    return save(d, one_node_model("Softmax", [("x", [2, 3])], ["y"], axis=5))


@case(r"error: node 'n0': 'qnn.concat' op axis -3 is out of range")
def op_concat_axis_out_of_range(d):
    return save(d, one_node_model("Concat", [("x", [2, 3]), ("z", [2, 3])], ["y"], axis=-3))


def nbits_model(**overrides):
    k, n, block = 32, 3, 16
    attrs = dict(K=k, N=n, bits=4, block_size=block)
    attrs.update(overrides)
    a_k = attrs["K"]
    inits = [("b_q", np.zeros((n, k // block, block // 2), np.uint8)),
             ("scales", np.full(n * k // block, 0.1, np.float32))]
    return one_node_model("MatMulNBits", [("a", [2, a_k])], ["y"], inits,
                          domains=("com.microsoft",), **{**attrs, "domain": "com.microsoft"})


@case(r"error: node 'n0' \(MatMulNBits\): B must be a constant uint8 tensor of shape \[3, 4, 8\] "
      r"for K, N, bits, block_size")
def op_nbits_k_mismatch(d):
    return save(d, nbits_model(K=64))


@case(r"error: node 'n0' \(MatMulNBits\): bits = 5 is not supported \(2, 4 or 8\)")
def op_nbits_bad_bits(d):
    return save(d, nbits_model(bits=5))


@case(r"error: node 'n0' \(MatMulNBits\): K and N must be in 1..2\^35 and block_size a power of two >= 16, got K = 32, N = 3, block_size = 12")
def op_nbits_bad_block(d):
    return save(d, nbits_model(block_size=12))


@case(r"error: node 'n0' \(MatMulNBits\): A must be f32 of rank >= 1 with last dim K = 32")
def fuzz_nbits_scalar_a(d):
    """A scalar A: its last dim was read from an empty shape (UBSan,
    fuzz-onnx-structured)."""
    m = nbits_model()
    del m.graph.input[0].type.tensor_type.shape.dim[:]
    return save(d, m)


def dequantize_model(scale, zero=None, axis=1):
    inits = [("xq", np.zeros((2, 4), np.int8)), ("s", scale)]
    if zero is not None:
        inits.append(("z", zero))
    m = one_node_model("DequantizeLinear", [], ["y"], inits, axis=axis)
    return m


@case(r"error: node 'n0' \(DequantizeLinear\): per-axis scale has 3 values, axis 1 has 4")
def op_scale_shape(d):
    return save(d, dequantize_model(np.ones(3, np.float32)))


@case(r"error: node 'n0' \(DequantizeLinear\): data is 8-bit but the zero point is 16-bit")
def op_zero_point_type(d):
    return save(d, dequantize_model(np.ones(4, np.float32), np.zeros(4, np.int16)))


@case(r"error: node 'n0' \(DequantizeLinear\): axis 2 is out of range for rank 2")
def op_scale_axis(d):
    return save(d, dequantize_model(np.ones(4, np.float32), axis=2))


# --- Crashes the fuzzers found (each a regression case) -------------------

@case(r"error: node 'conv0' \(Conv\): weight has rank 1 but the input has rank 4; it needs two channel dims and one per kernel dim")
def fuzz_conv_rank1_weight(d):
    """libonnx 1.12 shape inference dereferenced null here (fuzz-onnx-structured)."""
    m = base_model()
    node(m, "conv0").input[1] = "b"
    return save(d, m)


@case(r"error: node 'n0': 'qnn.resize' op scale \d+\.0+ on dim 2 gives an empty or absurd size")
def fuzz_resize_huge_scale(d):
    """A float-to-int overflow (UBSan) in Resize's shape function (fuzz-onnx-raw)."""
    m = one_node_model("Resize", [("x", [1, 1, 4, 4])], ["y"],
                       [("roi", np.zeros(0, np.float32)),
                        ("scales", np.array([1, 1, 1e30, 1], np.float32))], mode="nearest")
    return save(d, m)


@case(r"error: graph output 'y': quantc infers dim 2 = 1, but the model declares 2")
def fuzz_pool_huge_stride(d):
    """A ceil-mode window with stride 2^63-1: signed overflow (UBSan) in the
    window-size arithmetic (fuzz-onnx-structured)."""
    m = one_node_model("MaxPool", [("x", [1, 3, 10, 10])], ["y"], kernel_shape=[3, 3],
                       pads=[1, 1, 1, 1], strides=[2**63 - 1, 2], ceil_mode=1)
    return save(d, m)


@case(r"error: tensor 'w': its element count overflows 64 bits")
def fuzz_empty_tensor_huge_dims(d):
    """A zero dim after dims whose product passes int64 (fuzz-tensor found
    [~2^7 ... 97, 8, 0]): signed overflow (UBSan) in the tensor importer."""
    m = base_model()
    w = m.graph.initializer[0]
    del w.dims[:]
    w.dims.extend([1 << 34, 1 << 34, 1 << 34, 0])
    w.ClearField("raw_data")
    del w.float_data[:]
    return save(d, m)


@case(r"error: node 'n0' \(MatMulNBits\): K and N must be in 1..2\^35 .*N = 9223372036854775807")
def fuzz_nbits_huge_n(d):
    """N * blocks * bytes overflowed int64 (UBSan) in the MatMulNBits importer
    (fuzz-onnx-structured)."""
    m = nbits_model()
    for attr in m.graph.node[0].attribute:
        if attr.name == "N":
            attr.i = (1 << 63) - 1
    return save(d, m)


@case(r"error: node 'n0' \(MatMulNBits\): expects inputs A, B, scales and optionally "
      r"zero_points, g_idx, bias; got 0 inputs")
def fuzz_nbits_no_inputs(d):
    """A null Value dereferenced (UBSan): no schema check covers com.microsoft
    ops (fuzz-onnx-structured)."""
    m = nbits_model()
    del m.graph.node[0].input[:]
    return save(d, m)


@case(r"error: node 'gather0': 'qnn.gather' op operand #1 must be ranked tensor of 32-bit "
      r"signless integer or 64-bit signless integer values, but got 'tensor<1xf64>'")
def fuzz_gather_float_indices(d):
    """Gather with double indices was folded before it was verified, into an
    attribute its values did not fill; the Cast after it read through a null
    pointer (fuzz-onnx-structured)."""
    idx = helper.make_tensor("idx", TensorProto.DOUBLE, [1], [0.0])
    nodes = [helper.make_node("Constant", [], ["idx"], name="idx0", value=idx),
             helper.make_node("Gather", ["idx", "idx"], ["n"], name="gather0"),
             helper.make_node("Cast", ["n"], ["y"], name="cast0", to=TensorProto.INT64)]
    graph = helper.make_graph(nodes, "g", [], [helper.make_tensor_value_info("y", TensorProto.INT64, [1])])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 8
    return save(d, m)


@case(r"error: node 'conv0': 'qnn.conv' op input has 3 channels but weight \[4, 3, 3, 3\] with "
      r"group 9223372036854775807 expects more than 2\^63")
def fuzz_conv_huge_group(d):
    """Weight channels times group overflowed int64 (UBSan) in the conv shape
    function (fuzz-onnx-structured)."""
    m = base_model()
    m.graph.node[0].attribute.append(helper.make_attribute("group", (1 << 63) - 1))
    return save(d, m)


@case(r"error: node 'conv0' \(Conv\): strides entries must be positive, got 0")
def fuzz_conv_same_zero_stride(d):
    """auto_pad SAME with a zero stride divided by zero while resolving the pads
    (UBSan, fuzz-onnx-raw)."""
    m = base_model()
    conv = node(m, "conv0")
    del conv.attribute[:]
    conv.attribute.extend([helper.make_attribute("auto_pad", "SAME_UPPER"),
                           helper.make_attribute("strides", [0, 2])])
    return save(d, m)


@case(r"error: node 'conv0' \(Conv\): auto_pad SAME_LOWER window overflows int64")
def fuzz_conv_huge_dilation(d):
    """A dilation near 2^62 would overflow the window's reach."""
    m = base_model()
    conv = node(m, "conv0")
    del conv.attribute[:]
    conv.attribute.extend([helper.make_attribute("auto_pad", "SAME_LOWER"),
                           helper.make_attribute("dilations", [1 << 62, 1])])
    return save(d, m)


@case(r"error: graph input 'x' has dim 9223372036854775807, above quantc's limit of 2\^35")
def fuzz_input_huge_dim(d):
    """An empty graph input whose other dim is 2^63 - 1: shape arithmetic would overflow."""
    m = base_model()
    dims = m.graph.input[0].type.tensor_type.shape.dim
    dims[0].dim_value = 0
    dims[1].dim_value = (1 << 63) - 1
    return save(d, m)


@case(r"error: tensor 'w' has dim 4611686018427387904, above quantc's limit of 2\^35")
def fuzz_tensor_huge_dim(d):
    """The same for an empty initializer."""
    m = base_model()
    w = m.graph.initializer[0]
    del w.dims[:]
    w.dims.extend([1 << 62, 0])
    w.ClearField("raw_data")
    del w.float_data[:]
    return save(d, m)


@case(r"error: node 'gelu0' \(Gelu\): input 0 is required")
def newer_opset_op_missing_input(d):
    """Opset 20 Gelu (libonnx 1.12 has no schema for it) with its input left empty."""
    m = base_model(opset=20)
    m.graph.node.append(helper.make_node("Gelu", [""], ["g"], name="gelu0"))
    return save(d, m)


@case(r"error: node 'mean0' \(ReduceMean\): input 0 is required")
def newer_opset_schema_arity(d):
    """Opset 18 ReduceMean (axes an input, unknown to libonnx's checker) without its data."""
    m = base_model(opset=18)
    m.graph.node.append(helper.make_node("ReduceMean", ["", "y"], ["r"], name="mean0"))
    return save(d, m)


@case(r"error: node 'einsum0' \(Einsum\): input 1 is empty")
def einsum_empty_input(d):
    m = base_model()
    m.graph.node.append(helper.make_node("Einsum", ["y", ""], ["e"], name="einsum0",
                                         equation="ij,jk->ik"))
    return save(d, m)


# --- Options ---------------------------------------------------------------

def opt_case(expected, *args):
    return case(expected, list(args))


@opt_case(r"error: --input-value x=.*x\.pb: tensor 'x': its element count overflows 64 bits",
          "import", "{model}", "--input-value", "x={dir}/x.pb", "-o", "{out}")
def fuzz_input_value_huge_dims(d):
    """The same tensor given as an --input-value file (fuzz-tensor)."""
    t = onnx.TensorProto(name="x", data_type=onnx.TensorProto.FLOAT, dims=[1 << 34, 1 << 34, 1 << 34, 0])
    with open(os.path.join(d, "x.pb"), "wb") as f:
        f.write(t.SerializeToString())
    return save(d, base_model())


@opt_case(r"error: unknown target 'sparc'", "compile", "{model}", "--target=sparc", "-o", "{out}")
def option_unknown_target(d):
    return save(d, base_model())


@opt_case(r"error: --input-shape x=1,3,oops: 'oops' is not a positive integer",
          "import", "{model}", "--input-shape", "x=1,3,oops", "-o", "{out}")
def option_bad_input_shape(d):
    return save(d, base_model())


@opt_case(r"error: --bits=9: bit-width '9' is not 2\.\.8, 'ternary' or 'binary'", "compile", "{model}", "--bits=9", "-o", "{out}")
def option_bad_bits(d):
    return save(d, base_model())


@opt_case(r"error: --bits=four: bit-width 'four' is not 2\.\.8",
          "compile", "{model}", "--bits=four", "-o", "{out}")
def option_bits_not_a_number(d):
    return save(d, base_model())


@opt_case(r"error: --avg-bits=-2: must be in \(0, 8\]", "compile", "{model}", "--avg-bits=-2", "-o", "{out}")
def option_bad_avg_bits(d):
    return save(d, base_model())


@opt_case(r"error: --size-budget=12Q: not a positive byte count \(suffix K, M or G\)", "compile", "{model}", "--size-budget=12Q", "-o", "{out}")
def option_bad_size_budget(d):
    return save(d, base_model())


@opt_case(r"error: --latency-budget-ms: 'fast' is not a number|for the --latency-budget-ms option: 'fast' value invalid", "compile", "{model}",
          "--latency-budget-ms=fast", "-o", "{out}")
def option_bad_latency_budget(d):
    return save(d, base_model())


@opt_case(r"error: --candidate-bits=4,x: bits must list integers from 2 to 8, got 'x'", "compile", "{model}", "--avg-bits=4",
          "--candidate-bits=4,x", "-o", "{out}")
def option_bad_candidate_bits(d):
    return save(d, base_model())


@opt_case(r"error: --pin=\[=8: bad regex '\[': brackets \(\[ \]\) not balanced", "compile", "{model}", "--avg-bits=4", "--pin=[=8", "-o", "{out}")
def option_bad_pin(d):
    return save(d, base_model())


@opt_case(r"calib\.npy: calibration sample 'x' expects shape \[1,3,8,8\], got \[2,3\]",
          "compile", "{model}", "--bits=8", "--act-bits=8", "--calib", "{dir}/calib.npy",
          "-o", "{out}")
def option_calib_wrong_shape(d):
    np.save(os.path.join(d, "calib.npy"), np.zeros((2, 3), np.float32))
    return save(d, base_model())


@opt_case(r"calib\.npy: calibration sample 'x' expects float32, got int64",
          "compile", "{model}", "--bits=8", "--act-bits=8", "--calib", "{dir}/calib.npy",
          "-o", "{out}")
def option_calib_wrong_dtype(d):
    np.save(os.path.join(d, "calib.npy"), np.zeros((1, 3, 8, 8), np.int64))
    return save(d, base_model())


@opt_case(r"error: .*out: cannot create directory: Not a directory",
          "compile", "{model}", "-o", "{dir}/plain/out")
def option_unwritable_output(d):
    open(os.path.join(d, "plain"), "w").close()
    return save(d, base_model())


def run(quantc, workdir, name, builder, expected, args):
    d = os.path.join(workdir, name)
    os.makedirs(d)
    model = builder(d)
    out = os.path.join(d, "out")
    argv = [a.format(model=model, out=out, dir=d) for a in args] if args else \
        ["import", model, "-o", out + ".mlir"]
    before = set(os.listdir(d))
    result = subprocess.run([quantc] + argv, capture_output=True, timeout=300)
    stderr = result.stderr.decode(errors="replace")
    problems = []
    if result.returncode != 1:
        problems.append("exit code %d (want 1)" % result.returncode)
    if not re.search(expected, stderr):
        problems.append("message does not match %r" % expected)
    left = set(os.listdir(d)) - before
    if left:
        problems.append("left files behind: " + ", ".join(sorted(left)))
    return problems, stderr.strip()


def main():
    quantc, workdir = sys.argv[1], sys.argv[2]
    wanted = set(sys.argv[3:])
    failed = 0
    selected = [c for c in CASES if not wanted or c[0] in wanted]
    for name, builder, expected, args in selected:
        if name == "file_unreadable" and os.geteuid() == 0:
            print("skip %s (root reads any file)" % name)
            continue
        problems, stderr = run(quantc, workdir, name, builder, expected, args)
        first = stderr.splitlines()[0] if stderr else "(no message)"
        if problems:
            failed += 1
            print("FAIL %s: %s\n  stderr: %s" % (name, "; ".join(problems),
                                                  stderr.replace("\n", "\n          ")))
        else:
            print("ok   %s: %s" % (name, first[first.find("error:"):]))
    print("%d cases, %d failed" % (len(selected), failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
