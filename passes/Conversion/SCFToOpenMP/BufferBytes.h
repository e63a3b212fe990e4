// Which bytes a memref view covers, for the loop fusions' alias checks.
#ifndef QUANTC_PASSES_CONVERSION_SCFTOOPENMP_BUFFERBYTES_H
#define QUANTC_PASSES_CONVERSION_SCFTOOPENMP_BUFFERBYTES_H

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Value.h"

#include <optional>
#include <utility>

namespace quantc {

/// The allocation (or argument, or global) a memref views, and the bytes
/// of it the view covers when that is known: a memref.view at a constant
/// offset (the scratch arena's form), through reshapes, which keep bytes.
struct BufferBytes {
  mlir::Value root;
  std::optional<std::pair<int64_t, int64_t>> range; // [begin, end)
};

BufferBytes bytesOf(mlir::Value buffer);

/// Whether two memrefs may share bytes: views of one root whose ranges are
/// not both known and disjoint. Different roots never do (arguments and
/// globals are distinct buffers; the arena is one allocation).
bool mayOverlap(mlir::Value a, mlir::Value b);

/// One memory access in a loop body: its buffer, its indices, and whether
/// it writes.
struct Access {
  mlir::Value buffer;
  mlir::ValueRange indices;
  bool writes;
  /// How many trailing index positions the access runs along past
  /// `indices`: 0 for memref.load / memref.store (one element), a vector's
  /// rank, or every position for a transfer along permuted dims.
  unsigned spanned;
};

/// The accesses of `loop`'s body, or nullopt when it has any other op with
/// effects (a call, an allocation) or accesses something not a memref.
std::optional<llvm::SmallVector<Access>> accessesOf(mlir::scf::ParallelOp loop);

/// Whether `op` touches no buffer's contents: a pure op without regions
/// (a constant, a view), an allocation or a deallocation. The loop
/// fusions look past these between two loops.
bool isPassive(mlir::Operation *op);

/// The first op after `op` in its block that is not passive, or null.
mlir::Operation *nextActive(mlir::Operation *op);

} // namespace quantc

#endif
