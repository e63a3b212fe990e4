#!/usr/bin/env bash
# The test command: installs what is missing, fetches the models, builds, and
# runs every lit and unit test. Ends with "N passed, N failed".
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="${QUANTC_BUILD_DIR:-$root/build}"

"$root/scripts/setup.sh"
"$root/scripts/fetch-models.sh"
"$root/scripts/build.sh"

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
/usr/lib/llvm-22/bin/lit -sv "$build/test" "$build/unittests" 2>&1 | tee "$log" || status=$?

count() { sed -n "s/^ *$1 *: *\([0-9]*\).*/\1/p" "$log" | head -1; }
passed=$(count Passed); passed=${passed:-0}
failed=0
for kind in Failed Unresolved "Timed Out"; do
  n=$(count "$kind"); failed=$((failed + ${n:-0}))
done
unsupported=$(count Unsupported)
[ -n "$unsupported" ] && echo "($unsupported unsupported: their REQUIRES were not met)"

# tier SCRIPT PREFIX: runs another configuration, which ends with
# "PREFIX: N passed, N failed", and adds its counts.
tier() {
  "$1" 2>&1 | tee "$log" || status=1
  local line t_passed t_failed
  line=$(grep "^$2: " "$log" | tail -1)
  t_passed=$(echo "$line" | sed -n "s/^$2: \([0-9]*\) passed.*/\1/p")
  t_failed=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed$/\1/p')
  [ -z "$line" ] && t_failed=1
  passed=$((passed + ${t_passed:-0})); failed=$((failed + ${t_failed:-0}))
}

# Then the ASan + UBSan build: importer, driver and e2e tests, fuzzer smoke
# runs (QUANTC_SKIP_SANITIZED=1 skips it for a quick local run).
[ "${QUANTC_SKIP_SANITIZED:-0}" != 1 ] && tier "$root/scripts/test-sanitized.sh" sanitized
# Then the ThreadSanitizer configuration: instrumented artifacts called from
# several threads at once (QUANTC_SKIP_TSAN=1 skips it).
[ "${QUANTC_SKIP_TSAN:-0}" != 1 ] && tier "$root/scripts/test-tsan.sh" tsan
echo "$passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
