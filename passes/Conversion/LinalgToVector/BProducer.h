// The op that writes a matmul's B just before it, which the microkernel can
// run panel by panel inside its own loop instead (see Im2colPanel.h and
// RowScaledPanel.h).
#ifndef QUANTC_PASSES_CONVERSION_LINALGTOVECTOR_BPRODUCER_H
#define QUANTC_PASSES_CONVERSION_LINALGTOVECTOR_BPRODUCER_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace quantc {

/// Whether `view` takes all of its source's elements in place (offsets 0,
/// strides 1, full sizes: at most unit dims dropped).
bool viewsAllOf(mlir::memref::SubViewOp view);

/// The generic that writes all of `buffer` (its only init), before `user`
/// in the same block.
mlir::linalg::GenericOp writerOf(mlir::Value buffer, mlir::Operation *user);

/// Whether only views, allocations, deallocations and ops that start C lie
/// between `producer` and `matmul`: nothing else might write what the
/// producer reads.
bool onlyStartsCBetween(mlir::Operation *producer, mlir::Operation *matmul, mlir::Value c);

/// The deallocations between `producer` and `matmul` (of buffers whose last
/// reader was the producer) move after the matmul, which reads them now.
void moveDeallocationsAfter(mlir::Operation *producer, mlir::Operation *matmul);

} // namespace quantc

#endif
