// quantc-approximate-math: polynomial math so elementwise loops vectorize without libm,
// and bf16 conversions without libgcc.
#include "passes/Conversion/Passes.h"

#include "mlir/Dialect/Arith/Transforms/Passes.h"
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
    // bf16 conversions as integer arithmetic: x86 without AVX512-BF16 would
    // call __truncsfbf2, which neither libgcc 12 nor the JIT provides.
    mlir::arith::populateExpandBFloat16Patterns(patterns);
    if (failed(mlir::applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
} // namespace quantc
