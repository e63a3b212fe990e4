// How the GPU GEMMs are launched (Launch.cpp): the split-K a shape gets,
// stream-K's grid (grid z 0: sized by the runtime to the device), and the
// names that spell each variant, which the emulated driver and gpu-bench
// parse back.
#include "quantc/Codegen/GPUKernels.h"

#include <gtest/gtest.h>

using namespace quantc::codegen::gpu;

namespace {

WeightOnlyGemm gemv(int64_t n, int64_t k) {
  WeightOnlyGemm gemm;
  gemm.m = 1;
  gemm.n = n;
  gemm.k = k;
  gemm.group = 128;
  chooseLaunch(gemm);
  return gemm;
}

} // namespace

TEST(GPULaunch, AGemvSplitsKUntilAbout8192Warps) {
  WeightOnlyGemm gemm = gemv(28672, 8192);
  EXPECT_FALSE(gemm.stageA);
  EXPECT_EQ(gemm.warpsPerBlock, 4);
  EXPECT_EQ(gemm.splitK, 5); // 1792 N groups x 5 = 8960 warps
  LaunchGeometry launch = launchGeometry(gemm);
  EXPECT_EQ(launch.grid[0], 448);
  EXPECT_EQ(launch.grid[1], 1);
  EXPECT_EQ(launch.grid[2], 5);
  EXPECT_EQ(launch.threads, 128);
  EXPECT_EQ(kernelName(gemm), "qc_wo_b4_g128_a0_m1_n28672_k8192_s5_w4_t0_p8");
  EXPECT_EQ(checkWeightOnlyGemm(gemm), "");
}

TEST(GPULaunch, StreamKLeavesTheGridToTheRuntime) {
  WeightOnlyGemm gemm = gemv(28672, 8192);
  gemm.splitK = 1;
  gemm.streamK = true;
  gemm.permuteK = true;
  gemm.weightStages = 4;
  gemm.scaleAfterMma = true;
  EXPECT_EQ(checkWeightOnlyGemm(gemm), "");
  LaunchGeometry launch = launchGeometry(gemm);
  // At most one warp per (N group, iteration) item: 1792 x 64 / 4 warps.
  EXPECT_EQ(launch.grid[0], 28672);
  EXPECT_EQ(launch.grid[2], 0);
  EXPECT_EQ(kernelName(gemm), "qc_wo_b4_g128_a0_m1_n28672_k8192_s1_w4_t0_p8_sa_sk_kp_c4");
  EXPECT_EQ(gemm.streamIterations(), 64);
}

TEST(GPULaunch, VariantsThatDoNotFitAreErrors) {
  WeightOnlyGemm gemm = gemv(4096, 4096);
  gemm.streamK = true; // split-K 8 left
  EXPECT_EQ(checkWeightOnlyGemm(gemm), "stream-K needs A read straight from x and split-K 1");
  gemm = gemv(4096, 4096);
  gemm.group = 32;
  gemm.permuteK = true;
  EXPECT_EQ(checkWeightOnlyGemm(gemm), "permuting K needs A read straight from x (no "
                                       "convolution), and K and the scale group multiples of 64");
  gemm = gemv(4096, 4096);
  gemm.weightStages = 1;
  EXPECT_EQ(checkWeightOnlyGemm(gemm),
            "weights through shared memory need A read straight from x, and 2 to 8 stages");
  gemm.weightStages = 8;
  gemm.prefetchTiles = 16;
  EXPECT_EQ(checkWeightOnlyGemm(gemm), "the weights' shared-memory stages must fit 48 KiB a block");
}

TEST(GPULaunch, AGemvLaunchSpellingReadsBack) {
  GemvTuning tuning;
  EXPECT_EQ(parseGemvTuning("stream-k:warps=2:stages=4:scale-after-mma:prefetch=12", tuning), "");
  EXPECT_TRUE(tuning.streamK);
  EXPECT_TRUE(tuning.permutesK()); // stream-K's default
  EXPECT_EQ(tuning.warps, 2);
  EXPECT_EQ(tuning.weightStages, 4);
  EXPECT_EQ(tuning.prefetchTiles, 12);
  EXPECT_TRUE(tuning.scaleAfterMma);
  EXPECT_EQ(gemvTuningSpec(tuning), "stream-k:prefetch=12:stages=4:scale-after-mma:warps=2");
  for (const char *spec :
       {"split-k", "stream-k", "split-k:target=2048", "split-k:permute-k", "stream-k:no-permute-k",
        "split-k:prefetch=4:stages=8:scale-after-mma:warps=1", "split-k:rows=32",
        "stream-k:warps=2:rows=256", "split-k:past-l1",
        "stream-k:stages=4:scale-after-mma:past-l1:warps=2"}) {
    GemvTuning read;
    EXPECT_EQ(parseGemvTuning(spec, read), "") << spec;
    EXPECT_EQ(gemvTuningSpec(read), spec);
  }
  // The last word wins; stages=0 is the registers' default; stream-K has no
  // split-K target.
  EXPECT_EQ(parseGemvTuning("stream-k:no-permute-k:permute-k:stages=0:target=2048", tuning), "");
  EXPECT_EQ(gemvTuningSpec(tuning), "stream-k");
}

TEST(GPULaunch, AGemvLaunchSpellingRejectsWhatNoKernelTakes) {
  GemvTuning tuning;
  EXPECT_EQ(parseGemvTuning("", tuning), "a GEMV launch starts with split-k or stream-k, not ''");
  EXPECT_EQ(parseGemvTuning("streamk", tuning),
            "a GEMV launch starts with split-k or stream-k, not 'streamk'");
  for (const char *field : {"target=16", "target=x", "warps=3", "warps=8", "prefetch=6",
                            "prefetch=20", "stages=1", "stages=9", "stages=", "warps=2x", "permute",
                            "", "scale-after-mma=1", "rows=8", "rows=24", "rows=272"})
    EXPECT_EQ(parseGemvTuning("split-k:" + std::string(field), tuning),
              "unknown GEMV launch option '" + std::string(field) +
                  "' (target=32..1048576, warps=1|2|4, prefetch=4|8|12|16, stages=0|2..8, "
                  "rows=16..256 (multiples of 16), scale-after-mma, past-l1, permute-k, "
                  "no-permute-k)")
        << field;
}

TEST(GPULaunch, ASplitKTargetSetsHowFarKSplits) {
  GemvTuning tuning;
  ASSERT_EQ(parseGemvTuning("split-k:target=2048", tuning), "");
  WeightOnlyGemm gemm = gemv(28672, 8192);
  chooseLaunch(gemm, tuning);
  EXPECT_EQ(gemm.splitK, 2); // 1792 N groups x 2 = 3584 warps
  ASSERT_EQ(parseGemvTuning("split-k:target=3584", tuning), "");
  chooseLaunch(gemm, tuning);
  EXPECT_EQ(gemm.splitK, 2); // the split a bench row names comes back
}

TEST(GPULaunch, GemvRowsSetWhereAIsStaged) {
  // By default a 16-row layer stages A through shared memory; rows=32 runs
  // it as a GEMV (A straight from x, the weights loaded 8 K tiles ahead),
  // its M tile's rows 8-15 in the A registers.
  WeightOnlyGemm gemm = gemv(4096, 4096);
  gemm.m = 16;
  chooseLaunch(gemm);
  EXPECT_TRUE(gemm.stageA);
  GemvTuning tuning;
  ASSERT_EQ(parseGemvTuning("split-k:rows=32", tuning), "");
  chooseLaunch(gemm, tuning);
  EXPECT_FALSE(gemm.stageA);
  EXPECT_EQ(gemm.prefetchTiles, 8);
  EXPECT_EQ(checkWeightOnlyGemm(gemm), "");
  gemm.m = 32; // rows=32 stages 32 rows
  chooseLaunch(gemm, tuning);
  EXPECT_TRUE(gemm.stageA);
}

TEST(GPULaunch, WeightsPastL1WhereTheyLoadIntoRegisters) {
  GemvTuning tuning;
  ASSERT_EQ(parseGemvTuning("split-k:past-l1", tuning), "");
  WeightOnlyGemm gemm = gemv(28672, 8192);
  chooseLaunch(gemm, tuning);
  EXPECT_TRUE(gemm.weightsPastL1);
  EXPECT_EQ(kernelName(gemm), "qc_wo_b4_g128_a0_m1_n28672_k8192_s5_w4_t0_p8_nc");
  EXPECT_EQ(checkWeightOnlyGemm(gemm), "");
  // cp.async's copies into shared-memory stages pass L1 already.
  ASSERT_EQ(parseGemvTuning("stream-k:stages=4:past-l1", tuning), "");
  chooseLaunch(gemm, tuning);
  EXPECT_EQ(gemm.weightStages, 4);
  EXPECT_FALSE(gemm.weightsPastL1);
  gemm.weightsPastL1 = true;
  EXPECT_EQ(checkWeightOnlyGemm(gemm),
            "reading the weights past L1 needs them loaded into registers: the shared-memory "
            "stages' cp.async copies already pass it");
  // A staged GEMM loads each K tile's word into registers: past L1 too.
  gemm.m = 16;
  chooseLaunch(gemm, tuning);
  EXPECT_TRUE(gemm.stageA);
  EXPECT_EQ(gemm.weightStages, 0);
  EXPECT_TRUE(gemm.weightsPastL1);
  EXPECT_EQ(kernelName(gemm), "qc_wo_b4_g128_a0_m16_n28672_k8192_s2_w4_t1_p0_nc");
  EXPECT_EQ(checkWeightOnlyGemm(gemm), "");
}

TEST(GPULaunch, ATunedGemvLeavesOffWhatItsShapeCannotTake) {
  GemvTuning tuning;
  ASSERT_EQ(parseGemvTuning("stream-k:stages=8:prefetch=16:scale-after-mma:warps=2", tuning), "");
  WeightOnlyGemm gemm = gemv(28672, 8192); // groups of 128, shorter than an iteration
  chooseLaunch(gemm, tuning);              // of 16 tiles: no scaled sums
  EXPECT_TRUE(gemm.streamK);
  EXPECT_EQ(gemm.splitK, 1);
  EXPECT_TRUE(gemm.permuteK);
  EXPECT_EQ(gemm.warpsPerBlock, 2);
  EXPECT_EQ(gemm.prefetchTiles, 16);
  EXPECT_FALSE(gemm.scaleAfterMma);
  EXPECT_EQ(gemm.weightStages, 8); // 8 x 2 warps x 16 tiles x 128 bytes: 32 KiB
  EXPECT_EQ(checkWeightOnlyGemm(gemm), "");

  gemm.group = 256; // one scale an iteration
  gemm.warpsPerBlock = 4;
  chooseLaunch(gemm, tuning);
  EXPECT_TRUE(gemm.scaleAfterMma);

  ASSERT_EQ(parseGemvTuning("split-k:stages=8:prefetch=16:warps=4", tuning), "");
  chooseLaunch(gemm, tuning); // 64 KiB of stages: registers instead
  EXPECT_EQ(gemm.weightStages, 0);
  EXPECT_FALSE(gemm.permuteK);
  EXPECT_EQ(checkWeightOnlyGemm(gemm), "");

  gemm.m = 16; // a GEMM stages A and keeps its own launch
  chooseLaunch(gemm, tuning);
  EXPECT_TRUE(gemm.stageA);
  EXPECT_EQ(kernelName(gemm), "qc_wo_b4_g256_a0_m16_n28672_k8192_s2_w4_t1_p0");
}

/// A padded convolution's name spells its padding and padding value (no
/// '-' in a PTX name: m for minus), the unpadded one neither; all three
/// GEMMs the same way.
TEST(GPULaunch, APaddedConvolutionSpellsItsPadding) {
  ImplicitConv conv{96, 160, 160, 3, 3, 1, 1, 1, 1};
  HalfGemm half;
  half.m = 25600, half.n = 96, half.k = 864, half.conv = conv;
  chooseLaunch(half);
  EXPECT_EQ(kernelName(half), "qc_f16_m25600_n96_k864_s1_ic96x160x160_r3x3_s1x1_d1x1");
  conv.padTop = conv.padLeft = 1, conv.padBottom = 2, conv.padRight = 0;
  half.conv = conv;
  EXPECT_EQ(kernelName(half), "qc_f16_m25600_n96_k864_s1_ic96x160x160_r3x3_s1x1_d1x1_pad1x1x2x0");
  conv.padValue = -7;
  W8A8Gemm integer;
  integer.m = 25600, integer.n = 96, integer.k = 864, integer.conv = conv;
  EXPECT_NE(kernelName(integer).find("_ic96x160x160_r3x3_s1x1_d1x1_pad1x1x2x0_pvm7"),
            std::string::npos);
  conv.padValue = 16384; // f16 2.0
  WeightOnlyGemm weights;
  weights.m = conv.pixels(), weights.n = 96, weights.k = 864, weights.group = 128;
  weights.conv = conv;
  chooseLaunch(weights);
  EXPECT_NE(kernelName(weights).find("_pad1x1x2x0_pv16384"), std::string::npos);
  EXPECT_EQ(checkWeightOnlyGemm(weights), "");
}

/// Several N tiles a warp: the name says how many, and the grid covers N
/// with that many fewer blocks along x (a last block's tiles past N store
/// nothing).
TEST(GPULaunch, AnFp16GemmOfSeveralNTilesAWarpNeedsFewerBlocks) {
  HalfGemm half;
  half.m = 64, half.n = 100, half.k = 64;
  chooseLaunch(half);
  EXPECT_EQ(launchGeometry(half).grid[0], 13);
  half.nTilesPerWarp = 4;
  EXPECT_EQ(checkHalfGemm(half), "");
  EXPECT_EQ(launchGeometry(half).grid[0], 4);
  EXPECT_EQ(launchGeometry(half).threads, 32);
  EXPECT_EQ(kernelName(half).substr(kernelName(half).size() - 4), "_nt4");
  half.nTilesPerWarp = 6;
  EXPECT_EQ(checkHalfGemm(half), "the fp16 GEMM's N tiles a warp must be 1, 2, 4 or 8");
  W8A8Gemm integer;
  integer.m = 64, integer.n = 100, integer.k = 64, integer.nTilesPerWarp = 8;
  chooseLaunch(integer);
  EXPECT_EQ(checkW8A8Gemm(integer), "");
  EXPECT_EQ(launchGeometry(integer).grid[0], 2);
  EXPECT_NE(kernelName(integer).find("_nt8"), std::string::npos);
}

/// A gather that stages an f32 input itself ends its name in _xf; the int8
/// GEMM reads codes, never f32.
TEST(GPULaunch, AGatherOfAnF32InputSaysSo) {
  ImplicitConv conv{4, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1};
  conv.floatInput = true;
  HalfGemm half;
  half.m = 64, half.n = 16, half.k = 48, half.conv = conv;
  chooseLaunch(half);
  EXPECT_EQ(kernelName(half), "qc_f16_m64_n16_k48_s3_ic4x8x8_r3x3_s1x1_d1x1_pad1x1x1x1_xf");
  EXPECT_EQ(checkHalfGemm(half), "");
  W8A8Gemm integer;
  integer.m = 64, integer.n = 16, integer.k = 64, integer.conv = conv;
  EXPECT_EQ(checkW8A8Gemm(integer), "the W8A8 kernel reads int8 codes, not f32");
}

TEST(GPULaunch, AnF32XSaysHowManyColumnsItHas) {
  WeightOnlyGemm gemm;
  gemm.m = 40, gemm.n = 120, gemm.k = 128, gemm.floatK = 120;
  chooseLaunch(gemm);
  EXPECT_TRUE(gemm.stageA); // M spans a tile: staged through shared memory
  EXPECT_EQ(kernelName(gemm),
            "qc_wo_b4_g0_a0_m40_n120_k128_s" + std::to_string(gemm.splitK) + "_w4_t1_p0_xf120");
  EXPECT_EQ(checkWeightOnlyGemm(gemm), "");
  gemm.floatK = 130; // more columns than K
  EXPECT_EQ(checkWeightOnlyGemm(gemm),
            "an f32 x of up to K columns is read without a gather (with K permuted, a multiple "
            "of 4 columns: 16-byte runs)");
  gemm.floatK = 120;
  gemm.conv = ImplicitConv{8, 4, 4, 1, 1, 1, 1, 1, 1};
  gemm.m = 16;
  EXPECT_NE(checkWeightOnlyGemm(gemm), ""); // a gather reads its own input
}
