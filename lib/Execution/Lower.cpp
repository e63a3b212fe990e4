// The entry signature of a qnn module and its lowering to the LLVM dialect.
#include "quantc/Execution/Execution.h"
#include "quantc/Runtime/quantc_runtime.h"

#include "passes/Pipelines/Pipelines.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/PassManager.h"

namespace quantc {

int64_t TensorSignature::numel() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

static int32_t dtypeOf(mlir::Type type) {
  if (type.isF32()) return QUANTC_FLOAT32;
  if (type.isF64()) return QUANTC_FLOAT64;
  if (type.isF16()) return QUANTC_FLOAT16;
  if (type.isBF16()) return QUANTC_BFLOAT16;
  if (type.isUnsignedInteger(8)) return QUANTC_UINT8;
  if (type.isUnsignedInteger(16)) return QUANTC_UINT16;
  if (type.isUnsignedInteger(32)) return QUANTC_UINT32;
  if (type.isUnsignedInteger(64)) return QUANTC_UINT64;
  if (type.isSignlessInteger(64)) return QUANTC_INT64;
  if (type.isSignlessInteger(32)) return QUANTC_INT32;
  if (type.isSignlessInteger(16)) return QUANTC_INT16;
  if (type.isSignlessInteger(8)) return QUANTC_INT8;
  if (type.isSignlessInteger(1)) return QUANTC_BOOL;
  return 0;
}

static llvm::Expected<TensorSignature> signatureOf(mlir::Type type, mlir::DictionaryAttr attrs,
                                                   llvm::StringRef fallback) {
  TensorSignature tensor;
  auto name = attrs ? attrs.getAs<mlir::StringAttr>("onnx.name") : nullptr;
  tensor.name = name ? name.str() : fallback.str();
  auto ranked = llvm::dyn_cast<mlir::RankedTensorType>(type);
  if (!ranked || !ranked.hasStaticShape())
    return llvm::createStringError("graph tensor '" + tensor.name +
                                   "' has a dynamic shape; bind it with --input-shape");
  tensor.dtype = dtypeOf(ranked.getElementType());
  if (!tensor.dtype) {
    std::string typeText;
    llvm::raw_string_ostream(typeText) << ranked.getElementType();
    return llvm::createStringError("graph tensor '" + tensor.name + "' has element type " +
                                   typeText + ", which execution does not support");
  }
  tensor.shape.assign(ranked.getShape().begin(), ranked.getShape().end());
  return tensor;
}

llvm::Expected<ModelSignature> readSignature(mlir::ModuleOp module) {
  auto main = module.lookupSymbol<mlir::func::FuncOp>("main");
  if (!main)
    return llvm::createStringError("module has no func.func @main");
  ModelSignature signature;
  mlir::FunctionType type = main.getFunctionType();
  for (unsigned i = 0; i < type.getNumInputs(); ++i) {
    auto tensor = signatureOf(type.getInput(i), main.getArgAttrDict(i), "input" + std::to_string(i));
    if (!tensor)
      return tensor.takeError();
    signature.inputs.push_back(*tensor);
  }
  for (unsigned i = 0; i < type.getNumResults(); ++i) {
    auto tensor =
        signatureOf(type.getResult(i), main.getResultAttrDict(i), "output" + std::to_string(i));
    if (!tensor)
      return tensor.takeError();
    signature.outputs.push_back(*tensor);
  }
  return signature;
}

mlir::LogicalResult lowerModule(mlir::ModuleOp module, const TargetSpec &target,
                                LoweringStage stage) {
  mlir::PassManager pm(module.getContext());
  LowerToLLVMOptions options;
  options.tileRows = target.tileRows;
  options.tileCols = target.tileCols;
  options.kernelFamily = target.kernelFamily;
  options.kernelActivations = target.kernelActivations;
  options.lutBits = target.lutBits;
  options.parallel = target.openmp;
  options.gpuChip = target.gpuChip;
  options.externalWeightBytes = target.externalWeightBytes;
  options.gpuFormat = target.gpuFormat;
  options.gpuHostTwins = target.gpuHostTwins;
  options.gpuGemv = target.gpuGemv;
  options.gpuDeterministic = target.gpuDeterministic;
  switch (stage) {
  case LoweringStage::QKernel:
    buildLowerToQKernelPipeline(pm, options);
    break;
  case LoweringStage::Loops:
    buildLowerToLoopsPipeline(pm, options);
    break;
  case LoweringStage::LLVM:
    buildLowerToLLVMPipeline(pm, options);
    break;
  }
  // The conversions to LLVM run layer by layer on every core (the context
  // is single-threaded otherwise; nothing else uses it meanwhile).
  mlir::MLIRContext *context = module.getContext();
  bool threaded = context->isMultithreadingEnabled();
  context->enableMultithreading(true);
  mlir::LogicalResult result = pm.run(module);
  context->enableMultithreading(threaded);
  return result;
}

} // namespace quantc
