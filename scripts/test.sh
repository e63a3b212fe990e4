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

# Then the ASan + UBSan build: importer, driver and e2e tests, fuzzer smoke
# runs (QUANTC_SKIP_SANITIZED=1 skips it for a quick local run).
if [ "${QUANTC_SKIP_SANITIZED:-0}" != 1 ]; then
  "$root/scripts/test-sanitized.sh" 2>&1 | tee "$log" || status=1
  line=$(grep '^sanitized: ' "$log" | tail -1)
  s_passed=$(echo "$line" | sed -n 's/^sanitized: \([0-9]*\) passed.*/\1/p')
  s_failed=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed$/\1/p')
  [ -z "$line" ] && s_failed=1
  passed=$((passed + ${s_passed:-0})); failed=$((failed + ${s_failed:-0}))
fi
echo "$passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
