// Reductions of few, short rows on the GPU: a warp per output point
// instead of a thread. A linalg kernel runs one thread per point, each
// summing its row alone: a layernorm's mean over 120 channels of 40 tokens
// is 40 threads each walking 120 elements one load after another, strided
// across rows. With a warp per point, lane l sums elements l, l + 32, ...
// (adjacent lanes reading adjacent elements), and five xor shuffles combine
// the 32 partial sums; lane 0 adds the output's initial value and stores.
//
// The host twin (the loop nest the emulated driver runs) computes the same
// partial sums in the same tree order, lane by lane, so that the emulated
// artifact checks the arithmetic the device does.
#ifndef QUANTC_LIB_CODEGEN_GPU_WARPROWS_H
#define QUANTC_LIB_CODEGEN_GPU_WARPROWS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace quantc::codegen::gpu {

/// Rows shorter than a warp stay a thread's.
constexpr int64_t kMinWarpRow = 32;
/// Ops with more points than this fill the GPU a thread a point.
constexpr int64_t kMaxWarpRowPoints = 16384;

/// Whether `func` (a linalg kernel's loop nest before tiling: one
/// scf.parallel over the points, each reducing one row in an scf.for that
/// carries its accumulator, stored after it) takes a warp per point: one
/// reduction loop, or a perfect nest of them over the innermost dimensions
/// of what they load (a pooling's rows and columns), of at least
/// kMinWarpRow steps in all, whose combiner is a commutative f32 add,
/// multiply, maximum or minimum, and no more than kMaxWarpRowPoints
/// points.
bool takesWarpRows(mlir::func::FuncOp func);

/// The device's nest: the points times 32 lanes (lanes innermost, so that
/// a warp is a point once collapsed), the lanes' partial sums combined by
/// gpu.shuffle xor 16, 8, 4, 2, 1, lane 0 storing. Call when takesWarpRows.
void warpRowsOnDevice(mlir::func::FuncOp func);

/// The host twin's nest: per point, the 32 lanes' partial sums one after
/// another, then the same combining tree. Call when takesWarpRows.
void warpRowsOnHost(mlir::func::FuncOp func);

} // namespace quantc::codegen::gpu

#endif // QUANTC_LIB_CODEGEN_GPU_WARPROWS_H
