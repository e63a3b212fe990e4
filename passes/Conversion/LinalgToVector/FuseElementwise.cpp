// quantc-fuse-elementwise: fuse single-use all-parallel generic chains, nothing else.
#include "passes/Conversion/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
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

struct QuantcFuseElementwisePass
    : impl::QuantcFuseElementwisePassBase<QuantcFuseElementwisePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    linalg::ControlFusionFn control = [](OpOperand *fused) {
      Operation *producer = fused->get().getDefiningOp();
      auto consumer = dyn_cast<linalg::GenericOp>(fused->getOwner());
      // The consumer reads each produced element once: no broadcast of it.
      return isElementwiseGeneric(producer) && isElementwiseGeneric(consumer) &&
             producer->hasOneUse() && consumer.getMatchingIndexingMap(fused).isPermutation();
    };
    linalg::populateElementwiseOpsFusionPatterns(patterns, control);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
} // namespace quantc
