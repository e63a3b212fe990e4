// Per-channel input ranges for depthwise convolutions (qnn-calibrate's
// channel-ranges): MobileNet-style blocks put channels of very different
// scales after one BatchNorm, and a single int8 range for all of them
// rounds the small channels away. A depthwise layer reads each input
// channel alone, so a per-channel input scale folds exactly into its
// per-channel requantization.
#ifndef QUANTC_PASSES_TRANSFORMS_CHANNELRANGES_H
#define QUANTC_PASSES_TRANSFORMS_CHANNELRANGES_H

#include "quantc/Analysis/RangeEstimator.h"
#include "quantc/Execution/Execution.h"

#include "mlir/IR/Operation.h"
#include "llvm/ADT/DenseMap.h"

#include <vector>

namespace quantc::qnn {

/// Statistics of one depthwise layer's input, channel by channel.
class DepthwiseInput {
public:
  explicit DepthwiseInput(mlir::Operation *layer);
  /// Min/max (first pass) or histograms (second pass) of this sample.
  void observe(const ProbedModel &model, const llvm::DenseMap<mlir::Value, size_t> &probeIndex,
               bool histogram);
  void startHistograms();
  /// Stores `qnn.input_channel_bounds` on the layer when symmetric
  /// per-channel ranges quantize with less expected squared error than the
  /// tensor's calibrated range (summed over the same histograms).
  void storeBoundsIfBetter(unsigned bits);

private:
  mlir::Operation *layer;
  std::vector<TensorObserver> channels;
};

/// One DepthwiseInput per depthwise convolution (one input channel per
/// group) among `layers`.
std::vector<DepthwiseInput> depthwiseInputs(llvm::ArrayRef<mlir::Operation *> layers);

} // namespace quantc::qnn

#endif // QUANTC_PASSES_TRANSFORMS_CHANNELRANGES_H
