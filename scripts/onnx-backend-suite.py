#!/usr/bin/python3
"""Runs quantc over the ONNX backend test suite (Debian's libonnx-testdata).

Every case whose ops are in quantc's scope must compile, run (quantc run,
JIT) and match the case's expected outputs within rtol 1e-3 / atol 1e-4
(--mode import only imports). With --target, each case is compiled for that
target and its artifact run: for a GPU (sm_90), set QUANTC_CUDA_LIBRARY to
the emulated driver and QUANTC_GPU_HOST_TWINS=1 to run here; cases with a
float matmul or convolution (fp16 GEMMs there) then compare within rtol
1e-2 / atol 2e-3. The run ends with `N passed, N failed`. Usage:
  onnx-backend-suite.py --quantc build/bin/quantc [--mode run|import] [--target T]
                        [--filter REGEX] [--data DIR] [-j N] [-v]

A case is out of scope, and reported with its reason, when it needs
something quantc does not cover by design (see OUT_OF_SCOPE_RULES below).
Graph inputs that feed op parameters (Reshape's shape, Slice's starts, ...)
are frozen from the case's input_N.pb with --input-value, as quantc compiles
static shapes (onnx-mlir's backend runner does the same)."""
import argparse
import concurrent.futures
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

import onnx
from onnx import numpy_helper

SUITES = ["node", "pytorch-converted", "pytorch-operator", "simple"]

# Default-domain op types quantc imports (issue scope plus PaddleOCR's ops).
IN_SCOPE_OPS = {
    "Conv", "ConvTranspose", "Gemm", "MatMul", "BatchNormalization", "MaxPool",
    "AveragePool", "GlobalAveragePool", "Relu", "Clip", "Sigmoid", "HardSigmoid",
    "HardSwish", "Tanh", "Erf", "LeakyRelu", "PRelu", "Softmax", "LayerNormalization",
    "Add", "Sub", "Mul", "Div", "Pow", "Sqrt", "Reshape", "Transpose", "Concat",
    "Slice", "Squeeze", "Unsqueeze", "Flatten", "ReduceMean", "Resize", "Upsample",
    "Pad", "Cast", "Shape", "Gather", "Constant", "Identity", "Dropout",
    # issue 13: the ops real exports use
    "ConstantOfShape", "Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual", "Not", "And",
    "Or", "Xor", "Where", "Expand", "Tile", "Range", "Split", "Trilu", "CumSum", "ReduceMax",
    "ReduceMin", "ReduceSum", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceLogSum",
    "ReduceLogSumExp", "ReduceSumSquare", "ArgMax", "ArgMin", "LogSoftmax", "Hardmax", "Min", "Max",
    "Mean", "Sum", "GatherElements", "GatherND", "Neg", "Abs", "Exp", "Log", "Reciprocal", "Floor",
    "Ceil", "Round", "Sign", "Softplus", "Softsign", "Elu", "Selu", "Celu", "Mish", "Gelu",
    "ThresholdedRelu", "Shrink", "Mod", "Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh",
    "Asinh", "Acosh", "Atanh", "InstanceNormalization", "GroupNormalization",
    "MeanVarianceNormalization", "DepthToSpace", "SpaceToDepth", "Einsum", "Size", "CastLike",
    "GlobalMaxPool", "ScatterND", "ScatterElements", "Scatter", "GridSample",
    "TopK",
}

# Inputs that quantc needs as constants: op type -> input indices.
PARAMETER_INPUTS = {
    "Reshape": {1}, "Slice": {1, 2, 3, 4}, "Squeeze": {1}, "Unsqueeze": {1},
    "Pad": {1, 2}, "Resize": {1, 2, 3}, "Upsample": {1}, "Clip": {1, 2},
    "Dropout": {1, 2}, "ConstantOfShape": {0}, "Expand": {1}, "Tile": {1}, "Range": {0, 1, 2},
    "Split": {1}, "Trilu": {1}, "CumSum": {1}, "ReduceSum": {1}, "ReduceMax": {1},
    "ReduceMin": {1}, "ReduceProd": {1}, "ReduceL1": {1}, "ReduceL2": {1}, "ReduceLogSum": {1},
    "ReduceLogSumExp": {1}, "ReduceSumSquare": {1}, "ReduceMean": {1}, "TopK": {1},
}

FLOAT_TYPES = {onnx.TensorProto.FLOAT, onnx.TensorProto.DOUBLE, onnx.TensorProto.FLOAT16,
               onnx.TensorProto.BFLOAT16}
SUPPORTED_TYPES = FLOAT_TYPES | {
    onnx.TensorProto.INT8, onnx.TensorProto.INT16, onnx.TensorProto.INT32,
    onnx.TensorProto.INT64, onnx.TensorProto.UINT8, onnx.TensorProto.UINT16,
    onnx.TensorProto.UINT32, onnx.TensorProto.UINT64, onnx.TensorProto.BOOL}


INTEGER_TYPES = {onnx.TensorProto.INT32, onnx.TensorProto.INT64}
# bfloat16 executes, but .npy (how cases reach quantc run) has no bfloat16 dtype.
UNEXECUTED_TYPES = {onnx.TensorProto.BFLOAT16}


def shape_of(model, name):
    """Static shape of a graph input/initializer (empty when unknown)."""
    for v in list(model.graph.input) + list(model.graph.output):
        if v.name == name and v.type.HasField("tensor_type"):
            return [d.dim_value for d in v.type.tensor_type.shape.dim]
    for t in model.graph.initializer:
        if t.name == name:
            return list(t.dims)
    return []


def attr(node, name, default=None):
    for a in node.attribute:
        if a.name == name:
            return onnx.helper.get_attribute_value(a)
    return default


def tensor_types(model):
    """Element types of every typed value and constant in the graph."""
    g = model.graph
    types = [v.type.tensor_type.elem_type for v in list(g.input) + list(g.output) + list(g.value_info)
             if v.type.HasField("tensor_type")]
    types += [t.data_type for t in g.initializer]
    for node in g.node:
        types += [a.t.data_type for a in node.attribute if a.HasField("t")]
        if node.op_type == "Cast":
            types.append(attr(node, "to"))
    return types


def used_names(model):
    names = {o.name for o in model.graph.output}
    for node in model.graph.node:
        names.update(node.input)
    return names


# Each rule: (reason, predicate(model, node, used)). Node-level rules see every node.
OUT_OF_SCOPE_RULES = [
    ("integer Clip (qnn.clip is a float op)",
     lambda m, n, u, t: n.op_type == "Clip" and t.get(n.input[0]) not in FLOAT_TYPES),
    ("Resize cubic mode or tf_crop_and_resize",
     lambda m, n, u, t: n.op_type == "Resize" and (
         attr(n, "mode", b"nearest") == b"cubic" or
         attr(n, "coordinate_transformation_mode", b"") == b"tf_crop_and_resize")),
    ("training-mode outputs (BatchNormalization statistics, Dropout mask, "
     "LayerNormalization mean/inv_std, MaxPool indices)",
     lambda m, n, u, t: n.op_type in ("BatchNormalization", "Dropout", "LayerNormalization",
                                      "MaxPool") and any(o in u for o in n.output[1:])),
    ("training-mode Dropout or BatchNormalization",
     lambda m, n, u, t: (n.op_type == "BatchNormalization" and attr(n, "training_mode", 0)) or
     (n.op_type == "Dropout" and len(n.input) > 2 and n.input[2])),
    ("bfloat16 graph inputs or outputs (.npy has no bfloat16 dtype)",
     lambda m, n, u, t: any(t.get(v) in UNEXECUTED_TYPES for v in list(n.input) + list(n.output)) or
     (n.op_type == "Cast" and attr(n, "to") in UNEXECUTED_TYPES)),
    ("zero-size tensors",
     lambda m, n, u, t: any(0 in shape_of(m, v) for v in list(n.input) + list(n.output))),
    ("Einsum with an ellipsis or a diagonal (repeated letter in one term)",
     lambda m, n, u, t: n.op_type == "Einsum" and (
         b"..." in attr(n, "equation", b"") or any(
             len(set(term)) != len(term)
             for term in attr(n, "equation", b"").decode().replace("->", ",").split(",")))),
    ("MaxPool storage_order = 1",
     lambda m, n, u, t: n.op_type == "MaxPool" and attr(n, "storage_order", 0) == 1),
]


def value_types(model):
    inferred = onnx.shape_inference.infer_shapes(model)
    g = inferred.graph
    types = {v.name: v.type.tensor_type.elem_type for v in list(g.input) + list(g.value_info) +
             list(g.output)}
    types.update({t.name: t.data_type for t in g.initializer})
    return types


def classify(case_dir):
    """Returns (reason it is out of scope or None, the model)."""
    model = onnx.load(os.path.join(case_dir, "model.onnx"))
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 0)
    if not 1 <= opset <= 21:
        return "default-domain opset %d outside 1..21" % opset, model
    for node in model.graph.node:
        if node.domain not in ("", "ai.onnx") or node.op_type not in IN_SCOPE_OPS:
            return "op %s" % node.op_type, model
    if any(not v.type.HasField("tensor_type") for v in list(model.graph.input) + list(model.graph.output)):
        return "sequence/optional values", model
    if any(t not in SUPPORTED_TYPES for t in tensor_types(model) if t):
        return "element type (string/complex)", model
    used, types = used_names(model), value_types(model)
    for node in model.graph.node:
        for reason, rule in OUT_OF_SCOPE_RULES:
            if rule(model, node, used, types):
                return reason, model
    return None, model


def frozen_inputs(model, case_dir):
    """--input-value flags for graph inputs that feed op parameters."""
    initializers = {t.name for t in model.graph.initializer}
    graph_inputs = [i.name for i in model.graph.input if i.name not in initializers]
    parameter_names = set()
    for node in model.graph.node:
        for index in PARAMETER_INPUTS.get(node.op_type, ()):
            if index < len(node.input) and node.input[index]:
                parameter_names.add(node.input[index])
    data_dir = os.path.join(case_dir, "test_data_set_0")
    flags = []
    for index, name in enumerate(graph_inputs):
        path = os.path.join(data_dir, "input_%d.pb" % index)
        # Integer scalars (window sizes, counts) become shapes downstream: freeze them too.
        scalar_int = shape_of(model, name) == [] and any(
            i.name == name and i.type.tensor_type.elem_type in INTEGER_TYPES for i in model.graph.input)
        if (name in parameter_names or scalar_int) and os.path.exists(path):
            flags += ["--input-value", "%s=%s" % (name, path)]
    return flags


RTOL, ATOL = 1e-3, 1e-4
# A GPU target's float matmuls and convolutions are fp16 GEMMs (f16 inputs,
# f32 sums): a case with one compares at f16's precision.
F16_GEMM_OPS = {"Conv", "ConvTranspose", "Gemm", "MatMul", "Einsum"}
F16_RTOL, F16_ATOL = 1e-2, 2e-3


def read_pb(path):
    tensor = onnx.TensorProto()
    with open(path, "rb") as f:
        tensor.ParseFromString(f.read())
    return numpy_helper.to_array(tensor)


def compare(name, got, want, rtol=RTOL, atol=ATOL):
    """An error message, or None when `got` matches the expected output."""
    if got.shape != want.shape:
        return "%s: shape %s, expected %s" % (name, got.shape, want.shape)
    if got.dtype != want.dtype:
        return "%s: dtype %s, expected %s" % (name, got.dtype, want.dtype)
    if want.dtype.kind in "fc":
        if np.allclose(got, want, rtol=rtol, atol=atol, equal_nan=True):
            return None
        worst = np.nanmax(np.abs(got.astype(np.float64) - want.astype(np.float64)))
        return "%s: max abs error %.3g (rtol %g, atol %g)" % (name, worst, rtol, atol)
    return None if np.array_equal(got, want) else "%s: values differ" % name


def c_identifier(name):
    """quantc's file name for an output (sanitizeIdentifier in lib/Execution)."""
    name = re.sub(r"[^A-Za-z0-9_]", "_", name)
    return "m_" + name if not name or name[0].isdigit() else name


def run_case(quantc, case_dir, mode, target=None):
    reason, model = classify(case_dir)
    if reason:
        return case_dir, "skip", reason
    frozen = frozen_inputs(model, case_dir)
    if mode == "import":
        command = [quantc, "import", os.path.join(case_dir, "model.onnx"), "-o", os.devnull]
        result = subprocess.run(command + frozen, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            return case_dir, "fail", (result.stderr.strip().splitlines() or ["crash"])[0]
        return case_dir, "pass", ""

    initializers = {t.name for t in model.graph.initializer}
    graph_inputs = [i.name for i in model.graph.input if i.name not in initializers]
    frozen_names = {flag.split("=")[0] for flag in frozen[1::2]}
    data_dir = os.path.join(case_dir, "test_data_set_0")
    with tempfile.TemporaryDirectory() as work:
        model_path = os.path.join(case_dir, "model.onnx")
        if target:  # an artifact for the target, then run (a GPU's through QUANTC_CUDA_LIBRARY)
            artifact = os.path.join(work, "artifact")
            result = subprocess.run([quantc, "compile", model_path, "--target", target, "--quiet",
                                     "-o", artifact] + frozen,
                                    capture_output=True, text=True, timeout=300)
            if result.returncode != 0:
                lines = result.stderr.strip().splitlines()
                errors = [line for line in lines if "error:" in line]
                return case_dir, "fail", " | ".join(errors[:2] or lines[-1:] or
                                                    ["compile exit %d" % result.returncode])
            model_path, frozen = artifact, []
        command = [quantc, "run", model_path, "-o", work] + frozen
        for index, name in enumerate(graph_inputs):
            if name in frozen_names:
                continue
            path = os.path.join(work, "input_%d.npy" % index)
            np.save(path, read_pb(os.path.join(data_dir, "input_%d.pb" % index)))
            command += ["--input", "%s=%s" % (name, path)]
        result = subprocess.run(command, capture_output=True, text=True, timeout=300)
        if result.returncode != 0:
            return case_dir, "fail", (result.stderr.strip().splitlines() or
                                      ["exit %d" % result.returncode])[0]
        for index, output in enumerate(model.graph.output):
            want = read_pb(os.path.join(data_dir, "output_%d.pb" % index))
            file = os.path.join(work, c_identifier(output.name) + ".npy")
            if not os.path.exists(file):
                return case_dir, "fail", "%s: no output written" % output.name
            f16 = target and target.split(":")[0].startswith(("sm_", "cuda")) and any(
                node.op_type in F16_GEMM_OPS for node in model.graph.node)
            error = compare(output.name, np.load(file), want,
                            *((F16_RTOL, F16_ATOL) if f16 else (RTOL, ATOL)))
            if error:
                return case_dir, "fail", error
    return case_dir, "pass", ""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quantc", required=True)
    parser.add_argument("--data", default="/usr/share/libonnx-testdata/data")
    parser.add_argument("-j", type=int, default=os.cpu_count())
    parser.add_argument("-v", action="store_true", help="list out-of-scope cases too")
    parser.add_argument("--mode", choices=["run", "import"], default="run")
    parser.add_argument("--target", help="compile each case for this target (quantc compile "
                        "--target), then run the artifact")
    parser.add_argument("--filter", help="only the cases whose suite/name matches this regex")
    args = parser.parse_args()

    cases = sorted(os.path.join(args.data, suite, case) for suite in SUITES
                   if os.path.isdir(os.path.join(args.data, suite))
                   for case in os.listdir(os.path.join(args.data, suite))
                   if os.path.exists(os.path.join(args.data, suite, case, "model.onnx"))
                   and re.search(args.filter or "", suite + "/" + case))
    with concurrent.futures.ThreadPoolExecutor(args.j) as pool:
        results = list(pool.map(lambda c: run_case(args.quantc, c, args.mode, args.target), cases))

    skipped = {}
    for case, status, detail in results:
        name = os.path.relpath(case, args.data)
        if status == "fail":
            print("FAIL %s: %s" % (name, detail))
        elif status == "skip":
            skipped.setdefault(detail.split(" ")[0] if detail.startswith("op ") else detail, []).append(name)
            if args.v:
                print("out of scope %s: %s" % (name, detail))
    passed = sum(1 for r in results if r[1] == "pass")
    failed = sum(1 for r in results if r[1] == "fail")
    print("%d cases; %d in scope, %d out of scope:" % (len(results), passed + failed,
                                                       len(results) - passed - failed))
    for reason, names in sorted(skipped.items(), key=lambda kv: -len(kv[1])):
        label = "unsupported ops" if reason == "op" else reason
        print("  %4d  %s" % (len(names), label))
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
