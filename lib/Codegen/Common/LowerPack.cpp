// qkernel.pack / qkernel.unpack of runtime codes -> scalar loops over K x N.
// (Weights are constants and fold to packed bytes at compile time; these
// loops serve codes computed inside a model.)
#include "quantc/Codegen/Lowering.h"

#include "quantc/Codegen/Buffers.h"
#include "dialects/QKernel/QKernelOps.h"
#include "quantc/Codegen/Packing.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;

namespace quantc::codegen {
namespace {

/// Where code (k, n)'s bits of one plane live: byte index and bit shift.
struct PlaneSlot {
  Value byte, shift;
};

class PackEmitter {
public:
  PackEmitter(OpBuilder &b, Location loc, qkernel::LayoutAttr layout)
      : b(b), loc(loc), layout(qkernel::toPackedLayout(layout)) {}

  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value byteConstant(int64_t v) {
    return arith::ConstantOp::create(b, loc, b.getI8IntegerAttr(int8_t(v)));
  }

  /// Visits (k, n) over the logical matrix with each plane's slot.
  void forEachCode(function_ref<void(Value k, Value n, ArrayRef<PlaneSlot>)> body) {
    scf::ForOp::create(b, loc, index(0), index(layout.k), index(1), ValueRange{},
                       [&](OpBuilder &, Location, Value k, ValueRange) {
      scf::ForOp::create(b, loc, index(0), index(layout.n), index(1), ValueRange{},
                         [&](OpBuilder &, Location, Value n, ValueRange) {
        Value tileBlock = add(mul(div(n, layout.lanes), layout.paddedK() / kBlockK),
                              div(k, kBlockK));
        body(k, n, layout.lut ? lutSlots(tileBlock, k, n) : dotSlots(tileBlock, k, n));
        scf::YieldOp::create(b, loc);
      });
      scf::YieldOp::create(b, loc);
    });
  }

private:
  Value div(Value x, int64_t y) { return arith::DivUIOp::create(b, loc, x, index(y)); }
  Value rem(Value x, int64_t y) { return arith::RemUIOp::create(b, loc, x, index(y)); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value mul(Value x, int64_t y) { return arith::MulIOp::create(b, loc, x, index(y)); }
  Value byteShift(Value bits) { return arith::IndexCastOp::create(b, loc, b.getI8Type(), bits); }

  /// The dot layout: planes of 4, 2 and 1 bits, dot group p of a block in
  /// bits [(p mod (8/w)) * w, +w) of vector p / (8/w), byte 4 * lane + i.
  SmallVector<PlaneSlot> dotSlots(Value tileBlock, Value k, Value n) {
    Value group = div(rem(k, kBlockK), 4);
    Value inVector = add(mul(rem(n, layout.lanes), 4), rem(k, 4));
    SmallVector<PlaneSlot> slots;
    unsigned vectorBase = 0;
    for (unsigned width : planeWidths(layout.bits)) {
      int64_t perVector = 8 / width;
      Value vector =
          add(add(mul(tileBlock, layout.bits), index(vectorBase)), div(group, perVector));
      slots.push_back({add(mul(vector, 4 * layout.lanes), inVector),
                       byteShift(mul(rem(group, perVector), width))});
      vectorBase += width;
    }
    return slots;
  }

  /// The LUT layout: one 1-bit plane per code bit; byte q of a plane vector
  /// is channel lutChannel(q), so channel c sits at byte
  /// 16 * (c' / 8) + 8 * h + c' % 8 with h = c / (lanes / 2), c' = c mod (lanes / 2).
  SmallVector<PlaneSlot> lutSlots(Value tileBlock, Value k, Value n) {
    int64_t lanes = layout.lanes, half = lanes / 2;
    Value channel = rem(n, lanes), inHalf = rem(channel, half);
    Value q = add(add(mul(div(inHalf, 8), 16), mul(div(channel, half), 8)), rem(inHalf, 8));
    Value vectorInPlane = div(rem(k, kBlockK), 8);
    Value shift = byteShift(rem(k, 8));
    SmallVector<PlaneSlot> slots;
    for (unsigned plane = 0; plane < layout.bits; ++plane) {
      Value vector = add(mul(add(mul(tileBlock, layout.bits), index(plane)), 4), vectorInPlane);
      slots.push_back({add(mul(vector, lanes), q), shift});
    }
    return slots;
  }

public:
  OpBuilder &b;
  Location loc;
  PackedLayout layout;
};

void lowerPack(qkernel::PackOp op) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  PackEmitter emitter(b, loc, op.getLayout());
  Value codes = readOnlyBuffer(b, loc, op.getCodes());
  Value out = memref::AllocOp::create(
      b, loc, MemRefType::get({emitter.layout.packedBytes()}, b.getI8Type()));
  linalg::FillOp::create(b, loc, emitter.byteConstant(0), out);
  std::vector<unsigned> widths = storedPlaneWidths(emitter.layout);
  emitter.forEachCode([&](Value k, Value n, ArrayRef<PlaneSlot> slots) {
    Value code = memref::LoadOp::create(b, loc, codes, ValueRange{k, n});
    unsigned codeBit = 0;
    for (auto [width, slot] : llvm::zip(widths, slots)) {
      Value part = code;
      if (codeBit)
        part = arith::ShRUIOp::create(b, loc, part, emitter.byteConstant(codeBit));
      if (width < 8)
        part = arith::AndIOp::create(b, loc, part, emitter.byteConstant((1 << width) - 1));
      else if (emitter.layout.signedBytes)
        part = arith::XOrIOp::create(b, loc, part, emitter.byteConstant(0x80));
      part = arith::ShLIOp::create(b, loc, part, slot.shift);
      Value old = memref::LoadOp::create(b, loc, out, ValueRange{slot.byte});
      memref::StoreOp::create(b, loc, arith::OrIOp::create(b, loc, old, part), out,
                              ValueRange{slot.byte});
      codeBit += width;
    }
  });
  op.getPacked().replaceAllUsesWith(writtenTensor(b, loc, out));
  op.erase();
}

void lowerUnpack(qkernel::UnpackOp op) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  PackEmitter emitter(b, loc, op.getLayout());
  Value packed = readOnlyBuffer(b, loc, op.getPacked());
  Value out = memref::AllocOp::create(
      b, loc, MemRefType::get({emitter.layout.k, emitter.layout.n}, b.getI8Type()));
  std::vector<unsigned> widths = storedPlaneWidths(emitter.layout);
  emitter.forEachCode([&](Value k, Value n, ArrayRef<PlaneSlot> slots) {
    Value code = emitter.byteConstant(0);
    unsigned codeBit = 0;
    for (auto [width, slot] : llvm::zip(widths, slots)) {
      Value part = memref::LoadOp::create(b, loc, packed, ValueRange{slot.byte});
      part = arith::ShRUIOp::create(b, loc, part, slot.shift);
      if (width < 8)
        part = arith::AndIOp::create(b, loc, part, emitter.byteConstant((1 << width) - 1));
      else if (emitter.layout.signedBytes)
        part = arith::XOrIOp::create(b, loc, part, emitter.byteConstant(0x80));
      if (codeBit)
        part = arith::ShLIOp::create(b, loc, part, emitter.byteConstant(codeBit));
      code = arith::OrIOp::create(b, loc, code, part);
      codeBit += width;
    }
    memref::StoreOp::create(b, loc, code, out, ValueRange{k, n});
  });
  op.getCodes().replaceAllUsesWith(writtenTensor(b, loc, out));
  op.erase();
}

} // namespace

LogicalResult lowerPackOps(ModuleOp module) {
  SmallVector<Operation *> ops;
  module.walk([&](Operation *op) {
    if (isa<qkernel::PackOp, qkernel::UnpackOp>(op))
      ops.push_back(op);
  });
  for (Operation *op : ops) {
    if (auto pack = dyn_cast<qkernel::PackOp>(op))
      lowerPack(pack);
    else
      lowerUnpack(cast<qkernel::UnpackOp>(op));
  }
  return success();
}

} // namespace quantc::codegen
