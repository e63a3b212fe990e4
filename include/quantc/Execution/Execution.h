// Running compiled models: targets, lowering to LLVM, the JIT and AOT artifacts.
#ifndef QUANTC_EXECUTION_EXECUTION_H
#define QUANTC_EXECUTION_EXECUTION_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <string>
#include <vector>

namespace llvm {
class Module;
class TargetMachine;
} // namespace llvm
namespace mlir {
class ExecutionEngine;
}

namespace quantc {

/// A code generation target: LLVM triple/CPU/features plus the matmul register tile.
struct TargetSpec {
  std::string name; // as given: host, x86-64, x86-64-v3, x86-64-v4, aarch64
  std::string triple, cpu, features;
  int64_t tileRows = 4, tileCols = 8;
  /// The packed kernels' dot instruction (vnni, avx2, neon, generic) and
  /// how they take activations (int8 or float: --kernel-activations).
  std::string kernelFamily = "generic", kernelActivations = "int8";
  /// Weight-only layers of at most this many bits (int8 activations) take
  /// the LUT kernels; 0: none (--lut-bits). No target defaults to them:
  /// on x86 the dot kernels measure faster at every width (README, "LUT
  /// kernels").
  unsigned lutBits = 0;
  bool isHost = false;
  /// Large loops run on an OpenMP team (libomp). Off for cross targets:
  /// Debian has no AArch64 libomp to link against.
  bool openmp = false;
  /// Instrument the artifact's code for ThreadSanitizer (the TSan test
  /// configuration: link it into a -fsanitize=thread program).
  bool sanitizeThread = false;
  /// GPU targets (sm_80, sm_90, cuda): the packed weight-only matmuls run
  /// on this NVIDIA GPU, the rest on the host CPU (whose fields above are
  /// the host's). `gpuFormat`: fatbin with CUDA's ptxas, else isa (PTX
  /// alone, compiled by the driver at load).
  std::string gpuChip, gpuFormat;
  /// Test builds (QUANTC_GPU_HOST_TWINS=1): the artifact also carries each
  /// linalg kernel's loop nest, which the emulated CUDA driver runs.
  bool gpuHostTwins = false;
  /// How the weight-only GEMVs spread over the GPU: split-k or stream-k.
  std::string gpuGemv = "split-k";
  /// Split-K's f32 partial sums added in order (the same bits every run),
  /// not atomically.
  bool gpuDeterministic = true;
  /// Constant globals of at least this many bytes leave the code
  /// (quantc-externalize-weights): the JIT binds them to the importer's
  /// memory, artifacts to their weights file or read-only data (0: all stay
  /// in the code).
  int64_t externalWeightBytes = 4096;
  /// Artifacts: where those weights go (auto, file, embed: --weights).
  std::string weightsPlacement = "auto";
};

/// Resolves --target; the error lists the known names.
llvm::Expected<TargetSpec> resolveTarget(llvm::StringRef name);
/// A PIC TargetMachine for `target` (code generation at its highest level).
llvm::Expected<std::unique_ptr<llvm::TargetMachine>> createTargetMachine(const TargetSpec &target);

/// One graph input or output: ONNX name, quantc_dtype, static shape.
struct TensorSignature {
  std::string name;
  int32_t dtype = 0;
  std::vector<int64_t> shape;
  int64_t numel() const;
};
struct ModelSignature {
  std::vector<TensorSignature> inputs, outputs;
};

/// Reads the entry function's signature (call before lowering: it needs the
/// tensor types and onnx.name attributes).
llvm::Expected<ModelSignature> readSignature(mlir::ModuleOp module);

/// Where lowering stops: packed qkernel ops, bufferized loops, or the LLVM
/// dialect (what an artifact is built from).
enum class LoweringStage { QKernel, Loops, LLVM };

/// Lowers a qnn module in place for `target`, up to `stage`. Diagnostics go
/// to the module's context.
mlir::LogicalResult lowerModule(mlir::ModuleOp module, const TargetSpec &target,
                                LoweringStage stage);
inline mlir::LogicalResult lowerToLLVMDialect(mlir::ModuleOp module, const TargetSpec &target) {
  return lowerModule(module, target, LoweringStage::LLVM);
}

/// The target's assembly for a module in the LLVM dialect, optimized as an
/// artifact's code is (-O2, identical functions merged).
llvm::Expected<std::string> emitAssembly(mlir::ModuleOp lowered, const TargetSpec &target);

class JITCodeArena;

/// A model compiled in-process; `run` takes one buffer per input, then per output.
class JITModel {
public:
  /// `optLevel` 2 (as artifacts) for models that run many times;
  /// calibration's probed models run a few samples and compile faster at 1.
  /// Large weights are read where `lowered`'s context keeps them (no copy
  /// in the code): the context must outlive the model.
  static llvm::Expected<std::unique_ptr<JITModel>> compile(mlir::ModuleOp lowered,
                                                           const TargetSpec &target,
                                                           unsigned optLevel = 2);
  ~JITModel();
  /// Thread-safe: concurrent runs share only the code and its constants
  /// (intermediates come from the runtime's per-thread buffer cache).
  llvm::Error run(llvm::ArrayRef<void *> buffers) const;

private:
  JITModel() = default;
  void (*entry)(void **) = nullptr; // the packed wrapper of @main
  /// quantc_weights: the external weights' addresses (the MLIR context's
  /// storage, or `alignedCopies` of what was not aligned enough).
  std::vector<const void *> weightTable;
  std::vector<std::unique_ptr<char[]>> alignedCopies;
  // Declared first so it outlives the engine whose sections it holds.
  std::unique_ptr<JITCodeArena> arena;
  std::unique_ptr<mlir::ExecutionEngine> engine;
};

/// A float qnn module compiled with extra outputs: "probes", values inside
/// @main (e.g. layer inputs) whose contents calibration and reports read.
/// `weightInputs` (static f32 constants) become extra inputs after the
/// model's own, so a caller can swap weights without recompiling (what
/// sensitivity does per layer and bit-width). The module given is cloned;
/// it is not changed.
class ProbedModel {
public:
  static llvm::Expected<std::unique_ptr<ProbedModel>>
  compile(mlir::ModuleOp module, llvm::ArrayRef<mlir::Value> probes, const TargetSpec &target,
          llvm::ArrayRef<mlir::Value> weightInputs = {}, unsigned optLevel = 1);
  ~ProbedModel();

  /// What one run wrote: model outputs, then computed probes, and the
  /// inputs it read. Concurrent runs each need their own.
  struct Outputs {
    std::vector<std::vector<float>> buffers; // outputs: 8-byte slack per element
    std::vector<const void *> inputs;
  };

  /// The model's own inputs and outputs (weight inputs and probes excluded).
  const ModelSignature &signature() const { return modelSignature; }
  /// Runs on one sample: one f32/int buffer per model input, in order, then
  /// one f32 buffer per weight input.
  llvm::Error run(llvm::ArrayRef<const void *> inputs) { return run(inputs, last); }
  /// The same into `outputs`; thread-safe.
  llvm::Error run(llvm::ArrayRef<const void *> inputs, Outputs &outputs) const;
  /// Makes `outputs` what output(i)/probe(i) read (by swapping buffers).
  void select(Outputs &outputs) { std::swap(last, outputs); }
  /// After run(): model output i, or probe i (a probe that is a function
  /// argument reads the input buffer).
  const float *output(size_t i) const { return output(last, i); }
  const float *probe(size_t i) const { return probe(last, i); }
  const float *output(const Outputs &from, size_t i) const { return from.buffers[i].data(); }
  const float *probe(const Outputs &from, size_t i) const;
  int64_t probeSize(size_t i) const { return probeShapes[i].numel(); }
  /// The bytes one run's Outputs hold (for sampleSlots).
  size_t outputBytes() const {
    size_t elements = 0;
    for (int64_t size : outputSizes)
      elements += size_t(size);
    return elements * sizeof(float);
  }
  const TensorSignature &probeShape(size_t i) const { return probeShapes[i]; }

private:
  ProbedModel() = default;
  std::unique_ptr<JITModel> jit;
  ModelSignature modelSignature;
  std::vector<TensorSignature> probeShapes;
  std::vector<int> probeArgument;             // input index, or -1 for a computed probe
  std::vector<int> probeResult;               // extra result index, or -1
  std::vector<int64_t> outputSizes; // model outputs, then computed probes
  Outputs last;                       // what run(inputs) wrote
  size_t weightInputCount = 0;
};

/// Seconds spent in each step of writeArtifact (for --time), how many
/// partitions LLVM optimized and compiled at once, and how many of them the
/// object cache had.
struct ArtifactTimes {
  double translate = 0, compile = 0, link = 0;
  unsigned partitions = 1, cachedPartitions = 0;
};

/// Writes OUT/lib<name>.so, OUT/<name>.h and OUT/quantc_runtime.h for a
/// lowered module. Files appear only when everything succeeded. LLVM
/// optimizes and compiles the module in partitions on analysisThreads()
/// cores; with an `objectCache` directory, unchanged partitions are read
/// from there instead of compiled.
llvm::Error writeArtifact(mlir::ModuleOp lowered, const ModelSignature &signature,
                          const TargetSpec &target, llvm::StringRef name,
                          llvm::StringRef outDir, llvm::StringRef objectCache = "",
                          ArtifactTimes *times = nullptr);

/// A C identifier made from `text` (for model and parameter names).
std::string sanitizeIdentifier(llvm::StringRef text);

} // namespace quantc

#endif // QUANTC_EXECUTION_EXECUTION_H
