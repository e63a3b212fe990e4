#!/usr/bin/env bash
# The ASan + UBSan configuration: builds build-asan/ (QUANTC_SANITIZE=1, -O1),
# runs the importer, driver, pass, pass-matrix and PaddleOCR lit tests on it,
# then a bounded smoke run of every libFuzzer harness (FUZZ_SECONDS each,
# default 20: CI has 90 minutes for everything; campaigns run longer by hand).
# Ends with "N passed, N failed" like scripts/test.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build-asan"
# quantc_emulated_cuda: Import tests run sm_90 artifacts through the emulated
# driver (built unsanitized: artifacts dlopen it).
QUANTC_SANITIZE=1 QUANTC_BUILD_DIR="$build" "$root/scripts/build.sh" quantc quant-opt \
  quantc_emulated_cuda fuzz-onnx-raw fuzz-onnx-structured fuzz-npy fuzz-options fuzz-mlir fuzz-tensor

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
# Every pass and conversion test, the pass matrix (test/Robustness), the
# importer and driver, and the PaddleOCR e2e tests that import, calibrate,
# quantize and run real models through the JIT. Driver/allocate-grouped
# (four bit allocations of a conv network, over 20 of the tier's 30 minutes
# under ASan) runs in the normal tier only; allocate.test keeps the
# allocation paths here.
/usr/lib/llvm-22/bin/lit -sv --filter-out 'Driver/allocate-grouped' "$build/test/Import" "$build/test/Driver" \
  "$build/test/Dialect" "$build/test/Conversion" "$build/test/Transforms" \
  "$build/test/Robustness" "$build/test/e2e/paddleocr-import.test" \
  "$build/test/e2e/paddleocr-quantize.test" "$build/test/e2e/quantized-outputs.test" 2>&1 |
  tee "$log" || status=$?
count() { sed -n "s/^ *$1 *: *\([0-9]*\).*/\1/p" "$log" | head -1; }
passed=$(count Passed); passed=${passed:-0}
failed=0
for kind in Failed Unresolved "Timed Out"; do
  n=$(count "$kind"); failed=$((failed + ${n:-0}))
done

# Each harness that runs its time without a crash counts as one passed test.
FUZZ_SEED=1 QUANTC_BUILD_DIR="$build" "$root/scripts/fuzz.sh" "${FUZZ_SECONDS:-20}" | tee "$log" || true
fuzz_ok=$(grep -c ' ok$' "$log" || true)
fuzz_bad=$(grep -c 'CRASH' "$log" || true)
passed=$((passed + fuzz_ok)); failed=$((failed + fuzz_bad))
echo "sanitized: $passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
