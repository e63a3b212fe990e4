// Shared pieces of the packed-matmul emitters (PackedTiles.h).
#include "PackedTiles.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace quantc::codegen {

Value PackedTileEmitter::splat(VectorType type, Attribute value) {
  return arith::ConstantOp::create(b, loc, DenseElementsAttr::get(type, value));
}

/// Planes are combined with shifts, masks and ors; no i4 types, no shuffles.
SmallVector<Value> PackedTileEmitter::loadAndUnpack(Value tile, Value block) {
  auto bytesType = vec(4 * lanes, b.getI8Type());
  Value first = mul(add(mul(tile, index(blocks)), block), index(layout.bits * 4 * lanes));
  SmallVector<Value> vectors;
  for (unsigned j = 0; j < layout.bits; ++j)
    vectors.push_back(vector::LoadOp::create(b, loc, bytesType, packed,
                                             ValueRange{add(first, index(j * 4 * lanes))}));
  auto byteSplat = [&](int64_t v) { return splat(bytesType, b.getI8IntegerAttr(int8_t(v))); };
  SmallVector<Value> groups;
  for (int64_t group = 0; group < 8; ++group) {
    Value code;
    unsigned vectorBase = 0, codeBit = 0;
    for (unsigned width : planes) {
      int64_t perVector = 8 / width;
      Value part = vectors[vectorBase + group / perVector];
      // Move the stored bits [shift, shift + width) straight to the code's
      // bits [target, target + width) (binary codes stand for 2c: one up).
      unsigned shift = unsigned(group % perVector) * width;
      unsigned target = codeBit + (layout.binary ? 1 : 0);
      if (shift > target)
        part = arith::ShRUIOp::create(b, loc, part, byteSplat(shift - target));
      else if (shift < target)
        part = arith::ShLIOp::create(b, loc, part, byteSplat(target - shift));
      // Neighbouring fields survive the move unless it pushed them out.
      bool bitsBelow = shift > 0 && target > 0, bitsAbove = shift + width < 8 && target + width < 8;
      if (bitsBelow || bitsAbove)
        part = arith::AndIOp::create(b, loc, part, byteSplat(((1 << width) - 1) << target));
      code = code ? Value(arith::OrIOp::create(b, loc, code, part)) : part;
      vectorBase += width;
      codeBit += width;
    }
    groups.push_back(code);
  }
  return groups;
}

void PackedTileEmitter::forTilesAndRows(int64_t m, int64_t step,
                                        function_ref<void(Value, Value, int64_t)> body) {
  int64_t tiles = layout.paddedN() / lanes;
  int64_t rowsPerStep = m >= step ? step : m >= 4 ? 4 : 1;
  int64_t mainRows = m / rowsPerStep * rowsPerStep;
  auto rowLoop = [&](int64_t from, int64_t to, int64_t step, Value tile) {
    scf::ForOp::create(b, loc, index(from), index(to), index(step), ValueRange{},
                       [&](OpBuilder &, Location, Value row, ValueRange) {
                         body(tile, row, step);
                         scf::YieldOp::create(b, loc);
                       });
  };
  scf::ForOp::create(b, loc, index(0), index(tiles), index(1), ValueRange{},
                     [&](OpBuilder &, Location, Value tile, ValueRange) {
                       rowLoop(0, mainRows, rowsPerStep, tile);
                       if (mainRows < m)
                         rowLoop(mainRows, m, 1, tile);
                       scf::YieldOp::create(b, loc);
                     });
}

static SmallVector<ReassociationIndices> rowGroups(int64_t rank) {
  SmallVector<ReassociationIndices> groups(2);
  for (int64_t d = 0; d + 1 < rank; ++d)
    groups[0].push_back(d);
  groups[1].push_back(rank - 1);
  return groups;
}

Value PackedTileEmitter::collapseRows(Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  if (type.getRank() == 2)
    return tensor;
  return tensor::CollapseShapeOp::create(b, loc, tensor, rowGroups(type.getRank()));
}

Value PackedTileEmitter::expandRows(Value tensor, RankedTensorType type) {
  if (type.getRank() == 2)
    return tensor;
  return tensor::ExpandShapeOp::create(b, loc, type, tensor, rowGroups(type.getRank()));
}

std::unique_ptr<DotInstruction> dotForLayout(Operation *op, qkernel::LayoutAttr layout,
                                             StringRef family) {
  auto dot = createDotInstruction(family, layout.getBits(), layout.getLanes(),
                                  layout.getSignedBytes());
  if (!dot)
    op->emitOpError() << "layout of " << layout.getLanes() << " lanes does not fit kernel family '"
                      << family << "' (vnni: 16, avx2: 8, neon: 4, generic: any)";
  return dot;
}

} // namespace quantc::codegen
