#!/usr/bin/env bash
# Issue 13's acceptance at full size: real architectures exported by torch.onnx
# (torchvision resnet18 / mobilenet_v3_small / vit_b_16 / fcn_resnet50 /
# r3d_18 at their usual input sizes, and a 4-layer decoder LM with an 8192-token
# vocabulary), each matched against onnxruntime-node and quantized three ways;
# prints the table recorded in bench/RESULTS.md. Models are generated here and
# never committed. Usage: bench/real-models.sh [model,model,...] (default: all)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
models=${1:-resnet18,mobilenet_v3,vit,lraspp,video_resnet,decoder_lm}
/usr/bin/python3 "$root/test/Inputs/real_models.py" --quantc "$root/build/bin/quantc" \
  --work "$work" --models "$models" --size full
