// Code generation targets: --target names -> triple, CPU, features, matmul tile.
#include "quantc/Execution/Execution.h"
#include "quantc/Codegen/GPUKernels.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"

#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

#include <cstdlib>

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

/// CUDA's ptxas (and fatbinary beside it) where upstream's NVVM target
/// looks: the PATH, then /usr/local/cuda/bin.
static std::string findCudaTool(llvm::StringRef tool) {
  if (auto path = llvm::sys::findProgramByName(tool))
    return *path;
  if (auto path = llvm::sys::findProgramByName(tool, {"/usr/local/cuda/bin"}))
    return *path;
  return "";
}

/// The newest chip quantc knows that `ptxas` compiles for (its --help lists
/// them); empty when it cannot tell.
static std::string newestPtxasChip(llvm::StringRef ptxas) {
  llvm::SmallString<128> output;
  if (llvm::sys::fs::createTemporaryFile("quantc-ptxas", "txt", output))
    return "";
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, llvm::StringRef(output),
                                                llvm::StringRef(output)};
  int status = llvm::sys::ExecuteAndWait(ptxas, {ptxas, "--help"}, std::nullopt, redirects);
  auto text = llvm::MemoryBuffer::getFile(output);
  llvm::sys::fs::remove(output);
  if (status != 0 || !text)
    return "";
  std::string best;
  int bestNumber = 0;
  llvm::StringRef rest = (*text)->getBuffer();
  for (size_t at = rest.find("'sm_"); at != llvm::StringRef::npos; at = rest.find("'sm_", at + 1)) {
    llvm::StringRef chip = rest.substr(at + 1).take_until([](char c) { return c == '\''; });
    int number = 0;
    if (!chip.drop_front(3).getAsInteger(10, number) &&
        !codegen::gpu::ptxFeatureFor(chip).empty() && number > bestNumber)
      best = chip.str(), bestNumber = number;
  }
  return best;
}

/// sm_80, sm_90, ... or cuda, optionally with the host CPU's target after
/// a colon (sm_90:x86-64-v3 for an artifact built on another machine than
/// the GPU's): that CPU's spec with the GPU's chip, and the image format
/// the installed CUDA tools can write.
static llvm::Expected<TargetSpec> resolveGPUTarget(llvm::StringRef fullName) {
  auto [name, cpu] = fullName.split(':');
  if (cpu == "cuda" || !codegen::gpu::ptxFeatureFor(cpu).empty())
    return llvm::createStringError("--target " + fullName.str() + ": the part after ':' is the "
                                   "host CPU's target (host, x86-64-v3, ...)");
  auto spec = resolveTarget(cpu.empty() ? "host" : cpu);
  if (!spec)
    return spec.takeError();
  spec->name = fullName.str();
  std::string ptxas = findCudaTool("ptxas");
  spec->gpuFormat = ptxas.empty() ? "isa" : findCudaTool("fatbinary").empty() ? "bin" : "fatbin";
  spec->gpuChip = name.str();
  const char *twins = std::getenv("QUANTC_GPU_HOST_TWINS");
  spec->gpuHostTwins = twins && *twins && std::string(twins) != "0";
  if (name == "cuda") {
    if (ptxas.empty())
      return llvm::createStringError("--target cuda means the newest GPU that CUDA's ptxas "
                                     "supports, and no ptxas was found (PATH, /usr/local/cuda/bin); "
                                     "name the GPU instead (--target sm_80, sm_90, ...)");
    spec->gpuChip = newestPtxasChip(ptxas);
    if (spec->gpuChip.empty())
      return llvm::createStringError(ptxas + " lists no GPU that quantc knows (sm_80 ... sm_121)");
  }
  return spec;
}

llvm::Expected<TargetSpec> resolveTarget(llvm::StringRef name) {
  llvm::StringRef chip = name.split(':').first;
  if (chip == "cuda" || !codegen::gpu::ptxFeatureFor(chip).empty())
    return resolveGPUTarget(name);
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
      "' (known: host, x86-64, x86-64-v2, x86-64-v3 (AVX2), x86-64-v4 (AVX-512), x86-64-v4-vnni (AVX-512 VNNI), aarch64; "
      "NVIDIA GPUs: sm_80, sm_86, sm_89, sm_90, sm_100, sm_120, ..., or cuda for the newest that ptxas supports, "
      "optionally with the host CPU's target after a colon: sm_90:x86-64-v3)");
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
