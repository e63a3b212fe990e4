#!/usr/bin/python3
"""Checks that every dense_resource blob in a .mlir file holds exactly the
bytes of the ONNX tensor of the same name: compare_blobs.py model.onnx model.mlir"""
import re
import sys

import numpy as np
import onnx
from onnx import numpy_helper


def onnx_tensors(model):
    tensors = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    for node in model.graph.node:
        if node.op_type == "Constant":
            for attr in node.attribute:
                if attr.name == "value":
                    tensors[node.output[0]] = numpy_helper.to_array(attr.t)
    return tensors


def main():
    model = onnx.load(sys.argv[1])
    text = open(sys.argv[2]).read()
    blobs = dict(re.findall(r'^\s*"?([^":\s]+)"?: "0x([0-9A-F]+)"', text, re.M))
    tensors = onnx_tensors(model)
    for name, hexdata in blobs.items():
        data = bytes.fromhex(hexdata)[4:]  # leading 4 bytes: the blob's alignment
        expected = np.ascontiguousarray(tensors[name]).astype("<" + tensors[name].dtype.str[1:]).tobytes()
        if data != expected:
            sys.exit("blob %s differs from the ONNX tensor" % name)
    print("%d weight blobs match the ONNX tensors bit for bit" % len(blobs))


if __name__ == "__main__":
    main()
