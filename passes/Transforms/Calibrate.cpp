// qnn-calibrate: JIT-run the float model on calibration samples and record
// activation ranges (and, on request, per-layer X^T X).
#include "passes/Transforms/Calibration.h"
#include "passes/Transforms/ChannelRanges.h"
#include "passes/Transforms/ConstantUtils.h"
#include "passes/Transforms/Layers.h"
#include "passes/Transforms/Passes.h"

#include "quantc/Analysis/ActivationTable.h"
#include "quantc/Analysis/Hessian.h"
#include "quantc/Analysis/RangeEstimator.h"
#include "quantc/Analysis/Sensitivity.h"
#include "quantc/Analysis/Quantizer.h"
#include "quantc/Execution/Execution.h"
#include "quantc/Runtime/quantc_runtime.h"
#include "quantc/Support/Parallel.h"
#include "quantc/Support/Progress.h"

#include "dialects/QNN/QNNOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <random>

namespace quantc::qnn {
#define GEN_PASS_DEF_QNNCALIBRATEPASS
#include "passes/Transforms/Passes.h.inc"

using namespace mlir;

namespace {

/// How many standard deviations around BatchNorm's mean a data-free range
/// spans (DFQ, Nagel et al. 2019, derive ranges from beta +- n * gamma).
constexpr double kBatchNormDeviations = 6.0;

/// The data-free range of `value` when BatchNorm statistics describe it: the
/// output of a convolution whose folded BatchNorm says N(beta, gamma^2) per
/// channel, possibly through an elementwise activation; the range is the
/// activation's extent over beta +- n * gamma. nullopt otherwise.
std::optional<std::pair<double, double>> batchNormRange(Value value) {
  Operation *op = value.getDefiningOp();
  std::function<float(float)> activation = [](float x) { return x; };
  if (op && isa<ReluOp, ClipOp, HardSwishOp, HardSigmoidOp, SigmoidOp, TanhOp>(op)) {
    if (isa<ReluOp>(op))
      activation = [](float x) { return std::max(x, 0.f); };
    else if (auto clip = dyn_cast<ClipOp>(op)) {
      float lo = clip.getMin() ? clip.getMin()->convertToFloat() : -INFINITY;
      float hi = clip.getMax() ? clip.getMax()->convertToFloat() : INFINITY;
      activation = [lo, hi](float x) { return std::clamp(x, lo, hi); };
    } else if (isa<HardSwishOp>(op))
      activation = activationFunction(TableActivation::HardSwish);
    else if (auto hard = dyn_cast<HardSigmoidOp>(op))
      activation = activationFunction(TableActivation::HardSigmoid, hard.getAlpha().convertToFloat(),
                                      hard.getBeta().convertToFloat());
    else if (isa<SigmoidOp>(op))
      activation = activationFunction(TableActivation::Sigmoid);
    else
      activation = activationFunction(TableActivation::Tanh);
    op = op->getOperand(0).getDefiningOp();
  }
  auto mean = op ? op->getAttrOfType<DenseF32ArrayAttr>("qnn.bn_mean") : nullptr;
  auto deviation = op ? op->getAttrOfType<DenseF32ArrayAttr>("qnn.bn_std") : nullptr;
  if (!mean || !deviation || mean.size() != deviation.size() || mean.empty())
    return std::nullopt;
  double lo = INFINITY, hi = -INFINITY;
  for (auto [m, d] : llvm::zip(mean.asArrayRef(), deviation.asArrayRef())) {
    double a = m - kBatchNormDeviations * d, b = m + kBatchNormDeviations * d;
    for (int i = 0; i <= 64; ++i) { // the activations here have one turning point at most
      double y = activation(float(a + (b - a) * i / 64));
      lo = std::min(lo, y), hi = std::max(hi, y);
    }
  }
  return std::make_pair(std::min(lo, 0.0), std::max(hi, 0.0));
}

/// How much an error in each input channel of `op`'s activation (operand 0)
/// costs in its output, to first order: the squared norm of the weights that
/// channel multiplies (E||W e||^2 = sum_c ||W_c||^2 E[e_c^2] for errors
/// uncorrelated across channels), normalized to mean 1. Also the channel
/// layout of the input: `inner` elements per channel and outer index.
/// nullopt for layers without a constant float weight on operand 0's path.
struct ChannelWeights {
  std::vector<double> weights;
  int64_t inner = 1;
};

std::optional<ChannelWeights> inputChannelWeights(Operation *op) {
  Value weight = floatWeight(op);
  auto values = weight ? readFloats(weight) : std::nullopt;
  auto layout = inputChannelLayout(op);
  if (!values || !layout)
    return std::nullopt;
  auto shape = cast<RankedTensorType>(weight.getType()).getShape();
  auto weightLayout = WeightLayout::fromAxes({shape.begin(), shape.end()}, weightChannelAxis(op));
  ChannelWeights result;
  result.inner = layout->inner;
  result.weights.assign(layout->channels, 0.0);
  for (int64_t r = 0; r < weightLayout.rows; ++r)
    for (int64_t c = 0; c < weightLayout.columns; ++c) {
      int64_t channel = inputChannelOf(op, r, c);
      if (channel < 0 || channel >= layout->channels)
        return std::nullopt;
      double w = (*values)[weightLayout.offset(r, c)];
      result.weights[channel] += w * w;
    }
  double mean = 0;
  for (double w : result.weights)
    mean += w / double(layout->channels);
  if (!(mean > 0) || !std::isfinite(mean))
    return std::nullopt;
  for (double &w : result.weights)
    w /= mean;
  return result;
}

/// The weights of every consumer layer of `value`, summed; nullopt when a
/// consumer has none or the consumers disagree on the channel layout (the
/// unweighted MSE range then applies).
std::optional<ChannelWeights> consumerChannelWeights(Value value, ArrayRef<Operation *> layers) {
  std::optional<ChannelWeights> total;
  for (Operation *op : layers) {
    if (!llvm::is_contained(op->getOperands(), value))
      continue;
    if (op->getOperand(0) != value)
      return std::nullopt;
    auto weights = inputChannelWeights(op);
    if (!weights)
      return std::nullopt;
    if (!total) {
      total = std::move(weights);
      continue;
    }
    if (total->inner != weights->inner || total->weights.size() != weights->weights.size())
      return std::nullopt;
    for (size_t c = 0; c < total->weights.size(); ++c)
      total->weights[c] += weights->weights[c];
  }
  return total;
}

} // namespace

namespace {

struct QNNCalibratePass : impl::QNNCalibratePassBase<QNNCalibratePass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    RangeMethod rangeMethod;
    if (std::string why = parseRangeMethod(method, rangeMethod); !why.empty())
      return fail(why);
    if (percentile <= 50.0 || percentile > 100.0)
      return fail("percentile must be in (50, 100]");
    if (actBits < 2 || actBits > 16)
      return fail("act-bits must be in [2, 16]");

    // The values to observe: every layer's activation inputs.
    SmallVector<Operation *> layers;
    SmallVector<Value> probes;
    llvm::DenseMap<Value, size_t> probeIndex;
    module.walk([&](Operation *op) {
      if (!isWeightedLayer(op))
        return;
      layers.push_back(op);
      for (Value input : activationInputs(op))
        if (probeIndex.try_emplace(input, probes.size()).second)
          probes.push_back(input);
    });
    if (probes.empty())
      return; // nothing to calibrate

    auto model = compileProbedOnHost(module, probes);
    if (!model)
      return fail(llvm::toString(model.takeError()));
    auto samples = loadSamples((*model)->signature(), module);
    if (failed(samples))
      return signalPassFailure();

    std::vector<TensorObserver> observers(probes.size());
    bool histograms = rangeMethod != RangeMethod::MinMax;
    std::vector<DepthwiseInput> depthwise;
    if (channelRanges && histograms)
      depthwise = depthwiseInputs(layers);
    std::vector<std::vector<double>> layerHessians(layers.size()), layerPowers(layers.size()),
        layerMeans(layers.size()), layerAbsMax(layers.size());
    bool dataFree = inputs.empty();
    // Every layer's X^T X during the first pass, unless together they
    // outgrow the budget (accumulateHessiansInGroups).
    std::vector<std::optional<int64_t>> hessianSides(layers.size());
    double hessianBytes = 0;
    if (hessians)
      for (size_t l = 0; l < layers.size(); ++l)
        if ((hessianSides[l] = hessianColumns(layers[l], **model, probeIndex)))
          hessianBytes += accumulatorBytes(*hessianSides[l]);
    bool inGroups = hessianBytes > hessianBudgetBytes();
    // Over budget: the inputs whose rows take less room than their X^T X
    // (a decoder's 8 x 32 token rows of 3072 against 3072^2 doubles) are
    // kept during the first pass instead of costing a pass of their own.
    std::vector<HessianInput> hessianInputs;
    if (inGroups)
      hessianInputs = planHessianInputs(layers, **model, probeIndex, hessianSides, samples->size());
    auto observe = [&] {
      for (size_t i = 0; i < probes.size(); ++i)
        observers[i].observeMinMax((*model)->probe(i), (*model)->probeSize(i));
      for (DepthwiseInput &input : depthwise)
        input.observe(**model, probeIndex, /*histogram=*/false);
      // Synthetic samples have no meaningful means to correct biases by.
      for (size_t l = 0; l < layers.size(); ++l)
        accumulateChannelStats(layers[l], **model, probeIndex, dataFree ? nullptr : &layerMeans[l],
                               layerAbsMax[l]);
      if (hessians)
        for (size_t l = 0; l < layers.size(); ++l) {
          if (!hessianSides[l])
            accumulateChannelPower(layers[l], **model, probeIndex, layerPowers[l]);
          else if (!inGroups)
            accumulateHessian(layers[l], **model, probeIndex, layerHessians[l]);
        }
      for (HessianInput &input : hessianInputs)
        if (input.captured) {
          const float *data = (*model)->probe(input.probe);
          input.rows.insert(input.rows.end(), data, data + (*model)->probeSize(input.probe));
        }
    };
    if (failed(forEachRun(**model, *samples, "calibration", observe)))
      return;
    if (histograms) {
      std::vector<std::optional<ChannelWeights>> channelWeights(probes.size());
      if (rangeMethod == RangeMethod::LayerError)
        for (size_t i = 0; i < probes.size(); ++i)
          channelWeights[i] = consumerChannelWeights(probes[i], layers);
      for (TensorObserver &observer : observers)
        observer.startHistograms();
      for (DepthwiseInput &input : depthwise)
        input.startHistograms();
      auto observeHistograms = [&] {
        for (size_t i = 0; i < probes.size(); ++i) {
          const float *data = (*model)->probe(i);
          int64_t size = (*model)->probeSize(i);
          if (channelWeights[i])
            observers[i].observeWeightedHistogram(data, size, channelWeights[i]->weights,
                                                  channelWeights[i]->inner);
          else
            observers[i].observeHistogram(data, size);
        }
        for (DepthwiseInput &input : depthwise)
          input.observe(**model, probeIndex, /*histogram=*/true);
      };
      if (failed(forEachRun(**model, *samples, "calibration (histograms)", observeHistograms)))
        return;
    }
    for (size_t i = 0; i < probes.size(); ++i) {
      auto [lo, hi] = observers[i].range(rangeMethod, percentile, actBits);
      // Synthetic inputs say little about deep activations; BatchNorm's own
      // statistics say more where they describe the value.
      if (auto fromBatchNorm = dataFree ? batchNormRange(probes[i]) : std::nullopt)
        std::tie(lo, hi) = *fromBatchNorm;
      setCalibratedRange(probes[i], lo, hi);
    }
    for (DepthwiseInput &input : depthwise)
      input.storeBoundsIfBetter(actBits);
    if (inGroups &&
        failed(accumulateHessiansInGroups(layers, **model, *samples, probeIndex, hessianInputs)))
      return;
    // In groups, layerHessians stay empty: activation sensitivity then
    // weighs input channels by the weights alone.
    if (actSensitivity && failed(measureActivationSensitivity(layers, **model, *samples, probeIndex,
                                                              observers, layerHessians)))
      return;
    for (size_t l = 0; l < layers.size(); ++l) {
      if (!layerHessians[l].empty())
        storeLayerHessian(layers[l], layerHessians[l], double(samples->size()));
      if (!layerPowers[l].empty()) {
        for (double &power : layerPowers[l])
          power /= double(samples->size());
        layers[l]->setAttr("qnn.input_power", DenseF64ArrayAttr::get(&getContext(), layerPowers[l]));
      }
      if (!layerMeans[l].empty()) {
        for (double &mean : layerMeans[l])
          mean /= double(samples->size());
        layers[l]->setAttr("qnn.input_mean", DenseF64ArrayAttr::get(&getContext(), layerMeans[l]));
      }
      if (!layerAbsMax[l].empty())
        layers[l]->setAttr("qnn.input_absmax", DenseF64ArrayAttr::get(&getContext(), layerAbsMax[l]));
    }
  }

  void fail(const std::string &message) {
    getOperation().emitError() << "qnn-calibrate: " << message;
    signalPassFailure();
  }

  /// Runs every sample (concurrently) and calls `consume` after each, in
  /// sample order, with the model's output(i)/probe(i) reading that run:
  /// the statistics do not depend on the thread count.
  LogicalResult forEachRun(ProbedModel &model, const std::vector<Sample> &samples,
                           llvm::StringRef step, llvm::function_ref<void()> consume) {
    Progress progress(step.str(), samples.size(), "samples");
    std::vector<ProbedModel::Outputs> slots(sampleSlots(model.outputBytes()));
    auto run = [&](size_t s, unsigned slot) { return model.run(samples[s].buffers(), slots[slot]); };
    auto select = [&](size_t, unsigned slot) {
      model.select(slots[slot]);
      consume();
      progress.advance();
      return llvm::Error::success();
    };
    if (auto error = forEachSample(samples.size(), run, select, unsigned(slots.size()))) {
      fail(llvm::toString(std::move(error)));
      return failure();
    }
    return success();
  }

  FailureOr<std::vector<Sample>> loadSamples(const ModelSignature &want, ModuleOp module) {
    std::string error;
    std::vector<std::string> paths(inputs.begin(), inputs.end());
    auto samples = calibrationSamples(module, want, paths, dataFreeSamples, error);
    if (failed(samples))
      fail(error);
    return samples;
  }

  /// Accumulates the layer's X^T X; false when it has none (no constant
  /// weight, grouped or transposed convolutions). `replacement`, when
  /// given, is read instead of the input (an error tensor of its shape).
  bool accumulateHessian(Operation *op, ProbedModel &model,
                         const llvm::DenseMap<Value, size_t> &probeIndex,
                         std::vector<double> &hessian, const float *replacement = nullptr) {
    auto columns = hessianColumns(op, model, probeIndex);
    if (!columns)
      return false;
    size_t probe = probeIndex.lookup(op->getOperand(0));
    const float *data = replacement ? replacement : model.probe(probe);
    if (auto conv = dyn_cast<ConvOp>(op))
      accumulateConvHessian(data, convGeometryOf(conv, model.probeShape(probe).shape), hessian);
    else
      accumulateMatrixHessian(data, model.probeSize(probe) / *columns, *columns, hessian);
    return true;
  }

  /// What accumulating one columns x columns X^T X takes (in double).
  static double accumulatorBytes(int64_t columns) { return 8.0 * double(columns) * double(columns); }
  double hessianBudgetBytes() const { return double(hessianBudgetMB) * (1 << 20); }

  /// The side of the layer's X^T X, or nullopt when it has none.
  static std::optional<int64_t> hessianColumns(Operation *op, ProbedModel &model,
                                               const llvm::DenseMap<Value, size_t> &probeIndex) {
    // Grouped/depthwise weights see other inputs per channel group.
    if (!floatWeight(op) || isGroupedOrTransposedConv(op))
      return std::nullopt;
    auto inputs = activationInputs(op);
    if (inputs.size() != 1 || inputs[0] != op->getOperand(0))
      return std::nullopt;
    auto shape = model.probeShape(probeIndex.lookup(inputs[0])).shape;
    if (auto conv = dyn_cast<ConvOp>(op)) {
      if (shape.size() != 4)
        return std::nullopt;
      ConvGeometry g = convGeometryOf(conv, shape);
      return g.channels * g.kernelH * g.kernelW;
    }
    if (shape.empty())
      return std::nullopt;
    return shape.back();
  }

  /// A tensor whose X^T X serves one or more layers: layers that read one
  /// tensor as matrix rows (a decoder's Q/K/V, its gate and up projections)
  /// share it.
  struct HessianInput {
    std::vector<size_t> layers; // the first one accumulates
    int64_t columns;
    size_t probe;
    int64_t rowsPerSample;
    bool captured = false;   // its rows are kept during the first pass
    std::vector<float> rows; // then: every sample's rows, in sample order
  };

  double captureBudgetBytes() const { return double(captureBudgetMB) * (1 << 20); }

  /// The inputs whose X^T X outgrow hessian-budget-mb together (a 3 B
  /// decoder's need 28 GB): those whose rows over all samples take less
  /// room than their X^T X are captured while capture-budget-mb allows.
  std::vector<HessianInput> planHessianInputs(ArrayRef<Operation *> layers, ProbedModel &model,
                                              const llvm::DenseMap<Value, size_t> &probeIndex,
                                              ArrayRef<std::optional<int64_t>> columns,
                                              size_t sampleCount) {
    std::vector<HessianInput> inputs;
    llvm::DenseMap<size_t, size_t> matrixInput; // probe -> inputs index
    for (auto [l, op] : llvm::enumerate(layers)) {
      if (!columns[l])
        continue;
      size_t probe = probeIndex.lookup(op->getOperand(0));
      auto found = isa<ConvOp>(op) ? matrixInput.end() : matrixInput.find(probe);
      if (found != matrixInput.end()) {
        inputs[found->second].layers.push_back(l);
        continue;
      }
      if (!isa<ConvOp>(op))
        matrixInput[probe] = inputs.size();
      HessianInput input;
      input.layers = {l};
      input.columns = *columns[l];
      input.probe = probe;
      input.rowsPerSample = model.probeSize(probe) / *columns[l];
      inputs.push_back(std::move(input));
    }
    double captureBytes = 0;
    for (HessianInput &input : inputs) {
      if (isa<ConvOp>(layers[input.layers.front()]))
        continue; // X^T X of im2col patches: rows are positions x kernel windows
      double bytes = 4.0 * double(sampleCount) * double(model.probeSize(input.probe));
      if (bytes < accumulatorBytes(input.columns) && captureBytes + bytes <= captureBudgetBytes()) {
        input.captured = true;
        captureBytes += bytes;
      }
    }
    return inputs;
  }

  /// X^T X of the captured inputs, from their rows, sample by sample as the
  /// first pass would have summed them; then the others, in groups that fit
  /// the budget, one pass over the samples per group. Each is stored (on
  /// disk: MappedPages.h) and freed before the next.
  LogicalResult accumulateHessiansInGroups(ArrayRef<Operation *> layers, ProbedModel &model,
                                           const std::vector<Sample> &samples,
                                           const llvm::DenseMap<Value, size_t> &probeIndex,
                                           std::vector<HessianInput> &inputs) {
    auto store = [&](HessianInput &input, std::vector<double> &sum) {
      Operation *first = layers[input.layers.front()];
      storeLayerHessian(first, sum, double(samples.size()));
      for (size_t l : input.layers)
        layers[l]->setAttr("qnn.hessian", first->getAttr("qnn.hessian"));
      std::vector<double>().swap(sum);
    };
    std::vector<HessianInput *> captured, passes;
    for (HessianInput &input : inputs)
      (input.captured ? captured : passes).push_back(&input);
    {
      Progress progress("calibration (X^T X of captured inputs)", captured.size(), "inputs");
      for (HessianInput *input : captured) {
        std::vector<double> sum;
        accumulateMatrixHessianOverSamples(input->rows.data(), int64_t(samples.size()),
                                           input->rowsPerSample, input->columns, sum);
        std::vector<float>().swap(input->rows);
        store(*input, sum);
        progress.advance();
      }
    }
    auto bytes = [](const HessianInput *input) { return accumulatorBytes(input->columns); };
    double budget = hessianBudgetBytes();
    std::vector<std::pair<size_t, size_t>> groups; // [begin, end) of passes
    for (size_t begin = 0, end; begin < passes.size(); begin = end) {
      double used = bytes(passes[begin]);
      for (end = begin + 1; end < passes.size() && used + bytes(passes[end]) <= budget; ++end)
        used += bytes(passes[end]);
      groups.push_back({begin, end});
    }
    for (auto [index, group] : llvm::enumerate(groups)) {
      size_t begin = group.first, end = group.second;
      std::vector<std::vector<double>> sums(end - begin);
      auto observe = [&] {
        for (size_t i = begin; i < end; ++i)
          accumulateHessian(layers[passes[i]->layers.front()], model, probeIndex, sums[i - begin]);
      };
      std::string step = "calibration (X^T X, group " + std::to_string(index + 1) + " of " +
                         std::to_string(groups.size()) + ")";
      if (failed(forEachRun(model, samples, step, observe)))
        return failure();
      for (size_t i = begin; i < end; ++i)
        store(*passes[i], sums[i - begin]);
    }
    return success();
  }

  /// For convolutions without X^T X: the mean square of each input channel
  /// (NCHW), the diagonal Hessian sensitivity falls back to.
  void accumulateChannelPower(Operation *op, ProbedModel &model,
                              const llvm::DenseMap<Value, size_t> &probeIndex,
                              std::vector<double> &power) {
    auto inputs = activationInputs(op);
    if (!floatWeight(op) || !isa<ConvOp, ConvTransposeOp>(op) || inputs.size() != 1 ||
        inputs[0] != op->getOperand(0))
      return;
    size_t probe = probeIndex.lookup(inputs[0]);
    auto shape = model.probeShape(probe).shape;
    if (shape.size() != 4)
      return;
    const float *data = model.probe(probe);
    int64_t channels = shape[1], plane = shape[2] * shape[3];
    power.resize(channels, 0.0);
    for (int64_t n = 0; n < shape[0]; ++n)
      for (int64_t c = 0; c < channels; ++c) {
        const float *x = data + (n * channels + c) * plane;
        double sum = 0;
        for (int64_t i = 0; i < plane; ++i)
          sum += double(x[i]) * x[i];
        power[c] += sum / double(plane * shape[0]);
      }
  }


  /// For --act-bits auto: how much quantizing each layer's input at 8 and
  /// at 16 bits disturbs the layer's output, in the units of the Hessian
  /// weight sensitivity: E||W e||^2 / E||W x||^2 with e = fq(x) - x, exactly
  /// (tr(W E[e e^T] W^T) from the im2col'd errors) where the layer has
  /// X^T X, per input channel (diagonal) otherwise. 8 bits use the
  /// calibrated range, 16 bits the min/max one (`qnn.act_range16`).
  LogicalResult measureActivationSensitivity(ArrayRef<Operation *> layers, ProbedModel &model,
                                             const std::vector<Sample> &samples,
                                             const llvm::DenseMap<Value, size_t> &probeIndex,
                                             const std::vector<TensorObserver> &observers,
                                             const std::vector<std::vector<double>> &hessians) {
    struct Measured {
      std::array<ActivationParams, 2> params; // 8 and 16 bits
      std::array<std::vector<double>, 2> errorHessian, errorPower;
      std::vector<double> inputPower;
      std::optional<ChannelWeights> channelWeights;
      bool eligible = false;
    };
    std::vector<Measured> measured(layers.size());
    for (auto [l, op] : llvm::enumerate(layers)) {
      auto probe = probeIndex.find(op->getOperand(0));
      auto range = probe == probeIndex.end() ? std::nullopt : calibratedRange(op->getOperand(0));
      if (!floatWeight(op) || !range)
        continue;
      const TensorObserver &observer = observers[probe->second];
      Measured &m = measured[l];
      m.params[0] = activationParams(range->first, range->second, 8, false);
      m.params[1] = activationParams(observer.min(), observer.max(), 16, true);
      m.channelWeights = hessians[l].empty() ? inputChannelWeights(op) : std::nullopt;
      // A depthwise input quantized per channel stays int8: its 16-bit form
      // is one range per tensor, and on rec the layers after such a
      // 16-bit depthwise convolution read 3 dB further from float
      // (bench/RESULTS.md).
      m.eligible = (!hessians[l].empty() || m.channelWeights) &&
                   !op->hasAttr("qnn.input_channel_bounds");
      op->setAttr("qnn.act_range16",
                  DenseF64ArrayAttr::get(&getContext(), {std::min(observer.min(), 0.0),
                                                         std::max(observer.max(), 0.0)}));
    }
    std::vector<float> error;
    auto measure = [&] {
      for (auto [l, op] : llvm::enumerate(layers)) {
        Measured &m = measured[l];
        if (!m.eligible)
          continue;
        size_t probe = probeIndex.lookup(op->getOperand(0));
        const float *x = model.probe(probe);
        int64_t size = model.probeSize(probe);
        error.resize(size);
        for (int width = 0; width < 2; ++width) {
          for (int64_t i = 0; i < size; ++i)
            error[i] = m.params[width].fakeQuantize(x[i]) - x[i];
          if (!hessians[l].empty()) {
            accumulateHessian(op, model, probeIndex, m.errorHessian[width], error.data());
            continue;
          }
          int64_t channels = int64_t(m.channelWeights->weights.size()), inner = m.channelWeights->inner;
          m.errorPower[width].resize(channels, 0.0);
          m.inputPower.resize(channels, 0.0);
          for (int64_t i = 0; i < size; ++i) {
            int64_t c = (i / inner) % channels;
            m.errorPower[width][c] += double(error[i]) * error[i];
            if (width == 0)
              m.inputPower[c] += double(x[i]) * x[i];
          }
        }
      }
    };
    if (failed(forEachRun(model, samples, "activation sensitivity", measure)))
      return failure();
    for (auto [l, op] : llvm::enumerate(layers)) {
      Measured &m = measured[l];
      if (!m.eligible)
        continue;
      std::array<double, 2> omega{};
      if (!hessians[l].empty()) {
        auto weight = readFloats(floatWeight(op));
        auto shape = cast<RankedTensorType>(floatWeight(op).getType()).getShape();
        auto layout = WeightLayout::fromAxes({shape.begin(), shape.end()}, weightChannelAxis(op));
        // sum_r w_r M w_r^T: the weight's error against all zeros, weighted by M.
        std::vector<float> zeros(weight->size(), 0.f);
        auto energy = [&](const std::vector<double> &m) {
          return int64_t(m.size()) == layout.columns * layout.columns
                     ? hessianWeightedError(*weight, zeros, layout, m)
                     : 0.0;
        };
        double signal = energy(hessians[l]);
        for (int width = 0; width < 2; ++width)
          omega[width] = signal > 0 ? energy(m.errorHessian[width]) / signal : 0;
      } else {
        double signal = 0;
        for (size_t c = 0; c < m.inputPower.size(); ++c)
          signal += m.channelWeights->weights[c] * m.inputPower[c];
        for (int width = 0; width < 2; ++width) {
          double noise = 0;
          for (size_t c = 0; c < m.inputPower.size(); ++c)
            noise += m.channelWeights->weights[c] * m.errorPower[width][c];
          omega[width] = signal > 0 ? noise / signal : 0;
        }
      }
      op->setAttr("qnn.act_sensitivity", DenseF64ArrayAttr::get(&getContext(), omega));
    }
    return success();
  }

  /// The mean of every (channel, kh, kw) patch element over the output
  /// positions, padding read as zero: at the borders of small feature maps
  /// (rec's are 3 rows high) it is far from the channel mean.
  static void accumulateConvColumnMeans(const float *x, const ConvGeometry &g,
                                        std::vector<double> &means) {
    int64_t kernel = g.kernelH * g.kernelW, oh = g.outHeight(), ow = g.outWidth();
    means.resize(g.channels * kernel, 0.0);
    double positions = double(g.batch * oh * ow);
    for (int64_t n = 0; n < g.batch; ++n)
      for (int64_t c = 0; c < g.channels; ++c) {
        const float *plane = x + (n * g.channels + c) * g.height * g.width;
        for (int64_t kh = 0; kh < g.kernelH; ++kh)
          for (int64_t kw = 0; kw < g.kernelW; ++kw) {
            double sum = 0;
            for (int64_t y = 0; y < oh; ++y) {
              int64_t iy = y * g.strideH - g.padTop + kh * g.dilationH;
              if (iy < 0 || iy >= g.height)
                continue;
              for (int64_t xo = 0; xo < ow; ++xo) {
                int64_t ix = xo * g.strideW - g.padLeft + kw * g.dilationW;
                if (ix >= 0 && ix < g.width)
                  sum += plane[iy * g.width + ix];
              }
            }
            means[c * kernel + kh * g.kernelW + kw] += sum / positions;
          }
      }
  }

  /// Per input channel of a layer with a constant weight: the largest
  /// magnitude (for SmoothQuant) and, unless `means` is null, the mean of
  /// each weight column's input (for bias correction; summed over samples):
  /// per (channel, kh, kw) patch element for convolutions.
  void accumulateChannelStats(Operation *op, ProbedModel &model,
                              const llvm::DenseMap<Value, size_t> &probeIndex,
                              std::vector<double> *means, std::vector<double> &absMax) {
    auto layout = inputChannelLayout(op);
    auto probe = probeIndex.find(op->getOperand(0));
    if (!floatWeight(op) || !layout || probe == probeIndex.end())
      return;
    int64_t size = model.probeSize(probe->second);
    int64_t perChannel = size / layout->channels;
    if (size % (layout->channels * layout->inner) != 0)
      return;
    const float *data = model.probe(probe->second);
    absMax.resize(layout->channels, 0.0);
    for (int64_t i = 0; i < size; ++i) {
      double &m = absMax[(i / layout->inner) % layout->channels];
      m = std::max(m, double(std::fabs(data[i])));
    }
    if (!means)
      return;
    auto conv = dyn_cast<ConvOp>(op);
    if (conv && model.probeShape(probe->second).shape.size() == 4) {
      accumulateConvColumnMeans(data, convGeometryOf(conv, model.probeShape(probe->second).shape),
                                *means);
      return;
    }
    if (isa<ConvTransposeOp>(op))
      return; // no bias correction for it
    means->resize(layout->channels, 0.0);
    for (int64_t i = 0; i < size; ++i)
      (*means)[(i / layout->inner) % layout->channels] += double(data[i]) / double(perChannel);
  }
};

} // namespace
} // namespace quantc::qnn
