#!/usr/bin/env bash
# The demo: fetch PaddleOCR's text-direction classifier, compile it to a shared
# library with quantc (float, and W8A8 calibrated on 32 rendered lines), run
# both on rendered text lines (some upside down), and print their predictions
# and latency beside onnxruntime-node's.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="${QUANTC_BUILD_DIR:-$root/build}"
"$root/scripts/setup.sh" >/dev/null
"$root/scripts/fetch-models.sh"
"$root/scripts/build.sh" >/dev/null

model="$root/.cache/models/ch_ppocr_mobile_v2.0_cls_infer.onnx"
out="$build/demo"
rm -rf "$out" && mkdir -p "$out"
echo "== quantc compile $(basename "$model") --input-shape x=1,3,48,192 -o $out/cls"
"$build/bin/quantc" compile "$model" --input-shape x=1,3,48,192 --name cls -o "$out/cls" --time
ls "$out/cls"
echo
echo "== quantc compile ... --bits 8 --act-bits 8 --calib (32 rendered lines) -o $out/cls8"
/usr/bin/python3 "$root/test/e2e/Inputs/ocr_dataset.py" "$out/calib" --count 32 --seed 1
"$build/bin/quantc" compile "$model" --input-shape x=1,3,48,192 --name cls8 --bits 8 --act-bits 8 \
  --calib "$out/calib/cls" -o "$out/cls8"
head -4 "$out/cls8/report.txt"
echo
echo "== rendered text lines (odd lines are upside down)"
/usr/bin/python3 "$root/test/e2e/Inputs/ocr_inputs.py" "$out/in"
i=0
while read -r text; do
  probs=$("$build/bin/quantc" run "$out/cls" --input "x=$out/in/cls_$i.npy" | sed 's/.*= //')
  probs8=$("$build/bin/quantc" run "$out/cls8" --input "x=$out/in/cls_$i.npy" | sed 's/.*= //')
  ort=$(node "$root/scripts/ort-run.js" "$model" --input "x=$out/in/cls_$i.npy" -o "$out/ort_$i.npy" >/dev/null &&
        /usr/bin/python3 -c "import numpy as np; print(' '.join('%.6g' % v for v in np.load('$out/ort_$i.npy')[0]))")
  label=$(/usr/bin/python3 -c "p=[float(v) for v in '$probs'.split()]; print('0 deg  ' if p[0] > p[1] else '180 deg')")
  printf '  %-30s -> %s  quantc [%s]  W8A8 [%s]  ORT [%s]\n' "\"$text\"" "$label" "$probs" "$probs8" "$ort"
  i=$((i + 1))
done < "$out/in/lines.txt"
echo
echo "== single-thread latency, 200 runs"
"$build/bin/quantc" run "$out/cls" --input "x=$out/in/cls_0.npy" --repeat 200 --time 2>&1 >/dev/null | sed 's/^/  quantc: /'
"$build/bin/quantc" run "$out/cls8" --input "x=$out/in/cls_0.npy" --repeat 200 --time 2>&1 >/dev/null | sed 's/^/  W8A8:   /'
node "$root/scripts/ort-run.js" "$model" --input "x=$out/in/cls_0.npy" --threads 1 --repeat 200 |
  /usr/bin/python3 -c "import json,sys; r=json.load(sys.stdin); print('  ORT:    run: min %.3f ms, median %.3f ms over %d runs' % (r['min_ms'], r['median_ms'], r['runs']))"
