// Conversion passes on the float execution path (generated declarations).
#ifndef QUANTC_PASSES_CONVERSION_PASSES_H
#define QUANTC_PASSES_CONVERSION_PASSES_H

#include "dialects/QKernel/QKernelDialect.h"
#include "dialects/QNN/QNNDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ArmNeon/ArmNeonDialect.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"

namespace quantc {

#define GEN_PASS_DECL
#include "passes/Conversion/Passes.h.inc"

/// quantc-externalize-weights: the table of pointers the code loads large
/// weights' addresses from, and the module attribute that holds their
/// values in table order.
inline constexpr llvm::StringLiteral kExternalWeightsTable = "quantc_weights";
inline constexpr llvm::StringLiteral kExternalWeightsAttr = "quantc.external_weights";

/// quantc-pack-matmul-weights: on a float linalg.matmul whose constant B
/// it copied into column blocks, the global holding them.
inline constexpr llvm::StringLiteral kPackedBAttr = "quantc.packed_b";

/// Marks the functions quantc-outline-loop-nests made, one layer's loop
/// nest each.
inline constexpr llvm::StringLiteral kOutlinedAttr = "quantc.outlined";

/// Bytes the LLVM lowering gives a memref of static shape: whole bytes per
/// element (an i1 or i4 element takes a byte).
inline int64_t storageBytes(mlir::MemRefType type) {
  return type.getNumElements() * ((type.getElementTypeBitWidth() + 7) / 8);
}

#define GEN_PASS_REGISTRATION
#include "passes/Conversion/Passes.h.inc"

} // namespace quantc

#endif // QUANTC_PASSES_CONVERSION_PASSES_H
