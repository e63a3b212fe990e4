// Constant pads of device values on the GPU, read where they are used
// rather than written out: a pad becomes a gather from its source (index
// less the low padding, clamped; the padding value outside), either in the
// body of the one linalg op that reads it (a depthwise convolution's taps)
// or, failing that, as a linalg op of its own.
#ifndef QUANTC_PASSES_CONVERSION_QKERNELTOGPU_PADDEDREADS_H
#define QUANTC_PASSES_CONVERSION_QKERNELTOGPU_PADDEDREADS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"

namespace quantc::gpu {

/// A copy of `op` without its input `input`, its body empty but for the
/// block arguments: `mapping` takes op's other block arguments to the
/// copy's, and `b` is at the start of the body (where the caller computes
/// the dropped input's element, maps its argument, and clones op's body).
mlir::linalg::GenericOp copyWithoutInput(mlir::OpBuilder &b, mlir::linalg::GenericOp op,
                                         mlir::OpOperand &input, mlir::IRMapping &mapping);

/// A linalg.generic over a new tensor of `type` (all dims parallel, no
/// inputs) whose body yields `element` of its point (the linalg.index of
/// each dim): what a pad, a slice or a concatenation becomes on the GPU.
mlir::linalg::GenericOp buildGather(
    mlir::OpBuilder &b, mlir::Location loc, mlir::RankedTensorType type,
    llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location, mlir::ValueRange)> element);

/// `pad` (a constant value, static shapes) as a linalg.generic over its
/// result that gathers from the source; null (and `pad` untouched) if it
/// cannot be.
mlir::linalg::GenericOp padAsGather(mlir::tensor::PadOp pad);

/// The linalg.generic that reads `pad`'s result (through expand_shapes
/// only it reads) as an input, rebuilt to gather that input from the pad's
/// source in its body, which then replaces it (the pad and reshapes
/// erased): one kernel reads the unpadded tensor, and no padded one is
/// written. Null, with the IR untouched, if there is no such reader or the
/// rebuilt op would have no GPU kernel; else `replaced` is the erased
/// reader (its address identifies it, nothing more).
mlir::linalg::GenericOp readPadInConsumer(mlir::tensor::PadOp pad, mlir::Operation *&replaced);

} // namespace quantc::gpu

#endif // QUANTC_PASSES_CONVERSION_QKERNELTOGPU_PADDEDREADS_H
