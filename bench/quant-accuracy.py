#!/usr/bin/python3
"""quant-accuracy.py: what quantization does to PaddleOCR cls and rec.

Renders a calibration set and a disjoint evaluation set of text lines
(test/e2e/Inputs/ocr_dataset.py, seed 1 and --eval-seeds; --set hard, the default, is
random characters in other fonts with blur and noise), compiles the float models
and every quantized configuration with `quantc compile`, runs the artifacts
through ctypes and compares each configuration with the float model:
  cls: share of lines whose predicted direction equals float's;
  rec: share of lines whose CTC-decoded text equals float's, and the
       character error rate (edit distance / length) against float's text
       and against the rendered ground truth. Texts are compared without
       leading/trailing spaces: the space class at a line's ends is a
       low-confidence guess even in float, and carries no text.
Prints a table and writes JSON (--json)."""
import argparse
import ctypes
import json
import os
import re
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MODELS = {"cls": ("ch_ppocr_mobile_v2.0_cls_infer.onnx", "x=1,3,48,192"),
          "rec": ("ch_PP-OCRv4_rec_infer.onnx", "x=1,3,48,320")}
# name: (models, quantc flags); configs named *datafree* get no --calib
# (samples synthesized from the models' BatchNorm statistics).
CONFIGS = {
    "w8a8-channel": (["cls", "rec"], ["--bits", "8", "--act-bits", "8"]),
    "w8a8-percentile": (["rec"], ["--bits", "8", "--act-bits", "8", "--calib-method", "percentile"]),
    "w8a8-mse": (["cls", "rec"], ["--bits", "8", "--act-bits", "8", "--calib-method", "mse"]),
    "w8a8-entropy": (["rec"], ["--bits", "8", "--act-bits", "8", "--calib-method", "entropy"]),
    "w8a8-minmax": (["cls", "rec"], ["--bits", "8", "--act-bits", "8", "--calib-method", "minmax"]),
    "w8a8-layer": (["cls", "rec"], ["--bits", "8", "--act-bits", "8", "--calib-method", "layer"]),
    "w8a8-datafree": (["cls", "rec"], ["--bits", "8", "--act-bits", "8"]),
    "w8-channel": (["rec"], ["--bits", "8"]),
    "w6-channel": (["rec"], ["--bits", "6"]),
    "w5-channel": (["rec"], ["--bits", "5"]),
    "w4-channel": (["rec"], ["--bits", "4"]),
    # Packed kernels with float activations instead of int8 blocks (issue 14).
    "w4-channel-floatact": (["rec"], ["--bits", "4", "--kernel-activations", "float"]),
    "w8-channel-floatact": (["rec"], ["--bits", "8", "--kernel-activations", "float"]),
    "w4-channel-gptq-floatact": (["rec"], ["--bits", "4", "--weight-method", "gptq",
                                           "--kernel-activations", "float"]),
    "w4-group32": (["rec"], ["--bits", "4", "--group-size", "32"]),
    "w4-channel-gptq": (["rec"], ["--bits", "4", "--weight-method", "gptq"]),
    "w4-channel-adaround": (["rec"], ["--bits", "4", "--weight-method", "adaround"]),
    "w4-group32-gptq": (["rec"], ["--bits", "4", "--group-size", "32", "--weight-method", "gptq"]),
    "w3-group32-gptq": (["rec"], ["--bits", "3", "--group-size", "32", "--weight-method", "gptq"]),
    # Bit allocation (integer program over per-layer sensitivities), weight-only.
    "alloc4.5-hessian": (["rec"], ["--avg-bits", "4.5", "--sensitivity", "hessian"]),
    "alloc4.5-kl": (["rec"], ["--avg-bits", "4.5", "--sensitivity", "output-kl"]),
    "alloc4.5-sqnr": (["rec"], ["--avg-bits", "4.5", "--sensitivity", "weight-sqnr"]),
    "alloc4.5-hessian-gptq": (["rec"], ["--avg-bits", "4.5", "--sensitivity", "hessian",
                                        "--weight-method", "gptq"]),
    "alloc4.5-kl-gptq": (["rec"], ["--avg-bits", "4.5", "--sensitivity", "output-kl",
                                   "--weight-method", "gptq"]),
    # Issue 15's acceptance: mixed precision with int8 activations.
    "a8-alloc4.5-gptq": (["rec"], ["--avg-bits", "4.5", "--act-bits", "8", "--weight-method", "gptq",
                                   "--sensitivity", "hessian", "--calib-method", "mse"]),
    "a8-alloc4.5-adaround": (["rec"], ["--avg-bits", "4.5", "--act-bits", "8", "--weight-method", "adaround",
                                       "--sensitivity", "hessian", "--calib-method", "mse"]),
    "a8-alloc4.5-adaround-kl": (["rec"], ["--avg-bits", "4.5", "--act-bits", "8", "--weight-method", "adaround",
                                          "--sensitivity", "output-kl", "--calib-method", "mse"]),
    "a8-alloc4.5-gptq-kl": (["rec"], ["--avg-bits", "4.5", "--act-bits", "8", "--weight-method", "gptq",
                                      "--sensitivity", "output-kl", "--calib-method", "mse"]),
    "a8-alloc4.5-adaround-hkl": (["rec"], ["--avg-bits", "4.5", "--act-bits", "8", "--weight-method", "adaround",
                                           "--sensitivity", "hessian-kl", "--calib-method", "mse"]),
    "a8-alloc4.5-gptq-hkl": (["rec"], ["--avg-bits", "4.5", "--act-bits", "8", "--weight-method", "gptq",
                                       "--sensitivity", "hessian-kl", "--calib-method", "mse"]),
    "a8-alloc3.5-adaround-hkl": (["rec"], ["--avg-bits", "3.5", "--act-bits", "8", "--weight-method", "adaround",
                                           "--sensitivity", "hessian-kl", "--calib-method", "mse"]),
    "a8-alloc3.5-gptq-hkl": (["rec"], ["--avg-bits", "3.5", "--act-bits", "8", "--weight-method", "gptq",
                                       "--sensitivity", "hessian-kl", "--calib-method", "mse"]),
    "auto-alloc4.5-adaround-hkl": (["rec"], ["--avg-bits", "4.5", "--act-bits", "auto", "--weight-method", "adaround",
                                             "--sensitivity", "hessian-kl", "--calib-method", "mse"]),
    "a8-alloc3.5-gptq": (["rec"], ["--avg-bits", "3.5", "--act-bits", "8", "--weight-method", "gptq",
                                   "--sensitivity", "hessian", "--calib-method", "mse"]),
    "a8-alloc3.5-adaround": (["rec"], ["--avg-bits", "3.5", "--act-bits", "8", "--weight-method", "adaround",
                                       "--sensitivity", "hessian", "--calib-method", "mse"]),
    "w8a8-smooth0.5": (["rec"], ["--bits", "8", "--act-bits", "8", "--smooth-quant", "0.5"]),
    "default-w6a8": (["rec"], ["--bits", "6", "--act-bits", "8"]),
    "default-w5a8": (["rec"], ["--bits", "5", "--act-bits", "8"]),
    # What a user gets with no method flags.
    "default-w8a8": (["cls", "rec"], ["--bits", "8", "--act-bits", "8"]),
    # One int8 range per tensor for depthwise inputs too (the default before
    # per-channel depthwise ranges).
    "w8a8-tensor-ranges": (["cls", "rec"], ["--bits", "8", "--act-bits", "8", "--channel-ranges=false"]),
    "default-a8-alloc4.5": (["rec"], ["--avg-bits", "4.5", "--act-bits", "8"]),
    "default-a8-alloc4.0": (["rec"], ["--avg-bits", "4.0", "--act-bits", "8"]),
    "default-a8-alloc3.6": (["rec"], ["--avg-bits", "3.6", "--act-bits", "8"]),
    "default-a8-alloc3.5": (["rec"], ["--avg-bits", "3.5", "--act-bits", "8"]),
    "default-a8-alloc3.4": (["rec"], ["--avg-bits", "3.4", "--act-bits", "8"]),
    "default-auto-alloc4.5": (["rec"], ["--avg-bits", "4.5", "--act-bits", "auto"]),
    # Issue 15 point 1, without data: weight methods and sensitivities on
    # samples synthesized from the first BatchNorm's statistics.
    "datafree-alloc4.5": (["rec"], ["--avg-bits", "4.5"]),
    "datafree-alloc4.5-rtn-hkl": (["rec"], ["--avg-bits", "4.5", "--sensitivity", "hessian-kl"]),
    "datafree-alloc4.5-gptq-hkl": (["rec"], ["--avg-bits", "4.5", "--weight-method", "gptq",
                                             "--sensitivity", "hessian-kl"]),
    "datafree-alloc4.5-adaround-hkl": (["rec"], ["--avg-bits", "4.5", "--weight-method", "adaround",
                                                 "--sensitivity", "hessian-kl"]),
    "datafree-w5-rtn": (["rec"], ["--bits", "5"]),
    "datafree-w5-gptq": (["rec"], ["--bits", "5", "--weight-method", "gptq"]),
    "datafree-w5-adaround": (["rec"], ["--bits", "5", "--weight-method", "adaround"]),
    "alloc6-kl": (["rec"], ["--avg-bits", "6", "--sensitivity", "output-kl"]),
    "alloc4.5-kl-gptq-4to8": (["rec"], ["--avg-bits", "4.5", "--sensitivity", "output-kl",
                                        "--weight-method", "gptq", "--candidate-bits", "4,5,6,8"]),
    "alloc4.5-kl-gptq-4to8-g32": (["rec"], ["--avg-bits", "4.5", "--sensitivity", "output-kl",
                                            "--weight-method", "gptq", "--candidate-bits", "4,5,6,8",
                                            "--group-size", "32"]),
}

# Issue 15's table: uniform 8/6/5/4 and mixed 5/4.5/4/3.5 bits, each weight
# method, with int8 activations, 8/16-bit activations chosen by the
# allocation (mixed only) and weight-only. `--configs table` runs them all,
# `table-u*` / `table-m*` a part.
TABLE = {}
for spec in ("u8", "u6", "u5", "u4", "m5", "m4.5", "m4", "m3.5"):
    for method in ("rtn", "gptq", "adaround"):
        for act in ("a8", "auto", "wo"):
            if spec[0] == "u" and act == "auto":
                continue  # the allocation chooses activation widths
            width = ["--bits", spec[1:]] if spec[0] == "u" else ["--avg-bits", spec[1:]]
            acts = {"a8": ["--act-bits", "8"], "auto": ["--act-bits", "auto"], "wo": []}[act]
            TABLE["table-%s-%s-%s" % (spec, method, act)] = (["rec"], width + ["--weight-method", method] + acts)
CONFIGS.update(TABLE)


def expand_configs(text):
    """Names, `table` (issue 15's table) and prefixes ending in `*`
    (`default-a8-alloc*`: the default allocation at five budgets; one budget
    alone swings by about a CER point, bench/RESULTS.md)."""
    names = []
    for name in text.split(","):
        if name == "table":
            names += list(TABLE)
        elif name.endswith("*"):
            names += [n for n in CONFIGS if n.startswith(name[:-1])]
        else:
            names.append(name)
    return names


def edit_distance(a, b):
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[len(b)]


def ctc_decode(probs, keys):
    best = probs.reshape(-1, probs.shape[-1]).argmax(-1)
    chars, last = [], 0
    for index in best:
        if index != last and index != 0:
            chars.append(keys[index - 1] if index - 1 < len(keys) else " ")
        last = index
    return "".join(chars).strip()


class Artifact:
    """lib<name>.so called through <name>_run(const float *x, float *y)."""

    def __init__(self, directory):
        header = [f for f in os.listdir(directory) if f.endswith(".h") and f != "quantc_runtime.h"][0]
        name = header[:-2]
        text = open(os.path.join(directory, header)).read()
        shape = re.search(r"output\s+\S+: float32\[([\d,]+)\]", text).group(1)
        self.shape = tuple(int(d) for d in shape.split(","))
        self.lib = ctypes.CDLL(os.path.join(directory, "lib%s.so" % name))
        self.run_fn = getattr(self.lib, name + "_run")
        self.run_fn.argtypes = [ctypes.c_void_p, ctypes.c_void_p]

    def __call__(self, x):
        x = np.ascontiguousarray(x, np.float32)
        y = np.zeros(self.shape, np.float32)
        self.run_fn(x.ctypes.data, y.ctypes.data)
        return y


def compile_model(quantc, models_dir, kind, flags, out, calib, reuse=False):
    if reuse and os.path.exists(os.path.join(out, "report.json" if flags else "quantc_runtime.h")):
        return 0.0
    onnx, shape = MODELS[kind]
    command = [quantc, "compile", os.path.join(models_dir, onnx), "--input-shape", shape,
               "-o", out] + flags
    quantizes = any(f in flags for f in ("--bits", "--act-bits", "--avg-bits", "--size-budget",
                                         "--bops-budget", "--latency-budget-ms"))
    if calib and quantizes:
        command += ["--calib", calib]
    start = time.time()
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode:
        sys.exit("quantc failed: %s\n%s" % (" ".join(command), result.stderr))
    return time.time() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quantc", default=os.path.join(ROOT, "build/bin/quantc"))
    parser.add_argument("--models", default=os.path.join(ROOT, ".cache/models"))
    parser.add_argument("--work", default="/tmp/quantc-accuracy")
    parser.add_argument("--calib-count", type=int, default=32)
    parser.add_argument("--eval-count", type=int, default=300, help="evaluation lines per seed")
    parser.add_argument("--eval-seeds", default="2",
                        help="comma-separated seeds of the evaluation sets (not 1, the calibration seed); "
                             "300 lines of one seed cannot tell configurations half a CER point apart")
    parser.add_argument("--configs", default=",".join(CONFIGS))
    parser.add_argument("--set", choices=("hard", "easy"), default="hard")
    parser.add_argument("--json")
    parser.add_argument("--reuse", action="store_true", help="keep artifacts already in --work")
    args = parser.parse_args()

    dataset = os.path.join(ROOT, "test/e2e/Inputs/ocr_dataset.py")
    seeds = [int(seed) for seed in args.eval_seeds.split(",")]
    if 1 in seeds:
        parser.error("--eval-seeds: seed 1 renders the calibration lines")
    calib = os.path.join(args.work, "calib")
    style = ["--hard"] if args.set == "hard" else []
    subprocess.run([sys.executable, dataset, calib, "--count", str(args.calib_count), "--seed", "1"] + style, check=True)
    labels, inputs = [], {kind: [] for kind in MODELS}
    for seed in seeds:
        evaluation = os.path.join(args.work, "eval" if seed == 2 else "eval-seed%d" % seed)
        subprocess.run([sys.executable, dataset, evaluation, "--count", str(args.eval_count), "--seed", str(seed)] + style,
                       check=True)
        these = [line.rstrip("\n").split("\t") for line in open(os.path.join(evaluation, "labels.tsv"), encoding="utf-8")]
        for kind in MODELS:
            inputs[kind] += [np.load(os.path.join(evaluation, kind, "%04d.npy" % i)) for i in range(len(these))]
        labels += these
    with open(os.path.join(args.models, "ppocr_keys_v1.txt"), encoding="utf-8") as f:
        keys = [line.rstrip("\n") for line in f] + [" "]

    def evaluate(kind, directory):
        artifact = Artifact(directory)
        outputs = [artifact(x) for x in inputs[kind]]
        if kind == "cls":
            return [int(y.argmax()) for y in outputs]
        return [ctc_decode(y, keys) for y in outputs]

    reference = {}
    for kind in MODELS:
        out = os.path.join(args.work, "float-" + kind)
        compile_model(args.quantc, args.models, kind, [], out, None, args.reuse)
        reference[kind] = evaluate(kind, out)
    truth = [text for _, _, text in labels]
    flips = [int(flipped) for _, flipped, _ in labels]
    float_cer = sum(edit_distance(p, t) for p, t in zip(reference["rec"], truth)) / sum(len(t) for t in truth)
    float_cls = sum(p == f for p, f in zip(reference["cls"], flips)) / len(flips)
    rows = [{"config": "float", "model": "cls", "agree": 1.0, "accuracy": float_cls},
            {"config": "float", "model": "rec", "agree": 1.0, "cer_vs_float": 0.0, "cer_vs_truth": float_cer}]

    for name in expand_configs(args.configs):
        models, flags = CONFIGS[name]
        for kind in models:
            out = os.path.join(args.work, name + "-" + kind)
            samples = None if "datafree" in name else os.path.join(calib, kind)
            seconds = compile_model(args.quantc, args.models, kind, flags, out, samples, args.reuse)
            predictions = evaluate(kind, out)
            report = json.load(open(os.path.join(out, "report.json")))
            row = {"config": name, "model": kind, "flags": " ".join(flags), "compile_s": round(seconds, 1),
                   "output_sqnr_db": report["outputs"][0]["sqnr_db"]}
            ref = reference[kind]
            row["agree"] = sum(p == r for p, r in zip(predictions, ref)) / len(ref)
            if kind == "cls":
                row["accuracy"] = sum(p == f for p, f in zip(predictions, flips)) / len(flips)
            else:
                row["cer_vs_float"] = sum(edit_distance(p, r) for p, r in zip(predictions, ref)) / max(1, sum(len(r) for r in ref))
                row["cer_vs_truth"] = sum(edit_distance(p, t) for p, t in zip(predictions, truth)) / sum(len(t) for t in truth)
            rows.append(row)
            print("%-18s %-4s agree %6.1f%%  %s" % (name, kind, 100 * row["agree"],
                  "CER vs float %.2f%%" % (100 * row["cer_vs_float"]) if kind == "rec" else "accuracy %.1f%%" % (100 * row["accuracy"])),
                  file=sys.stderr, flush=True)

    print("\n%s set: %d calibration lines (seed 1), %d evaluation lines (seed %s)\n" % (
        args.set, args.calib_count, len(labels), ", ".join(str(seed) for seed in seeds)))
    print("| config | model | agrees with float | CER vs float | CER vs truth | cls accuracy | output SQNR dB | compile s |")
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        def pct(key):
            return "%.2f%%" % (100 * row[key]) if key in row else ""
        print("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
            row["config"], row["model"], pct("agree"), pct("cer_vs_float"), pct("cer_vs_truth"),
            pct("accuracy"), "%.1f" % row["output_sqnr_db"] if "output_sqnr_db" in row else "",
            row.get("compile_s", "")))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
