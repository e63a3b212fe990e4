// gpu.module -> PTX through upstream's gpu-lower-to-nvvm-pipeline, at an
// explicit PTX ISA version (the pipeline's default, 6.0, predates sm_80).
#include "quantc/Codegen/GPUKernels.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Pipelines/Passes.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"

namespace quantc::codegen::gpu {

using namespace mlir;

llvm::Expected<std::string> compileToPTX(ModuleOp module, llvm::StringRef chip,
                                         llvm::StringRef ptxVersion) {
  MLIRContext *context = module.getContext();
  DialectRegistry registry;
  registerAllExtensions(registry); // the dialects' conversions to LLVM (ub, arith, ...)
  NVVM::registerNVVMTargetInterfaceExternalModels(registry);
  registerBuiltinDialectTranslation(registry);
  registerGPUDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registerNVVMDialectTranslation(registry);
  context->appendDialectRegistry(registry);

  mlir::gpu::GPUToNVVMPipelineOptions options;
  options.cubinChip = chip.str();
  options.cubinFeatures = "+" + ptxVersion.str();
  options.cubinFormat = "isa";
  options.kernelUseBarePtrCallConv = true;
  PassManager pm(context);
  mlir::gpu::buildLowerToNVVMPassPipeline(pm, options);
  std::string diagnostics;
  {
    llvm::raw_string_ostream os(diagnostics);
    ScopedDiagnosticHandler handler(context, [&](Diagnostic &diagnostic) {
      os << diagnostic.str() << "\n";
      return success();
    });
    if (failed(pm.run(module)))
      return llvm::createStringError("lowering to PTX for " + chip.str() + " failed: " + diagnostics);
  }
  std::string ptx;
  module.walk([&](mlir::gpu::BinaryOp binary) {
    for (Attribute object : binary.getObjects())
      ptx += cast<mlir::gpu::ObjectAttr>(object).getObject().getValue().str();
  });
  if (ptx.empty())
    return llvm::createStringError("lowering to PTX produced no gpu.binary");
  return ptx;
}

} // namespace quantc::codegen::gpu
