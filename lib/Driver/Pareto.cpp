// quantc --pareto: allocation frontier swept over the average-bits budget.
#include "Pareto.h"

#include "quantc/Analysis/Quantizer.h"
#include "quantc/Execution/Execution.h"
#include "quantc/Support/AtomicFile.h"
#include "quantc/Support/Parallel.h"
#include "quantc/Support/Progress.h"

#include "dialects/QNN/QNNOps.h"
#include "passes/Transforms/Layers.h"
#include "passes/Transforms/Passes.h"
#include "passes/Transforms/WeightSwap.h"

#include "llvm/ADT/ScopeExit.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"

#include <cmath>
#include <map>

namespace quantc {

namespace {

struct FrontierPoint {
  std::string kind;          // "ilp" or "uniform"
  double budgetBits = 0;     // the avg-bits budget (ilp) or the uniform width
  double avgBits = 0, bytes = 0, predicted = 0;
  ErrorStats measured;       // model outputs vs float, all outputs together
};

/// Output error of allocations: quantized weights (cached per layer and
/// width) swapped into one compiled float model.
class WeightSweep {
public:
  static llvm::Expected<std::unique_ptr<WeightSweep>> create(mlir::ModuleOp module,
                                                             const QuantizeOptions &options) {
    std::unique_ptr<WeightSweep> sweep(new WeightSweep());
    sweep->options = options;
    module.walk([&](mlir::Operation *op) {
      if (qnn::isWeightedLayer(op) && qnn::floatWeight(op) && op->hasAttr("qnn.sensitivity"))
        sweep->layers.push_back(op);
    });
    // Data-free calibration already warned when it had nothing to go on.
    auto model = qnn::WeightSwapModel::create(module, sweep->layers, options.evaluationSamples(), 16,
                                              /*warnDataFree=*/false);
    if (!model)
      return model.takeError();
    sweep->model = std::move(*model);
    return sweep;
  }

  size_t layerCount() const { return layers.size(); }
  mlir::Operation *layer(size_t l) const { return layers[l]; }

  /// Output error with layer l's weight quantized to bits[l].
  llvm::Expected<ErrorStats> measure(const std::vector<int> &bits) {
    // Widths not seen yet are quantized one layer per thread, then cached.
    std::vector<size_t> missing;
    for (size_t l = 0; l < layers.size(); ++l)
      if (!cache.count({l, bits[l]}))
        missing.push_back(l);
    std::vector<std::vector<float>> fresh(missing.size());
    forEachIndex(missing.size(), [&](size_t i) { fresh[i] = quantize(missing[i], bits[missing[i]]); });
    for (auto [l, weight] : llvm::zip(missing, fresh))
      cache.emplace(std::make_pair(l, bits[l]), std::move(weight));
    std::vector<const float *> weights;
    for (size_t l = 0; l < layers.size(); ++l)
      weights.push_back(quantized(l, bits[l]).data());
    ErrorAccumulator error;
    const ModelSignature &signature = model->signature();
    if (auto e = model->run(weights, [&](size_t o, const float *reference, const float *approx) {
          error.add(reference, approx, signature.outputs[o].numel());
        }))
      return std::move(e);
    return error.stats();
  }

private:
  WeightSweep() = default;

  const std::vector<float> &quantized(size_t l, int bits) { return cache.at({l, bits}); }

  /// Layer l's weight at `bits`, dequantized; reads the IR only.
  std::vector<float> quantize(size_t l, int bits) const {
    WeightScheme scheme;
    scheme.bits = unsigned(bits);
    scheme.groupSize = options.groupSize;
    scheme.symmetric = options.symmetric;
    WeightMethod method = WeightMethod::RTN;
    (void)parseWeightMethod(options.method, method); // checked by quantizeModel
    auto hessian = method != WeightMethod::RTN ? qnn::layerHessian(layers[l]) : std::nullopt;
    auto layer = qnn::quantizeLayerWeight(layers[l], scheme, hessian ? &*hessian : nullptr, method);
    return dequantizeWeights(layer->quantized, layer->layout);
  }

  QuantizeOptions options;
  std::vector<mlir::Operation *> layers;
  std::unique_ptr<qnn::WeightSwapModel> model;
  std::map<std::pair<size_t, int>, std::vector<float>> cache;
};

double attrNumber(mlir::DictionaryAttr dictionary, llvm::StringRef key) {
  mlir::Attribute value = dictionary ? dictionary.get(key) : nullptr;
  if (auto f = llvm::dyn_cast_or_null<mlir::FloatAttr>(value))
    return f.getValueAsDouble();
  if (auto i = llvm::dyn_cast_or_null<mlir::IntegerAttr>(value))
    return double(i.getInt());
  return 0;
}

/// A line chart of measured output SQNR (dB) over average bits per weight.
std::string plot(const std::vector<FrontierPoint> &points) {
  const double width = 640, height = 400, left = 60, right = 20, top = 40, bottom = 50;
  double xMin = 1e9, xMax = -1e9, yMin = 1e9, yMax = -1e9;
  auto sqnr = [](const FrontierPoint &p) { return std::isfinite(p.measured.sqnrDb) ? p.measured.sqnrDb : 99.0; };
  for (const FrontierPoint &p : points) {
    xMin = std::min(xMin, p.avgBits), xMax = std::max(xMax, p.avgBits);
    yMin = std::min(yMin, sqnr(p)), yMax = std::max(yMax, sqnr(p));
  }
  if (xMax <= xMin)
    xMax = xMin + 1;
  yMin = std::floor(std::min(yMin, 0.0) / 10) * 10, yMax = std::ceil((yMax + 1) / 10) * 10;
  auto x = [&](double v) { return left + (v - xMin) / (xMax - xMin) * (width - left - right); };
  auto y = [&](double v) { return height - bottom - (v - yMin) / (yMax - yMin) * (height - top - bottom); };
  std::string svg;
  llvm::raw_string_ostream os(svg);
  os << llvm::format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
                     "font-family=\"sans-serif\" font-size=\"12\">\n", width, height);
  os << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  os << llvm::format("<text x=\"%.0f\" y=\"20\" font-size=\"14\">Output SQNR vs weight bits: "
                     "integer program vs uniform</text>\n", left);
  for (double v = yMin; v <= yMax + 1e-9; v += 10)
    os << llvm::format("<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                       "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.0f</text>\n",
                       left, width - right, y(v), y(v), left - 6, y(v) + 4, v);
  for (double v = std::ceil(xMin); v <= xMax + 1e-9; v += 1)
    os << llvm::format("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.0f</text>\n", x(v),
                       height - bottom + 18, v);
  os << llvm::format("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">average bits per weight"
                     "</text>\n", (left + width - right) / 2, height - 12);
  os << llvm::format("<text x=\"14\" y=\"%.1f\" transform=\"rotate(-90 14 %.1f)\" "
                     "text-anchor=\"middle\">output SQNR (dB)</text>\n", (top + height - bottom) / 2,
                     (top + height - bottom) / 2);
  const std::pair<const char *, const char *> series[] = {{"ilp", "#1f77b4"}, {"uniform", "#ff7f0e"}};
  for (auto [index, entry] : llvm::enumerate(series)) {
    auto [kind, color] = entry;
    std::string path;
    for (const FrontierPoint &p : points)
      if (p.kind == kind) {
        path += llvm::formatv("{0}{1:F1},{2:F1}", path.empty() ? "M" : " L", x(p.avgBits), y(sqnr(p))).str();
        os << llvm::format("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>\n", x(p.avgBits),
                           y(sqnr(p)), color);
      }
    os << "<path d=\"" << path << "\" fill=\"none\" stroke=\"" << color << "\" stroke-width=\"2\"/>\n";
    os << llvm::format("<text x=\"%.1f\" y=\"%.1f\" fill=\"%s\">%s</text>\n", left + 10,
                       top + 16 + 16.0 * index, color,
                       index == 0 ? "integer program (avg-bits budget)" : "uniform bits");
  }
  os << "</svg>\n";
  return svg;
}

} // namespace

llvm::Error writeParetoFrontier(mlir::ModuleOp module, const QuantizeOptions &options,
                                llvm::StringRef directory) {
  auto sweep = WeightSweep::create(module, options);
  if (!sweep)
    return sweep.takeError();
  std::string error;
  auto parsed = qnn::parseCandidateBits(options.candidateBits, error);
  if (!parsed)
    return llvm::createStringError("--candidate-bits: " + error);
  std::vector<int> candidates(parsed->begin(), parsed->end());

  std::vector<FrontierPoint> points;
  double parameters = 0;
  for (size_t l = 0; l < (*sweep)->layerCount(); ++l)
    parameters += double(llvm::cast<mlir::RankedTensorType>((*sweep)->layer(l)->getOperand(1).getType()).getNumElements());
  // The integer program at every half bit between the narrowest and widest candidate.
  size_t budgets = size_t((candidates.back() - candidates.front()) * 2) + 1;
  Progress progress("Pareto sweep", budgets + candidates.size(), "budgets");
  for (double budget = candidates.front(); budget <= candidates.back() + 1e-9; budget += 0.5) {
    llvm::scope_exit advance([&] { progress.advance(); });
    mlir::OwningOpRef<mlir::ModuleOp> copy(module.clone());
    mlir::PassManager pm(module.getContext());
    qnn::QNNAllocateBitsPassOptions allocate;
    allocate.avgBits = budget;
    allocate.groupSize = options.groupSize;
    allocate.symmetric = options.symmetric;
    allocate.pinFirstLast = options.pinFirstLast;
    allocate.pins = options.pins;
    pm.addPass(qnn::createQNNAllocateBitsPass(allocate));
    if (mlir::failed(pm.run(*copy)))
      continue; // infeasible with the pins: no point
    std::vector<int> bits;
    copy->walk([&](mlir::Operation *op) {
      if (qnn::isWeightedLayer(op) && op->hasAttr("qnn.sensitivity"))
        bits.push_back(int(op->getAttrOfType<qnn::WeightFormatAttr>("qnn.weight_format").getBits()));
    });
    auto totals = (*copy)->getAttrOfType<mlir::DictionaryAttr>("qnn.allocation");
    FrontierPoint point{"ilp", budget, attrNumber(totals, "avg_bits"), attrNumber(totals, "size_bytes"),
                        attrNumber(totals, "predicted_omega"), {}};
    auto measured = (*sweep)->measure(bits);
    if (!measured)
      return measured.takeError();
    point.measured = *measured;
    points.push_back(point);
  }
  // Uniform: every layer at one width.
  for (int b : candidates) {
    llvm::scope_exit advance([&] { progress.advance(); });
    FrontierPoint point{"uniform", double(b), double(b), 0, 0, {}};
    for (size_t l = 0; l < (*sweep)->layerCount(); ++l) {
      auto sensitivity = (*sweep)->layer(l)->getAttrOfType<qnn::SensitivityAttr>("qnn.sensitivity");
      for (auto [bits, omega] : llvm::zip(sensitivity.getBits().asArrayRef(), sensitivity.getOmega().asArrayRef()))
        if (bits == b)
          point.predicted += omega;
    }
    auto measured = (*sweep)->measure(std::vector<int>((*sweep)->layerCount(), b));
    if (!measured)
      return measured.takeError();
    point.measured = *measured;
    points.push_back(point);
  }

  llvm::json::Array array;
  for (const FrontierPoint &p : points)
    array.push_back(llvm::json::Object{
        {"kind", p.kind},
        {"budget_bits", p.budgetBits},
        {"avg_bits", p.avgBits},
        {"size_bytes", p.bytes},
        {"predicted_sensitivity", p.predicted},
        {"measured_sqnr_db", std::isfinite(p.measured.sqnrDb) ? p.measured.sqnrDb : 999.0},
        {"measured_cosine", p.measured.cosine}});
  llvm::json::Object root{{"sensitivity", options.sensitivity},
                          {"weight_method", options.method},
                          {"parameters", parameters},
                          {"note", std::string("weights quantized, activations float; measured on the ") +
                                       options.evaluationKind() + " samples"},
                          {"evaluation", options.evaluationKind()},
                          {"points", std::move(array)}};
  if (auto ec = llvm::sys::fs::create_directories(directory))
    return llvm::createStringError(directory + ": cannot create directory: " + ec.message());
  llvm::SmallString<256> jsonPath(directory), svgPath(directory);
  llvm::sys::path::append(jsonPath, "pareto.json");
  llvm::sys::path::append(svgPath, "pareto.svg");
  if (auto error = writeFileAtomically(
          jsonPath, llvm::formatv("{0:2}", llvm::json::Value(std::move(root))).str() + "\n"))
    return error;
  return writeFileAtomically(svgPath, plot(points));
}

} // namespace quantc
