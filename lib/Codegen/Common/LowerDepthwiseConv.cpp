// qkernel.depthwise_conv_integer -> loops over vectors of contiguous
// channels (the family's int32 lanes: 16 on AVX-512), then output pixels:
// weights in registers, taps unrolled and summed in registers; a masked
// vector takes the channel tail. An epilogue region runs on the
// accumulators before the store.
#include "quantc/Codegen/Buffers.h"
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

/// The input position `outIndex * stride + offset` along a dim of a tap
/// (its row or its column). With `extent`, also whether it lies inside the
/// image, and the position clamped to 0 when it does not, so its load
/// stays in bounds; without, `inside` is null (always inside).
std::pair<Value, Value> tapPosition(OpBuilder &b, Location loc, Value outIndex, int64_t stride,
                                    int64_t offset, std::optional<int64_t> extent) {
  auto index = [&](int64_t v) -> Value { return arith::ConstantIndexOp::create(b, loc, v); };
  Value position = arith::AddIOp::create(
      b, loc, arith::MulIOp::create(b, loc, outIndex, index(stride)), index(offset));
  if (!extent)
    return {Value(), position};
  Value inside = arith::AndIOp::create(
      b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, position, index(0)),
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, position, index(*extent)));
  return {inside, arith::SelectOp::create(b, loc, inside, position, index(0))};
}

/// The buffers one depthwise conv reads and writes, and its epilogue.
struct DepthwiseBuffers {
  Value input, weight, bias, output;
  std::optional<KernelEpilogue> epilogue;
};

/// Where one output row's taps read: per tap row, the input row (clamped
/// into the image) and whether it lies inside; the weights with rows that
/// fall in the padding zeroed, and the accumulator's start with their
/// padding value (the zero point) already counted.
struct RowTaps {
  SmallVector<Value> inputRow;
  SmallVector<Value> weights; // KH x KW, padding rows zeroed
  SmallVector<Value> paddingProducts; // zero point x weights, padding rows zeroed
  Value start;
};

/// Channels [c0, c0 + lanes) of one output row of one image. The KH x KW
/// weight vectors (sign-extended) and the bias stay in registers across
/// the row; per pixel, the taps (unrolled: the window is small and static)
/// are multiplied and added in int32, then stored once. Taps in the
/// padding add zero point x weight, as a padded copy of the input would,
/// without the copy: rows in the padding are settled once per row, columns
/// in it only for the few border pixels, which check each tap's column.
void emitChannelBlock(OpBuilder &b, Location loc, qkernel::DepthwiseConvIntegerOp op,
                      const DepthwiseBuffers &buffers, Value c0, Value image, Value outRow,
                      int64_t lanes, Value tailMask) {
  auto accType = VectorType::get({lanes}, b.getI32Type());
  auto byteType = VectorType::get({lanes}, b.getI8Type());
  auto index = [&](OpBuilder &builder, int64_t v) -> Value {
    return arith::ConstantIndexOp::create(builder, loc, v);
  };
  auto weightShape = op.getWeight().getType().getShape();
  int64_t kernelRows = weightShape[0], kernelColumns = weightShape[1];
  auto inputShape = op.getInput().getType().getShape();
  int64_t inputRows = inputShape[1], inputColumns = inputShape[2];
  ArrayRef<int64_t> strides = op.getStrides(), dilations = op.getDilations(),
                    pads = op.getPads(); // top, left, bottom, right
  Value zeroVector = arith::ConstantOp::create(b, loc, accType, b.getZeroAttr(accType));
  Value zeroPoint = arith::ConstantOp::create(
      b, loc, accType,
      DenseElementsAttr::get(accType, b.getI32IntegerAttr(static_cast<int8_t>(
                                          op.getInputZeroPoint()))));

  RowTaps taps;
  taps.start = buffers.bias ? loadChannels(b, loc, buffers.bias, {}, c0, accType, tailMask)
                            : zeroVector;
  bool rowsMayPad = pads[0] > 0 || pads[2] > 0;
  for (int64_t kh = 0; kh < kernelRows; ++kh) {
    Value row, inside;
    std::tie(inside, row) =
        tapPosition(b, loc, outRow, strides[0], kh * dilations[0] - pads[0],
                    rowsMayPad ? std::optional<int64_t>(inputRows) : std::nullopt);
    taps.inputRow.push_back(row);
    Value rowPadding = zeroVector;
    for (int64_t kw = 0; kw < kernelColumns; ++kw) {
      Value weight = arith::ExtSIOp::create(
          b, loc, accType,
          loadChannels(b, loc, buffers.weight, {index(b, kh), index(b, kw)}, c0, byteType,
                       tailMask));
      Value product = arith::MulIOp::create(b, loc, zeroPoint, weight);
      if (inside) {
        rowPadding = arith::AddIOp::create(b, loc, rowPadding, product);
        weight = arith::SelectOp::create(b, loc, inside, weight, zeroVector);
        product = arith::SelectOp::create(b, loc, inside, product, zeroVector);
      }
      taps.weights.push_back(weight);
      taps.paddingProducts.push_back(product);
    }
    if (inside)
      taps.start = arith::AddIOp::create(
          b, loc, taps.start, arith::SelectOp::create(b, loc, inside, zeroVector, rowPadding));
  }
  IRMapping blockEpilogue; // its tables for this block, read with the weights
  if (buffers.epilogue)
    blockEpilogue = buffers.epilogue->forTile(b, loc, lanes, c0);

  // One output pixel at `column`. Inside, every tap's column is in the
  // image; at the border each tap column is checked (and clamped, so the
  // load stays in bounds), a tap outside adding zero point x weight.
  auto emitPixel = [&](OpBuilder &pb, Location l, Value column, bool border) {
    Value acc = taps.start;
    for (int64_t kw = 0; kw < kernelColumns; ++kw) {
      Value inputColumn, inside;
      std::tie(inside, inputColumn) =
          tapPosition(pb, l, column, strides[1], kw * dilations[1] - pads[1],
                      border ? std::optional<int64_t>(inputColumns) : std::nullopt);
      for (int64_t kh = 0; kh < kernelRows; ++kh) {
        int64_t tap = kh * kernelColumns + kw;
        Value x = loadChannels(pb, l, buffers.input, {image, taps.inputRow[kh], inputColumn}, c0,
                               byteType, tailMask);
        Value product = arith::MulIOp::create(pb, l, arith::ExtSIOp::create(pb, l, accType, x),
                                              taps.weights[tap]);
        if (inside)
          product = arith::SelectOp::create(pb, l, inside, product, taps.paddingProducts[tap]);
        acc = arith::AddIOp::create(pb, l, acc, product);
      }
    }
    if (buffers.epilogue)
      acc = buffers.epilogue->emit(pb, acc, blockEpilogue);
    SmallVector<Value> indices = {image, outRow, column, c0};
    if (tailMask)
      vector::MaskedStoreOp::create(pb, l, buffers.output, indices, tailMask, acc);
    else
      vector::StoreOp::create(pb, l, acc, buffers.output, indices);
  };

  // Output columns [first, last] read only columns inside the image; the
  // ones before and after them (a few: the padding's width over the
  // stride) share one loop of checked pixels.
  int64_t columns = op.getOutput().getType().getDimSize(2);
  int64_t span = (kernelColumns - 1) * dilations[1];
  int64_t first = std::min(columns, (pads[1] + strides[1] - 1) / strides[1]);
  int64_t lastInside = inputColumns - 1 - span + pads[1];
  int64_t last = std::min(columns - 1, lastInside >= 0 ? lastInside / strides[1] : -1);
  if (last < first) { // every pixel reaches into the padding
    first = columns;
    last = columns - 1;
  }
  int64_t after = last + 1, borders = first + (columns - after);
  if (borders > 0)
    scf::buildLoopNest(b, loc, index(b, 0), index(b, borders), index(b, 1),
                       [&](OpBuilder &pb, Location l, ValueRange borderIv) {
      // Border pixel n is column n on the left, after + (n - first) on the right.
      Value isLeft = arith::CmpIOp::create(pb, l, arith::CmpIPredicate::slt, borderIv[0],
                                           index(pb, first));
      Value right = arith::AddIOp::create(pb, l, borderIv[0], index(pb, after - first));
      emitPixel(pb, l, arith::SelectOp::create(pb, l, isLeft, borderIv[0], right), true);
    });
  if (first <= last)
    scf::buildLoopNest(b, loc, index(b, first), index(b, last + 1), index(b, 1),
                       [&](OpBuilder &pb, Location l, ValueRange columnIv) {
                         emitPixel(pb, l, columnIv[0], false);
                       });
}

void lowerDepthwiseConv(qkernel::DepthwiseConvIntegerOp op, int64_t lanes) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  RankedTensorType type = op.getOutput().getType();
  DepthwiseBuffers buffers;
  buffers.input = readOnlyBuffer(b, loc, op.getInput());
  buffers.weight = readOnlyBuffer(b, loc, op.getWeight());
  buffers.bias = op.getBias() ? readOnlyBuffer(b, loc, op.getBias()) : Value();
  buffers.output =
      memref::AllocOp::create(b, loc, MemRefType::get(type.getShape(), type.getElementType()));
  int64_t channels = type.getDimSize(3), full = channels - channels % lanes;
  if (op.hasEpilogue()) // tables padded to whole vectors: the tail block reads lanes too
    buffers.epilogue.emplace(b, loc, op.getEpilogue(), (channels + lanes - 1) / lanes * lanes);
  auto index = [&](int64_t v) -> Value { return arith::ConstantIndexOp::create(b, loc, v); };
  // One parallel loop over (image, output row, channel block): each
  // iteration loads its block's weights once and sweeps the row. Rows
  // outermost, so a thread's share is a band of whole pixels, the share
  // the kernels before and after split rows by: on several cores each
  // thread reads what it wrote itself. The channel tail is the last block.
  int64_t images = type.getDimSize(0), rows = type.getDimSize(1);
  int64_t blocks = (channels + lanes - 1) / lanes;
  Value tailMask;
  if (full < channels)
    tailMask = vector::CreateMaskOp::create(b, loc, VectorType::get({lanes}, b.getI1Type()),
                                            ValueRange{index(channels - full)});
  scf::ParallelOp::create(
      b, loc, ValueRange{index(0), index(0), index(0)},
      ValueRange{index(images), index(rows), index(blocks)},
      ValueRange{index(1), index(1), index(1)}, [&](OpBuilder &pb, Location pl, ValueRange ivs) {
        Value c0 = arith::MulIOp::create(pb, pl, ivs[2], index(lanes));
        if (!tailMask) {
          emitChannelBlock(pb, pl, op, buffers, c0, ivs[0], ivs[1], lanes, Value());
          return;
        }
        Value isTail = arith::CmpIOp::create(pb, pl, arith::CmpIPredicate::eq, ivs[2],
                                             index(blocks - 1));
        scf::IfOp::create(
            pb, pl, isTail,
            [&](OpBuilder &tb, Location tl) {
              emitChannelBlock(tb, tl, op, buffers, c0, ivs[0], ivs[1], lanes, tailMask);
              scf::YieldOp::create(tb, tl);
            },
            [&](OpBuilder &fb, Location fl) {
              emitChannelBlock(fb, fl, op, buffers, c0, ivs[0], ivs[1], lanes, Value());
              scf::YieldOp::create(fb, fl);
            });
      });
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
