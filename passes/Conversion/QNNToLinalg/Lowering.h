// Shared helpers and pattern entry points of convert-qnn-to-linalg.
#ifndef QUANTC_PASSES_CONVERSION_QNNTOLINALG_LOWERING_H
#define QUANTC_PASSES_CONVERSION_QNNTOLINALG_LOWERING_H

#include "dialects/QNN/QNNOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/DialectConversion.h"

namespace quantc::lowering {

using mlir::Location;
using mlir::OpBuilder;
using mlir::RankedTensorType;
using mlir::Type;
using mlir::Value;
using mlir::ValueRange;

using BodyBuilder = llvm::function_ref<Value(OpBuilder &, Location, ValueRange)>;

/// tensor.empty of `type`.
Value emptyTensor(OpBuilder &b, Location loc, RankedTensorType type);
/// tensor.empty + linalg.fill with `value`.
Value filledTensor(OpBuilder &b, Location loc, RankedTensorType type, double value);
/// A scalar constant of a float or integer element type.
Value scalarConstant(OpBuilder &b, Location loc, Type type, double value);

/// Numpy broadcasting map from the result's iteration space to an operand.
mlir::AffineMap broadcastMap(llvm::ArrayRef<int64_t> operandShape,
                             llvm::ArrayRef<int64_t> resultShape, mlir::MLIRContext *context);

/// A parallel linalg.generic computing `body(operand elements...)` for every
/// element of `resultType`; operands broadcast numpy-style.
Value elementwise(OpBuilder &b, Location loc, RankedTensorType resultType, ValueRange operands,
                  BodyBuilder body);

/// Lowers `Op` to one elementwise linalg.generic whose scalar body is
/// `Body(op, builder, loc, broadcast operand elements)`.
template <typename Op, Value (*Body)(Op, OpBuilder &, Location, ValueRange)>
struct ElementwiseOpLowering : mlir::OpConversionPattern<Op> {
  using mlir::OpConversionPattern<Op>::OpConversionPattern;
  mlir::LogicalResult matchAndRewrite(Op op, typename Op::Adaptor adaptor,
                                      mlir::ConversionPatternRewriter &rewriter) const override {
    auto type = mlir::cast<RankedTensorType>(op.getType());
    Value result = elementwise(rewriter, op.getLoc(), type, adaptor.getOperands(),
                               [&](OpBuilder &b, Location loc, ValueRange args) {
                                 return Body(op, b, loc, args);
                               });
    rewriter.replaceOp(op, result);
    return mlir::success();
  }
};

/// The [C, KH, KW, OH, OW] window matrix of a padded [C, Hp, Wp] image:
/// element (c, ky, kx, oy, ox) is image[c, oy * sh + ky * dh, ox * sw + kx * dw]
/// for `kernel` {KH, KW}, `strides` {sh, sw}, `dilations` {dh, dw} and
/// `output` {OH, OW}.
Value windowMatrix(OpBuilder &b, Location loc, Value image, llvm::ArrayRef<int64_t> kernel,
                   llvm::ArrayRef<int64_t> strides, llvm::ArrayRef<int64_t> dilations,
                   llvm::ArrayRef<int64_t> output);

/// Same data, new static shape (tensor.reshape through a constant shape).
Value reshape(OpBuilder &b, Location loc, Value value, llvm::ArrayRef<int64_t> shape);

/// Transposed copy (linalg.transpose).
Value transpose(OpBuilder &b, Location loc, Value value, llvm::ArrayRef<int64_t> perm);

/// Zero/constant padding (tensor.pad); begins and ends per dim, all >= 0.
Value padConstant(OpBuilder &b, Location loc, Value value, llvm::ArrayRef<int64_t> begins,
                  llvm::ArrayRef<int64_t> ends, double padValue);

/// Pads where an amount is positive and crops where it is negative.
Value padOrCrop(OpBuilder &b, Location loc, Value value, llvm::ArrayRef<int64_t> begins,
                llvm::ArrayRef<int64_t> ends, double padValue);

/// Reduction over `axes` (kept as size-1 dims in the result) with `combine`,
/// starting from `init` (a scalar of the element type, or a number).
Value reduce(OpBuilder &b, Location loc, Value input, llvm::ArrayRef<int64_t> axes, Value init,
             llvm::function_ref<Value(OpBuilder &, Location, Value acc, Value x)> combine);
Value reduce(OpBuilder &b, Location loc, Value input, llvm::ArrayRef<int64_t> axes, double init,
             llvm::function_ref<Value(OpBuilder &, Location, Value acc, Value x)> combine);

/// 2-D matmul into `init` (accumulates): [M,K] x [K,N] + init[M,N].
Value matmul(OpBuilder &b, Location loc, Value lhs, Value rhs, Value init);

/// Static index values as OpFoldResults (for slice offsets/sizes/strides).
llvm::SmallVector<mlir::OpFoldResult> foldResults(OpBuilder &b, llvm::ArrayRef<int64_t> values);

/// Arithmetic that picks the float or integer arith op by element type.
Value add(OpBuilder &b, Location loc, Value x, Value y);
Value mul(OpBuilder &b, Location loc, Value x, Value y);
/// max/min: NaN-propagating for floats, signed or unsigned for integers.
Value maximum(OpBuilder &b, Location loc, Value x, Value y, bool isUnsigned = false);
Value minimum(OpBuilder &b, Location loc, Value x, Value y, bool isUnsigned = false);

/// The lowest (or highest) value of a float or (un)signed integer type: the
/// identity of max (or min).
Value extremeValue(OpBuilder &b, Location loc, Type type, bool highest, bool isUnsigned = false);

/// An integer index element as `index`, negative values counting back from `dim`.
Value wrapIndex(OpBuilder &b, Location loc, Value element, int64_t dim);

/// Whether `op`'s integer operands were unsigned before lowering made every
/// type signless (convert-qnn-to-linalg marks such ops `qnn.unsigned` first;
/// a Cast to an unsigned type is marked `qnn.unsigned_result`).
inline bool hasUnsignedOperands(mlir::Operation *op) { return op->hasAttr("qnn.unsigned"); }
inline bool hasUnsignedResult(mlir::Operation *op) { return op->hasAttr("qnn.unsigned_result"); }

/// The pattern sets, one per op family.
/// Scalar bodies the lowering gives these ops, for the integer kernels'
/// epilogues to run the same arithmetic: an activation's (Relu, Clip,
/// HardSwish, HardSigmoid, LeakyRelu; null for any other op),
/// dequantize's `float(int32(q) - zero) * scale` and quantize's
/// `clamp(roundeven(x / scale) + zero, lo, hi)` converted to `storage`.
Value activationBody(mlir::Operation *op, OpBuilder &b, Location loc, Value x);
Value dequantizeBody(OpBuilder &b, Location loc, Value q, Value scale, Value zero);
Value quantizeBody(OpBuilder &b, Location loc, Value x, Value scale, Value zero, double lo,
                   double hi, Type storage);

void populateElementwisePatterns(mlir::RewritePatternSet &patterns);
void populateMathElementwisePatterns(mlir::RewritePatternSet &patterns);
void populateIndexingPatterns(mlir::RewritePatternSet &patterns);
/// `topKSelection`: TopK of a few from long rows by selection (ConvertQNNToLinalgPass).
void populateReductionPatterns(mlir::RewritePatternSet &patterns, bool topKSelection = false);
void populateScatterPatterns(mlir::RewritePatternSet &patterns);
/// `poolTaps`: max pools as elementwise generics over their taps (ConvertQNNToLinalgPass).
void populateConvPatterns(mlir::RewritePatternSet &patterns, bool poolTaps = false);
void populateConv3DPatterns(mlir::RewritePatternSet &patterns);
void populateMatmulPatterns(mlir::RewritePatternSet &patterns);
void populateNormalizationPatterns(mlir::RewritePatternSet &patterns);
void populateDataMovementPatterns(mlir::RewritePatternSet &patterns);
void populateGridSamplePatterns(mlir::RewritePatternSet &patterns);
void populateQuantizationPatterns(mlir::RewritePatternSet &patterns);

} // namespace quantc::lowering

#endif // QUANTC_PASSES_CONVERSION_QNNTOLINALG_LOWERING_H
