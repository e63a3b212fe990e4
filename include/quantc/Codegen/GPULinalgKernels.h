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
  /// The kernel's arguments (bare pointers): operand numbers of the op.
  std::vector<unsigned> arguments;
  LaunchGeometry launch;
};

/// Why `op` has no linalg kernel (empty when it has one): static shapes,
/// identity-layout operands, and a body that uses nothing from above but
/// constants.
std::string checkLinalgKernel(mlir::linalg::LinalgOp op);

/// The kernel `name` computing `op` (on tensors or memrefs) over buffers of
/// its operands' shapes. An output the body reads (a reduction's, or an
/// accumulating op's) starts as the buffer's contents.
llvm::Expected<LinalgKernel> buildLinalgKernel(mlir::linalg::LinalgOp op, llvm::StringRef name);

} // namespace quantc::codegen::gpu

#endif // QUANTC_CODEGEN_GPULINALGKERNELS_H
