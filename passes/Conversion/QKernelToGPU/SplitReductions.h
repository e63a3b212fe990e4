// Long reductions over few points on the GPU. A linalg kernel runs one
// thread per output point, each summing its whole row: a softmax over a
// 6625-class vocabulary on 40 rows is 40 threads of 6625 steps. Split in
// two (upstream's splitReduction), the row's elements are summed by about
// sqrt(row) threads each, then those partial sums by one: two kernels of
// short loops, with the parallelism the GPU needs.
#ifndef QUANTC_PASSES_CONVERSION_QKERNELTOGPU_SPLITREDUCTIONS_H
#define QUANTC_PASSES_CONVERSION_QKERNELTOGPU_SPLITREDUCTIONS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace quantc::gpu {

/// Rows shorter than this stay whole: their loop costs less than the two
/// launches (and a fill) the split adds.
constexpr int64_t kMinSplitRow = 256;
/// Ops with this many output points or more already fill the GPU.
constexpr int64_t kMaxSplitPoints = 16384;

/// The ratio `op`'s reduction splits by (the divisor of its row nearest
/// its square root, at least 4), or 0 when it stays whole: reduction dims
/// that do not fold into one (not adjacent, or not adjacent in a map), a
/// short row, enough points, no divisor. Several adjacent reduction dims
/// (a pooling's rows and columns) are one row.
int64_t splitRatio(mlir::linalg::LinalgOp op);

/// Replaces `op` (split by `ratio`, splitRatio's; its reduction dims folded
/// into one first) by the fill of the
/// partial sums with the combiner's identity, the op summing each row in
/// `ratio` interleaved parts (adjacent threads reading adjacent elements),
/// and the op combining the parts: returned in that order. When upstream
/// declines, the op alone (its kept dims collapsed away: not `op` itself).
llvm::SmallVector<mlir::Operation *> splitLongReduction(mlir::linalg::LinalgOp op, int64_t ratio);

/// `op`, a reduction over every dim (a whole tensor's sum or max: no
/// parallel dim, so no thread to run it), rebuilt with a parallel dim of
/// size 1 in front (its output reshaped to have it, its linalg.index ops
/// renumbered), in its place: one point, whose row then splits like any
/// long one. Null, with `op` untouched, if its shapes are not static.
mlir::linalg::GenericOp withUnitParallelDim(mlir::linalg::GenericOp op);

/// The sum, in slice order, of split-K's partial sums `partials` (a
/// tensor [splits, type...]: each GEMM block's slice, WeightOnlyGemm::
/// splitPartials) as a tensor of `type`: a zero fill and a reduction over
/// the leading dim, a linalg kernel of its own or the prologue of the
/// epilogue after it. The same sums in the same order every run, where
/// atomics add in whatever order the blocks finish.
mlir::Value sumSplitPartials(mlir::OpBuilder &b, mlir::Location loc, mlir::Value partials,
                             mlir::RankedTensorType type);

} // namespace quantc::gpu

#endif // QUANTC_PASSES_CONVERSION_QKERNELTOGPU_SPLITREDUCTIONS_H
