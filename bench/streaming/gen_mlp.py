#!/usr/bin/python3
"""Writes an MLP of LAYERS MatMul+Relu layers of HIDDEN x HIDDEN fp32 weights
(random) with its weights in ONNX external data, one layer at a time, so
that generating a model larger than memory takes one layer's memory:
    gen_mlp.py OUT_DIR --layers 24 --hidden 4096
writes OUT_DIR/mlp.onnx and OUT_DIR/mlp.bin (24 x 64 MiB = 1.6 GB, the
model of issue 19's report)."""
import argparse
import os

import numpy as np
import onnx
from onnx import TensorProto, helper


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--layers", type=int, default=24)
    parser.add_argument("--hidden", type=int, default=4096)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    h = args.hidden
    nodes, inits = [], []
    offset = 0
    with open(os.path.join(args.out, "mlp.bin"), "wb") as data:
        for layer in range(args.layers):
            w = (rng.standard_normal((h, h), dtype=np.float32) / np.sqrt(h)).astype(np.float32)
            data.write(w.tobytes())
            tensor = TensorProto(name="w%d" % layer, data_type=TensorProto.FLOAT, dims=[h, h],
                                 data_location=TensorProto.EXTERNAL)
            for key, value in (("location", "mlp.bin"), ("offset", str(offset)),
                               ("length", str(w.nbytes))):
                entry = tensor.external_data.add()
                entry.key, entry.value = key, value
            offset += w.nbytes
            inits.append(tensor)
            x = "x" if layer == 0 else "r%d" % (layer - 1)
            nodes.append(helper.make_node("MatMul", [x, "w%d" % layer], ["m%d" % layer],
                                          name="matmul%d" % layer))
            nodes.append(helper.make_node("Relu", ["m%d" % layer], ["r%d" % layer]))
    graph = helper.make_graph(nodes, "mlp",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, h])],
                              [helper.make_tensor_value_info("r%d" % (args.layers - 1),
                                                             TensorProto.FLOAT, [1, h])],
                              inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.save(model, os.path.join(args.out, "mlp.onnx"))
    print("%s: %d layers of %dx%d, %.2f GB of weights" % (args.out, args.layers, h, h, offset / 1e9))


if __name__ == "__main__":
    main()
