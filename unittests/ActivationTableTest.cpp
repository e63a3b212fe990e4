// int8 activation tables: the pre-activation domain loses nothing outside it
// and at most the pre-activation rounding inside it.
#include "quantc/Analysis/ActivationTable.h"
#include "quantc/Analysis/Quantizer.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace quantc;

namespace {

struct Case {
  TableActivation kind;
  float alpha, beta, maxSlope;
  Int8Affine output;
  std::function<float(float)> after = {}; // a fused scalar affine
};

/// Through the table, every x lands within the rounding of the pre-activation
/// (slope * half a step) of the direct quantization, and exactly on it where x
/// lies outside the domain.
void checkTable(const Case &c) {
  auto domain = preActivationDomain(c.kind, c.alpha, c.beta, c.output, c.after);
  ASSERT_TRUE(domain);
  auto activation = activationFunction(c.kind, c.alpha, c.beta);
  auto f = [&](float x) { return c.after ? c.after(activation(x)) : activation(x); };
  auto table = activationTable(f, *domain, c.output);
  float lo = float(-128 - domain->zeroPoint) * domain->scale;
  float hi = float(127 - domain->zeroPoint) * domain->scale;
  double bound = c.maxSlope * domain->scale / 2 / c.output.scale + 1; // in output steps
  for (float x = -40.f; x <= 40.f; x += 0.00731f) {
    int64_t direct = quantizeValue(f(x), c.output.scale, c.output.zeroPoint, {-128, 127});
    int64_t pre = quantizeValue(x, domain->scale, domain->zeroPoint, {-128, 127});
    int64_t viaTable = table[size_t(pre + 128)];
    if (x < lo || x > hi)
      ASSERT_EQ(viaTable, direct) << "x = " << x << " outside [" << lo << ", " << hi << "]";
    else
      ASSERT_LE(std::abs(double(viaTable - direct)), bound) << "x = " << x;
  }
}

TEST(ActivationTable, HardSwish) {
  checkTable({TableActivation::HardSwish, 0, 0, 1.5f, {0.05f, -120}});   // output up to 12.35
  checkTable({TableActivation::HardSwish, 0, 0, 1.5f, {0.01f, -90}});    // saturates below 3
  auto domain = preActivationDomain(TableActivation::HardSwish, 0, 0, {0.05f, -120});
  // Starts at -3, where HardSwish leaves 0, and ends where the output saturates.
  EXPECT_NEAR(float(-128 - domain->zeroPoint) * domain->scale, -3.0f, domain->scale);
  EXPECT_NEAR(float(127 - domain->zeroPoint) * domain->scale, 12.325f, domain->scale);
}

TEST(ActivationTable, ActivationThenScalarAffine) {
  checkTable({TableActivation::HardSwish, 0, 0, 3.f, {0.1f, -118}, [](float y) { return 2 * y + 0.5f; }});
  checkTable({TableActivation::HardSwish, 0, 0, 1.5f, {0.05f, 100}, [](float y) { return -y; }});
  checkTable({TableActivation::Sigmoid, 0, 0, 0.75f, {0.02f, -20}, [](float y) { return 3 * y - 1; }});
}

TEST(ActivationTable, BoundedActivations) {
  checkTable({TableActivation::Sigmoid, 0, 0, 0.25f, {1.f / 255, -128}});
  checkTable({TableActivation::Tanh, 0, 0, 1.f, {1.f / 127, 0}});
  checkTable({TableActivation::HardSigmoid, 0.2f, 0.5f, 0.2f, {1.f / 255, -128}});
  checkTable({TableActivation::HardSigmoid, 1.f / 6, 0.5f, 1.f / 6, {1.f / 255, -128}});
}

TEST(ActivationTable, DegenerateHardSigmoidIsRefused) {
  EXPECT_FALSE(preActivationDomain(TableActivation::HardSigmoid, 0.f, 0.5f, {1.f / 255, -128}));
}

} // namespace
