// Weight quantizer and range estimator numerics.
#include "quantc/Analysis/Hessian.h"
#include "quantc/Analysis/Quantizer.h"
#include "quantc/Analysis/RangeEstimator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <random>

using namespace quantc;

namespace {

std::vector<float> gaussian(size_t n, unsigned seed, float sigma = 1.f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.f, sigma);
  std::vector<float> v(n);
  for (float &x : v)
    x = dist(rng);
  return v;
}

double mse(const std::vector<float> &a, const std::vector<float> &b) {
  double e = 0;
  for (size_t i = 0; i < a.size(); ++i)
    e += (a[i] - b[i]) * (a[i] - b[i]);
  return e / a.size();
}

TEST(Quantizer, StorageRanges) {
  WeightScheme s;
  s.bits = 8;
  EXPECT_EQ(storageRange(s).min, -127);
  EXPECT_EQ(storageRange(s).max, 127);
  s.symmetric = false;
  EXPECT_EQ(storageRange(s).min, -128);
  s.bits = 4;
  EXPECT_EQ(storageRange(s).max, 7);
  ASSERT_EQ(parseBitsSpec("ternary", s), "");
  EXPECT_EQ(storageRange(s).min, -1);
  EXPECT_NE(parseBitsSpec("9", s), "");
  EXPECT_NE(parseBitsSpec("4x", s), "");
}

TEST(Quantizer, RoundsHalfToEvenAndSaturates) {
  IntRange r{-128, 127};
  EXPECT_EQ(quantizeValue(2.5f, 1.f, 0, r), 2);
  EXPECT_EQ(quantizeValue(3.5f, 1.f, 0, r), 4);
  EXPECT_EQ(quantizeValue(-2.5f, 1.f, 0, r), -2);
  EXPECT_EQ(quantizeValue(1000.f, 1.f, 0, r), 127);
  EXPECT_EQ(quantizeValue(-1000.f, 1.f, -3, r), -128);
  EXPECT_EQ(quantizeValue(0.f, 0.5f, -7, r), -7);
}

// quantizeValue rounds inline instead of calling std::nearbyint: the two
// agree on every float the int16 range can hold, halves and their float
// neighbours included, and on values far outside it.
TEST(Quantizer, InlineRoundingMatchesNearbyint) {
  IntRange r{-32768, 32767};
  auto reference = [&](float x) {
    return int64_t(std::clamp(std::nearbyint(x), float(r.min), float(r.max)));
  };
  std::vector<float> values = {0.f, -0.f, 0.5f, -0.5f, 1.5f, -1.5f, 0x1p22f, -0x1p22f,
                               0x1p22f + 0.5f, 0x1p23f, 3e9f, -3e9f, 1e-30f};
  for (int k = -70000; k <= 70000; ++k) {
    float half = float(k) + 0.5f;
    values.push_back(half);
    values.push_back(std::nextafter(half, 0.f));
    values.push_back(std::nextafter(half, 1e9f));
    values.push_back(float(k) / 7.f);
  }
  for (float x : values)
    ASSERT_EQ(quantizeValue(x, 1.f, 0, r), reference(x)) << x;
}

TEST(Quantizer, PerChannelLayoutOfConvAndMatmul) {
  // Conv [2, 3, 1, 1], channel axis 0: row r holds elements r*3 .. r*3+2.
  auto conv = WeightLayout::fromAxes({2, 3, 1, 1}, 0);
  EXPECT_EQ(conv.rows, 2);
  EXPECT_EQ(conv.columns, 3);
  EXPECT_EQ(conv.offset(1, 2), 5);
  // MatMul B [3, 2], channel axis 1: row n is column n of B.
  auto matmul = WeightLayout::fromAxes({3, 2}, 1);
  EXPECT_EQ(matmul.rows, 2);
  EXPECT_EQ(matmul.columns, 3);
  EXPECT_EQ(matmul.offset(1, 2), 5);
  EXPECT_EQ(matmul.offset(0, 1), 2);
}

TEST(Quantizer, EightBitPerChannelIsNearLossless) {
  auto w = gaussian(64 * 27, 1);
  auto layout = WeightLayout::fromAxes({64, 3, 3, 3}, 0);
  WeightScheme s;
  auto q = quantizeWeights(w, layout, s);
  auto back = dequantizeWeights(q, layout);
  auto stats = compareTensors(w.data(), back.data(), int64_t(w.size()));
  EXPECT_GT(stats.sqnrDb, 38.0);
  EXPECT_EQ(q.scales.size(), 64u);
  for (int8_t v : q.values)
    EXPECT_LE(std::abs(int(v)), 127);
}

TEST(Quantizer, DenormalChannelsQuantizeToZero) {
  // PP-OCRv4 rec has dead channels with weights near 1e-39: a scale of
  // max|w| / 127 would be denormal, its codes full-range, and a bias folded
  // through s_x * s_w would overflow int32. Such a channel is zero.
  auto w = gaussian(3 * 8, 3);
  for (int i = 8; i < 16; ++i)
    w[i] = (i % 2 ? 1 : -1) * 6.8e-39f;
  auto layout = WeightLayout::fromAxes({3, 8}, 0);
  for (bool symmetric : {true, false}) {
    WeightScheme s;
    s.symmetric = symmetric;
    auto q = quantizeWeights(w, layout, s);
    EXPECT_EQ(q.scales[1], 1.f);
    EXPECT_EQ(q.zeroPoints[1], 0);
    for (int i = 8; i < 16; ++i)
      EXPECT_EQ(q.values[i], 0) << i;
    EXPECT_GT(q.scales[0], 1e-3f);
  }
}

TEST(Quantizer, ClipSearchBeatsMinMaxAtLowBits) {
  auto w = gaussian(4096, 2);
  w[7] = 12.f; // an outlier stretches the min/max range
  auto layout = WeightLayout::fromAxes({1, 4096}, 0);
  WeightScheme s;
  s.bits = 4;
  s.searchClip = false;
  double plain = mse(w, dequantizeWeights(quantizeWeights(w, layout, s), layout));
  s.searchClip = true;
  double searched = mse(w, dequantizeWeights(quantizeWeights(w, layout, s), layout));
  EXPECT_LT(searched, plain * 0.8);
}

TEST(Quantizer, GroupsAndAsymmetricZeroPoints) {
  std::vector<float> w(2 * 64);
  for (size_t i = 0; i < w.size(); ++i)
    w[i] = i < 32 ? 0.1f + 0.01f * i : 3.f + 0.02f * i; // two groups, shifted ranges
  auto layout = WeightLayout::fromAxes({2, 64}, 0);
  WeightScheme s;
  s.bits = 4;
  s.symmetric = false;
  s.groupSize = 32;
  auto q = quantizeWeights(w, layout, s);
  EXPECT_EQ(q.groupsPerRow, 2);
  EXPECT_EQ(q.scales.size(), 4u);
  // All-positive groups: the zero point sits at the bottom of the range.
  EXPECT_EQ(q.zeroPoints[0], -8);
  auto per = quantizeWeights(w, layout, WeightScheme{4, WeightKind::Uniform, false, 0, true});
  EXPECT_LT(mse(w, dequantizeWeights(q, layout)), mse(w, dequantizeWeights(per, layout)));
}

/// Sum of squared errors of one block at `scale`, in plain scalar order.
static double blockError(const std::vector<float> &w, size_t begin, size_t end, float scale,
                         IntRange range) {
  double error = 0;
  for (size_t i = begin; i < end; ++i) {
    double q = double(quantizeValue(w[i], scale, 0, range));
    double d = double(w[i]) - q * double(scale);
    error += d * d;
  }
  return error;
}

TEST(Quantizer, ClipSearchFindsTheLeastErrorCandidate) {
  // The search sums each candidate's error in vector lanes; whatever the
  // order, the scale it keeps is the best of its 81 candidates.
  auto w = gaussian(64 * 40, 11);
  auto layout = WeightLayout::fromAxes({64, 40}, 0); // 40 columns: groups of 32 and a tail of 8
  WeightScheme s{4, WeightKind::Uniform, true, 32, true};
  QuantizedWeights q = quantizeWeights(w, layout, s);
  IntRange range = storageRange(s);
  for (int64_t r = 0; r < 64; ++r)
    for (int64_t c = 0; c < 40; c += 32) {
      size_t begin = size_t(r * 40 + c), end = size_t(r * 40 + std::min<int64_t>(c + 32, 40));
      double bound = 0;
      for (size_t i = begin; i < end; ++i)
        bound = std::max(bound, std::fabs(double(w[i])));
      double best = INFINITY;
      for (int step = 0; step <= 80; ++step)
        best = std::min(best, blockError(w, begin, end,
                                         float(bound * (1.0 - 0.5 * step / 80.0) / range.max), range));
      double kept = blockError(w, begin, end, q.scales[q.paramIndex(r, c)], range);
      EXPECT_LE(kept, best * (1 + 1e-12)) << "row " << r << " group " << c / 32;
    }
}

TEST(Quantizer, GroupScalesRoundToHalf) {
  QuantizedWeights q;
  q.scales = {0.1f, 1.0f / 3.0f, 1e-6f, 70000.f, 0.0f};
  roundScalesToHalf(q);
  EXPECT_EQ(q.scales[0], 0.0999755859375f); // the nearest f16
  EXPECT_EQ(q.scales[1], 0.333251953125f);
  EXPECT_EQ(q.scales[2], 1e-6f);  // subnormal in f16: stays f32
  EXPECT_EQ(q.scales[3], 70000.f); // past f16's range: stays f32
  EXPECT_EQ(q.scales[4], 0.0f);
  EXPECT_TRUE(isHalfExact(q.scales[0]));
  EXPECT_TRUE(isHalfExact(0.0f));
  EXPECT_FALSE(isHalfExact(0.1f));
  EXPECT_FALSE(isHalfExact(1e-6f));
}

TEST(Quantizer, TernaryAndBinaryValues) {
  auto w = gaussian(1024, 3);
  auto layout = WeightLayout::fromAxes({4, 256}, 0);
  WeightScheme t;
  parseBitsSpec("ternary", t);
  auto qt = quantizeWeights(w, layout, t);
  int zeros = 0;
  for (int8_t v : qt.values) {
    EXPECT_TRUE(v == -1 || v == 0 || v == 1);
    zeros += v == 0;
  }
  EXPECT_GT(zeros, 100); // a real threshold, not sign()
  WeightScheme b;
  parseBitsSpec("binary", b);
  auto qb = quantizeWeights(w, layout, b);
  for (int8_t v : qb.values)
    EXPECT_TRUE(v == -1 || v == 1);
  // Binary's scale is mean |w| per row.
  double sum = 0;
  for (int i = 0; i < 256; ++i)
    sum += std::fabs(w[i]);
  EXPECT_NEAR(qb.scales[0], sum / 256, 1e-5);
}

/// A 16x64 weight whose layer sees strongly correlated inputs, the case
/// where choosing roundings against the output beats rounding each weight.
struct CorrelatedLayer {
  static constexpr int rows = 16, columns = 64, samples = 512;
  std::vector<float> w = gaussian(rows * columns, 4);
  std::vector<double> x, h;
  WeightLayout layout = WeightLayout::fromAxes({rows, columns}, 0);

  CorrelatedLayer() {
    std::mt19937 rng(5);
    std::normal_distribution<double> dist;
    x.resize(samples * columns);
    for (int s = 0; s < samples; ++s) {
      double shared = dist(rng);
      for (int c = 0; c < columns; ++c)
        x[s * columns + c] = shared + 0.3 * dist(rng);
    }
    h.assign(columns * columns, 0.0);
    for (int s = 0; s < samples; ++s)
      for (int i = 0; i < columns; ++i)
        for (int j = 0; j < columns; ++j)
          h[i * columns + j] += x[s * columns + i] * x[s * columns + j];
  }
  double outputError(const QuantizedWeights &q) const {
    return outputError(dequantizeWeights(q, layout));
  }
  /// ||(W - approx) X||^2, computed from X itself rather than from H.
  double outputError(const std::vector<float> &approx) const {
    double e = 0;
    for (int s = 0; s < samples; ++s)
      for (int r = 0; r < rows; ++r) {
        double d = 0;
        for (int c = 0; c < columns; ++c)
          d += (w[r * columns + c] - approx[r * columns + c]) * x[s * columns + c];
        e += d * d;
      }
    return e;
  }
};

/// GPTQ lowers the layer's output error ||(W - Q) X|| against RTN on correlated inputs.
TEST(Quantizer, GPTQReducesOutputError) {
  CorrelatedLayer layer;
  WeightScheme s;
  s.bits = 3;
  const WeightLayout &layout = layer.layout;
  double rtn = layer.outputError(dequantizeWeights(quantizeWeights(layer.w, layout, s), layout));
  double gptq = layer.outputError(
      dequantizeWeights(quantizeWeightsGPTQ(layer.w, layout, s, layer.h), layout));
  EXPECT_LT(gptq, rtn * 0.7);
}

/// A layer of `columns` inputs whose X^T X comes from correlated samples,
/// for GPTQ's OpenBLAS path forced below its usual 4096 columns.
struct WideLayer {
  int64_t rows, columns;
  std::vector<float> w;
  std::vector<double> h;
  WideLayer(int64_t rows, int64_t columns) : rows(rows), columns(columns), w(gaussian(rows * columns, 11)) {
    std::mt19937 rng(13);
    std::normal_distribution<double> dist;
    h.assign(columns * columns, 0.0);
    std::vector<double> x(columns);
    for (int s = 0; s < 2 * columns; ++s) {
      double shared = dist(rng);
      for (int64_t c = 0; c < columns; ++c)
        x[c] = shared + 0.5 * dist(rng);
      for (int64_t i = 0; i < columns; ++i)
        for (int64_t j = 0; j < columns; ++j)
          h[i * columns + j] += x[i] * x[j];
    }
  }
};

/// The OpenBLAS path (the factor from LAPACK, errors applied a block of
/// columns at a time through dgemm) computes what the in-order loops do, up
/// to rounding: the same codes and scales but for the rare element whose
/// value sits on a rounding boundary. Block edges, a short last block and
/// groups are all crossed (300 columns, blocks of 128).
TEST(Quantizer, GPTQOnOpenBlasMatchesInOrderLoops) {
  WideLayer layer(24, 300);
  WeightLayout layout = WeightLayout::fromAxes({layer.rows, layer.columns}, 0);
  for (int64_t group : {int64_t(0), int64_t(32)}) {
    WeightScheme s;
    s.bits = 4;
    s.groupSize = group;
    QuantizedWeights loops = quantizeWeightsGPTQ(layer.w, layout, s, layer.h);
    QuantizedWeights blas = quantizeWeightsGPTQ(layer.w, layout, s, layer.h, /*blasFromColumns=*/1);
    ASSERT_EQ(loops.values.size(), blas.values.size());
    size_t differing = 0;
    for (size_t i = 0; i < loops.values.size(); ++i)
      differing += loops.values[i] != blas.values[i];
    EXPECT_LE(differing, loops.values.size() / 500) << "group " << group;
    ASSERT_EQ(loops.scales.size(), blas.scales.size());
    for (size_t i = 0; i < loops.scales.size(); ++i)
      EXPECT_NEAR(blas.scales[i], loops.scales[i], 1e-5 * loops.scales[i]) << "group " << group;
  }
}

/// The OpenBLAS path does not depend on the analysis threads either.
TEST(Quantizer, GPTQOnOpenBlasSameForAnyThreadCount) {
  WideLayer layer(40, 260);
  WeightLayout layout = WeightLayout::fromAxes({layer.rows, layer.columns}, 0);
  WeightScheme s;
  s.bits = 3;
  s.groupSize = 64;
  setenv("QUANTC_NUM_THREADS", "1", 1);
  QuantizedWeights one = quantizeWeightsGPTQ(layer.w, layout, s, layer.h, 1);
  setenv("QUANTC_NUM_THREADS", "2", 1);
  QuantizedWeights two = quantizeWeightsGPTQ(layer.w, layout, s, layer.h, 1);
  unsetenv("QUANTC_NUM_THREADS");
  EXPECT_EQ(one.values, two.values);
  EXPECT_EQ(one.scales, two.scales);
}

/// AdaRound chooses each weight's rounding direction against the layer's
/// output on correlated inputs: its output error ||(W - Q) X|| is far below
/// round to nearest's, and every code is W/s rounded down or up (for the
/// refit scale s), the constraint that keeps it from overfitting.
WeightScheme threeBits(int64_t groupSize) {
  WeightScheme s;
  s.bits = 3;
  s.groupSize = groupSize;
  return s;
}

TEST(Quantizer, AdaRoundReducesOutputErrorWithinOneStep) {
  CorrelatedLayer layer;
  const WeightLayout &layout = layer.layout;
  for (int64_t group : {int64_t(0), int64_t(16)}) {
    WeightScheme s = threeBits(group);
    QuantizedWeights q = quantizeWeightsAdaRound(layer.w, layout, s, layer.h);
    double rtn = layer.outputError(dequantizeWeights(quantizeWeights(layer.w, layout, s), layout));
    double adaround = layer.outputError(dequantizeWeights(q, layout));
    EXPECT_LT(adaround, rtn * 0.7) << "group " << group;
    for (int r = 0; r < layer.rows; ++r)
      for (int c = 0; c < layer.columns; ++c) {
        int64_t at = layout.offset(r, c), index = q.paramIndex(r, c);
        double t = layer.w[at] / q.scales[index] + q.zeroPoints[index];
        int64_t down = std::clamp<int64_t>(int64_t(std::floor(t)), q.range.min, q.range.max);
        int64_t up = std::clamp<int64_t>(int64_t(std::floor(t)) + 1, q.range.min, q.range.max);
        int64_t code = q.values[at];
        EXPECT_TRUE(code == down || code == up)
            << "row " << r << " column " << c << ": code " << code << " for " << t;
      }
  }
  // No usable Hessian: round to nearest.
  WeightScheme s;
  EXPECT_EQ(quantizeWeightsAdaRound(layer.w, layout, s, {}).values,
            quantizeWeights(layer.w, layout, s).values);
  WeightMethod method;
  EXPECT_EQ(parseWeightMethod("adaround", method), "");
  EXPECT_EQ(method, WeightMethod::AdaRound);
  EXPECT_NE(parseWeightMethod("adaquant", method), "");
}

/// With GPTQ's codes as a third start (what qnn-quantize uses), each row
/// ends no worse than the better of GPTQ and two-start AdaRound in the
/// objective both minimize (damped H, so the raw output error may differ
/// by the damping term).
TEST(Quantizer, AdaRoundFromGPTQIsNoWorseThanEither) {
  CorrelatedLayer layer;
  for (int64_t group : {int64_t(0), int64_t(16)}) {
    WeightScheme s = threeBits(group);
    auto error = [&](const QuantizedWeights &q) { return layer.outputError(q); };
    double gptq = error(quantizeWeightsGPTQ(layer.w, layer.layout, s, layer.h));
    double twoStarts = error(quantizeWeightsAdaRound(layer.w, layer.layout, s, layer.h));
    double threeStarts =
        error(quantizeWeightsAdaRound(layer.w, layer.layout, s, layer.h, /*startFromGPTQ=*/true));
    EXPECT_LE(threeStarts, 1.01 * std::min(gptq, twoStarts)) << "group " << group;
    EXPECT_LT(threeStarts, 0.97 * twoStarts) << "group " << group; // GPTQ starts help here
  }
}

// A column whose inputs carry 1000x the energy of the others holds the
// row's largest weight. The weight-MSE clip search clips it (most weights
// are small); weighing each column by its input energy keeps it, and the
// layer-output error (the importance-weighted error) drops.
TEST(Quantizer, ClipSearchWeighsColumnsByInputEnergy) {
  std::vector<float> row = gaussian(64, 9, 0.1f);
  row[0] = 1.0f;
  std::vector<double> importance(64, 1.0);
  importance[0] = 1000.0;
  WeightScheme scheme;
  scheme.bits = 4;
  WeightLayout layout = WeightLayout::fromAxes({1, 64}, 0);
  auto weightedError = [&](const QuantizedWeights &q) {
    std::vector<float> approx = dequantizeWeights(q, layout);
    double e = 0;
    for (int c = 0; c < 64; ++c)
      e += importance[c] * (row[c] - approx[c]) * (row[c] - approx[c]);
    return e;
  };
  QuantizedWeights plain = quantizeWeights(row, layout, scheme);
  QuantizedWeights weighted = quantizeWeights(row, layout, scheme, &importance);
  EXPECT_LT(plain.scales[0] * 7, 0.95f) << "the plain search should clip the outlier";
  EXPECT_GE(weighted.scales[0] * 7.5f, 1.0f) << "the weighted search keeps it within half a step";
  EXPECT_LT(weightedError(weighted), 0.5 * weightedError(plain));
}

// X^T Y of two inputs' im2col patches (stride 2, padding, a 3x2 kernel)
// against the patches built by hand, and X^T X when both are the same.
TEST(Hessian, ConvCrossMomentsMatchHandBuiltPatches) {
  ConvGeometry g{2, 3, 5, 6, 3, 2};
  g.strideH = 2, g.padTop = 1, g.padLeft = 1, g.padBottom = 1;
  int64_t size = g.batch * g.channels * g.height * g.width, n = g.channels * 6;
  std::vector<float> x = gaussian(size, 21), y = gaussian(size, 22);
  auto patch = [&](const std::vector<float> &in, int64_t b, int64_t oy, int64_t ox, int64_t col) {
    int64_t c = col / 6, ki = col % 6 / 2, kj = col % 2;
    int64_t iy = oy * g.strideH - g.padTop + ki, ix = ox * g.strideW - g.padLeft + kj;
    if (iy < 0 || iy >= g.height || ix < 0 || ix >= g.width)
      return 0.0;
    return double(in[((b * g.channels + c) * g.height + iy) * g.width + ix]);
  };
  std::vector<double> gram, expected(n * n, 0.0), xSum(n, 0.0), ySum(n, 0.0);
  accumulateConvHessian(x.data(), g, gram);
  PatchMoments moments;
  accumulateConvMoments(x.data(), y.data(), g, moments);
  for (int64_t b = 0; b < g.batch; ++b)
    for (int64_t oy = 0; oy < g.outHeight(); ++oy)
      for (int64_t ox = 0; ox < g.outWidth(); ++ox)
        for (int64_t i = 0; i < n; ++i) {
          xSum[i] += patch(x, b, oy, ox, i);
          ySum[i] += patch(y, b, oy, ox, i);
          for (int64_t j = 0; j < n; ++j)
            expected[i * n + j] += patch(x, b, oy, ox, i) * patch(y, b, oy, ox, j);
        }
  EXPECT_EQ(moments.patches, g.batch * g.outHeight() * g.outWidth());
  ASSERT_EQ(moments.cross.size(), size_t(n * n));
  ASSERT_EQ(moments.xSum.size(), size_t(n));
  for (int64_t i = 0; i < n * n; ++i) {
    EXPECT_NEAR(moments.cross[i], expected[i], 1e-4) << i;
    EXPECT_NEAR(moments.gram[i], gram[i], 1e-4) << i;
  }
  for (int64_t i = 0; i < n; ++i) {
    EXPECT_NEAR(moments.xSum[i], xSum[i], 1e-4) << i;
    EXPECT_NEAR(moments.ySum[i], ySum[i], 1e-4) << i;
  }
}

/// A layer whose quantized-model input is the float input with per-column
/// gains off by up to 20% plus noise (what upstream quantization does, in
/// caricature). The refit weights undo the gains: the output error against
/// the float layer falls far below the original weights'. Inputs equal to
/// the float ones leave the weights as they are.
TEST(Quantizer, RefitToQuantizedInputsUndoesTheirDistortion) {
  constexpr int rows = 8, columns = 32, samples = 400;
  std::vector<float> w = gaussian(rows * columns, 23);
  std::vector<float> x = gaussian(samples * columns, 24), noise = gaussian(samples * columns, 25, 0.02f);
  std::vector<float> gains = gaussian(columns, 26, 0.1f);
  std::vector<float> distorted(x.size());
  for (int s = 0; s < samples; ++s)
    for (int c = 0; c < columns; ++c)
      distorted[s * columns + c] = x[s * columns + c] * (1.f + gains[c]) + noise[s * columns + c];
  std::vector<float> error(x.size());
  for (size_t i = 0; i < x.size(); ++i)
    error[i] = distorted[i] - x[i];
  PatchMoments moments;
  accumulateMatrixMoments(distorted.data(), error.data(), samples, columns, moments);
  const std::vector<double> &gram = moments.gram, &errorCross = moments.cross;
  auto outputError = [&](const std::vector<float> &v) {
    double e = 0;
    for (int s = 0; s < samples; ++s)
      for (int r = 0; r < rows; ++r) {
        double d = 0;
        for (int c = 0; c < columns; ++c)
          d += w[r * columns + c] * x[s * columns + c] - v[r * columns + c] * distorted[s * columns + c];
        e += d * d;
      }
    return e;
  };
  WeightLayout layout = WeightLayout::fromAxes({rows, columns}, 0);
  std::vector<float> refit(w);
  ASSERT_TRUE(refitToQuantizedInputs(refit, layout, gram, errorCross, 0.01));
  EXPECT_LT(outputError(refit), 0.1 * outputError(w));

  std::vector<double> floatGram;
  accumulateMatrixHessian(x.data(), samples, columns, floatGram);
  std::vector<float> unchanged(w);
  ASSERT_TRUE(refitToQuantizedInputs(unchanged, layout, floatGram,
                                     std::vector<double>(columns * columns, 0.0), 0.01));
  for (size_t i = 0; i < w.size(); ++i)
    EXPECT_NEAR(unchanged[i], w[i], 1e-5);
  std::vector<float> empty(w);
  EXPECT_FALSE(refitToQuantizedInputs(empty, layout, {}, {}, 0.01));
}

TEST(Quantizer, CompareTensors) {
  std::vector<float> a{1, 2, 3}, b{1, 2, 3};
  EXPECT_TRUE(std::isinf(compareTensors(a.data(), b.data(), 3).sqnrDb));
  b[2] = 2;
  auto stats = compareTensors(a.data(), b.data(), 3);
  EXPECT_NEAR(stats.sqnrDb, 10 * std::log10(14.0), 1e-9);
  EXPECT_DOUBLE_EQ(stats.maxAbsError, 1.0);
}

TEST(RangeEstimator, MethodsClipOutliers) {
  auto v = gaussian(100000, 6);
  v[0] = 40.f;
  TensorObserver observer;
  observer.observeMinMax(v.data(), int64_t(v.size()));
  observer.startHistograms();
  observer.observeHistogram(v.data(), int64_t(v.size()));
  auto minmax = observer.range(RangeMethod::MinMax, 99.99, 8);
  EXPECT_FLOAT_EQ(float(minmax.second), 40.f);
  for (RangeMethod m : {RangeMethod::Percentile, RangeMethod::MSE, RangeMethod::Entropy}) {
    auto r = observer.range(m, 99.9, 4); // at 8 bits one outlier is worth keeping for MSE
    EXPECT_LT(r.second, 20.0) << rangeMethodName(m);
    EXPECT_GT(r.second, 2.0) << rangeMethodName(m);
    EXPECT_LT(r.first, -2.0) << rangeMethodName(m);
  }
}

// Post-ReLU and post-HardSwish tensors have a spike at zero. Entropy
// calibration used to smear it over its level's bins, which made every wide
// threshold look lossy: a ReLU of N(-1, 2) was clipped at 1.9, 7% of its
// values (the collapse of W8A8 rec under --calib-method entropy). Zero is
// exactly representable, so its bin stays out of the divergence; at 8 bits
// neither tensor may lose more than 0.1% of its values to clipping, and a
// Gaussian keeps its range.
TEST(RangeEstimator, EntropyKeepsTheTailsOfActivationsWithASpikeAtZero) {
  std::mt19937 rng(1);
  std::normal_distribution<float> normal(0.f, 1.f);
  std::vector<float> relu, hardSwish;
  for (int i = 0; i < 200000; ++i) {
    float x = normal(rng) * 2 - 1;
    relu.push_back(std::max(x, 0.f));
    hardSwish.push_back(x * std::clamp(x / 6 + 0.5f, 0.f, 1.f));
  }
  for (const auto &[name, values] : {std::pair{"relu", relu}, std::pair{"hardswish", hardSwish}}) {
    TensorObserver observer;
    observer.observeMinMax(values.data(), int64_t(values.size()));
    observer.startHistograms();
    observer.observeHistogram(values.data(), int64_t(values.size()));
    std::pair<double, double> range = observer.range(RangeMethod::Entropy, 99.99, 8);
    double clipped = double(std::count_if(values.begin(), values.end(), [&](float v) {
                       return v > range.second || v < range.first;
                     })) /
                     double(values.size());
    EXPECT_LT(clipped, 0.001) << name << ": range [" << range.first << ", " << range.second
                              << "]";
  }
  auto v = gaussian(200000, 3);
  TensorObserver observer;
  observer.observeMinMax(v.data(), int64_t(v.size()));
  observer.startHistograms();
  observer.observeHistogram(v.data(), int64_t(v.size()));
  auto [lo, hi] = observer.range(RangeMethod::Entropy, 99.99, 8);
  EXPECT_LT(lo, -3.0);
  EXPECT_GT(hi, 3.0);
}

// Layer-error ranges weigh each channel by what its errors cost in the
// consuming layer. Channel 0 carries large values but meets near-zero
// weights; channel 1 is small and meets all the weight. Plain MSE keeps
// channel 0's extent (its squared clipping error dominates); the layer
// range clips it and gives channel 1 finer steps.
TEST(RangeEstimator, LayerErrorRangesFollowTheConsumingWeights) {
  const int64_t channels = 2, inner = 5000;
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.f, 1.f);
  std::vector<float> data(channels * inner);
  for (int64_t i = 0; i < inner; ++i) {
    data[i] = 8.f * normal(rng);              // channel 0: wide
    data[inner + i] = 0.5f * normal(rng);      // channel 1: narrow
  }
  TensorObserver plain, layer;
  for (TensorObserver *o : {&plain, &layer}) {
    o->observeMinMax(data.data(), int64_t(data.size()));
    o->startHistograms();
  }
  plain.observeHistogram(data.data(), int64_t(data.size()));
  layer.observeWeightedHistogram(data.data(), int64_t(data.size()), {0.001, 1.999}, inner);
  auto mseRange = plain.range(RangeMethod::MSE, 99.99, 4);
  auto layerRange = layer.range(RangeMethod::LayerError, 99.99, 4);
  EXPECT_GT(mseRange.second, 15.0);
  EXPECT_LT(layerRange.second, 4.0);
  EXPECT_GT(layerRange.second, 1.0); // channel 1 itself is not clipped away
  // Equal weights are the plain MSE range.
  TensorObserver uniform;
  uniform.observeMinMax(data.data(), int64_t(data.size()));
  uniform.startHistograms();
  uniform.observeWeightedHistogram(data.data(), int64_t(data.size()), {1.0, 1.0}, inner);
  EXPECT_EQ(uniform.range(RangeMethod::LayerError, 99.99, 4), mseRange);
}

// A conv output is a mixture of channels of very different scales (rec's
// first BatchNorm output: 5% of values beyond the 3.2 KL kept, of 17.8).
// KL is blind to magnitudes: clipping the wide channels' rare large values
// costs almost no probability mass, so it clipped them (W8A8 rec under
// entropy ranges collapsed, 0% of lines right). Clipping may now cost no
// more than the rounding it saves: of 16 Gaussian channels with deviations
// from 0.01 to 5, KL alone clipped 0.3% of the values; now under 0.05%.
TEST(RangeEstimator, EntropyKeepsTheTailsOfAMixtureOfChannelScales) {
  std::mt19937 rng(2);
  std::normal_distribution<float> normal(0.f, 1.f);
  std::vector<float> values;
  for (int c = 0; c < 16; ++c) {
    float sigma = 0.01f * std::pow(500.f, c / 15.f);
    for (int i = 0; i < 12000; ++i)
      values.push_back(sigma * normal(rng));
  }
  TensorObserver observer;
  observer.observeMinMax(values.data(), int64_t(values.size()));
  observer.startHistograms();
  observer.observeHistogram(values.data(), int64_t(values.size()));
  std::pair<double, double> range = observer.range(RangeMethod::Entropy, 99.99, 8);
  double clipped = double(std::count_if(values.begin(), values.end(), [&](float v) {
                     return v > range.second || v < range.first;
                   })) /
                   double(values.size());
  EXPECT_LT(clipped, 0.0005) << "range [" << range.first << ", " << range.second << "]";
}

// Channels of a depthwise input 100x apart in scale: per channel, symmetric
// bounds follow each channel; one asymmetric range for both rounds the small
// channel away. The errors the calibration compares are consistent: the MSE
// range minimizes asymmetricError.
TEST(RangeEstimator, SymmetricChannelBoundsAndTheErrorsCalibrationCompares) {
  std::vector<float> large = gaussian(20000, 4, 2.0f), small = gaussian(20000, 5, 0.02f);
  auto observe = [](const std::vector<float> &v) {
    TensorObserver observer;
    observer.observeMinMax(v.data(), int64_t(v.size()));
    observer.startHistograms(1024);
    observer.observeHistogram(v.data(), int64_t(v.size()));
    return observer;
  };
  TensorObserver largeChannel = observe(large), smallChannel = observe(small);
  auto [largeBound, largeError] = largeChannel.symmetricMse(8);
  auto [smallBound, smallError] = smallChannel.symmetricMse(8);
  EXPECT_GT(largeBound, 4.0);
  EXPECT_LE(largeBound, std::max(-largeChannel.min(), largeChannel.max()));
  EXPECT_GT(smallBound, 0.04);
  EXPECT_LT(smallBound, 0.1);
  // One range for both: the large channel's. The small channel loses nearly
  // all its signal (error ~ its variance 4e-4 per element).
  double lo = largeChannel.min(), hi = largeChannel.max();
  double tensorError = largeChannel.asymmetricError(lo, hi, 8) + smallChannel.asymmetricError(lo, hi, 8);
  EXPECT_GT(smallChannel.asymmetricError(lo, hi, 8), 20 * smallError);
  EXPECT_LT(largeError + smallError, tensorError);
  std::vector<float> both(large);
  both.insert(both.end(), small.begin(), small.end());
  TensorObserver tensor = observe(both);
  auto [a, b] = tensor.range(RangeMethod::MSE, 99.99, 8);
  EXPECT_LE(tensor.asymmetricError(a, b, 8), tensor.asymmetricError(tensor.min(), tensor.max(), 8));
}

TEST(RangeEstimator, RangeAlwaysContainsZero) {
  std::vector<float> v{2.f, 3.f, 4.f};
  TensorObserver observer;
  observer.observeMinMax(v.data(), 3);
  auto r = observer.range(RangeMethod::MinMax, 99.9, 8);
  EXPECT_EQ(r.first, 0.0);
  EXPECT_EQ(r.second, 4.0);
  RangeMethod m;
  EXPECT_NE(parseRangeMethod("median", m), "");
}

} // namespace
