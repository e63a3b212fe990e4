// convert-qnn-to-linalg: the pass, the lowerability check and the shared builders.
#include "passes/Conversion/QNNToLinalg/Lowering.h"
#include "passes/Conversion/Passes.h"
#include "passes/Transforms/ConstantUtils.h"
#include "quantc/Support/MappedPages.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/Transforms/DialectConversion.h"

#include <cmath>

namespace quantc {
#define GEN_PASS_DEF_CONVERTQNNTOLINALGPASS
#include "passes/Conversion/Passes.h.inc"
} // namespace quantc

using namespace mlir;

namespace quantc::lowering {

Value emptyTensor(OpBuilder &b, Location loc, RankedTensorType type) {
  return tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType());
}

Value scalarConstant(OpBuilder &b, Location loc, Type type, double value) {
  if (auto floatType = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(floatType, value));
  return arith::ConstantOp::create(b, loc, b.getIntegerAttr(type, int64_t(value)));
}

Value filledTensor(OpBuilder &b, Location loc, RankedTensorType type, double value) {
  Value scalar = scalarConstant(b, loc, type.getElementType(), value);
  return linalg::FillOp::create(b, loc, scalar, emptyTensor(b, loc, type)).getResult(0);
}

AffineMap broadcastMap(ArrayRef<int64_t> operandShape, ArrayRef<int64_t> resultShape,
                       MLIRContext *context) {
  int64_t offset = int64_t(resultShape.size()) - int64_t(operandShape.size());
  SmallVector<AffineExpr> exprs;
  for (auto [i, dim] : llvm::enumerate(operandShape)) {
    int64_t resultDim = offset + int64_t(i);
    exprs.push_back(dim == 1 && resultShape[resultDim] != 1
                        ? getAffineConstantExpr(0, context)
                        : getAffineDimExpr(resultDim, context));
  }
  return AffineMap::get(resultShape.size(), 0, exprs, context);
}

Value elementwise(OpBuilder &b, Location loc, RankedTensorType resultType, ValueRange operands,
                  BodyBuilder body) {
  MLIRContext *context = b.getContext();
  SmallVector<AffineMap> maps;
  for (Value operand : operands)
    maps.push_back(broadcastMap(cast<RankedTensorType>(operand.getType()).getShape(),
                                resultType.getShape(), context));
  maps.push_back(AffineMap::getMultiDimIdentityMap(resultType.getRank(), context));
  SmallVector<utils::IteratorType> iterators(resultType.getRank(),
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, resultType, operands, emptyTensor(b, loc, resultType), maps, iterators,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        Value result = body(nested, nestedLoc, args.drop_back());
        linalg::YieldOp::create(nested, nestedLoc, result);
      });
  return generic.getResult(0);
}

Value windowMatrix(OpBuilder &b, Location loc, Value image, ArrayRef<int64_t> kernel,
                   ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations,
                   ArrayRef<int64_t> output) {
  auto type = cast<RankedTensorType>(image.getType());
  MLIRContext *ctx = b.getContext();
  AffineExpr c, ky, kx, oy, ox;
  bindDims(ctx, c, ky, kx, oy, ox);
  auto read = AffineMap::get(
      5, 0, {c, oy * strides[0] + ky * dilations[0], ox * strides[1] + kx * dilations[1]}, ctx);
  auto matrixType = type.clone({type.getDimSize(0), kernel[0], kernel[1], output[0], output[1]});
  SmallVector<AffineMap> maps = {read, AffineMap::getMultiDimIdentityMap(5, ctx)};
  SmallVector<utils::IteratorType> iterators(5, utils::IteratorType::parallel);
  return linalg::GenericOp::create(b, loc, matrixType, image, emptyTensor(b, loc, matrixType), maps,
                                   iterators,
                                   [](OpBuilder &nested, Location nestedLoc, ValueRange args) {
                                     linalg::YieldOp::create(nested, nestedLoc, args[0]);
                                   })
      .getResult(0);
}

Value reshape(OpBuilder &b, Location loc, Value value, ArrayRef<int64_t> shape) {
  auto type = cast<RankedTensorType>(value.getType());
  if (type.getShape() == shape)
    return value;
  // Through a 1-D view: collapse/expand bufferize to views of contiguous
  // buffers (tensor.reshape would force a copy of any strided slice).
  auto allDims = [](int64_t rank) {
    ReassociationIndices group;
    for (int64_t d = 0; d < rank; ++d)
      group.push_back(d);
    return SmallVector<ReassociationIndices>{group};
  };
  int64_t numel = type.getNumElements();
  auto flatType = type.clone(ArrayRef<int64_t>{numel});
  Value flat = value;
  if (type.getRank() == 0)
    flat = tensor::ExpandShapeOp::create(b, loc, flatType, value, ArrayRef<ReassociationIndices>{});
  else if (type.getRank() > 1)
    flat = tensor::CollapseShapeOp::create(b, loc, flatType, value, allDims(type.getRank()));
  if (shape.size() == 1)
    return flat;
  auto resultType = type.clone(shape);
  if (shape.empty())
    return tensor::CollapseShapeOp::create(b, loc, resultType, flat, ArrayRef<ReassociationIndices>{});
  return tensor::ExpandShapeOp::create(b, loc, resultType, flat, allDims(shape.size()));
}

/// `values` (of `shape`, row-major) with their dims permuted by `perm`.
static std::vector<float> permuted(ArrayRef<float> values, ArrayRef<int64_t> shape,
                                   ArrayRef<int64_t> perm) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t d = int64_t(shape.size()) - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * shape[d + 1];
  std::vector<float> result(values.size());
  SmallVector<int64_t> index(shape.size(), 0); // in the result's dims
  for (float &out : result) {
    int64_t from = 0;
    for (size_t d = 0; d < perm.size(); ++d)
      from += index[d] * strides[perm[d]];
    out = values[from];
    for (int64_t d = int64_t(perm.size()) - 1; d >= 0; --d) {
      if (++index[d] < shape[perm[d]])
        break;
      index[d] = 0;
    }
  }
  return result;
}

Value transpose(OpBuilder &b, Location loc, Value value, ArrayRef<int64_t> perm) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(type.getDimSize(p));
  // A constant's transpose (a Gemm's transB weights) is made here, once,
  // not by a loop at every call.
  if (type.getElementType().isF32() && type.hasStaticShape())
    if (std::optional<std::vector<float>> values = qnn::readFloats(value)) {
      std::vector<float> moved = permuted(*values, type.getShape(), perm);
      ArrayRef<char> bytes(reinterpret_cast<const char *>(moved.data()),
                           moved.size() * sizeof(float));
      return arith::ConstantOp::create(
          b, loc,
          DenseResourceElementsAttr::get(type.clone(shape), "transposed",
                                         spillBlob(bytes, alignof(std::max_align_t))));
    }
  Value init = emptyTensor(b, loc, type.clone(shape));
  return linalg::TransposeOp::create(b, loc, value, init, perm).getResult()[0];
}

Value padConstant(OpBuilder &b, Location loc, Value value, ArrayRef<int64_t> begins,
                  ArrayRef<int64_t> ends, double padValue) {
  if (llvm::all_of(begins, [](int64_t p) { return p == 0; }) &&
      llvm::all_of(ends, [](int64_t p) { return p == 0; }))
    return value;
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < type.getRank(); ++d)
    shape.push_back(type.getDimSize(d) + begins[d] + ends[d]);
  Value padScalar = scalarConstant(b, loc, type.getElementType(), padValue);
  SmallVector<OpFoldResult> low, high;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    low.push_back(b.getIndexAttr(begins[d]));
    high.push_back(b.getIndexAttr(ends[d]));
  }
  return tensor::PadOp::create(b, loc, type.clone(shape), value, low, high, padScalar);
}

/// Pads with max(0, amount) and crops where an amount is negative.
Value padOrCrop(OpBuilder &b, Location loc, Value value, ArrayRef<int64_t> begins,
                ArrayRef<int64_t> ends, double padValue) {
  SmallVector<int64_t> padBegin, padEnd;
  for (auto [begin, end] : llvm::zip(begins, ends)) {
    padBegin.push_back(std::max<int64_t>(begin, 0));
    padEnd.push_back(std::max<int64_t>(end, 0));
  }
  Value padded = padConstant(b, loc, value, padBegin, padEnd, padValue);
  auto type = cast<RankedTensorType>(padded.getType());
  SmallVector<int64_t> offsets, sizes, strides(type.getRank(), 1);
  bool crop = false;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    int64_t cropBegin = std::max<int64_t>(-begins[d], 0), cropEnd = std::max<int64_t>(-ends[d], 0);
    crop |= cropBegin || cropEnd;
    offsets.push_back(cropBegin);
    sizes.push_back(type.getDimSize(d) - cropBegin - cropEnd);
  }
  if (!crop)
    return padded;
  return tensor::ExtractSliceOp::create(b, loc, padded, foldResults(b, offsets),
                                        foldResults(b, sizes), foldResults(b, strides));
}

Value reduce(OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> axes, Value init,
             llvm::function_ref<Value(OpBuilder &, Location, Value, Value)> combine) {
  auto type = cast<RankedTensorType>(input.getType());
  MLIRContext *context = b.getContext();
  SmallVector<int64_t> shape(type.getShape());
  SmallVector<AffineExpr> outExprs;
  SmallVector<utils::IteratorType> iterators;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    bool reduced = llvm::is_contained(axes, d);
    if (reduced)
      shape[d] = 1;
    outExprs.push_back(reduced ? getAffineConstantExpr(0, context)
                               : getAffineDimExpr(d, context));
    iterators.push_back(reduced ? utils::IteratorType::reduction
                                : utils::IteratorType::parallel);
  }
  auto resultType = type.clone(shape);
  Value acc = linalg::FillOp::create(b, loc, init, emptyTensor(b, loc, resultType)).getResult(0);
  SmallVector<AffineMap> maps = {
      AffineMap::getMultiDimIdentityMap(type.getRank(), context),
      AffineMap::get(type.getRank(), 0, outExprs, context)};
  auto generic = linalg::GenericOp::create(
      b, loc, resultType, input, acc, maps, iterators,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        linalg::YieldOp::create(nested, nestedLoc,
                                combine(nested, nestedLoc, args[1], args[0]));
      });
  return generic.getResult(0);
}

Value reduce(OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> axes, double init,
             llvm::function_ref<Value(OpBuilder &, Location, Value, Value)> combine) {
  Type element = cast<RankedTensorType>(input.getType()).getElementType();
  return reduce(b, loc, input, axes, scalarConstant(b, loc, element, init), combine);
}

Value matmul(OpBuilder &b, Location loc, Value lhs, Value rhs, Value init) {
  return linalg::MatmulOp::create(b, loc, ValueRange{lhs, rhs}, ValueRange{init})
      .getResult(0);
}

SmallVector<OpFoldResult> foldResults(OpBuilder &b, ArrayRef<int64_t> values) {
  return llvm::map_to_vector(values, [&](int64_t v) -> OpFoldResult { return b.getIndexAttr(v); });
}

Value add(OpBuilder &b, Location loc, Value x, Value y) {
  if (isa<FloatType>(x.getType()))
    return arith::AddFOp::create(b, loc, x, y);
  return arith::AddIOp::create(b, loc, x, y);
}

Value mul(OpBuilder &b, Location loc, Value x, Value y) {
  if (isa<FloatType>(x.getType()))
    return arith::MulFOp::create(b, loc, x, y);
  return arith::MulIOp::create(b, loc, x, y);
}

Value maximum(OpBuilder &b, Location loc, Value x, Value y, bool isUnsigned) {
  if (isa<FloatType>(x.getType()))
    return arith::MaximumFOp::create(b, loc, x, y);
  return isUnsigned ? Value(arith::MaxUIOp::create(b, loc, x, y))
                    : Value(arith::MaxSIOp::create(b, loc, x, y));
}

Value minimum(OpBuilder &b, Location loc, Value x, Value y, bool isUnsigned) {
  if (isa<FloatType>(x.getType()))
    return arith::MinimumFOp::create(b, loc, x, y);
  return isUnsigned ? Value(arith::MinUIOp::create(b, loc, x, y))
                    : Value(arith::MinSIOp::create(b, loc, x, y));
}

/// The lowest (or highest) value of a float or (un)signed integer type: the
/// identity of max (or min).
Value extremeValue(OpBuilder &b, Location loc, Type type, bool highest, bool isUnsigned) {
  if (auto floatType = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(
        b, loc, b.getFloatAttr(floatType, highest ? INFINITY : -INFINITY));
  unsigned width = type.getIntOrFloatBitWidth();
  APInt value = highest ? APInt::getSignedMaxValue(width) : APInt::getSignedMinValue(width);
  if (isUnsigned)
    value = highest ? APInt::getMaxValue(width) : APInt::getZero(width);
  if (width == 1)
    value = APInt(1, highest ? 1 : 0);
  return arith::ConstantOp::create(b, loc, b.getIntegerAttr(type, value));
}

Value wrapIndex(OpBuilder &b, Location loc, Value element, int64_t dim) {
  Value index = arith::IndexCastOp::create(b, loc, b.getIndexType(), element);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value wrapped = arith::AddIOp::create(b, loc, index, arith::ConstantIndexOp::create(b, loc, dim));
  Value negative = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, index, zero);
  return arith::SelectOp::create(b, loc, negative, wrapped, index);
}

/// Quantize/dequantize lower when shapes are static and the storage type is a
/// signless-convertible signed integer of at most 32 bits.
static std::string whyQuantizationNotLowerable(Operation *op) {
  auto quantized = cast<RankedTensorType>(isa<qnn::QuantizeOp>(op) ? op->getResult(0).getType()
                                                                   : op->getOperand(0).getType());
  if (!quantized.hasStaticShape())
    return "has a dynamic shape; bind the graph inputs with --input-shape";
  auto element = cast<quant::QuantizedType>(quantized.getElementType());
  if (!element.isSigned() || element.getStorageTypeIntegralWidth() > 32)
    return "has an unsigned or wider than 32-bit storage type, which execution does not support";
  if (!element.getExpressedType().isF32())
    return "expresses a type other than f32, which execution does not support";
  return "";
}

/// Says why `op` cannot be lowered, or returns an empty string.
static std::string whyNotLowerable(Operation *op) {
  auto checkType = [](Type type) -> std::string {
    auto tensor = dyn_cast<RankedTensorType>(type);
    if (!tensor)
      return "";
    if (!tensor.hasStaticShape())
      return "has a dynamic shape; bind the graph inputs with --input-shape";
    Type element = tensor.getElementType();
    if (isa<quant::QuantizedType>(element))
      return "is quantized; the float lowering does not run quantized ops";
    if (!element.isIntOrFloat())
      return "has an element type execution does not support";
    return "";
  };
  if (isa<qnn::QuantizeOp, qnn::DequantizeOp>(op))
    return whyQuantizationNotLowerable(op);
  if (auto requantize = dyn_cast<qnn::RequantizeOp>(op)) {
    auto element = cast<quant::QuantizedType>(requantize.getType().getElementType());
    if (!element.isSigned() || element.getStorageTypeIntegralWidth() > 32)
      return "has an unsigned or wider than 32-bit storage type, which execution does not support";
    return requantize.getType().hasStaticShape() ? "" : "has a dynamic shape";
  }
  if (auto lookup = dyn_cast<qnn::LookupTableOp>(op)) // verified: int8 -> int8
    return lookup.getType().hasStaticShape() ? "" : "has a dynamic shape";
  for (Type type : llvm::concat<Type>(op->getOperandTypes(), op->getResultTypes()))
    if (std::string why = checkType(type); !why.empty())
      return why;
  if (auto conv = dyn_cast<qnn::ConvOp>(op); conv && conv.getStrides().size() > 3)
    return "is a convolution over more than 3 spatial dims, which execution does not support";
  if (auto conv = dyn_cast<qnn::ConvTransposeOp>(op); conv && conv.getStrides().size() > 3)
    return "is a transposed convolution over more than 3 spatial dims, which execution does not "
           "support";
  if (auto pool = dyn_cast<qnn::MaxPoolOp>(op); pool && pool.getStrides().size() > 3)
    return "is a pool over more than 3 spatial dims, which execution does not support";
  if (auto pool = dyn_cast<qnn::MaxPoolOp>(op); pool && pool.getStrides().size() == 3 &&
                                                 !isa<FloatType>(pool.getType().getElementType()))
    return "is an integer 3-D max pool, which execution does not support yet";
  if (auto pool = dyn_cast<qnn::AveragePoolOp>(op); pool && pool.getStrides().size() > 3)
    return "is a pool over more than 3 spatial dims, which execution does not support";
  return "";
}

/// tensor<..x uiN> -> tensor<.. x iN>; other types unchanged.
static Type signless(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  auto integer = tensor ? dyn_cast<IntegerType>(tensor.getElementType()) : nullptr;
  if (!integer || integer.isSignless())
    return type;
  return tensor.clone(IntegerType::get(type.getContext(), integer.getWidth()));
}

/// arith works on signless integers. Ops that read unsigned operands are
/// marked `qnn.unsigned` (their lowering picks divui, cmpi ult, maxui, uitofp,
/// ...), a Cast to unsigned `qnn.unsigned_result`, and then every unsigned
/// type in the module becomes signless of the same width; the bits stay.
///   %y = qnn.div %a, %b : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
/// becomes
///   %y = qnn.div %a, %b {qnn.unsigned} : (tensor<4xi8>, tensor<4xi8>) -> tensor<4xi8>
static void eraseSignedness(ModuleOp module) {
  MLIRContext *context = module.getContext();
  module.walk([&](Operation *op) {
    if (!isa<qnn::QNNDialect>(op->getDialect()))
      return;
    if (llvm::any_of(op->getOperandTypes(), [](Type t) { return signless(t) != t; }))
      op->setAttr("qnn.unsigned", UnitAttr::get(context));
    if (auto cast = dyn_cast<qnn::CastOp>(op)) {
      if (auto integer = dyn_cast<IntegerType>(cast.getTo()); integer && integer.isUnsigned()) {
        op->setAttr("qnn.unsigned_result", UnitAttr::get(context));
        cast.setTo(IntegerType::get(context, integer.getWidth()));
      }
    }
    if (auto constant = dyn_cast<qnn::ConstantOp>(op)) {
      auto type = cast<RankedTensorType>(constant.getType());
      if (signless(type) != type) {
        auto target = cast<RankedTensorType>(signless(type));
        if (auto dense = dyn_cast<DenseElementsAttr>(constant.getValue()))
          constant.setValueAttr(dense.bitcast(target.getElementType()));
        else if (auto resource = dyn_cast<DenseResourceElementsAttr>(constant.getValue()))
          constant.setValueAttr(DenseResourceElementsAttr::get(target, resource.getRawHandle()));
      }
    }
    for (OpResult result : op->getResults())
      result.setType(signless(result.getType()));
  });
  module.walk([&](func::FuncOp func) {
    for (BlockArgument argument : func.getArguments())
      argument.setType(signless(argument.getType()));
    auto type = func.getFunctionType();
    SmallVector<Type> inputs = llvm::map_to_vector(type.getInputs(), signless);
    SmallVector<Type> results = llvm::map_to_vector(type.getResults(), signless);
    func.setType(FunctionType::get(context, inputs, results));
  });
}

namespace {
struct ConvertQNNToLinalgPass
    : quantc::impl::ConvertQNNToLinalgPassBase<ConvertQNNToLinalgPass> {
  using ConvertQNNToLinalgPassBase::ConvertQNNToLinalgPassBase;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    bool lowerable = true;
    module.walk([&](Operation *op) {
      if (!isa<qnn::QNNDialect>(op->getDialect()))
        return;
      if (std::string why = whyNotLowerable(op); !why.empty()) {
        op->emitError() << "cannot execute '" << op->getName() << "': it " << why;
        lowerable = false;
      }
    });
    module.walk([&](func::FuncOp func) {
      auto isQuantized = [](Type type) {
        auto tensor = dyn_cast<RankedTensorType>(type);
        return tensor && isa<quant::QuantizedType>(tensor.getElementType());
      };
      if (llvm::any_of(func.getArgumentTypes(), isQuantized) ||
          llvm::any_of(func.getResultTypes(), isQuantized)) {
        func.emitError() << "cannot execute function '" << func.getSymName()
                         << "': graph inputs and outputs must not be quantized (dequantize them)";
        lowerable = false;
      }
    });
    if (!lowerable)
      return signalPassFailure();

    eraseSignedness(module);
    RewritePatternSet patterns(&getContext());
    populateElementwisePatterns(patterns);
    populateMathElementwisePatterns(patterns);
    populateIndexingPatterns(patterns);
    populateReductionPatterns(patterns, topKSelection);
    populateScatterPatterns(patterns);
    populateConvPatterns(patterns, poolTaps);
    populateConv3DPatterns(patterns);
    populateMatmulPatterns(patterns);
    populateNormalizationPatterns(patterns);
    populateDataMovementPatterns(patterns);
    populateGridSamplePatterns(patterns);
    populateQuantizationPatterns(patterns);

    // Callers own the input buffers: bufferization must never write into them.
    module.walk([](func::FuncOp func) {
      for (unsigned i = 0; i < func.getNumArguments(); ++i) {
        func.setArgAttr(i, "bufferization.writable", BoolAttr::get(func.getContext(), false));
        func.removeArgAttr(i, "qnn.range"); // calibration's, meaningless below qnn
      }
    });

    ConversionTarget target(getContext());
    target.addIllegalDialect<qnn::QNNDialect>();
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    if (failed(applyPartialConversion(module, target, std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace

} // namespace quantc::lowering
