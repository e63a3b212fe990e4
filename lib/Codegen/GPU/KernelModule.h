// What the GPU kernel builders share: a module holding `gpu.module @kernels`
// with one empty kernel.
#ifndef QUANTC_CODEGEN_GPU_KERNELMODULE_H
#define QUANTC_CODEGEN_GPU_KERNELMODULE_H

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"

namespace quantc::codegen::gpu {

/// The module, with `func` set to the kernel `name` taking `arguments`; `b`
/// is left inside the kernel's gpu.module.
mlir::OwningOpRef<mlir::ModuleOp> kernelModule(mlir::OpBuilder &b, llvm::StringRef name,
                                               mlir::TypeRange arguments,
                                               mlir::gpu::GPUFuncOp &func);

} // namespace quantc::codegen::gpu

#endif // QUANTC_CODEGEN_GPU_KERNELMODULE_H
