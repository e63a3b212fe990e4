#!/usr/bin/env bash
# Builds the libFuzzer harnesses (ASan + UBSan, build-asan/) and runs each for
# SECONDS of wall time (default 60) on one core:
#   scripts/fuzz.sh [SECONDS] [HARNESS...]
# Harnesses: fuzz-onnx-raw fuzz-onnx-structured fuzz-npy fuzz-options fuzz-mlir fuzz-tensor.
# Seeds come from the test generators (models, .npy files, flag values);
# corpora grow in fuzz-corpus/<harness>/, reproducers of crashes land in
# fuzz-corpus/crashes/. Exits 1 if any harness crashed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}
shift || true
harnesses=("$@")
[ ${#harnesses[@]} -eq 0 ] && harnesses=(fuzz-onnx-raw fuzz-onnx-structured fuzz-npy fuzz-options fuzz-mlir fuzz-tensor)

QUANTC_SANITIZE=1 "$root/scripts/build.sh" "${harnesses[@]}" >/dev/null
bin="${QUANTC_BUILD_DIR:-$root/build-asan}/fuzz"
work="$root/fuzz-corpus"
seeds="$work/seeds"
mkdir -p "$work/crashes"

# Seed corpora (rebuilt each run; cheap).
rm -rf "$seeds" && mkdir -p "$seeds"/{onnx,npy,options,mlir,tensor}
gen="$root/test/Inputs/gen_onnx.py"
for name in $(/usr/bin/python3 -c "import sys; sys.path.insert(0, '$root/test/Inputs'); import gen_onnx; print(' '.join(gen_onnx.CASES))"); do
  /usr/bin/python3 "$gen" "$name" "$seeds/onnx/$name.onnx" >/dev/null 2>&1 || true
done
rm -f "$seeds"/onnx/*.bin
/usr/bin/python3 - "$seeds" "$root/test" <<'PY'
import glob, os, re, sys
import numpy as np
seeds = sys.argv[1]
arrays = [np.zeros((1, 3, 8, 8), np.float32), np.arange(6, dtype=np.int64).reshape(2, 3),
          np.ones(5, np.float16), np.array(3.5), np.zeros((2, 0), np.int8),
          np.array([True, False]), np.zeros((2, 2, 2), np.int16)]
for i, a in enumerate(arrays):
    np.save(os.path.join(seeds, "npy", "seed%d.npy" % i), a)
flags = ["x=1,3,48,320", "x=N", "8", "4,conv.*=8,last=none", "ternary", "2,3,4,5,6,8",
         "conv_first.*=8,.*fc=4", "512K", "2.5M", "1G", "1.58", "split-k",
         "stream-k:stages=4:warps=2", "split-k:target=2048:prefetch=16:scale-after-mma:permute-k",
         "stream-k:past-l1:warps=1"]
for i, text in enumerate(flags):
    for selector in range(8):
        with open(os.path.join(seeds, "options", "seed%d_%d" % (i, selector)), "wb") as f:
            f.write(bytes([selector]) + text.encode())
# fuzz-mlir: every `// -----` chunk of the lit tests' .mlir files, once per
# pipeline selector (FuzzMLIR.cpp); the dictionary holds their words.
words = set()
# One seed per pipeline of FuzzMLIR.cpp's kPipelines (each starts a string).
pipelines = open(os.path.join(sys.argv[2], "..", "fuzz", "FuzzMLIR.cpp")).read().count('"builtin.module(')
for path in glob.glob(os.path.join(sys.argv[2], "**", "*.mlir"), recursive=True):
    text = open(path).read()
    words.update(re.findall(r"[A-Za-z_][A-Za-z0-9_.]{2,}", text))
    for i, chunk in enumerate(text.split("// -----")):
        for selector in range(pipelines):
            name = "%s_%d_%d" % (os.path.basename(path), i, selector)
            with open(os.path.join(seeds, "mlir", name), "wb") as f:
                f.write(bytes([selector]) + chunk.encode())
with open(os.path.join(seeds, "mlir.dict"), "w") as f:
    f.writelines('"%s"\n' % w for w in sorted(words) if '"' not in w)
# fuzz-tensor: --input-value files, raw and typed data fields, every
# initializer of the generated models.
import onnx
from onnx import numpy_helper
tensors = [numpy_helper.from_array(a, "t%d" % i) for i, a in enumerate(arrays)]
tensors.append(onnx.helper.make_tensor("typed", onnx.TensorProto.FLOAT, [2, 2], [1, 2, 3, 4]))
tensors.append(onnx.helper.make_tensor("i64", onnx.TensorProto.INT64, [3], [1, -2, 3]))
for path in glob.glob(os.path.join(seeds, "onnx", "*.onnx")):
    tensors.extend(onnx.load(path, load_external_data=False).graph.initializer)
for i, t in enumerate(tensors):
    with open(os.path.join(seeds, "tensor", "seed%d.pb" % i), "wb") as f:
        f.write(t.SerializeToString())
PY

export ASAN_OPTIONS="allow_user_poisoning=0:${ASAN_OPTIONS:-}"
declare -A seed_dir=([fuzz-onnx-raw]=onnx [fuzz-onnx-structured]=onnx [fuzz-npy]=npy [fuzz-options]=options [fuzz-mlir]=mlir [fuzz-tensor]=tensor)
status=0
printf '%-22s %8s %10s %8s %s\n' harness seconds executions corpus result
for h in "${harnesses[@]}"; do
  mkdir -p "$work/$h"
  log="$work/$h.log"
  extra=()
  [ "$h" = fuzz-mlir ] && extra=(-dict="$seeds/mlir.dict")
  set +e
  "$bin/$h" "${extra[@]}" -seed="${FUZZ_SEED:-0}" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=4096 -max_len=1048576 \
    -artifact_prefix="$work/crashes/$h-" -print_final_stats=1 \
    "$work/$h" "$seeds/${seed_dir[$h]}" >"$log" 2>&1
  rc=$?
  set -e
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  units=$(ls "$work/$h" | wc -l)
  result=ok
  [ $rc -ne 0 ] && result="CRASH (exit $rc; see $log)" && status=1
  printf '%-22s %8s %10s %8s %s\n' "$h" "$seconds" "${runs:-?}" "$units" "$result"
  # CI keeps only stdout: show the report and the reproducer with the failure.
  if [ $rc -ne 0 ]; then
    grep -n -m1 -E '^==[0-9]+==ERROR|runtime error|^SUMMARY|deadly signal' "$log" >&2 || true
    sed -n '/ERROR\|runtime error\|deadly signal/,$p' "$log" | head -60 | sed 's/^/  | /'
    for f in "$work/crashes/$h-"*; do
      [ -f "$f" ] && echo "  reproducer $f (base64): $(head -c 4096 "$f" | base64 -w0)"
    done
  fi
done
exit $status
