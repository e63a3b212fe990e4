"""The `quantc` driver from Python: keyword arguments become its flags."""
import os
import shutil
import subprocess
import warnings

from .errors import QuantcError
from .runtime import load

_SOURCE_TREE_BINARY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                   "build", "bin", "quantc")


def quantc_binary():
    """The driver: $QUANTC_BIN, else `quantc` on PATH, else the source tree's build."""
    for candidate in (os.environ.get("QUANTC_BIN"), shutil.which("quantc"), _SOURCE_TREE_BINARY):
        if candidate and os.access(candidate, os.X_OK):
            return os.path.abspath(candidate)
    raise QuantcError("cannot find the quantc driver: set QUANTC_BIN or put quantc on PATH")


def _flag_value(value):
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def command_line_flags(options):
    """Keyword arguments as driver flags: `group_size=32` -> `--group-size=32`,
    `quiet=True` -> `--quiet`, `input_shape={"x": (1, 3, 48, 320)}` ->
    `--input-shape=x=1,3,48,320` (one flag per entry), lists comma-joined.
    None leaves a flag out."""
    flags = []
    for key, value in options.items():
        if value is None:
            continue
        name = "--" + key.replace("_", "-")
        if value is True:
            flags.append(name)
        elif isinstance(value, dict):
            flags += ["%s=%s=%s" % (name, k, _flag_value(v)) for k, v in value.items()]
        else:
            flags.append("%s=%s" % (name, _flag_value(value)))
    return flags


def run_driver(arguments):
    """Runs `quantc ARGUMENTS`; returns its stderr, or raises QuantcError with
    its error lines. Warnings are re-issued as Python warnings."""
    result = subprocess.run([quantc_binary()] + [str(a) for a in arguments],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = result.stderr.splitlines()
    if result.returncode != 0:
        errors = [line for line in lines if "error:" in line] or lines[-3:]
        raise QuantcError("\n".join(errors) or "quantc exited with status %d" % result.returncode,
                          result.returncode, result.stderr)
    for line in lines:
        if "warning:" in line:
            warnings.warn(line, stacklevel=3)
    return result.stderr


def compile(model, out_dir, **options):
    """`quantc compile MODEL -o OUT_DIR` with `options` as flags (see
    `quantc compile --help`). Returns the loaded artifact (a `Model`), or the
    output path when `emit` names an IR or assembly stage."""
    run_driver(["compile", os.fspath(model), "-o", os.fspath(out_dir)] + command_line_flags(options))
    if options.get("emit", "so") != "so":
        return os.fspath(out_dir)
    return load(out_dir)


def export_onnx(model, out_path, **options):
    """`quantc export-onnx MODEL -o OUT_PATH`: the quantized model as ONNX for
    ONNX Runtime (MatMulNBits, QDQ). Returns OUT_PATH."""
    run_driver(["export-onnx", os.fspath(model), "-o", os.fspath(out_path)] +
               command_line_flags(options))
    return os.fspath(out_path)
