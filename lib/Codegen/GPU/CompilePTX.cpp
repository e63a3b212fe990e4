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
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Program.h"

#include <cstdlib>
#include <mutex>

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

/// Upstream's serializer runs the ptxas and fatbinary it finds on PATH or
/// under the toolkit that CUDA_ROOT, CUDA_HOME or CUDA_PATH names; quantc's
/// target also takes them from /usr/local/cuda/bin (CUDA's default install,
/// often not on PATH): name that toolkit for the serializer too, once.
static void nameDefaultCudaToolkit() {
  static std::once_flag once;
  std::call_once(once, [] {
    for (const char *variable : {"CUDA_ROOT", "CUDA_HOME", "CUDA_PATH"})
      if (const char *value = std::getenv(variable); value && *value)
        return;
    if (!llvm::sys::findProgramByName("ptxas") &&
        llvm::sys::fs::can_execute("/usr/local/cuda/bin/ptxas"))
      ::setenv("CUDA_ROOT", "/usr/local/cuda", /*overwrite=*/0);
  });
}

static llvm::Expected<std::string> compileToImage(ModuleOp module, llvm::StringRef chip,
                                                  llvm::StringRef ptxVersion,
                                                  llvm::StringRef format) {
  if (format != "isa")
    nameDefaultCudaToolkit();
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
