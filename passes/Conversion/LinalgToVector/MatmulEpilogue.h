// An elementwise linalg.generic that reads a buffer matmul's C, folded into
// the matmul's tile kernel: each output vector goes through the generic's
// body while it is still in registers.
#ifndef QUANTC_PASSES_CONVERSION_LINALGTOVECTOR_MATMULEPILOGUE_H
#define QUANTC_PASSES_CONVERSION_LINALGTOVECTOR_MATMULEPILOGUE_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

#include <optional>

namespace quantc {

struct MatmulEpilogue {
  mlir::linalg::GenericOp generic;
  /// The generic's shape grouped into [M, N] (collapse_shape's groups).
  llvm::SmallVector<mlir::ReassociationIndices> groups;
  /// Whether anything but the generic reads C after the matmul: then the
  /// kernel stores C as well as the generic's output.
  bool keepC = false;
  /// Per generic input, made by prepare(): null for C itself (the
  /// accumulator), else the input collapsed to [M, N].
  llvm::SmallVector<mlir::Value> inputs;
  mlir::Value output; // the generic's output collapsed to [M, N]

  /// Where the kernel goes: the generic's place, with the deallocations
  /// between the matmul and the generic moved after it. Creates the
  /// collapsed views there.
  void prepare(mlir::linalg::LinalgOp matmul, mlir::OpBuilder &b);

  /// The generic's body on one row segment: `accumulator` holds
  /// C[row, j0 : j0 + width]; other inputs are loaded at the same place.
  mlir::Value apply(mlir::OpBuilder &b, mlir::Location loc, mlir::Value accumulator,
                    mlir::Value row, mlir::Value j0) const;
};

/// The generic that C's matmul feeds, when it can be folded in: the next
/// op with memory effects after the matmul (views, allocations and
/// deallocations aside), all-parallel with identity maps over C (or C
/// expanded into two groups of dims) and inputs of the same contiguous
/// shape, an output it writes whole, and a body of arith ops only.
std::optional<MatmulEpilogue> matchMatmulEpilogue(mlir::linalg::LinalgOp matmul);

} // namespace quantc

#endif
