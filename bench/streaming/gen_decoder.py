#!/usr/bin/python3
"""Writes an LLM-shaped decoder with random fp32 weights in ONNX external
data, one tensor at a time, so that generating a model larger than memory
takes one layer's memory:
    gen_decoder.py OUT_DIR [--layers 28 --hidden 3072 --mlp 8192 --heads 24 --vocab 8192]
writes OUT_DIR/decoder.onnx and OUT_DIR/decoder.bin (the defaults: 3.2 B
parameters, 12.9 GB, issue 19's acceptance model).

Input `ids` (int64 [1, T], T free), output `logits` ([1, T, vocab]). Each
layer is pre-norm attention (RMSNorm, Q/K/V/O projections, causal softmax
attention over the T tokens) and a SwiGLU MLP, both with residuals."""
import argparse
import os

import numpy as np
import onnx
from onnx import TensorProto, helper


class Writer:
    """Appends tensors to the external data file and names them as initializers."""

    def __init__(self, directory, rng):
        self.data = open(os.path.join(directory, "decoder.bin"), "wb")
        self.rng, self.offset, self.inits = rng, 0, []

    def external(self, name, shape, scale):
        array = (self.rng.standard_normal(shape, dtype=np.float32) * np.float32(scale)).astype(np.float32)
        self.data.write(array.tobytes())
        tensor = TensorProto(name=name, data_type=TensorProto.FLOAT, dims=list(shape),
                             data_location=TensorProto.EXTERNAL)
        for key, value in (("location", "decoder.bin"), ("offset", str(self.offset)),
                           ("length", str(array.nbytes))):
            entry = tensor.external_data.add()
            entry.key, entry.value = key, value
        self.offset += array.nbytes
        self.inits.append(tensor)
        return name

    def inline(self, name, array):
        self.inits.append(helper.make_tensor(name, TensorProto.INT64 if array.dtype == np.int64
                                             else TensorProto.FLOAT, list(array.shape),
                                             array.flatten().tolist()))
        return name


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--layers", type=int, default=28)
    parser.add_argument("--hidden", type=int, default=3072)
    parser.add_argument("--mlp", type=int, default=8192)
    parser.add_argument("--heads", type=int, default=24)
    parser.add_argument("--vocab", type=int, default=8192)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    h, m, heads = args.hidden, args.mlp, args.heads
    head = h // heads
    w = Writer(args.out, np.random.default_rng(args.seed))
    nodes = []

    def node(op, inputs, name, **attrs):
        nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        return name

    one_eps = w.inline("eps", np.array([1e-5], np.float32))
    split_heads = w.inline("split_heads", np.array([1, -1, heads, head], np.int64))
    merge_heads = w.inline("merge_heads", np.array([1, -1, h], np.int64))
    inv_sqrt = w.inline("inv_sqrt_head", np.array([1 / np.sqrt(head)], np.float32))
    # The causal mask: -1e9 above the diagonal of a [T, T] matrix built from ids' shape.
    t = node("Gather", [node("Shape", ["ids"], "ids_shape"), w.inline("one", np.array(1, np.int64))], "t")
    tt = node("Concat", [node("Unsqueeze", [t, w.inline("axis0", np.array([0], np.int64))], "t1")] * 2,
              "tt", axis=0)
    full = node("ConstantOfShape", [tt], "mask_full",
                value=helper.make_tensor("v", TensorProto.FLOAT, [1], [-1e9]))
    mask = node("Trilu", [full, w.inline("k1", np.array(1, np.int64))], "mask", upper=1)

    def rms_norm(x, name):
        gain = w.external(name + ".gain", (h,), 1.0)
        mean = node("ReduceMean", [node("Mul", [x, x], name + ".sq")], name + ".mean", axes=[-1])
        rms = node("Sqrt", [node("Add", [mean, one_eps], name + ".eps")], name + ".rms")
        return node("Mul", [node("Div", [x, rms], name + ".div"), gain], name)

    def linear(x, name, k, n):
        return node("MatMul", [x, w.external(name + ".weight", (k, n), 1 / np.sqrt(k))], name)

    x = node("Gather", [w.external("embed", (args.vocab, h), 1.0), "ids"], "embedded")
    for layer in range(args.layers):
        p = "layer%d." % layer
        n1 = rms_norm(x, p + "attn_norm")
        q, k, v = (node("Reshape", [linear(n1, p + name, h, h), split_heads], p + name + ".heads")
                   for name in ("q", "k", "v"))
        q = node("Transpose", [q], p + "q.t", perm=[0, 2, 1, 3])
        k = node("Transpose", [k], p + "k.t", perm=[0, 2, 3, 1])
        v = node("Transpose", [v], p + "v.t", perm=[0, 2, 1, 3])
        scores = node("Mul", [node("MatMul", [q, k], p + "qk"), inv_sqrt], p + "scaled")
        probs = node("Softmax", [node("Add", [scores, mask], p + "masked")], p + "probs", axis=-1)
        context = node("Transpose", [node("MatMul", [probs, v], p + "pv")], p + "pv.t", perm=[0, 2, 1, 3])
        merged = node("Reshape", [context, merge_heads], p + "merged")
        x = node("Add", [x, linear(merged, p + "o", h, h)], p + "attn_out")
        n2 = rms_norm(x, p + "mlp_norm")
        gate = linear(n2, p + "gate", h, m)
        silu = node("Mul", [gate, node("Sigmoid", [gate], p + "gate.sigmoid")], p + "silu")
        up = node("Mul", [silu, linear(n2, p + "up", h, m)], p + "gated")
        x = node("Add", [x, linear(up, p + "down", m, h)], p + "mlp_out")
    logits = linear(rms_norm(x, "final_norm"), "lm_head", h, args.vocab)
    nodes[-1].output[0] = "logits"
    graph = helper.make_graph(nodes, "decoder",
                              [helper.make_tensor_value_info("ids", TensorProto.INT64, [1, "T"])],
                              [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, "T", args.vocab])],
                              w.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])
    onnx.save(model, os.path.join(args.out, "decoder.onnx"))
    w.data.close()
    print("%s: %d layers, hidden %d, MLP %d, vocab %d: %.2f B parameters, %.2f GB" % (
        args.out, args.layers, h, m, args.vocab, w.offset / 4e9, w.offset / 1e9))


if __name__ == "__main__":
    main()
