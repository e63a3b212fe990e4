// Lowering of qkernel ops to loops around the target's dot instruction.
#ifndef QUANTC_CODEGEN_LOWERING_H
#define QUANTC_CODEGEN_LOWERING_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringRef.h"

namespace quantc::qkernel {
class GatherRowsOp;
} // namespace quantc::qkernel

namespace quantc::codegen {

/// Replaces every qkernel op in `module` (on tensors, before bufferization)
/// by bufferization.to_buffer of its operands, scf/vector loops on memrefs
/// and a to_tensor of the result. `family` picks the dot instruction
/// ("vnni", "avx2", "neon", "generic"). Fails, with a diagnostic on the op,
/// when a layout does not fit the family.
mlir::LogicalResult lowerQKernelOps(mlir::ModuleOp module, llvm::StringRef family);

/// Replaces every qkernel.depthwise_conv_integer by loops over output
/// pixels and vectors of channels, `family`'s int32 lanes wide
/// (LowerDepthwiseConv.cpp).
void lowerDepthwiseConvs(mlir::ModuleOp module, llvm::StringRef family);

/// Replaces every qkernel.gather_rows by a linalg.generic that unpacks and
/// scales the rows it reads (LowerGatherRows.cpp).
void lowerGatherRowsOps(mlir::ModuleOp module);
/// The same for one op: the linalg.generic in its place (a GPU target runs
/// it as a linalg kernel when its ids are on the device).
mlir::linalg::GenericOp lowerGatherRows(qkernel::GatherRowsOp op);

/// Replaces qkernel.pack / qkernel.unpack of non-constant codes by scalar
/// loops (constant operands fold at compile time instead).
mlir::LogicalResult lowerPackOps(mlir::ModuleOp module);

/// Replaces every qkernel.dot by its x86 intrinsics (after bufferization:
/// llvm.call_intrinsic has unknown memory effects).
void lowerDotOps(mlir::ModuleOp module);
/// Replaces every qkernel.lookup by `vpshufb` or `tbl` (GenericLookup.cpp).
void lowerLookupOps(mlir::ModuleOp module);

} // namespace quantc::codegen

#endif // QUANTC_CODEGEN_LOWERING_H
