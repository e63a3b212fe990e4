"""Helpers shared by the bench/ scripts."""
import json
import os
import platform
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def cpu_name():
    """The CPU model from /proc/cpuinfo, for the machine line of a table."""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor()


def ort_median_ms(model, x, threads, runs):
    """Median ms of onnxruntime-node on `model` (input x.npy), or None. A QDQ
    graph that fails to load with "all" optimizations gets "basic"."""
    for level in ([], ["--optimization", "basic"]):
        run = subprocess.run(["node", os.path.join(ROOT, "scripts", "ort-run.js"), model,
                              "--input", "x=" + x, "--threads", str(threads), "--repeat",
                              str(runs)] + level, capture_output=True, text=True)
        if run.returncode == 0:
            return json.loads(run.stdout)["median_ms"]
    return None
