// Per-channel depthwise input ranges (see ChannelRanges.h).
#include "passes/Transforms/ChannelRanges.h"
#include "passes/Transforms/Layers.h"

#include "dialects/QNN/QNNOps.h"
#include "mlir/IR/BuiltinAttributes.h"

namespace quantc::qnn {

using namespace mlir;

DepthwiseInput::DepthwiseInput(Operation *layer) : layer(layer) {
  auto type = cast<RankedTensorType>(layer->getOperand(0).getType());
  channels.resize(size_t(type.getDimSize(1)));
}

void DepthwiseInput::observe(const ProbedModel &model,
                             const llvm::DenseMap<Value, size_t> &probeIndex, bool histogram) {
  auto probe = probeIndex.find(layer->getOperand(0));
  if (probe == probeIndex.end())
    return;
  const float *data = model.probe(probe->second);
  int64_t size = model.probeSize(probe->second), count = int64_t(channels.size());
  int64_t inner = size / count;
  if (inner == 0 || size % count != 0)
    return;
  // [N, C, H, W]: each channel is a run of H * W values per batch element.
  for (int64_t offset = 0; offset < size; offset += inner) {
    TensorObserver &channel = channels[size_t((offset / inner) % count)];
    if (histogram)
      channel.observeHistogram(data + offset, inner);
    else
      channel.observeMinMax(data + offset, inner);
  }
}

void DepthwiseInput::startHistograms() {
  for (TensorObserver &channel : channels)
    channel.startHistograms(1024);
}

void DepthwiseInput::storeBoundsIfBetter(unsigned bits) {
  auto range = calibratedRange(layer->getOperand(0));
  if (!range || bits < 2 || bits > 8)
    return;
  double tensorError = 0, channelError = 0;
  std::vector<double> bounds;
  for (const TensorObserver &channel : channels) {
    if (channel.empty())
      return;
    tensorError += channel.asymmetricError(range->first, range->second, bits);
    auto [bound, error] = channel.symmetricMse(bits);
    bounds.push_back(bound);
    channelError += error;
  }
  if (!(channelError < tensorError))
    return;
  layer->setAttr("qnn.input_channel_bounds", DenseF64ArrayAttr::get(layer->getContext(), bounds));
}

std::vector<DepthwiseInput> depthwiseInputs(ArrayRef<Operation *> layers) {
  std::vector<DepthwiseInput> inputs;
  for (Operation *op : layers)
    if (isDepthwise(op))
      inputs.emplace_back(op);
  return inputs;
}

} // namespace quantc::qnn
