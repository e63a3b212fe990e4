// qnn-sensitivity: Omega(layer, bits) for every layer and candidate bit-width.
#include "passes/Transforms/Layers.h"
#include "passes/Transforms/Passes.h"
#include "passes/Transforms/WeightSwap.h"

#include "quantc/Analysis/Sensitivity.h"
#include "quantc/Support/Parallel.h"
#include "quantc/Support/Progress.h"

#include "dialects/QNN/QNNOps.h"

#include <cmath>

namespace quantc::qnn {
#define GEN_PASS_DEF_QNNSENSITIVITYPASS
#include "passes/Transforms/Passes.h.inc"

using namespace mlir;

namespace {

/// The weight of `layer` dequantized after quantizing to `bits`.
struct Candidate {
  std::optional<QuantizedLayerWeight> layer;
  std::vector<float> dequantized;
};
Candidate quantizeCandidate(Operation *op, unsigned bits, int64_t groupSize, bool symmetric,
                            const std::vector<double> *hessian, WeightMethod method) {
  WeightScheme scheme;
  scheme.bits = bits;
  scheme.groupSize = groupSize;
  scheme.symmetric = symmetric;
  Candidate candidate{quantizeLayerWeight(op, scheme, hessian, method), {}};
  if (candidate.layer)
    candidate.dequantized = dequantizeWeights(candidate.layer->quantized, candidate.layer->layout);
  return candidate;
}

/// Per (row, column) input power for the diagonal Hessian: column c of row r
/// reads input channel group(r) * channelsPerGroup + c / kernelSize.
std::optional<std::vector<double>> diagonalPower(Operation *op, const QuantizedLayerWeight &layer) {
  auto power = op->getAttrOfType<DenseF64ArrayAttr>("qnn.input_power");
  if (!power || layer.shape.size() != 4)
    return std::nullopt;
  int64_t rows = layer.layout.rows, columns = layer.layout.columns;
  int64_t kernel = layer.shape[2] * layer.shape[3];
  int64_t groups = 1;
  if (auto conv = dyn_cast<ConvOp>(op))
    groups = conv.getGroup();
  int64_t channelsPerGroup = columns / kernel, rowsPerGroup = rows / groups;
  std::vector<double> perElement(rows * columns);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < columns; ++c) {
      int64_t channel = (r / rowsPerGroup) * channelsPerGroup + c / kernel;
      if (channel >= int64_t(power.size()))
        return std::nullopt;
      perElement[r * columns + c] = power[channel];
    }
  return perElement;
}

/// Divergence of `approx` from `reference` (one model output).
OutputDivergence outputDivergence(const float *reference, const float *approx,
                                  const TensorSignature &output, bool kl) {
  int64_t count = output.numel();
  if (!kl) {
    double noise = 0, signal = 0;
    for (int64_t i = 0; i < count; ++i) {
      double d = double(approx[i]) - double(reference[i]);
      noise += d * d, signal += double(reference[i]) * reference[i];
    }
    return {signal > 0 ? noise / signal : noise, 0.0};
  }
  // KL(p || q) per distribution along the last axis, averaged; outputs
  // that are not distributions (non-negative, summing to 1) use the MSE.
  int64_t width = output.shape.empty() ? 1 : output.shape.back();
  for (int64_t row = 0; row < count / width; ++row) {
    double sum = 0;
    for (int64_t i = row * width; i < (row + 1) * width; ++i) {
      if (reference[i] < 0)
        return outputDivergence(reference, approx, output, /*kl=*/false);
      sum += reference[i];
    }
    if (std::fabs(sum - 1.0) > 1e-3)
      return outputDivergence(reference, approx, output, /*kl=*/false);
  }
  // Beside KL, the float model's top class: rec's text turns on it (with
  // the final layer's 4-bit floor, 0.5 CER points closer to the truth over
  // five budgets on held-out lines; bench/RESULTS.md).
  return outputKLDivergence(reference, approx, count / width, width);
}

struct QNNSensitivityPass : impl::QNNSensitivityPassBase<QNNSensitivityPass> {
  using Base::Base;
  WeightMethod weightMethod = WeightMethod::RTN;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::string error;
    auto parsed = parseCandidateBits(bits, error);
    if (!parsed)
      return fail(error);
    const std::vector<unsigned> &candidates = *parsed;
    if (metric != "hessian" && metric != "hessian-kl" && metric != "output-kl" &&
        metric != "output-mse" && metric != "weight-sqnr")
      return fail("unknown metric '" + metric +
                  "' (known: hessian, hessian-kl, output-kl, output-mse, weight-sqnr)");
    if (groupSize < -1)
      return fail("group-size must be -1, 0 or positive");
    if (std::string why = parseWeightMethod(method, weightMethod); !why.empty())
      return fail(why);

    SmallVector<Operation *> layers;
    module.walk([&](Operation *op) {
      if (isWeightedLayer(op) && floatWeight(op))
        layers.push_back(op);
    });
    if (layers.empty())
      return;
    std::vector<std::vector<double>> omega(layers.size());
    if (metric == "output-kl" || metric == "output-mse") {
      auto quantize = [&](size_t l, unsigned b) {
        auto hessian = weightMethod != WeightMethod::RTN ? layerHessian(layers[l]) : std::nullopt;
        return candidateAt(layers[l], b, hessian).dequantized;
      };
      if (failed(outputScores(layers, candidates, quantize, omega, "sensitivity (" + metric.getValue() + ")")))
        return signalPassFailure();
      for (size_t l = 0; l < layers.size(); ++l)
        convertActivationSensitivity(layers[l], candidates.front(), omega[l].front());
    } else {
      // Layers are independent: each is quantized at every width on one
      // thread (GPTQ reuses its factorization across widths there).
      size_t reference = referenceCandidate(candidates);
      std::vector<std::string> errors(layers.size());
      std::vector<std::vector<float>> atReference(layers.size());
      {
        Progress progress("sensitivity (" + metric.getValue() + ")", layers.size(), "layers");
        forEachIndex(layers.size(), [&](size_t l) {
          errors[l] = weightScores(layers[l], candidates, omega[l],
                                   metric == "hessian-kl" ? reference : candidates.size(),
                                   atReference[l]);
          progress.advance();
        });
      }
      for (auto [op, error] : llvm::zip(layers, errors))
        if (!error.empty())
          return op->emitError() << error, signalPassFailure();
      if (metric == "hessian-kl" && failed(scaleToOutputKL(layers, candidates, reference, atReference, omega)))
        return signalPassFailure();
    }
    for (size_t l = 0; l < layers.size(); ++l) {
      // More bits never need to cost more: a b-bit grid with the b'-bit
      // step holds the b'-bit weights. A measured increase is the luck of
      // one rounding pattern, so the allocation sees the running minimum.
      if (monotone)
        for (size_t i = 1; i < omega[l].size(); ++i)
          omega[l][i] = std::min(omega[l][i], omega[l][i - 1]);
      SmallVector<int64_t> bitList(candidates.begin(), candidates.end());
      layers[l]->setAttr("qnn.sensitivity",
                         SensitivityAttr::get(&getContext(), DenseI64ArrayAttr::get(&getContext(), bitList),
                                              DenseF64ArrayAttr::get(&getContext(), omega[l])));
    }
  }

  /// `op`'s weight quantized to `bits` by the pass's method (rounding
  /// against `hessian` where the method uses one).
  Candidate candidateAt(Operation *op, unsigned bits, const std::optional<std::vector<double>> &hessian) const {
    return quantizeCandidate(op, bits, groupSize, symmetric,
                             weightMethod != WeightMethod::RTN && hessian ? &*hessian : nullptr, weightMethod);
  }

  /// The candidate whose output KL scales hessian-kl: the one nearest 4 bits.
  static size_t referenceCandidate(ArrayRef<unsigned> candidates) {
    size_t reference = 0;
    for (size_t i = 0; i < candidates.size(); ++i)
      if (std::abs(int(candidates[i]) - 4) < std::abs(int(candidates[reference]) - 4))
        reference = i;
    return reference;
  }

  /// One layer's score per candidate width, and in `kept` its dequantized
  /// weight at candidate `keep` (when in range). Reads the IR only, so
  /// layers can be scored concurrently; returns an error message or "".
  std::string weightScores(Operation *op, ArrayRef<unsigned> candidates, std::vector<double> &scores,
                           size_t keep, std::vector<float> &kept) const {
    std::optional<std::vector<double>> hessian = layerHessian(op), diagonal;
    if (!hessian && op->hasAttr("qnn.hessian"))
      return "qnn-sensitivity: layer '" + layerName(op) + "' has a qnn.hessian that does not match its weight";
    std::optional<double> energy;
    for (auto [index, b] : llvm::enumerate(candidates)) {
      Candidate candidate = candidateAt(op, b, hessian);
      const QuantizedLayerWeight &layer = *candidate.layer;
      if (metric == "weight-sqnr") {
        scores.push_back(relativeWeightError(layer.original, candidate.dequantized));
        continue;
      }
      if (!hessian && !diagonal) {
        diagonal = diagonalPower(op, layer);
        if (!diagonal)
          return "qnn-sensitivity{metric=hessian}: layer '" + layerName(op) +
                 "' has no qnn.hessian or qnn.input_power; run qnn-calibrate{hessians=true} first";
      }
      scores.push_back(relativeOutputError(layer, candidate.dequantized,
                                           hessian ? &*hessian : nullptr,
                                           diagonal ? &*diagonal : nullptr, energy));
      if (index == keep)
        kept = std::move(candidate.dequantized);
    }
    return "";
  }

  /// The Hessian metric: the weight error's share of the layer's output
  /// energy, d^T H d / w^T H w (H diagonal where the layer has none). Layers'
  /// outputs differ in scale by orders of magnitude; relative errors compare.
  static double relativeOutputError(const QuantizedLayerWeight &layer,
                                    const std::vector<float> &approx,
                                    const std::vector<double> *hessian,
                                    const std::vector<double> *diagonal,
                                    std::optional<double> &energy) {
    auto weighted = [&](const std::vector<float> &values) {
      return hessian ? hessianWeightedError(layer.original, values, layer.layout, *hessian)
                     : diagonalHessianError(layer.original, values, layer.layout, *diagonal);
    };
    if (!energy)
      energy = weighted(std::vector<float>(layer.original.size(), 0.f));
    return *energy > 0 ? weighted(approx) / *energy : 0.0;
  }

  /// --act-bits auto with an output metric: the activation sensitivities
  /// are relative layer-output errors (Hessian units). To first order an
  /// error at the layer's output reaches the model's output the same way
  /// whether the weights or the inputs caused it, so the layer's ratio of
  /// output-metric to Hessian-metric score (at its smallest candidate width,
  /// the least noisy) converts them.
  void convertActivationSensitivity(Operation *op, unsigned bits, double score) {
    if (!op->hasAttr("qnn.act_sensitivity"))
      return;
    auto hessian = layerHessian(op);
    Candidate candidate = candidateAt(op, bits, hessian);
    if (!candidate.layer)
      return;
    auto diagonal = hessian ? std::nullopt : diagonalPower(op, *candidate.layer);
    std::optional<double> energy;
    double relative = hessian || diagonal
                          ? relativeOutputError(*candidate.layer, candidate.dequantized,
                                                hessian ? &*hessian : nullptr,
                                                diagonal ? &*diagonal : nullptr, energy)
                          : 0.0;
    if (relative > 0) // else no way to relate the units: the Hessian-unit values stay
      scaleActivationSensitivity(op, score / relative);
  }

  /// Multiplies a layer's `qnn.act_sensitivity` by `factor` (a unit change).
  static void scaleActivationSensitivity(Operation *op, double factor) {
    auto act = op->getAttrOfType<DenseF64ArrayAttr>("qnn.act_sensitivity");
    if (!act || !std::isfinite(factor))
      return;
    SmallVector<double> converted;
    for (double omega : act.asArrayRef())
      converted.push_back(omega * factor);
    op->setAttr("qnn.act_sensitivity", DenseF64ArrayAttr::get(op->getContext(), converted));
  }

  /// hessian-kl: the Hessian scores say how a layer's relative output error
  /// grows with fewer bits, but not how much of it reaches the model's
  /// output (rec's 6625-class classifier: much more than its share). One
  /// output-KL measurement per layer, at the candidate nearest 4 bits,
  /// gives that factor; every width's score is scaled by it. Costs one
  /// model run per layer and sample instead of output-kl's one per width.
  LogicalResult scaleToOutputKL(ArrayRef<Operation *> layers, ArrayRef<unsigned> candidates,
                                size_t reference, std::vector<std::vector<float>> &atReference,
                                std::vector<std::vector<double>> &omega) {
    std::vector<std::vector<double>> measured(layers.size());
    auto kept = [&](size_t l, unsigned) { return std::move(atReference[l]); };
    if (failed(outputScores(layers, {candidates[reference]}, kept, measured,
                            "sensitivity (output-kl at " + std::to_string(candidates[reference]) +
                                " bits)")))
      return failure();
    for (size_t l = 0; l < layers.size(); ++l) {
      double relative = omega[l][reference], divergence = measured[l].front();
      if (!(relative > 0) || !std::isfinite(divergence / relative))
        continue; // an exact layer: its scores are zero in any unit
      for (double &score : omega[l])
        score *= divergence / relative;
      scaleActivationSensitivity(layers[l], divergence / relative);
    }
    return success();
  }

  /// One compiled float model with every layer's weight as an input; each
  /// (layer, bits) swaps in weightFor(layer, bits) and runs all samples.
  LogicalResult outputScores(ArrayRef<Operation *> layers, ArrayRef<unsigned> candidates,
                             llvm::function_ref<std::vector<float>(size_t, unsigned)> weightFor,
                             std::vector<std::vector<double>> &omega, const std::string &step) {
    auto model = WeightSwapModel::create(getOperation(), layers,
                                         std::vector<std::string>(inputs.begin(), inputs.end()),
                                         dataFreeSamples, /*warnDataFree=*/true);
    if (!model)
      return fail(llvm::toString(model.takeError())), failure();
    const ModelSignature &signature = (*model)->signature();
    bool kl = metric == "output-kl" || metric == "hessian-kl";
    std::vector<const float *> weights(layers.size(), nullptr);
    Progress progress(step, layers.size(), "layers");
    for (size_t l = 0; l < layers.size(); ++l) {
      // The layer's widths quantized concurrently, then each run over the samples.
      std::vector<std::vector<float>> quantized(candidates.size());
      forEachIndex(candidates.size(), [&](size_t i) { quantized[i] = weightFor(l, candidates[i]); });
      for (std::vector<float> &candidate : quantized) {
        weights[l] = candidate.data();
        OutputDivergence divergence;
        if (auto e = (*model)->run(weights, [&](size_t o, const float *reference, const float *approx) {
              divergence += outputDivergence(reference, approx, signature.outputs[o], kl);
            }))
          return fail(llvm::toString(std::move(e))), failure();
        omega[l].push_back(divergence.score() / double((*model)->sampleCount()));
      }
      weights[l] = nullptr;
      progress.advance();
    }
    return success();
  }

  void fail(const std::string &message) {
    getOperation().emitError() << "qnn-sensitivity: " << message;
    signalPassFailure();
  }
};

} // namespace
} // namespace quantc::qnn
