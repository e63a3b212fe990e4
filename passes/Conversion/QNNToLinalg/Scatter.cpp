// convert-qnn-to-linalg: ScatterND and ScatterElements. Updates apply in
// order (later ones win, or combine), so they lower to an scf.for over the
// updates carrying the output tensor, which bufferizes in place.
#include "passes/Conversion/QNNToLinalg/Lowering.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace quantc::qnn;

namespace quantc::lowering {
namespace {

/// old `reduction` new, elementwise on scalars.
Value combine(OpBuilder &b, Location loc, StringRef reduction, Value old, Value update) {
  if (reduction == "add")
    return add(b, loc, old, update);
  if (reduction == "mul")
    return mul(b, loc, old, update);
  if (reduction == "max")
    return maximum(b, loc, old, update);
  if (reduction == "min")
    return minimum(b, loc, old, update);
  return update;
}

/// Row-major coordinates of flat position `flat` in `shape`.
SmallVector<Value> coordinates(OpBuilder &b, Location loc, Value flat, ArrayRef<int64_t> shape) {
  SmallVector<Value> result(shape.size());
  for (int64_t d = int64_t(shape.size()) - 1; d >= 0; --d) {
    Value size = arith::ConstantIndexOp::create(b, loc, shape[d]);
    result[d] = arith::RemUIOp::create(b, loc, flat, size);
    flat = arith::DivUIOp::create(b, loc, flat, size);
  }
  return result;
}

/// ScatterND: for each of the U index tuples (indices viewed as U x depth),
/// the slice data[tuple, ...] takes (or combines with) updates[u, ...].
struct ScatterNDLowering : OpConversionPattern<ScatterNDOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ScatterNDOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto dataType = cast<RankedTensorType>(op.getType());
    auto indicesType = cast<RankedTensorType>(adaptor.getIndices().getType());
    int64_t depth = indicesType.getShape().back();
    int64_t count = indicesType.getNumElements() / std::max<int64_t>(depth, 1);
    SmallVector<int64_t> sliceShape(dataType.getShape().drop_front(depth));
    int64_t sliceSize = 1;
    for (int64_t d : sliceShape)
      sliceSize *= d;
    Value indices = reshape(rewriter, loc, adaptor.getIndices(), {count, depth});
    Value updates = reshape(rewriter, loc, adaptor.getUpdates(), {count, sliceSize});
    StringRef reduction = op.getReduction();
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    Value upper = arith::ConstantIndexOp::create(rewriter, loc, count);
    Value sliceUpper = arith::ConstantIndexOp::create(rewriter, loc, sliceSize);
    auto loop = scf::ForOp::create(
        rewriter, loc, zero, upper, one, ValueRange{adaptor.getData()},
        [&](OpBuilder &b, Location l, Value u, ValueRange carried) {
          SmallVector<Value> prefix;
          for (int64_t i = 0; i < depth; ++i) {
            Value element = tensor::ExtractOp::create(
                b, l, indices, ValueRange{u, arith::ConstantIndexOp::create(b, l, i)});
            prefix.push_back(wrapIndex(b, l, element, dataType.getDimSize(i)));
          }
          auto inner = scf::ForOp::create(
              b, l, zero, sliceUpper, one, carried,
              [&](OpBuilder &ib, Location il, Value e, ValueRange acc) {
                SmallVector<Value> at(prefix);
                llvm::append_range(at, coordinates(ib, il, e, sliceShape));
                Value update = tensor::ExtractOp::create(ib, il, updates, ValueRange{u, e});
                Value value = update;
                if (reduction != "none")
                  value = combine(ib, il, reduction,
                                  tensor::ExtractOp::create(ib, il, acc[0], at), update);
                scf::YieldOp::create(ib, il,
                                     tensor::InsertOp::create(ib, il, value, acc[0], at).getResult());
              });
          scf::YieldOp::create(b, l, inner.getResults());
        });
    rewriter.replaceOp(op, loop.getResult(0));
    return success();
  }
};

/// ScatterElements: element i of updates goes to i with dim axis replaced by indices[i].
struct ScatterElementsLowering : OpConversionPattern<ScatterElementsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ScatterElementsOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto dataType = cast<RankedTensorType>(op.getType());
    auto indicesType = cast<RankedTensorType>(adaptor.getIndices().getType());
    int64_t rank = dataType.getRank();
    int64_t axis = op.getAxis() < 0 ? op.getAxis() + rank : op.getAxis();
    StringRef reduction = op.getReduction();
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    Value upper = arith::ConstantIndexOp::create(rewriter, loc, indicesType.getNumElements());
    Value indices = adaptor.getIndices(), updates = adaptor.getUpdates();
    auto loop = scf::ForOp::create(
        rewriter, loc, zero, upper, one, ValueRange{adaptor.getData()},
        [&](OpBuilder &b, Location l, Value flat, ValueRange acc) {
          SmallVector<Value> at = coordinates(b, l, flat, indicesType.getShape());
          Value update = tensor::ExtractOp::create(b, l, updates, at);
          Value target = tensor::ExtractOp::create(b, l, indices, at);
          at[axis] = wrapIndex(b, l, target, dataType.getDimSize(axis));
          Value value = update;
          if (reduction != "none")
            value = combine(b, l, reduction, tensor::ExtractOp::create(b, l, acc[0], at), update);
          scf::YieldOp::create(b, l, tensor::InsertOp::create(b, l, value, acc[0], at).getResult());
        });
    rewriter.replaceOp(op, loop.getResult(0));
    return success();
  }
};

} // namespace

void populateScatterPatterns(RewritePatternSet &patterns) {
  patterns.add<ScatterNDLowering, ScatterElementsLowering>(patterns.getContext());
}

} // namespace quantc::lowering
