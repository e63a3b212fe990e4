"""The Python package against the real driver and a real artifact: compile,
load, run (checked dtypes and shapes), errors as exceptions, the report.

Run from the source tree: PYTHONPATH=python QUANTC_BIN=build/bin/quantc
python3 -m unittest discover -s python/tests"""
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np

import quantc

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
GEN_ONNX = os.path.join(ROOT, "test", "Inputs", "gen_onnx.py")


def setUpModule():
    global WORK, MODEL, CALIB, ARTIFACT
    WORK = tempfile.mkdtemp(prefix="quantc-python-")
    MODEL = os.path.join(WORK, "mlp.onnx")
    subprocess.run([sys.executable, GEN_ONNX, "mlp_two_outputs", MODEL], check=True)
    CALIB = os.path.join(WORK, "calib")
    os.makedirs(CALIB)
    rng = np.random.default_rng(5)
    for i in range(4):
        np.save(os.path.join(CALIB, "%d.npy" % i), rng.standard_normal((2, 8)).astype(np.float32))
    ARTIFACT = os.path.join(WORK, "w8a8")
    quantc.compile(MODEL, ARTIFACT, bits=8, act_bits=8, calib=CALIB, quiet=True)


class CompileAndRun(unittest.TestCase):
    def test_signature(self):
        model = quantc.load(ARTIFACT)
        self.assertEqual([(t.name, t.dtype, t.shape) for t in model.inputs],
                         [("x", np.float32, (2, 8))])
        self.assertEqual([t.name for t in model.outputs], ["y1", "y2"])

    def test_run_matches_the_cli(self):
        x = np.random.default_rng(1).standard_normal((2, 8)).astype(np.float32)
        np.save(os.path.join(WORK, "x.npy"), x)
        out = os.path.join(WORK, "cli")
        subprocess.run([quantc.quantc_binary(), "run", ARTIFACT, "--input",
                        "x=" + os.path.join(WORK, "x.npy"), "-o", out], check=True)
        outputs = quantc.load(ARTIFACT).run(x=x)
        for name in ("y1", "y2"):
            np.testing.assert_array_equal(outputs[name], np.load(os.path.join(out, name + ".npy")))

    def test_thread_counts_agree(self):
        x = np.random.default_rng(2).standard_normal((2, 8)).astype(np.float32)
        one = quantc.load(ARTIFACT, threads=1).run({"x": x})
        two = quantc.load(ARTIFACT, threads=2).run({"x": x})
        np.testing.assert_array_equal(one["y2"], two["y2"])

    def test_inputs_are_checked(self):
        model = quantc.load(ARTIFACT)
        with self.assertRaisesRegex(TypeError, "input 'x' must be float32, got float64"):
            model.run(x=np.zeros((2, 8)))
        with self.assertRaisesRegex(ValueError, r"input 'x' must have shape \(2, 8\), got \(8,\)"):
            model.run(x=np.zeros(8, np.float32))
        with self.assertRaisesRegex(TypeError, "unknown input 'z'"):
            model.run(x=np.zeros((2, 8), np.float32), z=1)
        with self.assertRaisesRegex(TypeError, "missing input 'x'"):
            model.run()

    def test_emit_stage_returns_the_path(self):
        path = os.path.join(WORK, "mlp.mlir")
        self.assertEqual(quantc.compile(MODEL, path, emit="qnn"), path)
        with open(path) as f:
            self.assertIn("qnn.gemm", f.read())

    def test_export_onnx(self):
        path = quantc.export_onnx(MODEL, os.path.join(WORK, "mlp.ort.onnx"), bits=4, calib=CALIB, quiet=True)
        self.assertTrue(os.path.getsize(path) > 0)


class Errors(unittest.TestCase):
    def test_driver_errors_carry_quantcs_message(self):
        with self.assertRaises(quantc.QuantcError) as caught:
            quantc.compile(MODEL, os.path.join(WORK, "bad"), bits=9)
        self.assertIn("--bits", str(caught.exception))
        self.assertEqual(caught.exception.returncode, 1)
        self.assertFalse(os.path.exists(os.path.join(WORK, "bad")))

    def test_missing_model_names_the_file(self):
        with self.assertRaisesRegex(quantc.QuantcError, "nope.onnx"):
            quantc.compile(os.path.join(WORK, "nope.onnx"), os.path.join(WORK, "nope"))

    def test_load_needs_an_artifact(self):
        with self.assertRaisesRegex(quantc.QuantcError, "expected one lib<name>.so, found 0"):
            quantc.load(CALIB)
        with self.assertRaisesRegex(quantc.QuantcError, "not an artifact directory"):
            quantc.load(os.path.join(WORK, "absent"))


class Reports(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.out = os.path.join(WORK, "pareto")
        quantc.compile(MODEL, cls.out, avg_bits=4, calib=CALIB, pareto=True, quiet=True,
                       sensitivity_cache="off")
        cls.report = quantc.Report(cls.out)

    def test_layers(self):
        self.assertEqual([layer.name for layer in self.report.layers], ["h"])
        self.assertEqual(self.report.calibration, "files")
        self.assertIn(self.report.layers[0].bits, (2, 3, 4, 5, 6, 8))

    def test_pareto_points(self):
        kinds = {p.kind for p in self.report.pareto}
        self.assertEqual(kinds, {"ilp", "uniform"})
        self.assertTrue(all(p.size_bytes >= 0 for p in self.report.pareto))

    def test_plot(self):
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            with self.assertRaisesRegex(ImportError, "needs matplotlib"):
                self.report.plot_pareto(os.path.join(WORK, "pareto.png"))
            return
        png = os.path.join(WORK, "pareto.png")
        ax = self.report.plot_pareto(png)
        self.assertEqual(ax.get_ylabel(), "output SQNR (dB)")
        with open(png, "rb") as f:
            self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")

    def test_report_without_sweep(self):
        with self.assertRaisesRegex(quantc.QuantcError, "no Pareto sweep"):
            quantc.Report(ARTIFACT).plot_pareto()


if __name__ == "__main__":
    unittest.main()
