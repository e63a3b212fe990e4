// The float model compiled once with layer weights as inputs, run on the
// calibration samples with some of those weights swapped: what output
// sensitivity and the --pareto sweep measure, without recompiling.
#ifndef QUANTC_PASSES_TRANSFORMS_WEIGHTSWAP_H
#define QUANTC_PASSES_TRANSFORMS_WEIGHTSWAP_H

#include "quantc/Execution/Execution.h"
#include "quantc/Execution/Samples.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/STLFunctionalExtras.h"

#include <memory>
#include <string>
#include <vector>

namespace quantc::qnn {

class WeightSwapModel {
public:
  /// Compiles `module` (unchanged) with the constant float weight of each of
  /// `layers` as an input and runs the float model once on the samples
  /// (`calib` files, or data-free, warning when there is nothing to
  /// synthesize from) for the reference outputs.
  static llvm::Expected<std::unique_ptr<WeightSwapModel>>
  create(mlir::ModuleOp module, llvm::ArrayRef<mlir::Operation *> layers,
         const std::vector<std::string> &calib, unsigned dataFreeSamples, bool warnDataFree);

  const ModelSignature &signature() const { return model->signature(); }
  size_t sampleCount() const { return samples.size(); }

  /// Runs every sample with layer l's weight replaced by `weights[l]` (null:
  /// its float weight) and calls compare(output index, reference, outputs)
  /// for each float model output.
  llvm::Error run(llvm::ArrayRef<const float *> weights,
                  llvm::function_ref<void(size_t output, const float *reference,
                                          const float *approx)> compare);

private:
  WeightSwapModel() = default;
  /// Sample `sample`'s input buffers, then one buffer per layer weight.
  std::vector<const void *> buffersFor(size_t sample, llvm::ArrayRef<const float *> weights) const;
  std::unique_ptr<ProbedModel> model;
  std::vector<std::vector<float>> floatWeights;
  std::vector<Sample> samples;
  std::vector<std::vector<std::vector<float>>> reference; // [sample][output]
};

} // namespace quantc::qnn

#endif // QUANTC_PASSES_TRANSFORMS_WEIGHTSWAP_H
