// The f16 conversion of the GPU launches' activations: F16C eight at a time
// (where the CPU has it) and the scalar tail give the same bits as the
// compiler's _Float16 conversion, saturated at +-65504, NaN as 0x7e00.
#include "quantc/Runtime/quantc_halves.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

namespace {

uint16_t expectedHalf(float value) {
  if (std::isnan(value))
    return 0x7e00;
  value = std::fmax(-65504.0f, std::fmin(65504.0f, value));
  _Float16 half = _Float16(value);
  uint16_t bits;
  std::memcpy(&bits, &half, 2);
  return bits;
}

TEST(Halves, MatchTheCompilerSaturated) {
  std::vector<float> values = {0.0f,
                               -0.0f,
                               1.0f,
                               1.0f + 0x1p-11f,
                               1.0f + 0x3p-11f,
                               65504.0f,
                               65519.0f,
                               65520.0f,
                               -65520.0f,
                               1e30f,
                               -1e30f,
                               0x1p-24f,
                               0x1p-25f,
                               0x3p-26f,
                               0x1p-14f,
                               0x1.ffcp-15f,
                               std::numeric_limits<float>::infinity(),
                               -std::numeric_limits<float>::infinity(),
                               std::numeric_limits<float>::quiet_NaN(),
                               std::numeric_limits<float>::denorm_min()};
  uint32_t payloadNaN = 0x7f800123u, negativeNaN = 0xffc00000u;
  float nan1, nan2;
  std::memcpy(&nan1, &payloadNaN, 4);
  std::memcpy(&nan2, &negativeNaN, 4);
  values.push_back(nan1);
  values.push_back(nan2);
  std::mt19937 rng(3);
  std::uniform_int_distribution<uint32_t> any;
  for (int i = 0; i < 200000; ++i) {
    uint32_t bits = any(rng);
    if (i % 2) // magnitudes around the half range, where the rounding cases live
      bits = (bits & 0x807fffffu) | ((95u + bits % 70u) << 23);
    float value;
    std::memcpy(&value, &bits, 4);
    values.push_back(value);
  }
  // Every length from 0 to 19: the vector body and the scalar tail.
  for (size_t count = 0; count < 20; ++count) {
    std::vector<uint16_t> halves(count, 0xffff);
    quantc_halves_from_floats(values.data(), halves.data(), int64_t(count));
    for (size_t i = 0; i < count; ++i)
      ASSERT_EQ(halves[i], expectedHalf(values[i])) << count << " values, index " << i;
  }
  std::vector<uint16_t> halves(values.size());
  quantc_halves_from_floats(values.data(), halves.data(), int64_t(values.size()));
  for (size_t i = 0; i < values.size(); ++i)
    ASSERT_EQ(halves[i], expectedHalf(values[i])) << "index " << i << ": " << values[i];
}

} // namespace
