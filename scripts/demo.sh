#!/usr/bin/env bash
# The demo: fetch PaddleOCR's v4 recognition model, import it into qnn IR with
# a bound input shape, and show what came out (ops, weights, timing, IR).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="${QUANTC_BUILD_DIR:-$root/build}"
"$root/scripts/setup.sh" >/dev/null
"$root/scripts/fetch-models.sh"
"$root/scripts/build.sh" quantc quant-opt >/dev/null

model="$root/.cache/models/ch_PP-OCRv4_rec_infer.onnx"
out="$build/demo"
mkdir -p "$out"
echo "== quantc import $(basename "$model") --input-shape x=1,3,48,320"
"$build/bin/quantc" import "$model" --input-shape x=1,3,48,320 -o "$out/rec.mlirbc" --stats --time
"$build/bin/quant-opt" "$out/rec.mlirbc" -o "$out/rec.mlir"
echo
echo "== op histogram"
grep -o 'qnn\.[a-z_]*' "$out/rec.mlir" | grep -v 'qnn.onnx' | sort | uniq -c | sort -rn
echo
echo "== the attention block of the SVTR neck (weights live in dense_resource blobs)"
grep -m1 -B2 -A6 'qnn.softmax' "$out/rec.mlir"
echo
echo "(full IR: $out/rec.mlir, bytecode: $out/rec.mlirbc)"
