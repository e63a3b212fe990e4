// A bufferized tensor.pad: a buffer filled with one value, then given a
// copy of a smaller buffer in a window of it. convert-padded-copies-to-loops
// writes it row by row; the im2col panels read its source instead.
#ifndef QUANTC_PASSES_CONVERSION_LINALGTOVECTOR_PADDEDCOPY_H
#define QUANTC_PASSES_CONVERSION_LINALGTOVECTOR_PADDEDCOPY_H

#include "mlir/Dialect/MemRef/IR/MemRef.h"

#include <optional>

namespace quantc {

struct PaddedCopy {
  mlir::Operation *fill = nullptr;  // linalg.fill, or a linalg.map yielding one value
  mlir::Value value, padded;        // the pad value; the static, contiguous buffer
  mlir::memref::CopyOp copy;        // the next op with effects after the fill
  mlir::memref::SubViewOp interior; // its target: a static unit-stride window of `padded`
};

/// The padded copy `fill` starts, if it starts one.
std::optional<PaddedCopy> matchPaddedCopy(mlir::Operation *fill);

} // namespace quantc

#endif
