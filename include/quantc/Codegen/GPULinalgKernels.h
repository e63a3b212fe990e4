// Kernels for the linalg ops around the GEMMs (elementwise, the reductions
// of softmax and layernorm, transposes, fills, small batch matmuls), built
// through upstream's GPU mapping rather than by hand: the op on memrefs,
// linalg -> scf.parallel (reduction dims as scf.for inside), the parallel
// dims collapsed into one and tiled by the block size, then
// gpu-map-parallel-loops, convert-parallel-loops-to-gpu and
// gpu-kernel-outlining. One thread per point of the parallel space.
#ifndef QUANTC_CODEGEN_GPULINALGKERNELS_H
#define QUANTC_CODEGEN_GPULINALGKERNELS_H

#include "quantc/Codegen/GPUKernels.h"

#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace quantc::codegen::gpu {

/// Threads per block of a linalg kernel.
constexpr int64_t kLinalgBlockThreads = 256;

/// A linalg kernel's module and how to launch it.
struct LinalgKernel {
  /// `gpu.module @kernels` with the kernel; `host` the same loop nest
  /// before the GPU mapping (func.func @<name> on memrefs: the op's operands
  /// in order, inputs then outputs), which runs on the CPU.
  mlir::OwningOpRef<mlir::ModuleOp> module, host;
  /// The kernel's arguments (bare pointers): operand numbers of the op,
  /// where getNumOperands() + i stands for captured[i].
  std::vector<unsigned> arguments;
  /// `host`'s arguments, numbered the same way: the op's tensor operands
  /// in order, then the captured tensors.
  std::vector<unsigned> hostArguments;
  /// Tensors from outside that the body reads with tensor.extract (tables,
  /// gathers): buffers the kernel loads from.
  std::vector<mlir::Value> captured;
  LaunchGeometry launch;
};

/// Why `op` has no linalg kernel (empty when it has one): static shapes,
/// identity-layout operands, and a body that uses from above only scalar
/// constants and static tensors it reads with tensor.extract.
std::string checkLinalgKernel(mlir::linalg::LinalgOp op);

/// Where the accumulators of output `operand` start instead of its buffer's
/// contents: `constant` (what a fill would write), or else the element of
/// the static tensor `source` at `sourceMap` of the output's indices (dims
/// and zeros: a bias broadcast over a convolution's output).
struct InitialValue {
  unsigned operand;
  mlir::TypedAttr constant;
  mlir::Value source;
  mlir::AffineMap sourceMap;
};

/// The kernel `name` computing `op` (on tensors or memrefs) over buffers of
/// its operands' shapes. An output the body reads (a reduction's, or an
/// accumulating op's) starts as the buffer's contents, or, given in
/// `initialValues`, each accumulator starts from that value and the kernel
/// does not read the buffer (an error if the body reads it otherwise); a
/// source is one more tensor the kernel reads (`captured`).
llvm::Expected<LinalgKernel> buildLinalgKernel(mlir::linalg::LinalgOp op, llvm::StringRef name,
                                               llvm::ArrayRef<InitialValue> initialValues = {});

/// A GEMM's x staged on the device from an activation that is resident
/// there: `rows` rows of `sourceColumns` f32 (or, not `halves`, s8) values
/// into rows of `columns` f16 (s8) ones, zeros past sourceColumns. f16 as
/// the host's staging rounds it (saturated to +-65504, to nearest even, NaN
/// as 0x7e00). Launch: ceil(rows * columns / 256) blocks of 256 threads, one
/// a staged element; arguments: the source, the staged x.
struct StageKernel {
  int64_t rows = 1, sourceColumns = 0, columns = 0;
  bool halves = true;
};
/// qc_stage_h_r16_c120_k128 (halves), qc_stage_b_... (bytes).
std::string kernelName(const StageKernel &stage);
mlir::OwningOpRef<mlir::ModuleOp> buildStageKernel(mlir::MLIRContext &context,
                                                   const StageKernel &stage, llvm::StringRef name);

} // namespace quantc::codegen::gpu

#endif // QUANTC_CODEGEN_GPULINALGKERNELS_H
