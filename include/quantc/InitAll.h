// Registers every dialect and pass quantc uses, for quant-opt and the driver.
#ifndef QUANTC_INITALL_H
#define QUANTC_INITALL_H

#include "dialects/QKernel/QKernelDialect.h"
#include "dialects/QNN/QNNDialect.h"
#include "passes/Conversion/Passes.h"
#include "passes/Pipelines/Pipelines.h"
#include "passes/Transforms/Passes.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/ArmNeon/ArmNeonToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"

namespace quantc {

/// qnn plus every upstream dialect and extension: lowering walks through
/// linalg, bufferization, vector and LLVM, and needs their interface models.
inline void registerAllDialects(mlir::DialectRegistry &registry) {
  registry.insert<qnn::QNNDialect, qkernel::QKernelDialect>();
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::registerBuiltinDialectTranslation(registry);
  mlir::registerLLVMDialectTranslation(registry);
  mlir::registerArmNeonDialectTranslation(registry);
  mlir::registerOpenMPDialectTranslation(registry);
}

inline void registerAllPasses() {
  mlir::registerAllPasses();
  qnn::registerQNNTransformsPasses();
  registerQuantcConversionPasses();
  registerPipelines();
}

} // namespace quantc

#endif // QUANTC_INITALL_H
