// qnn-fold-constants: fold shape computations and erase dead ops.
#include "passes/Transforms/Passes.h"

#include "dialects/QNN/QNNOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace quantc::qnn {
#define GEN_PASS_DEF_QNNFOLDCONSTANTSPASS
#include "passes/Transforms/Passes.h.inc"

namespace {
struct QNNFoldConstantsPass
    : impl::QNNFoldConstantsPassBase<QNNFoldConstantsPass> {
  void runOnOperation() override {
    // No patterns: the driver still folds every op and erases dead ones.
    mlir::RewritePatternSet patterns(&getContext());
    if (failed(mlir::applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
} // namespace quantc::qnn
