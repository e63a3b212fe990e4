"""Compiled artifacts through their C ABI (quantc_runtime.h) with ctypes: the
model's descriptor gives every input's and output's name, dtype and shape."""
import ctypes
import glob
import os

import numpy as np

from .errors import QuantcError

ABI_VERSION = 1
MAX_RANK = 8

# quantc_dtype (part of the ABI) -> numpy; bfloat16 travels as its raw bits.
_DTYPES = {1: np.float32, 2: np.float64, 3: np.float16, 4: np.int64, 5: np.int32, 6: np.int16,
           7: np.int8, 8: np.bool_, 9: np.uint8, 10: np.uint16, 11: np.uint32, 12: np.uint64,
           13: np.uint16}


class _TensorInfo(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("dtype", ctypes.c_int32), ("rank", ctypes.c_int32),
                ("shape", ctypes.POINTER(ctypes.c_int64))]


class _Model(ctypes.Structure):
    _fields_ = [("abi_version", ctypes.c_uint32), ("num_inputs", ctypes.c_int32),
                ("num_outputs", ctypes.c_int32), ("name", ctypes.c_char_p),
                ("inputs", ctypes.POINTER(_TensorInfo)), ("outputs", ctypes.POINTER(_TensorInfo)),
                ("entry", ctypes.c_void_p)]


class _Tensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("dtype", ctypes.c_int32), ("rank", ctypes.c_int32),
                ("shape", ctypes.c_int64 * MAX_RANK)]


class _RunOptions(ctypes.Structure):
    _fields_ = [("num_threads", ctypes.c_int32)]


class TensorInfo:
    """One input's or output's signature: name, numpy dtype, shape."""

    def __init__(self, info):
        self.name = info.name.decode()
        self.code = info.dtype
        if info.dtype not in _DTYPES:
            raise QuantcError("input/output '%s' has unknown dtype code %d" % (self.name, info.dtype))
        self.dtype = np.dtype(_DTYPES[info.dtype])
        self.shape = tuple(info.shape[i] for i in range(info.rank))

    def __repr__(self):
        return "TensorInfo(%r, %s, %s)" % (self.name, self.dtype, self.shape)


class Model:
    """A loaded artifact. `run(**inputs)` or `run({name: array})` returns a
    dict of output arrays. Several threads may call `run` at once."""

    def __init__(self, library_path, threads=0):
        self.path = library_path
        self.threads = threads
        try:
            self._library = ctypes.CDLL(library_path)
        except OSError as error:
            raise QuantcError("%s: cannot load: %s" % (library_path, error)) from None
        stem = os.path.basename(library_path)[len("lib"):-len(".so")]
        try:
            self._model = _Model.in_dll(self._library, stem + "_model")
        except ValueError:
            raise QuantcError("%s: no descriptor '%s_model' (not a quantc artifact?)"
                              % (library_path, stem)) from None
        if self._model.abi_version != ABI_VERSION:
            raise QuantcError("%s: ABI version %d, this package speaks %d"
                              % (library_path, self._model.abi_version, ABI_VERSION))
        self.name = self._model.name.decode()
        self.inputs = [TensorInfo(self._model.inputs[i]) for i in range(self._model.num_inputs)]
        self.outputs = [TensorInfo(self._model.outputs[i]) for i in range(self._model.num_outputs)]
        run = self._library.quantc_model_run_with_options
        run.restype = ctypes.c_int
        run.argtypes = [ctypes.POINTER(_Model), ctypes.POINTER(_RunOptions), ctypes.POINTER(_Tensor),
                        ctypes.c_int32, ctypes.POINTER(_Tensor), ctypes.c_int32, ctypes.c_char_p,
                        ctypes.c_size_t]
        self._run = run

    def __repr__(self):
        return "quantc.Model(%r, inputs=%s, outputs=%s)" % (self.name, self.inputs, self.outputs)

    def _checked_input(self, info, value):
        array = np.asarray(value)
        if array.dtype != info.dtype:
            raise TypeError("%s: input '%s' must be %s, got %s" % (self.name, info.name, info.dtype,
                                                                   array.dtype))
        if array.shape != info.shape:
            raise ValueError("%s: input '%s' must have shape %s, got %s"
                             % (self.name, info.name, info.shape, array.shape))
        return np.ascontiguousarray(array)

    def run(self, feeds=None, /, **inputs):
        feeds = dict(feeds or {}, **inputs)
        known = {info.name for info in self.inputs}
        unknown = sorted(set(feeds) - known)
        if unknown:
            raise TypeError("%s: unknown input %s (inputs: %s)"
                            % (self.name, ", ".join(map(repr, unknown)), ", ".join(sorted(known))))
        missing = [info.name for info in self.inputs if info.name not in feeds]
        if missing:
            raise TypeError("%s: missing input %s" % (self.name, ", ".join(map(repr, missing))))
        arrays = [self._checked_input(info, feeds[info.name]) for info in self.inputs]
        results = [np.empty(info.shape, info.dtype) for info in self.outputs]

        def tensors(infos, buffers):
            table = (_Tensor * max(len(infos), 1))()
            for slot, info, buffer in zip(table, infos, buffers):
                slot.data = buffer.ctypes.data
                slot.dtype = info.code
                slot.rank = len(info.shape)
                for axis, dim in enumerate(info.shape):
                    slot.shape[axis] = dim
            return table

        error = ctypes.create_string_buffer(512)
        status = self._run(ctypes.byref(self._model), ctypes.byref(_RunOptions(self.threads)),
                           tensors(self.inputs, arrays), len(arrays),
                           tensors(self.outputs, results), len(results), error, len(error))
        if status != 0:
            raise QuantcError(error.value.decode(errors="replace"))
        return {info.name: result for info, result in zip(self.outputs, results)}


def load(out_dir, threads=0):
    """Loads the artifact `quantc compile` wrote to OUT_DIR (its lib*.so).
    `threads`: the thread count of each call (0: QUANTC_NUM_THREADS, else
    every core)."""
    out_dir = os.fspath(out_dir)
    if not os.path.isdir(out_dir):
        raise QuantcError("%s: not an artifact directory" % out_dir)
    libraries = sorted(glob.glob(os.path.join(out_dir, "lib*.so")))
    if len(libraries) != 1:
        raise QuantcError("%s: expected one lib<name>.so, found %d" % (out_dir, len(libraries)))
    return Model(libraries[0], threads)
