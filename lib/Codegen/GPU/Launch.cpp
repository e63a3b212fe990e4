// How the GPU GEMMs are launched: each kernel's name, split-K and warps for
// its shape, and the grid that covers it.
#include "quantc/Codegen/GPUKernels.h"

#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cstdlib>

namespace quantc::codegen::gpu {

/// An implicit convolution's geometry in a kernel's name (its padding
/// and padding value only when there are some: _pad1x1x1x1_pvm7).
static std::string implicitSuffix(const std::optional<ImplicitConv> &conv) {
  if (!conv)
    return "";
  std::string suffix = llvm::formatv("_ic{0}x{1}x{2}_r{3}x{4}_s{5}x{6}_d{7}x{8}", conv->channels,
                                     conv->height, conv->width, conv->kernelH, conv->kernelW,
                                     conv->strideH, conv->strideW, conv->dilationH, conv->dilationW)
                           .str();
  if (conv->padded())
    suffix += llvm::formatv("_pad{0}x{1}x{2}x{3}", conv->padTop, conv->padLeft, conv->padBottom,
                            conv->padRight)
                  .str();
  // A PTX name has no '-': m for minus.
  if (conv->padValue)
    suffix += (conv->padValue < 0 ? "_pvm" : "_pv") + std::to_string(std::abs(conv->padValue));
  return suffix + (conv->floatInput ? "_xf" : "");
}

std::string kernelName(const WeightOnlyGemm &gemm) {
  std::string name =
      llvm::formatv("qc_wo_b{0}_g{1}_a{2}_m{3}_n{4}_k{5}_s{6}_w{7}_t{8}_p{9}", gemm.bits,
                    gemm.group, int(gemm.asymmetric), gemm.m, gemm.n, gemm.k, gemm.splitK,
                    gemm.warpsPerBlock, int(gemm.stageA),
                    gemm.stageA ? int64_t(gemm.stagedWeightsAhead) : gemm.prefetchTiles)
          .str();
  return name + (gemm.splitPartials ? "_yp" : "") + (gemm.scaleAfterMma ? "_sa" : "") +
         (gemm.streamK ? "_sk" : "") + (gemm.permuteK ? "_kp" : "") +
         (gemm.weightStages ? "_c" + std::to_string(gemm.weightStages) : "") +
         (gemm.weightsPastL1 ? "_nc" : "") + (gemm.channelsFirstOutput ? "_yt" : "") +
         (gemm.floatK ? "_xf" + std::to_string(gemm.floatK) : "") + implicitSuffix(gemm.conv);
}

/// Warps a launch should keep in flight: 132 SMs x 16 (a quarter of their
/// capacity, enough to hide the latency of the weight loads).
constexpr int64_t kTargetWarps = 2048;

/// One warp per block and (16-row M tile, `tiles` 8-column N tiles): the
/// fp16 and W8A8 GEMMs.
static LaunchGeometry warpPerTile(int64_t m, int64_t n, int64_t splitK, int64_t tiles) {
  LaunchGeometry launch;
  launch.grid[0] = ((n + kMmaN - 1) / kMmaN + tiles - 1) / tiles;
  launch.grid[1] = (m + kMmaM - 1) / kMmaM;
  launch.grid[2] = splitK;
  launch.threads = kWarpSize;
  return launch;
}

static int64_t tilePairs(int64_t m, int64_t n) {
  return ((n + kMmaN - 1) / kMmaN) * ((m + kMmaM - 1) / kMmaM);
}

/// splitKFor's split, stopped at the last share (of `align` K tiles) that
/// holds K tiles: no block that would only write a slice of zeros.
static int64_t splitWithoutEmptyShares(int64_t targetWarps, int64_t pairs, int64_t kTiles,
                                       int64_t align) {
  return nonEmptyShares(kTiles, splitKFor(targetWarps, pairs, kTiles), align);
}

void chooseLaunch(WeightOnlyGemm &gemm, const GemvTuning &gemv) {
  // Every launch field is set here, whatever the gemm held before.
  WeightOnlyGemm defaults;
  gemm.prefetchTiles = defaults.prefetchTiles;
  gemm.streamK = gemm.permuteK = gemm.scaleAfterMma = gemm.stagedWeightsAhead = false;
  gemm.weightsPastL1 = false;
  gemm.weightStages = 0;
  gemm.warpsPerBlock = 4;
  gemm.stageA = gemm.m >= std::max<int64_t>(gemv.gemvRows, kMmaM) && gemm.k % kMmaK == 0;
  int64_t pairs = gemm.layout().nGroups() * ((gemm.m + kMmaM - 1) / kMmaM);
  int64_t kTiles = gemm.layout().kTiles();
  // A GEMV (A straight from x, weights loaded ahead) ran 10-14% faster on
  // an H200 with four times the warps (bench/RESULTS.md, issue 17): its
  // default target is 8192.
  if (gemm.stageA) { // shares of single K tiles, each tile's word loaded into registers
    gemm.splitK = splitWithoutEmptyShares(kTargetWarps, pairs, kTiles, 1);
    gemm.weightsPastL1 = gemv.weightsPastL1;
    return;
  }
  gemm.warpsPerBlock = gemv.warps;
  gemm.prefetchTiles = gemv.prefetchTiles;
  // Shares are whole iterations.
  gemm.splitK = splitWithoutEmptyShares(gemv.targetWarps, pairs, kTiles, gemm.prefetchTiles);
  if (gemv.streamK) {
    gemm.streamK = true;
    gemm.splitK = 1;
  }
  gemm.permuteK = gemv.permutesK() && permutableK(gemm);
  // The options a shape cannot take (scale groups shorter than an
  // iteration, stages beyond 48 KiB) are left off for that layer alone.
  bool fits = checkWeightOnlyGemm(gemm).empty();
  gemm.scaleAfterMma = gemv.scaleAfterMma;
  if (fits && !checkWeightOnlyGemm(gemm).empty())
    gemm.scaleAfterMma = false;
  gemm.weightStages = gemv.weightStages;
  if (fits && !checkWeightOnlyGemm(gemm).empty())
    gemm.weightStages = 0;
  // Set last: the stages' cp.async copies pass L1 already.
  gemm.weightsPastL1 = gemv.weightsPastL1 && !gemm.weightStages;
}

bool permutableK(const WeightOnlyGemm &gemm) {
  constexpr int64_t block = PreshuffledWeights::kQuad * kMmaK; // 64 rows
  return !gemm.stageA && !gemm.conv && gemm.k % block == 0 && gemm.group % block == 0;
}

LaunchGeometry launchGeometry(const WeightOnlyGemm &gemm) {
  int64_t groups = gemm.layout().nGroups();
  LaunchGeometry launch;
  launch.grid[0] = (groups + gemm.warpsPerBlock - 1) / gemm.warpsPerBlock;
  launch.grid[1] = (gemm.m + kMmaM - 1) / kMmaM;
  launch.grid[2] = gemm.splitK;
  launch.threads = kWarpSize * gemm.warpsPerBlock;
  if (gemm.streamK) { // one warp per item at most; the runtime caps it at the device's room
    int64_t items = groups * gemm.streamIterations();
    launch.grid[0] = (items + gemm.warpsPerBlock - 1) / gemm.warpsPerBlock;
    launch.grid[2] = 0;
  }
  return launch;
}

std::string kernelName(const HalfGemm &gemm) {
  return llvm::formatv("qc_f16_m{0}_n{1}_k{2}_s{3}", gemm.m, gemm.n, gemm.k, gemm.splitK).str() +
         (gemm.splitPartials ? "_yp" : "") + (gemm.transposed ? "_t1" : "") +
         (gemm.nTilesPerWarp > 1 ? "_nt" + std::to_string(gemm.nTilesPerWarp) : "") +
         (gemm.floatK ? "_xf" + std::to_string(gemm.floatK) : "") + implicitSuffix(gemm.conv);
}

void chooseLaunch(HalfGemm &gemm) {
  int64_t pairs = tilePairs(gemm.m, gemm.n);
  gemm.splitK = splitWithoutEmptyShares(kTargetWarps, pairs, gemm.k / kMmaK, 1);
}

LaunchGeometry launchGeometry(const HalfGemm &gemm) {
  return warpPerTile(gemm.m, gemm.n, gemm.splitK, gemm.nTilesPerWarp);
}

std::string kernelName(const W8A8Gemm &gemm) {
  return llvm::formatv("qc_i8_m{0}_n{1}_k{2}_s{3}_e{4}", gemm.m, gemm.n, gemm.k, gemm.splitK,
                       int(gemm.exact))
             .str() +
         (gemm.channelsFirstOutput ? "_yt" : "") +
         (gemm.codeColumns ? "_xb" + std::to_string(gemm.codeColumns) : "") +
         (gemm.nTilesPerWarp > 1 ? "_nt" + std::to_string(gemm.nTilesPerWarp) : "") +
         implicitSuffix(gemm.conv);
}

void chooseLaunch(W8A8Gemm &gemm) {
  int64_t pairs = tilePairs(gemm.m, gemm.n);
  gemm.splitK = splitWithoutEmptyShares(kTargetWarps, pairs, gemm.k / kMmaKInt8, 1);
}

LaunchGeometry launchGeometry(const W8A8Gemm &gemm) {
  return warpPerTile(gemm.m, gemm.n, gemm.splitK, gemm.nTilesPerWarp);
}

int64_t xAlignment(const WeightOnlyGemm &gemm) {
  if (gemm.conv)
    return gemm.conv->floatInput ? 4 : 2;
  if (gemm.permuteK)
    return 16;
  if (gemm.floatK)
    return 4;
  return gemm.stageA ? 2 * kMmaM * kMmaK / (kWarpSize * gemm.warpsPerBlock) : 4;
}

int64_t xAlignment(const W8A8Gemm &gemm) {
  return gemm.conv || (gemm.codeColumns ? gemm.codeColumns : gemm.k) % 4 ? 1 : 4;
}

int64_t xAlignment(const HalfGemm &gemm) {
  if (gemm.floatK || (gemm.conv && gemm.conv->floatInput))
    return 4;
  return gemm.conv || gemm.transposed ? 2 : 4;
}

} // namespace quantc::codegen::gpu
