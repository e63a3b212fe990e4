// Pass pipelines shared by quant-opt (as quantc-*-pipeline) and the quantc driver.
#ifndef QUANTC_PASSES_PIPELINES_PIPELINES_H
#define QUANTC_PASSES_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace quantc {

/// Cleanup right after ONNX import: fold shape subgraphs, erase dead ops.
void buildImportCleanupPipeline(mlir::OpPassManager &pm);

/// Options of the lowering: the matmul register tile and the packed kernels
/// family come from the target.
struct LowerToLLVMOptions : mlir::PassPipelineOptions<LowerToLLVMOptions> {
  Option<int64_t> tileRows{*this, "tile-rows", llvm::cl::desc("Matmul register tile rows"),
                           llvm::cl::init(8)};
  Option<int64_t> tileCols{*this, "tile-cols", llvm::cl::desc("Matmul register tile columns"),
                           llvm::cl::init(32)};
  Option<std::string> kernelFamily{
      *this, "kernel-family",
      llvm::cl::desc("Dot instruction of the packed kernels: vnni, avx2, neon or generic"),
      llvm::cl::init("generic")};
  Option<std::string> kernelActivations{
      *this, "kernel-activations",
      llvm::cl::desc("How packed kernels take x: int8 (per block of 32) or float"),
      llvm::cl::init("int8")};
  Option<unsigned> lutBits{
      *this, "lut-bits",
      llvm::cl::desc("Weight-only layers of at most this many bits take the LUT kernels (0: none)"),
      llvm::cl::init(0)};
  Option<bool> parallel{
      *this, "parallel",
      llvm::cl::desc("Run large loops on an OpenMP thread team (false: one thread, no libomp)"),
      llvm::cl::init(true)};
  Option<int64_t> externalWeightBytes{
      *this, "external-weight-bytes",
      llvm::cl::desc("Constant globals of at least this many bytes leave the code for the "
                     "quantc_weights table (0: all stay)"),
      llvm::cl::init(0)};
  Option<std::string> gpuChip{
      *this, "gpu-chip",
      llvm::cl::desc("Run the packed weight-only matmuls on this NVIDIA GPU (sm_80, sm_90, ...); "
                     "empty: everything on the host"),
      llvm::cl::init("")};
  Option<std::string> gpuFormat{
      *this, "gpu-format",
      llvm::cl::desc("The GPU image: fatbin (cubin + PTX), bin, isa (PTX) or none"),
      llvm::cl::init("fatbin")};
  Option<std::string> gpuGemv{
      *this, "gpu-gemv",
      llvm::cl::desc("How weight-only GEMVs are launched: split-k or stream-k, then :options "
                     "(target=N, warps=N, prefetch=N, stages=N, scale-after-mma, [no-]permute-k)"),
      llvm::cl::init("split-k")};
  Option<bool> gpuDeterministic{
      *this, "gpu-deterministic",
      llvm::cl::desc("Split-K GEMMs add their f32 partial sums in order (the same bits every "
                     "run); false: atomically, in whatever order the blocks finish"),
      llvm::cl::init(true)};
  Option<bool> gpuHostTwins{
      *this, "gpu-host-twins",
      llvm::cl::desc("Also emit each GPU linalg kernel's loop nest for the emulated driver"),
      llvm::cl::init(false)};
};

/// Float qnn -> linalg -> bufferized, vectorized loops -> LLVM dialect. The
/// entry function takes one bare pointer per input, then one per output.
void buildLowerToLLVMPipeline(mlir::OpPassManager &pm, const LowerToLLVMOptions &options);

/// The pipeline's first steps: quantized layers become packed qkernel ops
/// (weights packed for the target's dot instructions): for --emit=qkernel.
void buildLowerToQKernelPipeline(mlir::OpPassManager &pm, const LowerToLLVMOptions &options);

/// The same pipeline up to (and including) bufferization and the matmul
/// microkernel, before anything is lowered to LLVM: for --emit=loops.
void buildLowerToLoopsPipeline(mlir::OpPassManager &pm, const LowerToLLVMOptions &options);

/// Registers every quantc-*-pipeline with the global pass registry.
void registerPipelines();

} // namespace quantc

#endif // QUANTC_PASSES_PIPELINES_PIPELINES_H
