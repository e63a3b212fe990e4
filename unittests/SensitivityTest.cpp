// Sensitivity scores: the Hessian-weighted error is the layer's output error.
#include "quantc/Analysis/Hessian.h"
#include "quantc/Analysis/Sensitivity.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace quantc;

namespace {

/// A 3x4 matrix weight [K = 4, N = 3] as a MatMul stores it (channels along axis 1).
WeightLayout matrixLayout() { return WeightLayout::fromAxes({4, 3}, /*channelAxis=*/1); }

TEST(Sensitivity, HessianErrorIsTheOutputError) {
  // sum_r d_r^T (X^T X) d_r = ||X D||^2: the squared error the weight error
  // adds to the layer's outputs on the inputs X.
  std::mt19937 rng(3);
  std::normal_distribution<float> normal;
  const int64_t rows = 5, k = 4, n = 3;
  std::vector<float> x(rows * k), w(k * n), q(k * n);
  for (float &v : x) v = normal(rng);
  for (size_t i = 0; i < w.size(); ++i) {
    w[i] = normal(rng);
    q[i] = w[i] + 0.1f * normal(rng);
  }
  std::vector<double> hessian;
  accumulateMatrixHessian(x.data(), rows, k, hessian);
  double outputError = 0;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < n; ++c) {
      double d = 0;
      for (int64_t j = 0; j < k; ++j)
        d += double(x[r * k + j]) * (double(q[j * n + c]) - double(w[j * n + c]));
      outputError += d * d;
    }
  EXPECT_NEAR(hessianWeightedError(w, q, matrixLayout(), hessian), outputError, 1e-6 * outputError);
}

TEST(Sensitivity, DiagonalAndRelativeErrors) {
  std::vector<float> w{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, q = w;
  q[0] += 0.5f;  // (row 0, column 0)
  q[11] -= 1.f;  // (row 2, column 3)
  WeightLayout layout = matrixLayout();
  // One power per column, or one per (row, column).
  EXPECT_DOUBLE_EQ(diagonalHessianError(w, q, layout, {2, 1, 1, 3}), 0.25 * 2 + 1 * 3);
  std::vector<double> perElement(12, 1.0);
  perElement[2 * 4 + 3] = 10;
  EXPECT_DOUBLE_EQ(diagonalHessianError(w, q, layout, perElement), 0.25 + 10);
  double energy = 0;
  for (float v : w) energy += double(v) * v;
  EXPECT_DOUBLE_EQ(relativeWeightError(w, q), 1.25 / energy);
  EXPECT_EQ(relativeWeightError(w, w), 0.0);
}

} // namespace

TEST(Sensitivity, OutputKLAddsTheTopClass) {
  // Two rows of three classes: KL(p || q), and the loss of the float
  // model's top class, log p_y - log q_y, each averaged over the rows.
  const float p[] = {0.7f, 0.2f, 0.1f, 0.1f, 0.1f, 0.8f};
  const float q[] = {0.5f, 0.3f, 0.2f, 0.1f, 0.1f, 0.8f};
  OutputDivergence d = outputKLDivergence(p, q, 2, 3);
  double kl = 0.7 * std::log(0.7 / 0.5) + 0.2 * std::log(0.2 / 0.3) + 0.1 * std::log(0.1 / 0.2);
  EXPECT_NEAR(d.kl, kl / 2, 1e-6);
  EXPECT_NEAR(d.topLoss, std::log(0.7 / 0.5) / 2, 1e-6);
  EXPECT_NEAR(d.score(), (kl + std::log(0.7 / 0.5)) / 2, 1e-6);
  OutputDivergence same = outputKLDivergence(p, p, 2, 3);
  EXPECT_NEAR(same.score(), 0.0, 1e-9);
  // A quantized model surer of the float answer: the loss is negative and
  // the score is KL alone.
  const float surer[] = {0.8f, 0.1f, 0.1f};
  OutputDivergence better = outputKLDivergence(p, surer, 1, 3);
  EXPECT_LT(better.topLoss, 0.0);
  EXPECT_NEAR(better.score(), better.kl, 1e-12);
  EXPECT_GT(better.kl, 0.0);
}
