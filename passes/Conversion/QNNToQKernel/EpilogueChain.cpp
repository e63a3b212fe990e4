// Matching and building a W8A8 kernel's epilogue (see EpilogueChain.h).
#include "passes/Conversion/QNNToQKernel/EpilogueChain.h"

#include "dialects/QKernel/QKernelOps.h"
#include "dialects/QNN/QNNOps.h"
#include "passes/Conversion/QNNToLinalg/Lowering.h"
#include "quantc/Codegen/Requantize.h"

#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"

using namespace mlir;

namespace quantc {
namespace {

/// Per-tensor or per-`channelAxis` uniform parameters.
bool perTensorOrChannel(Type type, int64_t channelAxis) {
  Type element = cast<ShapedType>(type).getElementType();
  if (isa<quant::UniformQuantizedType>(element))
    return true;
  auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(element);
  return perAxis && perAxis.getQuantizedDimension() == channelAxis;
}

Operation *soleUser(Value value) {
  return value.hasOneUse() ? *value.getUsers().begin() : nullptr;
}

bool isActivation(Operation *op) {
  return isa<qnn::ReluOp, qnn::ClipOp, qnn::HardSwishOp, qnn::HardSigmoidOp, qnn::LeakyReluOp>(op);
}

/// values[channel] at the region's channel argument: a constant table of
/// every channel's value, read at it.
template <typename T>
Value tableAt(OpBuilder &b, Location loc, ArrayRef<T> values, Type element, Value channel) {
  auto type = RankedTensorType::get({int64_t(values.size())}, element);
  Value table = arith::ConstantOp::create(b, loc, DenseElementsAttr::get(type, values));
  return tensor::ExtractOp::create(b, loc, table, ValueRange{channel});
}

/// The scale and zero point of `type`'s channel `channel` (block argument)
/// as scalars: constants, or extracts from [channels] tables.
std::pair<Value, Value> paramsAt(OpBuilder &b, Location loc, Type type, Value channel) {
  Type element = cast<ShapedType>(type).getElementType();
  if (auto uniform = dyn_cast<quant::UniformQuantizedType>(element))
    return {arith::ConstantOp::create(b, loc, b.getF32FloatAttr(float(uniform.getScale()))),
            arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(int32_t(uniform.getZeroPoint())))};
  auto perAxis = cast<quant::UniformQuantizedPerAxisType>(element);
  SmallVector<float> scales(perAxis.getScales().begin(), perAxis.getScales().end());
  SmallVector<int32_t> zeros(perAxis.getZeroPoints().begin(), perAxis.getZeroPoints().end());
  // Per-channel scales with one zero point (symmetric int32 sums): a scalar.
  Value zero = llvm::all_equal(zeros)
                   ? arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(zeros.front()))
                   : tableAt(b, loc, ArrayRef(zeros), b.getI32Type(), channel);
  return {tableAt(b, loc, ArrayRef(scales), b.getF32Type(), channel), zero};
}

/// Signed 8-bit storage.
bool isInt8(Type type) {
  auto element = dyn_cast<quant::QuantizedType>(cast<ShapedType>(type).getElementType());
  return element && element.isSigned() && element.getStorageTypeIntegralWidth() == 8;
}

/// `op` (a quantize or requantize to int8) and the storage cast that is its
/// only user, if so, as the chain's end.
void endWith(EpilogueChain &chain, Operation *op) {
  chain.ops.push_back(op);
  chain.last = op;
  chain.element = IntegerType::get(op->getContext(), 8);
  if (auto storage = dyn_cast_or_null<quant::StorageCastOp>(soleUser(op->getResult(0)))) {
    chain.ops.push_back(storage);
    chain.last = storage;
  }
}

/// qnn.requantize's arithmetic on one accumulator (codegen::emitRequantize,
/// as its lowering and the kernels' attribute form run it).
Value requantizeBody(OpBuilder &b, Location loc, qnn::RequantizeOp requantize, Value acc,
                     Value channel) {
  ArrayRef<int32_t> multipliers = requantize.getMultipliers();
  ArrayRef<int64_t> shifts = requantize.getShifts();
  auto i64 = b.getI64Type();
  auto table = [&](auto valueOf) -> Value {
    if (multipliers.size() == 1)
      return arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(valueOf(0)));
    SmallVector<int64_t> values;
    for (size_t c = 0; c < multipliers.size(); ++c)
      values.push_back(valueOf(c));
    return tableAt(b, loc, ArrayRef(values), i64, channel);
  };
  Value multiplier = table([&](int64_t c) { return int64_t(multipliers[c]); });
  Value half = table([&](int64_t c) { return int64_t(1) << (shifts[c] - 1); });
  Value shift = table([&](int64_t c) { return shifts[c]; });
  auto element = cast<quant::UniformQuantizedType>(requantize.getType().getElementType());
  int64_t lo = requantize.getClampMin().value_or(element.getStorageTypeMin());
  int64_t hi = requantize.getClampMax().value_or(element.getStorageTypeMax());
  return codegen::emitRequantize(b, loc, acc, multiplier, half, shift, element.getZeroPoint(), lo,
                                 hi, b.getI8Type());
}

} // namespace

std::optional<EpilogueChain> findEpilogueChain(Value result, int64_t channelAxis,
                                               bool withRequantize) {
  EpilogueChain chain;
  if (auto requantize = dyn_cast_or_null<qnn::RequantizeOp>(soleUser(result))) {
    if (!withRequantize || !isInt8(requantize.getType()) ||
        (requantize.getAxis() != -1 && requantize.getAxis() != channelAxis))
      return std::nullopt;
    endWith(chain, requantize);
    return chain;
  }
  auto storageCast = dyn_cast_or_null<quant::StorageCastOp>(soleUser(result));
  if (!storageCast || !perTensorOrChannel(storageCast.getType(), channelAxis))
    return std::nullopt;
  auto dequantize = dyn_cast_or_null<qnn::DequantizeOp>(soleUser(storageCast.getResult()));
  if (!dequantize)
    return std::nullopt;
  chain.ops = {storageCast, dequantize};
  Operation *last = dequantize;
  while (Operation *next = soleUser(last->getResult(0))) {
    if (!isActivation(next))
      break;
    chain.ops.push_back(next);
    last = next;
  }
  chain.element = Float32Type::get(result.getContext());
  chain.last = last;
  auto quantize = dyn_cast_or_null<qnn::QuantizeOp>(soleUser(last->getResult(0)));
  if (quantize && isInt8(quantize.getType()) && perTensorOrChannel(quantize.getType(), channelAxis))
    endWith(chain, quantize);
  return chain;
}

void buildEpilogue(OpBuilder &b, Location loc, Region &region, const EpilogueChain &chain) {
  OpBuilder::InsertionGuard guard(b);
  Block *block = b.createBlock(&region, {}, {b.getI32Type(), b.getIndexType()}, {loc, loc});
  Value value = block->getArgument(0), channel = block->getArgument(1);
  for (Operation *op : chain.ops) {
    if (auto dequantize = dyn_cast<qnn::DequantizeOp>(op)) {
      auto [scale, zero] = paramsAt(b, loc, dequantize.getInput().getType(), channel);
      value = lowering::dequantizeBody(b, loc, value, scale, zero);
    } else if (auto quantize = dyn_cast<qnn::QuantizeOp>(op)) {
      auto element = cast<quant::QuantizedType>(quantize.getType().getElementType());
      auto [scale, zero] = paramsAt(b, loc, quantize.getType(), channel);
      value = lowering::quantizeBody(b, loc, value, scale, zero,
                                     double(element.getStorageTypeMin()),
                                     double(element.getStorageTypeMax()), element.getStorageType());
    } else if (auto requantize = dyn_cast<qnn::RequantizeOp>(op)) {
      value = requantizeBody(b, loc, requantize, value, channel);
    } else if (isActivation(op)) {
      value = lowering::activationBody(op, b, loc, value);
    }
  }
  qkernel::YieldOp::create(b, loc, value);
}

} // namespace quantc
