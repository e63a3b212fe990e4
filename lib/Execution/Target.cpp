// Code generation targets: --target names -> triple, CPU, features, matmul tile.
#include "quantc/Execution/Execution.h"

#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

namespace quantc {

/// The register tile follows the vector register file: AVX-512 has 32 x 16
/// floats (8 x 2 vectors of accumulators), AVX2 16 x 8 (6 x 2), NEON 32 x 4
/// (8 x 2), SSE 16 x 4 (4 x 2).
static void setTile(TargetSpec &spec, bool avx512, bool avx2, bool neon) {
  if (avx512) {
    spec.tileRows = 8, spec.tileCols = 32;
  } else if (avx2) {
    spec.tileRows = 6, spec.tileCols = 16;
  } else if (neon) {
    spec.tileRows = 8, spec.tileCols = 8;
  } else {
    spec.tileRows = 4, spec.tileCols = 8;
  }
}

llvm::Expected<TargetSpec> resolveTarget(llvm::StringRef name) {
  TargetSpec spec;
  spec.name = name.str();
  if (name == "host" || name.empty()) {
    spec.name = "host";
    spec.isHost = true;
    spec.openmp = true;
    spec.triple = llvm::sys::getProcessTriple();
    spec.cpu = llvm::sys::getHostCPUName().str();
    llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
    std::string list;
    for (auto &feature : features)
      list += (list.empty() ? "" : ",") + std::string(feature.second ? "+" : "-") +
              feature.first().str();
    spec.features = list;
    bool isArm = llvm::Triple(spec.triple).isAArch64();
    bool avx2 = features.lookup("avx2") && features.lookup("fma");
    setTile(spec, features.lookup("avx512f"), avx2, isArm);
    spec.kernelFamily = features.lookup("avx512vnni") && features.lookup("avx512bw") ? "vnni"
                        : avx2                                                         ? "avx2"
                        : isArm && features.lookup("dotprod")                          ? "neon"
                                                                                       : "generic";
    return spec;
  }
  if (name == "x86-64" || name == "x86-64-v2" || name == "x86-64-v3" || name == "x86-64-v4") {
    spec.triple = "x86_64-unknown-linux-gnu";
    spec.cpu = name.str();
    spec.openmp = true;
    setTile(spec, name == "x86-64-v4", name == "x86-64-v3", false);
    spec.kernelFamily = name == "x86-64-v3" || name == "x86-64-v4" ? "avx2" : "generic";
    return spec;
  }
  // x86-64-v4 plus VNNI and VBMI (Ice Lake, Sapphire Rapids, Zen 4 and later).
  if (name == "x86-64-v4-vnni") {
    spec.triple = "x86_64-unknown-linux-gnu";
    spec.cpu = "x86-64-v4";
    spec.features = "+avx512vnni,+avx512vbmi";
    spec.openmp = true;
    setTile(spec, true, false, false);
    spec.kernelFamily = "vnni";
    return spec;
  }
  if (name == "aarch64") {
    spec.triple = "aarch64-unknown-linux-gnu";
    spec.cpu = "generic";
    spec.features = "+neon,+dotprod";
    setTile(spec, false, false, true);
    spec.kernelFamily = "neon";
    return spec;
  }
  return llvm::createStringError(
      "unknown target '" + name.str() +
      "' (known: host, x86-64, x86-64-v2, x86-64-v3 (AVX2), x86-64-v4 (AVX-512), x86-64-v4-vnni (AVX-512 VNNI), aarch64)");
}

llvm::Expected<std::unique_ptr<llvm::TargetMachine>> createTargetMachine(const TargetSpec &target) {
  llvm::InitializeAllTargetInfos();
  llvm::InitializeAllTargets();
  llvm::InitializeAllTargetMCs();
  llvm::InitializeAllAsmPrinters();
  llvm::Triple triple(target.triple);
  std::string error;
  const llvm::Target *llvmTarget = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!llvmTarget)
    return llvm::createStringError("target " + target.triple + ": " + error);
  llvm::TargetOptions options;
  std::unique_ptr<llvm::TargetMachine> machine(llvmTarget->createTargetMachine(
      triple, target.cpu, target.features, options, llvm::Reloc::PIC_, std::nullopt,
      llvm::CodeGenOptLevel::Aggressive));
  if (!machine)
    return llvm::createStringError("cannot create a target machine for " + target.triple);
  return machine;
}

} // namespace quantc
