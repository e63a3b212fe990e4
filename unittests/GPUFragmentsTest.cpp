// The GPU kernels' layout model (GPUFragments.h) against naive references:
// mma.sync fragment ownership, f16 conversion, the 2/4/8-bit preshuffle and
// lop3 dequantization, and the tiled GEMM built from them.
#include "quantc/Codegen/GPUFragments.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <set>
#include <tuple>

using namespace quantc::codegen::gpu;

namespace {

/// Every element of a rows x cols fragment is held by exactly one (lane, index).
template <typename Map>
void expectOwnedOnce(Map map, int perLane, int rows, int cols) {
  std::set<std::pair<int, int>> seen;
  for (int lane = 0; lane < kWarpSize; ++lane)
    for (int index = 0; index < perLane; ++index) {
      Element e = map(lane, index);
      ASSERT_GE(e.row, 0);
      ASSERT_LT(e.row, rows);
      ASSERT_GE(e.col, 0);
      ASSERT_LT(e.col, cols);
      EXPECT_TRUE(seen.insert({e.row, e.col}).second) << "lane " << lane << " index " << index;
    }
  EXPECT_EQ(seen.size(), size_t(rows * cols));
}

TEST(GPUFragments, OwnershipCoversEachElementOnce) {
  expectOwnedOnce(mmaAElement, 8, kMmaM, kMmaK);
  expectOwnedOnce(mmaBElement, 4, kMmaK, kMmaN);
  expectOwnedOnce(mmaCElement, 4, kMmaM, kMmaN);
  expectOwnedOnce(mmaInt8AElement, 16, kMmaM, kMmaKInt8);
  expectOwnedOnce(mmaInt8BElement, 8, kMmaKInt8, kMmaN);
  EXPECT_EQ(mmaInt8AElement(5, 15), (Element{9, 23}));
  EXPECT_EQ(mmaInt8BElement(5, 7), (Element{23, 1}));
  // The PTX ISA's examples: lane 5 (groupID 1, threadID_in_group 1).
  EXPECT_EQ(mmaAElement(5, 0), (Element{1, 2}));
  EXPECT_EQ(mmaAElement(5, 7), (Element{9, 11}));
  EXPECT_EQ(mmaBElement(5, 3), (Element{11, 1}));
  EXPECT_EQ(mmaCElement(5, 2), (Element{9, 2}));
}

// The staged GEMM loads A with ldmatrix.x4 from its shared tile: every lane
// must end up with exactly mma.sync's A fragment.
TEST(GPUFragments, LdmatrixAddressingGivesTheMmaAFragment) {
  for (int lane = 0; lane < kWarpSize; ++lane)
    for (int reg = 0; reg < 4; ++reg)
      for (int half = 0; half < 2; ++half)
        EXPECT_EQ(ldmatrixX4Element(lane, reg, half), mmaAElement(lane, 2 * reg + half))
            << "lane " << lane << " register " << reg << " half " << half;
}

TEST(GPUFragments, HalfConversionMatchesTheCompiler) {
  for (uint32_t bits = 0; bits < 0x10000; ++bits) {
    uint16_t half = uint16_t(bits);
    if ((half & 0x7c00u) == 0x7c00u && (half & 0x3ffu))
      continue; // NaN payloads are not preserved
    EXPECT_EQ(halfFromFloat(floatFromHalf(half)), half) << std::hex << bits;
  }
  std::mt19937 rng(7);
  std::uniform_int_distribution<uint32_t> any;
  for (int i = 0; i < 200000; ++i) {
    uint32_t bits = any(rng);
    // Magnitudes around the half range, where the rounding cases live.
    bits = (bits & 0x807fffffu) | ((100u + bits % 60u) << 23);
    float value;
    std::memcpy(&value, &bits, 4);
    _Float16 reference = _Float16(value);
    uint16_t expected;
    std::memcpy(&expected, &reference, 2);
    ASSERT_EQ(halfFromFloat(value), expected) << value;
  }
  EXPECT_EQ(halfFromFloat(1.0f + 0x1p-11f), 0x3c00u); // tie: to even
  EXPECT_EQ(halfFromFloat(1.0f + 0x3p-11f), 0x3c02u);
  EXPECT_EQ(halfFromFloat(65520.0f), 0x7c00u);
  EXPECT_EQ(halfFromFloat(0x1p-24f), 0x0001u);
}

std::vector<int8_t> randomCodes(unsigned bits, int64_t count, unsigned seed) {
  std::mt19937 rng(seed);
  int lo = -(1 << (bits - 1)), hi = (1 << (bits - 1)) - 1;
  std::uniform_int_distribution<int> code(lo, hi);
  std::vector<int8_t> codes(static_cast<size_t>(count));
  for (int8_t &c : codes)
    c = int8_t(code(rng));
  return codes;
}

/// Rebuilds W from every lane's dequantized registers (scale 1, zero 0).
TEST(GPUFragments, PreshuffleAndLop3DequantRoundTrip) {
  for (unsigned bits : {2u, 4u, 8u}) {
    int64_t n = 44, k = 40; // neither a whole number of tiles
    std::vector<int8_t> codes = randomCodes(bits, n * k, bits);
    PreshuffledWeights w = preshuffle(codes.data(), n, k, bits);
    EXPECT_EQ(w.registersPerWord(), int(16 / bits));
    std::vector<int> rebuilt(size_t(n * k), 1000);
    for (int64_t group = 0; group < w.nGroups(); ++group)
      for (int64_t kTile = 0; kTile < w.kTiles(); ++kTile)
        for (int lane = 0; lane < kWarpSize; ++lane)
          for (int j = 0; j < w.registersPerWord(); ++j) {
            uint16_t halves[2];
            dequantizeRegister(w.words[size_t(w.wordIndex(group, kTile, lane))], j, bits, 0x3c00,
                               0, halves);
            for (int half = 0; half < 2; ++half) {
              Element e = mmaBElement(lane, 2 * (j % 2) + half);
              int64_t row = kTile * kMmaK + e.row;
              int64_t column = (group * w.nTilesPerWord() + j / 2) * kMmaN + e.col;
              float value = floatFromHalf(halves[half]);
              if (row < k && column < n)
                rebuilt[size_t(column * k + row)] = int(value);
              else
                EXPECT_EQ(value, 0.0f) << "padding dequantizes to zero";
            }
          }
    for (int64_t i = 0; i < n * k; ++i)
      ASSERT_EQ(rebuilt[size_t(i)], codes[size_t(i)]) << bits << " bits, element " << i;
  }
}

TEST(GPUFragments, DequantScalesAndZeroPointsBitExactly) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> scale(1e-3f, 2.0f);
  for (unsigned bits : {2u, 4u, 8u})
    for (int trial = 0; trial < 2000; ++trial) {
      std::vector<int8_t> codes = randomCodes(bits, 32 / bits, unsigned(trial));
      int zero = codes.back(); // any code is a valid zero point
      uint32_t word = 0;
      uint32_t midpoint = 1u << (bits - 1);
      for (size_t i = 0; i < codes.size(); ++i)
        word |= (uint32_t(codes[i]) + midpoint) << (i * bits);
      uint16_t s = halfFromFloat(scale(rng));
      int registers = int(16 / bits);
      for (int j = 0; j < registers; ++j) {
        uint16_t halves[2];
        dequantizeRegister(word, j, bits, s, zero, halves);
        for (int half = 0; half < 2; ++half) {
          int code = codes[size_t(half == 0 ? j : j + registers)];
          ASSERT_EQ(halves[half], halfFromFloat(float(code - zero) * floatFromHalf(s)));
        }
      }
    }
}

/// The tiled GEMM against y = x W^T with the dequantized W: integer-valued
/// activations and power-of-two scales make every f32 sum exact.
TEST(GPUFragments, TiledGemmMatchesTheNaiveProduct) {
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> small(-8, 8), exponent(-4, 2);
  for (unsigned bits : {2u, 4u, 8u})
    for (int64_t group : {int64_t(0), int64_t(32), int64_t(64)}) {
      int64_t m = 20, n = 40, k = 192;
      std::vector<int8_t> codes = randomCodes(bits, n * k, bits + unsigned(group));
      int64_t groups = group ? k / group : 1;
      std::vector<uint16_t> scales(size_t(n * groups));
      for (uint16_t &s : scales)
        s = halfFromFloat(std::ldexp(1.0f, exponent(rng)));
      std::vector<int8_t> zeros = randomCodes(bits, n * groups, 99);
      std::vector<uint16_t> x(size_t(m * k));
      for (uint16_t &v : x)
        v = halfFromFloat(float(small(rng)));
      // The scale on each weight, or on each run of 2 K tiles' sums
      // (scaleAfterMma); the whole K per warp, or stream-K's runs (items
      // of 2 K tiles, or 8 with a short last one; more warps than items);
      // K in order, or permuted in 64-row blocks (groups of whole blocks):
      // exact every way here.
      std::optional<StreamKSplit> splits[] = {std::nullopt, StreamKSplit{1, 2}, StreamKSplit{5, 2},
                                              StreamKSplit{7, 8}, StreamKSplit{1000, 2}};
      for (bool permutedK : {false, true})
        for (int64_t scaleAfterTiles : {int64_t(0), int64_t(2)})
          for (std::optional<StreamKSplit> streamK : splits) {
            if (streamK && scaleAfterTiles && streamK->itemTiles != scaleAfterTiles)
              continue; // an item is one prefetch iteration, the run scaled
            if (permutedK && group % 64)
              continue; // a block's rows share their scales
            std::vector<int8_t> stored = permutedK ? permuteKBlocks(codes.data(), n, k) : codes;
            std::vector<float> y = tiledGemm(x, m, preshuffle(stored.data(), n, k, bits), scales,
                                             zeros, group, {scaleAfterTiles, streamK, permutedK});
            for (int64_t r = 0; r < m; ++r)
              for (int64_t c = 0; c < n; ++c) {
                float expected = 0;
                for (int64_t i = 0; i < k; ++i) {
                  int64_t cell = (group ? i / group : 0) * n + c;
                  float w = float(codes[size_t(c * k + i)] - zeros[size_t(cell)]) *
                            floatFromHalf(scales[size_t(cell)]);
                  expected += floatFromHalf(x[size_t(r * k + i)]) * w;
                }
                ASSERT_EQ(y[size_t(r * n + c)], expected)
                    << bits << " bits, group " << group << ", scaled every " << scaleAfterTiles
                    << ", stream-K warps " << (streamK ? streamK->warps : 0) << ", permuted K "
                    << permutedK;
              }
          }
    }
}

/// Split-K's shares, as the kernels compute them: in order, each K tile
/// once, every share but the last whole multiples of the alignment (a
/// GEMV's prefetch iterations), and nonEmptyShares of them holding tiles.
TEST(GPUFragments, SplitSharesCoverKOnceInOrder) {
  for (int64_t tiles : {1, 2, 16, 36, 256, 512})
    for (int64_t splitK : {1, 2, 5, 32, 64})
      for (int64_t align : {1, 4, 8}) {
        int64_t next = 0, holding = 0;
        for (int64_t split = 0; split < splitK; ++split) {
          auto [begin, end] = splitShare(tiles, splitK, align, split);
          if (begin >= end) {
            EXPECT_GE(begin, tiles) << "an empty share lies past K";
            continue;
          }
          ASSERT_EQ(begin, next) << tiles << " tiles, split " << split << " of " << splitK;
          if (end < tiles)
            EXPECT_EQ((end - begin) % align, 0);
          next = end;
          ++holding;
        }
        EXPECT_EQ(next, tiles);
        EXPECT_EQ(holding, nonEmptyShares(tiles, splitK, align))
            << tiles << " tiles, split-K " << splitK << ", align " << align;
      }
}

/// Split-K's partial sums (WeightOnlyGemm::splitPartials): each block's
/// share of K computed alone and the shares added in split order give the
/// product (exact here: small integers), whatever the split and however
/// the share boundaries fall against the scale groups and scaled runs.
TEST(GPUFragments, SplitPartialsAddUpToTheProduct) {
  std::mt19937 rng(12);
  std::uniform_int_distribution<int> small(-8, 8);
  int64_t m = 3, n = 40, k = 256, group = 64;
  for (unsigned bits : {2u, 4u}) {
    std::vector<int8_t> codes = randomCodes(bits, n * k, bits + 50);
    std::vector<uint16_t> scales(size_t(n * (k / group)), halfFromFloat(0.5f));
    std::vector<int8_t> zeros = randomCodes(bits, n * (k / group), 98);
    std::vector<uint16_t> x(size_t(m * k));
    for (uint16_t &v : x)
      v = halfFromFloat(float(small(rng)));
    PreshuffledWeights weights = preshuffle(codes.data(), n, k, bits);
    TiledGemmOptions whole;
    std::vector<float> product = tiledGemm(x, m, weights, scales, zeros, group, whole);
    for (int64_t scaleAfterTiles : {int64_t(0), int64_t(4)})
      for (int64_t splitK : {2, 3, 5, 16}) {
        std::vector<float> sums(product.size(), 0.0f);
        for (int64_t split = 0; split < splitK; ++split) {
          TiledGemmOptions share;
          share.scaleAfterTiles = scaleAfterTiles;
          std::tie(share.kTileBegin, share.kTileEnd) =
              splitShare(weights.kTiles(), splitK, /*align=*/4, split);
          std::vector<float> part = tiledGemm(x, m, weights, scales, zeros, group, share);
          for (size_t i = 0; i < sums.size(); ++i)
            sums[i] += part[i];
        }
        EXPECT_EQ(sums, product) << bits << " bits, split-K " << splitK << ", scaled every "
                                 << scaleAfterTiles;
      }
  }
}

/// permuteK's order: each 64-row block's rows once, and each lane thread's
/// rows of the block's four tiles one run of 16, pairs in register order.
TEST(GPUFragments, PermutedKGivesEachThreadOneRun) {
  std::vector<int> seen(64, 0);
  for (int64_t tile = 0; tile < 4; ++tile)
    for (int64_t row = 0; row < kMmaK; ++row)
      ++seen[size_t(permutedKRow(tile, row))];
  EXPECT_EQ(std::count(seen.begin(), seen.end(), 1), 64);
  for (int lane = 0; lane < kWarpSize; ++lane)
    for (int64_t tile = 0; tile < 4; ++tile)
      for (int index = 0; index < 8; ++index) {
        Element e = mmaAElement(lane, index);
        // Register index / 2 holds pair 2 tile + (index >= 4) of the run.
        int64_t pair = 2 * tile + (index >= 4 ? 1 : 0);
        EXPECT_EQ(permutedKRow(tile, e.col), 16 * (lane % 4) + 2 * pair + index % 2);
      }
}

/// Stream-K's runs: in order, each item once, lengths within one of each
/// other (no warp waits on another's extra items), empty past the items.
TEST(GPUFragments, StreamKRunsCoverEachItemOnce) {
  for (int64_t items : {1, 7, 64, 114688})
    for (int64_t warps : {1, 3, 64, 5280, 200000}) {
      int64_t next = 0, shortest = items, longest = 0;
      for (int64_t warp = 0; warp < warps; ++warp) {
        ItemRun run = streamKRun(items, warps, warp);
        ASSERT_EQ(run.begin, next) << items << " items, warp " << warp << " of " << warps;
        ASSERT_LE(run.begin, run.end);
        shortest = std::min(shortest, run.end - run.begin);
        longest = std::max(longest, run.end - run.begin);
        next = run.end;
      }
      EXPECT_EQ(next, items);
      EXPECT_LE(longest - shortest, 1);
    }
}

/// Scaled after the mma, the weights are not rounded to f16 with their
/// scale: on scales that are not powers of two the sums are nearer the
/// exact product than with the scale on each weight.
TEST(GPUFragments, ScalingAfterTheMmaSkipsTheWeightsRounding) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> unit(-1.0f, 1.0f), scaleRange(0.005f, 0.02f);
  int64_t m = 1, n = 64, k = 512, group = 128;
  std::vector<int8_t> codes = randomCodes(4, n * k, 7);
  std::vector<uint16_t> scales(size_t(n * k / group)), x(size_t(m * k));
  for (uint16_t &s : scales)
    s = halfFromFloat(scaleRange(rng));
  for (uint16_t &v : x)
    v = halfFromFloat(unit(rng));
  PreshuffledWeights weights = preshuffle(codes.data(), n, k, 4);
  std::vector<float> perWeight = tiledGemm(x, m, weights, scales, {}, group);
  TiledGemmOptions scaledRuns;
  scaledRuns.scaleAfterTiles = 8;
  std::vector<float> perRun = tiledGemm(x, m, weights, scales, {}, group, scaledRuns);
  double errorPerWeight = 0, errorPerRun = 0;
  for (int64_t c = 0; c < n; ++c) {
    double exact = 0, magnitude = 0;
    for (int64_t i = 0; i < k; ++i) {
      double term = double(floatFromHalf(x[size_t(i)])) * codes[size_t(c * k + i)] *
                    floatFromHalf(scales[size_t(i / group * n + c)]);
      exact += term;
      magnitude += std::fabs(term);
    }
    errorPerWeight = std::max(errorPerWeight, std::fabs(perWeight[size_t(c)] - exact) / magnitude);
    errorPerRun = std::max(errorPerRun, std::fabs(perRun[size_t(c)] - exact) / magnitude);
  }
  EXPECT_LT(errorPerRun, 1e-6);
  EXPECT_LT(errorPerRun, errorPerWeight);
}

/// A convolution's implicit GEMM: the A the kernel gathers from the input,
/// times the weights through the tiled GEMM, is the convolution (exact:
/// small integers and power-of-two scales), at strides, dilations,
/// non-square kernels, two images, K padded past the taps, and padding
/// (asymmetric, or of a value other than zero) gathered around an unpadded
/// input.
TEST(GPUFragments, ImplicitConvolutionIsTheConvolution) {
  struct Case {
    int64_t images;
    ImplicitConv conv;
  };
  std::vector<Case> cases = {{1, {3, 7, 9, 3, 3, 1, 1, 1, 1}},
                             {2, {4, 9, 12, 3, 3, 2, 2, 1, 1}},
                             {1, {2, 13, 16, 3, 3, 1, 1, 2, 3}},
                             {1, {5, 6, 11, 1, 4, 1, 3, 1, 2}},
                             {1, {3, 7, 9, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1}},
                             {2, {4, 9, 12, 3, 3, 2, 2, 1, 1, 1, 0, 2, 1, halfFromFloat(-1.0f)}},
                             {1, {2, 5, 6, 3, 3, 1, 1, 2, 3, 2, 3, 2, 3}}};
  std::mt19937 rng(17);
  std::uniform_int_distribution<int> small(-6, 6);
  for (const Case &test : cases) {
    const ImplicitConv &conv = test.conv;
    int64_t oh = conv.outHeight(), ow = conv.outWidth(), m = test.images * oh * ow;
    int64_t n = 24, taps = conv.taps(), k = (taps + kMmaK - 1) / kMmaK * kMmaK;
    std::vector<uint16_t> x(size_t(test.images * conv.imageSize()));
    for (uint16_t &v : x)
      v = halfFromFloat(float(small(rng)));
    std::vector<uint16_t> a = gatherImplicitA(conv, x.data(), m, k);
    std::vector<int8_t> codes = randomCodes(4, n * k, unsigned(taps));
    for (int64_t c = 0; c < n; ++c) // the padding past the taps holds code 0
      for (int64_t i = taps; i < k; ++i)
        codes[size_t(c * k + i)] = 0;
    std::vector<uint16_t> scales(size_t(n), halfFromFloat(0.5f));
    std::vector<float> y = tiledGemm(a, m, preshuffle(codes.data(), n, k, 4), scales, {}, 0);
    for (int64_t image = 0; image < test.images; ++image)
      for (int64_t r = 0; r < oh; ++r)
        for (int64_t q = 0; q < ow; ++q)
          for (int64_t c = 0; c < n; ++c) {
            float expected = 0;
            for (int64_t channel = 0; channel < conv.channels; ++channel)
              for (int64_t i = 0; i < conv.kernelH; ++i)
                for (int64_t j = 0; j < conv.kernelW; ++j) {
                  int64_t row = r * conv.strideH + i * conv.dilationH - conv.padTop;
                  int64_t column = q * conv.strideW + j * conv.dilationW - conv.padLeft;
                  bool inside = row >= 0 && row < conv.height && column >= 0 && column < conv.width;
                  float input = floatFromHalf(
                      inside ? x[size_t(((image * conv.channels + channel) * conv.height + row) *
                                            conv.width +
                                        column)]
                             : uint16_t(conv.padValue));
                  int64_t tap = (channel * conv.kernelH + i) * conv.kernelW + j;
                  expected += input * float(codes[size_t(c * k + tap)]) * 0.5f;
                }
            int64_t pixel = (image * oh + r) * ow + q;
            ASSERT_EQ(y[size_t(pixel * n + c)], expected)
                << "case with " << conv.channels << " channels, pixel " << pixel << ", column "
                << c;
          }
    // Columns past the taps gather zeros.
    for (int64_t row = 0; row < m; ++row)
      for (int64_t i = taps; i < k; ++i)
        ASSERT_EQ(a[size_t(row * k + i)], 0) << row << ", " << i;
  }
}

/// W8A8: the int8 tiled GEMM is the exact integer product.
TEST(GPUFragments, Int8TiledGemmMatchesTheNaiveProduct) {
  int64_t m = 20, n = 44, k = 96;
  std::vector<int8_t> w = randomCodes(8, n * k, 1), x = randomCodes(8, m * k, 2);
  std::vector<int32_t> y = tiledGemmInt8(x, m, preshuffleInt8(w.data(), n, k));
  for (int64_t r = 0; r < m; ++r)
    for (int64_t c = 0; c < n; ++c) {
      int32_t expected = 0;
      for (int64_t i = 0; i < k; ++i)
        expected += int32_t(x[size_t(r * k + i)]) * int32_t(w[size_t(c * k + i)]);
      ASSERT_EQ(y[size_t(r * n + c)], expected) << r << ", " << c;
    }
}

} // namespace
