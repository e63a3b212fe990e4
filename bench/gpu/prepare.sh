#!/usr/bin/env bash
# Builds here, without a GPU, everything bench/gpu/run.sh needs on a machine
# with one: the PTX of a copy kernel and of each weight-only GEMV/GEMM kernel
# (quantc-gpu-kernels), kernels.txt, and gpu-bench linked against nothing but
# libc (libcuda is opened at run time). Output: build/gpu-bench/ (or $1),
# small enough to carry to the device machine.
#   bench/gpu/prepare.sh [OUT]   (QUANTC_GPU_CHIP=sm_90 by default: H100/H200)
# QUANTC_BENCH_SMOKE=1: small shapes, one kernel of each kind and no
# models, which gpu-bench runs here through the emulated driver
# (test/Codegen/GPU/gpu-bench-smoke.test). QUANTC_TOOLS_DIR: where
# quantc-gpu-kernels and quantc are (build/bin by default).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$root/build/gpu-bench}
chip=${QUANTC_GPU_CHIP:-sm_90}
smoke=${QUANTC_BENCH_SMOKE:-0}
tools=${QUANTC_TOOLS_DIR:-$root/build/bin}
gen=$tools/quantc-gpu-kernels
clang=/usr/lib/llvm-22/bin/clang
[ -x "$gen" ] || { echo "prepare.sh: build quantc first (scripts/build.sh)" >&2; exit 1; }
rm -rf "$out" && mkdir -p "$out"
# The artifacts a user gets: no host twins (those are for the emulated
# driver in tests).
unset QUANTC_GPU_HOST_TWINS

"$clang" -O2 -std=c99 -I"$root/include" -c "$root/lib/Runtime/quantc_cuda.c" -o "$out/quantc_cuda.o"
"$clang"++ -O2 -std=c++17 -I"$root/include" "$root/bench/gpu/gpu_bench.cpp" \
  "$root/lib/Codegen/GPU/Fragments.cpp" "$root/lib/Codegen/GPU/GemvTuning.cpp" "$out/quantc_cuda.o" \
  -static-libstdc++ -static-libgcc -o "$out/gpu-bench"
rm "$out/quantc_cuda.o"
cp "$root/bench/gpu/run.sh" "$out/"

# 256 MiB each way: far beyond any cache. Every kernel is named as quantc
# names it (--name spec): gpu-bench calls the PTX's entry.
copy_words=67108864; [ "$smoke" = 1 ] && copy_words=4096
"$gen" --kernel copy --words $copy_words --name spec --chip "$chip" -o "$out/copy.ptx"
echo "copy $copy_words copy.ptx" > "$out/kernels.txt"

# Each kernel is the one an artifact compiled with `quantc compile
# --gpu-gemv SPEC` holds for its shape (quantc-gpu-kernels --gemv: the
# launch chooseLaunch gives it), so a row's --gpu-gemv is what it measured.
# Split-K splits K until about TARGET_WARPS warps are in flight (8192 for a
# GEMV unless named; a GEMM's, M >= 16, is chooseLaunch's own: 2048, A
# shared by the block's four warps through shared memory). H200: 132 SMs.
# add BITS M K N [TARGET_WARPS [AHEAD [VARIANT]]]: AHEAD K tiles of weights
# loaded ahead when A is read straight from x (M < 16); VARIANT is
# "weights" (the default: none of these) or tags joined by '-': "sums"
# scales each iteration's f32 sums instead of each weight
# (scale-after-mma), "kp" permutes K so that A is read in 16-byte runs
# (permute-k), "cN" copies the weights N - 1 iterations ahead into N
# shared-memory stages (stages=N), "wN" puts N warps in a block (1, 2 or
# 4; 4 otherwise), "yp" stores split-K's sums in slices that gpu-bench adds
# in order (quantc's default, --gpu-deterministic) instead of adding them
# atomically (--gpu-deterministic=false, the rows without it), "rN" runs
# layers of fewer than N rows as GEMVs (rows=N: A straight from x, the
# weights loaded ahead, where M >= 16 would stage A), "nc" loads the
# weights past L1 with an evict-first L2 policy (past-l1).
# TARGET_WARPS "stream": stream-K (split-K 0 in kernels.txt): as many
# blocks as the device runs at once, equal runs of work per warp.
add() {
  local bits=$1 m=$2 k=$3 n=$4 target=${5:-8192} ahead=${6:-8} scaling=${7:-weights} group=128
  local spec=stream-k kind=gemm permute=no-permute-k tag partials= rows=16 ahead_flag=
  for tag in ${scaling//-/ }; do case "$tag" in r[0-9]*) rows=${tag#r} ;; esac; done
  [ "$m" -ge "$rows" ] && ahead=0 target=${5:-2048} # A staged: chooseLaunch's launch, no prefetch
  [ "$target" != stream ] && spec="split-k:target=$target"
  [ "$ahead" -gt 0 ] && spec+=":prefetch=$ahead"
  for tag in ${scaling//-/ }; do
    case "$tag" in
      sums) kind=$kind-sa spec+=":scale-after-mma" ;;
      kp) kind=$kind-kp permute=permute-k ;;
      c[2-8]) kind=$kind-$tag spec+=":stages=${tag#c}" ;;
      w[124]) spec+=":warps=${tag#w}" ;;
      yp) kind=$kind-yp partials=--split-partials ;;
      wa) kind=$kind-wa ahead_flag=--weights-ahead ;;
      nc) kind=$kind-nc spec+=":past-l1" ;;
      r[0-9]*) spec+=":rows=$rows" ;;
      weights) ;;
      *) echo "prepare.sh: unknown variant tag '$tag'" >&2; exit 2 ;;
    esac
  done
  spec+=":$permute"
  local warps_tag=$target
  [ "$target" = stream ] && warps_tag=1sk
  local file="w${bits}_m${m}_k${k}_n${n}_w${warps_tag}_a${ahead}_${scaling}.ptx"
  "$gen" --m "$m" --n "$n" --k "$k" --bits "$bits" --group "$group" --gemv "$spec" --name spec \
    $partials $ahead_flag --chip "$chip" -o "$out/$file"
  # The launch it got, from its name (qc_wo_..._s<split>_w<warps>_..._sk).
  local name split warps
  name=$(grep -o 'entry qc_wo_[a-z0-9_]*' "$out/$file" | head -1)
  split=$(echo "$name" | sed 's/.*_s\([0-9]*\)_w.*/\1/')
  warps=$(echo "$name" | sed 's/.*_w\([0-9]*\)_t.*/\1/')
  case "$name" in *_sk*) split=0 ;; esac
  echo "$kind $bits $m $n $k $group $split $warps $ahead $file" >> "$out/kernels.txt"
}
# Every kernel assembled here for the chip where CUDA's ptxas is (the
# driver compiles the PTX on the device): a kernel that does not assemble
# stops here, not in the device's minutes, and ptxas.txt keeps each one's
# registers, spills and shared memory beside the timings.
assemble_all() {
  local ptxas f info
  ptxas=$(command -v ptxas || echo /usr/local/cuda/bin/ptxas)
  [ -x "$ptxas" ] || return 0
  : > "$out/ptxas.txt"
  for f in "$out"/*.ptx; do
    info=$("$ptxas" -v -arch="$chip" "$f" -o /dev/null 2>&1) ||
      { echo "$info" >&2; echo "prepare.sh: ptxas rejects $f" >&2; exit 1; }
    echo "$(basename "$f"): $(echo "$info" | grep -o '[0-9]* bytes spill stores\|Used [0-9]* registers.*' | tr '\n' ' ')" >> "$out/ptxas.txt"
  done
}
if [ "$smoke" = 1 ]; then
  for bits in 4 8 2; do add "$bits" 1 256 512; done
  add 4 1 256 512 8192 8 yp
  # Split-K for 128 warps, not 8192 (4 blocks along K, not 16).
  add 4 1 2048 512 128
  for bits in 4 2; do add "$bits" 1 256 512 8192 8 sums; done
  # Stream-K with runs that start inside N groups and a short last item;
  # K permuted (A in 16-byte runs).
  for bits in 4 8 2; do add "$bits" 1 320 520 stream; done
  add 4 1 320 520 stream 8 sums
  add 4 1 384 520 stream 8 kp
  add 2 1 256 512 8192 8 sums-kp
  add 4 12 384 520 stream 8 kp
  # Weights through shared memory (cp.async stages), split-K and stream-K.
  add 4 1 256 512 8192 8 c3
  add 4 12 384 520 stream 8 kp-c4
  add 4 16 256 256
  add 4 16 256 256 2048 8 yp
  add 4 16 256 256 8192 8 r32-yp # 16 rows as a GEMV
  add 4 16 256 256 2048 8 yp-wa  # staged, the weights a K tile ahead
  add 4 1 256 512 8192 8 yp-nc   # the weights past L1
  add 4 16 256 256 2048 8 yp-nc
  add 4 64 48 16
  conv_split=$(tail -1 "$out/kernels.txt" | cut -d' ' -f7)
  "$gen" --m 64 --n 16 --k 48 --bits 4 --group 0 --split-k "$conv_split" --warps 4 --stage-a \
    --conv 4x8x8:3x3:1x1:1x1:1x1x1x1 --name spec --chip "$chip" -o "$out/w4_conv_4x8x8.ptx"
  echo "conv 4 64 16 48 0 $conv_split 4 0 w4_conv_4x8x8.ptx 4 8 8 3 3 1 1 1 1 1 1 1 1" >> "$out/kernels.txt"
  "$gen" --kernel f16-gemm --m 16 --n 256 --k 256 --name spec --chip "$chip" -o "$out/f16_m16.ptx"
  echo "f16 16 256 256 1 1 f16_m16.ptx" >> "$out/kernels.txt"
  "$gen" --kernel f16-gemm --m 16 --n 256 --k 256 --n-tiles 4 --name spec --chip "$chip" -o "$out/f16_m16_nt4.ptx"
  echo "f16 16 256 256 1 4 f16_m16_nt4.ptx" >> "$out/kernels.txt"
  for tiles in 1 4; do # N 40: the second warp's last three tiles past N
    "$gen" --kernel w8a8-gemm --m 16 --n 40 --k 64 --n-tiles $tiles --name spec --chip "$chip" \
      -o "$out/w8a8_m16_nt$tiles.ptx"
    echo "w8a8 16 40 64 1 $tiles w8a8_m16_nt$tiles.ptx" >> "$out/kernels.txt"
  done
  echo "prepare.sh: $(wc -l < "$out/kernels.txt") kernels for $chip in $out (smoke)"
  assemble_all
  exit 0
fi
for bits in 4 8 2; do
  for shape in "4096 4096" "4096 14336" "14336 4096" "8192 28672"; do
    add "$bits" 1 $shape
    add "$bits" 1 $shape 8192 8 yp # what quantc's artifacts run by default
  done
done
add 4 1 8192 28672 8192 8 kp-yp
# The weights past L1 (ld.global.nc.L1::no_allocate, an L2 evict-first
# policy): no L1 line taken from A and the scales, which every warp rereads.
for shape in "4096 14336" "8192 28672"; do
  for variant in "8192 8 yp-nc" "8192 8 kp-yp-nc" "stream 8 kp-nc"; do
    add 4 1 $shape $variant
  done
done
for bits in 8 2; do add "$bits" 1 8192 28672 8192 8 yp-nc; done
# How far ahead and how many warps (up to 16384: split-K doubled, shares
# of 6 iterations): W4 GEMV variants. Then the scales on
# the sums: fewer instructions (no f16 multiply per weight), more registers
# (W4 44 -> 60, W2 60 -> 72 on sm_90), so fewer warps: which wins is the
# device's to say.
for shape in "4096 14336" "8192 28672"; do
  for variant in "2048 8" "4096 8" "8192 4" "8192 16" "16384 8"; do
    add 4 1 $shape $variant
  done
done
for bits in 4 2; do
  for shape in "4096 14336" "8192 28672"; do
    for variant in "8192 8" "4096 8" "8192 4"; do
      add "$bits" 1 $shape $variant sums
    done
  done
done
# Stream-K: no second wave. Split-K's 8192 warps ran 2.4 waves of the W4
# GEMV on an H200 (ncu), the last part-full.
for bits in 4 8 2; do
  for shape in "4096 4096" "4096 14336" "14336 4096" "8192 28672"; do
    add "$bits" 1 $shape stream
  done
done
for shape in "4096 14336" "8192 28672"; do
  for variant in "stream 4" "stream 16" "stream 8 sums"; do
    add 4 1 $shape $variant
  done
done
add 2 1 8192 28672 stream 8 sums
# K permuted (A in two 16-byte loads per K quad, not eight 4-byte ones):
# W4 loop 186 -> 174 PTX instructions, 44 -> 48 registers (the same
# 10 blocks an SM).
for shape in "4096 4096" "4096 14336" "14336 4096" "8192 28672"; do
  for variant in "8192 8 kp" "stream 8 kp"; do
    add 4 1 $shape $variant
  done
done
for variant in "stream 8 sums-kp" "8192 8 sums-kp" "stream 16 kp"; do
  add 4 1 8192 28672 $variant
done
for bits in 8 2; do add "$bits" 1 8192 28672 stream 8 kp; done
# M = 12 (rows 8-15 in the A registers too): split-K and stream-K, permuted.
add 4 12 4096 4096 8192 8 kp
add 4 12 4096 4096 stream 8 kp
# The weights through shared memory: cp.async 2-3 iterations ahead (3 or 4
# stages of 4 KiB a block) instead of one in registers.
for shape in "4096 14336" "8192 28672"; do
  for variant in "8192 8 c3" "8192 8 c4" "stream 8 kp-c3" "stream 8 kp-c4" "stream 8 sums-kp-c4"; do
    add 4 1 $shape $variant
  done
done
for bits in 8 2; do add "$bits" 1 8192 28672 stream 8 kp-c4; done
add 4 1 8192 28672 stream 4 kp-c6
# Smaller blocks (an SM's last block's room is not lost to registers), and
# iterations of 4 K tiles through 8 stages.
for variant in "stream 8 kp-w2" "stream 8 kp-w1" "stream 8 kp-c4-w2" "stream 4 kp-c8"; do
  add 4 1 8192 28672 $variant
done
for m in 16 64 256; do add 4 "$m" 4096 4096; done
for m in 16 64; do add 4 "$m" 4096 4096 2048 8 yp; done
# The 16- and 64-row GEMMs as GEMVs (rows=N): the staged loop loads each K
# tile's weights as it uses them (703 GB/s at M = 16 on the H200, where
# the GEMV's loads ahead read 2613).
add 4 16 4096 4096 8192 8 r32-yp
add 4 16 4096 4096 4096 8 r32
add 4 16 4096 4096 stream 8 r32-kp
add 4 64 4096 4096 8192 8 r128-yp
add 4 64 4096 4096 stream 8 r128-kp
# The staged loop with each K tile's weights loaded an iteration ahead
# (quantc-gpu-kernels --weights-ahead, _p1): 32 -> 40 registers at M = 256.
for m in 16 64; do add 4 "$m" 4096 4096 2048 8 yp-wa; done
for m in 16 64; do add 4 "$m" 4096 4096 2048 8 yp-nc; done
add 4 256 4096 4096 2048 8 nc
add 4 256 4096 4096 2048 8 wa # split-K 1: no partial sums
# A convolution (det's 3x3 layers at 160x160, 96 channels): the GEMM on an
# im2col built and uploaded by the host (above's kernel), then the implicit
# GEMM gathering the same A from the unpadded input, the padding too.
add 4 25600 864 96
conv_file=w4_conv_96x160x160.ptx
conv_split=$(tail -1 "$out/kernels.txt" | cut -d' ' -f7)
"$gen" --m 25600 --n 96 --k 864 --bits 4 --group 128 --split-k "$conv_split" --warps 4 --stage-a \
  --conv 96x160x160:3x3:1x1:1x1:1x1x1x1 --name spec --chip "$chip" -o "$out/$conv_file"
echo "conv 4 25600 96 864 128 $conv_split 4 0 $conv_file 96 160 160 3 3 1 1 1 1 1 1 1 1" >> "$out/kernels.txt"
"$gen" --m 25600 --n 96 --k 864 --bits 4 --group 128 --split-k "$conv_split" --warps 4 --stage-a \
  --weights-ahead --conv 96x160x160:3x3:1x1:1x1:1x1x1x1 --name spec --chip "$chip" -o "$out/wa_$conv_file"
echo "conv-wa 4 25600 96 864 128 $conv_split 4 0 wa_$conv_file 96 160 160 3 3 1 1 1 1 1 1 1 1" >> "$out/kernels.txt"
# quantc's own fp16 GEMM: the baseline of the W4A16 goal at M = 16. Then
# with 2, 4 and 8 N tiles a warp (--n-tiles, _ntT): each A fragment loaded
# once for them all.
for m in 16 64 256; do
  for tiles in 1 2 4 8; do
    f=f16_m${m}$([ $tiles = 1 ] || echo _nt$tiles).ptx
    "$gen" --kernel f16-gemm --m "$m" --n 4096 --k 4096 --n-tiles $tiles --name spec \
      --chip "$chip" -o "$out/$f"
    echo "f16 $m 4096 4096 1 $tiles $f" >> "$out/kernels.txt"
  done
done
# W8A8 (int8 mma.sync m16n8k32), one warp per 8 columns.
for m in 1 16 64 256; do
  split=$(( m == 1 ? 8 : 1 ))
  for tiles in 1 4; do # --n-tiles as the fp16 GEMM's
    f=w8a8_m${m}$([ $tiles = 1 ] || echo _nt$tiles).ptx
    "$gen" --kernel w8a8-gemm --m "$m" --n 4096 --k 4096 --split-k "$split" --n-tiles $tiles \
      --name spec --chip "$chip" -o "$out/$f"
    echo "w8a8 $m 4096 4096 $split $tiles $f" >> "$out/kernels.txt"
  done
done

assemble_all
# Whole models end to end: each GPU artifact (its matmuls and the linalg ops
# around them on the GPU, activations kept there; what has no kernel on the
# host CPU, x86-64-v3 so that it runs on whatever CPU the GPU machine has)
# against the same model compiled for the host CPU, whose output here is the
# reference. PP-OCRv4 rec W4 (groups of 32) against float
# activations on the host; cls, rec and det float (fp16 GEMMs on the GPU) and
# W8A8 (exact int8 mma.sync: bit-identical to the host). libomp and a dlopen
# runner travel with them: the GPU machine has neither. models.txt lists them.
models=$root/.cache/models
quantc=$tools/quantc
: > "$out/models.txt"
# model_pair TAG ONNX SHAPE GPU_FLAGS -- HOST_FLAGS
# (ONNX under .cache/models, or a path; INPUT: the graph input's name, x)
model_pair() {
  local tag=$1 onnx=$2 shape=$3 name=${INPUT:-x}; shift 3
  [ "${onnx#/}" = "$onnx" ] && onnx=$models/$onnx
  local gpu=() host=()
  while [ "$1" != "--" ]; do gpu+=("$1"); shift; done; shift
  host=("$@")
  [ -f "$onnx" ] || { echo "prepare.sh: no $onnx (scripts/fetch-models.sh): $tag skipped" >&2; return; }
  local common=(compile "$onnx" --input-shape "$name=$shape" --quiet)
  "$quantc" "${common[@]}" "${gpu[@]}" --target "$chip:x86-64-v3" -o "$out/$tag-gpu"
  "$quantc" "${common[@]}" "${host[@]}" --target x86-64-v3 -o "$out/$tag-host"
  local input=x-${tag%%-*}.npy # one input per model: x-cls.npy, x-rec.npy, x-det.npy
  [ -f "$out/$input" ] || /usr/bin/python3 -c "import numpy as np; np.save('$out/$input', np.random.default_rng(0).random(($shape), dtype=np.float32))"
  "$quantc" run "$out/$tag-host" --input "$name=$out/$input" -o "$out/$tag-reference.npy"
  local lib=$(basename "$out/$tag-gpu"/lib*.so .so)
  echo "$tag ${lib#lib} $input" >> "$out/models.txt"
}
w4=(--bits 4 --group-size 32)
w8a8=(--bits 8 --act-bits 8)
model_pair rec-w4 ch_PP-OCRv4_rec_infer.onnx 1,3,48,320 "${w4[@]}" -- "${w4[@]}" --kernel-activations float
for config in float w8a8; do
  flags=(); [ $config = w8a8 ] && flags=("${w8a8[@]}")
  model_pair cls-$config ch_ppocr_mobile_v2.0_cls_infer.onnx 1,3,48,192 "${flags[@]}" -- "${flags[@]}"
  model_pair rec-$config ch_PP-OCRv4_rec_infer.onnx 1,3,48,320 "${flags[@]}" -- "${flags[@]}"
  model_pair det-$config ch_PP-OCRv4_det_infer.onnx 1,3,640,640 "${flags[@]}" -- "${flags[@]}"
done
# A transformer: torchvision's VisionTransformer (test/Inputs/torch_models.py
# vit: 32 x 32 in patches of 8, two layers of width 32; exported here, not
# carried), float: attention's batched matmuls, its softmax and the
# layernorms as linalg kernels between the fp16 GEMMs.
exported=$(mktemp -d)
if /usr/bin/python3 "$root/test/Inputs/torch_models.py" vit "$exported/vit.onnx" > /dev/null 2>&1; then
  INPUT=input model_pair vit-float "$exported/vit.onnx" 1,3,32,32 -- 
else
  echo "prepare.sh: torch could not export the ViT (python3-torch, python3-torchvision): skipped" >&2
fi
rm -rf "$exported"
if [ -s "$out/models.txt" ]; then
  "$clang" -O2 -std=c99 -I"$root/include" "$root/bench/run_artifact.c" -ldl -lm -o "$out/run_artifact"
  cp -L "$(dirname "$(readlink -f /usr/lib/llvm-22/lib/libomp.so.5)")/libomp.so.5" "$out/"
fi
echo "prepare.sh: $(wc -l < "$out/kernels.txt") kernels for $chip in $out ($(du -sh "$out" | cut -f1))"
