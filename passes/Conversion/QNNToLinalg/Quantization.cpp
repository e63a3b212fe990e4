// Lowering of qnn.quantize / qnn.dequantize to linalg.generic over the
// integer storage type; per-tensor, per-axis and sub-channel parameters.
#include "Lowering.h"
#include "passes/Transforms/ConstantUtils.h"
#include "quantc/Codegen/Requantize.h"

#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/Transforms/DialectConversion.h"

namespace quantc::lowering {

using namespace mlir;

namespace {

/// Scale and zero point of every element: scalars, or tables indexed through
/// an affine map of the iteration space.
struct QuantParams {
  Value scale, zeroPoint;         // scalars (per tensor), or tables
  AffineMap map;                  // iteration space -> table index (tables only)
  bool isTable() const { return bool(map); }
};

QuantParams paramsOf(OpBuilder &b, Location loc, RankedTensorType type) {
  MLIRContext *context = b.getContext();
  auto f32 = b.getF32Type();
  auto i32 = b.getI32Type();
  Type element = type.getElementType();
  QuantParams params;
  int64_t rank = type.getRank();
  if (auto uniform = dyn_cast<quant::UniformQuantizedType>(element)) {
    params.scale = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(float(uniform.getScale())));
    params.zeroPoint =
        arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(int32_t(uniform.getZeroPoint())));
    return params;
  }
  if (auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(element)) {
    SmallVector<float> scales(perAxis.getScales().begin(), perAxis.getScales().end());
    SmallVector<int32_t> zeros(perAxis.getZeroPoints().begin(), perAxis.getZeroPoints().end());
    int64_t count = int64_t(scales.size());
    params.scale = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(RankedTensorType::get({count}, f32), ArrayRef<float>(scales)));
    params.zeroPoint = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(RankedTensorType::get({count}, i32), ArrayRef<int32_t>(zeros)));
    params.map = AffineMap::get(rank, 0, getAffineDimExpr(perAxis.getQuantizedDimension(), context));
    return params;
  }
  auto subChannel = cast<quant::UniformQuantizedSubChannelType>(element);
  DenseElementsAttr scales = subChannel.getScales(), zeros = subChannel.getZeroPoints();
  auto paramShape = cast<ShapedType>(scales.getType()).getShape();
  SmallVector<float> scaleValues;
  for (APFloat v : scales.getValues<APFloat>())
    scaleValues.push_back(float(v.convertToDouble()));
  SmallVector<int32_t> zeroValues;
  for (APInt v : zeros.getValues<APInt>())
    zeroValues.push_back(int32_t(v.getSExtValue()));
  params.scale = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(RankedTensorType::get(paramShape, f32), ArrayRef<float>(scaleValues)));
  params.zeroPoint = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(RankedTensorType::get(paramShape, i32), ArrayRef<int32_t>(zeroValues)));
  SmallVector<AffineExpr> index;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t block = type.getDimSize(d) / paramShape[d];
    AffineExpr dim = getAffineDimExpr(d, context);
    index.push_back(paramShape[d] == 1 ? getAffineConstantExpr(0, context)
                    : block == 1       ? dim
                                       : dim.floorDiv(block));
  }
  params.map = AffineMap::get(rank, 0, index, context);
  return params;
}

/// A generic over `input` (plus parameter tables) producing `resultType`.
Value mapWithParams(OpBuilder &b, Location loc, Value input, RankedTensorType resultType,
                    const QuantParams &params,
                    function_ref<Value(OpBuilder &, Location, Value, Value, Value)> body) {
  MLIRContext *context = b.getContext();
  int64_t rank = resultType.getRank();
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, context);
  SmallVector<Value> inputs{input};
  SmallVector<AffineMap> maps{identity};
  if (params.isTable()) {
    inputs.append({params.scale, params.zeroPoint});
    maps.append({params.map, params.map});
  }
  maps.push_back(identity);
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, resultType, inputs, emptyTensor(b, loc, resultType), maps, iterators,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        Value scale = params.isTable() ? args[1] : params.scale;
        Value zero = params.isTable() ? args[2] : params.zeroPoint;
        linalg::YieldOp::create(nested, nestedLoc, body(nested, nestedLoc, args[0], scale, zero));
      });
  return generic.getResult(0);
}

RankedTensorType storageTensorType(RankedTensorType quantized) {
  auto element = cast<quant::QuantizedType>(quantized.getElementType());
  return RankedTensorType::get(quantized.getShape(), element.getStorageType());
}

/// (q - zero_point) * scale, computed as float(int32(q) - zp) * scale.
/// Constant int8 weights no packed kernel reads (depthwise convolutions,
/// for one) up to this many elements are dequantized at compile time: a
/// loop that recomputes the same floats on every run costs run time, and
/// LLVM unrolls it into thousands of instructions. Larger ones stay int8
/// in the artifact, dequantized as they are read.
constexpr int64_t kFoldedDequantizeElements = 65536;

/// (q - zero point) * scale of a constant int8 tensor with per-tensor or
/// per-axis parameters, computed as the lowered loop computes it (int32
/// difference, f32 conversion and product: the same bits); none otherwise.
std::optional<DenseElementsAttr> foldDequantize(qnn::DequantizeOp op) {
  auto quantized = cast<RankedTensorType>(op.getInput().getType());
  auto storageCast = op.getInput().getDefiningOp<quant::StorageCastOp>();
  if (!storageCast || !quantized.hasStaticShape() || quantized.getNumElements() > kFoldedDequantizeElements)
    return std::nullopt;
  Type element = quantized.getElementType();
  auto uniform = dyn_cast<quant::UniformQuantizedType>(element);
  auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(element);
  if (!uniform && !perAxis)
    return std::nullopt;
  std::optional<std::vector<int8_t>> codes = qnn::readInt8(storageCast.getInput());
  if (!codes || int64_t(codes->size()) != quantized.getNumElements())
    return std::nullopt;
  // Elements of one quantized-axis index are `inner` apart in a run of `axisSize`.
  int64_t axisSize = 1, inner = 1;
  if (perAxis) {
    int32_t axis = perAxis.getQuantizedDimension();
    axisSize = quantized.getDimSize(axis);
    for (int64_t d = axis + 1; d < quantized.getRank(); ++d)
      inner *= quantized.getDimSize(d);
  }
  std::vector<float> values(codes->size());
  for (size_t i = 0; i < values.size(); ++i) {
    int64_t channel = perAxis ? int64_t(i) / inner % axisSize : 0;
    float scale = float(perAxis ? perAxis.getScales()[channel] : uniform.getScale());
    auto zero = int32_t(perAxis ? perAxis.getZeroPoints()[channel] : uniform.getZeroPoint());
    values[i] = float(int32_t((*codes)[i]) - zero) * scale;
  }
  return DenseElementsAttr::get(cast<RankedTensorType>(op.getType()), ArrayRef<float>(values));
}

struct DequantizeLowering : OpConversionPattern<qnn::DequantizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(qnn::DequantizeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    if (std::optional<DenseElementsAttr> folded = foldDequantize(op)) {
      rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, *folded);
      return success();
    }
    Value input = adaptor.getInput();
    auto quantized = cast<RankedTensorType>(input.getType());
    auto storageType = storageTensorType(quantized);
    Value stored;
    if (auto cast = input.getDefiningOp<quant::StorageCastOp>();
        cast && cast.getInput().getType() == storageType)
      stored = cast.getInput();
    else
      stored = quant::StorageCastOp::create(rewriter, loc, storageType, input);
    QuantParams params = paramsOf(rewriter, loc, quantized);
    auto resultType = cast<RankedTensorType>(op.getType());
    Value result = mapWithParams(
        rewriter, loc, stored, resultType, params,
        [&](OpBuilder &b, Location l, Value q, Value scale, Value zero) {
          return dequantizeBody(b, l, q, scale, zero);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// clamp(roundeven(x / scale) + zero_point) into the storage range.
struct QuantizeLowering : OpConversionPattern<qnn::QuantizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(qnn::QuantizeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto quantized = cast<RankedTensorType>(op.getType());
    auto element = cast<quant::QuantizedType>(quantized.getElementType());
    auto storageType = storageTensorType(quantized);
    QuantParams params = paramsOf(rewriter, loc, quantized);
    double lo = double(element.getStorageTypeMin()), hi = double(element.getStorageTypeMax());
    Value stored = mapWithParams(
        rewriter, loc, adaptor.getInput(), storageType, params,
        [&](OpBuilder &b, Location l, Value x, Value scale, Value zero) {
          return quantizeBody(b, l, x, scale, zero, lo, hi, storageType.getElementType());
        });
    rewriter.replaceOpWithNewOp<quant::StorageCastOp>(op, quantized, stored);
    return success();
  }
};

/// (int64(acc) * multiplier + 2^(shift-1)) >> shift, + zero point, saturate
/// (codegen::emitRequantize, shared with the integer kernels' epilogue).
struct RequantizeLowering : OpConversionPattern<qnn::RequantizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(qnn::RequantizeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *context = rewriter.getContext();
    auto quantized = cast<RankedTensorType>(op.getType());
    auto element = cast<quant::UniformQuantizedType>(quantized.getElementType());
    auto storageType = storageTensorType(quantized);
    auto i64 = rewriter.getI64Type();
    int64_t rank = quantized.getRank(), channels = int64_t(op.getMultipliers().size());
    SmallVector<int64_t> multipliers(op.getMultipliers().begin(), op.getMultipliers().end());
    SmallVector<int64_t> shifts(op.getShifts().begin(), op.getShifts().end());
    auto tableType = RankedTensorType::get({channels}, i64);
    Value multiplierTable = arith::ConstantOp::create(
        rewriter, loc, DenseElementsAttr::get(tableType, ArrayRef<int64_t>(multipliers)));
    Value shiftTable = arith::ConstantOp::create(
        rewriter, loc, DenseElementsAttr::get(tableType, ArrayRef<int64_t>(shifts)));
    AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, context);
    AffineMap channel = op.getAxis() < 0
                            ? AffineMap::get(rank, 0, getAffineConstantExpr(0, context))
                            : AffineMap::get(rank, 0, getAffineDimExpr(op.getAxis(), context));
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    int64_t zero = element.getZeroPoint();
    int64_t lo = op.getClampMin().value_or(element.getStorageTypeMin());
    int64_t hi = op.getClampMax().value_or(element.getStorageTypeMax());
    auto generic = linalg::GenericOp::create(
        rewriter, loc, storageType, ValueRange{adaptor.getInput(), multiplierTable, shiftTable},
        emptyTensor(rewriter, loc, storageType), {identity, channel, channel, identity}, iterators,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value one = arith::ConstantOp::create(b, l, b.getI64IntegerAttr(1));
          Value half = arith::ShLIOp::create(b, l, one, arith::SubIOp::create(b, l, args[2], one));
          linalg::YieldOp::create(b, l,
                                  codegen::emitRequantize(b, l, args[0], args[1], half, args[2],
                                                          zero, lo, hi,
                                                          storageType.getElementType()));
        });
    rewriter.replaceOpWithNewOp<quant::StorageCastOp>(op, quantized, generic.getResult(0));
    return success();
  }
};

/// table[q + 128], the table an i8 constant the loop reads from.
struct LookupTableLowering : OpConversionPattern<qnn::LookupTableOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(qnn::LookupTableOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *context = rewriter.getContext();
    auto inputType = cast<RankedTensorType>(adaptor.getInput().getType());
    auto quantized = cast<RankedTensorType>(op.getType());
    auto storageType = storageTensorType(quantized);
    Value stored = quant::StorageCastOp::create(rewriter, loc, storageTensorType(inputType),
                                                adaptor.getInput());
    auto tableType = RankedTensorType::get({256}, rewriter.getI8Type());
    Value table = arith::ConstantOp::create(
        rewriter, loc, DenseElementsAttr::get(tableType, op.getTable()));
    int64_t rank = quantized.getRank();
    AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, context);
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, storageType, ValueRange{stored}, emptyTensor(rewriter, loc, storageType),
        {identity, identity}, iterators, [&](OpBuilder &b, Location l, ValueRange args) {
          Value index = arith::AddIOp::create(
              b, l, arith::IndexCastOp::create(b, l, b.getIndexType(), args[0]),
              arith::ConstantIndexOp::create(b, l, 128));
          linalg::YieldOp::create(b, l,
                                  tensor::ExtractOp::create(b, l, table, ValueRange{index}).getResult());
        });
    rewriter.replaceOpWithNewOp<quant::StorageCastOp>(op, quantized, generic.getResult(0));
    return success();
  }
};

} // namespace

Value dequantizeBody(OpBuilder &b, Location loc, Value q, Value scale, Value zero) {
  Value wide = q.getType() == b.getI32Type()
                   ? q
                   : arith::ExtSIOp::create(b, loc, b.getI32Type(), q).getResult();
  Value centered = arith::SubIOp::create(b, loc, wide, zero);
  Value real = arith::SIToFPOp::create(b, loc, b.getF32Type(), centered);
  return arith::MulFOp::create(b, loc, real, scale);
}

Value quantizeBody(OpBuilder &b, Location loc, Value x, Value scale, Value zero, double lo,
                   double hi, Type storage) {
  Value scaled = arith::DivFOp::create(b, loc, x, scale);
  Value rounded = math::RoundEvenOp::create(b, loc, scaled);
  Value shifted = arith::AddFOp::create(b, loc, rounded,
                                        arith::SIToFPOp::create(b, loc, b.getF32Type(), zero));
  Value clamped = arith::MinimumFOp::create(
      b, loc, arith::MaximumFOp::create(b, loc, shifted, scalarConstant(b, loc, b.getF32Type(), lo)),
      scalarConstant(b, loc, b.getF32Type(), hi));
  return arith::FPToSIOp::create(b, loc, storage, clamped);
}

void populateQuantizationPatterns(RewritePatternSet &patterns) {
  patterns.add<QuantizeLowering, DequantizeLowering, RequantizeLowering, LookupTableLowering>(patterns.getContext());
}

} // namespace quantc::lowering
