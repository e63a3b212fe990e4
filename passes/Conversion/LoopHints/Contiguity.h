// What the loop-hint passes ask of a memref access before vectorizing it.
#ifndef QUANTC_PASSES_CONVERSION_LOOPHINTS_CONTIGUITY_H
#define QUANTC_PASSES_CONVERSION_LOOPHINTS_CONTIGUITY_H

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinTypes.h"

namespace quantc {

/// Whether a memref's innermost dimension is contiguous, so that stepping
/// the last index by one steps the address by one element.
inline bool innermostContiguous(mlir::MemRefType type) {
  if (type.getRank() == 0)
    return false;
  if (type.getLayout().isIdentity())
    return true;
  llvm::SmallVector<int64_t> strides;
  int64_t offset;
  return mlir::succeeded(type.getStridesAndOffset(strides, offset)) && strides.back() == 1;
}

/// An access LLVM vectorizes without gathers: `loop`'s induction variable
/// is the last index (of a memref contiguous there) or no index at all,
/// and every other index is loop-invariant.
inline bool contiguousInLoop(mlir::scf::ForOp loop, mlir::Value memref,
                             mlir::ValueRange indices) {
  mlir::Value iv = loop.getInductionVar();
  for (auto [position, index] : llvm::enumerate(indices)) {
    if (index == iv) {
      if (position + 1 != indices.size() ||
          !innermostContiguous(llvm::cast<mlir::MemRefType>(memref.getType())))
        return false;
      continue;
    }
    if (!loop.isDefinedOutsideOfLoop(index))
      return false;
  }
  return true;
}

} // namespace quantc

#endif
