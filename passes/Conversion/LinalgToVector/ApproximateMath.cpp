// quantc-approximate-math: polynomial math so elementwise loops vectorize without libm,
// and bf16 conversions without libgcc.
#include "passes/Conversion/Passes.h"

#include "quantc/Codegen/MathApproximation.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace quantc {
#define GEN_PASS_DEF_QUANTCAPPROXIMATEMATHPASS
#include "passes/Conversion/Passes.h.inc"

namespace {
struct QuantcApproximateMathPass
    : impl::QuantcApproximateMathPassBase<QuantcApproximateMathPass> {
  void runOnOperation() override {
    mlir::RewritePatternSet patterns(&getContext());
    codegen::populateMathApproximationPatterns(patterns);
    if (failed(mlir::applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
} // namespace quantc
