#include "PaddedReads.h"
#include "Residency.h"

#include "mlir/Dialect/Affine/Utils.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"

namespace quantc::gpu {

using namespace mlir;

/// Whether `pad` can be read as a gather: a constant padding value, static
/// shapes and low padding.
static bool gatherable(tensor::PadOp pad) {
  Value padding = pad.getConstantPaddingValue();
  return padding && matchPattern(padding, m_Constant()) && pad.getResultType().hasStaticShape() &&
         pad.getSourceType().hasStaticShape() &&
         pad.getStaticLow().size() == size_t(pad.getResultType().getRank()) &&
         !llvm::any_of(pad.getStaticLow(), ShapedType::isDynamic);
}

/// The element of `pad`'s result at `indices`: its source's at the indices
/// less the low padding (clamped, so that every load is inside), or the
/// padding value where that is outside.
static Value readPadded(OpBuilder &b, Location loc, tensor::PadOp pad, ValueRange indices) {
  RankedTensorType sourceType = pad.getSourceType();
  llvm::ArrayRef<int64_t> low = pad.getStaticLow();
  Value inside = arith::ConstantIntOp::create(b, loc, b.getI1Type(), 1);
  SmallVector<Value> clamped;
  for (auto [d, index] : llvm::enumerate(indices)) {
    Value from =
        arith::SubIOp::create(b, loc, index, arith::ConstantIndexOp::create(b, loc, low[d]));
    Value size = arith::ConstantIndexOp::create(b, loc, sourceType.getDimSize(d));
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value below = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, from, size);
    Value above = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, from, zero);
    inside = arith::AndIOp::create(b, loc, arith::AndIOp::create(b, loc, below, above), inside);
    Value last = arith::ConstantIndexOp::create(b, loc, sourceType.getDimSize(d) - 1);
    clamped.push_back(
        arith::MinSIOp::create(b, loc, arith::MaxSIOp::create(b, loc, from, zero), last));
  }
  Value value = tensor::ExtractOp::create(b, loc, pad.getSource(), clamped);
  Value constant = b.clone(*pad.getConstantPaddingValue().getDefiningOp())->getResult(0);
  return arith::SelectOp::create(b, loc, inside, value, constant);
}

linalg::GenericOp copyWithoutInput(OpBuilder &b, linalg::GenericOp op, OpOperand &input,
                                   IRMapping &mapping) {
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  for (OpOperand &operand : op->getOpOperands())
    if (&operand != &input) {
      maps.push_back(op.getMatchingIndexingMap(&operand));
      if (op.isDpsInput(&operand))
        inputs.push_back(operand.get());
    }
  auto copy = linalg::GenericOp::create(b, op.getLoc(), op->getResultTypes(), inputs,
                                        op.getOutputs(), maps, op.getIteratorTypesArray());
  SmallVector<BlockArgument> kept;
  for (BlockArgument argument : op.getBody()->getArguments())
    if (argument.getArgNumber() != input.getOperandNumber())
      kept.push_back(argument);
  SmallVector<Type> types = llvm::map_to_vector(kept, [](BlockArgument a) { return a.getType(); });
  SmallVector<Location> locations =
      llvm::map_to_vector(kept, [](BlockArgument a) { return a.getLoc(); });
  Block *body = b.createBlock(&copy.getRegion(), {}, types, locations);
  for (auto [argument, replacement] : llvm::zip(kept, body->getArguments()))
    mapping.map(argument, replacement);
  b.setInsertionPointToStart(body);
  return copy;
}

linalg::GenericOp buildGather(OpBuilder &b, Location loc, RankedTensorType type,
                              function_ref<Value(OpBuilder &, Location, ValueRange)> element) {
  int64_t rank = type.getRank();
  Value empty = tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType());
  return linalg::GenericOp::create(
      b, loc, type, ValueRange{}, ValueRange{empty},
      SmallVector<AffineMap>{b.getMultiDimIdentityMap(unsigned(rank))},
      SmallVector<utils::IteratorType>(size_t(rank), utils::IteratorType::parallel),
      [&](OpBuilder &nested, Location at, ValueRange) {
        SmallVector<Value> point;
        for (int64_t d = 0; d < rank; ++d)
          point.push_back(linalg::IndexOp::create(nested, at, uint64_t(d)));
        linalg::YieldOp::create(nested, at, ValueRange{element(nested, at, point)});
      });
}

linalg::GenericOp padAsGather(tensor::PadOp pad) {
  if (!gatherable(pad))
    return {};
  OpBuilder b(pad);
  linalg::GenericOp generic = buildGather(b, pad.getLoc(), pad.getResultType(),
                                          [&](OpBuilder &nested, Location at, ValueRange point) {
                                            return readPadded(nested, at, pad, point);
                                          });
  pad.getResult().replaceAllUsesWith(generic.getResult(0));
  pad->erase();
  return generic;
}

/// `exprs` (indices of `reshape`'s result) as indices of its source: each
/// group of expanded dims linearized into the dim it splits.
static SmallVector<AffineExpr> indicesBeforeExpansion(tensor::ExpandShapeOp reshape,
                                                      llvm::ArrayRef<AffineExpr> exprs) {
  llvm::ArrayRef<int64_t> sizes = reshape.getResultType().getShape();
  SmallVector<AffineExpr> source;
  for (const ReassociationIndices &group : reshape.getReassociationIndices()) {
    AffineExpr index = getAffineConstantExpr(0, reshape.getContext());
    for (int64_t d : group)
      index = index * sizes[d] + exprs[d];
    source.push_back(index);
  }
  return source;
}

linalg::GenericOp readPadInConsumer(tensor::PadOp pad, Operation *&replaced) {
  if (!gatherable(pad))
    return {};
  // The one reader, through expand_shapes only it reads, and the padded
  // indices it reads at (in its loop dims).
  Value value = pad.getResult();
  SmallVector<tensor::ExpandShapeOp> reshapes;
  while (value.hasOneUse() && isa<tensor::ExpandShapeOp>(*value.user_begin())) {
    reshapes.push_back(cast<tensor::ExpandShapeOp>(*value.user_begin()));
    value = reshapes.back().getResult();
  }
  if (!value.hasOneUse())
    return {};
  OpOperand &use = *value.use_begin();
  auto reader = dyn_cast<linalg::GenericOp>(use.getOwner());
  if (!reader || !reader.isDpsInput(&use) || !reader.hasPureTensorSemantics())
    return {};
  AffineMap map = reader.getMatchingIndexingMap(&use);
  if (map.getNumSymbols())
    return {};
  SmallVector<AffineExpr> padded(map.getResults());
  for (tensor::ExpandShapeOp reshape : llvm::reverse(reshapes))
    padded = indicesBeforeExpansion(reshape, padded);

  // The reader without that input; its body reads the element itself.
  OpBuilder b(reader);
  Location loc = reader.getLoc();
  IRMapping mapping;
  linalg::GenericOp rebuilt = copyWithoutInput(b, reader, use, mapping);
  Block *old = reader.getBody();
  SmallVector<Value> dims, indices;
  for (unsigned d = 0; d < map.getNumDims(); ++d)
    dims.push_back(linalg::IndexOp::create(b, loc, uint64_t(d)));
  for (AffineExpr index : padded)
    indices.push_back(affine::expandAffineExpr(b, loc, index, dims, {}));
  mapping.map(old->getArgument(use.getOperandNumber()), readPadded(b, loc, pad, indices));
  for (Operation &op : *old)
    b.clone(op, mapping);
  if (!whyNoKernel(rebuilt).empty()) { // the reader's own kernel, or none, then
    rebuilt->erase();
    return {};
  }
  reader->replaceAllUsesWith(rebuilt->getResults());
  replaced = reader;
  reader->erase();
  for (tensor::ExpandShapeOp reshape : llvm::reverse(reshapes))
    reshape->erase();
  pad->erase();
  return rebuilt;
}

} // namespace quantc::gpu
