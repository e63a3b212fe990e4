#!/usr/bin/python3
"""compare_ort.py MODEL.onnx ARTIFACT_DIR INPUT.npy... [--keys ppocr_keys_v1.txt]:
runs each input through the quantc artifact (quantc run DIR) and through
onnxruntime-node, and checks max |quantc - ORT| <= 1e-3 * (ORT output range).
Prints one line per input; with --keys also the CTC-decoded text of both."""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def ctc_decode(probs, keys):
    best = probs[0].argmax(-1)
    chars, last = [], 0
    for index in best:
        if index != last and index != 0:
            chars.append(keys[index - 1] if index - 1 < len(keys) else " ")
        last = index
    return "".join(chars)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("artifact")
    parser.add_argument("inputs", nargs="+")
    parser.add_argument("--keys")
    parser.add_argument("--quantc", default="quantc")
    args = parser.parse_args()
    keys = None
    if args.keys:
        with open(args.keys, encoding="utf-8") as f:
            keys = [line.rstrip("\n") for line in f] + [" "]
    failures = 0
    with tempfile.TemporaryDirectory() as work:
        for path in args.inputs:
            name = os.path.splitext(os.path.basename(path))[0]
            ours, theirs = os.path.join(work, name + ".q.npy"), os.path.join(work, name + ".o.npy")
            subprocess.run([args.quantc, "run", args.artifact, "--input", "x=" + path, "-o", ours],
                           check=True)
            subprocess.run(["node", os.path.join(ROOT, "scripts", "ort-run.js"), args.model,
                            "--input", "x=" + path, "-o", theirs], check=True, capture_output=True)
            q, o = np.load(ours), np.load(theirs)
            assert q.shape == o.shape, (q.shape, o.shape)
            tolerance = 1e-3 * float(o.max() - o.min())
            diff = float(np.abs(q - o).max())
            ok = diff <= tolerance
            failures += not ok
            line = "%s %s: max diff %.3g, tolerance %.3g" % ("ok" if ok else "MISMATCH", name, diff, tolerance)
            if keys is not None:
                a, b = ctc_decode(q, keys), ctc_decode(o, keys)
                line += ", text %s: %r" % ("same" if a == b else "DIFFERENT %r vs" % a, b)
            elif q.ndim == 2:
                line += ", class %d (ORT %d)" % (q.argmax(), o.argmax())
            print(line)
    print("%d of %d inputs match onnxruntime" % (len(args.inputs) - failures, len(args.inputs)))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
