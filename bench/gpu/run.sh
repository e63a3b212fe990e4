#!/usr/bin/env bash
# On a machine with an NVIDIA GPU, in the directory bench/gpu/prepare.sh
# wrote: the device test and benchmark in one go (copy bandwidth, then every
# weight-only kernel, checked against the host and timed). Exits non-zero if
# any check fails or no device opens.
set -euo pipefail
cd "$(dirname "$0")"
nvidia-smi --query-gpu=name,memory.total,clocks.max.memory --format=csv 2>/dev/null || true
./gpu-bench .
