// Pass pipelines shared by quant-opt (as quantc-*-pipeline) and the quantc driver.
#ifndef QUANTC_PASSES_PIPELINES_PIPELINES_H
#define QUANTC_PASSES_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace quantc {

/// Cleanup right after ONNX import: fold shape subgraphs, erase dead ops.
void buildImportCleanupPipeline(mlir::OpPassManager &pm);

/// Options of the float lowering: the matmul register tile comes from the target.
struct LowerToLLVMOptions : mlir::PassPipelineOptions<LowerToLLVMOptions> {
  Option<int64_t> tileRows{*this, "tile-rows", llvm::cl::desc("Matmul register tile rows"),
                           llvm::cl::init(8)};
  Option<int64_t> tileCols{*this, "tile-cols", llvm::cl::desc("Matmul register tile columns"),
                           llvm::cl::init(32)};
};

/// Float qnn -> linalg -> bufferized, vectorized loops -> LLVM dialect. The
/// entry function takes one bare pointer per input, then one per output.
void buildLowerToLLVMPipeline(mlir::OpPassManager &pm, const LowerToLLVMOptions &options);

/// The same pipeline up to (and including) bufferization and the matmul
/// microkernel, before anything is lowered to LLVM: for --emit=loops.
void buildLowerToLoopsPipeline(mlir::OpPassManager &pm, const LowerToLLVMOptions &options);

/// Registers every quantc-*-pipeline with the global pass registry.
void registerPipelines();

} // namespace quantc

#endif // QUANTC_PASSES_PIPELINES_PIPELINES_H
