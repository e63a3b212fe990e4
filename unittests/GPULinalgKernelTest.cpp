// The linalg kernels' loop nest (GPULinalgKernels.h), collapsed and tiled as
// the GPU mapping sees it, run on the CPU in place of the op: the same bits
// as the op itself through the host pipeline, for elementwise ops with
// broadcasts and approximated math, reductions that read their output,
// transposes, fills, index-dependent bodies and a batch matmul; and W8A8's
// integer depthwise convolution as the GPU takes it against the CPU kernel.
#include "passes/Conversion/QKernelToGPU/IntegerDepthwise.h"
#include "quantc/Codegen/GPULinalgKernels.h"
#include "quantc/Execution/Execution.h"
#include "quantc/InitAll.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstring>
#include <random>

using namespace mlir;

namespace {

/// JIT-runs `module`'s @main on `inputs`; outputs of `outputSizes` floats.
std::vector<std::vector<float>> run(ModuleOp module, const std::vector<std::vector<float>> &inputs,
                                    const std::vector<size_t> &outputSizes) {
  std::vector<std::vector<float>> outputs;
  for (size_t size : outputSizes)
    outputs.emplace_back(size, -1.f);
  auto target = quantc::resolveTarget("host");
  EXPECT_TRUE(bool(target));
  EXPECT_TRUE(succeeded(quantc::lowerToLLVMDialect(module, *target)));
  auto jit = quantc::JITModel::compile(module, *target);
  if (!jit) {
    ADD_FAILURE() << llvm::toString(jit.takeError());
    return outputs;
  }
  std::vector<void *> buffers;
  for (const auto &input : inputs)
    buffers.push_back(const_cast<float *>(input.data()));
  for (auto &output : outputs)
    buffers.push_back(output.data());
  EXPECT_FALSE(bool((*jit)->run(buffers)));
  return outputs;
}

/// Replaces the one linalg op of @main by its kernel's CPU loop nest: the
/// inputs' buffers, fresh outputs (holding the initial values the body reads),
/// the buffers of the tensors the body gathers from, a call of the nest, the
/// outputs as tensors.
/// Where the nest's accumulators start: the output buffer, a constant
/// fill's value, or a broadcast copy's source (buildLinalgKernel's
/// initialValues). From a fill or broadcast, the output buffer holds NaNs,
/// which the nest must never read.
enum class Start { Buffer, Fill, Broadcast };

void replaceWithLoopNest(ModuleOp module, Start start = Start::Buffer) {
  linalg::LinalgOp op;
  module.walk([&](linalg::LinalgOp found) { op = found; }); // the last: the fill's reader
  ASSERT_TRUE(op);
  SmallVector<quantc::codegen::gpu::InitialValue> initialValues;
  OpOperand &init = op.getDpsInitsMutable()[0];
  if (start == Start::Fill) {
    auto fill = init.get().getDefiningOp<linalg::FillOp>();
    ASSERT_TRUE(fill);
    initialValues.push_back(
        {init.getOperandNumber(),
         cast<TypedAttr>(fill.getInputs()[0].getDefiningOp<arith::ConstantOp>().getValue()),
         Value(), AffineMap()});
  } else if (start == Start::Broadcast) {
    auto broadcast = init.get().getDefiningOp<linalg::GenericOp>();
    ASSERT_TRUE(broadcast);
    initialValues.push_back({init.getOperandNumber(), TypedAttr(), broadcast.getInputs()[0],
                             broadcast.getIndexingMapsArray()[0]});
  }
  auto kernel = quantc::codegen::gpu::buildLinalgKernel(op, "nest", initialValues);
  ASSERT_TRUE(bool(kernel)) << llvm::toString(kernel.takeError());
  auto nest = cast<func::FuncOp>(kernel->host->getBody()->front().clone());
  nest.setPrivate();
  module.getBody()->push_back(nest);

  OpBuilder b(op);
  Location loc = op.getLoc();
  SmallVector<Value> buffers, results;
  unsigned operandCount = op->getNumOperands();
  for (unsigned operand : kernel->hostArguments) {
    bool gathered = operand >= operandCount; // a tensor the body extracts from
    Value tensor = gathered ? kernel->captured[operand - operandCount] : op->getOperand(operand);
    auto type = cast<RankedTensorType>(tensor.getType());
    auto memref = MemRefType::get(type.getShape(), type.getElementType());
    Value source = bufferization::ToBufferOp::create(b, loc, memref, tensor);
    OpOperand *opOperand = gathered ? nullptr : &op->getOpOperand(operand);
    if (gathered || op.isDpsInput(opOperand)) {
      buffers.push_back(source);
      continue;
    }
    Value output = memref::AllocOp::create(b, loc, memref);
    if (start != Start::Buffer)
      linalg::FillOp::create(b, loc,
                             ValueRange{arith::ConstantOp::create(
                                 b, loc, b.getFloatAttr(type.getElementType(), std::nan("")))},
                             ValueRange{output});
    else if (op.payloadUsesValueFromOperand(opOperand))
      memref::CopyOp::create(b, loc, source, output);
    buffers.push_back(output);
    results.push_back(bufferization::ToTensorOp::create(b, loc, type, output, /*restrict=*/true,
                                                        /*writable=*/true));
  }
  func::CallOp::create(b, loc, nest, buffers);
  op->replaceAllUsesWith(results);
  op->erase();
}

/// A context with quantc's dialects and passes, and `source` parsed twice:
/// the reference, and the copy whose op a test replaces.
struct TwoModules {
  MLIRContext context;
  OwningOpRef<ModuleOp> reference, nested;
  explicit TwoModules(const std::string &source) : context(registry()) {
    static bool registered = (quantc::registerAllPasses(), true);
    (void)registered;
    context.loadDialect<bufferization::BufferizationDialect, memref::MemRefDialect>();
    reference = parseSourceString<ModuleOp>(source, &context);
    nested = parseSourceString<ModuleOp>(source, &context);
  }
  static DialectRegistry registry() {
    DialectRegistry registry;
    quantc::registerAllDialects(registry);
    return registry;
  }
};

/// @main of `source` as written and with its op replaced by the loop nest,
/// on the same random inputs: bit for bit the same outputs, or, for sums
/// (`exact` false: the host's loops add in another order), within f32
/// rounding of them.
void expectSameAsOp(const std::string &source, const std::vector<size_t> &inputSizes,
                    const std::vector<size_t> &outputSizes, bool exact = true,
                    Start start = Start::Buffer) {
  TwoModules modules(source);
  ASSERT_TRUE(modules.reference && modules.nested) << source;
  ModuleOp reference = *modules.reference, nested = *modules.nested;
  replaceWithLoopNest(nested, start);

  std::mt19937 random(7);
  std::normal_distribution<float> normal(0.f, 2.f);
  std::vector<std::vector<float>> inputs;
  for (size_t size : inputSizes) {
    inputs.emplace_back(size);
    for (float &v : inputs.back())
      v = normal(random);
  }
  auto expected = run(reference, inputs, outputSizes);
  auto actual = run(nested, inputs, outputSizes);
  for (size_t i = 0; i < expected.size(); ++i) {
    if (exact) {
      EXPECT_EQ(0, std::memcmp(expected[i].data(), actual[i].data(), expected[i].size() * 4))
          << "output " << i << " of\n"
          << source;
      continue;
    }
    for (size_t j = 0; j < expected[i].size(); ++j)
      ASSERT_NEAR(expected[i][j], actual[i][j], 1e-5f * (1.f + std::fabs(expected[i][j])))
          << "output " << i << ", element " << j << " of\n"
          << source;
  }
}

TEST(GPULinalgKernelTest, ElementwiseWithBroadcastAndMath) {
  expectSameAsOp(R"(
func.func @main(%x: tensor<1x8x40x3xf32>, %b: tensor<3xf32>) -> tensor<1x8x40x3xf32> {
  %e = tensor.empty() : tensor<1x8x40x3xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(a,b,c,d)->(a,b,c,d)>, affine_map<(a,b,c,d)->(d)>,
                                        affine_map<(a,b,c,d)->(a,b,c,d)>],
                       iterator_types = ["parallel","parallel","parallel","parallel"]}
      ins(%x, %b : tensor<1x8x40x3xf32>, tensor<3xf32>) outs(%e : tensor<1x8x40x3xf32>) {
  ^bb0(%in: f32, %bias: f32, %out: f32):
    %v = arith.addf %in, %bias : f32
    %t = math.tanh %v : f32
    %x2 = math.exp %t : f32
    %c = arith.constant 0.5 : f32
    %r = arith.mulf %x2, %c : f32
    linalg.yield %r : f32
  } -> tensor<1x8x40x3xf32>
  return %y : tensor<1x8x40x3xf32>
})",
                 {960, 3}, {960});
}

TEST(GPULinalgKernelTest, ReductionReadsItsOutput) {
  // A softmax's row maximum and a layernorm's sum: the output starts as the
  // initial value and every step reads it; rows of 15 and 300 points.
  for (const char *shape : {"8x40x15", "3x4x300"}) {
    std::string in(shape), out = in.substr(0, in.rfind('x'));
    int64_t a, b, c;
    std::sscanf(shape, "%ldx%ldx%ld", &a, &b, &c);
    expectSameAsOp("func.func @main(%x: tensor<" + in + "xf32>, %init: tensor<" + out +
                       "xf32>) -> tensor<" + out + R"(xf32> {
  %m = linalg.generic {indexing_maps = [affine_map<(a,b,c)->(a,b,c)>, affine_map<(a,b,c)->(a,b)>],
                       iterator_types = ["parallel","parallel","reduction"]}
      ins(%x : tensor<)" +
                       in + "xf32>) outs(%init : tensor<" + out + R"(xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %s = arith.addf %v, %acc : f32
    linalg.yield %s : f32
  } -> tensor<)" + out +
                       R"(xf32>
  return %m : tensor<)" +
                       out + "xf32>\n}",
                   {size_t(a * b * c), size_t(a * b)}, {size_t(a * b)}, /*exact=*/false);
  }
}

/// The sums a warp per point makes of `rows` rows of `length` (row-major
/// in `x`), started from `initial`: lane l sums elements l, l + 32, ...
/// from -0, the lanes' parts combine as xor shuffles 16, 8, 4, 2, 1 do,
/// and lane 0 adds the point's initial value.
std::vector<float> warpSums(const std::vector<float> &x, const std::vector<float> &initial,
                            int rows, int length) {
  std::vector<float> sums(rows);
  for (int point = 0; point < rows; ++point) {
    float parts[32];
    for (int lane = 0; lane < 32; ++lane) {
      parts[lane] = -0.0f;
      for (int k = lane; k < length; k += 32)
        parts[lane] = x[point * length + k] + parts[lane];
    }
    for (int distance = 16; distance >= 1; distance /= 2)
      for (int lane = 0; lane < distance; ++lane)
        parts[lane] = parts[lane + distance] + parts[lane];
    sums[point] = parts[0] + initial[point];
  }
  return sums;
}

TEST(GPULinalgKernelTest, WarpRowsSumInTheShufflesOrder) {
  // Rows of 120 over 40 points, and a pooling's 20 x 20 over 2 x 6
  // channels (two reduction loops, their elements one contiguous row),
  // take a warp each; the host twin sums as the warp does, bit for bit.
  struct Case {
    const char *input, *output, *maps, *iterators;
    int rows, length;
  };
  for (const Case &c : {Case{"40x120", "40", "affine_map<(a,b)->(a,b)>, affine_map<(a,b)->(a)>",
                             R"("parallel","reduction")", 40, 120},
                        Case{"2x6x20x20", "2x6x1x1",
                             "affine_map<(n,c,h,w)->(n,c,h,w)>, affine_map<(n,c,h,w)->(n,c,0,0)>",
                             R"("parallel","parallel","reduction","reduction")", 12, 400}}) {
    std::string in = c.input, out = c.output;
    const std::string source = "func.func @main(%x: tensor<" + in + "xf32>, %init: tensor<" + out +
                               "xf32>) -> tensor<" + out +
                               "xf32> {\n  %m = linalg.generic {indexing_maps = [" + c.maps +
                               "], iterator_types = [" + c.iterators + "]} ins(%x : tensor<" + in +
                               "xf32>) outs(%init : tensor<" + out + R"(xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %s = arith.addf %v, %acc : f32
    linalg.yield %s : f32
  } -> tensor<)" + out + "xf32>\n  return %m : tensor<" +
                               out + "xf32>\n}";
    TwoModules modules(source);
    ASSERT_TRUE(modules.nested) << source;
    replaceWithLoopNest(*modules.nested);
    std::mt19937 random(11);
    std::normal_distribution<float> normal(0.f, 2.f);
    std::vector<std::vector<float>> inputs{std::vector<float>(size_t(c.rows * c.length)),
                                           std::vector<float>(size_t(c.rows))};
    for (auto &input : inputs)
      for (float &v : input)
        v = normal(random);
    std::vector<float> expected = warpSums(inputs[0], inputs[1], c.rows, c.length);
    auto actual = run(*modules.nested, inputs, {size_t(c.rows)});
    EXPECT_EQ(0, std::memcmp(expected.data(), actual[0].data(), expected.size() * sizeof(float)))
        << source;
  }
}

TEST(GPULinalgKernelTest, ReductionStartsFromItsFill) {
  // A row maximum whose output a fill of -inf initializes: the accumulator
  // starts from -inf in a register, and the output buffer (NaNs here) is
  // only written.
  expectSameAsOp(R"(
func.func @main(%x: tensor<6x300xf32>) -> tensor<6xf32> {
  %lowest = arith.constant 0xFF800000 : f32
  %e = tensor.empty() : tensor<6xf32>
  %f = linalg.fill ins(%lowest : f32) outs(%e : tensor<6xf32>) -> tensor<6xf32>
  %m = linalg.generic {indexing_maps = [affine_map<(a,b)->(a,b)>, affine_map<(a,b)->(a)>],
                       iterator_types = ["parallel","reduction"]}
      ins(%x : tensor<6x300xf32>) outs(%f : tensor<6xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %r = arith.maximumf %v, %acc : f32
    linalg.yield %r : f32
  } -> tensor<6xf32>
  return %m : tensor<6xf32>
})",
                 {1800}, {6}, /*exact=*/true, Start::Fill);
}

TEST(GPULinalgKernelTest, ReductionStartsFromItsBroadcastBias) {
  // A depthwise convolution (3x3, stride 2 along W) whose output starts as
  // its bias broadcast over channels: each accumulator starts from its
  // channel's bias, loaded from the bias itself; the output buffer (NaNs
  // here) is only written. Same sums in the same order: the same bits.
  expectSameAsOp(R"(
func.func @main(%x: tensor<1x5x9x17xf32>, %w: tensor<5x3x3xf32>, %b: tensor<5xf32>)
    -> tensor<1x5x7x8xf32> {
  %e = tensor.empty() : tensor<1x5x7x8xf32>
  %init = linalg.generic {indexing_maps = [affine_map<(n,c,h,w)->(c)>,
                                           affine_map<(n,c,h,w)->(n,c,h,w)>],
                          iterator_types = ["parallel","parallel","parallel","parallel"]}
      ins(%b : tensor<5xf32>) outs(%e : tensor<1x5x7x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x5x7x8xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(n,c,h,w,kh,kw)->(n,c,h+kh,w*2+kw)>,
                                        affine_map<(n,c,h,w,kh,kw)->(c,kh,kw)>,
                                        affine_map<(n,c,h,w,kh,kw)->(n,c,h,w)>],
                       iterator_types = ["parallel","parallel","parallel","parallel",
                                         "reduction","reduction"]}
      ins(%x, %w : tensor<1x5x9x17xf32>, tensor<5x3x3xf32>) outs(%init : tensor<1x5x7x8xf32>) {
  ^bb0(%in: f32, %k: f32, %acc: f32):
    %p = arith.mulf %in, %k : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x5x7x8xf32>
  return %y : tensor<1x5x7x8xf32>
})",
                 {765, 45, 5}, {280}, /*exact=*/true, Start::Broadcast);
}

TEST(GPULinalgKernelTest, AnOutputReadInPlaceKeepsItsValue) {
  // An elementwise op that reads its output (x + out) cannot start from a
  // constant: buildLinalgKernel says so, and the caller copies the value.
  DialectRegistry registry;
  quantc::registerAllDialects(registry);
  MLIRContext context(registry);
  auto module = parseSourceString<ModuleOp>(R"(
func.func @main(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %one = arith.constant 1.0 : f32
  %e = tensor.empty() : tensor<4x8xf32>
  %f = linalg.fill ins(%one : f32) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(a,b)->(a,b)>, affine_map<(a,b)->(a,b)>],
                       iterator_types = ["parallel","parallel"]}
      ins(%x : tensor<4x8xf32>) outs(%f : tensor<4x8xf32>) {
  ^bb0(%v: f32, %out: f32):
    %s = arith.addf %v, %out : f32
    linalg.yield %s : f32
  } -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
})",
                                            &context);
  ASSERT_TRUE(module);
  linalg::GenericOp op;
  module->walk([&](linalg::GenericOp found) { op = found; });
  auto kernel = quantc::codegen::gpu::buildLinalgKernel(
      op, "nest",
      {{1u, cast<TypedAttr>(FloatAttr::get(Float32Type::get(&context), 1.0)), Value(),
        AffineMap()}});
  ASSERT_FALSE(bool(kernel));
  EXPECT_EQ(llvm::toString(kernel.takeError()),
            "linalg.generic reads an output other than as an accumulator's start");
}

/// A qkernel.depthwise_conv_integer over [1, 11, 13, 20] int8 codes (the
/// full range, -128 and 127 included; 20 channels leave a tail on the CPU's
/// vectors), as the CPU kernel computes it and as depthwiseAsLinalg's
/// kernel does (its loop nest on the CPU): the same bytes.
void expectDepthwiseSameAsCPU(int64_t kh, int64_t kw, std::array<int64_t, 2> strides,
                              std::array<int64_t, 2> dilations, std::array<int64_t, 4> pads,
                              int64_t zeroPoint, bool biasAndEpilogue) {
  int64_t h = 11, w = 13, c = 20;
  int64_t oh = (h + pads[0] + pads[2] - dilations[0] * (kh - 1) - 1) / strides[0] + 1;
  int64_t ow = (w + pads[1] + pads[3] - dilations[1] * (kw - 1) - 1) / strides[1] + 1;
  std::mt19937 random(unsigned(kh * 100 + kw + zeroPoint));
  std::uniform_int_distribution<int> byte(-128, 127);
  std::string weights, bias, shifts;
  for (int64_t i = 0; i < kh * kw * c; ++i)
    weights += (i ? ", " : "") + std::to_string(i < 2 ? (i ? 127 : -128) : byte(random));
  for (int64_t i = 0; i < c; ++i) {
    bias += (i ? ", " : "") + std::to_string(byte(random) * 1000);
    shifts += (i ? ", " : "") + std::to_string(4 + i % 5);
  }
  auto array = [](auto values) {
    std::string text;
    for (int64_t v : values)
      text += (text.empty() ? "" : ", ") + std::to_string(v);
    return text;
  };
  std::string shape = "1x" + std::to_string(oh) + "x" + std::to_string(ow) + "x20";
  std::string result = biasAndEpilogue ? "tensor<" + shape + "xi8>" : "tensor<" + shape + "xi32>";
  std::string source =
      "func.func @main(%x: tensor<1x11x13x20xi8>) -> " + result +
      " {\n"
      "  %w = arith.constant dense<[" +
      weights + "]> : tensor<" + std::to_string(kh * kw * c) +
      "xi8>\n  %ws = tensor.expand_shape %w [[0, 1, 2]] output_shape [" + std::to_string(kh) +
      ", " + std::to_string(kw) + ", 20] : tensor<" + std::to_string(kh * kw * c) +
      "xi8> into tensor<" + std::to_string(kh) + "x" + std::to_string(kw) + "x20xi8>\n" +
      (biasAndEpilogue ? "  %b = arith.constant dense<[" + bias + "]> : tensor<20xi32>\n" : "") +
      "  %y = qkernel.depthwise_conv_integer %x, %ws" + (biasAndEpilogue ? " bias %b" : "") +
      " {strides = array<i64: " + array(strides) + ">, dilations = array<i64: " + array(dilations) +
      ">, pads = array<i64: " + array(pads) + ">, input_zero_point = " + std::to_string(zeroPoint) +
      " : i64} : (tensor<1x11x13x20xi8>, "
      "tensor<" +
      std::to_string(kh) + "x" + std::to_string(kw) + "x20xi8>" +
      (biasAndEpilogue ? ", tensor<20xi32>" : "") + ") -> " + result +
      (biasAndEpilogue
           ? " epilogue {\n  ^bb0(%acc: i32, %ch: index):\n"
             "    %t = arith.constant dense<[" +
                 shifts +
                 "]> : tensor<20xi32>\n"
                 "    %s = tensor.extract %t[%ch] : tensor<20xi32>\n"
                 "    %q = arith.shrsi %acc, %s : i32\n"
                 "    %lo = arith.constant -128 : i32\n    %hi = arith.constant 127 : i32\n"
                 "    %c = arith.maxsi %q, %lo : i32\n    %d = arith.minsi %c, %hi : i32\n"
                 "    %r = arith.trunci %d : i32 to i8\n    qkernel.yield %r : i8\n  }\n"
           : "\n") +
      "  return %y : " + result + "\n}";
  TwoModules modules(source);
  ASSERT_TRUE(modules.reference && modules.nested) << source;
  ModuleOp reference = *modules.reference, nested = *modules.nested;
  quantc::qkernel::DepthwiseConvIntegerOp op;
  nested.walk([&](quantc::qkernel::DepthwiseConvIntegerOp found) { op = found; });
  ASSERT_TRUE(op);
  quantc::gpu::depthwiseAsLinalg(op);
  replaceWithLoopNest(nested);

  // int8 codes and results as bytes in the float buffers `run` takes.
  std::vector<int8_t> codes(size_t(h * w * c));
  for (int8_t &v : codes)
    v = int8_t(byte(random));
  codes[0] = -128;
  codes[1] = 127;
  codes[2] = int8_t(zeroPoint);
  std::vector<float> input((codes.size() + 3) / 4);
  std::memcpy(input.data(), codes.data(), codes.size());
  size_t bytes = size_t(oh * ow * c) * (biasAndEpilogue ? 1 : 4);
  auto expected = run(reference, {input}, {(bytes + 3) / 4});
  auto actual = run(nested, {input}, {(bytes + 3) / 4});
  EXPECT_EQ(0, std::memcmp(expected[0].data(), actual[0].data(), bytes)) << source;
}

TEST(GPULinalgKernelTest, IntegerDepthwiseMatchesTheCPUKernel) {
  // 3x3 with bias and a requantizing epilogue, the zero point -128.
  expectDepthwiseSameAsCPU(3, 3, {1, 1}, {1, 1}, {1, 1, 1, 1}, -128, true);
  // 9x9 (81 taps, the most a kernel unrolls), stride 2, asymmetric pads,
  // the zero point 127, int32 sums.
  expectDepthwiseSameAsCPU(9, 9, {2, 2}, {1, 1}, {4, 3, 4, 5}, 127, false);
  // Strides (2, 1), dilations (2, 3).
  expectDepthwiseSameAsCPU(3, 3, {2, 1}, {2, 3}, {2, 3, 2, 3}, 5, true);
}

TEST(GPULinalgKernelTest, ReductionOverAnOuterDim) {
  // The reduced dim comes first: the nest puts the parallel dims outside.
  expectSameAsOp(R"(
func.func @main(%x: tensor<6x5x7xf32>, %init: tensor<7xf32>) -> tensor<7xf32> {
  %m = linalg.generic {indexing_maps = [affine_map<(a,b,c)->(a,b,c)>, affine_map<(a,b,c)->(c)>],
                       iterator_types = ["reduction","reduction","parallel"]}
      ins(%x : tensor<6x5x7xf32>) outs(%init : tensor<7xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %s = arith.maximumf %v, %acc : f32
    linalg.yield %s : f32
  } -> tensor<7xf32>
  return %m : tensor<7xf32>
})",
                 {210, 7}, {7});
}

TEST(GPULinalgKernelTest, NamedOpsAndIndices) {
  expectSameAsOp(R"(
func.func @main(%x: tensor<2x3x5xf32>) -> tensor<2x5x3xf32> {
  %e = tensor.empty() : tensor<2x5x3xf32>
  %t = linalg.transpose ins(%x : tensor<2x3x5xf32>) outs(%e : tensor<2x5x3xf32>) permutation = [0, 2, 1]
  return %t : tensor<2x5x3xf32>
})",
                 {30}, {30});
  expectSameAsOp(R"(
func.func @main() -> tensor<33x7xf32> {
  %c = arith.constant -3.5 : f32
  %e = tensor.empty() : tensor<33x7xf32>
  %f = linalg.fill ins(%c : f32) outs(%e : tensor<33x7xf32>) -> tensor<33x7xf32>
  return %f : tensor<33x7xf32>
})",
                 {}, {231});
  // A body on its own indices (a position encoding's kind of op).
  expectSameAsOp(R"(
func.func @main(%x: tensor<4x70xf32>) -> tensor<4x70xf32> {
  %e = tensor.empty() : tensor<4x70xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(a,b)->(a,b)>, affine_map<(a,b)->(a,b)>],
                       iterator_types = ["parallel","parallel"]}
      ins(%x : tensor<4x70xf32>) outs(%e : tensor<4x70xf32>) {
  ^bb0(%in: f32, %out: f32):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %k = arith.muli %i, %j : index
    %n = arith.index_cast %k : index to i32
    %f = arith.sitofp %n : i32 to f32
    %r = arith.addf %in, %f : f32
    linalg.yield %r : f32
  } -> tensor<4x70xf32>
  return %y : tensor<4x70xf32>
})",
                 {280}, {280});
}

TEST(GPULinalgKernelTest, BatchMatmul) {
  // Attention's scores: each thread one output, K summed in order.
  expectSameAsOp(R"(
func.func @main(%a: tensor<8x40x15xf32>, %b: tensor<8x15x40xf32>, %init: tensor<8x40x40xf32>) -> tensor<8x40x40xf32> {
  %y = linalg.batch_matmul ins(%a, %b : tensor<8x40x15xf32>, tensor<8x15x40xf32>)
                           outs(%init : tensor<8x40x40xf32>) -> tensor<8x40x40xf32>
  return %y : tensor<8x40x40xf32>
})",
                 {4800, 4800, 12800}, {12800}, /*exact=*/false);
}

TEST(GPULinalgKernelTest, GathersFromTensorsItExtracts) {
  // A tensor the body reads with tensor.extract (a table, a pad's source,
  // a gather) becomes an argument the nest loads from: here x reversed
  // along its rows and padded by one zero row on each side.
  expectSameAsOp(R"(
func.func @main(%x: tensor<6x5xf32>) -> tensor<8x5xf32> {
  %e = tensor.empty() : tensor<8x5xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(a,b)->(a,b)>], iterator_types = ["parallel","parallel"]}
      outs(%e : tensor<8x5xf32>) {
  ^bb0(%out: f32):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %c0 = arith.constant 0 : index
    %c6 = arith.constant 6 : index
    %c5 = arith.constant 5 : index
    %zero = arith.constant 0.0 : f32
    %from = arith.subi %c6, %i : index
    %inside = arith.cmpi ult, %from, %c6 : index
    %low = arith.maxsi %from, %c0 : index
    %row = arith.minsi %low, %c5 : index
    %v = tensor.extract %x[%row, %j] : tensor<6x5xf32>
    %r = arith.select %inside, %v, %zero : f32
    linalg.yield %r : f32
  } -> tensor<8x5xf32>
  return %y : tensor<8x5xf32>
})",
                 {30}, {40});
}

TEST(GPULinalgKernelTest, RejectsWhatItCannotMap) {
  DialectRegistry registry;
  quantc::registerAllDialects(registry);
  MLIRContext context(registry);
  auto module = parseSourceString<ModuleOp>(R"(
func.func @main(%x: tensor<?x4xf32>, %s: f32, %t: tensor<4xf32>) -> (tensor<?x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %c0 = arith.constant 0 : index
  %d = tensor.dim %x, %c0 : tensor<?x4xf32>
  %e = tensor.empty(%d) : tensor<?x4xf32>
  %y = linalg.copy ins(%x : tensor<?x4xf32>) outs(%e : tensor<?x4xf32>) -> tensor<?x4xf32>
  %e2 = tensor.empty() : tensor<4xf32>
  %f = linalg.fill ins(%s : f32) outs(%e2 : tensor<4xf32>) -> tensor<4xf32>
  %g = linalg.generic {indexing_maps = [affine_map<(a)->(a)>], iterator_types = ["parallel"]}
      outs(%e2 : tensor<4xf32>) {
  ^bb0(%out: f32):
    %v = arith.addf %out, %s : f32
    linalg.yield %v : f32
  } -> tensor<4xf32>
  %h = linalg.generic {indexing_maps = [affine_map<(a)->(a)>], iterator_types = ["parallel"]}
      outs(%e2 : tensor<4xf32>) {
  ^bb0(%out: f32):
    %c1 = arith.constant 1 : index
    %w = tensor.insert %out into %t[%c1] : tensor<4xf32>
    %v = tensor.extract %w[%c1] : tensor<4xf32>
    linalg.yield %v : f32
  } -> tensor<4xf32>
  return %y, %f, %g, %h : tensor<?x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
})",
                                            &context);
  ASSERT_TRUE(module);
  std::vector<std::string> reasons;
  module->walk(
      [&](linalg::LinalgOp op) { reasons.push_back(quantc::codegen::gpu::checkLinalgKernel(op)); });
  ASSERT_EQ(reasons.size(), 4u);
  EXPECT_NE(reasons[0].find("not a static"), std::string::npos) << reasons[0];
  EXPECT_NE(reasons[1].find("scalar operand 0 is not a constant"), std::string::npos) << reasons[1];
  EXPECT_NE(reasons[2].find("from outside that is not a constant"), std::string::npos)
      << reasons[2];
  EXPECT_NE(reasons[3].find("other than by tensor.extract"), std::string::npos) << reasons[3];
}

} // namespace
