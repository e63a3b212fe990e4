// What a matmul becomes on the GPU, prepared at compile time: a packed
// weight-only layer's codes repacked into the weight-only GEMM's words with
// f16 scales (and offsets), a float matmul's constant weights in f16 for the
// fp16 GEMM; or why the layer stays on the host.
#ifndef QUANTC_PASSES_CONVERSION_QKERNELTOGPU_DEVICELAYERS_H
#define QUANTC_PASSES_CONVERSION_QKERNELTOGPU_DEVICELAYERS_H

#include "dialects/QKernel/QKernelOps.h"
#include "quantc/Codegen/GPUKernels.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "llvm/Support/Error.h"

#include <vector>

namespace quantc::gpu {

/// A packed weight-only layer in the weight-only GEMM's layout.
struct DeviceLayer {
  codegen::gpu::WeightOnlyGemm gemm;
  int64_t inputColumns = 0; // x's K; gemm.k pads it to whole K tiles
  /// Powers of two the host multiplies y's columns by (empty: all 1): a
  /// column's scales went up by the inverse so that its smallest is a
  /// normal f16.
  std::vector<float> columnScales;
  std::vector<uint32_t> words;
  std::vector<uint16_t> scales, offsets; // f16 bits, [group][n]; offsets empty: symmetric
  /// What the launch passes as x: the matmul's input, or for a convolution
  /// whose A the kernel gathers (gemm.conv) its padded NCHW input in place
  /// of the im2col matrix.
  mlir::Value input;
};
/// `gemv`: how a GEMV (A read straight from x) is launched (chooseLaunch).
llvm::Expected<DeviceLayer> deviceLayer(qkernel::MatmulOp op, const codegen::gpu::GemvTuning &gemv);
llvm::Expected<DeviceLayer> deviceLayer(qkernel::LutMatmulOp op,
                                        const codegen::gpu::GemvTuning &gemv);

/// A float matmul with constant weights as the fp16 GEMM takes them.
struct HalfLayer {
  codegen::gpu::HalfGemm gemm;
  int64_t inputColumns = 0; // the activation's K; gemm.k pads it to whole K tiles
  /// Weights on the left (a convolution's W [Cout, K] x im2col [K, HW]):
  /// the activation comes in as [K, M] and y goes out as [N, M].
  bool transposed = false;
  std::vector<uint16_t> weights; // f16 [n][k]
  /// As DeviceLayer's: the activation, or what gemm.conv gathers from.
  mlir::Value input;
};
llvm::Expected<HalfLayer> halfLayer(mlir::linalg::MatmulOp op);

/// An integer matmul (W8A8) in the int8 GEMM's layout: w = code - zero
/// point as s8, the kernel's s32 sums exact.
struct IntegerLayer {
  codegen::gpu::W8A8Gemm gemm;
  int64_t inputColumns = 0; // x's K; gemm.k pads it to whole 32-row K tiles
  std::vector<uint32_t> words;
  /// As DeviceLayer's.
  mlir::Value input;
};
llvm::Expected<IntegerLayer> integerLayer(qkernel::MatmulIntegerOp op);

/// Whether a matmul's output starts at zero (else the host adds it: a
/// convolution's bias).
bool startsAtZero(mlir::linalg::MatmulOp op);

} // namespace quantc::gpu

#endif // QUANTC_PASSES_CONVERSION_QKERNELTOGPU_DEVICELAYERS_H
