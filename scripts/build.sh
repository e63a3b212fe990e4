#!/usr/bin/env bash
# Configures (once) and builds quantc with clang-22 and lld: in build/, or,
# with QUANTC_SANITIZE=1, an ASan+UBSan build with the libFuzzer harnesses
# in build-asan/. Extra arguments go to ninja (targets).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
flags=(-DCMAKE_BUILD_TYPE=Release)
if [ "${QUANTC_SANITIZE:-0}" = 1 ]; then
  build="${QUANTC_BUILD_DIR:-$root/build-asan}"
  # -O1: the usual sanitizer level, and half the compile time of -O3.
  flags=(-DCMAKE_BUILD_TYPE=Release -DQUANTC_SANITIZE=ON -DQUANTC_FUZZERS=ON
         "-DCMAKE_CXX_FLAGS_RELEASE=-O1 -gline-tables-only -DNDEBUG"
         "-DCMAKE_C_FLAGS_RELEASE=-O1 -gline-tables-only -DNDEBUG")
else
  build="${QUANTC_BUILD_DIR:-$root/build}"
fi
if [ ! -f "$build/build.ninja" ]; then
  CC=clang-22 CXX=clang++-22 cmake -G Ninja -S "$root" -B "$build" "${flags[@]}" \
    -DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=lld -DCMAKE_SHARED_LINKER_FLAGS=-fuse-ld=lld >/dev/null
fi
ninja -C "$build" "$@"
