// W8A8's integer depthwise convolutions on the GPU: a
// qkernel.depthwise_conv_integer whose input is on the device becomes
// linalg ops that the GPU mapping turns into kernels (LinalgKernel.cpp).
#ifndef QUANTC_PASSES_CONVERSION_QKERNELTOGPU_INTEGERDEPTHWISE_H
#define QUANTC_PASSES_CONVERSION_QKERNELTOGPU_INTEGERDEPTHWISE_H

#include "dialects/QKernel/QKernelOps.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"

namespace quantc::gpu {

/// The constant tables of a kernel's epilogue region (read at the
/// channel), cloned at the builder: the mapping cloneEpilogue starts from.
mlir::IRMapping cloneEpilogueTables(mlir::OpBuilder &b, mlir::Region &epilogue);

/// A kernel's epilogue region (qkernel.matmul_integer's or
/// depthwise_conv_integer's) cloned at the builder on one accumulator
/// `acc`, in a linalg body whose dim `channelDim` is the channel; `values`
/// holds the region's tables, cloned before the linalg op. Returns the
/// yielded element.
mlir::Value cloneEpilogue(mlir::OpBuilder &b, mlir::Location loc, mlir::Region &epilogue,
                          mlir::Value acc, int64_t channelDim, mlir::IRMapping values);

/// Taps a kernel unrolls at most (a 9 x 9 window).
constexpr int64_t kMaxDepthwiseTaps = 81;
/// Whether `op`'s window is small enough to unroll (depthwiseAsLinalg).
bool fitsDepthwiseKernel(qkernel::DepthwiseConvIntegerOp op);

/// Replaces `op` by one elementwise linalg.generic over its output (n, y,
/// x, c) whose body sums the window's taps, unrolled: each gathered from
/// the input (the zero point outside it, as the CPU kernel counts the
/// padding) and its weight with tensor.extract, multiplied and added in
/// int32; then the bias (wrapping) and the epilogue. The same integer
/// arithmetic as the CPU kernel, so the same result bit for bit, in one
/// kernel with no int32 buffer between.
mlir::linalg::GenericOp depthwiseAsLinalg(qkernel::DepthwiseConvIntegerOp op);

} // namespace quantc::gpu

#endif // QUANTC_PASSES_CONVERSION_QKERNELTOGPU_INTEGERDEPTHWISE_H
