// qnn-refit-weights: each layer's float weight refit, by ridge least
// squares, to the inputs the quantized model will feed it (see Passes.td).
// Layers go in program order: layer l's inputs come from a model whose
// earlier layers already hold their final quantized weights, so no layer
// compensates for an error an earlier refit has already removed.
#include "passes/Transforms/Calibration.h"
#include "passes/Transforms/ConstantUtils.h"
#include "passes/Transforms/Layers.h"
#include "passes/Transforms/Passes.h"

#include "quantc/Analysis/Hessian.h"
#include "quantc/Analysis/Quantizer.h"
#include "quantc/Support/Parallel.h"
#include "quantc/Support/Progress.h"

#include "dialects/QNN/QNNOps.h"
#include "llvm/ADT/ScopeExit.h"
#include "mlir/Pass/PassManager.h"

namespace quantc::qnn {
#define GEN_PASS_DEF_QNNREFITWEIGHTSPASS
#include "passes/Transforms/Passes.h.inc"

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kRefitId = "qnn.refit_id";

/// A layer qnn-quantize will quantize: the op, its scheme and, in the trial
/// module, its input (after the trial's activation quantization) and float
/// weight. Layers without X^T X (grouped convolutions) are not refit, but
/// run in the trial with the weights round to nearest gives them.
struct RefitLayer {
  Operation *op;
  WeightScheme scheme;
  bool refits;
  Value trialInput, trialWeight;
  std::vector<float> weight; // what the trial model runs with
  int64_t probe = -1;        // index among the probed (refit) layers
  // A refit layer's bias, a trial input too: the refit centers the layer's
  // output, and the layers after it must see that.
  Value trialBias;
  std::vector<float> bias;
  double biasFactor = 1;
};

struct QNNRefitWeightsPass : impl::QNNRefitWeightsPassBase<QNNRefitWeightsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (!(damping > 0.0)) {
      module.emitError() << "qnn-refit-weights: damping must be positive, got " << double(damping);
      return signalPassFailure();
    }
    WeightMethod weightMethod;
    if (std::string why = parseWeightMethod(method, weightMethod); !why.empty())
      return fail(why);
    WeightScheme base;
    base.symmetric = symmetric;
    base.groupSize = groupSize;
    base.searchClip = clipSearch;
    std::string error;
    auto rules = parseBitsRules(bits, base, error);
    if (failed(rules))
      return fail(error);

    std::vector<RefitLayer> layers;
    module.walk([&](Operation *op) {
      auto scheme = isWeightedLayer(op) && floatWeight(op) ? layerScheme(op, *rules, base)
                                                           : std::nullopt;
      auto values = scheme ? readFloats(floatWeight(op)) : std::nullopt;
      if (!values)
        return;
      bool refits = op->hasAttr("qnn.hessian") &&
                    activationInputs(op) == SmallVector<Value>{op->getOperand(0)};
      if (!refits)
        if (auto rounded = quantizeLayerWeight(op, *scheme))
          values = dequantizeWeights(rounded->quantized, rounded->layout);
      layers.push_back({op, *scheme, refits, {}, {}, std::move(*values), -1, {}, {}, 1});
    });
    for (RefitLayer &layer : layers)
      if (layer.refits)
        giveOwnBias(layer);
    if (llvm::none_of(layers, [](const RefitLayer &layer) { return layer.refits; }))
      return;
    auto trial = activationTrial(module, layers);
    if (failed(trial))
      return signalPassFailure();
    if (failed(refitInOrder(module, layers, **trial, weightMethod)))
      return signalPassFailure();
  }

  void fail(const std::string &message) {
    getOperation().emitError() << "qnn-refit-weights: " << message;
    signalPassFailure();
  }

  /// A fresh bias constant for the layer alone (zeros for a Conv without
  /// one), so that the trial can take it as an input; none where the layer
  /// has no per-channel bias to shift.
  static void giveOwnBias(RefitLayer &layer) {
    auto weight = cast<RankedTensorType>(floatWeight(layer.op).getType());
    int64_t rows = weight.getDimSize(weightChannelAxis(layer.op));
    Value old = layerBias(layer.op).value;
    if (!shiftLayerBias(layer.op, std::vector<double>(size_t(rows), 0.0), "bias"))
      return;
    eraseIfDead(old);
    LayerBias bias = layerBias(layer.op);
    if (auto values = readFloats(bias.value)) {
      layer.bias = std::move(*values);
      layer.biasFactor = bias.factor;
    }
  }

  static void eraseIfDead(Value value) {
    if (value && value.use_empty() && value.getDefiningOp())
      value.getDefiningOp()->erase();
  }

  /// The module with qnn-quantize's activation quantize/dequantize pairs
  /// and float weights (which the trial model takes as inputs), and each
  /// layer's input and weight there.
  FailureOr<OwningOpRef<ModuleOp>> activationTrial(ModuleOp module,
                                                   std::vector<RefitLayer> &layers) {
    auto i64 = IntegerType::get(&getContext(), 64);
    for (auto [index, layer] : llvm::enumerate(layers))
      layer.op->setAttr(kRefitId, IntegerAttr::get(i64, int64_t(index)));
    OwningOpRef<ModuleOp> trial(module.clone());
    for (RefitLayer &layer : layers)
      layer.op->removeAttr(kRefitId);
    trial->walk([](Operation *op) { op->removeAttr("qnn.weight_format"); });
    PassManager pm(&getContext());
    QNNQuantizePassOptions options;
    options.bits = "none";
    options.actBits = actBits;
    options.actSymmetric = actSymmetric;
    pm.addPass(createQNNQuantizePass(options));
    if (failed(pm.run(*trial))) {
      fail("quantizing the trial model's activations failed");
      return failure();
    }
    trial->walk([&](Operation *op) {
      auto id = op->getAttrOfType<IntegerAttr>(kRefitId);
      if (!id)
        return;
      op->removeAttr(kRefitId);
      if (uint64_t(id.getInt()) < layers.size()) {
        RefitLayer &layer = layers[id.getInt()];
        layer.trialInput = op->getOperand(0);
        layer.trialWeight = floatWeight(op);
        if (!layer.bias.empty())
          layer.trialBias = layerBias(op).value;
      }
    });
    for (const RefitLayer &layer : layers)
      if (!layer.trialInput || !layer.trialWeight || (!layer.bias.empty() && !layer.trialBias)) {
        fail("layer '" + layerName(layer.op) + "' is missing from the trial model");
        return failure();
      }
    return trial;
  }

  /// Layer by layer: the trial model with the earlier layers' final
  /// weights gives G and D, the refit weight is rounded against G, and the
  /// rounded weight replaces the float one in the trial model.
  LogicalResult refitInOrder(ModuleOp module, std::vector<RefitLayer> &layers, ModuleOp trial,
                             WeightMethod weightMethod) {
    SmallVector<Value> floatInputs, trialInputs, trialWeights;
    for (RefitLayer &layer : layers)
      trialWeights.push_back(layer.trialWeight);
    for (RefitLayer &layer : layers)
      if (layer.trialBias)
        trialWeights.push_back(layer.trialBias);
    for (RefitLayer &layer : layers) {
      if (!layer.refits)
        continue;
      layer.probe = int64_t(floatInputs.size());
      floatInputs.push_back(layer.op->getOperand(0));
      trialInputs.push_back(layer.trialInput);
    }
    auto target = resolveTarget("host");
    if (!target)
      return fail(llvm::toString(target.takeError())), failure();
    auto floatModel = ProbedModel::compile(module, floatInputs, *target);
    if (!floatModel)
      return fail(llvm::toString(floatModel.takeError())), failure();
    auto trialModel = ProbedModel::compile(trial, trialInputs, *target, trialWeights);
    if (!trialModel)
      return fail(llvm::toString(trialModel.takeError())), failure();
    std::string error;
    std::vector<std::string> paths(inputs.begin(), inputs.end());
    // qnn-calibrate already warned about data-free samples.
    auto samples = calibrationSamples(module, (*floatModel)->signature(), paths, dataFreeSamples,
                                      error, /*warnDataFree=*/false);
    if (failed(samples))
      return fail(error), failure();

    // The float model's layer inputs, once per sample.
    std::vector<std::vector<std::vector<float>>> floatInput(samples->size());
    std::vector<ProbedModel::Outputs> slots(sampleSlots());
    auto runFloat = [&](size_t s, unsigned slot) {
      return (*floatModel)->run((*samples)[s].buffers(), slots[slot]);
    };
    auto keepInputs = [&](size_t s, unsigned slot) {
      for (size_t p = 0; p < floatInputs.size(); ++p) {
        const float *x = (*floatModel)->probe(slots[slot], p);
        floatInput[s].emplace_back(x, x + (*floatModel)->probeSize(p));
      }
      return llvm::Error::success();
    };
    if (auto e = forEachSample(samples->size(), runFloat, keepInputs))
      return fail(llvm::toString(std::move(e))), failure();
    Progress progress("refit and rounding (" + method.getValue() + ")",
                      size_t(llvm::count_if(layers, [](const RefitLayer &l) { return l.refits; })),
                      "layers");
    for (RefitLayer &layer : layers) {
      if (!layer.refits)
        continue;
      llvm::scope_exit advance([&] { progress.advance(); });
      int64_t p = layer.probe;
      // The trial's weight and bias inputs, as the layers before this one left them.
      std::vector<const void *> parameters;
      for (const RefitLayer &other : layers)
        parameters.push_back(other.weight.data());
      for (const RefitLayer &other : layers)
        if (other.trialBias)
          parameters.push_back(other.bias.data());
      PatchMoments moments;
      bool accumulates = true;
      auto run = [&](size_t s, unsigned slot) {
        auto own = (*samples)[s].buffers();
        std::vector<const void *> buffers(own.begin(), own.end());
        buffers.insert(buffers.end(), parameters.begin(), parameters.end());
        return (*trialModel)->run(buffers, slots[slot]);
      };
      // In sample order, so the sums do not depend on the thread count.
      auto accumulate = [&](size_t s, unsigned slot) {
        // The input error x~ - x, exact in float, rather than x itself.
        std::vector<float> &error = floatInput[s][p];
        const float *quantized = (*trialModel)->probe(slots[slot], p);
        for (size_t i = 0; i < error.size(); ++i)
          error[i] = quantized[i] - error[i];
        accumulates = accumulates && accumulateMoments(layer.op, quantized, error.data(),
                                                       (*floatModel)->probeShape(p).shape, moments);
        floatInput[s][p] = {}; // read for the last time
        return llvm::Error::success();
      };
      if (auto e = forEachSample(samples->size(), run, accumulate))
        return fail(llvm::toString(std::move(e))), failure();
      std::vector<float> floatWeights = layer.weight;
      if (!moments.gram.empty()) {
        for (double &value : moments.gram)
          value /= double(samples->size());
        for (double &value : moments.cross)
          value /= double(samples->size());
        refit(layer, moments.gram, moments.cross);
      }
      // The weight the quantized model will hold feeds the layers after it.
      auto hessian = layerHessian(layer.op);
      auto rounded = quantizeLayerWeight(layer.op, layer.scheme, hessian ? &*hessian : nullptr,
                                         weightMethod, /*finalWeights=*/true);
      if (!rounded)
        continue;
      layer.weight = dequantizeWeights(rounded->quantized, rounded->layout);
      if (layer.trialBias && moments.patches > 0)
        centerOutput(layer, rounded->layout, floatWeights, moments);
    }
    return success();
  }

  /// The layer's weight refit to G and C, and G its qnn.hessian; a layer
  /// whose system is singular keeps both.
  void refit(RefitLayer &layer, const std::vector<double> &gram, const std::vector<double> &errorCross) {
    Value weight = floatWeight(layer.op);
    auto type = cast<RankedTensorType>(weight.getType());
    auto shape = type.getShape();
    WeightLayout layout = WeightLayout::fromAxes({shape.begin(), shape.end()}, weightChannelAxis(layer.op));
    std::vector<float> refit = layer.weight;
    if (!refitToQuantizedInputs(refit, layout, gram, errorCross, damping))
      return;
    OpBuilder b(layer.op);
    layer.op->setOperand(1, makeConstant(b, weight.getLoc(), type, refit, "refit_weight"));
    if (weight.use_empty())
      weight.getDefiningOp()->erase();
    storeLayerHessian(layer.op, gram, 1.0);
  }

  /// The bias that makes the layer's mean output in the quantized model,
  /// W_q E[x~] + b', equal the float one, W E[x] + b (x = x~ - (x~ - x)):
  /// least squares with a bias column, once W_q is fixed. Rounding and
  /// upstream errors shift the mean in ways no weight refit removes (a max
  /// pool of noisy inputs reads high, for one).
  static void centerOutput(RefitLayer &layer, const WeightLayout &layout,
                           const std::vector<float> &floatWeights, const PatchMoments &moments) {
    if (int64_t(moments.xSum.size()) != layout.columns || int64_t(layer.bias.size()) != layout.rows)
      return;
    double patches = double(moments.patches);
    std::vector<double> shift(size_t(layout.rows), 0.0);
    for (int64_t r = 0; r < layout.rows; ++r)
      for (int64_t c = 0; c < layout.columns; ++c) {
        int64_t at = layout.offset(r, c);
        double quantizedMean = moments.xSum[c] / patches;
        double floatMean = quantizedMean - moments.ySum[c] / patches;
        shift[r] += layer.weight[at] * quantizedMean - floatWeights[at] * floatMean;
      }
    Value old = layerBias(layer.op).value;
    if (!shiftLayerBias(layer.op, shift, "bias_centered"))
      return;
    eraseIfDead(old);
    for (int64_t r = 0; r < layout.rows; ++r)
      layer.bias[r] = float(layer.bias[r] - layer.biasFactor * shift[r]);
  }

  /// Adds the layer input's patches (quantized input and its error) to
  /// `moments`; false for layers calibration has no X^T X for either.
  static bool accumulateMoments(Operation *op, const float *quantized, const float *error,
                                ArrayRef<int64_t> shape, PatchMoments &moments) {
    if (isGroupedOrTransposedConv(op))
      return false;
    if (auto conv = dyn_cast<ConvOp>(op)) {
      if (shape.size() != 4)
        return false;
      ConvGeometry g = convGeometryOf(conv, shape);
      accumulateConvMoments(quantized, error, g, moments);
      return true;
    }
    if (shape.empty())
      return false;
    int64_t columns = shape.back(), rows = 1;
    for (int64_t d : shape)
      rows *= d;
    rows /= columns;
    accumulateMatrixMoments(quantized, error, rows, columns, moments);
    return true;
  }
};

} // namespace
} // namespace quantc::qnn
