// quantc-fuse-elementwise: fuse single-use all-parallel generic chains, nothing else.
#include "ElementwiseFusion.h"
#include "passes/Conversion/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace quantc {
#define GEN_PASS_DEF_QUANTCFUSEELEMENTWISEPASS
#include "passes/Conversion/Passes.h.inc"

using namespace mlir;

namespace {
/// An all-parallel generic whose operands are read in place or broadcast
/// along size-1 dims (a per-channel [1, 1, 1, C] scale: zeros in its map).
bool isElementwiseGeneric(Operation *op) {
  auto generic = dyn_cast_or_null<linalg::GenericOp>(op);
  return generic && generic.getNumReductionLoops() == 0 &&
         llvm::all_of(generic.getIndexingMapsArray(), [](AffineMap map) {
           return map.isProjectedPermutation(/*allowZeroInResults=*/true);
         });
}

/// The distinct tensors `ops` read and write, with those their bodies
/// gather from (tensor.extract of a value from outside).
int64_t tensorsOf(ArrayRef<Operation *> ops) {
  llvm::SetVector<Value> tensors;
  for (Operation *op : ops) {
    for (Value operand : op->getOperands())
      if (isa<ShapedType>(operand.getType()))
        tensors.insert(operand);
    op->getRegion(0).walk([&](tensor::ExtractOp extract) {
      if (!op->getRegion(0).isAncestor(extract.getTensor().getParentRegion()))
        tensors.insert(extract.getTensor());
    });
  }
  return int64_t(tensors.size());
}

/// An elementwise op's input broadcast along size-1 dims (a [C, 1] bias
/// read at (c, 0)) collapsed to the dims it is read along ([C] at (c)):
/// upstream fuses an op with a reshape only when no map holds a zero.
struct DropBroadcastUnitDims : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::GenericOp op, PatternRewriter &rewriter) const override {
    if (!isElementwiseGeneric(op))
      return failure();
    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    SmallVector<Value> inputs = op.getInputs();
    bool changed = false;
    for (auto [i, input] : llvm::enumerate(inputs)) {
      auto type = dyn_cast<RankedTensorType>(input.getType());
      AffineMap map = maps[i];
      if (!type || !type.hasStaticShape())
        continue;
      SmallVector<AffineExpr> kept;
      SmallVector<int64_t> keptShape;
      for (auto [result, size] : llvm::zip(map.getResults(), type.getShape())) {
        auto constant = dyn_cast<AffineConstantExpr>(result);
        if (constant && constant.getValue() == 0 && size == 1)
          continue; // read at 0 along a unit dim: dropped
        kept.push_back(result);
        keptShape.push_back(size);
      }
      std::optional<SmallVector<ReassociationIndices>> groups =
          getReassociationIndicesForCollapse(type.getShape(), keptShape);
      if (kept.size() == map.getNumResults() || !groups)
        continue;
      input = tensor::CollapseShapeOp::create(rewriter, op.getLoc(), input, *groups);
      maps[i] = AffineMap::get(map.getNumDims(), 0, kept, op.getContext());
      changed = true;
    }
    if (!changed)
      return failure();
    rewriter.modifyOpInPlace(op, [&] {
      op.getInputsMutable().assign(inputs);
      op.setIndexingMapsAttr(rewriter.getAffineMapArrayAttr(maps));
    });
    return success();
  }
};

struct QuantcFuseElementwisePass
    : impl::QuantcFuseElementwisePassBase<QuantcFuseElementwisePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateQuantcElementwiseFusion(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace

void populateQuantcElementwiseFusion(RewritePatternSet &patterns, int64_t maxTensors,
                                     bool throughReshapes) {
  linalg::ControlFusionFn control = [maxTensors](OpOperand *fused) {
    Operation *producer = fused->get().getDefiningOp();
    auto consumer = dyn_cast<linalg::GenericOp>(fused->getOwner());
    // The consumer reads each produced element once: no broadcast of it.
    if (!isElementwiseGeneric(producer) || !isElementwiseGeneric(consumer) ||
        !producer->hasOneUse() || !consumer.getMatchingIndexingMap(fused).isPermutation())
      return false;
    // The fused op reads both ops' tensors but the one passed between them.
    return maxTensors <= 0 || tensorsOf({producer, consumer.getOperation()}) - 1 <= maxTensors;
  };
  linalg::populateElementwiseOpsFusionPatterns(patterns, control);
  if (!throughReshapes)
    return;
  // An elementwise op whose one use is an expand_shape that only an
  // elementwise op reads runs on the expanded shape instead (its operands
  // expanded): the two are then neighbours and fuse.
  linalg::ControlFusionFn expand = [](OpOperand *fused) {
    auto reshape = dyn_cast<tensor::ExpandShapeOp>(fused->getOwner());
    Operation *producer = fused->get().getDefiningOp();
    if (!reshape || !isElementwiseGeneric(producer) || !producer->hasOneUse() ||
        !reshape->hasOneUse())
      return false;
    auto consumer = dyn_cast<linalg::GenericOp>(*reshape->user_begin());
    return isElementwiseGeneric(consumer) &&
           consumer.getMatchingIndexingMap(&*reshape->use_begin()).isPermutation();
  };
  linalg::populateFoldReshapeOpsByExpansionPatterns(patterns, expand);
  patterns.add<DropBroadcastUnitDims>(patterns.getContext());
}
} // namespace quantc
