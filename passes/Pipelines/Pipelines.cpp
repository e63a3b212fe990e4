// Pass pipelines shared by quant-opt and the quantc driver.
#include "passes/Pipelines/Pipelines.h"

#include "passes/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"

namespace quantc {

void buildImportCleanupPipeline(mlir::OpPassManager &pm) {
  pm.addPass(qnn::createQNNFoldConstantsPass());
}

void registerPipelines() {
  mlir::PassPipelineRegistration<>(
      "quantc-import-cleanup-pipeline",
      "Cleanup after ONNX import: fold shape subgraphs, erase dead ops",
      [](mlir::OpPassManager &pm) { buildImportCleanupPipeline(pm); });
}

} // namespace quantc
