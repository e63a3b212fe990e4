#include "quantc/Codegen/MathApproximation.h"

#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"

namespace quantc::codegen {

void populateMathApproximationPatterns(mlir::RewritePatternSet &patterns) {
  auto approximated = [](llvm::StringRef name) { // full op names, e.g. "math.exp"
    return llvm::is_contained(
        {"math.exp", "math.expm1", "math.tanh", "math.erf", "math.log", "math.log1p", "math.log2"},
        name);
  };
  mlir::populateMathF32ExpansionPatterns(patterns, approximated);
  mlir::populateMathPolynomialApproximationPatterns(patterns, approximated);
  // bf16 conversions as integer arithmetic: x86 without AVX512-BF16 would
  // call __truncsfbf2, which neither libgcc 12 nor the JIT provides.
  mlir::arith::populateExpandBFloat16Patterns(patterns);
}

} // namespace quantc::codegen
