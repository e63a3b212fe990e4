#include "SplitReductions.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/IR/PatternMatch.h"

#include <cmath>

namespace quantc::gpu {

using namespace mlir;

/// The op's reduction dims when they are adjacent and, several (a
/// pooling's rows and columns), adjacent in every map that has them, so
/// that they fold into one; else none.
static ReassociationIndices foldableReductionDims(linalg::LinalgOp op) {
  ReassociationIndices dims;
  for (auto [dim, iterator] : llvm::enumerate(op.getIteratorTypesArray()))
    if (iterator == utils::IteratorType::reduction)
      dims.push_back(int64_t(dim));
  if (dims.empty() || dims.back() - dims.front() + 1 != int64_t(dims.size()))
    return {};
  if (dims.size() > 1 && !linalg::areDimSequencesPreserved(op.getIndexingMapsArray(), {dims}))
    return {};
  return dims;
}

int64_t splitRatio(linalg::LinalgOp op) {
  // Upstream's split takes maps of plain dims only (a kept dim's constant
  // 0 comes out a garbage dim): inputs so, and the output so once its kept
  // dims are dropped (withoutKeptDims); and one reduction dim (several
  // adjacent ones are folded into one first).
  // Nor linalg.index: the split renumbers the dims but not the indices (a
  // padded pool that gathers its window in place would read elsewhere).
  if (foldableReductionDims(op).empty() || op->getNumResults() != 1 ||
      !isa<linalg::GenericOp>(op) || op.hasIndexSemantics())
    return 0;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  if (!llvm::all_of(ArrayRef(maps).drop_back(),
                    [](AffineMap map) { return map.isProjectedPermutation(); }) ||
      !maps.back().isProjectedPermutation(/*allowZeroInResults=*/true))
    return 0;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (llvm::any_of(ranges, ShapedType::isDynamic))
    return 0;
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  int64_t row = 1, points = 1;
  for (auto [range, iterator] : llvm::zip(ranges, iterators))
    (iterator == utils::IteratorType::reduction ? row : points) *= range;
  if (row < kMinSplitRow || points >= kMaxSplitPoints)
    return 0;
  // The divisor nearest sqrt(row): both kernels' loops about as short.
  int64_t best = 0;
  double root = std::sqrt(double(row));
  for (int64_t d = 4; d * d <= row * 4 && d < row; ++d)
    if (row % d == 0 && (!best || std::fabs(double(d) - root) < std::fabs(double(best) - root)))
      best = d;
  return best;
}

/// `op` with its output's kept dims (size 1, map result 0: a keepdims
/// reduction) collapsed away, its result expanded back to the old type.
/// Returns the new op (`op` itself when it keeps none).
static linalg::GenericOp withoutKeptDims(IRRewriter &rewriter, linalg::GenericOp op) {
  OpOperand &init = op.getDpsInitsMutable()[0];
  auto type = cast<RankedTensorType>(init.get().getType());
  AffineMap map = op.getMatchingIndexingMap(&init);
  SmallVector<int64_t> kept, shape;
  for (auto [position, result] : llvm::enumerate(map.getResults())) {
    if (isa<AffineConstantExpr>(result))
      kept.push_back(int64_t(position));
    else
      shape.push_back(type.getDimSize(int64_t(position)));
  }
  if (kept.empty())
    return op;
  auto collapsedType = RankedTensorType::get(shape, type.getElementType());
  std::optional<SmallVector<ReassociationIndices>> groups =
      getReassociationIndicesForCollapse(type.getShape(), collapsedType.getShape());
  if (!groups)
    return op;
  Location loc = op.getLoc();
  Value collapsed =
      tensor::CollapseShapeOp::create(rewriter, loc, collapsedType, init.get(), *groups);
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  maps.back() = maps.back().dropResults(kept);
  auto generic = linalg::GenericOp::create(rewriter, loc, TypeRange{collapsedType}, op.getInputs(),
                                           ValueRange{collapsed}, maps, op.getIteratorTypesArray());
  rewriter.inlineRegionBefore(op.getRegion(), generic.getRegion(), generic.getRegion().begin());
  Value expanded =
      tensor::ExpandShapeOp::create(rewriter, loc, type, generic.getResult(0), *groups);
  rewriter.replaceOp(op, expanded);
  return generic;
}

SmallVector<Operation *> splitLongReduction(linalg::LinalgOp op, int64_t ratio) {
  IRRewriter rewriter(op->getContext());
  rewriter.setInsertionPoint(op);
  op = withoutKeptDims(rewriter, cast<linalg::GenericOp>(op));
  if (ReassociationIndices dims = foldableReductionDims(op); dims.size() > 1) {
    rewriter.setInsertionPoint(op);
    FailureOr<linalg::CollapseResult> folded =
        linalg::collapseOpIterationDims(op, {dims}, rewriter);
    auto generic = succeeded(folded) ? dyn_cast<linalg::GenericOp>(*folded->collapsedOp) : nullptr;
    if (!generic)
      return {op};
    rewriter.replaceOp(op, folded->results);
    op = generic;
  }
  // The parts' dim innermost among the parallel ones: adjacent threads read
  // adjacent elements of the row.
  auto index = unsigned(cast<ShapedType>(op.getDpsInits()[0].getType()).getRank());
  FailureOr<linalg::SplitReductionResult> split =
      linalg::splitReduction(rewriter, op, [&](linalg::LinalgOp) {
        return linalg::SplitReductionOptions{ratio, index, /*innerParallel=*/true};
      });
  if (failed(split))
    return {op};
  return {split->fillOp, split->splitLinalgOp, split->resultCombiningLinalgOp};
}

linalg::GenericOp withUnitParallelDim(linalg::GenericOp op) {
  if (op.getNumParallelLoops() != 0 || op->getNumResults() != 1 ||
      llvm::any_of(op.getStaticLoopRanges(), ShapedType::isDynamic))
    return {};
  OpOperand &init = op.getDpsInitsMutable()[0];
  auto type = dyn_cast<RankedTensorType>(init.get().getType());
  if (!type || !type.hasStaticShape())
    return {};
  // The output gains a leading dim of 1, indexed by the new dim 0.
  SmallVector<int64_t> shape = {1};
  llvm::append_range(shape, type.getShape());
  auto unitType = RankedTensorType::get(shape, type.getElementType());
  SmallVector<ReassociationIndices> groups;
  if (type.getRank() > 0) {
    groups.push_back({0, 1});
    for (int64_t d = 2; d <= type.getRank(); ++d)
      groups.push_back({d});
  }
  MLIRContext *context = op.getContext();
  SmallVector<AffineMap> maps;
  for (AffineMap map : op.getIndexingMapsArray())
    maps.push_back(map.shiftDims(1));
  maps.back() = maps.back().insertResult(getAffineDimExpr(0, context), 0);
  SmallVector<utils::IteratorType> iterators = {utils::IteratorType::parallel};
  llvm::append_range(iterators, op.getIteratorTypesArray());

  IRRewriter rewriter(context);
  rewriter.setInsertionPoint(op);
  Location loc = op.getLoc();
  Value expanded = tensor::ExpandShapeOp::create(rewriter, loc, unitType, init.get(), groups);
  auto generic = linalg::GenericOp::create(rewriter, loc, TypeRange{unitType}, op.getInputs(),
                                           ValueRange{expanded}, maps, iterators);
  rewriter.inlineRegionBefore(op.getRegion(), generic.getRegion(), generic.getRegion().begin());
  generic.getBody()->walk([&](linalg::IndexOp index) { index.setDim(index.getDim() + 1); });
  Value result = tensor::CollapseShapeOp::create(rewriter, loc, type, generic.getResult(0), groups);
  rewriter.replaceOp(op, result);
  return generic;
}

Value sumSplitPartials(OpBuilder &b, Location loc, Value partials, RankedTensorType type) {
  MLIRContext *context = b.getContext();
  int64_t rank = type.getRank();
  // Dims (d0 .. d[rank-1], s): the output's, then the slice innermost.
  SmallVector<AffineExpr> read = {getAffineDimExpr(unsigned(rank), context)};
  for (int64_t d = 0; d < rank; ++d)
    read.push_back(getAffineDimExpr(unsigned(d), context));
  SmallVector<AffineMap> maps = {
      AffineMap::get(unsigned(rank + 1), 0, read, context),
      AffineMap::getMultiDimIdentityMap(unsigned(rank + 1), context).dropResult(unsigned(rank))};
  SmallVector<utils::IteratorType> iterators(size_t(rank), utils::IteratorType::parallel);
  iterators.push_back(utils::IteratorType::reduction);
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(type.getElementType()));
  Value empty = tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType());
  Value start = linalg::FillOp::create(b, loc, zero, empty).getResult(0);
  auto sum = linalg::GenericOp::create(
      b, loc, TypeRange{type}, ValueRange{partials}, ValueRange{start}, maps, iterators,
      [](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        linalg::YieldOp::create(
            nested, nestedLoc,
            ValueRange{arith::AddFOp::create(nested, nestedLoc, args[1], args[0])});
      });
  return sum.getResult(0);
}

} // namespace quantc::gpu
