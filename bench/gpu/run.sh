#!/usr/bin/env bash
# On a machine with an NVIDIA GPU, in the directory bench/gpu/prepare.sh
# wrote: the device test and benchmark in one go (copy bandwidth, then every
# kernel, checked against the host and timed), then cls, rec and det end to
# end, each GPU artifact against the host artifact (models.txt).
# Exits non-zero if any check fails or no device opens.
#   run.sh [all|kernels|models] [FILTER]
# kernels or models alone (a second try in what device time is left);
# FILTER: only the kernels whose PTX file's name holds it (k8192_n28672).
set -euo pipefail
cd "$(dirname "$0")"
what=${1:-all} filter=${2:-}
case "$what" in all | kernels | models) ;; *) echo "usage: run.sh [all|kernels|models] [FILTER]" >&2; exit 2 ;; esac
nvidia-smi --query-gpu=name,memory.total,clocks.max.memory --format=csv 2>/dev/null || true
status=0
if [ "$what" != models ]; then
  ./gpu-bench . $filter || status=1
fi
if [ "$what" != kernels ] && [ -s models.txt ]; then
  export LD_LIBRARY_PATH=$PWD${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  echo
  echo "Whole models (median of 20 runs, all CPU cores; reference: the host artifact built where prepare.sh ran):"
  echo "gpu: as users run it (runs of device work replayed as CUDA graphs); gpu-single: each"
  echo "kernel launched on its own (QUANTC_GPU_GRAPHS=0); gpu-profile: QUANTC_GPU_PROFILE=1, which"
  echo "waits for each kernel (its counts and time split; its timing is not the artifact's); then"
  echo "the GPU artifact's device time by kernel (QUANTC_GPU_PROFILE=kernels); same_bits: every"
  echo "call's output had the first call's bits (split-K's sums added in order: --gpu-deterministic)"
  while read -r tag name input; do
    echo "$tag"
    for side in gpu gpu-single gpu-profile host; do
      lib=$tag-gpu/lib$name.so
      settings=(QUANTC_GPU_PROFILE=0)
      case $side in
        gpu-single) settings+=(QUANTC_GPU_GRAPHS=0) ;;
        gpu-profile) settings=(QUANTC_GPU_PROFILE=1) ;;
        host) lib=$tag-host/lib$name.so ;;
      esac
      line=$(env "${settings[@]}" ./run_artifact $lib $name $input 0 20 $tag-reference.npy 2>&1) || status=1
      echo "  $side: $(echo "$line" | tr '\n' ' ')"
    done
    # Where the GPU artifact's device time goes: each kernel timed on the
    # device (5 calls; graphs off), the 12 longest.
    QUANTC_GPU_PROFILE=kernels ./run_artifact $tag-gpu/lib$name.so $name $input 0 5 2>&1 |
      sed -n '/^quantc GPU kernels/,+13s/^/  /p' || status=1
  done < models.txt
fi
exit $status
