#!/usr/bin/env bash
# Configures (once) and builds quantc in build/ with clang-22 and lld.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="${QUANTC_BUILD_DIR:-$root/build}"
if [ ! -f "$build/build.ninja" ]; then
  CC=clang-22 CXX=clang++-22 cmake -G Ninja -S "$root" -B "$build" \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=lld -DCMAKE_SHARED_LINKER_FLAGS=-fuse-ld=lld >/dev/null
fi
ninja -C "$build" "$@"
