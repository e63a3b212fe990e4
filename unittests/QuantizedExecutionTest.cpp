// Lowered qnn.quantize / qnn.dequantize vs the C++ reference, bit for bit:
// ties, saturation, negative zero points, odd channel counts, sub-channel.
#include "quantc/Analysis/Quantizer.h"
#include "quantc/Execution/Execution.h"
#include "quantc/InitAll.h"

#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

using namespace quantc;

namespace {

struct Channel {
  float scale;
  int32_t zeroPoint;
};

/// Runs quantize -> dequantize over a [rows, columns] tensor through the JIT.
std::vector<float> runRoundTrip(const std::string &quantType, int64_t rows, int64_t columns,
                                const std::vector<float> &input) {
  static bool passesRegistered = (quantc::registerAllPasses(), true); // the pipelines parse by name
  (void)passesRegistered;
  mlir::DialectRegistry registry;
  quantc::registerAllDialects(registry);
  mlir::MLIRContext context(registry);
  std::string shape = std::to_string(rows) + "x" + std::to_string(columns);
  std::string source = "func.func @main(%x: tensor<" + shape + "xf32>) -> tensor<" + shape +
                       "xf32> {\n  %q = qnn.quantize %x : tensor<" + shape + "xf32> -> tensor<" +
                       shape + "x" + quantType + ">\n  %y = qnn.dequantize %q : tensor<" + shape +
                       "x" + quantType + "> -> tensor<" + shape +
                       "xf32>\n  return %y : tensor<" + shape + "xf32>\n}\n";
  auto module = mlir::parseSourceString<mlir::ModuleOp>(source, &context);
  EXPECT_TRUE(module) << source;
  if (!module)
    return {};
  auto target = resolveTarget("host");
  EXPECT_TRUE(bool(target));
  EXPECT_TRUE(mlir::succeeded(lowerToLLVMDialect(*module, *target)));
  auto jit = JITModel::compile(*module, *target);
  EXPECT_TRUE(bool(jit));
  if (!jit) {
    llvm::consumeError(jit.takeError());
    return {};
  }
  std::vector<float> output(input.size(), -12345.f);
  std::vector<void *> buffers{const_cast<float *>(input.data()), output.data()};
  EXPECT_FALSE(bool((*jit)->run(buffers)));
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

} // namespace
