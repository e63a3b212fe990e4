#!/usr/bin/env bash
# Installs quantc's build and test dependencies from Debian 12 packages; idempotent.
set -euo pipefail

packages=(
  cmake ninja-build git
  llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools clang-22 lld-22
  # OpenMP runtime for multi-threaded artifacts and JIT runs
  libomp-22-dev
  libonnx-dev libprotobuf-dev protobuf-compiler
  coinor-libcbc-dev pkgconf
  # OpenBLAS (BLAS and LAPACK): GPTQ's factorization and updates on LLM-sized layers
  libopenblas-dev
  # .npz calibration samples (zip archives)
  libzip-dev
  # libFuzzer and the ASan/UBSan runtimes for the sanitizer build and fuzzers
  libclang-rt-22-dev
  googletest libgtest-dev
  python3-onnx python3-numpy
  # the Python package: its venv install test, and Report.plot_pareto
  python3-venv python3-pip python3-matplotlib
  # real architectures exported by torch.onnx at test time (e2e tier)
  python3-torch python3-torchvision
  libonnx-testdata
  # AArch64 artifacts: cross libc to link against, qemu to run them in tests
  qemu-user gcc-aarch64-linux-gnu libc6-dev-arm64-cross
  # rendered text lines and pages for the PaddleOCR comparisons
  python3-pil fonts-dejavu-core fonts-dejavu-extra fonts-liberation
)
# Node runs the model fetcher (npm pack); keep a Node that is already installed.
command -v npm >/dev/null || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
else
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The peer runtime for comparisons and benchmarks: onnxruntime-node from npm,
# into .cache/ort (its install script downloads from unreachable hosts; the
# CPU library ships inside the package, so --ignore-scripts).
root=$(cd "$(dirname "$0")/.." && pwd)
ort="$root/.cache/ort"
if [ ! -f "$ort/node_modules/onnxruntime-node/package.json" ]; then
  mkdir -p "$ort"
  (cd "$ort" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error \
      onnxruntime-node@1.30.0 >/dev/null)
  echo "setup: installed onnxruntime-node 1.30.0 into .cache/ort"
fi
