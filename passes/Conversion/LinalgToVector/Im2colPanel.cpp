// Packing a float conv's im2col matrix panel by panel (see Im2colPanel.h).
#include "passes/Conversion/LinalgToVector/Im2colPanel.h"
#include "passes/Conversion/LinalgToVector/BProducer.h"
#include "passes/Conversion/LinalgToVector/WindowMaps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

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
                                            int64_t maxPanelBytes) {
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
  // A block spans at most two rows: a row holds at least one block.
  panel.blocksInRows = panel.outputColumns % nr == 0;
  if (panel.outputColumns < nr || k * nr * 4 > maxPanelBytes ||
      !onlyStartsCBetween(generic, matmul, matmul->getOperand(2)))
    return std::nullopt;
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

void Im2colPanel::copySegment(OpBuilder &b, Location loc, Value panel, Value oy, Value ox,
                              Value panelColumn, int64_t width, Value length, Value mask) const {
  auto index = [&](OpBuilder &builder, int64_t v) -> Value {
    return arith::ConstantIndexOp::create(builder, loc, v);
  };
  Value top = arith::MulIOp::create(b, loc, oy, index(b, strideH));
  Value left = arith::MulIOp::create(b, loc, ox, index(b, strideW));
  int64_t taps = kernelRows * kernelColumns;
  scf::ForOp::create(
      b, loc, index(b, 0), index(b, channels), index(b, 1), ValueRange{},
      [&](OpBuilder &cb, Location cl, Value c, ValueRange) {
        Value firstRow = arith::MulIOp::create(cb, cl, c, index(cb, taps));
        for (int64_t ky = 0; ky < kernelRows; ++ky) {
          Value row = arith::AddIOp::create(cb, cl, top, index(cb, ky * dilationH));
          for (int64_t kx = 0; kx < kernelColumns; ++kx) {
            Value column = arith::AddIOp::create(cb, cl, left, index(cb, kx * dilationW));
            Value k = arith::AddIOp::create(cb, cl, firstRow, index(cb, ky * kernelColumns + kx));
            SmallVector<Value> from = {c, row, column}, to = {k, panelColumn};
            Value values = loadColumns(cb, cl, image, from, width, length, mask);
            if (mask)
              vector::MaskedStoreOp::create(cb, cl, panel, to, mask, values);
            else
              vector::StoreOp::create(cb, cl, values, panel, to);
          }
        }
        scf::YieldOp::create(cb, cl);
      });
}

void Im2colPanel::copyUnpaddedSegment(OpBuilder &b, Location loc, Value panel, Value oy, Value ox,
                                      Value panelColumn, int64_t width, Value length) const {
  auto index = [&](OpBuilder &builder, int64_t v) -> Value {
    return arith::ConstantIndexOp::create(builder, loc, v);
  };
  // The segment's first tap pixel, in the source's rows and columns.
  Value top = arith::SubIOp::create(b, loc, arith::MulIOp::create(b, loc, oy, index(b, strideH)),
                                    index(b, padding->top));
  Value left = arith::SubIOp::create(b, loc, arith::MulIOp::create(b, loc, ox, index(b, strideW)),
                                     index(b, padding->left));
  auto maskType = VectorType::get({width}, b.getI1Type());
  int64_t taps = kernelRows * kernelColumns;
  scf::ForOp::create(
      b, loc, index(b, 0), index(b, channels), index(b, 1), ValueRange{},
      [&](OpBuilder &cb, Location cl, Value c, ValueRange) {
        auto constant = [&](int64_t v) { return index(cb, v); };
        Value firstRow = arith::MulIOp::create(cb, cl, c, constant(taps));
        for (int64_t ky = 0; ky < kernelRows; ++ky) {
          Value row = arith::AddIOp::create(cb, cl, top, constant(ky * dilationH));
          Value rowInside = arith::AndIOp::create(
              cb, cl, arith::CmpIOp::create(cb, cl, arith::CmpIPredicate::sge, row, constant(0)),
              arith::CmpIOp::create(cb, cl, arith::CmpIPredicate::slt, row,
                                    constant(padding->rows)));
          for (int64_t kx = 0; kx < kernelColumns; ++kx) {
            // Lanes [first, end) read columns inside the source:
            // first = ceil(-column / stride) when column < 0, end from the
            // last column and the segment's length.
            Value column = arith::AddIOp::create(cb, cl, left, constant(kx * dilationW));
            Value first = arith::CeilDivSIOp::create(
                cb, cl,
                arith::MaxSIOp::create(cb, cl, arith::SubIOp::create(cb, cl, constant(0), column),
                                       constant(0)),
                constant(strideW));
            Value end = arith::MinSIOp::create(
                cb, cl, length,
                arith::AddIOp::create(
                    cb, cl,
                    arith::FloorDivSIOp::create(
                        cb, cl,
                        arith::SubIOp::create(cb, cl, constant(padding->columns - 1), column),
                        constant(strideW)),
                    constant(1)));
            Value lanes = arith::SubIOp::create(cb, cl, end, first);
            Value any = arith::AndIOp::create(
                cb, cl, rowInside,
                arith::CmpIOp::create(cb, cl, arith::CmpIPredicate::sgt, lanes, constant(0)));
            Value k = arith::AddIOp::create(cb, cl, firstRow, constant(ky * kernelColumns + kx));
            scf::IfOp::create(cb, cl, any, [&](OpBuilder &tb, Location tl) {
              Value from = arith::AddIOp::create(
                  tb, tl, column, arith::MulIOp::create(tb, tl, first, index(tb, strideW)));
              Value to = arith::AddIOp::create(tb, tl, panelColumn, first);
              Value mask = vector::CreateMaskOp::create(tb, tl, maskType, ValueRange{lanes});
              Value values =
                  loadColumns(tb, tl, sourceRows, ValueRange{c, row, from}, width, lanes, mask);
              vector::MaskedStoreOp::create(tb, tl, panel, ValueRange{k, to}, mask, values);
              scf::YieldOp::create(tb, tl);
            });
          }
        }
        scf::YieldOp::create(cb, cl);
      });
}

void Im2colPanel::pack(OpBuilder &b, Location loc, Value panel, Value j0, int64_t width) const {
  auto index = [&](int64_t v) -> Value { return arith::ConstantIndexOp::create(b, loc, v); };
  Value oy = arith::DivUIOp::create(b, loc, j0, index(outputColumns));
  Value ox = arith::RemUIOp::create(b, loc, j0, index(outputColumns));
  if (padding) {
    // The pad value everywhere first; the segments copy the pixels inside.
    auto vectorType = VectorType::get({width}, b.getF32Type());
    Value pad = vector::BroadcastOp::create(b, loc, vectorType, padding->pad.value);
    int64_t k = channels * kernelRows * kernelColumns;
    scf::ForOp::create(b, loc, index(0), index(k), index(1), ValueRange{},
                       [&](OpBuilder &fb, Location fl, Value row, ValueRange) {
                         vector::StoreOp::create(fb, fl, pad, panel, ValueRange{row, index(0)});
                         scf::YieldOp::create(fb, fl);
                       });
  }
  // One segment of the block: `length` output columns from (oy, ox) into
  // the panel's columns from panelColumn (`mask` their lanes).
  auto segment = [&](OpBuilder &sb, Location sl, Value row, Value column, Value panelColumn,
                     Value length, Value mask) {
    if (padding)
      return copyUnpaddedSegment(sb, sl, panel, row, column, panelColumn, width, length);
    copySegment(sb, sl, panel, row, column, panelColumn, width, length, mask);
  };
  if (blocksInRows)
    return segment(b, loc, oy, ox, index(0), index(width), Value());
  // The block's columns from ox to the row's end, then (when the block
  // crosses into the next row) the rest from that row's start: masked
  // vectors, the lanes of the other segment left alone.
  auto maskType = VectorType::get({width}, b.getI1Type());
  Value first = arith::MinSIOp::create(b, loc, index(width),
                                       arith::SubIOp::create(b, loc, index(outputColumns), ox));
  segment(b, loc, oy, ox, index(0), first,
          vector::CreateMaskOp::create(b, loc, maskType, ValueRange{first}));
  Value crosses = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, first, index(width));
  scf::IfOp::create(b, loc, crosses, [&](OpBuilder &tb, Location tl) {
    Value rest = arith::SubIOp::create(tb, tl, index(width), first);
    segment(tb, tl, arith::AddIOp::create(tb, tl, oy, index(1)), index(0), first, rest,
            vector::CreateMaskOp::create(tb, tl, maskType, ValueRange{rest}));
    scf::YieldOp::create(tb, tl);
  });
}

} // namespace quantc
