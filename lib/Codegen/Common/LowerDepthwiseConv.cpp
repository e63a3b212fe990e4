// qkernel.depthwise_conv_integer -> loops over output pixels and vectors of
// contiguous channels (the family's int32 lanes: 16 on AVX-512), the taps
// unrolled and summed in registers; a masked vector takes the channel tail.
#include "Buffers.h"
#include "dialects/QKernel/QKernelOps.h"
#include "quantc/Codegen/DotInstruction.h"
#include "quantc/Codegen/Lowering.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace quantc::codegen {
namespace {

/// The input padded with its zero point, which the bias already corrects
/// for (qnn-fold-scales folds -zero_point * sum(w) into it).
Value padInput(OpBuilder &b, Location loc, qkernel::DepthwiseConvIntegerOp op) {
  Value input = op.getInput();
  ArrayRef<int64_t> pads = op.getPads();
  if (llvm::all_of(pads, [](int64_t p) { return p == 0; }))
    return input;
  auto type = cast<RankedTensorType>(input.getType());
  SmallVector<int64_t> shape(type.getShape());
  shape[1] += pads[0] + pads[2];
  shape[2] += pads[1] + pads[3];
  Value zero = arith::ConstantIntOp::create(b, loc, b.getI8Type(), op.getInputZeroPoint());
  SmallVector<OpFoldResult> low = {b.getIndexAttr(0), b.getIndexAttr(pads[0]),
                                   b.getIndexAttr(pads[1]), b.getIndexAttr(0)};
  SmallVector<OpFoldResult> high = {b.getIndexAttr(0), b.getIndexAttr(pads[2]),
                                    b.getIndexAttr(pads[3]), b.getIndexAttr(0)};
  return tensor::PadOp::create(b, loc, RankedTensorType::get(shape, b.getI8Type()), input, low,
                               high, zero);
}

/// One vector of `lanes` channels from c0 of a buffer at `prefix` indices
/// (then the channel): a plain load, or a masked one for the channel tail.
Value loadChannels(OpBuilder &b, Location loc, Value buffer, ValueRange prefix, Value c0,
                   VectorType type, Value tailMask) {
  SmallVector<Value> indices(prefix);
  indices.push_back(c0);
  if (!tailMask)
    return vector::LoadOp::create(b, loc, type, buffer, indices);
  Value zero = arith::ConstantOp::create(b, loc, type, b.getZeroAttr(type));
  return vector::MaskedLoadOp::create(b, loc, type, buffer, indices, tailMask, zero);
}

/// Output pixel (n, oh, ow), channels [c0, c0 + lanes): the bias, then the
/// KH x KW taps (unrolled: the window is small and static) multiplied and
/// added in int32 registers, then one store.
void emitChannelVector(OpBuilder &b, Location loc, qkernel::DepthwiseConvIntegerOp op,
                       Value input, Value weight, Value bias, Value output, ValueRange pixel,
                       Value c0, int64_t lanes, Value tailMask) {
  auto accType = VectorType::get({lanes}, b.getI32Type());
  auto byteType = VectorType::get({lanes}, b.getI8Type());
  Value acc = bias ? loadChannels(b, loc, bias, {}, c0, accType, tailMask)
                   : Value(arith::ConstantOp::create(b, loc, accType, b.getZeroAttr(accType)));
  auto weightShape = op.getWeight().getType().getShape();
  ArrayRef<int64_t> strides = op.getStrides(), dilations = op.getDilations();
  auto index = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
  auto affine = [&](Value v, int64_t scale, int64_t offset) -> Value {
    Value scaled = scale == 1 ? v : arith::MulIOp::create(b, loc, v, index(scale)).getResult();
    return offset == 0 ? scaled : arith::AddIOp::create(b, loc, scaled, index(offset)).getResult();
  };
  for (int64_t kh = 0; kh < weightShape[0]; ++kh)
    for (int64_t kw = 0; kw < weightShape[1]; ++kw) {
      Value row = affine(pixel[1], strides[0], kh * dilations[0]);
      Value column = affine(pixel[2], strides[1], kw * dilations[1]);
      Value x = loadChannels(b, loc, input, {pixel[0], row, column}, c0, byteType, tailMask);
      Value w = loadChannels(b, loc, weight, {index(kh), index(kw)}, c0, byteType, tailMask);
      Value product = arith::MulIOp::create(b, loc, arith::ExtSIOp::create(b, loc, accType, x),
                                            arith::ExtSIOp::create(b, loc, accType, w));
      acc = arith::AddIOp::create(b, loc, acc, product);
    }
  SmallVector<Value> indices(pixel);
  indices.push_back(c0);
  if (tailMask)
    vector::MaskedStoreOp::create(b, loc, output, indices, tailMask, acc);
  else
    vector::StoreOp::create(b, loc, acc, output, indices);
}

void lowerDepthwiseConv(qkernel::DepthwiseConvIntegerOp op, int64_t lanes) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  Value input = readOnlyBuffer(b, loc, padInput(b, loc, op));
  Value weight = readOnlyBuffer(b, loc, op.getWeight());
  Value bias = op.getBias() ? readOnlyBuffer(b, loc, op.getBias()) : Value();
  RankedTensorType type = op.getOutput().getType();
  Value output =
      memref::AllocOp::create(b, loc, MemRefType::get(type.getShape(), type.getElementType()));
  int64_t channels = type.getDimSize(3), full = channels - channels % lanes;
  auto index = [&](int64_t v) -> Value { return arith::ConstantIndexOp::create(b, loc, v); };
  SmallVector<Value> lower(3, index(0)), upper, steps(3, index(1));
  for (int64_t d = 0; d < 3; ++d)
    upper.push_back(index(type.getDimSize(d)));
  scf::buildLoopNest(b, loc, lower, upper, steps, [&](OpBuilder &nb, Location l, ValueRange pixel) {
    if (full > 0)
      scf::ForOp::create(nb, l, arith::ConstantIndexOp::create(nb, l, 0),
                         arith::ConstantIndexOp::create(nb, l, full),
                         arith::ConstantIndexOp::create(nb, l, lanes), ValueRange{},
                         [&](OpBuilder &cb, Location cl, Value c0, ValueRange) {
                           emitChannelVector(cb, cl, op, input, weight, bias, output, pixel, c0,
                                             lanes, Value());
                           scf::YieldOp::create(cb, cl);
                         });
    if (full < channels) {
      auto maskType = VectorType::get({lanes}, nb.getI1Type());
      Value mask = vector::CreateMaskOp::create(
          nb, l, maskType, ValueRange{arith::ConstantIndexOp::create(nb, l, channels - full)});
      emitChannelVector(nb, l, op, input, weight, bias, output, pixel,
                        arith::ConstantIndexOp::create(nb, l, full), lanes, mask);
    }
  });
  op.getOutput().replaceAllUsesWith(writtenTensor(b, loc, output));
  op.erase();
}

} // namespace

void lowerDepthwiseConvs(ModuleOp module, StringRef family) {
  SmallVector<qkernel::DepthwiseConvIntegerOp> ops;
  module.walk([&](qkernel::DepthwiseConvIntegerOp op) { ops.push_back(op); });
  for (auto op : ops)
    lowerDepthwiseConv(op, familyLanes(family));
}

} // namespace quantc::codegen
