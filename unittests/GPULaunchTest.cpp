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
