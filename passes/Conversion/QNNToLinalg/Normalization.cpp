// convert-qnn-to-linalg: batch/layer normalization, softmax and reduce_mean.
#include "passes/Conversion/QNNToLinalg/Lowering.h"

#include "mlir/Transforms/DialectConversion.h"

#include <limits>

using namespace mlir;
using namespace quantc::qnn;

namespace quantc::lowering {
namespace {

Value sumOver(OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> axes) {
  return reduce(b, loc, x, axes, 0.0,
                [](OpBuilder &nb, Location l, Value acc, Value v) { return add(nb, l, acc, v); });
}

Value scaleBy(OpBuilder &b, Location loc, Value x, double factor) {
  return elementwise(b, loc, cast<RankedTensorType>(x.getType()), x,
                     [&](OpBuilder &nb, Location l, ValueRange a) {
                       return mul(nb, l, a[0], scalarConstant(nb, l, a[0].getType(), factor));
                     });
}

struct BatchNormLowering : OpConversionPattern<BatchNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(BatchNormOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    auto paramType = cast<RankedTensorType>(adaptor.getScale().getType());
    double epsilon = op.getEpsilon().convertToDouble();
    // y = x * a + c with a = scale / sqrt(var + eps), c = bias - mean * a (per channel).
    Value a = elementwise(rewriter, loc, paramType, {adaptor.getScale(), adaptor.getVariance()},
                          [&](OpBuilder &b, Location l, ValueRange v) {
                            Value eps = scalarConstant(b, l, v[1].getType(), epsilon);
                            Value root = math::SqrtOp::create(b, l, arith::AddFOp::create(b, l, v[1], eps));
                            return arith::DivFOp::create(b, l, v[0], root).getResult();
                          });
    Value c = elementwise(rewriter, loc, paramType, {adaptor.getBias(), adaptor.getMean(), a},
                          [](OpBuilder &b, Location l, ValueRange v) {
                            return arith::SubFOp::create(b, l, v[0], arith::MulFOp::create(b, l, v[1], v[2]))
                                .getResult();
                          });
    SmallVector<int64_t> channelShape(type.getRank() - 1, 1);
    channelShape[0] = type.getDimSize(1);
    Value y = elementwise(rewriter, loc, type,
                          {adaptor.getInput(), reshape(rewriter, loc, a, channelShape),
                           reshape(rewriter, loc, c, channelShape)},
                          [](OpBuilder &b, Location l, ValueRange v) {
                            return math::FmaOp::create(b, l, v[0], v[1], v[2]).getResult();
                          });
    rewriter.replaceOp(op, y);
    return success();
  }
};

struct LayerNormLowering : OpConversionPattern<LayerNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(LayerNormOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    int64_t axis = op.getAxis() < 0 ? op.getAxis() + type.getRank() : op.getAxis();
    int64_t rows = 1, cols = 1;
    for (int64_t d = 0; d < type.getRank(); ++d)
      (d < axis ? rows : cols) *= type.getDimSize(d);
    Value x = reshape(rewriter, loc, adaptor.getInput(), {rows, cols});
    double epsilon = op.getEpsilon().convertToDouble();
    auto rowType = RankedTensorType::get({rows, cols}, type.getElementType());
    Value mean = scaleBy(rewriter, loc, sumOver(rewriter, loc, x, {1}), 1.0 / double(cols));
    Value centered = elementwise(rewriter, loc, rowType, {x, mean},
                                 [](OpBuilder &b, Location l, ValueRange v) {
                                   return arith::SubFOp::create(b, l, v[0], v[1]).getResult();
                                 });
    Value squares = elementwise(rewriter, loc, rowType, centered,
                                [](OpBuilder &b, Location l, ValueRange v) {
                                  return arith::MulFOp::create(b, l, v[0], v[0]).getResult();
                                });
    Value variance = scaleBy(rewriter, loc, sumOver(rewriter, loc, squares, {1}), 1.0 / double(cols));
    auto tail = [&](Value param) {
      ArrayRef<int64_t> normalized = type.getShape().drop_front(axis);
      auto paramType = cast<RankedTensorType>(param.getType());
      Value full = param;
      if (paramType.getShape() != normalized)
        full = elementwise(rewriter, loc, paramType.clone(normalized), param,
                           [](OpBuilder &, Location, ValueRange v) { return v[0]; });
      return reshape(rewriter, loc, full, {1, cols});
    };
    SmallVector<Value> operands = {centered, variance, tail(adaptor.getScale())};
    if (adaptor.getBias())
      operands.push_back(tail(adaptor.getBias()));
    Value y = elementwise(rewriter, loc, rowType, operands, [&](OpBuilder &b, Location l, ValueRange v) {
      Value eps = scalarConstant(b, l, v[1].getType(), epsilon);
      Value inv = math::RsqrtOp::create(b, l, arith::AddFOp::create(b, l, v[1], eps));
      Value scaled = arith::MulFOp::create(b, l, arith::MulFOp::create(b, l, v[0], inv), v[2]);
      return v.size() > 3 ? arith::AddFOp::create(b, l, scaled, v[3]).getResult() : scaled;
    });
    rewriter.replaceOp(op, reshape(rewriter, loc, y, type.getShape()));
    return success();
  }
};

struct SoftmaxLowering : OpConversionPattern<SoftmaxOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(SoftmaxOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    int64_t axis = op.getAxis() < 0 ? op.getAxis() + type.getRank() : op.getAxis();
    Value x = adaptor.getInput();
    Value maximum = reduce(rewriter, loc, x, {axis}, -std::numeric_limits<double>::infinity(),
                           [](OpBuilder &b, Location l, Value acc, Value v) {
                             return arith::MaximumFOp::create(b, l, acc, v).getResult();
                           });
    Value exps = elementwise(rewriter, loc, type, {x, maximum}, [](OpBuilder &b, Location l, ValueRange v) {
      return math::ExpOp::create(b, l, arith::SubFOp::create(b, l, v[0], v[1])).getResult();
    });
    Value sums = sumOver(rewriter, loc, exps, {axis});
    Value y = elementwise(rewriter, loc, type, {exps, sums}, [](OpBuilder &b, Location l, ValueRange v) {
      return arith::DivFOp::create(b, l, v[0], v[1]).getResult();
    });
    rewriter.replaceOp(op, y);
    return success();
  }
};

struct ReduceMeanLowering : OpConversionPattern<ReduceMeanOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ReduceMeanOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto inType = cast<RankedTensorType>(adaptor.getInput().getType());
    SmallVector<int64_t> axes;
    for (int64_t axis : op.getAxes())
      axes.push_back(axis < 0 ? axis + inType.getRank() : axis);
    if (axes.empty())
      for (int64_t d = 0; d < inType.getRank(); ++d)
        axes.push_back(d);
    int64_t count = 1;
    for (int64_t axis : axes)
      count *= inType.getDimSize(axis);
    llvm::sort(axes);
    Value sums = adaptor.getInput();
    // Channels last (a reduced dim before a kept innermost one, as in a
    // pool over NHWC rows): each row of the outermost reduced dim is summed
    // on its own first, a loop parallel over those rows that reads a band
    // of pixels, then the few row sums. The order of the additions is
    // fixed, whatever the thread count.
    int64_t outer = axes.front();
    if (axes.size() > 1 && !llvm::is_contained(axes, inType.getRank() - 1) &&
        inType.getDimSize(outer) > 1)
      sums = sumOver(rewriter, loc, sums, ArrayRef(axes).drop_front());
    Value mean = scaleBy(rewriter, loc, sumOver(rewriter, loc, sums, axes), 1.0 / double(count));
    auto type = cast<RankedTensorType>(op.getType());
    rewriter.replaceOp(op, reshape(rewriter, loc, mean, type.getShape()));
    return success();
  }
};

} // namespace

void populateNormalizationPatterns(RewritePatternSet &patterns) {
  patterns.add<BatchNormLowering, LayerNormLowering, SoftmaxLowering, ReduceMeanLowering>(
      patterns.getContext());
}

} // namespace quantc::lowering
