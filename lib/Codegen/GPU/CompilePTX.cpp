// gpu.module -> PTX, cubin or fatbin through upstream's
// gpu-lower-to-nvvm-pipeline (gpu-module-to-binary), at an explicit PTX ISA
// version (the pipeline's default, 6.0, predates sm_80).
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
#include "llvm/ADT/StringSwitch.h"

namespace quantc::codegen::gpu {

using namespace mlir;

static llvm::Expected<std::string> compileToImage(ModuleOp module, llvm::StringRef chip,
                                                  llvm::StringRef ptxVersion,
                                                  llvm::StringRef format);

std::string ptxFeatureFor(llvm::StringRef chip) {
  return llvm::StringSwitch<std::string>(chip)
      .Cases({"sm_80", "sm_86", "sm_87", "sm_89", "sm_90", "sm_90a"}, "+ptx80")
      .Cases({"sm_100", "sm_101"}, "+ptx86")
      .Case("sm_120", "+ptx87")
      .Cases({"sm_103", "sm_121"}, "+ptx88")
      .Case("sm_110", "+ptx90")
      .Default("");
}

llvm::Expected<std::string> compileGPUModules(ModuleOp module, llvm::StringRef chip,
                                              llvm::StringRef format) {
  std::string feature = ptxFeatureFor(chip);
  if (feature.empty())
    return llvm::createStringError("unknown GPU chip '" + chip.str() +
                                   "' (sm_80, sm_86, sm_87, sm_89, sm_90, sm_90a, sm_100, "
                                   "sm_101, sm_103, sm_110, sm_120, sm_121)");
  return compileToImage(module, chip, llvm::StringRef(feature).drop_front(), format);
}

llvm::Expected<std::string> compileToPTX(ModuleOp module, llvm::StringRef chip,
                                         llvm::StringRef ptxVersion) {
  return compileToImage(module, chip, ptxVersion, "isa");
}

static llvm::Expected<std::string> compileToImage(ModuleOp module, llvm::StringRef chip,
                                                  llvm::StringRef ptxVersion,
                                                  llvm::StringRef format) {
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
  options.cubinFormat = format.str();
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
      return llvm::createStringError("compiling the GPU kernels for " + chip.str() + " (" +
                                   format.str() + ") failed: " + diagnostics);
  }
  std::string image;
  module.walk([&](mlir::gpu::BinaryOp binary) {
    for (Attribute object : binary.getObjects())
      image += cast<mlir::gpu::ObjectAttr>(object).getObject().getValue().str();
  });
  if (image.empty())
    return llvm::createStringError("compiling the GPU kernels produced no gpu.binary");
  return image;
}

} // namespace quantc::codegen::gpu
