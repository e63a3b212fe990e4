// Scaling a matmul's B per row panel by panel (see RowScaledPanel.h).
#include "passes/Conversion/LinalgToVector/RowScaledPanel.h"
#include "passes/Conversion/LinalgToVector/BProducer.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"

namespace quantc {

using namespace mlir;

namespace {

/// A view that keeps every element in place: a reshape, or a subview of
/// all of its source.
bool keepsElementsInPlace(Operation *op) {
  auto subview = dyn_cast<memref::SubViewOp>(op);
  return isa<memref::CollapseShapeOp, memref::ExpandShapeOp>(op) ||
         (subview && viewsAllOf(subview));
}

/// The body `yield mulf(in0, in1)`: whether it multiplies in1 by in0
/// (scale first when in0 is the scale), or nothing.
std::optional<bool> multipliesInputs(linalg::GenericOp generic, unsigned scaleInput) {
  Block &body = generic.getRegion().front();
  if (body.getOperations().size() != 2)
    return std::nullopt;
  auto mul = dyn_cast<arith::MulFOp>(body.front());
  if (!mul || body.getTerminator()->getOperand(0) != mul.getResult())
    return std::nullopt;
  Value scale = body.getArgument(scaleInput), x = body.getArgument(1 - scaleInput);
  if (mul.getLhs() == scale && mul.getRhs() == x)
    return true;
  if (mul.getLhs() == x && mul.getRhs() == scale)
    return false;
  return std::nullopt;
}

} // namespace

std::optional<RowScaledPanel> matchRowScaledPanel(linalg::LinalgOp matmul, int64_t nr,
                                                  int64_t maxPanelBytes) {
  RowScaledPanel panel;
  Value b = matmul->getOperand(1);
  while (Operation *view = b.getDefiningOp()) {
    if (!keepsElementsInPlace(view) || !b.hasOneUse())
      break;
    panel.views.insert(panel.views.begin(), view);
    b = view->getOperand(0);
  }
  auto type = cast<MemRefType>(b.getType());
  if (!b.getDefiningOp<memref::AllocOp>() || !type.getLayout().isIdentity() ||
      !type.getElementType().isF32() || !type.hasStaticShape())
    return std::nullopt;
  panel.product = b;
  panel.generic = writerOf(b, matmul);
  linalg::GenericOp generic = panel.generic;
  if (!generic || generic.getNumDpsInputs() != 2 || generic.getNumReductionLoops() != 0)
    return std::nullopt;
  // The generic writes the product, the matmul (through the views) alone reads it.
  Operation *reader = panel.views.empty() ? matmul.getOperation() : panel.views.front();
  for (Operation *user : b.getUsers())
    if (user != reader && user != generic.getOperation() && !isa<memref::DeallocOp>(user))
      return std::nullopt;
  SmallVector<AffineMap> maps = generic.getIndexingMapsArray();
  if (!maps[2].isIdentity())
    return std::nullopt;
  // x is read in place (the same type as B's buffer), the scale along one dim.
  unsigned xInput = maps[0].isIdentity() ? 0 : 1;
  panel.x = generic.getDpsInputs()[xInput];
  panel.scale = generic.getDpsInputs()[1 - xInput];
  auto scaleType = dyn_cast<MemRefType>(panel.scale.getType());
  if (!maps[xInput].isIdentity() || panel.x.getType() != type || !scaleType)
    return std::nullopt;
  std::optional<bool> scaleFirst = multipliesInputs(generic, 1 - xInput);
  if (!scaleFirst)
    return std::nullopt;
  panel.scaleFirst = *scaleFirst;
  // The scale's one dim of more than one element: B's rows, when the dims
  // before it are units and those after it B's columns.
  ArrayRef<int64_t> shape = type.getShape();
  std::optional<unsigned> rowDim;
  AffineMap scaleMap = maps[1 - xInput];
  for (auto [position, result] : llvm::enumerate(scaleMap.getResults())) {
    auto constant = dyn_cast<AffineConstantExpr>(result);
    auto dim = dyn_cast<AffineDimExpr>(result);
    if (constant && constant.getValue() == 0)
      continue;
    if (!dim)
      return std::nullopt;
    if (shape[dim.getPosition()] == 1 && scaleType.getDimSize(position) == 1)
      continue;
    if (rowDim)
      return std::nullopt;
    rowDim = dim.getPosition();
    panel.scaleDim = position;
  }
  auto bType = cast<MemRefType>(matmul->getOperand(1).getType());
  if (!rowDim || bType.getRank() != 2)
    return std::nullopt;
  int64_t before = 1, after = 1;
  for (unsigned d = 0; d < shape.size(); ++d) {
    if (d < *rowDim)
      before *= shape[d];
    if (d > *rowDim)
      after *= shape[d];
  }
  int64_t k = bType.getDimSize(0);
  if (before != 1 || shape[*rowDim] != k || after != bType.getDimSize(1) ||
      k * nr * 4 > maxPanelBytes || !onlyStartsCBetween(generic, matmul, matmul->getOperand(2)))
    return std::nullopt;
  return panel;
}

Value RowScaledPanel::rowsOfX(OpBuilder &b, Location loc) const {
  IRMapping mapping;
  mapping.map(product, x);
  Value rows = x;
  for (Operation *view : views)
    rows = b.clone(*view, mapping)->getResult(0);
  return rows;
}

void RowScaledPanel::pack(OpBuilder &b, Location loc, Value rows, Value panel, Value j0,
                          int64_t width) const {
  auto index = [&](OpBuilder &builder, int64_t v) -> Value {
    return arith::ConstantIndexOp::create(builder, loc, v);
  };
  auto vectorType = VectorType::get({width}, b.getF32Type());
  int64_t k = cast<MemRefType>(rows.getType()).getDimSize(0);
  unsigned scaleRank = cast<MemRefType>(scale.getType()).getRank();
  scf::ForOp::create(
      b, loc, index(b, 0), index(b, k), index(b, 1), ValueRange{},
      [&](OpBuilder &kb, Location kl, Value row, ValueRange) {
        SmallVector<Value> at(scaleRank, index(kb, 0));
        at[scaleDim] = row;
        Value factor = vector::BroadcastOp::create(kb, kl, vectorType,
                                                   memref::LoadOp::create(kb, kl, scale, at));
        Value values = vector::LoadOp::create(kb, kl, vectorType, rows, ValueRange{row, j0});
        Value scaled = scaleFirst ? arith::MulFOp::create(kb, kl, factor, values)
                                  : arith::MulFOp::create(kb, kl, values, factor);
        vector::StoreOp::create(kb, kl, scaled, panel, ValueRange{row, index(kb, 0)});
        scf::YieldOp::create(kb, kl);
      });
}

} // namespace quantc
