// qkernel.depthwise_conv_integer -> loops over vectors of contiguous
// channels (the family's int32 lanes: 16 on AVX-512), then output pixels:
// weights in registers, taps unrolled and summed in registers; a masked
// vector takes the channel tail. An epilogue region runs on the
// accumulators before the store.
#include "Buffers.h"
#include "dialects/QKernel/QKernelOps.h"
#include "quantc/Codegen/DotInstruction.h"
#include "quantc/Codegen/KernelEpilogue.h"
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

/// The buffers one depthwise conv reads and writes, and its epilogue.
struct DepthwiseBuffers {
  Value input, weight, bias, output;
  std::optional<KernelEpilogue> epilogue;
};

/// Channels [c0, c0 + lanes) of one output row of one image. The KH x KW
/// weight vectors (sign-extended) and the bias stay in registers across
/// the row; per pixel, the taps (unrolled: the window is small and static)
/// are multiplied and added in int32, then stored once.
void emitChannelBlock(OpBuilder &b, Location loc, qkernel::DepthwiseConvIntegerOp op,
                      const DepthwiseBuffers &buffers, Value c0, Value image, Value outRow,
                      int64_t lanes, Value tailMask) {
  auto accType = VectorType::get({lanes}, b.getI32Type());
  auto byteType = VectorType::get({lanes}, b.getI8Type());
  auto index = [&](OpBuilder &builder, int64_t v) -> Value {
    return arith::ConstantIndexOp::create(builder, loc, v);
  };
  auto weightShape = op.getWeight().getType().getShape();
  SmallVector<Value> weights;
  for (int64_t kh = 0; kh < weightShape[0]; ++kh)
    for (int64_t kw = 0; kw < weightShape[1]; ++kw)
      weights.push_back(arith::ExtSIOp::create(
          b, loc, accType,
          loadChannels(b, loc, buffers.weight, {index(b, kh), index(b, kw)}, c0, byteType,
                       tailMask)));
  Value start = buffers.bias
                    ? loadChannels(b, loc, buffers.bias, {}, c0, accType, tailMask)
                    : Value(arith::ConstantOp::create(b, loc, accType, b.getZeroAttr(accType)));
  IRMapping blockEpilogue; // its tables for this block, read with the weights
  if (buffers.epilogue)
    blockEpilogue = buffers.epilogue->forTile(b, loc, lanes, c0);
  RankedTensorType type = op.getOutput().getType();
  ArrayRef<int64_t> strides = op.getStrides(), dilations = op.getDilations();
  scf::buildLoopNest(b, loc, index(b, 0), index(b, type.getDimSize(2)), index(b, 1),
                     [&](OpBuilder &pb, Location l, ValueRange columnIv) {
    SmallVector<Value> pixel = {image, outRow, columnIv[0]};
    auto affine = [&](Value v, int64_t scale, int64_t offset) -> Value {
      Value scaled =
          scale == 1 ? v : arith::MulIOp::create(pb, l, v, index(pb, scale)).getResult();
      return offset == 0 ? scaled
                         : arith::AddIOp::create(pb, l, scaled, index(pb, offset)).getResult();
    };
    Value acc = start;
    for (int64_t kh = 0; kh < weightShape[0]; ++kh)
      for (int64_t kw = 0; kw < weightShape[1]; ++kw) {
        Value row = affine(pixel[1], strides[0], kh * dilations[0]);
        Value column = affine(pixel[2], strides[1], kw * dilations[1]);
        Value x = loadChannels(pb, l, buffers.input, {pixel[0], row, column}, c0, byteType,
                               tailMask);
        Value product = arith::MulIOp::create(pb, l, arith::ExtSIOp::create(pb, l, accType, x),
                                              weights[kh * weightShape[1] + kw]);
        acc = arith::AddIOp::create(pb, l, acc, product);
      }
    if (buffers.epilogue)
      acc = buffers.epilogue->emit(pb, acc, blockEpilogue);
    SmallVector<Value> indices = pixel;
    indices.push_back(c0);
    if (tailMask)
      vector::MaskedStoreOp::create(pb, l, buffers.output, indices, tailMask, acc);
    else
      vector::StoreOp::create(pb, l, acc, buffers.output, indices);
  });
}

void lowerDepthwiseConv(qkernel::DepthwiseConvIntegerOp op, int64_t lanes) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  RankedTensorType type = op.getOutput().getType();
  DepthwiseBuffers buffers;
  buffers.input = readOnlyBuffer(b, loc, padInput(b, loc, op));
  buffers.weight = readOnlyBuffer(b, loc, op.getWeight());
  buffers.bias = op.getBias() ? readOnlyBuffer(b, loc, op.getBias()) : Value();
  buffers.output =
      memref::AllocOp::create(b, loc, MemRefType::get(type.getShape(), type.getElementType()));
  int64_t channels = type.getDimSize(3), full = channels - channels % lanes;
  if (op.hasEpilogue()) // tables padded to whole vectors: the tail block reads lanes too
    buffers.epilogue.emplace(b, loc, op.getEpilogue(), (channels + lanes - 1) / lanes * lanes);
  auto index = [&](int64_t v) -> Value { return arith::ConstantIndexOp::create(b, loc, v); };
  // One parallel loop over (channel block, image, output row): each
  // iteration loads its block's weights once and sweeps the row.
  int64_t images = type.getDimSize(0), rows = type.getDimSize(1);
  if (full > 0)
    scf::ParallelOp::create(
        b, loc, ValueRange{index(0), index(0), index(0)},
        ValueRange{index(full / lanes), index(images), index(rows)},
        ValueRange{index(1), index(1), index(1)}, [&](OpBuilder &pb, Location pl, ValueRange ivs) {
          Value c0 = arith::MulIOp::create(pb, pl, ivs[0], index(lanes));
          emitChannelBlock(pb, pl, op, buffers, c0, ivs[1], ivs[2], lanes, Value());
        });
  if (full < channels) {
    auto maskType = VectorType::get({lanes}, b.getI1Type());
    Value mask = vector::CreateMaskOp::create(b, loc, maskType, ValueRange{index(channels - full)});
    scf::ParallelOp::create(b, loc, ValueRange{index(0), index(0)},
                            ValueRange{index(images), index(rows)}, ValueRange{index(1), index(1)},
                            [&](OpBuilder &pb, Location pl, ValueRange ivs) {
                              emitChannelBlock(pb, pl, op, buffers, index(full), ivs[0], ivs[1],
                                               lanes, mask);
                            });
  }
  op.getOutput().replaceAllUsesWith(writtenTensor(b, loc, buffers.output));
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
