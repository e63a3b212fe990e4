// qnn-fold-scales: dequantize -> conv -> (quantize) becomes integer
// convolution with an int32 bias and fixed-point requantization.
#include "passes/Transforms/Passes.h"

#include "quantc/Analysis/Quantizer.h"

#include "dialects/QNN/QNNOps.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "passes/Transforms/ConstantUtils.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace quantc::qnn {
#define GEN_PASS_DEF_QNNFOLDSCALESPASS
#include "passes/Transforms/Passes.h.inc"

using namespace mlir;

namespace {

/// The int8 values of a constant (blob or literal).
std::optional<std::vector<int8_t>> readInt8(Value value) {
  ElementsAttr attr;
  if (!value || !matchPattern(value, m_Constant(&attr)))
    return std::nullopt;
  auto type = cast<ShapedType>(attr.getType());
  if (!type.getElementType().isSignlessInteger(8))
    return std::nullopt;
  size_t count = type.getNumElements();
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob || blob->getData().size() != count)
      return std::nullopt;
    std::vector<int8_t> values(count);
    std::memcpy(values.data(), blob->getData().data(), count);
    return values;
  }
  auto dense = dyn_cast<DenseElementsAttr>(attr);
  if (!dense)
    return std::nullopt;
  std::vector<int8_t> values;
  for (const APInt &v : dense.getValues<APInt>())
    values.push_back(int8_t(v.getSExtValue()));
  return values;
}

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

struct FoldConvScales : OpRewritePattern<ConvOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ConvOp conv, PatternRewriter &rewriter) const override {
    auto inputType = cast<RankedTensorType>(conv.getInput().getType());
    if (inputType.getRank() != 4)
      return failure();
    auto inputDq = conv.getInput().getDefiningOp<DequantizeOp>();
    auto weightDq = conv.getWeight().getDefiningOp<DequantizeOp>();
    if (!inputDq || !weightDq)
      return failure();
    Value activation = inputDq.getInput();
    auto activationType = cast<RankedTensorType>(activation.getType());
    auto x = dyn_cast<quant::UniformQuantizedType>(activationType.getElementType());
    if (!x || x.getStorageTypeIntegralWidth() != 8 || !x.isSigned())
      return failure();
    auto storage = weightDq.getInput().getDefiningOp<quant::StorageCastOp>();
    auto weightType = storage ? dyn_cast<RankedTensorType>(weightDq.getInput().getType()) : nullptr;
    if (!weightType)
      return failure();
    auto weightElement = dyn_cast<quant::QuantizedType>(weightType.getElementType());
    int64_t channels = weightType.getDimSize(0);
    auto weightScales = symmetricWeightScales(weightElement, channels);
    auto weights = readInt8(storage.getInput());
    if (!weightScales || !weights || weightElement.getStorageTypeIntegralWidth() != 8)
      return failure();
    std::vector<float> bias(channels, 0.f);
    if (conv.getBias()) {
      auto values = readFloats(conv.getBias());
      if (!values)
        return failure();
      bias = *values;
    }
    // int32 bias: round(b / (s_x s_w)) - z_x * sum(w_q) (the zero-point term).
    int64_t perChannel = int64_t(weights->size()) / channels;
    std::vector<double> accumulatorScales(channels);
    std::vector<int32_t> integerBias(channels);
    for (int64_t o = 0; o < channels; ++o) {
      accumulatorScales[o] = double(float(x.getScale()) * float((*weightScales)[o]));
      int64_t sum = 0;
      for (int64_t k = 0; k < perChannel; ++k)
        sum += (*weights)[o * perChannel + k];
      double folded = std::nearbyint(double(bias[o]) / accumulatorScales[o]) -
                      double(x.getZeroPoint()) * double(sum);
      if (std::fabs(folded) > double(std::numeric_limits<int32_t>::max()) / 2)
        return rewriter.notifyMatchFailure(conv, "bias does not fit the int32 accumulator");
      integerBias[o] = int32_t(folded);
    }
    Location loc = conv.getLoc();
    auto i8Input = RankedTensorType::get(activationType.getShape(), rewriter.getI8Type());
    Value input = quant::StorageCastOp::create(rewriter, loc, i8Input, activation);
    auto biasType = RankedTensorType::get({channels}, rewriter.getI32Type());
    Value biasConstant = ConstantOp::create(
        rewriter, loc, DenseElementsAttr::get(biasType, ArrayRef<int32_t>(integerBias)));
    auto resultShape = cast<RankedTensorType>(conv.getType()).getShape();
    auto accumulatorType = RankedTensorType::get(resultShape, rewriter.getI32Type());
    Value accumulator = ConvIntegerOp::create(
        rewriter, loc, accumulatorType, input, storage.getInput(), biasConstant,
        conv.getStridesAttr(), conv.getDilationsAttr(), conv.getPadsAttr(), conv.getGroupAttr(),
        rewriter.getI64IntegerAttr(x.getZeroPoint()));
    auto i32 = rewriter.getI32Type();
    auto accumulatorElement = quant::UniformQuantizedPerAxisType::get(
        quant::QuantizationFlags::Signed, i32, rewriter.getF32Type(), accumulatorScales,
        SmallVector<int64_t>(channels, 0), /*quantizedDimension=*/1,
        std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max());
    Value typed = quant::StorageCastOp::create(
        rewriter, loc, RankedTensorType::get(resultShape, accumulatorElement), accumulator);
    auto dequantized = DequantizeOp::create(rewriter, loc, conv.getType(), typed);
    for (NamedAttribute attribute : conv->getDiscardableAttrs())
      dequantized->setAttr(attribute.getName(), attribute.getValue());
    rewriter.replaceOp(conv, dequantized.getResult());
    return success();
  }
};

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
    auto weightDq = op->getOperand(1).getDefiningOp<DequantizeOp>();
    if (!activation || !weightDq)
      return failure();
    auto storage = weightDq.getInput().getDefiningOp<quant::StorageCastOp>();
    auto weightType = cast<RankedTensorType>(weightDq.getInput().getType());
    if (!storage || weightType.getRank() != 2)
      return failure();
    auto weightElement = cast<quant::QuantizedType>(weightType.getElementType());
    int64_t n = weightType.getDimSize(transB ? 0 : 1), k = weightType.getDimSize(transB ? 1 : 0);
    auto weightScales = symmetricWeightScales(weightElement, n, transB ? 0 : 1);
    auto weights = readInt8(storage.getInput());
    if (!weightScales || !weights || weightElement.getStorageTypeIntegralWidth() != 8)
      return failure();
    std::vector<float> floatBias(n, 0.f);
    if (bias) {
      auto values = readFloats(bias);
      if (!values || int64_t(values->size()) != n)
        return rewriter.notifyMatchFailure(op, "bias is not a constant vector of N values");
      floatBias = *values;
    }
    std::vector<int8_t> kn(k * n); // the weight as [K, N]
    for (int64_t r = 0; r < k; ++r)
      for (int64_t c = 0; c < n; ++c)
        kn[r * n + c] = transB ? (*weights)[c * k + r] : (*weights)[r * n + c];
    std::vector<double> accumulatorScales(n);
    std::vector<int32_t> integerBias(n);
    for (int64_t c = 0; c < n; ++c) {
      accumulatorScales[c] = double(float(x.getScale()) * float((*weightScales)[c]));
      int64_t sum = 0;
      for (int64_t r = 0; r < k; ++r)
        sum += kn[r * n + c];
      double folded = std::nearbyint(double(floatBias[c]) / accumulatorScales[c]) -
                      double(x.getZeroPoint()) * double(sum);
      if (std::fabs(folded) > double(std::numeric_limits<int32_t>::max()) / 2)
        return rewriter.notifyMatchFailure(op, "bias does not fit the int32 accumulator");
      integerBias[c] = int32_t(folded);
    }
    Location loc = op->getLoc();
    auto activationType = cast<RankedTensorType>(activation.getType());
    Value a = quant::StorageCastOp::create(
        rewriter, loc, RankedTensorType::get(activationType.getShape(), rewriter.getI8Type()),
        activation);
    auto knType = RankedTensorType::get({k, n}, rewriter.getI8Type());
    Value b = transB ? makeInt8Constant(rewriter, loc, knType, kn, "qweight_kn")
                     : storage.getInput();
    Value biasConstant = ConstantOp::create(
        rewriter, loc,
        DenseElementsAttr::get(RankedTensorType::get({n}, rewriter.getI32Type()),
                               ArrayRef<int32_t>(integerBias)));
    auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
    auto accumulatorType = RankedTensorType::get(resultType.getShape(), rewriter.getI32Type());
    Value accumulator = MatMulIntegerOp::create(rewriter, loc, accumulatorType, a, b, biasConstant);
    auto accumulatorElement = quant::UniformQuantizedPerAxisType::get(
        quant::QuantizationFlags::Signed, rewriter.getI32Type(), rewriter.getF32Type(),
        accumulatorScales, SmallVector<int64_t>(n, 0), int32_t(resultType.getRank() - 1),
        std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max());
    Value typed = quant::StorageCastOp::create(
        rewriter, loc, RankedTensorType::get(resultType.getShape(), accumulatorElement), accumulator);
    auto dequantized = DequantizeOp::create(rewriter, loc, resultType, typed);
    for (NamedAttribute attribute : op->getDiscardableAttrs())
      dequantized->setAttr(attribute.getName(), attribute.getValue());
    rewriter.replaceOp(op, dequantized.getResult());
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
