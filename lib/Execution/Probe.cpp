// Models compiled with probes: intermediate tensors exposed as extra outputs.
#include "quantc/Execution/Execution.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/IRMapping.h"

namespace quantc {

ProbedModel::~ProbedModel() = default;

llvm::Expected<std::unique_ptr<ProbedModel>>
ProbedModel::compile(mlir::ModuleOp module, llvm::ArrayRef<mlir::Value> probes,
                     const TargetSpec &target, llvm::ArrayRef<mlir::Value> weightInputs,
                     unsigned optLevel) {
  mlir::IRMapping mapping;
  mlir::OwningOpRef<mlir::ModuleOp> clone(llvm::cast<mlir::ModuleOp>(module->clone(mapping)));
  auto main = clone->lookupSymbol<mlir::func::FuncOp>("main");
  if (!main)
    return llvm::createStringError("module has no func.func @main");
  std::unique_ptr<ProbedModel> model(new ProbedModel());
  auto signature = readSignature(*clone);
  if (!signature)
    return signature.takeError();
  model->modelSignature = *signature;

  // Computed probes become extra results of @main.
  auto returnOp = llvm::cast<mlir::func::ReturnOp>(main.getBody().back().getTerminator());
  llvm::SmallVector<mlir::Value> results(returnOp.getOperands());
  for (mlir::Value probe : probes) {
    mlir::Value mapped = mapping.lookupOrNull(probe);
    if (!mapped)
      return llvm::createStringError("probe is not a value of the module");
    auto type = llvm::dyn_cast<mlir::RankedTensorType>(mapped.getType());
    if (!type || !type.hasStaticShape() || !type.getElementType().isF32())
      return llvm::createStringError("probes must be static f32 tensors");
    TensorSignature shape;
    shape.dtype = 1;
    shape.shape.assign(type.getShape().begin(), type.getShape().end());
    model->probeShapes.push_back(shape);
    if (auto argument = llvm::dyn_cast<mlir::BlockArgument>(mapped)) {
      model->probeArgument.push_back(int(argument.getArgNumber()));
      model->probeResult.push_back(-1);
      continue;
    }
    model->probeArgument.push_back(-1);
    model->probeResult.push_back(int(results.size() - returnOp.getNumOperands()));
    results.push_back(mapped);
  }
  mlir::OpBuilder builder(returnOp);
  mlir::func::ReturnOp::create(builder, returnOp.getLoc(), results);
  returnOp.erase();
  // Weight inputs: new arguments after the model's own, replacing the constants.
  for (mlir::Value weight : weightInputs) {
    mlir::Value mapped = mapping.lookupOrNull(weight);
    auto type = mapped ? llvm::dyn_cast<mlir::RankedTensorType>(mapped.getType()) : nullptr;
    if (!type || !type.hasStaticShape() || !type.getElementType().isF32() ||
        !mapped.getDefiningOp() || !mapped.getDefiningOp()->hasTrait<mlir::OpTrait::ConstantLike>())
      return llvm::createStringError("weight inputs must be static f32 constants of the module");
    mlir::BlockArgument argument = main.getBody().front().addArgument(type, mapped.getLoc());
    mapped.replaceAllUsesWith(argument);
  }
  model->weightInputCount = weightInputs.size();
  main.setType(mlir::FunctionType::get(clone->getContext(),
                                       main.getBody().front().getArgumentTypes(),
                                       mlir::ValueRange(results).getTypes()));
  auto extended = readSignature(*clone);
  if (!extended)
    return extended.takeError();
  // Model outputs may be 8-byte integers; probes are f32 (checked above),
  // and at a decoder's every layer they are most of a run's bytes.
  for (auto [index, output] : llvm::enumerate(extended->outputs)) {
    bool probe = index >= model->modelSignature.outputs.size();
    model->outputSizes.push_back(std::max<int64_t>(output.numel(), 1) * (probe ? 1 : 2));
  }

  if (mlir::failed(lowerToLLVMDialect(*clone, target)))
    return llvm::createStringError("lowering the probed model failed");
  auto jit = JITModel::compile(*clone, target, optLevel);
  if (!jit)
    return jit.takeError();
  model->jit = std::move(*jit);
  return model;
}

llvm::Error ProbedModel::run(llvm::ArrayRef<const void *> inputs, Outputs &outputs) const {
  if (inputs.size() != modelSignature.inputs.size() + weightInputCount)
    return llvm::createStringError("wrong number of inputs");
  outputs.inputs.assign(inputs.begin(), inputs.end());
  outputs.buffers.resize(outputSizes.size());
  std::vector<void *> buffers;
  for (const void *input : inputs)
    buffers.push_back(const_cast<void *>(input)); // inputs are marked read-only in the IR
  for (auto [buffer, size] : llvm::zip(outputs.buffers, outputSizes)) {
    buffer.resize(size_t(size));
    buffers.push_back(buffer.data());
  }
  return jit->run(buffers);
}

const float *ProbedModel::probe(const Outputs &from, size_t i) const {
  if (probeArgument[i] >= 0)
    return static_cast<const float *>(from.inputs[probeArgument[i]]);
  return output(from, modelSignature.outputs.size() + probeResult[i]);
}

} // namespace quantc
