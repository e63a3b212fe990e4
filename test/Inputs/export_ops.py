#!/usr/bin/python3
"""Small ONNX models of the ops torch.onnx exports use (issue 13), one per
family: export_ops.py CASE OUT.onnx [INPUTS_DIR]. With INPUTS_DIR, also
writes one .npy per graph input there (for quantc run / ORT comparisons).
Built at test time; nothing binary is committed."""
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(__file__))
from gen_onnx import F, I64, const, model, vi, weights  # noqa: E402

B = TensorProto.BOOL
rng = np.random.default_rng(13)


def node(op, inputs, outputs, **attrs):
    return helper.make_node(op, inputs, outputs, name=outputs[0], **attrs)


def logic():
    """Comparisons, logic and Where on graph inputs (nothing folds)."""
    nodes = [
        node("Less", ["a", "b"], ["lt"]), node("Greater", ["a", "b"], ["gt"]),
        node("Equal", ["ia", "ib"], ["eq"]), node("LessOrEqual", ["a", "b"], ["le"]),
        node("GreaterOrEqual", ["a", "b"], ["ge"]), node("Or", ["lt", "eq"], ["or"]),
        node("And", ["le", "ge"], ["and"]), node("Xor", ["or", "and"], ["xor"]),
        node("Not", ["xor"], ["not"]), node("Where", ["not", "a", "b"], ["y"]),
        node("Cast", ["or"], ["y_or"], to=I64),
    ]
    return model(nodes, [vi("a", F, [2, 3, 4]), vi("b", F, [3, 4]), vi("ia", I64, [2, 3, 4]),
                         vi("ib", I64, [4])], [vi("y", F, [2, 3, 4]), vi("y_or", I64, [2, 3, 4])])


def shape_folds():
    """ViT's class-token expansion (Shape -> ConstantOfShape -> Equal -> Where
    -> Expand), Range, Size and a causal Trilu mask: all fold to constants."""
    token = numpy_helper.from_array(weights((1, 1, 8)), "token")
    nodes = [
        node("Shape", ["x"], ["s"]), const("idx0", np.array([0], np.int64)),
        node("Gather", ["s", "idx0"], ["n"], axis=0), const("one", np.array([1], np.int64)),
        node("ConstantOfShape", ["one"], ["ones"],
             value=numpy_helper.from_array(np.array([1], np.int64), "v")),
        const("minus", np.array([-1], np.int64)),
        node("Mul", ["ones", "minus"], ["neg"]), node("Equal", ["neg", "minus"], ["isneg"]),
        const("target", np.array([1, 1, 8], np.int64)),
        node("Concat", ["n", "one", "minus"], ["want"], axis=0),
        node("Where", ["isneg", "ones", "want"], ["shape"]),
        node("Expand", ["token", "shape"], ["tokens"]),
        node("Concat", ["tokens", "x"], ["seq"], axis=1),
        const("start", np.array(0, np.int64)), const("limit", np.array(5, np.int64)),
        const("delta", np.array(1, np.int64)),
        node("Range", ["start", "limit", "delta"], ["positions"]),
        node("Cast", ["positions"], ["posf"], to=F),
        node("Unsqueeze", ["posf", "ax"], ["pos3"]),
        const("ax", np.array([0, 2], np.int64)),
        node("Add", ["seq", "pos3"], ["y"]),
        const("full", np.full((5, 5), -np.inf, np.float32)),
        node("Trilu", ["full", "k1"], ["mask"], upper=1), const("k1", np.array(1, np.int64)),
        node("Size", ["x"], ["size"]),
        node("Tile", ["mask", "reps"], ["tiled"]), const("reps", np.array([1, 2], np.int64)),
    ]
    nodes.sort(key=lambda n: 0 if n.op_type == "Constant" else 1)
    return model(nodes, [vi("x", F, [1, 4, 8])],
                 [vi("y", F, [1, 5, 8]), vi("tiled", F, [5, 10]), vi("size", I64, [])], [token],
                 opset=14)


def reductions():
    nodes = [
        const("axes", np.array([1], np.int64)),
        node("ReduceSum", ["x", "axes"], ["sum"], keepdims=0),
        node("ReduceMax", ["x"], ["max"], axes=[2]), node("ReduceL2", ["x"], ["l2"], axes=[1, 2]),
        node("ReduceLogSumExp", ["x"], ["lse"], axes=[2], keepdims=0),
        node("ArgMax", ["x"], ["argmax"], axis=2, keepdims=0),
        node("ArgMin", ["x"], ["argmin"], axis=1, select_last_index=1),
        const("cumaxis", np.array(2, np.int64)),
        node("CumSum", ["x", "cumaxis"], ["cumsum"], exclusive=1),
        node("LogSoftmax", ["x"], ["logsoftmax"], axis=-1),
        node("Unsqueeze", ["sum", "axes"], ["sum3"]),
        node("Min", ["x", "sum3", "max"], ["min"]), node("Mean", ["x", "max"], ["mean"]),
    ]
    outs = ["sum", "l2", "lse", "argmax", "argmin", "cumsum", "logsoftmax", "min", "mean"]
    types = {"argmax": I64, "argmin": I64}
    return model(nodes, [vi("x", F, [2, 3, 5])], [vi(o, types.get(o, F), None) for o in outs])


def math():
    unary = ["Neg", "Abs", "Exp", "Reciprocal", "Floor", "Ceil", "Round", "Sign", "Softplus",
             "Softsign", "Sin", "Cos", "Atan", "Sinh", "Asinh"]
    nodes = [node(op, ["x"], [op.lower()]) for op in unary]
    nodes += [node("Abs", ["x"], ["pos"]), node("Log", ["pos"], ["log"]),
              node("Elu", ["x"], ["elu"], alpha=0.5), node("Selu", ["x"], ["selu"]),
              node("Celu", ["x"], ["celu"], alpha=2.0),
              node("ThresholdedRelu", ["x"], ["trelu"], alpha=0.3),
              node("Shrink", ["x"], ["shrink"], lambd=0.4, bias=0.1),
              node("Mod", ["ix", "iy"], ["mod"]), node("Mod", ["x", "d"], ["fmod"], fmod=1),
              node("Neg", ["ix"], ["ineg"])]
    nodes.insert(0, const("d", np.array(0.7, np.float32)))
    outs = [op.lower() for op in unary] + ["log", "elu", "selu", "celu", "trelu", "shrink", "fmod"]
    return model(nodes, [vi("x", F, [3, 7]), vi("ix", I64, [6]), vi("iy", I64, [6])],
                 [vi(o, F, None) for o in outs] + [vi("mod", I64, [6]), vi("ineg", I64, [6])])


def layout():
    nodes = [
        node("DepthToSpace", ["x"], ["d2s"], blocksize=2, mode="CRD"),
        node("SpaceToDepth", ["d2s"], ["s2d"], blocksize=2),
        node("InstanceNormalization", ["x", "scale", "bias"], ["inorm"], epsilon=1e-3),
        node("Split", ["x", "parts"], ["part0", "part1"], axis=1),
        const("parts", np.array([1, 3], np.int64)),
        node("Einsum", ["q", "k"], ["scores"], equation="bhid,bhjd->bhij"),
        node("Einsum", ["q"], ["qsum"], equation="bhid->bd"),
        node("GatherElements", ["x", "gidx"], ["gathered"], axis=3),
        node("GatherND", ["x", "ndidx"], ["gathered_nd"], batch_dims=1),
        node("GlobalMaxPool", ["x"], ["gmax"]),
    ]
    nodes.sort(key=lambda n: 0 if n.op_type == "Constant" else 1)
    inits = [numpy_helper.from_array(weights((4,), 1), "scale"),
             numpy_helper.from_array(weights((4,), 2), "bias"),
             numpy_helper.from_array(rng.integers(-4, 4, (1, 4, 2, 2)).astype(np.int64), "gidx"),
             numpy_helper.from_array(np.array([[[1, 0], [3, 1]]], np.int64), "ndidx")]
    outs = ["s2d", "inorm", "part0", "part1", "scores", "qsum", "gathered", "gathered_nd", "gmax"]
    return model(nodes, [vi("x", F, [1, 4, 2, 4]), vi("q", F, [1, 2, 3, 4]),
                         vi("k", F, [1, 2, 5, 4])], [vi(o, F, None) for o in outs], inits)


def opset18():
    """Opset-18 forms: Reduce* axes as an input, Split num_outputs, Mish,
    GroupNormalization (per-group scale)."""
    nodes = [const("axes", np.array([-1], np.int64)),
             node("ReduceMean", ["x", "axes"], ["mean"]),
             node("ReduceMax", ["x", "axes"], ["max"], keepdims=0),
             node("Split", ["x"], ["a", "b", "c"], axis=1, num_outputs=3),
             node("Mish", ["x"], ["mish"]),
             node("GroupNormalization", ["x", "gscale", "gbias"], ["gnorm"], num_groups=1,
                  epsilon=1e-3)]
    inits = [numpy_helper.from_array(weights((1,), 5), "gscale"),
             numpy_helper.from_array(weights((1,), 6), "gbias")]
    return model(nodes, [vi("x", F, [2, 5, 4])],
                 [vi(o, F, None) for o in ["mean", "max", "a", "b", "c", "mish"]] +
                 [vi("gnorm", F, [2, 5, 4])], inits, opset=18)


def opset20_gelu():
    """Gelu (opset 20), which libonnx 1.12 does not know: its importer checks it."""
    nodes = [node("Gelu", ["x"], ["exact"]), node("Gelu", ["x"], ["tanh"], approximate="tanh")]
    m = model(nodes, [vi("x", F, [4, 6])], [vi("exact", F, [4, 6]), vi("tanh", F, [4, 6])],
              opset=20)
    return m


def conv3d():
    """A video block: 3-D convolution, max and average pooling, and a grouped,
    strided 3-D transposed convolution with output padding."""
    w = numpy_helper.from_array(weights((4, 3, 3, 3, 3)), "w")
    b = numpy_helper.from_array(weights((4,), 1), "b")
    wg = numpy_helper.from_array(weights((4, 2, 1, 3, 3), 2), "wg")
    nodes = [node("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1, 1, 1], strides=[1, 2, 2]),
             node("Conv", ["c", "wg"], ["g"], group=2, pads=[0, 1, 1, 0, 1, 1]),
             node("MaxPool", ["g"], ["mp"], kernel_shape=[2, 2, 2], strides=[2, 2, 2]),
             node("AveragePool", ["c"], ["ap"], kernel_shape=[3, 3, 3], pads=[1, 1, 1, 1, 1, 1],
                  strides=[1, 2, 2]),
             node("ConvTranspose", ["c", "wt", "bt"], ["ct"], group=2, strides=[2, 2, 1],
                  pads=[0, 1, 1, 1, 0, 1], output_padding=[1, 0, 0])]
    wt = numpy_helper.from_array(weights((4, 3, 2, 3, 3), 3), "wt")
    bt = numpy_helper.from_array(weights((6,), 4), "bt")
    return model(nodes, [vi("x", F, [1, 3, 4, 8, 8])],
                 [vi("mp", F, None), vi("ap", F, None), vi("ct", F, None)], [w, b, wg, wt, bt])


def scatter():
    """ScatterND (a KV-cache style row update, and an add reduction) and ScatterElements."""
    rows = numpy_helper.from_array(np.array([[2], [0]], np.int64), "rows")
    cells = numpy_helper.from_array(np.array([[1, 3], [-1, 0], [1, 3]], np.int64), "cells")
    where = numpy_helper.from_array(np.array([[3, 0], [1, 1], [0, 2]], np.int64), "where")
    nodes = [node("ScatterND", ["x", "rows", "r"], ["nd"]),
             node("ScatterND", ["x", "cells", "c"], ["nd_add"], reduction="add"),
             node("ScatterElements", ["x", "where", "e"], ["elements"], axis=1)]
    return model(nodes, [vi("x", F, [3, 4]), vi("r", F, [2, 4]), vi("c", F, [3]),
                         vi("e", F, [3, 2])],
                 [vi("nd", F, [3, 4]), vi("nd_add", F, [3, 4]), vi("elements", F, [3, 4])],
                 [rows, cells, where], opset=16)


def types():
    """Unsigned integers (wrapping arithmetic, unsigned division, comparisons,
    min/max, casts), float16 and a bfloat16 round trip."""
    U8, U16, F16, BF16 = TensorProto.UINT8, TensorProto.UINT16, TensorProto.FLOAT16, TensorProto.BFLOAT16
    nodes = [node("Add", ["a", "b"], ["sum"]), node("Div", ["a", "b"], ["quotient"]),
             node("Max", ["a", "b"], ["max"]), node("Less", ["a", "b"], ["less"]),
             node("Cast", ["a"], ["a_float"], to=F), node("Cast", ["f"], ["x_u8"], to=U8),
             node("Mod", ["c", "d"], ["mod"]), node("ArgMax", ["a"], ["argmax"], axis=0),
             node("Mul", ["h", "h"], ["square"]), node("Cast", ["f"], ["x_bf16"], to=BF16),
             node("Cast", ["x_bf16"], ["x_rounded"], to=F)]
    return model(nodes, [vi("a", U8, [8]), vi("b", U8, [8]), vi("c", U16, [6]),
                         vi("d", U16, [6]), vi("h", F16, [5]), vi("f", F, [4])],
                 [vi("sum", U8, [8]), vi("quotient", U8, [8]), vi("max", U8, [8]),
                  vi("less", B, [8]), vi("a_float", F, [8]), vi("x_u8", U8, [4]),
                  vi("mod", U16, [6]), vi("argmax", I64, [1]), vi("square", F16, [5]),
                  vi("x_rounded", F, [4])], opset=14)


def nibble_tensor(name, values, data_type):
    """An opset-21 INT4 (22) / UINT4 (21) tensor, two values per raw byte."""
    flat = (np.asarray(values).reshape(-1).astype(np.int64) & 0xF).astype(np.uint8)
    if flat.size % 2:
        flat = np.append(flat, 0)
    t = TensorProto()
    t.name, t.data_type = name, data_type
    t.dims.extend(np.asarray(values).shape)
    t.raw_data = (flat[0::2] | (flat[1::2] << 4)).astype(np.uint8).tobytes()
    return t


def int4_qdq():
    """Opset 21 DequantizeLinear of INT4 (per-axis) and UINT4 (per-tensor, zero
    point 8) weights feeding MatMuls: what ORT's 4-bit QDQ export writes."""
    w4 = rng.integers(-8, 8, (16, 6))
    u4 = rng.integers(0, 16, (6, 5))
    inits = [nibble_tensor("w4", w4, 22), nibble_tensor("u4", u4, 21),
             nibble_tensor("u4_zero", np.array(8), 21),
             numpy_helper.from_array((rng.random(6) * 0.1 + 0.05).astype(np.float32), "w4_scale"),
             numpy_helper.from_array(np.array(0.07, np.float32), "u4_scale")]
    nodes = [node("DequantizeLinear", ["w4", "w4_scale"], ["w"], axis=1),
             node("DequantizeLinear", ["u4", "u4_scale", "u4_zero"], ["u"]),
             node("MatMul", ["x", "w"], ["h"]), node("MatMul", ["h", "u"], ["y"])]
    m = helper.make_model(helper.make_graph(nodes, "int4", [vi("x", F, [2, 16])],
                                            [vi("y", F, [2, 5])], inits),
                          opset_imports=[helper.make_opsetid("", 21)])
    m.ir_version = 10
    return m


def bad_einsum():
    nodes = [node("Einsum", ["a", "b"], ["y"], equation="...ij,...jk->...ik")]
    return model(nodes, [vi("a", F, [2, 3, 4]), vi("b", F, [2, 4, 5])], [vi("y", F, [2, 3, 5])])


def bad_split():
    nodes = [const("sizes", np.array([2, 3], np.int64)),
             node("Split", ["x", "sizes"], ["a", "b"], axis=0)]
    m = model(nodes, [vi("x", F, [6])], [vi("a", F, [2]), vi("b", F, [3])])
    return m


def dynamic_range():
    nodes = [const("start", np.array(0, np.int64)), const("delta", np.array(1, np.int64)),
             node("Range", ["start", "n", "delta"], ["r"])]
    return model(nodes, [vi("n", I64, [])], [vi("r", I64, [None])])


CASES = {f.__name__: f for f in (logic, shape_folds, reductions, math, layout, opset18,
                                 opset20_gelu, conv3d, scatter, int4_qdq, types, bad_einsum, bad_split, dynamic_range)}


def write_inputs(m, directory):
    os.makedirs(directory, exist_ok=True)
    inits = {t.name for t in m.graph.initializer}
    for value in m.graph.input:
        if value.name in inits:
            continue
        t = value.type.tensor_type
        shape = [d.dim_value for d in t.shape.dim]
        unsigned = {TensorProto.UINT8: np.uint8, TensorProto.UINT16: np.uint16}
        if t.elem_type == I64:
            array = rng.integers(-9, 9, shape).astype(np.int64)
            array[array == 0] = 3  # Mod divisors
        elif t.elem_type in unsigned:  # high values: signed arithmetic would go wrong
            array = rng.integers(1, 255, shape).astype(unsigned[t.elem_type])
            array[0] = 250
        elif t.elem_type == TensorProto.FLOAT16:
            array = rng.standard_normal(shape).astype(np.float16)
        elif t.elem_type == TensorProto.FLOAT and value.name == "f":
            array = (rng.random(shape) * 200).astype(np.float32)  # in uint8 range for the Cast
        else:
            array = rng.standard_normal(shape).astype(np.float32)
        np.save(os.path.join(directory, value.name + ".npy"), array)


def main():
    if len(sys.argv) not in (3, 4) or sys.argv[1] not in CASES:
        sys.exit("usage: export_ops.py {%s} OUT.onnx [INPUTS_DIR]" % ",".join(sorted(CASES)))
    m = CASES[sys.argv[1]]()
    import onnx
    onnx.save_model(m, sys.argv[2])
    if len(sys.argv) == 4:
        write_inputs(m, sys.argv[3])


if __name__ == "__main__":
    main()
