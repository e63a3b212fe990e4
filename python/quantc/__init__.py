"""quantc from Python: compile ONNX models with the `quantc` driver, load the
artifacts through their C ABI (ctypes, no build step) and read their reports.

    import quantc
    model = quantc.compile("rec.onnx", "out/", input_shape={"x": (1, 3, 48, 320)},
                           avg_bits=4.5, calib="lines/")
    probs = model.run(x=image)["softmax_11.tmp_0"]
    quantc.Report("out/").plot_pareto("pareto.png")
"""
from .errors import QuantcError
from .compiler import compile, export_onnx, quantc_binary
from .runtime import Model, TensorInfo, load
from .report import Report

__all__ = ["QuantcError", "compile", "export_onnx", "quantc_binary", "Model", "TensorInfo",
           "load", "Report"]
