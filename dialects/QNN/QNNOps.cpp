// qnn op definitions and the verifiers that go beyond shape inference.
#include "dialects/QNN/QNNOps.h"
#include "dialects/QNN/QNNShapeUtils.h"

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

LogicalResult ConvIntegerOp::verify() {
  auto input = getInput().getType(), weight = getWeight().getType();
  auto output = getOutput().getType();
  int64_t rank = input.getRank();
  if (rank != 4 || weight.getRank() != 4 || output.getRank() != 4)
    return emitOpError("expects 4-D (NCHW) input, weight and result");
  if (getStrides().size() != 2 || getDilations().size() != 2 || getPads().size() != 4)
    return emitOpError("expects 2 strides, 2 dilations and 4 pads");
  int64_t group = getGroup();
  std::optional<int64_t> channels = shapes::groupedChannels(weight.getDimSize(1), group);
  if (group < 1 || !channels || input.getDimSize(1) != *channels ||
      weight.getDimSize(0) % group != 0)
    return emitOpError("channels do not match the weight and group ") << group;
  if (getBias() && (getBias().getType().getRank() != 1 ||
                    getBias().getType().getDimSize(0) != weight.getDimSize(0)))
    return emitOpError("bias must be 1-D with one value per output channel");
  if (getInputZeroPoint() < -128 || getInputZeroPoint() > 127)
    return emitOpError("input_zero_point must fit in int8");
  auto pads = getPads(), strides = getStrides(), dilations = getDilations();
  if (failed(shapes::checkWindowAttrs(getLoc(), "conv_integer", 2, strides, dilations, pads)))
    return failure();
  for (int d = 0; d < 2; ++d) {
    int64_t in = input.getDimSize(2 + d), k = weight.getDimSize(2 + d);
    auto want = shapes::windowOutputSize(in, k, strides[d], dilations[d], pads[d], pads[2 + d],
                                         /*ceilMode=*/false);
    if (failed(want))
      return emitOpError("kernel dim ") << d << " (" << k << ") is larger than the padded input";
    if (output.getDimSize(2 + d) != *want)
      return emitOpError("result spatial dim ") << d << " is " << output.getDimSize(2 + d)
                                                << ", expected " << *want;
  }
  if (output.getDimSize(0) != input.getDimSize(0) || output.getDimSize(1) != weight.getDimSize(0))
    return emitOpError("result must be N x F x OH x OW");
  return success();
}

LogicalResult RequantizeOp::verify() {
  auto quantized = dyn_cast<quant::UniformQuantizedType>(getOutput().getType().getElementType());
  if (!quantized)
    return emitOpError("result must be a per-tensor !quant.uniform tensor, got ")
           << getOutput().getType();
  if (getOutput().getType().getShape() != getInput().getType().getShape())
    return emitOpError("input and result shapes differ");
  size_t channels = getMultipliers().size();
  if (channels == 0 || channels != getShifts().size())
    return emitOpError("needs one shift per multiplier");
  int64_t axis = getAxis();
  if (axis == -1 ? channels != 1
                 : (axis < 0 || axis >= getInput().getType().getRank() ||
                    getInput().getType().getDimSize(axis) != int64_t(channels)))
    return emitOpError("multipliers do not match axis ") << axis;
  for (auto [multiplier, shift] : llvm::zip(getMultipliers(), getShifts()))
    if (multiplier < (1 << 30) || shift < 1 || shift > 62)
      return emitOpError("multipliers must be in [2^30, 2^31) and shifts in [1, 62]");
  int64_t lo = getClampMin().value_or(quantized.getStorageTypeMin());
  int64_t hi = getClampMax().value_or(quantized.getStorageTypeMax());
  if (lo < quantized.getStorageTypeMin() || hi > quantized.getStorageTypeMax() || lo > hi)
    return emitOpError("clamp range [") << lo << ", " << hi << "] is not inside the storage range";
  return success();
}

LogicalResult LookupTableOp::verify() {
  auto isInt8 = [](Type element) {
    auto quantized = dyn_cast<quant::UniformQuantizedType>(element);
    return quantized && quantized.getStorageTypeIntegralWidth() == 8 && quantized.isSigned() &&
           quantized.getStorageTypeMin() == -128 && quantized.getStorageTypeMax() == 127;
  };
  if (!isInt8(getInput().getType().getElementType()) || !isInt8(getOutput().getType().getElementType()))
    return emitOpError("input and result must be per-tensor !quant.uniform<i8> tensors");
  if (getInput().getType().getShape() != getOutput().getType().getShape())
    return emitOpError("input and result shapes differ");
  if (getTable().size() != 256)
    return emitOpError("table must have 256 entries, got ") << getTable().size();
  return success();
}

LogicalResult MatMulIntegerOp::verify() {
  auto a = getA().getType(), b = getB().getType(), output = getOutput().getType();
  if (a.getRank() < 2 || b.getRank() != 2)
    return emitOpError("expects a of rank >= 2 and a 2-D b");
  if (a.getShape().back() != b.getDimSize(0))
    return emitOpError("a has K = ") << a.getShape().back() << " but b has " << b.getDimSize(0);
  SmallVector<int64_t> want(a.getShape().drop_back());
  want.push_back(b.getDimSize(1));
  if (output.getShape() != ArrayRef<int64_t>(want))
    return emitOpError("result must be a's shape with the last dim N = ") << b.getDimSize(1);
  if (getBias() && (getBias().getType().getRank() != 1 ||
                    getBias().getType().getDimSize(0) != b.getDimSize(1)))
    return emitOpError("bias must be 1-D with N values");
  return success();
}
