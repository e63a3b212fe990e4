// An elementwise op after a reduction (a depthwise convolution's
// activation) on the GPU: one kernel computes both. The elementwise op is
// rebuilt to compute the reduction at each of its points in its own body
// (the reduction's loops inside, its inputs gathered), so that the
// reduction's result never goes to memory and one launch does the work of
// two.
#ifndef QUANTC_PASSES_CONVERSION_QKERNELTOGPU_REDUCTIONEPILOGUES_H
#define QUANTC_PASSES_CONVERSION_QKERNELTOGPU_REDUCTIONEPILOGUES_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace quantc::gpu {

/// The op that replaces `epilogue` (an elementwise linalg.generic) when it
/// reads, as its only use and through static reshapes only it reads, the
/// result of a reduction `reduction` (a linalg.generic over static tensors
/// whose output holds its parallel dims, started by a constant fill, a
/// broadcast copy or nothing it reads): the reduction computed in the new
/// op's body, in the reduction's order (the same sums), then the
/// epilogue's body on it; only where `fold(reduction)` says so. The
/// epilogue's uses go to the new op; `dead` receives the epilogue, the
/// reshapes, the reduction and its fill or copy, in an order to erase them
/// in (the caller's). Null, the IR untouched, when the new op would have no
/// GPU kernel or would read more than `maxTensors` tensors.
mlir::linalg::GenericOp
computeReductionInEpilogue(mlir::linalg::GenericOp epilogue, int64_t maxTensors,
                           llvm::function_ref<bool(mlir::linalg::GenericOp)> fold,
                           llvm::SmallVectorImpl<mlir::Operation *> &dead);

} // namespace quantc::gpu

#endif // QUANTC_PASSES_CONVERSION_QKERNELTOGPU_REDUCTIONEPILOGUES_H
