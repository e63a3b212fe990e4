// convert-qnn-to-linalg: MatMul (numpy batching) and Gemm as linalg.matmul / batch_matmul.
#include "passes/Conversion/QNNToLinalg/Lowering.h"

#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace quantc::qnn;

namespace quantc::lowering {
namespace {

int64_t product(ArrayRef<int64_t> dims) {
  int64_t n = 1;
  for (int64_t d : dims)
    n *= d;
  return n;
}

/// Copies `value` broadcast to `shape` (numpy rules), skipping the copy when shapes match.
Value broadcastTo(OpBuilder &b, Location loc, Value value, ArrayRef<int64_t> shape) {
  auto type = cast<RankedTensorType>(value.getType());
  if (type.getShape() == shape)
    return value;
  return elementwise(b, loc, type.clone(shape), value,
                     [](OpBuilder &, Location, ValueRange args) { return args[0]; });
}

struct MatMulLowering : OpConversionPattern<MatMulOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(MatMulOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = cast<RankedTensorType>(op.getType());
    Type element = resultType.getElementType();
    Value a = adaptor.getA(), b = adaptor.getB();
    auto aShape = cast<RankedTensorType>(a.getType()).getShape();
    auto bShape = cast<RankedTensorType>(b.getType()).getShape();
    // 1-D operands become a row (lhs) or a column (rhs); the result type already drops them.
    SmallVector<int64_t> aFull(aShape), bFull(bShape);
    if (aFull.size() == 1)
      aFull.insert(aFull.begin(), 1);
    if (bFull.size() == 1)
      bFull.push_back(1);
    int64_t m = aFull[aFull.size() - 2], k = aFull.back(), n = bFull.back();
    ArrayRef<int64_t> aBatch = ArrayRef(aFull).drop_back(2), bBatch = ArrayRef(bFull).drop_back(2);

    Value y;
    if (product(bBatch) == 1) {
      // A shared rhs (the usual weight): fold the lhs batch into M, one GEMM.
      int64_t rows = product(aBatch) * m;
      Value a2 = reshape(rewriter, loc, a, {rows, k});
      Value b2 = reshape(rewriter, loc, b, {k, n});
      auto type = RankedTensorType::get({rows, n}, element);
      y = matmul(rewriter, loc, a2, b2, filledTensor(rewriter, loc, type, 0));
    } else {
      SmallVector<int64_t> batch;
      size_t rank = std::max(aBatch.size(), bBatch.size());
      for (size_t i = 0; i < rank; ++i) {
        auto dimOf = [&](ArrayRef<int64_t> dims) {
          size_t offset = rank - dims.size();
          return i < offset ? int64_t(1) : dims[i - offset];
        };
        batch.push_back(std::max(dimOf(aBatch), dimOf(bBatch)));
      }
      int64_t batchSize = product(batch);
      auto withTail = [&](int64_t r, int64_t c) {
        SmallVector<int64_t> shape(batch);
        shape.append({r, c});
        return shape;
      };
      Value a3 = reshape(rewriter, loc,
                         broadcastTo(rewriter, loc, reshape(rewriter, loc, a, aFull), withTail(m, k)),
                         {batchSize, m, k});
      Value b3 = reshape(rewriter, loc,
                         broadcastTo(rewriter, loc, reshape(rewriter, loc, b, bFull), withTail(k, n)),
                         {batchSize, k, n});
      auto type = RankedTensorType::get({batchSize, m, n}, element);
      y = linalg::BatchMatmulOp::create(rewriter, loc, ValueRange{a3, b3},
                                        ValueRange{filledTensor(rewriter, loc, type, 0)})
              .getResult(0);
    }
    rewriter.replaceOp(op, reshape(rewriter, loc, y, resultType.getShape()));
    return success();
  }
};

/// Leading dims fold into M: one int8 x int8 -> int32 linalg.matmul whose
/// init is the bias broadcast over the rows.
struct MatMulIntegerLowering : OpConversionPattern<MatMulIntegerOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(MatMulIntegerOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = cast<RankedTensorType>(op.getType());
    auto aType = cast<RankedTensorType>(adaptor.getA().getType());
    int64_t k = aType.getShape().back(), n = resultType.getShape().back();
    int64_t rows = aType.getNumElements() / k;
    auto type = RankedTensorType::get({rows, n}, resultType.getElementType());
    Value init = filledTensor(rewriter, loc, type, 0);
    if (adaptor.getBias())
      init = elementwise(rewriter, loc, type, reshape(rewriter, loc, adaptor.getBias(), {1, n}),
                         [](OpBuilder &, Location, ValueRange args) { return args[0]; });
    Value y = matmul(rewriter, loc, reshape(rewriter, loc, adaptor.getA(), {rows, k}),
                     adaptor.getB(), init);
    rewriter.replaceOp(op, reshape(rewriter, loc, y, resultType.getShape()));
    return success();
  }
};

struct GemmLowering : OpConversionPattern<GemmOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(GemmOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = cast<RankedTensorType>(op.getType());
    Value a = adaptor.getA(), b = adaptor.getB();
    if (op.getTransA())
      a = transpose(rewriter, loc, a, {1, 0});
    if (op.getTransB())
      b = transpose(rewriter, loc, b, {1, 0});
    double alpha = op.getAlpha().convertToDouble(), beta = op.getBeta().convertToDouble();
    if (alpha != 1.0)
      a = elementwise(rewriter, loc, cast<RankedTensorType>(a.getType()), a,
                      [&](OpBuilder &nb, Location l, ValueRange args) {
                        return mul(nb, l, args[0], scalarConstant(nb, l, args[0].getType(), alpha));
                      });
    Value init;
    if (Value c = adaptor.getC())
      init = elementwise(rewriter, loc, resultType, c, [&](OpBuilder &nb, Location l, ValueRange args) {
        if (beta == 1.0)
          return args[0];
        return mul(nb, l, args[0], scalarConstant(nb, l, args[0].getType(), beta));
      });
    else
      init = filledTensor(rewriter, loc, resultType, 0);
    rewriter.replaceOp(op, matmul(rewriter, loc, a, b, init));
    return success();
  }
};

} // namespace

void populateMatmulPatterns(RewritePatternSet &patterns) {
  patterns.add<MatMulIntegerLowering, MatMulLowering, GemmLowering>(patterns.getContext());
}

} // namespace quantc::lowering
