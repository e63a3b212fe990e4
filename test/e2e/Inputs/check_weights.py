#!/usr/bin/python3
"""Checks that an imported module holds every weight of the ONNX model.

check_weights.py MODEL.onnx STATS.txt -- STATS.txt is `quantc import --stats` output.

Weights counted on the ONNX side, independently of quantc: the elements of
floating-point tensors with more than one element (initializers and Constant
nodes) that some node reads as data. Tensors read only as op parameters
(Resize scales/roi, Upsample scales, Clip bounds, Pad value) become qnn
attributes, not weights."""
import os
import re
import sys

import onnx

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "Inputs"))
from onnx_tensors import onnx_tensors  # noqa: E402

PARAMETER_INPUTS = {"Resize": {1, 2, 3}, "Upsample": {1}, "Clip": {1, 2}, "Pad": {1, 2}}


def main():
    model = onnx.load(sys.argv[1])
    stats = open(sys.argv[2]).read()
    tensors = onnx_tensors(model)
    data_uses = set()
    for node in model.graph.node:
        for index, name in enumerate(node.input):
            if index not in PARAMETER_INPUTS.get(node.op_type, ()):
                data_uses.add(name)
    expected = sum(a.size for n, a in tensors.items()
                   if n in data_uses and a.dtype.kind == "f" and a.size > 1)
    imported = int(re.search(r"^parameters: (\d+)$", stats, re.M).group(1))
    verdict = "match" if expected == imported else "MISMATCH"
    print("%s: %d weights in ONNX, %d imported: %s" %
          (sys.argv[1].split("/")[-1], expected, imported, verdict))
    sys.exit(0 if expected == imported else 1)


if __name__ == "__main__":
    main()
