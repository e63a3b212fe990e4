#!/usr/bin/env bash
# On a machine with an NVIDIA GPU, in the directory bench/gpu/prepare.sh
# wrote: the device test and benchmark in one go (copy bandwidth, then every
# weight-only kernel, checked against the host and timed), then PP-OCRv4 rec
# end to end (GPU artifact against the same model on this machine's CPU).
# Exits non-zero if any check fails or no device opens.
set -euo pipefail
cd "$(dirname "$0")"
nvidia-smi --query-gpu=name,memory.total,clocks.max.memory --format=csv 2>/dev/null || true
./gpu-bench .
if [ -d rec-gpu ]; then
  export LD_LIBRARY_PATH=$PWD${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  echo "rec end to end (W4 g32, median of 20 runs; reference: the host artifact built here):"
  echo "  GPU  $(QUANTC_GPU_PROFILE=1 ./run_artifact rec-gpu/libch_PP_OCRv4_rec_infer.so ch_PP_OCRv4_rec_infer rec-x.npy 0 20 rec-reference.npy 2>&1 | tr '\n' ' ')"
  echo "  CPU  $(./run_artifact rec-host/libch_PP_OCRv4_rec_infer.so ch_PP_OCRv4_rec_infer rec-x.npy 0 20 rec-reference.npy)"
fi
