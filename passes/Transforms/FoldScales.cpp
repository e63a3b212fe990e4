// qnn-fold-scales: dequantize -> conv -> (quantize) becomes integer
// convolution with an int32 bias and fixed-point requantization.
#include "passes/Transforms/Passes.h"

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

/// The per-tensor int8 activation behind dequantize(quantize(x)), or null.
Value int8Activation(Value value, quant::UniformQuantizedType &type) {
  auto dequantize = value.getDefiningOp<DequantizeOp>();
  if (!dequantize)
    return {};
  auto tensor = cast<RankedTensorType>(dequantize.getInput().getType());
  type = dyn_cast<quant::UniformQuantizedType>(tensor.getElementType());
  if (!type || type.getStorageTypeIntegralWidth() != 8 || !type.isSigned())
    return {};
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

/// Accumulator scales s_x * s_w[c] and the int32 bias
/// round(b[c] / scale[c]) - z_x * weightSums[c] (the zero-point term); fails
/// when the layer's f32 bias is not a constant vector or does not fit int32.
struct FoldedBias {
  std::vector<double> scales;
  std::vector<int32_t> bias;
};
FailureOr<FoldedBias> foldBias(quant::UniformQuantizedType x, ArrayRef<double> weightScales,
                               ArrayRef<int64_t> weightSums, Value floatBias) {
  std::vector<float> b(weightScales.size(), 0.f);
  if (floatBias) {
    auto values = readFloats(floatBias);
    if (!values || values->size() != b.size())
      return failure();
    b = *values;
  }
  FoldedBias folded;
  for (size_t c = 0; c < weightScales.size(); ++c) {
    double scale = double(float(x.getScale()) * float(weightScales[c]));
    double bias =
        std::nearbyint(double(b[c]) / scale) - double(x.getZeroPoint()) * double(weightSums[c]);
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
    quant::UniformQuantizedType x;
    Value activation = int8Activation(conv.getInput(), x);
    auto weight = int8Weight(conv.getWeight(), /*axis=*/0);
    if (!activation || !weight || weight->type.getRank() != 4)
      return failure();
    int64_t channels = weight->type.getDimSize(0);
    int64_t perChannel = int64_t(weight->values.size()) / channels;
    std::vector<int64_t> sums(channels, 0);
    for (int64_t o = 0; o < channels; ++o)
      for (int64_t k = 0; k < perChannel; ++k)
        sums[o] += weight->values[o * perChannel + k];
    auto folded = foldBias(x, weight->scales, sums, conv.getBias());
    if (failed(folded))
      return rewriter.notifyMatchFailure(conv, "bias is not constant or does not fit int32");
    Location loc = conv.getLoc();
    auto accumulatorType = cast<RankedTensorType>(conv.getType()).clone(rewriter.getI32Type());
    Value accumulator = ConvIntegerOp::create(
        rewriter, loc, accumulatorType, storageView(rewriter, loc, activation), weight->storage,
        int32Vector(rewriter, loc, folded->bias), conv.getStridesAttr(), conv.getDilationsAttr(),
        conv.getPadsAttr(), conv.getGroupAttr(), rewriter.getI64IntegerAttr(x.getZeroPoint()));
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
    quant::UniformQuantizedType x;
    Value activation = int8Activation(op->getOperand(0), x);
    auto weight = int8Weight(op->getOperand(1), transB ? 0 : 1);
    if (!activation || !weight || weight->type.getRank() != 2)
      return failure();
    int64_t n = weight->type.getDimSize(transB ? 0 : 1), k = weight->type.getDimSize(transB ? 1 : 0);
    std::vector<int8_t> kn(k * n); // the weight as [K, N]
    std::vector<int64_t> sums(n, 0);
    for (int64_t r = 0; r < k; ++r)
      for (int64_t c = 0; c < n; ++c) {
        kn[r * n + c] = transB ? weight->values[c * k + r] : weight->values[r * n + c];
        sums[c] += kn[r * n + c];
      }
    auto folded = foldBias(x, weight->scales, sums, bias);
    if (failed(folded))
      return rewriter.notifyMatchFailure(op, "bias is not a constant N-vector or does not fit int32");
    Location loc = op->getLoc();
    Value b = transB ? makeInt8Constant(rewriter, loc, RankedTensorType::get({k, n}, rewriter.getI8Type()),
                                        kn, "qweight_kn")
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
    auto storage = dequantize.getInput().getDefiningOp<quant::StorageCastOp>();
    if (!storage || !isa_and_nonnull<ConvIntegerOp, MatMulIntegerOp>(storage.getInput().getDefiningOp()))
      return failure();
    auto accumulatorType = cast<RankedTensorType>(dequantize.getInput().getType());
    auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(accumulatorType.getElementType());
    auto output = dyn_cast<quant::UniformQuantizedType>(
        cast<RankedTensorType>(quantize.getType()).getElementType());
    if (!perAxis || !output)
      return failure();
    SmallVector<int32_t> multipliers;
    SmallVector<int64_t> shifts;
    for (double scale : perAxis.getScales()) {
      auto fixed = toFixedPoint(double(float(scale)) / double(float(output.getScale())));
      if (!fixed)
        return rewriter.notifyMatchFailure(quantize, "rescale out of fixed-point range");
      multipliers.push_back(fixed->multiplier);
      shifts.push_back(fixed->shift);
    }
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
    rewriter.replaceOpWithNewOp<RequantizeOp>(
        quantize, quantize.getType(), storage.getInput(), rewriter.getDenseI32ArrayAttr(multipliers),
        rewriter.getDenseI64ArrayAttr(shifts),
        rewriter.getI64IntegerAttr(perAxis.getQuantizedDimension()), clampMin, clampMax);
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
    patterns.add<FoldRequantize, RemoveRoundTrip>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
} // namespace quantc::qnn
