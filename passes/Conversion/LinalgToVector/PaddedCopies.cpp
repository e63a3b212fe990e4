// convert-padded-copies-to-loops: a buffer filled with a constant and then
// given a copy of a smaller one in its interior (a bufferized tensor.pad)
// becomes one parallel loop over its rows, each row written once.
#include "passes/Conversion/LinalgToVector/PaddedCopy.h"
#include "passes/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

namespace quantc {
#define GEN_PASS_DEF_CONVERTPADDEDCOPIESTOLOOPSPASS
#include "passes/Conversion/Passes.h.inc"

using namespace mlir;

namespace {

/// The loop: for each row of the padded buffer (all dims but the last),
/// the constant, or the constant around the copied row.
void emitRows(PaddedCopy pad) {
  OpBuilder b(pad.copy);
  Location loc = pad.copy.getLoc();
  auto index = [&](OpBuilder &builder, int64_t v) -> Value {
    return arith::ConstantIndexOp::create(builder, loc, v);
  };
  auto type = cast<MemRefType>(pad.padded.getType());
  ArrayRef<int64_t> shape = type.getShape();
  ArrayRef<int64_t> offsets = pad.interior.getStaticOffsets();
  ArrayRef<int64_t> sizes = pad.interior.getStaticSizes();
  unsigned last = type.getRank() - 1;
  SmallVector<Value> lower, upper, steps;
  for (unsigned d = 0; d < last; ++d)
    if (shape[d] > 1)
      lower.push_back(index(b, 0)), upper.push_back(index(b, shape[d])),
          steps.push_back(index(b, 1));
  if (lower.empty())
    lower.push_back(index(b, 0)), upper.push_back(index(b, 1)), steps.push_back(index(b, 1));
  Value source = pad.copy.getSource();
  scf::ParallelOp::create(
      b, loc, lower, upper, steps, [&](OpBuilder &pb, Location, ValueRange loopIvs) {
        SmallVector<Value> row;
        size_t next = 0;
        for (unsigned d = 0; d < last; ++d)
          row.push_back(shape[d] > 1 ? loopIvs[next++] : index(pb, 0));
        // Stores the constant in columns [from, to) of the row.
        auto fill = [&](OpBuilder &fb, int64_t from, int64_t to) {
          if (from >= to)
            return;
          scf::ForOp::create(fb, loc, index(fb, from), index(fb, to), index(fb, 1), ValueRange{},
                             [&](OpBuilder &cb, Location, Value column, ValueRange) {
                               SmallVector<Value> at = row;
                               at.push_back(column);
                               memref::StoreOp::create(cb, loc, pad.value, pad.padded, at);
                               scf::YieldOp::create(cb, loc);
                             });
        };
        Value inside;
        for (unsigned d = 0; d < last; ++d) {
          if (offsets[d] == 0 && sizes[d] == shape[d])
            continue;
          Value dimInside = arith::AndIOp::create(
              pb, loc,
              arith::CmpIOp::create(pb, loc, arith::CmpIPredicate::sge, row[d],
                                    index(pb, offsets[d])),
              arith::CmpIOp::create(pb, loc, arith::CmpIPredicate::slt, row[d],
                                    index(pb, offsets[d] + sizes[d])));
          inside = inside ? arith::AndIOp::create(pb, loc, inside, dimInside) : dimInside;
        }
        // Row `at` of `buffer` from column `from`, `length` columns, as a
        // 1-D view: the copy loop then indexes both sides by its induction
        // variable alone (what quantc-vectorize-hints asks LLVM to vectorize).
        auto rowView = [&](OpBuilder &vb, Value buffer, ArrayRef<Value> at, int64_t from,
                           int64_t length) -> Value {
          auto bufferType = cast<MemRefType>(buffer.getType());
          SmallVector<OpFoldResult> offsetsOf = getAsOpFoldResult(ValueRange(at)), sizesOf, strides;
          offsetsOf.push_back(vb.getIndexAttr(from));
          for (unsigned d = 0; d < last; ++d)
            sizesOf.push_back(vb.getIndexAttr(1));
          sizesOf.push_back(vb.getIndexAttr(length));
          strides.assign(last + 1, vb.getIndexAttr(1));
          auto rowType = memref::SubViewOp::inferRankReducedResultType({length}, bufferType,
                                                                       offsetsOf, sizesOf, strides);
          return memref::SubViewOp::create(vb, loc, cast<MemRefType>(rowType), buffer, offsetsOf,
                                           sizesOf, strides);
        };
        auto copyRow = [&](OpBuilder &rb) {
          fill(rb, 0, offsets[last]);
          SmallVector<Value> from;
          for (unsigned d = 0; d < last; ++d)
            from.push_back(offsets[d]
                               ? arith::SubIOp::create(rb, loc, row[d], index(rb, offsets[d]))
                               : row[d]);
          Value in = rowView(rb, source, from, 0, sizes[last]);
          Value out = rowView(rb, pad.padded, row, offsets[last], sizes[last]);
          scf::ForOp::create(rb, loc, index(rb, 0), index(rb, sizes[last]), index(rb, 1),
                             ValueRange{}, [&](OpBuilder &cb, Location, Value column, ValueRange) {
                               Value x = memref::LoadOp::create(cb, loc, in, column);
                               memref::StoreOp::create(cb, loc, x, out, column);
                               scf::YieldOp::create(cb, loc);
                             });
          fill(rb, offsets[last] + sizes[last], shape[last]);
        };
        if (!inside)
          return copyRow(pb);
        scf::IfOp::create(
            pb, loc, inside,
            [&](OpBuilder &tb, Location) {
              copyRow(tb);
              scf::YieldOp::create(tb, loc);
            },
            [&](OpBuilder &eb, Location) {
              fill(eb, 0, shape[last]);
              scf::YieldOp::create(eb, loc);
            });
      });
  pad.copy.erase();
  pad.fill->erase();
}

struct ConvertPaddedCopiesToLoopsPass
    : impl::ConvertPaddedCopiesToLoopsPassBase<ConvertPaddedCopiesToLoopsPass> {
  void runOnOperation() override {
    SmallVector<PaddedCopy> pads;
    getOperation().walk([&](Operation *op) {
      if (std::optional<PaddedCopy> pad = matchPaddedCopy(op))
        pads.push_back(*pad);
    });
    for (PaddedCopy &pad : pads)
      emitRows(pad);
  }
};

} // namespace
} // namespace quantc
