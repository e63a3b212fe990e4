"""Shared by the test helpers: every constant tensor of an ONNX model by name."""
from onnx import numpy_helper


def onnx_tensors(model):
    """Initializers and Constant-node values (keyed by the Constant's output name)."""
    tensors = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    for node in model.graph.node:
        if node.op_type == "Constant":
            for attr in node.attribute:
                if attr.name == "value":
                    tensors[node.output[0]] = numpy_helper.to_array(attr.t)
    return tensors
