// qnn op definitions and the verifiers that go beyond shape inference.
#include "dialects/QNN/QNNOps.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace quantc::qnn;

#define GET_OP_CLASSES
#include "dialects/QNN/QNNOps.cpp.inc"

LogicalResult GeluOp::verify() {
  if (getApproximate() != "none" && getApproximate() != "tanh")
    return emitOpError("approximate must be \"none\" or \"tanh\", got \"")
           << getApproximate() << "\"";
  return success();
}

LogicalResult ClipOp::verify() {
  if (getMin() && getMax() && getMin()->convertToFloat() > getMax()->convertToFloat())
    return emitOpError("min ") << getMin()->convertToFloat() << " is greater than max "
                               << getMax()->convertToFloat();
  return success();
}

LogicalResult SoftmaxOp::verify() {
  int64_t rank = getType().getRank();
  if (getAxis() < -rank || getAxis() >= rank)
    return emitOpError("axis ") << getAxis() << " is out of range for rank " << rank;
  return success();
}

/// The quantized side of quantize/dequantize: same shape as the float side,
/// a !quant.uniform element type whose expressed type is the float type.
static LogicalResult verifyQuantizedPair(Operation *op, RankedTensorType floatType,
                                         RankedTensorType quantType) {
  auto element = dyn_cast<quant::UniformQuantizedType>(quantType.getElementType());
  auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(quantType.getElementType());
  auto subChannel =
      dyn_cast<quant::UniformQuantizedSubChannelType>(quantType.getElementType());
  if (!element && !perAxis && !subChannel)
    return op->emitOpError("expects a !quant.uniform element type, got ")
           << quantType.getElementType();
  auto quantElement = cast<quant::QuantizedType>(quantType.getElementType());
  if (quantElement.getExpressedType() != floatType.getElementType())
    return op->emitOpError("quantized expressed type ")
           << quantElement.getExpressedType() << " differs from float type "
           << floatType.getElementType();
  if (floatType.getShape() != quantType.getShape())
    return op->emitOpError("float and quantized shapes differ");
  if (perAxis) {
    int32_t axis = perAxis.getQuantizedDimension();
    if (axis >= quantType.getRank() ||
        (!quantType.isDynamicDim(axis) &&
         quantType.getDimSize(axis) != static_cast<int64_t>(perAxis.getScales().size())))
      return op->emitOpError("per-axis scales do not match quantized dimension ") << axis;
  }
  return success();
}

LogicalResult QuantizeOp::verify() {
  return verifyQuantizedPair(*this, getInput().getType(), getOutput().getType());
}

LogicalResult DequantizeOp::verify() {
  return verifyQuantizedPair(*this, getOutput().getType(), getInput().getType());
}
