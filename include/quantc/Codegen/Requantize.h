// qnn.requantize's integer arithmetic, built once for both places that run
// it: the qnn -> linalg lowering (scalars in a linalg body) and the integer
// kernels' fused epilogue (vectors), so the two cannot drift apart.
#ifndef QUANTC_CODEGEN_REQUANTIZE_H
#define QUANTC_CODEGEN_REQUANTIZE_H

#include "mlir/IR/Builders.h"

namespace quantc::codegen {

/// clamp((int64(acc) * multiplier + half) >> shift + zeroPoint, lo, hi),
/// truncated to `storage` (an integer type; a vector of it when acc is a
/// vector). acc is i32; multiplier, half (2^(shift - 1)) and shift are i64
/// of acc's shape.
mlir::Value emitRequantize(mlir::OpBuilder &b, mlir::Location loc, mlir::Value acc,
                           mlir::Value multiplier, mlir::Value half, mlir::Value shift,
                           int64_t zeroPoint, int64_t lo, int64_t hi, mlir::Type storage);

} // namespace quantc::codegen

#endif // QUANTC_CODEGEN_REQUANTIZE_H
