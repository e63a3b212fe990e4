// qnn-allocate-bits: one weight bit-width per layer from the integer program.
#include "passes/Transforms/Layers.h"
#include "passes/Transforms/Passes.h"

#include "quantc/Analysis/BitAllocation.h"

#include "dialects/QNN/QNNOps.h"
#include "llvm/Support/Regex.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace quantc::qnn {
#define GEN_PASS_DEF_QNNALLOCATEBITSPASS
#include "passes/Transforms/Passes.h.inc"

using namespace mlir;

namespace {

int64_t numElements(Value value) {
  return cast<RankedTensorType>(value.getType()).getNumElements();
}

/// Multiply-accumulates of one run of the layer.
double multiplyAccumulates(Operation *op) {
  auto weight = cast<RankedTensorType>(op->getOperand(1).getType());
  if (auto conv = dyn_cast<ConvOp>(op)) // every output reads (C / group) * kh * kw weights
    return double(numElements(conv.getResult())) * double(weight.getNumElements() / weight.getDimSize(0));
  if (isa<ConvTransposeOp>(op)) // every input element scatters into (O / group) * kh * kw outputs
    return double(numElements(op->getOperand(0))) * double(weight.getNumElements() / weight.getDimSize(0));
  // MatMul / Gemm: every output reads K weights.
  int64_t columns = weight.getDimSize(weightChannelAxis(op));
  return double(numElements(op->getResult(0))) * double(weight.getNumElements() / columns);
}

/// How many f32 scales the weight stores with `groupSize`.
double scaleCount(Operation *op, int64_t groupSize) {
  auto weight = cast<RankedTensorType>(op->getOperand(1).getType());
  int64_t rows = weight.getDimSize(weightChannelAxis(op));
  int64_t applied = appliedGroupSize(op, groupSize);
  if (applied < 0)
    return 1;
  if (applied == 0)
    return double(rows);
  int64_t inputChannels = weight.getNumElements() / rows / columnsPerInputChannel(op);
  return double(rows) * double(inputChannels / applied);
}

std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", value);
  return text;
}

struct Pin {
  std::string pattern;
  int bits;
};

struct QNNAllocateBitsPass : impl::QNNAllocateBitsPassBase<QNNAllocateBitsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::vector<Pin> userPins;
    if (failed(parsePins(userPins)))
      return;
    if (avgBits < 0 || sizeBudget < 0 || bopsBudget < 0 || latencyBudget < 0 || groupSize < -1)
      return fail("budgets must be positive and group-size -1, 0 or positive");

    SmallVector<Operation *> layers;
    module.walk([&](Operation *op) {
      if (isWeightedLayer(op) && op->hasAttr("qnn.sensitivity"))
        layers.push_back(op);
    });
    if (layers.empty())
      return fail("no layer has a qnn.sensitivity; run qnn-sensitivity first");

    if (actBitsAuto && latencyBudget > 0)
      return fail("act-bits-auto with a latency budget: latencies are measured for int8 "
                  "activations only; use a size, average-bits or BOPs budget");
    std::vector<LayerCandidates> candidates;
    double parameters = 0;
    double activationBits = actBits ? double(actBits) : 32.0;
    // A scale per group is f16 (roundScalesToHalf; stored so on every
    // target but generic x86-64), per channel f32; plus an i8 zero point
    // when asymmetric.
    double scaleBits = (groupSize > 0 ? 16.0 : 32.0) + (symmetric ? 0.0 : 8.0);
    for (auto [index, op] : llvm::enumerate(layers)) {
      auto sensitivity = op->getAttrOfType<SensitivityAttr>("qnn.sensitivity");
      LayerCandidates layer;
      layer.name = layerName(op);
      double params = double(numElements(op->getOperand(1)));
      double macs = multiplyAccumulates(op), scales = scaleCount(op, groupSize);
      parameters += params;
      // With act-bits-auto, a layer whose input sensitivity was measured
      // chooses (weight bits, 8 or 16 activation bits) jointly.
      auto actOmega = op->getAttrOfType<DenseF64ArrayAttr>("qnn.act_sensitivity");
      bool joint = actBitsAuto && actOmega && actOmega.size() == 2;
      for (auto [bits, omega] : llvm::zip(sensitivity.getBits().asArrayRef(),
                                          sensitivity.getOmega().asArrayRef()))
        for (int width : joint ? std::vector<int>{8, 16} : std::vector<int>{0}) {
          double act = width ? double(width) : activationBits;
          layer.bits.push_back(int(bits));
          layer.omega.push_back(omega + (width ? actOmega[width == 8 ? 0 : 1] : 0.0));
          layer.weightBits.push_back(params * double(bits));
          layer.sizeBits.push_back(params * double(bits) + scaleBits * scales);
          layer.bops.push_back(macs * double(bits) * act);
          if (actBitsAuto)
            layer.actBits.push_back(width ? width : 8);
        }
      if (auto latency = actBitsAuto ? nullptr : op->getAttrOfType<DenseF64ArrayAttr>("qnn.latency_ms")) {
        if (latency.size() != int64_t(layer.bits.size()))
          return fail("layer '" + layer.name + "' has a qnn.latency_ms that does not match its "
                      "qnn.sensitivity bit-widths");
        layer.latencyMs.assign(latency.asArrayRef().begin(), latency.asArrayRef().end());
      } else if (latencyBudget > 0) {
        return fail("layer '" + layer.name + "' has no measured latency; run qnn-measure-latency "
                    "with the same bit-widths first");
      }
      // A classifier's winning channels (qnn-split-decisive-channels) cost
      // little and decide the output: the widest candidate.
      if ((pinFirstLast && (index == 0 || index + 1 == layers.size())) ||
          op->hasAttr(kDecisiveAttr))
        layer.pinned = *llvm::max_element(layer.bits);
      for (const Pin &pin : userPins)
        if (llvm::Regex("^(" + pin.pattern + ")$").match(layer.name))
          layer.pinned = pin.bits;
      candidates.push_back(std::move(layer));
    }

    AllocationBudgets budgets;
    if (avgBits > 0)
      budgets.weightBits = avgBits * parameters;
    if (sizeBudget > 0)
      budgets.sizeBits = sizeBudget * 8.0;
    if (bopsBudget > 0)
      budgets.bops = bopsBudget;
    if (latencyBudget > 0)
      budgets.latencyMs = latencyBudget;
    if (failed(checkEachBudget(candidates, budgets, parameters)))
      return;
    std::vector<bool> isFinal = finalLayers(module, layers);
    for (auto [index, op] : llvm::enumerate(layers))
      // A split classifier's losing channels: rec at 3.5 bits read 7.92% CER
      // with them at the allocation's 3 bits, 8.15% held at 4 (bench/RESULTS.md).
      isFinal[index] = isFinal[index] && !op->hasAttr(kDecisiveRestAttr);
    candidates = preferWide(std::move(candidates), isFinal,
                            groupedLayers(layers), budgets);
    std::string error;
    if (actBitsAuto && !budgets.bops) {
      // 16-bit inputs cost bit operations (and run as float kernels): they
      // may add at most act-headroom to what the all-int8 allocation needs.
      // The weights are pinned to that allocation's widths: trading weight bits for
      // input bits rests on adding two separately measured sensitivities,
      // which held up worse than either measured alone.
      std::vector<LayerCandidates> int8Only = onlyInt8(candidates);
      auto base = allocateBits(int8Only, budgets, error);
      if (!base)
        return fail(error);
      budgets.bops = base->bops * (1.0 + actHeadroom);
      for (size_t l = 0; l < candidates.size(); ++l)
        candidates[l].pinned = int8Only[l].bits[base->choice[l]];
    }
    auto allocation = allocateBits(candidates, budgets, error);
    if (!allocation)
      return fail(error);

    MLIRContext *context = &getContext();
    int64_t wideLayers = 0;
    for (auto [op, layer, choice] : llvm::zip(layers, candidates, allocation->choice)) {
      op->setAttr("qnn.weight_format",
                  WeightFormatAttr::get(context, layer.bits[choice], groupSize,
                                        BoolAttr::get(context, false), BoolAttr::get(context, symmetric)));
      if (!layer.actBits.empty()) {
        op->setAttr("qnn.act_bits", IntegerAttr::get(IntegerType::get(context, 64), layer.actBits[choice]));
        wideLayers += layer.actBits[choice] == 16;
      }
    }
    // The totals, for reports.
    Builder b(context);
    NamedAttrList totals;
    totals.set("avg_bits", b.getF64FloatAttr(allocation->weightBits / parameters));
    totals.set("size_bytes", b.getI64IntegerAttr(int64_t(std::ceil(allocation->sizeBits / 8))));
    totals.set("bops", b.getI64IntegerAttr(int64_t(allocation->bops)));
    totals.set("predicted_omega", b.getF64FloatAttr(allocation->omega));
    if (latencyBudget > 0)
      totals.set("latency_ms", b.getF64FloatAttr(allocation->latencyMs));
    if (actBitsAuto)
      totals.set("act16_layers", b.getI64IntegerAttr(wideLayers));
    module->setAttr("qnn.allocation", totals.getDictionary(context));
  }

  /// The candidates `keep(layer, c)` accepts (layer: its index).
  template <typename Keep>
  static std::vector<LayerCandidates> keepCandidates(const std::vector<LayerCandidates> &layers,
                                                     Keep keep) {
    std::vector<LayerCandidates> result;
    for (auto [index, layer] : llvm::enumerate(layers)) {
      LayerCandidates kept = layer;
      kept.bits.clear(), kept.actBits.clear(), kept.omega.clear(), kept.weightBits.clear();
      kept.sizeBits.clear(), kept.bops.clear(), kept.latencyMs.clear();
      for (size_t c = 0; c < layer.bits.size(); ++c) {
        if (!keep(index, c))
          continue;
        kept.bits.push_back(layer.bits[c]);
        if (!layer.actBits.empty())
          kept.actBits.push_back(layer.actBits[c]);
        kept.omega.push_back(layer.omega[c]);
        kept.weightBits.push_back(layer.weightBits[c]);
        kept.sizeBits.push_back(layer.sizeBits[c]);
        kept.bops.push_back(layer.bops[c]);
        if (!layer.latencyMs.empty())
          kept.latencyMs.push_back(layer.latencyMs[c]);
      }
      result.push_back(std::move(kept));
    }
    return result;
  }

  /// The candidates with 8-bit activations only.
  static std::vector<LayerCandidates> onlyInt8(const std::vector<LayerCandidates> &layers) {
    return keepCandidates(layers, [&](size_t l, size_t c) {
      return layers[l].actBits.empty() || layers[l].actBits[c] == 8;
    });
  }

  /// Without the widths below each layer's floor when every budget can
  /// still be met: `outputMinBits` for the layers `isFinal` marks,
  /// `groupedMinBits` for those `isGrouped` marks, `preferredMinBits` for
  /// all. The floors yield in that order, grouped first: then without the
  /// grouped floor, then without the final one, then all candidates (a
  /// floor of 0, or one no higher than the next attempt's, repeats it). A
  /// pin's width always stays.
  std::vector<LayerCandidates> preferWide(std::vector<LayerCandidates> layers,
                                          const std::vector<bool> &isFinal,
                                          const std::vector<bool> &isGrouped,
                                          const AllocationBudgets &budgets) {
    auto floorOf = [&](size_t l, bool grouped, bool final) {
      unsigned floor = preferredMinBits;
      if (grouped && isGrouped[l])
        floor = std::max<unsigned>(floor, groupedMinBits);
      if (final && isFinal[l])
        floor = std::max<unsigned>(floor, outputMinBits);
      return floor;
    };
    for (auto attempt : {std::pair(true, true), {false, true}, {false, false}}) {
      bool grouped = attempt.first, final = attempt.second;
      if (auto wide = keepWide(layers, budgets, [&](size_t l) { return floorOf(l, grouped, final); }))
        return std::move(*wide);
    }
    return layers;
  }

  /// The candidates of at least minBits(layer) bits (and pins), if every
  /// layer keeps one and every budget can still be met.
  template <typename MinBits>
  static std::optional<std::vector<LayerCandidates>>
  keepWide(const std::vector<LayerCandidates> &layers, const AllocationBudgets &budgets,
           MinBits minBits) {
    auto wide = keepCandidates(layers, [&](size_t l, size_t c) {
      return layers[l].bits[c] >= int(minBits(l)) || layers[l].pinned == layers[l].bits[c];
    });
    auto fits = [&](std::optional<double> budget, const std::vector<double> LayerCandidates::*cost) {
      return !budget || smallestTotal(wide, cost) <= *budget * (1 + 1e-12);
    };
    bool everyLayerHasOne = llvm::all_of(wide, [](const LayerCandidates &l) { return !l.bits.empty(); });
    if (everyLayerHasOne && fits(budgets.weightBits, &LayerCandidates::weightBits) &&
        fits(budgets.sizeBits, &LayerCandidates::sizeBits) && fits(budgets.bops, &LayerCandidates::bops) &&
        fits(budgets.latencyMs, &LayerCandidates::latencyMs))
      return wide;
    return std::nullopt;
  }

  /// Per layer: whether it is a grouped (depthwise) or transposed
  /// convolution, rounded to nearest and not refit.
  static std::vector<bool> groupedLayers(ArrayRef<Operation *> layers) {
    std::vector<bool> isGrouped;
    for (Operation *op : layers)
      isGrouped.push_back(isGroupedOrTransposedConv(op));
    return isGrouped;
  }

  /// Each budget alone, in the units the user gave it.
  LogicalResult checkEachBudget(const std::vector<LayerCandidates> &layers,
                                const AllocationBudgets &budgets, double parameters) {
    std::string pinned = pinFirstLast || !pins.empty() ? " with the pinned layers" : "";
    auto check = [&](std::optional<double> budget, const std::vector<double> LayerCandidates::*cost,
                     double unit, const char *what, const char *units) {
      if (!budget)
        return true;
      double smallest = smallestTotal(layers, cost);
      if (smallest <= *budget * (1 + 1e-12) || !std::isfinite(smallest))
        return true; // fits, or a pin is no candidate (allocateBits says so)
      fail(std::string(what) + " " + number(*budget / unit) + " is infeasible: the smallest achievable is " +
           number(smallest / unit) + " " + units + pinned);
      return false;
    };
    bool ok = check(budgets.weightBits, &LayerCandidates::weightBits, parameters, "avg-bits",
                    "bits per weight") &&
              check(budgets.sizeBits, &LayerCandidates::sizeBits, 8.0, "size-budget", "bytes") &&
              check(budgets.bops, &LayerCandidates::bops, 1.0, "bops-budget", "BOPs") &&
              check(budgets.latencyMs, &LayerCandidates::latencyMs, 1.0, "latency-budget-ms", "ms");
    return success(ok);
  }

  LogicalResult parsePins(std::vector<Pin> &result) {
    SmallVector<StringRef> entries;
    StringRef(pins).split(entries, ',', -1, false);
    for (StringRef entry : entries) {
      size_t eq = entry.rfind('=');
      int bits = 0;
      std::string regexError;
      if (eq == StringRef::npos || entry.drop_front(eq + 1).trim().getAsInteger(10, bits) ||
          bits < 2 || bits > 8) {
        fail("pins entries are 'regex=bits' with bits from 2 to 8, got '" + entry.str() + "'");
        return failure();
      }
      std::string pattern = entry.take_front(eq).trim().str();
      if (!llvm::Regex(pattern).isValid(regexError)) {
        fail("bad regex '" + pattern + "' in pins: " + regexError);
        return failure();
      }
      result.push_back({pattern, bits});
    }
    return success();
  }

  void fail(const std::string &message) {
    getOperation().emitError() << "qnn-allocate-bits: " << message;
    signalPassFailure();
  }
};

} // namespace
} // namespace quantc::qnn
