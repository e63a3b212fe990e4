// qnn-fold-scales: dequantize -> conv -> (quantize) becomes integer
// convolution with an int32 bias and fixed-point requantization.
#include "passes/Transforms/Layers.h"
#include "passes/Transforms/Passes.h"

#include "quantc/Analysis/ActivationTable.h"
#include "quantc/Analysis/Quantizer.h"

#include "dialects/QNN/QNNOps.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "passes/Transforms/ConstantUtils.h"

#include <cmath>
#include <limits>

namespace quantc::qnn {
#define GEN_PASS_DEF_QNNFOLDSCALESPASS
#include "passes/Transforms/Passes.h.inc"

using namespace mlir;

namespace {

/// Per-output-channel weight scales (channels along `axis`) when every zero
/// point is 0.
std::optional<std::vector<double>> symmetricWeightScales(Type element, int64_t channels,
                                                         int32_t axis = 0) {
  if (auto uniform = dyn_cast<quant::UniformQuantizedType>(element)) {
    if (uniform.getZeroPoint() != 0)
      return std::nullopt;
    return std::vector<double>(channels, uniform.getScale());
  }
  auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(element);
  if (!perAxis || perAxis.getQuantizedDimension() != axis ||
      llvm::any_of(perAxis.getZeroPoints(), [](int64_t z) { return z != 0; }))
    return std::nullopt;
  return std::vector<double>(perAxis.getScales().begin(), perAxis.getScales().end());
}

/// An int8 activation's quantization: one scale, or one per channel (axis
/// 1, zero point 0: depthwise inputs).
struct ActivationScales {
  std::vector<double> scales;
  int64_t zeroPoint = 0;
  /// The input scale output channel `o` of `outputs` accumulates in.
  double forOutput(int64_t o, int64_t outputs) const {
    if (scales.size() == 1)
      return scales[0];
    return scales[size_t(o / (outputs / int64_t(scales.size())))];
  }
};

/// The int8 activation behind dequantize(quantize(x)), or null: per tensor,
/// or per channel along axis 1 with zero points 0 when `perChannel`.
Value int8Activation(Value value, ActivationScales &params, bool perChannel = false) {
  auto dequantize = value.getDefiningOp<DequantizeOp>();
  if (!dequantize)
    return {};
  auto tensor = cast<RankedTensorType>(dequantize.getInput().getType());
  auto element = dyn_cast<quant::QuantizedType>(tensor.getElementType());
  if (!element || element.getStorageTypeIntegralWidth() != 8 || !element.isSigned())
    return {};
  if (auto uniform = dyn_cast<quant::UniformQuantizedType>(element)) {
    params = {{uniform.getScale()}, uniform.getZeroPoint()};
    return dequantize.getInput();
  }
  auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(element);
  if (!perChannel || !perAxis || perAxis.getQuantizedDimension() != 1 ||
      llvm::any_of(perAxis.getZeroPoints(), [](int64_t z) { return z != 0; }))
    return {};
  params = {std::vector<double>(perAxis.getScales().begin(), perAxis.getScales().end()), 0};
  return dequantize.getInput();
}

/// A dequantized int8 constant weight with zero points 0.
struct Int8Weight {
  Value storage;              // the i8 constant
  RankedTensorType type;      // its quantized type
  std::vector<int8_t> values; // in the constant's layout
  std::vector<double> scales; // one per output channel
};

/// `weight` = dequantize(scast(i8 constant)), channels along `axis`.
std::optional<Int8Weight> int8Weight(Value weight, int32_t axis) {
  auto dequantize = weight.getDefiningOp<DequantizeOp>();
  auto storage = dequantize ? dequantize.getInput().getDefiningOp<quant::StorageCastOp>() : nullptr;
  if (!storage)
    return std::nullopt;
  auto type = cast<RankedTensorType>(dequantize.getInput().getType());
  auto element = cast<quant::QuantizedType>(type.getElementType());
  if (element.getStorageTypeIntegralWidth() != 8 || axis >= type.getRank())
    return std::nullopt;
  auto scales = symmetricWeightScales(element, type.getDimSize(axis), axis);
  auto values = readInt8(storage.getInput());
  if (!scales || !values)
    return std::nullopt;
  return Int8Weight{storage.getInput(), type, std::move(*values), std::move(*scales)};
}

/// A dead channel (weights near 0, say 1e-17, but a bias of order 1) has an
/// accumulator scale s_x * s_w[c] so small that its folded bias overflows
/// int32. Such a channel is requantized with a coarser scale s_w[c] * 2^j
/// (codes q / 2^j, rounded half to even) until the bias fits: its weights
/// contribute nothing measurable next to the bias anyway. `at(c, i)` is the
/// index of the channel's i-th weight in `weight.values`. True when any
/// channel changed.
bool coarsenDeadChannels(Int8Weight &weight, int64_t perChannel, const ActivationScales &x,
                         ArrayRef<float> bias, llvm::function_ref<int64_t(int64_t, int64_t)> at) {
  const double limit = double(1 << 29); // leaves room for the zero-point term
  bool changed = false;
  int64_t outputs = int64_t(weight.scales.size());
  for (size_t c = 0; c < weight.scales.size(); ++c) {
    double scale = double(float(x.forOutput(int64_t(c), outputs)) * float(weight.scales[c]));
    double ratio = std::fabs(double(bias[c])) / scale;
    if (!(ratio > limit) || !std::isfinite(ratio))
      continue;
    int shift = int(std::ceil(std::log2(ratio / limit)));
    double factor = std::ldexp(1.0, shift);
    for (int64_t i = 0; i < perChannel; ++i) {
      int8_t &q = weight.values[at(int64_t(c), i)];
      q = int8_t(std::nearbyint(double(q) / factor));
    }
    weight.scales[c] *= factor;
    changed = true;
  }
  return changed;
}

/// The layer's f32 bias as `channels` values (zeros without one), or nullopt
/// when it is not a constant vector of that size.
std::optional<std::vector<float>> biasValues(Value floatBias, size_t channels) {
  if (!floatBias)
    return std::vector<float>(channels, 0.f);
  auto values = readFloats(floatBias);
  if (!values || values->size() != channels)
    return std::nullopt;
  return values;
}

/// Accumulator scales s_x * s_w[c] and the int32 bias
/// round(b[c] / scale[c]) - z_x * weightSums[c] (the zero-point term); fails
/// when a bias does not fit int32.
struct FoldedBias {
  std::vector<double> scales;
  std::vector<int32_t> bias;
};
FailureOr<FoldedBias> foldBias(const ActivationScales &x, ArrayRef<double> weightScales,
                               ArrayRef<int64_t> weightSums, ArrayRef<float> b) {
  FoldedBias folded;
  int64_t outputs = int64_t(weightScales.size());
  for (size_t c = 0; c < weightScales.size(); ++c) {
    double scale = double(float(x.forOutput(int64_t(c), outputs)) * float(weightScales[c]));
    double bias =
        std::nearbyint(double(b[c]) / scale) - double(x.zeroPoint) * double(weightSums[c]);
    if (std::fabs(bias) > double(std::numeric_limits<int32_t>::max()) / 2)
      return failure();
    folded.scales.push_back(scale);
    folded.bias.push_back(int32_t(bias));
  }
  return folded;
}

Value int32Vector(PatternRewriter &rewriter, Location loc, ArrayRef<int32_t> values) {
  auto type = RankedTensorType::get({int64_t(values.size())}, rewriter.getI32Type());
  return ConstantOp::create(rewriter, loc, DenseElementsAttr::get(type, values));
}

Value storageView(PatternRewriter &rewriter, Location loc, Value quantized) {
  auto type = cast<RankedTensorType>(quantized.getType());
  auto storage = cast<quant::QuantizedType>(type.getElementType()).getStorageType();
  return quant::StorageCastOp::create(rewriter, loc, type.clone(storage), quantized);
}

/// Replaces `op` by dequantize(accumulator) with per-channel `scales` along
/// `axis`; the layer's discardable attributes move to the dequantize.
void replaceByDequantizedAccumulator(PatternRewriter &rewriter, Operation *op, Value accumulator,
                                     ArrayRef<double> scales, int32_t axis) {
  auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
  auto element = quant::UniformQuantizedPerAxisType::get(
      quant::QuantizationFlags::Signed, rewriter.getI32Type(), rewriter.getF32Type(), scales,
      SmallVector<int64_t>(scales.size(), 0), axis, std::numeric_limits<int32_t>::min(),
      std::numeric_limits<int32_t>::max());
  Value typed = quant::StorageCastOp::create(rewriter, op->getLoc(), resultType.clone(element),
                                             accumulator);
  auto dequantized = DequantizeOp::create(rewriter, op->getLoc(), resultType, typed);
  for (NamedAttribute attribute : op->getDiscardableAttrs())
    dequantized->setAttr(attribute.getName(), attribute.getValue());
  rewriter.replaceOp(op, dequantized.getResult());
}

struct FoldConvScales : OpRewritePattern<ConvOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ConvOp conv, PatternRewriter &rewriter) const override {
    ActivationScales x;
    // Per-channel inputs fold where each output channel reads one input channel.
    Value activation = int8Activation(conv.getInput(), x, /*perChannel=*/isDepthwise(conv));
    auto weight = int8Weight(conv.getWeight(), /*axis=*/0);
    if (!activation || !weight || weight->type.getRank() != 4)
      return failure();
    int64_t channels = weight->type.getDimSize(0);
    int64_t perChannel = int64_t(weight->values.size()) / channels;
    auto bias = biasValues(conv.getBias(), size_t(channels));
    if (!bias)
      return rewriter.notifyMatchFailure(conv, "bias is not a constant vector");
    bool coarsened = coarsenDeadChannels(*weight, perChannel, x, *bias,
                                         [&](int64_t c, int64_t i) { return c * perChannel + i; });
    std::vector<int64_t> sums(channels, 0);
    for (int64_t o = 0; o < channels; ++o)
      for (int64_t k = 0; k < perChannel; ++k)
        sums[o] += weight->values[o * perChannel + k];
    auto folded = foldBias(x, weight->scales, sums, *bias);
    if (failed(folded))
      return rewriter.notifyMatchFailure(conv, "bias does not fit int32");
    Location loc = conv.getLoc();
    if (coarsened)
      weight->storage = makeInt8Constant(rewriter, loc, weight->type.clone(rewriter.getI8Type()),
                                         weight->values, "qweight_coarsened");
    auto accumulatorType = cast<RankedTensorType>(conv.getType()).clone(rewriter.getI32Type());
    Value accumulator = ConvIntegerOp::create(
        rewriter, loc, accumulatorType, storageView(rewriter, loc, activation), weight->storage,
        int32Vector(rewriter, loc, folded->bias), conv.getStridesAttr(), conv.getDilationsAttr(),
        conv.getPadsAttr(), conv.getGroupAttr(), rewriter.getI64IntegerAttr(x.zeroPoint));
    replaceByDequantizedAccumulator(rewriter, conv, accumulator, folded->scales, /*axis=*/1);
    return success();
  }
};

/// MatMul / Gemm with a dequantized int8 weight [K, N] (or [N, K] with
/// trans_b) -> qnn.matmul_integer + per-column dequantize.
struct FoldMatrixScales : RewritePattern {
  FoldMatrixScales(MLIRContext *context) : RewritePattern(MatchAnyOpTypeTag(), 2, context) {}
  LogicalResult matchAndRewrite(Operation *op, PatternRewriter &rewriter) const override {
    bool transB = false;
    Value bias;
    if (auto gemm = dyn_cast<GemmOp>(op)) {
      if (gemm.getTransA() || gemm.getAlpha().convertToDouble() != 1.0 ||
          gemm.getBeta().convertToDouble() != 1.0)
        return failure();
      transB = gemm.getTransB();
      bias = gemm.getC();
    } else if (!isa<MatMulOp>(op)) {
      return failure();
    }
    ActivationScales x;
    Value activation = int8Activation(op->getOperand(0), x);
    auto weight = int8Weight(op->getOperand(1), transB ? 0 : 1);
    if (!activation || !weight || weight->type.getRank() != 2)
      return failure();
    int64_t n = weight->type.getDimSize(transB ? 0 : 1), k = weight->type.getDimSize(transB ? 1 : 0);
    auto biasFloats = biasValues(bias, size_t(n));
    if (!biasFloats)
      return rewriter.notifyMatchFailure(op, "bias is not a constant N-vector");
    bool coarsened = coarsenDeadChannels(*weight, k, x, *biasFloats, [&](int64_t c, int64_t i) {
      return transB ? c * k + i : i * n + c;
    });
    std::vector<int8_t> kn(k * n); // the weight as [K, N]
    std::vector<int64_t> sums(n, 0);
    for (int64_t r = 0; r < k; ++r)
      for (int64_t c = 0; c < n; ++c) {
        kn[r * n + c] = transB ? weight->values[c * k + r] : weight->values[r * n + c];
        sums[c] += kn[r * n + c];
      }
    auto folded = foldBias(x, weight->scales, sums, *biasFloats);
    if (failed(folded))
      return rewriter.notifyMatchFailure(op, "bias does not fit int32");
    Location loc = op->getLoc();
    Value b = transB || coarsened
                  ? makeInt8Constant(rewriter, loc,
                                     RankedTensorType::get({k, n}, rewriter.getI8Type()), kn,
                                     "qweight_kn")
                  : weight->storage;
    auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
    Value accumulator = MatMulIntegerOp::create(
        rewriter, loc, resultType.clone(rewriter.getI32Type()),
        storageView(rewriter, loc, activation), b, int32Vector(rewriter, loc, folded->bias));
    replaceByDequantizedAccumulator(rewriter, op, accumulator, folded->scales,
                                    int32_t(resultType.getRank() - 1));
    return success();
  }
};

/// The int32 accumulator of an integer layer behind dequantize(scast(acc)).
struct Accumulator {
  Value value;
  quant::UniformQuantizedPerAxisType type; // its per-channel scales
};
std::optional<Accumulator> accumulatorBehind(DequantizeOp dequantize) {
  auto storage = dequantize ? dequantize.getInput().getDefiningOp<quant::StorageCastOp>() : nullptr;
  if (!storage || !isa_and_nonnull<ConvIntegerOp, MatMulIntegerOp>(storage.getInput().getDefiningOp()))
    return std::nullopt;
  auto accumulatorType = cast<RankedTensorType>(dequantize.getInput().getType());
  auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(accumulatorType.getElementType());
  if (!perAxis)
    return std::nullopt;
  return Accumulator{storage.getInput(), perAxis};
}

/// requantize(accumulator) into `output`, or failure when a channel's rescale
/// s_acc[c] / s_out has no fixed-point form.
FailureOr<Value> requantizeInto(PatternRewriter &rewriter, Location loc, const Accumulator &accumulator,
                                RankedTensorType output, IntegerAttr clampMin = {},
                                IntegerAttr clampMax = {}) {
  auto outputType = cast<quant::UniformQuantizedType>(output.getElementType());
  SmallVector<int32_t> multipliers;
  SmallVector<int64_t> shifts;
  for (double scale : accumulator.type.getScales()) {
    auto fixed = toFixedPoint(double(float(scale)) / double(float(outputType.getScale())));
    if (!fixed)
      return failure();
    multipliers.push_back(fixed->multiplier);
    shifts.push_back(fixed->shift);
  }
  return RequantizeOp::create(rewriter, loc, output, accumulator.value,
                              rewriter.getDenseI32ArrayAttr(multipliers),
                              rewriter.getDenseI64ArrayAttr(shifts),
                              rewriter.getI64IntegerAttr(accumulator.type.getQuantizedDimension()),
                              clampMin, clampMax)
      .getResult();
}

/// quantize([relu|clip](dequantize(int32 accumulator))) -> requantize(accumulator),
/// the activation as a clamp in the quantized domain (exact: rounding is monotonic
/// and maps 0 and the clip bounds to integers).
struct FoldRequantize : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(QuantizeOp quantize, PatternRewriter &rewriter) const override {
    Value input = quantize.getInput();
    Operation *activation = input.getDefiningOp();
    if (activation && isa<ReluOp, ClipOp>(activation) && activation->hasOneUse())
      input = activation->getOperand(0);
    else
      activation = nullptr;
    auto dequantize = input.getDefiningOp<DequantizeOp>();
    if (!dequantize || (activation && !dequantize->hasOneUse()))
      return failure();
    auto accumulator = accumulatorBehind(dequantize);
    auto output = dyn_cast<quant::UniformQuantizedType>(
        cast<RankedTensorType>(quantize.getType()).getElementType());
    if (!accumulator || !output)
      return failure();
    IntegerAttr clampMin, clampMax;
    if (activation) {
      int64_t lo = output.getStorageTypeMin(), hi = output.getStorageTypeMax();
      auto toQuantized = [&](double value) {
        return std::clamp<int64_t>(
            int64_t(std::nearbyint(float(value) / float(output.getScale()))) + output.getZeroPoint(),
            lo, hi);
      };
      std::optional<double> low = 0.0, high;
      if (auto clip = dyn_cast<ClipOp>(activation)) {
        low = clip.getMin() ? std::optional<double>(clip.getMin()->convertToDouble()) : std::nullopt;
        high = clip.getMax() ? std::optional<double>(clip.getMax()->convertToDouble()) : std::nullopt;
      }
      if (low)
        clampMin = rewriter.getI64IntegerAttr(toQuantized(*low));
      if (high)
        clampMax = rewriter.getI64IntegerAttr(toQuantized(*high));
    }
    auto requantized = requantizeInto(rewriter, quantize.getLoc(), *accumulator, quantize.getType(),
                                      clampMin, clampMax);
    if (failed(requantized))
      return rewriter.notifyMatchFailure(quantize, "rescale out of fixed-point range");
    rewriter.replaceOp(quantize, *requantized);
    return success();
  }
};

/// A unary activation op as a tabulated function.
struct Tabulated {
  TableActivation kind;
  float alpha = 0, beta = 0; // HardSigmoid only
};
std::optional<Tabulated> tabulated(Operation *op) {
  if (isa<HardSwishOp>(op))
    return Tabulated{TableActivation::HardSwish};
  if (isa<SigmoidOp>(op))
    return Tabulated{TableActivation::Sigmoid};
  if (isa<TanhOp>(op))
    return Tabulated{TableActivation::Tanh};
  if (auto hard = dyn_cast<HardSigmoidOp>(op))
    return Tabulated{TableActivation::HardSigmoid, hard.getAlpha().convertToFloat(),
                     hard.getBeta().convertToFloat()};
  return std::nullopt;
}

/// One elementwise step y -> op(y, c) with a scalar constant c.
std::optional<std::function<float(float)>> scalarStep(Operation *op, Value &inner) {
  if (!isa<MulOp, AddOp, SubOp, DivOp>(op) || !op->hasOneUse())
    return std::nullopt;
  for (int position : {1, 0}) {
    auto constant = readFloats(op->getOperand(position));
    Value other = op->getOperand(1 - position);
    if (!constant || constant->size() != 1 || other.getType() != op->getResult(0).getType())
      continue;
    float c = (*constant)[0];
    inner = other;
    if (isa<MulOp>(op))
      return [c](float y) { return y * c; };
    if (isa<AddOp>(op))
      return [c](float y) { return y + c; };
    if (isa<SubOp>(op))
      return position == 1 ? std::function<float(float)>([c](float y) { return y - c; })
                           : std::function<float(float)>([c](float y) { return c - y; });
    if (position == 1)
      return [c](float y) { return y / c; };
  }
  return std::nullopt;
}

/// quantize([scalar affine](act(dequantize(int32 accumulator)))) for a smooth
/// activation -> lookup_table(requantize(accumulator) into act's int8
/// pre-activation domain): the activation, and the scalar Mul/Add/Sub/Div
/// steps after it (PP-LCNetV3's learnable affine), run as one table read per
/// element. The pre-activation is rounded to 255 steps over the range where
/// the int8 output still changes (ActivationTable.h), the only error this
/// adds; the pattern applies only where that rounding is finer than the
/// output's.
struct FoldTabulatedActivation : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(QuantizeOp quantize, PatternRewriter &rewriter) const override {
    Value value = quantize.getInput();
    std::vector<std::function<float(float)>> steps; // last step first
    while (Operation *op = value.getDefiningOp()) {
      auto step = scalarStep(op, value);
      if (!step)
        break;
      steps.push_back(*step);
    }
    Operation *activation = value.getDefiningOp();
    auto kind = activation ? tabulated(activation) : std::nullopt;
    if (!kind || !activation->hasOneUse())
      return failure();
    auto dequantize = activation->getOperand(0).getDefiningOp<DequantizeOp>();
    if (!dequantize || !dequantize->hasOneUse())
      return failure();
    auto accumulator = accumulatorBehind(dequantize);
    auto output = dyn_cast<quant::UniformQuantizedType>(
        cast<RankedTensorType>(quantize.getType()).getElementType());
    if (!accumulator || !output || output.getStorageTypeIntegralWidth() != 8 ||
        output.getStorageTypeMin() != -128 || output.getStorageTypeMax() != 127)
      return failure();
    std::function<float(float)> after = [steps](float y) {
      for (auto step = steps.rbegin(); step != steps.rend(); ++step)
        y = (*step)(y);
      return y;
    };
    Int8Affine out{float(output.getScale()), int32_t(output.getZeroPoint())};
    auto domain = preActivationDomain(kind->kind, kind->alpha, kind->beta, out, after);
    if (!domain)
      return rewriter.notifyMatchFailure(quantize, "degenerate output range");
    auto preType = quant::UniformQuantizedType::get(
        quant::QuantizationFlags::Signed, rewriter.getI8Type(), rewriter.getF32Type(), domain->scale,
        domain->zeroPoint, -128, 127);
    auto f = activationFunction(kind->kind, kind->alpha, kind->beta);
    auto table = activationTable([&](float x) { return after(f(x)); }, *domain, out);
    // Only where the int8 pre-activation is as fine as the output (neighbours
    // at most one output step apart); otherwise the float epilogue, which
    // the lowering fuses into one loop with the dequantize and quantize,
    // stays more accurate.
    for (size_t i = 0; i + 1 < table.size(); ++i)
      if (std::abs(int(table[i + 1]) - int(table[i])) > 1)
        return rewriter.notifyMatchFailure(quantize, "an int8 table would be coarser than the output");
    auto outputType = cast<RankedTensorType>(quantize.getType());
    auto requantized = requantizeInto(rewriter, quantize.getLoc(), *accumulator,
                                      outputType.clone(preType));
    if (failed(requantized))
      return rewriter.notifyMatchFailure(quantize, "rescale out of fixed-point range");
    std::string name = activation->getName().stripDialect().str();
    if (!steps.empty())
      name += " + scalar affine";
    rewriter.replaceOpWithNewOp<LookupTableOp>(
        quantize, outputType, *requantized,
        rewriter.getDenseI8ArrayAttr(ArrayRef<int8_t>(table.data(), table.size())),
        rewriter.getStringAttr(name));
    return success();
  }
};

/// Per-channel factors along `axis` of a constant that broadcasts to `shape`
/// only along that axis (or is a scalar), or nullopt.
std::optional<std::vector<double>> channelFactors(Value constant, ArrayRef<int64_t> shape,
                                                  int64_t axis) {
  auto type = dyn_cast<RankedTensorType>(constant.getType());
  auto values = readFloats(constant);
  if (!type || !values || type.getRank() > int64_t(shape.size()))
    return std::nullopt;
  int64_t channels = shape[axis], offset = int64_t(shape.size()) - type.getRank();
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.getDimSize(d) != 1 && (d + offset != axis || type.getDimSize(d) != channels))
      return std::nullopt;
  std::vector<double> factors(channels);
  for (int64_t c = 0; c < channels; ++c)
    factors[c] = values->size() == 1 ? (*values)[0] : (*values)[c];
  return factors;
}

/// mul(dequantize(int32 accumulator), k) or div(..., k) with a positive
/// constant k per channel (or scalar) -> dequantize with scales s * k (s / k):
/// the factor lands in the accumulator's scales, and from there in the
/// requantize multiplier of the next int8 layer.
struct FoldConstantScale : RewritePattern {
  FoldConstantScale(MLIRContext *context) : RewritePattern(MatchAnyOpTypeTag(), 1, context) {}
  LogicalResult matchAndRewrite(Operation *op, PatternRewriter &rewriter) const override {
    bool divide = isa<DivOp>(op);
    if (!isa<MulOp, DivOp>(op))
      return failure();
    int position = op->getOperand(0).getDefiningOp<DequantizeOp>() ? 0 : 1;
    if (divide && position != 0)
      return failure();
    auto dequantize = op->getOperand(position).getDefiningOp<DequantizeOp>();
    auto accumulator = accumulatorBehind(dequantize);
    if (!accumulator || !dequantize->hasOneUse() || op->getResult(0).getType() != dequantize.getType())
      return failure();
    auto shape = dequantize.getType().getShape();
    int64_t axis = accumulator->type.getQuantizedDimension();
    auto factors = channelFactors(op->getOperand(1 - position), shape, axis);
    if (!factors || llvm::any_of(*factors, [](double k) { return !(k > 0) || !std::isfinite(k); }))
      return rewriter.notifyMatchFailure(op, "not a positive per-channel constant");
    SmallVector<double> scales;
    for (auto [scale, k] : llvm::zip(accumulator->type.getScales(), *factors))
      scales.push_back(divide ? scale / k : scale * k);
    auto element = quant::UniformQuantizedPerAxisType::get(
        accumulator->type.getFlags(), accumulator->type.getStorageType(),
        accumulator->type.getExpressedType(), scales, accumulator->type.getZeroPoints(), int32_t(axis),
        accumulator->type.getStorageTypeMin(), accumulator->type.getStorageTypeMax());
    Location loc = op->getLoc();
    auto accumulatorType = cast<RankedTensorType>(dequantize.getInput().getType());
    Value typed = quant::StorageCastOp::create(rewriter, loc, accumulatorType.clone(element),
                                               accumulator->value);
    auto folded = DequantizeOp::create(rewriter, loc, dequantize.getType(), typed);
    for (NamedAttribute attribute : dequantize->getDiscardableAttrs())
      folded->setAttr(attribute.getName(), attribute.getValue());
    rewriter.replaceOp(op, folded.getResult());
    return success();
  }
};

/// quantize(dequantize(q)) to q's own type is q.
struct RemoveRoundTrip : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(QuantizeOp quantize, PatternRewriter &rewriter) const override {
    auto dequantize = quantize.getInput().getDefiningOp<DequantizeOp>();
    if (!dequantize || dequantize.getInput().getType() != quantize.getType())
      return failure();
    rewriter.replaceOp(quantize, dequantize.getInput());
    return success();
  }
};

struct QNNFoldScalesPass : impl::QNNFoldScalesPassBase<QNNFoldScalesPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldConvScales>(&getContext(), /*benefit=*/2);
    patterns.add<FoldMatrixScales>(&getContext());
    patterns.add<FoldRequantize, FoldTabulatedActivation, FoldConstantScale, RemoveRoundTrip>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns)))) {
      getOperation().emitError("qnn-fold-scales: rewriting did not converge");
      signalPassFailure();
    }
  }
};

} // namespace
} // namespace quantc::qnn
