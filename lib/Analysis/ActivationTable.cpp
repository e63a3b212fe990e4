// Pre-activation domains and int8 lookup tables for fused activations.
#include "quantc/Analysis/ActivationTable.h"

#include "quantc/Analysis/Quantizer.h"

#include <algorithm>
#include <cmath>

namespace quantc {

std::function<float(float)> activationFunction(TableActivation kind, float alpha, float beta) {
  switch (kind) {
  case TableActivation::HardSwish:
    return [](float x) { return x * std::clamp(x * (1.0f / 6.0f) + 0.5f, 0.0f, 1.0f); };
  case TableActivation::HardSigmoid:
    return [alpha, beta](float x) { return std::clamp(x * alpha + beta, 0.0f, 1.0f); };
  case TableActivation::Sigmoid:
    return [](float x) { return 1.0f / (1.0f + std::exp(-x)); };
  case TableActivation::Tanh:
    return [](float x) { return std::tanh(x); };
  }
  return {};
}

namespace {

constexpr IntRange kInt8{-128, 127};
// Pre-activations are searched in [-kReach, kReach]; every tabulated
// activation is flat (in int8) well inside it.
constexpr float kReach = 1e4f;

/// The edge of the region, starting at `flat`, where `quantized(x)` equals
/// quantized(flat); `other` is a point outside it and the function is
/// monotone between the two.
float flatEdge(const std::function<int64_t(float)> &quantized, float flat, float other) {
  int64_t target = quantized(flat);
  for (int i = 0; i < 200; ++i) {
    float middle = flat + (other - flat) / 2;
    if (middle == flat || middle == other)
      break;
    (quantized(middle) == target ? flat : other) = middle;
  }
  return flat;
}

} // namespace

std::optional<Int8Affine> preActivationDomain(TableActivation kind, float alpha, float beta,
                                              Int8Affine output,
                                              const std::function<float(float)> &after) {
  auto f = activationFunction(kind, alpha, beta);
  auto quantized = [&](float x) {
    float y = after ? after(f(x)) : f(x);
    return quantizeValue(y, output.scale, output.zeroPoint, kInt8);
  };
  float lo, hi;
  switch (kind) {
  case TableActivation::HardSwish:
    // 0 below -3 (as at -3); monotone from its minimum at -1.5 (an affine
    // `after` keeps flat regions flat and monotone pieces monotone).
    lo = -3.0f;
    hi = flatEdge(quantized, kReach, -1.5f);
    break;
  case TableActivation::HardSigmoid:
    if (alpha <= 0)
      return std::nullopt;
    [[fallthrough]];
  case TableActivation::Sigmoid:
  case TableActivation::Tanh: {
    // Monotone increasing: flat below lo and above hi.
    float middle = kind == TableActivation::HardSigmoid ? (0.5f - beta) / alpha : 0.0f;
    lo = flatEdge(quantized, -kReach, middle);
    hi = flatEdge(quantized, kReach, middle);
    break;
  }
  }
  // The zero point must be an int8: keep 0 inside the domain.
  lo = std::min(lo, 0.0f);
  hi = std::max(hi, 0.0f);
  if (!(hi > lo) || !std::isfinite(hi - lo))
    return std::nullopt;
  // 254 steps leave room for the zero point's rounding at either end.
  Int8Affine domain;
  domain.scale = (hi - lo) / 254.0f;
  domain.zeroPoint = int32_t(std::clamp(std::lround(-128.0 - lo / domain.scale + 0.5), -128L, 127L));
  return domain;
}

std::array<int8_t, 256> activationTable(const std::function<float(float)> &f, Int8Affine input,
                                        Int8Affine output) {
  std::array<int8_t, 256> table;
  for (int q = -128; q <= 127; ++q) {
    float x = float(q - input.zeroPoint) * input.scale; // as qnn.dequantize computes it
    table[size_t(q + 128)] = int8_t(quantizeValue(f(x), output.scale, output.zeroPoint, kInt8));
  }
  return table;
}

} // namespace quantc
