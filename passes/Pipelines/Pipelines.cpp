// Pass pipelines shared by quant-opt and the quantc driver.
#include "passes/Pipelines/Pipelines.h"

#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "passes/Conversion/Passes.h"
#include "passes/Transforms/Passes.h"
#include "quantc/Codegen/DotInstruction.h"
#include "llvm/Support/ErrorHandling.h"

namespace quantc {

void buildImportCleanupPipeline(mlir::OpPassManager &pm) {
  pm.addPass(qnn::createQNNFoldConstantsPass());
}

/// Upstream passes are added by their registered names: one readable list
/// instead of a dozen option structs.
static void addPasses(mlir::OpPassManager &pm, llvm::StringRef pipeline) {
  if (failed(mlir::parsePassPipeline(pipeline, pm, llvm::errs())))
    llvm::report_fatal_error("quantc: internal pipeline failed to parse");
}

void buildLowerToQKernelPipeline(mlir::OpPassManager &pm, const LowerToLLVMOptions &options) {
  pm.addPass(qnn::createQNNFoldBatchNormPass());
  pm.addPass(qnn::createQNNFusePatternsPass());
  ConvertQNNToQKernelPassOptions packing;
  packing.lanes = codegen::familyLanes(options.kernelFamily);
  packing.activations = options.kernelActivations;
  packing.signedBytes = options.kernelFamily == "neon";
  packing.lutBits = options.lutBits;
  packing.lutLanes = codegen::familyLutLanes(options.kernelFamily);
  // AVX2/VNNI CPUs convert f16 with F16C, NEON natively; generic x86-64 would call libgcc.
  packing.halfScales = options.kernelFamily != "generic";
  pm.addPass(createConvertQNNToQKernelPass(packing));
}

void buildLowerToLoopsPipeline(mlir::OpPassManager &pm, const LowerToLLVMOptions &options) {
  buildLowerToQKernelPipeline(pm, options);
  pm.addPass(qnn::createQNNSinkTransposesPass());
  ConvertQNNToLinalgPassOptions linalg;
  linalg.poolTaps = options.gpuChip.empty(); // GPU targets keep the reduction form
  linalg.topKSelection = options.gpuChip.empty(); // and TopK's ranks (no scf.for of kernels)
  pm.addPass(createConvertQNNToLinalgPass(linalg));
  addPasses(pm,
            "canonicalize,"
            "func.func(quantc-fuse-elementwise),"
            "canonicalize");
  // GPU targets: before the host's depthwise vectorization, so that
  // depthwise convolutions on device values can be linalg kernels too.
  if (!options.gpuChip.empty()) {
    ConvertQKernelToGPUPassOptions gpu;
    gpu.chip = options.gpuChip;
    gpu.format = options.gpuFormat;
    gpu.hostTwins = options.gpuHostTwins;
    gpu.gemv = options.gpuGemv;
    gpu.deterministic = options.gpuDeterministic;
    pm.addPass(createConvertQKernelToGPUPass(gpu));
  }
  // A vector of output columns is half the matmul's register tile.
  addPasses(pm, "func.func(convert-linalg-grouped-convs-to-matmuls,"
                "convert-linalg-depthwise-to-vector{lanes=" +
                    std::to_string(options.tileCols / 2) + "}),canonicalize");
  ConvertQKernelToLoopsPassOptions kernels;
  kernels.family = options.kernelFamily;
  pm.addPass(createConvertQKernelToLoopsPass(kernels));
  addPasses(pm,
            "one-shot-bufferize{bufferize-function-boundaries "
            "function-boundary-type-conversion=identity-layout-map},"
            "func.func(quantc-distinct-return-buffers),"
            "buffer-results-to-out-params{hoist-static-allocs modify-public-functions},"
            "canonicalize,"
            "buffer-deallocation-pipeline,"
            "convert-bufferization-to-memref");
  // Constant weights in the column blocks the tiles read, packed now
  // rather than at every call; the matrices they came from go once the
  // tiles read the blocks instead.
  QuantcPackMatmulWeightsPassOptions packing;
  packing.cols = options.tileCols;
  pm.addPass(createQuantcPackMatmulWeightsPass(packing));
  ConvertLinalgMatmulToVectorPassOptions tile;
  tile.rows = options.tileRows;
  tile.cols = options.tileCols;
  pm.addNestedPass<mlir::func::FuncOp>(createConvertLinalgMatmulToVectorPass(tile));
  addPasses(pm, "func.func(convert-padded-copies-to-loops,convert-strided-copies-to-linalg,"
                "convert-linalg-transpose-to-vector,convert-linalg-to-parallel-loops),"
                "quantc-approximate-math,convert-math-to-funcs,canonicalize,cse,symbol-dce");
  // Loops fuse before the arena shares bytes among buffers: sharing would
  // make the buffers of neighbouring layers alias and keep them apart.
  pm.addNestedPass<mlir::func::FuncOp>(createQuantcFuseFillsIntoParallelLoopsPass());
  pm.addNestedPass<mlir::func::FuncOp>(createQuantcFuseAdjacentParallelLoopsPass());
  pm.addNestedPass<mlir::func::FuncOp>(createQuantcFuseProducersIntoRowChunksPass());
  pm.addNestedPass<mlir::func::FuncOp>(createQuantcScratchArenaPass());
  QuantcPlanParallelLoopsPassOptions plan;
  plan.enable = options.parallel;
  pm.addNestedPass<mlir::func::FuncOp>(createQuantcPlanParallelLoopsPass(plan));
  pm.addNestedPass<mlir::func::FuncOp>(createQuantcVectorizeFloatReductionsPass());
  pm.addNestedPass<mlir::func::FuncOp>(createQuantcVectorizeHintsPass());
}

void buildLowerToLLVMPipeline(mlir::OpPassManager &pm, const LowerToLLVMOptions &options) {
  buildLowerToLoopsPipeline(pm, options);
  pm.addPass(createQuantcFlattenConstantGlobalsPass());
  pm.addPass(createQuantcOutlineLoopNestsPass());
  // Alloca scopes become stacksave/stackrestore before canonicalize: it
  // inlines a scope whose parent is an omp region, and an im2col panel
  // allocated in a loop body would then grow the stack each iteration
  // (resnet18's 7x7 stem overflowed 8 MB on one thread).
  if (options.parallel)
    addPasses(pm, "convert-scf-to-openmp,func.func(quantc-expand-alloca-scopes),canonicalize,"
                  "quantc-share-thread-team,quantc-openmp-thread-count");
  // Conversions that can run function by function do, on every core when
  // the context is multithreaded: each layer is a function by now.
  addPasses(pm,
            "convert-qkernel-to-llvm,"
            "func.func(quantc-expand-alloca-scopes,lower-affine,convert-scf-to-cf,"
            "expand-strided-metadata,lower-affine," // views at dynamic offsets leave affine.apply
            "convert-vector-to-llvm,convert-math-to-llvm),"
            "finalize-memref-to-llvm{use-generic-functions},convert-math-to-libm,"
            "func.func(convert-arith-to-llvm,convert-index-to-llvm,convert-ub-to-llvm),"
            "convert-cf-to-llvm,convert-func-to-llvm{use-bare-ptr-memref-call-conv},"
            "convert-openmp-to-llvm,reconcile-unrealized-casts,quantc-apply-loop-annotations");
  QuantcExternalizeWeightsPassOptions weights;
  weights.minBytes = options.externalWeightBytes;
  pm.addPass(createQuantcExternalizeWeightsPass(weights));
}

void registerPipelines() {
  mlir::PassPipelineRegistration<>(
      "quantc-import-cleanup-pipeline",
      "Cleanup after ONNX import: fold shape subgraphs, erase dead ops",
      [](mlir::OpPassManager &pm) { buildImportCleanupPipeline(pm); });
  mlir::PassPipelineRegistration<LowerToLLVMOptions>(
      "quantc-lower-to-qkernel-pipeline",
      "qnn -> qnn with the quantized layers as packed qkernel ops",
      [](mlir::OpPassManager &pm, const LowerToLLVMOptions &o) { buildLowerToQKernelPipeline(pm, o); });
  mlir::PassPipelineRegistration<LowerToLLVMOptions>(
      "quantc-lower-to-loops-pipeline",
      "qnn -> qkernel + linalg -> bufferized loops (packed kernels, vector matmul microkernel)",
      [](mlir::OpPassManager &pm, const LowerToLLVMOptions &o) { buildLowerToLoopsPipeline(pm, o); });
  mlir::PassPipelineRegistration<LowerToLLVMOptions>(
      "quantc-lower-to-llvm-pipeline",
      "qnn -> LLVM dialect (bare-pointer entry: inputs then outputs)",
      [](mlir::OpPassManager &pm, const LowerToLLVMOptions &o) { buildLowerToLLVMPipeline(pm, o); });
}

} // namespace quantc
