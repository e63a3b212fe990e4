#!/usr/bin/python3
"""mlp_reference.py MODEL.onnx X.npy OUTDIR: checks OUTDIR/y1.npy and y2.npy
against a numpy evaluation of the mlp_two_outputs model; prints 'match'."""
import sys

import numpy as np
import onnx
from onnx import numpy_helper

model, x_path, out = sys.argv[1:4]
init = {t.name: numpy_helper.to_array(t) for t in onnx.load(model).graph.initializer}
x = np.load(x_path)
y1 = np.maximum(x @ init["w"].T + init["b"], 0)
e = np.exp(y1 - y1.max(axis=-1, keepdims=True))
y2 = e / e.sum(axis=-1, keepdims=True)
for name, want in (("y1", y1), ("y2", y2)):
    got = np.load("%s/%s.npy" % (out, name))
    assert got.dtype == np.float32 and got.shape == want.shape, (name, got.dtype, got.shape)
    err = np.abs(got - want).max()
    assert err < 1e-5, (name, err)
print("match")
