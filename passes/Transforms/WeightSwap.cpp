// One compiled float model, many weight sets.
#include "passes/Transforms/WeightSwap.h"

#include "passes/Transforms/Calibration.h"
#include "passes/Transforms/ConstantUtils.h"
#include "passes/Transforms/Layers.h"

#include "quantc/Runtime/quantc_runtime.h"
#include "quantc/Support/Parallel.h"

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
  std::string error;
  auto samples = calibrationSamples(module, signature, calib, dataFreeSamples, error,
                                    warnDataFree);
  if (mlir::failed(samples))
    return llvm::createStringError(error);
  swap->samples = std::move(*samples);
  swap->reference.resize(swap->samples.size());
  std::vector<ProbedModel::Outputs> slots(sampleSlots());
  auto run = [&](size_t s, unsigned slot) { return swap->model->run(swap->buffersFor(s, {}), slots[slot]); };
  auto keep = [&](size_t s, unsigned slot) {
    for (size_t o = 0; o < signature.outputs.size(); ++o) {
      // Only float outputs have an error to measure; others stay empty.
      const float *data = swap->model->output(slots[slot], o);
      bool isFloat = signature.outputs[o].dtype == QUANTC_FLOAT32;
      swap->reference[s].emplace_back(data, data + (isFloat ? signature.outputs[o].numel() : 0));
    }
    return llvm::Error::success();
  };
  if (auto e = forEachSample(swap->samples.size(), run, keep))
    return std::move(e);
  return swap;
}

std::vector<const void *> WeightSwapModel::buffersFor(size_t sample,
                                                     llvm::ArrayRef<const float *> weights) const {
  std::vector<const void *> buffers = samples[sample].buffers(); // the model's inputs go first
  for (size_t l = 0; l < floatWeights.size(); ++l)
    buffers.push_back(l < weights.size() && weights[l] ? weights[l] : floatWeights[l].data());
  return buffers;
}

llvm::Error WeightSwapModel::run(
    llvm::ArrayRef<const float *> weights,
    llvm::function_ref<void(size_t, const float *, const float *)> compare) {
  std::vector<ProbedModel::Outputs> slots(sampleSlots());
  return forEachSample(
      samples.size(),
      [&](size_t s, unsigned slot) { return model->run(buffersFor(s, weights), slots[slot]); },
      [&](size_t s, unsigned slot) {
        for (size_t o = 0; o < reference[s].size(); ++o)
          if (!reference[s][o].empty())
            compare(o, reference[s][o].data(), model->output(slots[slot], o));
        return llvm::Error::success();
      });
}

} // namespace quantc::qnn
