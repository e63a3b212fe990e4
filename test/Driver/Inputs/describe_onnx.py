#!/usr/bin/python3
"""Prints an ONNX model's opsets and, per node, its op type, the attributes
that carry quantization (bits, block sizes, axes) and the element types of its
initializer inputs: describe_onnx.py MODEL.onnx. Works with onnx 1.12, which
predates INT4 (data type 22), by reading the protobuf fields only."""
import sys

import onnx

TYPES = {1: "float", 2: "uint8", 3: "int8", 5: "int16", 7: "int64", 21: "uint4", 22: "int4"}
SHOWN = ("K", "N", "bits", "block_size", "accuracy_level", "axis")


def main():
    model = onnx.load(sys.argv[1])
    print("opsets", " ".join("%s:%d" % (o.domain or "ai.onnx", o.version) for o in model.opset_import))
    inits = {t.name: t for t in model.graph.initializer}
    for node in model.graph.node:
        attrs = " ".join("%s=%d" % (a.name, a.i) for a in node.attribute if a.name in SHOWN)
        types = " ".join("%s:%s" % (TYPES.get(inits[i].data_type, inits[i].data_type),
                                    "x".join(map(str, inits[i].dims)) or "scalar")
                         for i in node.input if i in inits)
        print(" ".join(filter(None, [node.op_type, attrs, types])))


if __name__ == "__main__":
    main()
