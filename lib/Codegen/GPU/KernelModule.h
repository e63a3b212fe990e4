// What the GPU kernel builders share: a module holding `gpu.module @kernels`
// with one empty kernel.
#ifndef QUANTC_CODEGEN_GPU_KERNELMODULE_H
#define QUANTC_CODEGEN_GPU_KERNELMODULE_H

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"

namespace quantc::codegen::gpu {

/// The module, with `func` set to the kernel `name` taking `arguments`; `b`
/// is left inside the kernel's gpu.module.
mlir::OwningOpRef<mlir::ModuleOp> kernelModule(mlir::OpBuilder &b, llvm::StringRef name,
                                               mlir::TypeRange arguments,
                                               mlir::gpu::GPUFuncOp &func);

/// Index arithmetic and the parts every GEMM kernel shares.
class KernelBuilder {
public:
  KernelBuilder(mlir::OpBuilder &b, mlir::Location loc) : b(b), loc(loc) {}

  mlir::Value index(int64_t v);
  mlir::Value add(mlir::Value l, mlir::Value r);
  mlir::Value mul(mlir::Value l, int64_t r);
  mlir::Value less(mlir::Value l, int64_t bound);
  /// `v` clamped to [0, bound): keeps a masked load in bounds.
  mlir::Value clamp(mlir::Value v, int64_t bound);

  /// This block's share [begin, end) of `tiles` K tiles: block z of
  /// `splitK` (all of them without split-K).
  std::pair<mlir::Value, mlir::Value> splitRange(int64_t tiles, int64_t splitK);

  /// Writes the lane's four elements of the 16 x 8 accumulator tile `acc`
  /// whose first row is mTile * 16 and first column `nBase` into y[m, n]
  /// (rows past m and columns past n skipped), through `finish(column,
  /// element)` (f32, or s32 for an exact integer y), atomically added when
  /// `atomic` (split-K).
  void storeTile(mlir::Value y, mlir::Value acc, mlir::Value mTile, mlir::Value nBase,
                 mlir::Value lane, int64_t m, int64_t n, bool atomic,
                 llvm::function_ref<mlir::Value(mlir::Value, mlir::Value)> finish);

protected:
  mlir::OpBuilder &b;
  mlir::Location loc;
};

} // namespace quantc::codegen::gpu

#endif // QUANTC_CODEGEN_GPU_KERNELMODULE_H
