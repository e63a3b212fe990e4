// convert-qnn-to-linalg: constants, reshapes, transpose, slice, concat, gather, pad, resize.
#include "passes/Conversion/QNNToLinalg/Lowering.h"

#include "dialects/QNN/QNNShapeUtils.h"
#include "mlir/Transforms/DialectConversion.h"

#include <cmath>

using namespace mlir;
using namespace quantc::qnn;

namespace quantc::lowering {
namespace {

struct ConstantLowering : OpConversionPattern<ConstantOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ConstantOp op, OpAdaptor,
                                ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, cast<TypedAttr>(op.getValue()));
    return success();
  }
};

struct ShapeOfLowering : OpConversionPattern<ShapeOfOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ShapeOfOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto inType = cast<RankedTensorType>(adaptor.getInput().getType());
    auto [first, last] = shapeOfRange(inType.getRank(), op.getStart(), op.getEnd());
    auto dims = inType.getShape().slice(first, last - first);
    auto type = cast<RankedTensorType>(op.getType());
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, DenseIntElementsAttr::get(type, dims));
    return success();
  }
};

/// Reshape, Flatten, Squeeze, Unsqueeze: same data, the result type's shape.
template <typename Op>
struct ReshapeLikeLowering : OpConversionPattern<Op> {
  using OpConversionPattern<Op>::OpConversionPattern;
  LogicalResult matchAndRewrite(Op op, typename Op::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    rewriter.replaceOp(op, reshape(rewriter, op.getLoc(), adaptor.getInput(), type.getShape()));
    return success();
  }
};

struct TransposeLowering : OpConversionPattern<TransposeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(TransposeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, transpose(rewriter, op.getLoc(), adaptor.getInput(), op.getPerm()));
    return success();
  }
};

struct SliceLowering : OpConversionPattern<SliceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(SliceOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto inType = cast<RankedTensorType>(adaptor.getInput().getType());
    auto type = cast<RankedTensorType>(op.getType());
    int64_t rank = inType.getRank();
    SmallVector<int64_t> offsets(rank, 0), strides(rank, 1);
    for (auto [i, axis] : llvm::enumerate(op.getAxes())) {
      int64_t d = axis < 0 ? axis + rank : axis;
      int64_t step = op.getSteps().empty() ? 1 : op.getSteps()[i];
      SliceBounds bounds =
          computeSliceBounds(inType.getDimSize(d), op.getStarts()[i], op.getEnds()[i], step);
      offsets[d] = bounds.size ? bounds.start : 0; // an empty slice reads nothing
      strides[d] = step;
    }
    if (llvm::all_of(strides, [](int64_t s) { return s > 0; })) {
      rewriter.replaceOpWithNewOp<tensor::ExtractSliceOp>(
          op, type, adaptor.getInput(), foldResults(rewriter, offsets),
          foldResults(rewriter, type.getShape()), foldResults(rewriter, strides));
      return success();
    }
    // Negative steps: a copy whose input index is offset + i * step.
    MLIRContext *ctx = rewriter.getContext();
    SmallVector<AffineExpr> exprs;
    for (int64_t d = 0; d < rank; ++d)
      exprs.push_back(getAffineDimExpr(d, ctx) * strides[d] + offsets[d]);
    SmallVector<AffineMap> maps = {AffineMap::get(rank, 0, exprs, ctx),
                                   AffineMap::getMultiDimIdentityMap(rank, ctx)};
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    rewriter.replaceOpWithNewOp<linalg::GenericOp>(
        op, type, adaptor.getInput(), emptyTensor(rewriter, loc, type), maps, iterators,
        [](OpBuilder &b, Location l, ValueRange args) { linalg::YieldOp::create(b, l, args[0]); });
    return success();
  }
};

struct ConcatLowering : OpConversionPattern<ConcatOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ConcatOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    int64_t axis = op.getAxis() < 0 ? op.getAxis() + type.getRank() : op.getAxis();
    Value result = emptyTensor(rewriter, loc, type);
    int64_t offset = 0;
    for (Value input : adaptor.getInputs()) {
      auto inType = cast<RankedTensorType>(input.getType());
      if (inType.getDimSize(axis) == 0)
        continue;
      SmallVector<int64_t> offsets(type.getRank(), 0), strides(type.getRank(), 1);
      offsets[axis] = offset;
      offset += inType.getDimSize(axis);
      result = tensor::InsertSliceOp::create(rewriter, loc, input, result,
                                             foldResults(rewriter, offsets),
                                             foldResults(rewriter, inType.getShape()),
                                             foldResults(rewriter, strides));
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Index of output dim `d` inside a generic body.
Value loopIndex(OpBuilder &b, Location loc, int64_t d) {
  return linalg::IndexOp::create(b, loc, d);
}

Value indexConstant(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

struct GatherLowering : OpConversionPattern<GatherOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(GatherOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value data = adaptor.getInput(), indices = adaptor.getIndices();
    auto dataType = cast<RankedTensorType>(data.getType());
    auto indexType = cast<RankedTensorType>(indices.getType());
    auto type = cast<RankedTensorType>(op.getType());
    int64_t axis = op.getAxis() < 0 ? op.getAxis() + dataType.getRank() : op.getAxis();
    int64_t indexRank = indexType.getRank(), rank = type.getRank();
    SmallVector<AffineExpr> indexExprs;
    for (int64_t d = 0; d < indexRank; ++d)
      indexExprs.push_back(getAffineDimExpr(axis + d, ctx));
    SmallVector<AffineMap> maps = {AffineMap::get(rank, 0, indexExprs, ctx),
                                   AffineMap::getMultiDimIdentityMap(rank, ctx)};
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    int64_t axisSize = dataType.getDimSize(axis);
    rewriter.replaceOpWithNewOp<linalg::GenericOp>(
        op, type, indices, emptyTensor(rewriter, loc, type), maps, iterators,
        [&](OpBuilder &b, Location l, ValueRange args) {
          // Negative indices count from the end, as in ONNX.
          Value raw = arith::IndexCastOp::create(b, l, b.getIndexType(), args[0]);
          Value negative = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, raw,
                                                 indexConstant(b, l, 0));
          Value wrapped = arith::AddIOp::create(b, l, raw, indexConstant(b, l, axisSize));
          Value index = arith::SelectOp::create(b, l, negative, wrapped, raw);
          SmallVector<Value> coords;
          for (int64_t d = 0; d < axis; ++d)
            coords.push_back(loopIndex(b, l, d));
          coords.push_back(index);
          for (int64_t d = axis + 1; d < dataType.getRank(); ++d)
            coords.push_back(loopIndex(b, l, d - 1 + indexRank));
          linalg::YieldOp::create(b, l, tensor::ExtractOp::create(b, l, data, coords).getResult());
        });
    return success();
  }
};

struct PadLowering : OpConversionPattern<PadOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(PadOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto inType = cast<RankedTensorType>(adaptor.getInput().getType());
    auto type = cast<RankedTensorType>(op.getType());
    int64_t rank = inType.getRank();
    ArrayRef<int64_t> begins = op.getPads().take_front(rank), ends = op.getPads().drop_front(rank);
    if (op.getMode() == "constant") {
      rewriter.replaceOp(op, padOrCrop(rewriter, loc, adaptor.getInput(), begins, ends,
                                       op.getValue().convertToDouble()));
      return success();
    }
    // edge / reflect: every output element reads a clamped or mirrored input index.
    bool reflect = op.getMode() == "reflect";
    Value input = adaptor.getInput();
    SmallVector<AffineMap> maps = {AffineMap::getMultiDimIdentityMap(rank, rewriter.getContext())};
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    rewriter.replaceOpWithNewOp<linalg::GenericOp>(
        op, type, ValueRange{}, emptyTensor(rewriter, loc, type), maps, iterators,
        [&](OpBuilder &b, Location l, ValueRange) {
          SmallVector<Value> coords;
          for (int64_t d = 0; d < rank; ++d) {
            int64_t size = inType.getDimSize(d);
            Value src = arith::SubIOp::create(b, l, loopIndex(b, l, d), indexConstant(b, l, begins[d]));
            Value zero = indexConstant(b, l, 0), last = indexConstant(b, l, size - 1);
            if (reflect) {
              // -i below the start, 2*(n-1) - i past the end.
              Value below = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, src, zero);
              src = arith::SelectOp::create(b, l, below, arith::SubIOp::create(b, l, zero, src), src);
              Value above = arith::CmpIOp::create(b, l, arith::CmpIPredicate::sgt, src, last);
              Value mirrored = arith::SubIOp::create(b, l, indexConstant(b, l, 2 * (size - 1)), src);
              src = arith::SelectOp::create(b, l, above, mirrored, src);
            }
            src = arith::MaxSIOp::create(b, l, arith::MinSIOp::create(b, l, src, last), zero);
            coords.push_back(src);
          }
          linalg::YieldOp::create(b, l, tensor::ExtractOp::create(b, l, input, coords).getResult());
        });
    return success();
  }
};

/// ONNX Resize coordinate transformation: output index -> input coordinate (f32, as ORT does).
float sourceCoordinate(StringRef mode, int64_t out, float scale, int64_t inSize, int64_t outSize) {
  float o = float(out);
  if (mode == "asymmetric")
    return o / scale;
  if (mode == "align_corners") {
    // ONNX and ORT use the unrounded resized length in * scale here.
    float resized = float(inSize) * scale;
    return resized <= 1.0f ? 0.0f : o * float(inSize - 1) / (resized - 1.0f);
  }
  if (mode == "pytorch_half_pixel")
    return outSize > 1 ? (o + 0.5f) / scale - 0.5f : 0.0f;
  if (mode == "tf_half_pixel_for_nn")
    return (o + 0.5f) / scale;
  return (o + 0.5f) / scale - 0.5f; // half_pixel
}

int64_t roundNearest(StringRef mode, float x) {
  if (mode == "floor")
    return int64_t(std::floor(x));
  if (mode == "ceil")
    return int64_t(std::ceil(x));
  bool tie = x - std::floor(x) == 0.5f;
  if (mode == "round_prefer_ceil")
    return tie ? int64_t(std::ceil(x)) : int64_t(std::round(x));
  return tie ? int64_t(std::floor(x)) : int64_t(std::round(x)); // round_prefer_floor
}

/// Resize as a gather: per resized dim, compile-time tables of source indices
/// (and linear weights) feed a generic that extracts and blends input elements.
struct ResizeLowering : OpConversionPattern<ResizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ResizeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value input = adaptor.getInput();
    auto inType = cast<RankedTensorType>(input.getType());
    auto type = cast<RankedTensorType>(op.getType());
    int64_t rank = type.getRank();
    bool linear = op.getMode() == "linear";
    StringRef coordMode = op.getCoordinateTransformationMode();

    struct DimTables { int64_t dim; Value low, high, weight; };
    SmallVector<DimTables> resized;
    SmallVector<Value> operands;
    SmallVector<AffineMap> maps;
    for (int64_t d = 0; d < rank; ++d) {
      int64_t in = inType.getDimSize(d), out = type.getDimSize(d);
      float scale = op.getScales()[d];
      if (in == out && scale == 1.0f)
        continue;
      SmallVector<int64_t> low, high;
      SmallVector<float> weight;
      for (int64_t o = 0; o < out; ++o) {
        float x = sourceCoordinate(coordMode, o, scale, in, out);
        if (!linear) {
          low.push_back(std::clamp<int64_t>(roundNearest(op.getNearestMode(), x), 0, in - 1));
          continue;
        }
        x = std::clamp(x, 0.0f, float(in - 1));
        int64_t x0 = int64_t(std::floor(x));
        low.push_back(x0);
        high.push_back(std::min<int64_t>(x0 + 1, in - 1));
        weight.push_back(x - float(x0));
      }
      auto table = [&](auto values, Type element) -> Value {
        auto tableType = RankedTensorType::get({out}, element);
        Value t = arith::ConstantOp::create(rewriter, loc,
                                            DenseElementsAttr::get(tableType, ArrayRef(values)));
        operands.push_back(t);
        maps.push_back(AffineMap::get(rank, 0, getAffineDimExpr(d, ctx)));
        return t;
      };
      DimTables tables{d, table(low, rewriter.getI64Type()), {}, {}};
      if (linear) {
        tables.high = table(high, rewriter.getI64Type());
        tables.weight = table(weight, rewriter.getF32Type());
      }
      resized.push_back(tables);
    }
    maps.push_back(AffineMap::getMultiDimIdentityMap(rank, ctx));
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    size_t perDim = linear ? 3 : 1;
    rewriter.replaceOpWithNewOp<linalg::GenericOp>(
        op, type, operands, emptyTensor(rewriter, loc, type), maps, iterators,
        [&](OpBuilder &b, Location l, ValueRange args) {
          SmallVector<Value> coords;
          for (int64_t d = 0; d < rank; ++d)
            coords.push_back(loopIndex(b, l, d));
          auto toIndex = [&](Value v) {
            return arith::IndexCastOp::create(b, l, b.getIndexType(), v).getResult();
          };
          if (!linear) {
            for (auto [i, t] : llvm::enumerate(resized))
              coords[t.dim] = toIndex(args[i]);
            linalg::YieldOp::create(b, l, tensor::ExtractOp::create(b, l, input, coords).getResult());
            return;
          }
          // Multilinear blend over the 2^k corners of the resized dims.
          Type element = type.getElementType();
          Value sum = scalarConstant(b, l, element, 0.0);
          for (unsigned corner = 0; corner < (1u << resized.size()); ++corner) {
            Value factor = scalarConstant(b, l, element, 1.0);
            for (auto [i, t] : llvm::enumerate(resized)) {
              bool upper = corner & (1u << i);
              coords[t.dim] = toIndex(args[i * perDim + (upper ? 1 : 0)]);
              Value w = args[i * perDim + 2];
              if (w.getType() != element)
                w = arith::ExtFOp::create(b, l, element, w);
              if (!upper)
                w = arith::SubFOp::create(b, l, scalarConstant(b, l, element, 1.0), w);
              factor = arith::MulFOp::create(b, l, factor, w);
            }
            Value v = tensor::ExtractOp::create(b, l, input, coords);
            sum = math::FmaOp::create(b, l, v, factor, sum);
          }
          linalg::YieldOp::create(b, l, sum);
        });
    return success();
  }
};

} // namespace

void populateDataMovementPatterns(RewritePatternSet &patterns) {
  patterns.add<ConstantLowering, ShapeOfLowering, ReshapeLikeLowering<ReshapeOp>,
               ReshapeLikeLowering<FlattenOp>, ReshapeLikeLowering<SqueezeOp>,
               ReshapeLikeLowering<UnsqueezeOp>, TransposeLowering, SliceLowering,
               ConcatLowering, GatherLowering, PadLowering, ResizeLowering>(
      patterns.getContext());
}

} // namespace quantc::lowering
