// quantc-approximate-math: polynomial math so elementwise loops vectorize without libm.
#include "passes/Conversion/Passes.h"

#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace quantc {
#define GEN_PASS_DEF_QUANTCAPPROXIMATEMATHPASS
#include "passes/Conversion/Passes.h.inc"

namespace {
struct QuantcApproximateMathPass
    : impl::QuantcApproximateMathPassBase<QuantcApproximateMathPass> {
  void runOnOperation() override {
    mlir::RewritePatternSet patterns(&getContext());
    auto approximated = [](llvm::StringRef name) { // full op names, e.g. "math.exp"
      return llvm::is_contained({"math.exp", "math.expm1", "math.tanh", "math.erf", "math.log",
                                 "math.log1p", "math.log2"},
                                name);
    };
    mlir::populateMathF32ExpansionPatterns(patterns, approximated);
    mlir::populateMathPolynomialApproximationPatterns(patterns, approximated);
    if (failed(mlir::applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
} // namespace quantc
