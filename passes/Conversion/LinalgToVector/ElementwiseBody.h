// The body of an all-parallel linalg.generic, run where a kernel holds its
// input in registers: on one scalar or on vectors of lanes. Shared by the
// kernels that fold a following activation or residual add into
// themselves (the matmul and depthwise epilogues).
#ifndef QUANTC_PASSES_CONVERSION_LINALGTOVECTOR_ELEMENTWISEBODY_H
#define QUANTC_PASSES_CONVERSION_LINALGTOVECTOR_ELEMENTWISEBODY_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace quantc {

/// A body the kernels can run on vectors: arith ops applied element by
/// element, reading the inputs and scalars defined outside, not the output.
bool vectorizableBody(mlir::linalg::GenericOp generic);

/// The generic's body on `arguments`, one per input, all vectors of `width`
/// lanes (constants and scalars defined outside the generic are broadcast)
/// or, with `width` 0, all scalars. Returns the yielded value.
mlir::Value emitElementwiseBody(mlir::OpBuilder &b, mlir::Location loc,
                                mlir::linalg::GenericOp generic, mlir::ValueRange arguments,
                                int64_t width);

} // namespace quantc

#endif
