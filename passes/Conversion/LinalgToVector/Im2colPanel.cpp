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
  return panel;
}

void Im2colPanel::copySegment(OpBuilder &b, Location loc, Value panel, Value oy, Value ox,
                              Value panelColumn, int64_t width, Value length, Value mask) const {
  auto index = [&](OpBuilder &builder, int64_t v) -> Value {
    return arith::ConstantIndexOp::create(builder, loc, v);
  };
  Value top = arith::MulIOp::create(b, loc, oy, index(b, strideH));
  Value left = arith::MulIOp::create(b, loc, ox, index(b, strideW));
  auto vectorType = VectorType::get({width}, b.getF32Type());
  Value zeros =
      mask ? arith::ConstantOp::create(b, loc, vectorType, b.getZeroAttr(vectorType)) : Value();
  // Strided columns: one masked span from the first column to the last
  // (never past it, so never past the padded row), every stride-th lane
  // kept.
  auto spanType = VectorType::get({width * strideW}, b.getF32Type());
  Value spanMask, spanZeros;
  SmallVector<int64_t> kept;
  if (strideW > 1) {
    Value spanLength = arith::AddIOp::create(
        b, loc,
        arith::MulIOp::create(b, loc, arith::SubIOp::create(b, loc, length, index(b, 1)),
                              index(b, strideW)),
        index(b, 1));
    spanMask = vector::CreateMaskOp::create(
        b, loc, VectorType::get({width * strideW}, b.getI1Type()), ValueRange{spanLength});
    spanZeros = arith::ConstantOp::create(b, loc, spanType, b.getZeroAttr(spanType));
    for (int64_t lane = 0; lane < width; ++lane)
      kept.push_back(lane * strideW);
  }
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
            Value values;
            if (strideW > 1) {
              Value span =
                  vector::MaskedLoadOp::create(cb, cl, spanType, image, from, spanMask, spanZeros);
              values = vector::ShuffleOp::create(cb, cl, span, span, kept);
            } else if (mask) {
              values = vector::MaskedLoadOp::create(cb, cl, vectorType, image, from, mask, zeros);
            } else {
              values = vector::LoadOp::create(cb, cl, vectorType, image, from);
            }
            if (mask)
              vector::MaskedStoreOp::create(cb, cl, panel, to, mask, values);
            else
              vector::StoreOp::create(cb, cl, values, panel, to);
          }
        }
        scf::YieldOp::create(cb, cl);
      });
}

void Im2colPanel::pack(OpBuilder &b, Location loc, Value panel, Value j0, int64_t width) const {
  auto index = [&](int64_t v) -> Value { return arith::ConstantIndexOp::create(b, loc, v); };
  Value oy = arith::DivUIOp::create(b, loc, j0, index(outputColumns));
  Value ox = arith::RemUIOp::create(b, loc, j0, index(outputColumns));
  if (blocksInRows)
    return copySegment(b, loc, panel, oy, ox, index(0), width, index(width), Value());
  // The block's columns from ox to the row's end, then (when the block
  // crosses into the next row) the rest from that row's start: masked
  // vectors, the lanes of the other segment left alone.
  auto maskType = VectorType::get({width}, b.getI1Type());
  Value first = arith::MinSIOp::create(b, loc, index(width),
                                       arith::SubIOp::create(b, loc, index(outputColumns), ox));
  copySegment(b, loc, panel, oy, ox, index(0), width, first,
              vector::CreateMaskOp::create(b, loc, maskType, ValueRange{first}));
  Value crosses = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, first, index(width));
  scf::IfOp::create(b, loc, crosses, [&](OpBuilder &tb, Location tl) {
    Value rest = arith::SubIOp::create(tb, tl, index(width), first);
    copySegment(tb, tl, panel, arith::AddIOp::create(tb, tl, oy, index(1)), index(0), first, width,
                rest, vector::CreateMaskOp::create(tb, tl, maskType, ValueRange{rest}));
    scf::YieldOp::create(tb, tl);
  });
}

} // namespace quantc
