// Lowered qnn.quantize / qnn.dequantize vs the C++ reference, bit for bit:
// ties, saturation, negative zero points, odd channel counts, sub-channel.
#include "quantc/Analysis/ActivationTable.h"
#include "quantc/Analysis/Quantizer.h"
#include "quantc/Execution/Execution.h"
#include "quantc/InitAll.h"

#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

using namespace quantc;

namespace {

struct Channel {
  float scale;
  int32_t zeroPoint;
};

/// Parses, lowers and JIT-runs `source`; buffers are inputs then outputs.
void runModule(const std::string &source, std::vector<void *> buffers) {
  static bool passesRegistered = (quantc::registerAllPasses(), true); // the pipelines parse by name
  (void)passesRegistered;
  mlir::DialectRegistry registry;
  quantc::registerAllDialects(registry);
  mlir::MLIRContext context(registry);
  auto module = mlir::parseSourceString<mlir::ModuleOp>(source, &context);
  ASSERT_TRUE(module) << source;
  auto target = resolveTarget("host");
  ASSERT_TRUE(bool(target));
  ASSERT_TRUE(mlir::succeeded(lowerToLLVMDialect(*module, *target)));
  auto jit = JITModel::compile(*module, *target);
  if (!jit) {
    ADD_FAILURE() << llvm::toString(jit.takeError());
    return;
  }
  EXPECT_FALSE(bool((*jit)->run(buffers)));
}

/// Runs quantize -> dequantize over a [rows, columns] tensor through the JIT.
std::vector<float> runRoundTrip(const std::string &quantType, int64_t rows, int64_t columns,
                                const std::vector<float> &input) {
  std::string shape = std::to_string(rows) + "x" + std::to_string(columns);
  std::string source = "func.func @main(%x: tensor<" + shape + "xf32>) -> tensor<" + shape +
                       "xf32> {\n  %q = qnn.quantize %x : tensor<" + shape + "xf32> -> tensor<" +
                       shape + "x" + quantType + ">\n  %y = qnn.dequantize %q : tensor<" + shape +
                       "x" + quantType + "> -> tensor<" + shape +
                       "xf32>\n  return %y : tensor<" + shape + "xf32>\n}\n";
  std::vector<float> output(input.size(), -12345.f);
  runModule(source, {const_cast<float *>(input.data()), output.data()});
  return output;
}

/// Random values plus exact ties, values past both ends, zeros of both signs.
std::vector<float> edgeCaseInput(int64_t rows, int64_t columns,
                                 const std::function<Channel(int64_t, int64_t)> &params) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> uniform(-1.f, 1.f);
  std::vector<float> x(rows * columns);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < columns; ++c) {
      Channel p = params(r, c);
      float &v = x[r * columns + c];
      switch ((r * columns + c) % 6) {
      case 0: v = uniform(rng) * 200.f * p.scale; break;                 // in range and beyond
      case 1: v = (std::floor(uniform(rng) * 60.f) + 0.5f) * p.scale; break; // a tie
      case 2: v = 1e6f; break;                                             // saturates high
      case 3: v = -1e6f; break;                                            // saturates low
      case 4: v = (r % 2) ? -0.0f : 0.0f; break;
      default: v = uniform(rng) * 10.f * p.scale; break;
      }
    }
  return x;
}

void expectBitExact(const std::vector<float> &input, const std::vector<float> &output,
                    int64_t columns, IntRange range,
                    const std::function<Channel(int64_t, int64_t)> &params) {
  ASSERT_EQ(input.size(), output.size());
  for (size_t i = 0; i < input.size(); ++i) {
    Channel p = params(int64_t(i) / columns, int64_t(i) % columns);
    int64_t q = quantizeValue(input[i], p.scale, p.zeroPoint, range);
    float expected = float(int32_t(q) - p.zeroPoint) * p.scale;
    uint32_t a, b;
    std::memcpy(&a, &expected, 4);
    std::memcpy(&b, &output[i], 4);
    ASSERT_EQ(a, b) << "element " << i << ": x = " << input[i] << ", expected " << expected
                    << ", got " << output[i];
  }
}

TEST(QuantizedExecution, PerAxisOddChannelsNegativeZeroPoints) {
  // 7 channels along axis 1: power-of-two scales make ties exact.
  std::vector<Channel> channels{{0.5f, -3}, {0.25f, 0}, {0.125f, 5}, {1.f, -128},
                                {0.0625f, 127}, {0.37f, -17}, {2.f, 1}};
  std::string type = "!quant.uniform<i8:f32:1, {";
  for (size_t i = 0; i < channels.size(); ++i)
    type += (i ? "," : "") + std::to_string(channels[i].scale) + ":" +
            std::to_string(channels[i].zeroPoint);
  type += "}>";
  auto params = [&](int64_t, int64_t c) { return channels[c]; };
  auto input = edgeCaseInput(5, 7, params);
  expectBitExact(input, runRoundTrip(type, 5, 7, input), 7, {-128, 127}, params);
}

TEST(QuantizedExecution, PerTensorNarrowRange) {
  auto params = [](int64_t, int64_t) { return Channel{0.5f, -2}; };
  auto input = edgeCaseInput(3, 9, params);
  expectBitExact(input, runRoundTrip("!quant.uniform<i8<-7:7>:f32, 0.5:-2>", 3, 9, input), 9,
                 {-7, 7}, params);
}

TEST(QuantizedExecution, SubChannelFourBit) {
  // Blocks of 2 columns: scales [[0.5, 0.25], [1, 0.125], [0.75, 2]] per (row, block).
  float scales[3][2] = {{0.5f, 0.25f}, {1.f, 0.125f}, {0.75f, 2.f}};
  int32_t zeros[3][2] = {{0, -1}, {3, 0}, {-8, 7}};
  std::string type = "!quant.uniform<i8<-8:7>:f32:{0:1, 1:2}, {";
  for (int r = 0; r < 3; ++r) {
    type += r ? ", {" : "{";
    for (int b = 0; b < 2; ++b)
      type += (b ? ", " : "") + std::to_string(scales[r][b]) + ":" + std::to_string(zeros[r][b]);
    type += "}";
  }
  type += "}>";
  auto params = [&](int64_t r, int64_t c) { return Channel{scales[r][c / 2], zeros[r][c / 2]}; };
  auto input = edgeCaseInput(3, 4, params);
  expectBitExact(input, runRoundTrip(type, 3, 4, input), 4, {-8, 7}, params);
}

TEST(QuantizedExecution, SixteenBitActivations) {
  auto params = [](int64_t, int64_t) { return Channel{0.001f, 0}; };
  auto input = edgeCaseInput(2, 5, params);
  expectBitExact(input, runRoundTrip("!quant.uniform<i16<-32767:32767>:f32, 0.001>", 2, 5, input),
                 5, {-32767, 32767}, params);
}

/// qnn.conv_integer (lowered) against plain loops: padding reads the zero
/// point, int8 products accumulate in int32; the im2col path, and the
/// grouped one (a GEMM per image and group) over several images, its sums
/// in f32 (exact up to 1024 products) or, past that, in int32. `extreme`:
/// every input and weight -128, every sum as large as it can be.
void checkConvInteger(int64_t group, int64_t images = 1, int64_t channelsPerGroup = 2,
                      bool extreme = false) {
  const int64_t c = channelsPerGroup * group, h = 5, w = 6, f = 3 * group, k = 3, stride = 2,
                pad = 1, zero = -5;
  const int64_t oh = (h + 2 * pad - k) / stride + 1, ow = (w + 2 * pad - k) / stride + 1;
  const int64_t cg = c / group, fg = f / group;
  std::mt19937 rng(group);
  std::uniform_int_distribution<int> byte(-128, 127), wide(-2000000, 2000000);
  std::vector<int8_t> x(images * c * h * w), weight(f * cg * k * k);
  for (auto &v : x) v = int8_t(byte(rng));
  for (auto &v : weight) v = int8_t(byte(rng));
  x[0] = -128, weight[0] = -128; // the extreme product
  if (extreme) {
    std::fill(x.begin(), x.end(), int8_t(-128));
    std::fill(weight.begin(), weight.end(), int8_t(-128));
  }
  std::vector<int32_t> bias(f);
  for (auto &v : bias)
    v = wide(rng);
  std::vector<int32_t> expected(images * f * oh * ow), got(images * f * oh * ow, 0);
  for (int64_t n = 0; n < images; ++n)
    for (int64_t o = 0; o < f; ++o)
      for (int64_t y = 0; y < oh; ++y)
        for (int64_t xx = 0; xx < ow; ++xx) {
          int64_t acc = bias[o];
          for (int64_t ci = 0; ci < cg; ++ci)
            for (int64_t ky = 0; ky < k; ++ky)
              for (int64_t kx = 0; kx < k; ++kx) {
                int64_t iy = y * stride - pad + ky, ix = xx * stride - pad + kx;
                int64_t channel = (o / fg) * cg + ci;
                int64_t value = (iy < 0 || iy >= h || ix < 0 || ix >= w)
                                    ? zero
                                    : x[((n * c + channel) * h + iy) * w + ix];
                acc += value * weight[((o * cg + ci) * k + ky) * k + kx];
              }
          expected[((n * f + o) * oh + y) * ow + xx] = int32_t(acc);
        }
  auto t = [](std::initializer_list<int64_t> dims, const char *element) {
    std::string text = "tensor<";
    for (int64_t d : dims)
      text += std::to_string(d) + "x";
    return text + element + ">";
  };
  std::string in = t({images, c, h, w}, "i8"), wt = t({f, cg, k, k}, "i8"), bt = t({f}, "i32"),
              out = t({images, f, oh, ow}, "i32");
  std::string source =
      "func.func @main(%x: " + in + ", %w: " + wt + ", %b: " + bt + ") -> " + out +
      " {\n  %y = qnn.conv_integer %x, %w, %b {strides = array<i64: 2, 2>, dilations = "
      "array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, group = " +
      std::to_string(group) + " : i64, input_zero_point = -5 : i64} : (" + in + ", " + wt + ", " +
      bt + ") -> " + out + "\n  return %y : " + out + "\n}\n";
  runModule(source, {x.data(), weight.data(), bias.data(), got.data()});
  EXPECT_EQ(got, expected);
}

TEST(QuantizedExecution, ConvIntegerIm2col) { checkConvInteger(1); }
TEST(QuantizedExecution, ConvIntegerGrouped) { checkConvInteger(2); }
TEST(QuantizedExecution, ConvIntegerGroupedImages) { checkConvInteger(5, 3); }
TEST(QuantizedExecution, ConvIntegerGroupedLargestExactInFloat) {
  checkConvInteger(2, 1, 113, true);
}
TEST(QuantizedExecution, ConvIntegerGroupedPastExactInFloat) { checkConvInteger(2, 1, 114); }

/// qnn.matmul_integer (lowered, microkernel) against plain loops, 3-D input.
TEST(QuantizedExecution, MatMulIntegerMatchesReference) {
  const int64_t batch = 2, m = 5, k = 7, n = 19; // odd sizes: edge tiles everywhere
  std::mt19937 rng(9);
  std::uniform_int_distribution<int> byte(-128, 127);
  std::vector<int8_t> a(batch * m * k), b(k * n);
  for (auto &v : a) v = int8_t(byte(rng));
  for (auto &v : b) v = int8_t(byte(rng));
  std::vector<int32_t> bias(n);
  for (int64_t c = 0; c < n; ++c)
    bias[c] = int32_t(c * 1000 - 9000);
  std::vector<int32_t> expected(batch * m * n), got(batch * m * n, 0);
  for (int64_t r = 0; r < batch * m; ++r)
    for (int64_t c = 0; c < n; ++c) {
      int32_t acc = bias[c];
      for (int64_t i = 0; i < k; ++i)
        acc += int32_t(a[r * k + i]) * int32_t(b[i * n + c]);
      expected[r * n + c] = acc;
    }
  std::string source =
      "func.func @main(%a: tensor<2x5x7xi8>, %b: tensor<7x19xi8>, %c: tensor<19xi32>) -> "
      "tensor<2x5x19xi32> {\n  %y = qnn.matmul_integer %a, %b, %c : (tensor<2x5x7xi8>, "
      "tensor<7x19xi8>, tensor<19xi32>) -> tensor<2x5x19xi32>\n  return %y : tensor<2x5x19xi32>\n}\n";
  runModule(source, {a.data(), b.data(), bias.data(), got.data()});
  EXPECT_EQ(got, expected);
}

/// qnn.requantize (lowered) against requantizeValue: ties round half up,
/// negative accumulators, int32 extremes, saturation, per-channel rescales.
TEST(QuantizedExecution, RequantizeMatchesReference) {
  std::vector<FixedPoint> channels{{1 << 30, 31},                        // 0.5: every odd value ties
                                   *toFixedPoint(0.0123456),             // a typical conv rescale
                                   *toFixedPoint(3.75)};                 // > 1
  const int64_t rows = 40, columns = 3;
  const int32_t zero = -7;
  std::vector<int32_t> acc(rows * columns);
  std::mt19937 rng(3);
  std::uniform_int_distribution<int32_t> any(std::numeric_limits<int32_t>::min(),
                                             std::numeric_limits<int32_t>::max());
  for (int64_t i = 0; i < rows * columns; ++i)
    acc[i] = i < 12 ? int32_t(i) - 6 : any(rng) >> (i % 24); // small ties first, then wide values
  acc[12] = std::numeric_limits<int32_t>::max();
  acc[13] = std::numeric_limits<int32_t>::min();
  std::string multipliers, shifts;
  for (size_t c = 0; c < channels.size(); ++c) {
    multipliers += (c ? ", " : "") + std::to_string(channels[c].multiplier);
    shifts += (c ? ", " : "") + std::to_string(channels[c].shift);
  }
  std::string quantType = "!quant.uniform<i8:f32, 1.0:-7>";
  std::string source =
      "func.func @main(%a: tensor<40x3xi32>) -> tensor<40x3xf32> {\n  %r = qnn.requantize %a "
      "{axis = 1 : i64, multipliers = array<i32: " + multipliers + ">, shifts = array<i64: " +
      shifts + ">} : tensor<40x3xi32> -> tensor<40x3x" + quantType +
      ">\n  %d = qnn.dequantize %r : tensor<40x3x" + quantType +
      "> -> tensor<40x3xf32>\n  return %d : tensor<40x3xf32>\n}\n";
  std::vector<float> got(rows * columns);
  runModule(source, {acc.data(), got.data()});
  for (int64_t i = 0; i < rows * columns; ++i) {
    int64_t q = requantizeValue(acc[i], channels[i % columns], zero, {-128, 127});
    ASSERT_EQ(float(q - zero), got[i]) << "acc " << acc[i] << " channel " << i % columns;
  }
  // A fused Relu/Clip narrows the clamp: [zero point, 20] here.
  std::string clamped = source;
  clamped.replace(clamped.find("{axis = 1 : i64"), 15, "{axis = 1 : i64, clamp_min = -7 : i64, clamp_max = 20 : i64");
  runModule(clamped, {acc.data(), got.data()});
  for (int64_t i = 0; i < rows * columns; ++i) {
    int64_t q = requantizeValue(acc[i], channels[i % columns], zero, {-7, 20});
    ASSERT_EQ(float(q - zero), got[i]) << "clamped, acc " << acc[i];
  }
  // Round half up: 3 * 0.5 = 1.5 -> 2, -3 * 0.5 = -1.5 -> -1.
  EXPECT_EQ(requantizeValue(3, channels[0], 0, {-128, 127}), 2);
  EXPECT_EQ(requantizeValue(-3, channels[0], 0, {-128, 127}), -1);
}

/// requantize into HardSwish's pre-activation domain + lookup_table (the form
/// qnn-fold-scales writes) against requantizeValue and activationTable.
TEST(QuantizedExecution, LookupTableMatchesReference) {
  Int8Affine output{0.05f, -120};
  auto domain = preActivationDomain(TableActivation::HardSwish, 0, 0, output);
  ASSERT_TRUE(domain);
  auto table = activationTable(activationFunction(TableActivation::HardSwish), *domain, output);
  auto rescale = *toFixedPoint(0.01 / double(domain->scale)); // accumulator scale 0.01
  std::vector<int32_t> acc(512);
  for (size_t i = 0; i < acc.size(); ++i)
    acc[i] = int32_t(i) * 7 - 1800; // pre-activations from -18 to 17.8, both ends saturate
  std::string entries;
  for (int8_t v : table)
    entries += (entries.empty() ? "" : ", ") + std::to_string(v);
  std::string pre = "!quant.uniform<i8:f32, " + std::to_string(domain->scale) + ":" +
                    std::to_string(domain->zeroPoint) + ">";
  std::string out = "!quant.uniform<i8:f32, 0.05:-120>";
  std::string source =
      "func.func @main(%a: tensor<512xi32>) -> tensor<512xf32> {\n  %r = qnn.requantize %a "
      "{multipliers = array<i32: " + std::to_string(rescale.multiplier) + ">, shifts = array<i64: " +
      std::to_string(rescale.shift) + ">} : tensor<512xi32> -> tensor<512x" + pre +
      ">\n  %t = qnn.lookup_table %r {activation = \"hard_swish\", table = array<i8: " + entries +
      ">} : tensor<512x" + pre + "> -> tensor<512x" + out + ">\n  %d = qnn.dequantize %t : "
      "tensor<512x" + out + "> -> tensor<512xf32>\n  return %d : tensor<512xf32>\n}\n";
  std::vector<float> got(acc.size());
  runModule(source, {acc.data(), got.data()});
  for (size_t i = 0; i < acc.size(); ++i) {
    int64_t q = requantizeValue(acc[i], rescale, domain->zeroPoint, {-128, 127});
    float expected = float(table[size_t(q + 128)] - output.zeroPoint) * output.scale;
    ASSERT_EQ(expected, got[i]) << "acc " << acc[i];
  }
}

TEST(QuantizedExecution, FixedPointConversion) {
  auto half = toFixedPoint(0.5);
  ASSERT_TRUE(half);
  EXPECT_EQ(half->multiplier, 1 << 30);
  EXPECT_EQ(half->shift, 31);
  auto small = toFixedPoint(0.0123456);
  ASSERT_TRUE(small);
  EXPECT_NEAR(double(small->multiplier) / double(int64_t(1) << small->shift), 0.0123456, 1e-9);
  EXPECT_FALSE(toFixedPoint(0.0));
  EXPECT_FALSE(toFixedPoint(1e-30)); // shift would exceed 62
  EXPECT_FALSE(toFixedPoint(1e12));  // shift would be below 1
}

} // namespace
