// quantc-fuse-elementwise: fuse single-use all-parallel generic chains, nothing else.
#include "ElementwiseFusion.h"
#include "passes/Conversion/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
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

void populateQuantcElementwiseFusion(RewritePatternSet &patterns, int64_t maxTensors) {
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
}
} // namespace quantc
