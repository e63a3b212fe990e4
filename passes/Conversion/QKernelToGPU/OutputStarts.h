// Where a linalg op's output starts when its body reads it: a constant
// fill's value or a broadcast copy's source, which a GPU kernel reads
// itself instead of a launch writing the output first (a reduction's
// accumulators, a depthwise convolution's bias).
#ifndef QUANTC_PASSES_CONVERSION_QKERNELTOGPU_OUTPUTSTARTS_H
#define QUANTC_PASSES_CONVERSION_QKERNELTOGPU_OUTPUTSTARTS_H

#include "quantc/Codegen/GPULinalgKernels.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"

#include <optional>

namespace quantc::gpu {

/// An all-parallel generic that copies its one static input into its
/// output, reading it through dims and zeros (a bias broadcast).
bool isBroadcastCopy(mlir::Operation *op);

/// Where the output `init` of `op` (one its body reads) starts, when only
/// it reads what wrote it: a constant fill (through reshapes) or a
/// broadcast copy, whose source the start reads at the output's indices.
/// `writers` receives the ops that then write nothing read, from `init`
/// back to the fill or copy (the order to erase them in).
std::optional<codegen::gpu::InitialValue>
knownStart(mlir::linalg::LinalgOp op, mlir::OpOperand &init,
           llvm::SmallVectorImpl<mlir::Operation *> *writers = nullptr);

} // namespace quantc::gpu

#endif // QUANTC_PASSES_CONVERSION_QKERNELTOGPU_OUTPUTSTARTS_H
