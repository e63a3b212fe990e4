// Pass pipelines shared by quant-opt (as quantc-*-pipeline) and the quantc driver.
#ifndef QUANTC_PASSES_PIPELINES_PIPELINES_H
#define QUANTC_PASSES_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"

namespace quantc {

/// Cleanup right after ONNX import: fold shape subgraphs, erase dead ops.
void buildImportCleanupPipeline(mlir::OpPassManager &pm);

/// Registers every quantc-*-pipeline with the global pass registry.
void registerPipelines();

} // namespace quantc

#endif // QUANTC_PASSES_PIPELINES_PIPELINES_H
