#!/usr/bin/env bash
# Installs quantc's build and test dependencies from Debian 12 packages; idempotent.
set -euo pipefail

packages=(
  cmake ninja-build git
  llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools clang-22 lld-22
  libonnx-dev libprotobuf-dev protobuf-compiler
  coinor-libcbc-dev
  googletest libgtest-dev
  python3-onnx python3-numpy
  libonnx-testdata
)
# Node runs the model fetcher (npm pack); keep a Node that is already installed.
command -v npm >/dev/null || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
sudo_cmd=""
[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo_cmd apt-get update -qq
$sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
