// One compiled float model, many weight sets.
#include "passes/Transforms/WeightSwap.h"

#include "passes/Transforms/Calibration.h"
#include "passes/Transforms/ConstantUtils.h"
#include "passes/Transforms/Layers.h"

#include "quantc/Runtime/quantc_runtime.h"

namespace quantc::qnn {

llvm::Expected<std::unique_ptr<WeightSwapModel>>
WeightSwapModel::create(mlir::ModuleOp module, llvm::ArrayRef<mlir::Operation *> layers,
                        const std::vector<std::string> &calib, unsigned dataFreeSamples,
                        bool warnDataFree) {
  std::unique_ptr<WeightSwapModel> swap(new WeightSwapModel());
  std::vector<mlir::Value> weights;
  for (mlir::Operation *op : layers) {
    weights.push_back(floatWeight(op));
    auto values = weights.back() ? readFloats(weights.back()) : std::nullopt;
    if (!values)
      return llvm::createStringError("layer '" + layerName(op) + "' has no constant float weight");
    swap->floatWeights.push_back(std::move(*values));
  }
  auto target = resolveTarget("host");
  if (!target)
    return target.takeError();
  auto model = ProbedModel::compile(module, {}, *target, weights, /*optLevel=*/3);
  if (!model)
    return model.takeError();
  swap->model = std::move(*model);
  const ModelSignature &signature = swap->model->signature();
  if (signature.inputs.size() != 1 || signature.inputs[0].dtype != QUANTC_FLOAT32)
    return llvm::createStringError("measuring outputs needs a model with one f32 input");
  std::string error;
  auto samples = calibrationSamples(module, signature.inputs[0], calib, dataFreeSamples, error,
                                    warnDataFree);
  if (mlir::failed(samples))
    return llvm::createStringError(error);
  swap->samples = std::move(*samples);
  std::vector<const void *> buffers = swap->buffersFor({});
  for (const std::vector<float> &sample : swap->samples) {
    buffers[0] = sample.data();
    if (auto e = swap->model->run(buffers))
      return std::move(e);
    auto &outputs = swap->reference.emplace_back();
    for (size_t o = 0; o < signature.outputs.size(); ++o)
      outputs.emplace_back(swap->model->output(o), swap->model->output(o) + signature.outputs[o].numel());
  }
  return swap;
}

std::vector<const void *> WeightSwapModel::buffersFor(llvm::ArrayRef<const float *> weights) const {
  std::vector<const void *> buffers{nullptr}; // the sample goes first
  for (size_t l = 0; l < floatWeights.size(); ++l)
    buffers.push_back(l < weights.size() && weights[l] ? weights[l] : floatWeights[l].data());
  return buffers;
}

llvm::Error WeightSwapModel::run(
    llvm::ArrayRef<const float *> weights,
    llvm::function_ref<void(size_t, const float *, const float *)> compare) {
  std::vector<const void *> buffers = buffersFor(weights);
  for (size_t s = 0; s < samples.size(); ++s) {
    buffers[0] = samples[s].data();
    if (auto e = model->run(buffers))
      return e;
    for (size_t o = 0; o < reference[s].size(); ++o)
      compare(o, reference[s][o].data(), model->output(o));
  }
  return llvm::Error::success();
}

} // namespace quantc::qnn
