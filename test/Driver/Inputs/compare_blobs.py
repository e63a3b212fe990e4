#!/usr/bin/python3
"""Checks that every dense_resource blob in a .mlir file holds exactly the
bytes of the ONNX tensor of the same name: compare_blobs.py model.onnx model.mlir"""
import os
import re
import sys

import numpy as np
import onnx

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "Inputs"))
from onnx_tensors import onnx_tensors  # noqa: E402


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
