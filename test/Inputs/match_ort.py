#!/usr/bin/python3
"""Runs a model in quantc (JIT, or a compiled artifact directory with
--artifact) and in onnxruntime-node on the same inputs and compares every
output: floats within `--tol` of the output's range, integers and booleans
exactly. Prints one line per output and `N of N outputs match onnxruntime`.

  match_ort.py MODEL.onnx INPUTS_DIR --quantc quantc --work DIR [--artifact DIR] [--tol 1e-4]
               [--export] [--quantc-flag=...]

With --export, ORT runs `quantc export-onnx MODEL` (with the same quantc
flags) instead of MODEL, and quantc runs its simulated (--no-fold-scales)
form: the export must compute what quantc computes.

INPUTS_DIR holds <graph input name>.npy for each input."""
import argparse
import os
import re
import subprocess
import sys

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def c_identifier(name):
    name = re.sub(r"[^A-Za-z0-9_]", "_", name)
    return "m_" + name if not name or name[0].isdigit() else name


def load_outputs(path):
    if os.path.isdir(path):
        return {f[:-4]: np.load(os.path.join(path, f)) for f in os.listdir(path) if f.endswith(".npy")}
    return {None: np.load(path)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("inputs")
    parser.add_argument("--quantc", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--artifact")
    parser.add_argument("--tol", type=float, default=1e-4)
    # ORT's extended optimizations fuse DequantizeLinear(int4) + MatMul into
    # MatMulNBits, which quantizes activations: 'basic' keeps exact float math.
    parser.add_argument("--ort-optimization", default="all")
    # Extra `quantc run` flags, e.g. --quantc-flag=--kernel-activations=float.
    parser.add_argument("--quantc-flag", action="append", default=[])
    parser.add_argument("--export", action="store_true")
    parser.add_argument("--also-export", action="store_true",
                        help="also run the float model's export-onnx in ORT against ORT on the model")
    args = parser.parse_args()
    import onnx
    model = onnx.load(args.model, load_external_data=False)
    inits = {t.name for t in model.graph.initializer}
    names = [i.name for i in model.graph.input if i.name not in inits]
    flags = []
    for name in names:
        flags += ["--input", "%s=%s" % (name, os.path.join(args.inputs, c_identifier(name) + ".npy")
                                       if not os.path.exists(os.path.join(args.inputs, name + ".npy"))
                                       else os.path.join(args.inputs, name + ".npy"))]
    os.makedirs(args.work, exist_ok=True)
    ours, theirs = os.path.join(args.work, "quantc"), os.path.join(args.work, "ort")
    os.makedirs(theirs, exist_ok=True)
    # An artifact was compiled with its flags; `run` takes quantization flags only for a model.
    ort_model, run_flags = args.model, [] if args.artifact else args.quantc_flag
    if args.export:
        ort_model = os.path.join(args.work, "export.onnx")
        subprocess.run([args.quantc, "export-onnx", args.model, "-o", ort_model, "--quiet"] +
                       args.quantc_flag, check=True)
        if not args.artifact:
            run_flags = run_flags + ["--no-fold-scales", "--quiet"]
    subprocess.run([args.quantc, "run", args.artifact or args.model, "-o", ours] + flags +
                   run_flags, check=True)
    subprocess.run(["node", os.path.join(ROOT, "scripts", "ort-run.js"), ort_model, "-o", theirs + "/",
                    "--optimization", args.ort_optimization]
                   + flags, check=True, stdout=subprocess.DEVNULL)
    got, want = load_outputs(ours), load_outputs(theirs)
    outputs = [o.name for o in model.graph.output]
    matched = compare(got, want, outputs, args.tol)
    print("%d of %d outputs match onnxruntime" % (matched, len(outputs)))
    ok = matched == len(outputs)
    if args.also_export:
        # The float model through `quantc export-onnx`, in ORT, against ORT on the original.
        exported, again = os.path.join(args.work, "export.onnx"), os.path.join(args.work, "ort-export")
        os.makedirs(again, exist_ok=True)
        subprocess.run([args.quantc, "export-onnx", args.model, "-o", exported, "--quiet"], check=True)
        subprocess.run(["node", os.path.join(ROOT, "scripts", "ort-run.js"), exported, "-o", again + "/",
                        "--optimization", args.ort_optimization] + flags, check=True,
                       stdout=subprocess.DEVNULL)
        matched = compare(load_outputs(again), want, outputs, args.tol, exported_names=True)
        print("export: %d of %d outputs match onnxruntime" % (matched, len(outputs)))
        ok = ok and matched == len(outputs)
    sys.exit(0 if ok else 1)


def compare(got, want, outputs, tol, exported_names=False):
    """Prints one line per output; returns how many match."""
    matched = 0
    for name in outputs:
        key = re.sub(r"[^A-Za-z0-9_]", "_", name) if exported_names else c_identifier(name)
        a = got.get(key, got.get(None))
        b = want.get(re.sub(r"[^A-Za-z0-9_]", "_", name), want.get(None))
        if a is None or b is None:
            print("FAIL %s: missing output" % name)
            continue
        if a.shape != b.shape:
            print("FAIL %s: shape %s, ORT %s" % (name, a.shape, b.shape))
            continue
        if b.dtype.kind in "f":
            scale = max(float(np.nanmax(np.abs(b))) if b.size else 0.0, 1.0)
            diff = float(np.nanmax(np.abs(a.astype(np.float64) - b))) if b.size else 0.0
            ok = diff <= tol * scale and np.array_equal(np.isnan(a), np.isnan(b))
            print("%s %s: max diff %.3g (range %.3g)" % ("ok" if ok else "FAIL", name, diff, scale))
        else:
            ok = np.array_equal(a, b)
            print("%s %s: %s values %s" % ("ok" if ok else "FAIL", name, b.dtype,
                                          "equal" if ok else "differ"))
        matched += ok
    return matched


if __name__ == "__main__":
    main()
