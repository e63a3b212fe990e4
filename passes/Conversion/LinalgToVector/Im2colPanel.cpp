// Packing a float conv's im2col matrix panel by panel (see Im2colPanel.h).
#include "passes/Conversion/LinalgToVector/Im2colPanel.h"
#include "passes/Conversion/LinalgToVector/BProducer.h"
#include "passes/Conversion/LinalgToVector/WindowMaps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Matchers.h"

namespace quantc {

using namespace mlir;

namespace {

/// (c, ky, kx, oy, ox) -> (c, oy * sh + ky * dh, ox + kx * dw), the image
/// read in place: strides and dilations read off the map, then checked by
/// rebuilding it.
bool matchIm2colMap(AffineMap map, Im2colPanel &panel) {
  if (map.getNumDims() != 5 || map.getNumSymbols() || map.getNumResults() != 3)
    return false;
  panel.strideH = dimFactor(map, 1, 3), panel.dilationH = dimFactor(map, 1, 1);
  panel.strideW = dimFactor(map, 2, 4), panel.dilationW = dimFactor(map, 2, 2);
  MLIRContext *ctx = map.getContext();
  AffineExpr c, ky, kx, oy, ox;
  bindDims(ctx, c, ky, kx, oy, ox);
  return map == AffineMap::get(5, 0,
                               {c, oy * panel.strideH + ky * panel.dilationH,
                                ox * panel.strideW + kx * panel.dilationW},
                               ctx);
}

/// The padded copy `image` views, when the im2col alone reads it: a fresh
/// [N = 1, C, Hp, Wp] or [C, Hp, Wp] buffer filled with a constant, then
/// given a copy of all channels in a window of rows and columns, with
/// nothing but C's start between the copy and the im2col (and the caller
/// checked from there to the matmul: the source keeps its values until the
/// panels read it).
std::optional<Im2colPanel::Padding> matchPadding(Value image, linalg::GenericOp im2col, Value c) {
  auto imageView = image.getDefiningOp<memref::SubViewOp>();
  Value buffer = imageView ? imageView.getSource() : image;
  auto type = cast<MemRefType>(buffer.getType());
  unsigned rank = type.getRank();
  if (!buffer.getDefiningOp<memref::AllocOp>() ||
      (rank != 3 && !(rank == 4 && type.getDimSize(0) == 1)) ||
      (imageView && (!viewsAllOf(imageView) || !imageView->hasOneUse())))
    return std::nullopt;
  std::optional<PaddedCopy> pad;
  for (Operation *user : buffer.getUsers())
    if (!pad && (pad = matchPaddedCopy(user)) && pad->padded != buffer)
      return std::nullopt;
  if (!pad)
    return std::nullopt;
  for (Operation *user : buffer.getUsers())
    if (user != pad->fill && user != pad->interior.getOperation() &&
        user != (imageView ? imageView.getOperation() : im2col.getOperation()) &&
        !isa<memref::DeallocOp>(user))
      return std::nullopt;
  ArrayRef<int64_t> offsets = pad->interior.getStaticOffsets();
  ArrayRef<int64_t> sizes = pad->interior.getStaticSizes();
  for (unsigned d = 0; d + 2 < rank; ++d) // every image and channel
    if (offsets[d] != 0 || sizes[d] != type.getDimSize(d))
      return std::nullopt;
  auto sourceType = cast<MemRefType>(pad->copy.getSource().getType());
  SmallVector<int64_t> strides;
  int64_t offset;
  if (!pad->value.getDefiningOp<arith::ConstantOp>() ||
      pad->copy->getBlock() != im2col->getBlock() || !pad->copy->isBeforeInBlock(im2col) ||
      !onlyStartsCBetween(pad->copy, im2col, c) ||
      failed(sourceType.getStridesAndOffset(strides, offset)) || strides.back() != 1)
    return std::nullopt;
  return Im2colPanel::Padding{*pad, offsets[rank - 2], offsets[rank - 1], sizes[rank - 2],
                              sizes[rank - 1]};
}

} // namespace

std::optional<Im2colPanel> matchIm2colPanel(linalg::LinalgOp matmul, int64_t nr,
                                            int64_t maxPanelBytes, int64_t maxSegments) {
  auto collapse = matmul->getOperand(1).getDefiningOp<memref::CollapseShapeOp>();
  if (!collapse)
    return std::nullopt;
  SmallVector<ReassociationIndices> groups = {{0, 1, 2}, {3, 4}};
  if (collapse.getReassociationIndices() != groups)
    return std::nullopt;
  Value columns = collapse.getSrc();
  auto type = cast<MemRefType>(columns.getType());
  if (!columns.getDefiningOp<memref::AllocOp>() || type.getRank() != 5 ||
      !type.getLayout().isIdentity() || !type.getElementType().isF32())
    return std::nullopt;
  Im2colPanel panel;
  panel.generic = writerOf(columns, matmul);
  linalg::GenericOp generic = panel.generic;
  if (!generic)
    return std::nullopt;
  for (Operation *user : columns.getUsers())
    if (user != collapse.getOperation() && user != generic.getOperation() &&
        !isa<memref::DeallocOp>(user))
      return std::nullopt;
  if (generic.getNumDpsInputs() != 1 || generic.getNumReductionLoops() != 0 ||
      !generic.getIndexingMapsArray()[1].isIdentity() ||
      !matchIm2colMap(generic.getIndexingMapsArray()[0], panel))
    return std::nullopt;
  Block &body = generic.getRegion().front();
  if (body.getOperations().size() != 1 ||
      body.getTerminator()->getOperand(0) != body.getArgument(0))
    return std::nullopt;
  panel.image = generic.getDpsInputs()[0];
  auto imageType = dyn_cast<MemRefType>(panel.image.getType());
  SmallVector<int64_t> strides;
  int64_t offset;
  if (!imageType || imageType.getRank() != 3 ||
      imageType.getElementType() != type.getElementType() ||
      failed(imageType.getStridesAndOffset(strides, offset)) || strides.back() != 1)
    return std::nullopt;
  ArrayRef<int64_t> shape = type.getShape();
  panel.channels = shape[0], panel.kernelRows = shape[1], panel.kernelColumns = shape[2];
  panel.outputColumns = shape[4];
  int64_t k = shape[0] * shape[1] * shape[2];
  panel.blocksInRows = panel.outputColumns % nr == 0;
  panel.maxSegments = (nr - 1) / panel.outputColumns + 2;
  if (panel.maxSegments > maxSegments || k * nr * 4 > maxPanelBytes ||
      !onlyStartsCBetween(generic, matmul, matmul->getOperand(2)))
    return std::nullopt;
  if (panel.maxSegments <= 2) // a padded copy's taps only where a block spans two rows at most
    panel.padding = matchPadding(panel.image, generic, matmul->getOperand(2));
  return panel;
}

void Im2colPanel::prepare(OpBuilder &b, Location loc) {
  if (!padding)
    return;
  sourceRows = padding->pad.copy.getSource();
  auto type = cast<MemRefType>(sourceRows.getType());
  if (type.getRank() == 4) { // the one image's [C, H, W]
    SmallVector<OpFoldResult> offsets(4, b.getIndexAttr(0)), sizes, strides(4, b.getIndexAttr(1));
    for (int64_t size : type.getShape())
      sizes.push_back(b.getIndexAttr(size));
    auto rowsType = memref::SubViewOp::inferRankReducedResultType(type.getShape().drop_front(),
                                                                  type, offsets, sizes, strides);
    sourceRows = memref::SubViewOp::create(b, loc, cast<MemRefType>(rowsType), sourceRows, offsets,
                                           sizes, strides);
  }
}

void Im2colPanel::eraseProducers() {
  generic.erase();
  if (!padding)
    return;
  PaddedCopy &pad = padding->pad;
  pad.copy->erase();
  pad.interior->erase();
  pad.fill->erase();
  // The buffer is left with views nothing reads and its deallocation.
  for (Operation *user : llvm::make_early_inc_range(pad.padded.getUsers()))
    if (user->use_empty())
      user->erase();
  if (pad.padded.use_empty())
    pad.padded.getDefiningOp()->erase();
}

Value Im2colPanel::loadColumns(OpBuilder &b, Location loc, Value rows, ValueRange from,
                               int64_t width, Value length, Value mask) const {
  auto vectorType = VectorType::get({width}, b.getF32Type());
  if (strideW == 1) {
    if (!mask)
      return vector::LoadOp::create(b, loc, vectorType, rows, from);
    Value zeros = arith::ConstantOp::create(b, loc, vectorType, b.getZeroAttr(vectorType));
    return vector::MaskedLoadOp::create(b, loc, vectorType, rows, from, mask, zeros);
  }
  // One masked span from the first column to the last (never past it, so
  // never past the row), every stride-th lane kept.
  auto index = [&](int64_t v) -> Value { return arith::ConstantIndexOp::create(b, loc, v); };
  auto spanType = VectorType::get({width * strideW}, b.getF32Type());
  Value spanLength = arith::AddIOp::create(
      b, loc,
      arith::MulIOp::create(b, loc, arith::SubIOp::create(b, loc, length, index(1)),
                            index(strideW)),
      index(1));
  Value spanMask = vector::CreateMaskOp::create(
      b, loc, VectorType::get({width * strideW}, b.getI1Type()), ValueRange{spanLength});
  Value span = vector::MaskedLoadOp::create(
      b, loc, spanType, rows, from, spanMask,
      arith::ConstantOp::create(b, loc, spanType, b.getZeroAttr(spanType)));
  SmallVector<int64_t> kept;
  for (int64_t lane = 0; lane < width; ++lane)
    kept.push_back(lane * strideW);
  return vector::ShuffleOp::create(b, loc, span, span, kept);
}

void Im2colPanel::forEachTap(
    OpBuilder &b, Location loc,
    function_ref<void(OpBuilder &, Location, Value, int64_t, int64_t, Value)> body) const {
  auto index = [&](OpBuilder &builder, int64_t v) -> Value {
    return arith::ConstantIndexOp::create(builder, loc, v);
  };
  int64_t taps = kernelRows * kernelColumns;
  scf::ForOp::create(
      b, loc, index(b, 0), index(b, channels), index(b, 1), ValueRange{},
      [&](OpBuilder &cb, Location cl, Value c, ValueRange) {
        Value firstRow = arith::MulIOp::create(cb, cl, c, index(cb, taps));
        for (int64_t ky = 0; ky < kernelRows; ++ky)
          for (int64_t kx = 0; kx < kernelColumns; ++kx)
            body(cb, cl, c, ky, kx,
                 arith::AddIOp::create(cb, cl, firstRow, index(cb, ky * kernelColumns + kx)));
        scf::YieldOp::create(cb, cl);
      });
}

/// Where panel row k's column `column` sits in the panel seen as one row.
static Value lineIndex(OpBuilder &b, Location loc, Value k, Value column, int64_t width) {
  return arith::AddIOp::create(
      b, loc, arith::MulIOp::create(b, loc, k, arith::ConstantIndexOp::create(b, loc, width)),
      column);
}

void Im2colPanel::copyTap(OpBuilder &b, Location loc, Value line, Value c, int64_t ky, int64_t kx,
                          Value k, const Segment &segment, int64_t width) const {
  if (padding)
    return copyUnpaddedTap(b, loc, line, c, ky, kx, k, segment, width);
  auto index = [&](int64_t v) -> Value { return arith::ConstantIndexOp::create(b, loc, v); };
  Value row = arith::AddIOp::create(
      b, loc, arith::MulIOp::create(b, loc, segment.oy, index(strideH)), index(ky * dilationH));
  Value column = arith::AddIOp::create(
      b, loc, arith::MulIOp::create(b, loc, segment.ox, index(strideW)), index(kx * dilationW));
  Value values =
      loadColumns(b, loc, image, ValueRange{c, row, column}, width, segment.length, segment.mask);
  vector::StoreOp::create(b, loc, values, line, lineIndex(b, loc, k, segment.panelColumn, width));
}

void Im2colPanel::copyUnpaddedTap(OpBuilder &b, Location loc, Value line, Value c, int64_t ky,
                                  int64_t kx, Value k, const Segment &segment,
                                  int64_t width) const {
  auto constant = [&](OpBuilder &builder, int64_t v) -> Value {
    return arith::ConstantIndexOp::create(builder, loc, v);
  };
  // The tap's first pixel, in the source's rows and columns.
  Value row = arith::AddIOp::create(
      b, loc,
      arith::SubIOp::create(b, loc, arith::MulIOp::create(b, loc, segment.oy, constant(b, strideH)),
                            constant(b, padding->top)),
      constant(b, ky * dilationH));
  Value column = arith::AddIOp::create(
      b, loc,
      arith::SubIOp::create(b, loc, arith::MulIOp::create(b, loc, segment.ox, constant(b, strideW)),
                            constant(b, padding->left)),
      constant(b, kx * dilationW));
  Value rowInside = arith::AndIOp::create(
      b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, row, constant(b, 0)),
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, row, constant(b, padding->rows)));
  // Lanes [first, end) read columns inside the source: first =
  // ceil(-column / stride) when column < 0, end from the last column and
  // the segment's length.
  Value first = arith::CeilDivSIOp::create(
      b, loc,
      arith::MaxSIOp::create(b, loc, arith::SubIOp::create(b, loc, constant(b, 0), column),
                             constant(b, 0)),
      constant(b, strideW));
  Value end = arith::MinSIOp::create(
      b, loc, segment.length,
      arith::AddIOp::create(
          b, loc,
          arith::FloorDivSIOp::create(
              b, loc, arith::SubIOp::create(b, loc, constant(b, padding->columns - 1), column),
              constant(b, strideW)),
          constant(b, 1)));
  Value lanes = arith::SubIOp::create(b, loc, end, first);
  Value any = arith::AndIOp::create(
      b, loc, rowInside,
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, lanes, constant(b, 0)));
  // A tap wholly in the padding keeps what the panel holds there: the pad
  // value, from the fill or from an earlier store's spill.
  scf::IfOp::create(b, loc, any, [&](OpBuilder &tb, Location tl) {
    Value from = arith::AddIOp::create(tb, tl, column,
                                       arith::MulIOp::create(tb, tl, first, constant(tb, strideW)));
    Value to = arith::AddIOp::create(tb, tl, segment.panelColumn, first);
    auto maskType = VectorType::get({width}, tb.getI1Type());
    Value mask = vector::CreateMaskOp::create(tb, tl, maskType, ValueRange{lanes});
    Value values = loadColumns(tb, tl, sourceRows, ValueRange{c, row, from}, width, lanes, mask);
    // Masked-off lanes load as 0: the pad value there, whatever it is.
    auto padValue = padding->pad.value.getDefiningOp<arith::ConstantOp>();
    if (!matchPattern(padValue.getValue(), m_AnyZeroFloat()))
      values = arith::SelectOp::create(
          tb, tl, mask, values, vector::BroadcastOp::create(tb, tl, values.getType(), padValue));
    vector::StoreOp::create(tb, tl, values, line, lineIndex(tb, tl, k, to, width));
    scf::YieldOp::create(tb, tl);
  });
}

void Im2colPanel::pack(OpBuilder &b, Location loc, Value panel, Value j0, int64_t width) const {
  auto index = [&](int64_t v) -> Value { return arith::ConstantIndexOp::create(b, loc, v); };
  Value oy = arith::DivUIOp::create(b, loc, j0, index(outputColumns));
  Value ox = arith::RemUIOp::create(b, loc, j0, index(outputColumns));
  int64_t k = channels * kernelRows * kernelColumns;
  if (padding) {
    // The pad value everywhere first; the taps store the pixels inside.
    auto vectorType = VectorType::get({width}, b.getF32Type());
    Value pad = vector::BroadcastOp::create(b, loc, vectorType, padding->pad.value);
    scf::ForOp::create(b, loc, index(0), index(k), index(1), ValueRange{},
                       [&](OpBuilder &fb, Location fl, Value row, ValueRange) {
                         vector::StoreOp::create(fb, fl, pad, panel, ValueRange{row, index(0)});
                         scf::YieldOp::create(fb, fl);
                       });
  }
  Value line =
      memref::CollapseShapeOp::create(b, loc, panel, SmallVector<ReassociationIndices>{{0, 1}});
  // Every tap's row in turn, each segment of the block stored before the
  // next row's: a store's spill past its row lands where a later store of
  // the block writes.
  auto copyTaps = [&](OpBuilder &tb, Location tl, ArrayRef<Segment> segments) {
    forEachTap(tb, tl, [&](OpBuilder &cb, Location cl, Value c, int64_t ky, int64_t kx, Value row) {
      for (size_t i = 0; i < segments.size(); ++i) {
        const Segment &segment = segments[i];
        if (i < 2) {
          copyTap(cb, cl, line, c, ky, kx, row, segment, width);
          continue;
        }
        // A third row onwards holds columns only when the block reaches it.
        Value any = arith::CmpIOp::create(cb, cl, arith::CmpIPredicate::sgt, segment.length,
                                          arith::ConstantIndexOp::create(cb, cl, 0));
        scf::IfOp::create(cb, cl, any, [&](OpBuilder &ib, Location il) {
          copyTap(ib, il, line, c, ky, kx, row, segment, width);
          scf::YieldOp::create(ib, il);
        });
      }
    });
  };
  Segment whole{oy, ox, index(0), index(width), Value()};
  if (blocksInRows)
    return copyTaps(b, loc, whole);
  // The block's columns from ox to the row's end, then (when the block
  // crosses into the next row) whole rows from their start while it holds
  // one, and the rest.
  auto maskType = VectorType::get({width}, b.getI1Type());
  Value first = arith::MinSIOp::create(b, loc, index(width),
                                       arith::SubIOp::create(b, loc, index(outputColumns), ox));
  Value crosses = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, first, index(width));
  scf::IfOp::create(
      b, loc, crosses,
      [&](OpBuilder &tb, Location tl) {
        Value rest = arith::SubIOp::create(tb, tl, index(width), first);
        SmallVector<Segment> segments = {
            {oy, ox, index(0), first,
             vector::CreateMaskOp::create(tb, tl, maskType, ValueRange{first})}};
        Value placed = first;
        for (int64_t i = 1; i < maxSegments; ++i) {
          if (i > 1)
            rest = arith::SubIOp::create(tb, tl, index(width), placed);
          Value length = i + 1 == maxSegments
                             ? rest
                             : arith::MinSIOp::create(tb, tl, rest, index(outputColumns));
          segments.push_back({arith::AddIOp::create(tb, tl, oy, index(i)), index(0), placed, length,
                              vector::CreateMaskOp::create(tb, tl, maskType, ValueRange{length})});
          if (i + 1 < maxSegments)
            placed = arith::AddIOp::create(tb, tl, placed, length);
        }
        copyTaps(tb, tl, segments);
        scf::YieldOp::create(tb, tl);
      },
      [&](OpBuilder &eb, Location el) {
        copyTaps(eb, el, whole);
        scf::YieldOp::create(eb, el);
      });
}

} // namespace quantc
