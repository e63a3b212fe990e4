#!/usr/bin/env bash
# The ThreadSanitizer configuration: artifacts instrumented with
# --sanitize=thread, linked with the TSan build of the runtime (lib/tsan/),
# called from several threads at once by a -fsanitize=thread program
# (test/ThreadSanitizer). Uses the normal build's quantc.
# Ends with "tsan: N passed, N failed" like the other tiers.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="${QUANTC_BUILD_DIR:-$root/build}"
"$root/scripts/build.sh" quantc quantc_runtime_tsan

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
/usr/lib/llvm-22/bin/lit -sv --param tsan=1 "$build/test/ThreadSanitizer" 2>&1 | tee "$log" || status=$?
count() { sed -n "s/^ *$1 *: *\([0-9]*\).*/\1/p" "$log" | head -1; }
passed=$(count Passed); passed=${passed:-0}
failed=0
for kind in Failed Unresolved "Timed Out" Unsupported; do
  n=$(count "$kind"); failed=$((failed + ${n:-0}))
done
echo "tsan: $passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
