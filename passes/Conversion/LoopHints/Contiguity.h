// What the loop-hint passes ask of a memref access before vectorizing it.
#ifndef QUANTC_PASSES_CONVERSION_LOOPHINTS_CONTIGUITY_H
#define QUANTC_PASSES_CONVERSION_LOOPHINTS_CONTIGUITY_H

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

} // namespace quantc

#endif
