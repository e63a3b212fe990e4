#!/usr/bin/python3
"""Checks quantc's outputs of gen_onnx.py's float convolution models
(float_depthwise, float_conv_panels, float_conv_padding, float_grouped_conv,
float_squeeze_excite) against a float64 numpy reference:
conv_reference.py MODEL.onnx INPUTS_DIR OUTPUTS_DIR. Prints each output's
name and whether it is within 1e-5 of the reference (relative to the
output's largest magnitude, when that exceeds 1)."""
import sys

import numpy as np
import onnx
from onnx import numpy_helper


def conv(x, w, b, pads, strides, dilations, group):
    n, c, h, width = x.shape
    f, _, kh, kw = w.shape
    top, left, bottom, right = pads
    xp = np.zeros((n, c, h + top + bottom, width + left + right))
    xp[:, :, top:top + h, left:left + width] = x
    oh = (xp.shape[2] - dilations[0] * (kh - 1) - 1) // strides[0] + 1
    ow = (xp.shape[3] - dilations[1] * (kw - 1) - 1) // strides[1] + 1
    per_group, inputs_per_group = f // group, c // group
    y = np.zeros((n, f, oh, ow))
    for o in range(f):
        for i in range(inputs_per_group):
            channel = o // per_group * inputs_per_group + i
            for ky in range(kh):
                for kx in range(kw):
                    y0, x0 = ky * dilations[0], kx * dilations[1]
                    window = xp[:, channel, y0:y0 + strides[0] * (oh - 1) + 1:strides[0],
                                x0:x0 + strides[1] * (ow - 1) + 1:strides[1]]
                    y[:, o] += w[o, i, ky, kx] * window
        if b is not None:
            y[:, o] += b[o]
    return y


def main():
    model = onnx.load(sys.argv[1])
    values = {i.name: numpy_helper.to_array(i).astype(np.float64) for i in model.graph.initializer}
    for graph_input in model.graph.input:
        name = graph_input.name
        values[name] = np.load("%s/%s.npy" % (sys.argv[2], name)).astype(np.float64)
    for node in model.graph.node:
        a = [values[i] for i in node.input]
        attrs = {at.name: onnx.helper.get_attribute_value(at) for at in node.attribute}
        if node.op_type == "Conv":
            y = conv(a[0], a[1], a[2] if len(a) > 2 else None, attrs.get("pads", [0] * 4),
                     attrs.get("strides", [1, 1]),
                     attrs.get("dilations", [1, 1]), attrs.get("group", 1))
        elif node.op_type == "Relu":
            y = np.maximum(a[0], 0)
        elif node.op_type == "HardSwish":
            y = a[0] * np.clip(a[0] / 6 + 0.5, 0, 1)
        elif node.op_type == "Sigmoid":
            y = 1 / (1 + np.exp(-a[0]))
        elif node.op_type == "Add":
            y = a[0] + a[1]
        elif node.op_type == "Mul":
            y = a[0] * a[1]
        elif node.op_type == "GlobalAveragePool":
            y = a[0].mean(axis=(2, 3), keepdims=True)
        elif node.op_type == "HardSigmoid":
            y = np.clip(attrs.get("alpha", 0.2) * a[0] + attrs.get("beta", 0.5), 0, 1)
        else:
            y = a[0]
        values[node.output[0]] = y
    for out in model.graph.output:
        got = np.load("%s/%s.npy" % (sys.argv[3], out.name))
        want = values[out.name]
        scale = max(1.0, float(np.abs(want).max()))
        ok = got.shape == want.shape and float(np.abs(got - want).max()) < 1e-5 * scale
        print(out.name, ok)


if __name__ == "__main__":
    main()
