// The math quantc computes without libm, on every target: polynomial exp,
// tanh, erf and log (upstream's approximations), and bf16 conversions as
// integer arithmetic. Host loops and GPU kernels use the same patterns, so
// they compute the same functions.
#ifndef QUANTC_CODEGEN_MATHAPPROXIMATION_H
#define QUANTC_CODEGEN_MATHAPPROXIMATION_H

#include "mlir/IR/PatternMatch.h"

namespace quantc::codegen {

void populateMathApproximationPatterns(mlir::RewritePatternSet &patterns);

} // namespace quantc::codegen

#endif // QUANTC_CODEGEN_MATHAPPROXIMATION_H
