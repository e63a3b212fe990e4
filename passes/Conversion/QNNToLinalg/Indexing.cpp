// convert-qnn-to-linalg: Tile, Trilu, GatherElements and GatherND as
// linalg.generic over the result, reading inputs by computed index.
#include "passes/Conversion/QNNToLinalg/Lowering.h"

#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace quantc::qnn;

namespace quantc::lowering {
namespace {

SmallVector<utils::IteratorType> parallel(int64_t rank) {
  return SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel);
}

/// A linalg.generic over `resultType` with no inputs whose body computes
/// each element from its indices (linalg.index) with `body`.
Value generate(OpBuilder &b, Location loc, RankedTensorType resultType, ValueRange inputs,
               ArrayRef<AffineMap> inputMaps,
               function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  SmallVector<AffineMap> maps(inputMaps);
  maps.push_back(AffineMap::getMultiDimIdentityMap(resultType.getRank(), b.getContext()));
  return linalg::GenericOp::create(
             b, loc, resultType, inputs, emptyTensor(b, loc, resultType), maps,
             parallel(resultType.getRank()),
             [&](OpBuilder &nested, Location l, ValueRange args) {
               linalg::YieldOp::create(nested, l, body(nested, l, args.drop_back()));
             })
      .getResult(0);
}

/// Tile: output dim d reads input dim d at (i mod inputDim), an affine map.
struct TileLowering : OpConversionPattern<TileOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(TileOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto input = cast<RankedTensorType>(adaptor.getInput().getType());
    SmallVector<AffineExpr> exprs;
    for (int64_t d = 0; d < input.getRank(); ++d)
      exprs.push_back(rewriter.getAffineDimExpr(d) % input.getDimSize(d));
    auto map = AffineMap::get(input.getRank(), 0, exprs, rewriter.getContext());
    rewriter.replaceOp(op, generate(rewriter, op.getLoc(), op.getType(), adaptor.getInput(), map,
                                    [](OpBuilder &, Location, ValueRange args) { return args[0]; }));
    return success();
  }
};

/// Trilu: keep x where (j - i) is on the kept side of diagonal k, else 0.
struct TriluLowering : OpConversionPattern<TriluOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(TriluOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = op.getType();
    int64_t rank = type.getRank(), k = op.getK();
    bool upper = op.getUpper();
    auto identity = AffineMap::getMultiDimIdentityMap(rank, rewriter.getContext());
    Value result = generate(
        rewriter, op.getLoc(), type, adaptor.getInput(), identity,
        [&](OpBuilder &b, Location loc, ValueRange args) {
          Value row = linalg::IndexOp::create(b, loc, rank - 2);
          Value col = linalg::IndexOp::create(b, loc, rank - 1);
          Value diagonal = arith::SubIOp::create(b, loc, col, row);
          Value bound = arith::ConstantIndexOp::create(b, loc, k);
          Value keep = arith::CmpIOp::create(
              b, loc, upper ? arith::CmpIPredicate::sge : arith::CmpIPredicate::sle, diagonal, bound);
          Value zero = scalarConstant(b, loc, args[0].getType(), 0.0);
          return arith::SelectOp::create(b, loc, keep, args[0], zero).getResult();
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// GatherElements: out[i] = input[i with dim axis := indices[i]].
struct GatherElementsLowering : OpConversionPattern<GatherElementsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(GatherElementsOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto input = cast<RankedTensorType>(adaptor.getInput().getType());
    int64_t rank = input.getRank();
    int64_t axis = op.getAxis() < 0 ? op.getAxis() + rank : op.getAxis();
    auto identity = AffineMap::getMultiDimIdentityMap(rank, rewriter.getContext());
    Value source = adaptor.getInput();
    Value result = generate(
        rewriter, op.getLoc(), op.getType(), adaptor.getIndices(), identity,
        [&](OpBuilder &b, Location loc, ValueRange args) {
          SmallVector<Value> at;
          for (int64_t d = 0; d < rank; ++d)
            at.push_back(d == axis ? wrapIndex(b, loc, args[0], input.getDimSize(axis))
                                   : Value(linalg::IndexOp::create(b, loc, d)));
          return tensor::ExtractOp::create(b, loc, source, at).getResult();
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// GatherND: out[b.., i.., j..] = input[b.., indices[b.., i.., 0..depth), j..].
struct GatherNDLowering : OpConversionPattern<GatherNDOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(GatherNDOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto input = cast<RankedTensorType>(adaptor.getInput().getType());
    auto indicesType = cast<RankedTensorType>(adaptor.getIndices().getType());
    int64_t batch = op.getBatchDims(), depth = indicesType.getShape().back();
    int64_t tupleRank = indicesType.getRank() - 1; // result dims that address a tuple
    Value source = adaptor.getInput(), indices = adaptor.getIndices();
    Value result = generate(
        rewriter, op.getLoc(), op.getType(), {}, {},
        [&](OpBuilder &b, Location loc, ValueRange) {
          SmallVector<Value> tuple, at;
          for (int64_t d = 0; d < tupleRank; ++d)
            tuple.push_back(linalg::IndexOp::create(b, loc, d));
          for (int64_t d = 0; d < batch; ++d)
            at.push_back(tuple[d]);
          for (int64_t i = 0; i < depth; ++i) {
            SmallVector<Value> where(tuple);
            where.push_back(arith::ConstantIndexOp::create(b, loc, i));
            Value element = tensor::ExtractOp::create(b, loc, indices, where);
            at.push_back(wrapIndex(b, loc, element, input.getDimSize(batch + i)));
          }
          for (int64_t d = batch + depth; d < input.getRank(); ++d)
            at.push_back(linalg::IndexOp::create(b, loc, tupleRank + d - batch - depth));
          return tensor::ExtractOp::create(b, loc, source, at).getResult();
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateIndexingPatterns(RewritePatternSet &patterns) {
  patterns.add<TileLowering, TriluLowering, GatherElementsLowering, GatherNDLowering>(
      patterns.getContext());
}

} // namespace quantc::lowering
