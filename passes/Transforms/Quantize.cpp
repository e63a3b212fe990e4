// qnn-quantize: integer weights behind qnn.dequantize, and quantize/dequantize
// pairs on layer activation inputs from calibrated ranges.
#include "passes/Transforms/ConstantUtils.h"
#include "passes/Transforms/Layers.h"
#include "passes/Transforms/Passes.h"

#include "quantc/Analysis/Quantizer.h"

#include "quantc/Support/Progress.h"
#include "dialects/QNN/QNNOps.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/Regex.h"

#include <cmath>
#include <limits>

namespace quantc::qnn {
#define GEN_PASS_DEF_QNNQUANTIZEPASS
#include "passes/Transforms/Passes.h.inc"

using namespace mlir;

namespace {

WeightFormatAttr formatOf(MLIRContext *context, const WeightScheme &scheme) {
  return WeightFormatAttr::get(context, scheme.bits, scheme.groupSize,
                               BoolAttr::get(context, scheme.kind == WeightKind::Ternary),
                               BoolAttr::get(context, scheme.symmetric));
}

/// The !quant.uniform element type describing `q`.
Type quantizedElementType(MLIRContext *context, RankedTensorType type, int channelAxis,
                          int groupAxis, int64_t groupChannels, const QuantizedWeights &q) {
  auto i8 = IntegerType::get(context, 8);
  auto f32 = Float32Type::get(context);
  unsigned flags = quant::QuantizationFlags::Signed;
  if (q.perTensor)
    return quant::UniformQuantizedType::get(flags, i8, f32, q.scales[0], q.zeroPoints[0],
                                            q.range.min, q.range.max);
  if (!q.groupSize) {
    SmallVector<double> scales(q.scales.begin(), q.scales.end());
    SmallVector<int64_t> zeroPoints(q.zeroPoints.begin(), q.zeroPoints.end());
    return quant::UniformQuantizedPerAxisType::get(flags, i8, f32, scales, zeroPoints, channelAxis,
                                                   q.range.min, q.range.max);
  }
  // Sub-channel: the parameter tensor has the weight's rank, `rows` along the
  // channel axis and one entry per group along the input-channel axis.
  SmallVector<int64_t> paramShape(type.getRank(), 1);
  paramShape[channelAxis] = type.getDimSize(channelAxis);
  paramShape[groupAxis] = q.groupsPerRow;
  SmallVector<float> scales;
  SmallVector<int8_t> zeroPoints;
  int64_t total = 1;
  for (int64_t d : paramShape)
    total *= d;
  for (int64_t flat = 0; flat < total; ++flat) {
    int64_t rest = flat, row = 0, group = 0;
    for (int64_t d = type.getRank() - 1; d >= 0; --d) {
      int64_t index = rest % paramShape[d];
      rest /= paramShape[d];
      if (d == channelAxis) row = index;
      if (d == groupAxis) group = index;
    }
    scales.push_back(q.scales[row * q.groupsPerRow + group]);
    zeroPoints.push_back(int8_t(q.zeroPoints[row * q.groupsPerRow + group]));
  }
  auto scaleAttr = DenseElementsAttr::get(RankedTensorType::get(paramShape, f32),
                                          ArrayRef<float>(scales));
  auto zeroAttr = DenseElementsAttr::get(RankedTensorType::get(paramShape, i8),
                                         ArrayRef<int8_t>(zeroPoints));
  SmallVector<int32_t> axes{int32_t(channelAxis), int32_t(groupAxis)};
  SmallVector<int64_t> blocks{1, groupChannels};
  if (groupAxis < channelAxis)
    std::swap(axes[0], axes[1]), std::swap(blocks[0], blocks[1]);
  return quant::UniformQuantizedSubChannelType::get(flags, i8, f32, scaleAttr, zeroAttr, axes,
                                                    blocks, q.range.min, q.range.max);
}

/// qnn.dequantize(quant.scast(int8 constant `values`)) as the float `type`,
/// the storage read through the quantized element type `element`: the form
/// of every quantized weight and table.
Value dequantizedConstant(OpBuilder &b, Location loc, RankedTensorType type, Type element,
                          ArrayRef<int8_t> values, StringRef key) {
  Value storage = makeInt8Constant(b, loc, type.clone(b.getI8Type()), values, key);
  Value cast = quant::StorageCastOp::create(b, loc, type.clone(element), storage);
  return DequantizeOp::create(b, loc, type, cast);
}

struct QNNQuantizePass : impl::QNNQuantizePassBase<QNNQuantizePass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    WeightScheme base;
    base.symmetric = symmetric;
    base.groupSize = groupSize;
    base.searchClip = clipSearch;
    std::string error;
    auto rules = parseBitsRules(bits, base, error);
    WeightMethod weightMethod = WeightMethod::RTN;
    std::string methodError = parseWeightMethod(method, weightMethod);
    if (failed(rules) || !methodError.empty() ||
        (actBits != 0 && actBits != 8 && actBits != 16) || groupSize < -1 || embeddingBits == 1 ||
        embeddingBits > 8) {
      if (error.empty())
        error = !methodError.empty() ? methodError
                : embeddingBits == 1 || embeddingBits > 8
                    ? "embedding-bits must be 0 (float) or 2 to 8, got " +
                          std::to_string(embeddingBits)
                : groupSize < -1 ? "group-size must be -1, 0 or positive"
                                 : "act-bits must be 0 (none), 8 or 16, got " +
                                       std::to_string(actBits);
      module.emitError() << "qnn-quantize: " << error;
      return signalPassFailure();
    }
    SmallVector<Operation *> layers;
    module.walk([&](Operation *op) {
      if (isWeightedLayer(op))
        layers.push_back(op);
    });
    // GPTQ and AdaRound need calibration's X^T X. Layers it cannot measure
    // (grouped convolutions, transposed convolutions) fall back to round to
    // nearest, but a module with none at all among layers it can measure
    // was not calibrated for them.
    if (weightMethod != WeightMethod::RTN &&
        !llvm::all_of(layers, isGroupedOrTransposedConv) &&
        llvm::none_of(layers, [](Operation *op) { return op->hasAttr("qnn.hessian"); })) {
      layers.front()->emitError() << "qnn-quantize{method=" << method
                                  << "}: no layer has a qnn.hessian; run "
                                     "qnn-calibrate{hessians=true} first";
      return signalPassFailure();
    }
    {
      // Round to nearest takes moments; GPTQ and AdaRound take minutes on rec.
      Progress progress("rounding (" + method.getValue() + ")",
                        weightMethod == WeightMethod::RTN ? 0 : layers.size(), "layers");
      for (Operation *op : layers) {
        if (failed(quantizeWeight(op, *rules, base, weightMethod)))
          return signalPassFailure();
        progress.advance();
      }
    }
    if (embeddingBits)
      module.walk([&](GatherOp gather) { quantizeEmbedding(gather, base); });
    if (actBits)
      for (Operation *op : layers)
        if (failed(quantizeActivations(op)))
          return signalPassFailure();
    for (Operation *op : layers)
      for (StringRef stat : {"qnn.input_mean", "qnn.input_absmax", "qnn.act_range16",
                             "qnn.input_channel_bounds"})
        op->removeAttr(stat); // calibration leftovers
    // Float weights no layer reads any more.
    module.walk([](ConstantOp constant) {
      if (constant->use_empty())
        constant->erase();
    });
  }

  LogicalResult quantizeWeight(Operation *op, const std::vector<BitsRule> &rules,
                               const WeightScheme &base, WeightMethod weightMethod) {
    Value weight = floatWeight(op);
    if (!weight)
      return success();
    auto scheme = layerScheme(op, rules, base);
    if (!scheme)
      return success();
    auto type = cast<RankedTensorType>(weight.getType());
    std::optional<std::vector<double>> hessian;
    if (weightMethod != WeightMethod::RTN && op->hasAttr("qnn.hessian")) {
      hessian = layerHessian(op);
      int64_t columns = type.getNumElements() / type.getDimSize(weightChannelAxis(op));
      if (!hessian)
        return op->emitError() << "qnn-quantize{method=" << method << "}: layer '" << layerName(op)
                               << "' has a qnn.hessian that is not " << columns << "x" << columns
                               << " f32";
    }
    auto layer = quantizeLayerWeight(op, *scheme, hessian ? &*hessian : nullptr, weightMethod,
                                     /*finalWeights=*/true);
    if (!layer)
      return success();
    const QuantizedWeights &q = layer->quantized;
    int channelAxis = layer->channelAxis;
    WeightScheme used = layer->scheme;
    MLIRContext *context = op->getContext();
    Type element =
        quantizedElementType(context, type, channelAxis, layer->groupAxis, used.groupSize, q);
    OpBuilder b(op);
    op->setOperand(1, dequantizedConstant(b, weight.getLoc(), type, element, q.values, "qweight"));
    if (biasCorrection)
      correctBias(op, *layer);
    op->removeAttr("qnn.input_mean");
    op->setAttr("qnn.weight_format", formatOf(context, used));
    op->removeAttr("qnn.hessian");
    return success();
  }

  /// Embedding tables smaller than this stay float: they cost little and
  /// small gathers of constants are often index tables in disguise.
  static constexpr int64_t kMinEmbeddingElements = 65536;

  /// A gather along axis 0 of a constant f32 [rows, columns] table reads
  /// quantized rows: round to nearest per row, or per group of columns.
  void quantizeEmbedding(GatherOp gather, const WeightScheme &base) {
    Value table = gather.getInput();
    auto type = cast<RankedTensorType>(table.getType());
    if (type.getRank() != 2 || !type.hasStaticShape() || !type.getElementType().isF32() ||
        type.getNumElements() < kMinEmbeddingElements ||
        (gather.getAxis() != 0 && gather.getAxis() != -2) || !table.getDefiningOp<ConstantOp>())
      return;
    auto values = readFloats(table);
    if (!values)
      return;
    std::vector<int64_t> shape(type.getShape().begin(), type.getShape().end());
    WeightScheme scheme = base;
    scheme.bits = embeddingBits;
    scheme.kind = WeightKind::Uniform;
    int64_t columns = shape[1];
    if (scheme.groupSize > 0 && (columns <= scheme.groupSize || columns % scheme.groupSize))
      scheme.groupSize = 0;
    WeightLayout layout = WeightLayout::fromAxes(shape, /*channelAxis=*/0);
    QuantizedWeights q = quantizeWeights(*values, layout, scheme);
    if (q.groupSize > 0) // grouped: f16 scales, as the layers' (Quantizer.h)
      roundScalesToHalf(q);
    MLIRContext *context = gather.getContext();
    Type element = quantizedElementType(context, type, /*channelAxis=*/0, /*groupAxis=*/1,
                                        scheme.groupSize, q);
    OpBuilder b(gather);
    gather->setOperand(0,
                       dequantizedConstant(b, table.getLoc(), type, element, q.values, "qembedding"));
    gather->setAttr("qnn.weight_format", formatOf(context, scheme));
  }

  /// Bias correction (Nagel et al. 2019): the quantized layer's output
  /// shifts by (W_q - W) E[x] on average; the bias takes it back.
  void correctBias(Operation *op, const QuantizedLayerWeight &layer) {
    auto means = op->getAttrOfType<DenseF64ArrayAttr>("qnn.input_mean");
    if (!means)
      return;
    // One mean per (input channel, kernel element): E[x] of that column.
    std::vector<float> approx = dequantizeWeights(layer.quantized, layer.layout);
    std::vector<double> shift(layer.layout.rows, 0.0);
    int64_t kernel = columnsPerInputChannel(op);
    for (int64_t r = 0; r < layer.layout.rows; ++r)
      for (int64_t c = 0; c < layer.layout.columns; ++c) {
        int64_t index = inputChannelOf(op, r, c) * kernel + c % kernel;
        if (index < 0 || index >= int64_t(means.size()))
          return; // statistics of another shape: nothing to trust
        int64_t at = layer.layout.offset(r, c);
        shift[r] += (double(approx[at]) - layer.original[at]) * means[index];
      }
    shiftLayerBias(op, shift, "bias_corrected");
  }

  /// The layer's activation width: `qnn.act_bits` from the allocation
  /// (--act-bits auto), else the pass option. 16-bit inputs take the
  /// `qnn.act_range16` min/max range when calibration recorded it (the
  /// 8-bit range may clip; 16 bits need not).
  LogicalResult quantizeActivations(Operation *op) {
    unsigned bits = actBits;
    if (auto chosen = op->getAttrOfType<IntegerAttr>("qnn.act_bits"))
      bits = unsigned(chosen.getInt());
    if (bits != 8 && bits != 16)
      return op->emitError() << "qnn-quantize: layer '" << layerName(op)
                             << "' has activation width " << bits << " (8 or 16 only)";
    auto wide = op->getAttrOfType<DenseF64ArrayAttr>("qnn.act_range16");
    for (OpOperand &operand : op->getOpOperands()) {
      Value value = operand.get();
      if (!llvm::is_contained(activationInputs(op), value) || value.getDefiningOp<DequantizeOp>())
        continue;
      auto range = calibratedRange(value);
      if (bits == 16 && wide && wide.size() == 2 && operand.getOperandNumber() == 0)
        range = std::make_pair(wide[0], wide[1]);
      if (!range)
        return op->emitError() << "qnn-quantize: activation input " << operand.getOperandNumber()
                               << " of layer '" << layerName(op)
                               << "' has no calibrated range; run qnn-calibrate first";
      auto bounds = op->getAttrOfType<DenseF64ArrayAttr>("qnn.input_channel_bounds");
      if (bits == 8 && bounds && operand.getOperandNumber() == 0 && isDepthwise(op) &&
          int64_t(bounds.size()) == cast<RankedTensorType>(value.getType()).getDimSize(1)) {
        operand.set(insertChannelQuantizePair(value, bounds.asArrayRef()));
        continue;
      }
      auto key = std::make_pair(value, bits);
      auto it = quantized.find(key);
      if (it == quantized.end())
        it = quantized.try_emplace(key, insertQuantizePair(value, *range, bits)).first;
      operand.set(it->second);
    }
    return success();
  }

  Value insertQuantizePair(Value value, std::pair<double, double> range, unsigned bits) {
    MLIRContext *context = value.getContext();
    ActivationParams p = activationParams(range.first, range.second, bits, actSymmetric);
    auto storage = IntegerType::get(context, bits);
    auto type = cast<RankedTensorType>(value.getType());
    return quantizePair(value, quant::UniformQuantizedType::get(
                                   quant::QuantizationFlags::Signed, storage, type.getElementType(),
                                   p.scale, p.zeroPoint, p.qmin, p.qmax));
  }

  /// dequantize(quantize(value)) through the quantized element type `element`.
  static Value quantizePair(Value value, quant::QuantizedType element) {
    OpBuilder b(value.getContext());
    b.setInsertionPointAfterValue(value);
    auto type = cast<RankedTensorType>(value.getType());
    Value q = QuantizeOp::create(b, value.getLoc(), RankedTensorType::get(type.getShape(), element),
                                 value);
    return DequantizeOp::create(b, value.getLoc(), type, q);
  }

  /// int8 per input channel (axis 1), symmetric: [-bound_c, bound_c] in
  /// [-127, 127] (qnn-calibrate's qnn.input_channel_bounds).
  Value insertChannelQuantizePair(Value value, ArrayRef<double> bounds) {
    auto found = channelQuantized.find(value);
    if (found != channelQuantized.end())
      return found->second;
    MLIRContext *context = value.getContext();
    SmallVector<double> scales;
    for (double bound : bounds)
      scales.push_back(activationParams(-bound, bound, 8, /*symmetric=*/true).scale);
    auto type = cast<RankedTensorType>(value.getType());
    auto element = quant::UniformQuantizedPerAxisType::get(
        quant::QuantizationFlags::Signed, IntegerType::get(context, 8), type.getElementType(),
        scales, SmallVector<int64_t>(scales.size(), 0), /*quantizedDimension=*/1, -127, 127);
    return channelQuantized.try_emplace(value, quantizePair(value, element)).first->second;
  }

  llvm::DenseMap<std::pair<Value, unsigned>, Value> quantized; // one pair per tensor and width
  llvm::DenseMap<Value, Value> channelQuantized;              // per-channel int8 pairs
};

} // namespace
} // namespace quantc::qnn
