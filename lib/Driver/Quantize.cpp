// The driver's quantization step: fold, calibrate, quantize, and the quality
// report (SQNR, cosine, max error per layer and output vs the float model).
#include "quantc/Driver/Driver.h"
#include "Pareto.h"
#include "quantc/Analysis/Quantizer.h"
#include "quantc/Execution/Execution.h"
#include "quantc/Execution/Samples.h"
#include "quantc/Runtime/quantc_runtime.h"
#include "quantc/Support/AtomicFile.h"
#include "quantc/Support/Parallel.h"
#include "quantc/Driver/QuantizePipeline.h"

#include "dialects/QNN/QNNOps.h"
#include "passes/Transforms/AllocationFile.h"
#include "passes/Transforms/Calibration.h"
#include "passes/Transforms/Layers.h"
#include "passes/Transforms/Passes.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/Timing.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"

#include <cmath>
#include <memory>
#include <vector>

namespace quantc {

namespace {

constexpr llvm::StringLiteral kLayerId = "qnn.layer_id";

/// What quantization chose for one layer (read before qnn-fold-scales).
struct LayerChoice {
  std::string format = "float";
  int bits = 32;           // 32: float weights
  int actBits = 0;         // the allocation's activation width (--act-bits auto), else 0
  double bytes = 0;        // weights + scales + zero points as stored
  std::vector<std::pair<int64_t, double>> sensitivity; // (bits, omega) when allocated
  std::vector<double> actSensitivity;                   // omega at 8 and 16 input bits (auto)
};

struct MeasuredTensor {
  std::string name, op, format;
  int64_t parameters = 0;
  std::string shape; // the weight's, e.g. "48x16x3x3"
  LayerChoice choice;
  bool measured = true; // false: its output exists only as int8
  ErrorStats stats;
};

/// Bytes of `elements` weights of `bits` behind `dequantize` as stored: the
/// codes, a scale per channel (f32) or per group (f16, as the allocation
/// counts them), and an i8 zero point each when asymmetric.
double storedBytes(int64_t elements, int bits, bool symmetric, mlir::Value weight) {
  double scales = 1, scaleBytes = 4;
  if (auto dequantize = weight.getDefiningOp<qnn::DequantizeOp>()) {
    mlir::Type element = llvm::cast<mlir::RankedTensorType>(dequantize.getInput().getType()).getElementType();
    if (auto perAxis = llvm::dyn_cast<mlir::quant::UniformQuantizedPerAxisType>(element))
      scales = double(perAxis.getScales().size());
    else if (auto sub = llvm::dyn_cast<mlir::quant::UniformQuantizedSubChannelType>(element))
      scales = double(sub.getScales().getNumElements()), scaleBytes = 2;
  }
  return double(elements) * bits / 8.0 + scales * (scaleBytes + (symmetric ? 0.0 : 1.0));
}

/// A quantized embedding table (qnn-quantize{embedding-bits}), for the report.
struct TableChoice {
  std::string name, shape, format;
  int64_t parameters = 0;
  int bits = 32;
  double bytes = 0;
};

std::vector<TableChoice> embeddingTables(mlir::ModuleOp module) {
  std::vector<TableChoice> tables;
  module.walk([&](qnn::GatherOp gather) {
    auto format = gather->getAttrOfType<qnn::WeightFormatAttr>("qnn.weight_format");
    if (!format)
      return;
    auto type = llvm::cast<mlir::RankedTensorType>(gather.getInput().getType());
    WeightScheme scheme = qnn::weightSchemeOf(format);
    TableChoice table;
    table.name = qnn::layerName(gather);
    table.shape = std::to_string(type.getDimSize(0)) + "x" + std::to_string(type.getDimSize(1));
    table.format = describeScheme(scheme);
    table.parameters = type.getNumElements();
    table.bits = int(scheme.bits);
    table.bytes = storedBytes(table.parameters, table.bits, scheme.symmetric, gather.getInput());
    tables.push_back(table);
  });
  return tables;
}

LayerChoice layerChoice(mlir::Operation *op) {
  LayerChoice choice;
  mlir::Value weight = op->getNumOperands() > 1 ? op->getOperand(1) : mlir::Value();
  auto weightType = weight ? llvm::dyn_cast<mlir::RankedTensorType>(weight.getType()) : nullptr;
  if (auto sensitivity = op->getAttrOfType<qnn::SensitivityAttr>("qnn.sensitivity"))
    for (auto [bits, omega] : llvm::zip(sensitivity.getBits().asArrayRef(),
                                        sensitivity.getOmega().asArrayRef()))
      choice.sensitivity.emplace_back(bits, omega);
  if (auto act = op->getAttrOfType<mlir::IntegerAttr>("qnn.act_bits"))
    choice.actBits = int(act.getInt());
  if (auto omega = op->getAttrOfType<mlir::DenseF64ArrayAttr>("qnn.act_sensitivity"))
    choice.actSensitivity.assign(omega.asArrayRef().begin(), omega.asArrayRef().end());
  auto format = op->getAttrOfType<qnn::WeightFormatAttr>("qnn.weight_format");
  if (!format || !weightType) {
    choice.bytes = weightType ? 4.0 * double(weightType.getNumElements()) : 0;
    return choice;
  }
  WeightScheme scheme = qnn::weightSchemeOf(format);
  choice.format = describeScheme(scheme);
  choice.bits = scheme.kind == WeightKind::Uniform ? int(scheme.bits) : 2;
  choice.bytes = storedBytes(weightType.getNumElements(), choice.bits, scheme.symmetric, weight);
  return choice;
}

double jsonNumber(double value) { return std::isfinite(value) ? value : 999.0; }

llvm::Error writeReport(const std::string &path, const std::vector<MeasuredTensor> &outputs,
                        const std::vector<MeasuredTensor> &layers,
                        const std::vector<TableChoice> &tables, const QuantizeOptions &options,
                        llvm::StringRef modelPath, size_t samples, const std::string &unmeasured,
                        mlir::DictionaryAttr allocation) {
  auto tensorJSON = [](const MeasuredTensor &t) {
    llvm::json::Object object{{"name", t.name}};
    if (t.measured) {
      object["sqnr_db"] = jsonNumber(t.stats.sqnrDb);
      object["cosine"] = t.stats.cosine;
      object["max_abs_error"] = t.stats.maxAbsError;
    } else {
      object["sqnr_db"] = nullptr; // no samples, not a float tensor, or measured at the next layer
    }
    if (!t.op.empty()) {
      object["op"] = t.op;
      object["weights"] = t.format;
      object["parameters"] = t.parameters;
      object["shape"] = t.shape;
      object["bits"] = t.choice.bits;
      if (t.choice.actBits)
        object["act_bits"] = t.choice.actBits;
      object["bytes"] = t.choice.bytes;
      if (!t.choice.sensitivity.empty()) {
        llvm::json::Object omega;
        for (auto [bits, value] : t.choice.sensitivity)
          omega[std::to_string(bits)] = value;
        object["sensitivity"] = std::move(omega);
      }
      if (t.choice.actSensitivity.size() == 2)
        object["act_sensitivity"] = llvm::json::Object{{"8", t.choice.actSensitivity[0]},
                                                       {"16", t.choice.actSensitivity[1]}};
    }
    return object;
  };
  llvm::json::Array outputArray, layerArray;
  for (auto &t : outputs)
    outputArray.push_back(tensorJSON(t));
  for (auto &t : layers)
    layerArray.push_back(tensorJSON(t));
  llvm::json::Object root{{"model", modelPath.str()},
                          {"bits", options.bits.empty() ? "none" : options.bits},
                          {"group_size", options.groupSize},
                          {"weight_method", options.method},
                          {"act_bits", options.actBits},
                          {"calibration", options.calib.empty() ? "data-free" : "files"},
                          {"calibration_method", options.calibMethod},
                          {"smooth_quant", options.smoothQuant},
                          {"bias_correction", options.biasCorrection},
                          {"refit_weights", options.refitWeights.value_or(false)},
                          {"candidate_bits", options.candidateBits},
                          {"preferred_min_bits", int64_t(options.preferredMinBits)},
                          {"output_min_bits", int64_t(options.outputMinBits)},
                          {"grouped_min_bits", int64_t(options.groupedMinBits)},
                          {"decisive_channels", options.splitsDecisiveChannels()},
                          {"channel_ranges", options.channelRanges},
                          {"evaluation", options.evaluationKind()},
                          {"evaluation_samples", int64_t(samples)},
                          {"not_measured", unmeasured.empty() ? llvm::json::Value(nullptr)
                                                              : llvm::json::Value(unmeasured)},
                          {"outputs", std::move(outputArray)},
                          {"layers", std::move(layerArray)}};
  double parameters = 0, weightBits = 0, bytes = 0;
  for (auto &t : layers) {
    parameters += double(t.parameters);
    weightBits += double(t.parameters) * t.choice.bits;
    bytes += t.choice.bytes;
  }
  root["avg_bits"] = parameters > 0 ? weightBits / parameters : 0.0;
  root["weight_bytes"] = bytes;
  if (!tables.empty()) {
    llvm::json::Array tableArray;
    for (const TableChoice &t : tables)
      tableArray.push_back(llvm::json::Object{{"name", t.name},
                                              {"shape", t.shape},
                                              {"weights", t.format},
                                              {"parameters", t.parameters},
                                              {"bits", t.bits},
                                              {"bytes", t.bytes}});
    root["embedding_tables"] = std::move(tableArray);
  }
  if (allocation) {
    llvm::json::Object summary{{"avg_bits_budget", options.avgBits},
                               {"size_budget_bytes", options.sizeBudget},
                               {"bops_budget", options.bopsBudget},
                               {"latency_budget_ms", options.latencyBudgetMs},
                               {"sensitivity", options.sensitivity}};
    for (mlir::NamedAttribute entry : allocation) {
      if (auto number = llvm::dyn_cast<mlir::FloatAttr>(entry.getValue()))
        summary[entry.getName().str()] = number.getValueAsDouble();
      else if (auto integer = llvm::dyn_cast<mlir::IntegerAttr>(entry.getValue()))
        summary[entry.getName().str()] = integer.getInt();
    }
    root["allocation"] = std::move(summary);
  }

  std::string text;
  llvm::raw_string_ostream os(text);
  if (unmeasured.empty())
    os << "quality vs the float model on " << samples << " " << options.evaluationKind()
       << " sample(s)\n";
  else
    os << "quality vs the float model: not measured (" << unmeasured << ")\n";
  os << llvm::format("%-40s %-19s %-22s %9s %9s %9s %11s\n", "tensor", "op", "weights", "params",
                     "SQNR dB", "cosine", "max |err|");
  auto row = [&](const MeasuredTensor &t) {
    os << llvm::format("%-40s %-19s %-22s %9lld ", t.name.c_str(),
                       t.op.empty() ? "(output)" : t.op.c_str(), t.format.c_str(),
                       (long long)t.parameters);
    if (t.measured)
      os << llvm::format("%9.2f %9.6f %11.4g\n", t.stats.sqnrDb, t.stats.cosine,
                         t.stats.maxAbsError);
    else
      os << llvm::format("%9s %9s %11s\n", "-", "-", "-");
  };
  for (auto &t : layers)
    row(t);
  for (auto &t : outputs)
    row(t);
  os << llvm::format("\nweights: %.3f bits per weight on average, %.0f bytes\n",
                     parameters > 0 ? weightBits / parameters : 0.0, bytes);
  for (const TableChoice &t : tables)
    os << llvm::format("embedding table '%s' %s: %s, %lld weights, %.0f bytes\n", t.name.c_str(),
                       t.shape.c_str(), t.format.c_str(), (long long)t.parameters, t.bytes);
  if (allocation) {
    // The allocation: chosen bits and the sensitivity it traded, per layer.
    auto number = [&](llvm::StringRef key) {
      mlir::Attribute value = allocation.get(key);
      if (auto f = llvm::dyn_cast_or_null<mlir::FloatAttr>(value))
        return f.getValueAsDouble();
      if (auto i = llvm::dyn_cast_or_null<mlir::IntegerAttr>(value))
        return double(i.getInt());
      return 0.0;
    };
    os << llvm::format("\nbit allocation (%s sensitivity): %.3f bits per weight, %.0f bytes, "
                       "%.4g BOPs, ",
                       options.sensitivity.c_str(), number("avg_bits"), number("size_bytes"),
                       number("bops"));
    if (options.latencyBudgetMs > 0)
      os << llvm::format("%.3f ms measured layer latency, ", number("latency_ms"));
    os << llvm::format("predicted total sensitivity %.4g", number("predicted_omega"));
    if (allocation.get("act16_layers"))
      os << llvm::format(", %.0f layer(s) with 16-bit inputs", number("act16_layers"));
    os << "\n";
    os << llvm::format("%-40s %-10s %-16s %9s %4s %4s %10s  %s\n", "layer", "op", "weight shape",
                       "params", "bits", "act", "bytes", "sensitivity per bit-width");
    for (auto &t : layers) {
      if (t.choice.sensitivity.empty())
        continue;
      llvm::StringRef op = llvm::StringRef(t.op).split(' ').first;
      std::string act = t.choice.actBits ? std::to_string(t.choice.actBits)
                        : options.actBits == "none" ? "f32"
                                                    : options.actBits;
      os << llvm::format("%-40s %-10s %-16s %9lld %4d %4s %10.0f ", t.name.c_str(), op.str().c_str(),
                         t.shape.c_str(), (long long)t.parameters, t.choice.bits, act.c_str(),
                         t.choice.bytes);
      for (auto [bits, omega] : t.choice.sensitivity)
        os << llvm::format(" %lld:%.3g", (long long)bits, omega);
      if (t.choice.actSensitivity.size() == 2)
        os << llvm::format("  a8:%.3g a16:%.3g", t.choice.actSensitivity[0],
                           t.choice.actSensitivity[1]);
      os << "\n";
    }
  }

  llvm::StringRef directory = llvm::sys::path::parent_path(path);
  if (!directory.empty())
    if (auto ec = llvm::sys::fs::create_directories(directory))
      return llvm::createStringError(directory + ": cannot create directory: " + ec.message());
  llvm::SmallString<256> textPath(path);
  llvm::sys::path::replace_extension(textPath, ".txt");
  // Both files appear only when complete: a failed run leaves no half report.
  if (auto error = writeFileAtomically(
          path, llvm::formatv("{0:2}", llvm::json::Value(std::move(root))).str() + "\n"))
    return error;
  return writeFileAtomically(textPath, text);
}

} // namespace

llvm::Error quantizeModel(mlir::ModuleOp module, const QuantizeOptions &requested,
                          llvm::StringRef modelPath) {
  if (std::string why = checkQuantizeOptions(requested); !why.empty())
    return llvm::createStringError(why);
  auto resolved = resolveQuantizeDefaults(requested, module);
  if (!resolved)
    return resolved.takeError();
  const QuantizeOptions &options = *resolved;
  mlir::MLIRContext *context = module.getContext();
  SequentialModelRuns sequentialRuns; // the analysis threads fill the cores

  // --time: every quantization pass and the quality report, printed when
  // this function returns; analysis and codegen are reported apart.
  mlir::DefaultTimingManager timing;
  timing.setEnabled(options.printTime);
  timing.setDisplayMode(mlir::DefaultTimingManager::DisplayMode::List);
  mlir::TimingScope timingRoot = timing.getRootScope();
  // The flow is quantc-quantize-pipeline (what quant-opt runs), in stages:
  // the report needs the prepared float model, the Pareto sweep the scores.
  // The timers key passes by address: a freed pass's memory, reused for a
  // later timer's name, would merge two timers, so every pass manager lives
  // as long as the timers do.
  std::vector<std::unique_ptr<mlir::PassManager>> passManagers;
  auto runStages = [&](unsigned stages, llvm::StringRef failure) -> llvm::Error {
    mlir::PassManager &pm =
        *passManagers.emplace_back(std::make_unique<mlir::PassManager>(context));
    if (options.printTime)
      pm.enableTiming(timingRoot);
    pm.addPass(createQuantizePipelinePass(options, stages));
    if (mlir::failed(pm.run(module)))
      return llvm::createStringError(modelPath + ": " + failure);
    return llvm::Error::success();
  };
  if (auto error = runStages(kPrepareStage, "preparing the graph failed"))
    return error;
  // Layers are tagged so the report finds each one's output after
  // qnn-fold-scales has replaced the op.
  auto floatLayers = qnn::weightedLayers(module);
  for (auto [index, op] : llvm::enumerate(floatLayers))
    op->setAttr(kLayerId, mlir::IntegerAttr::get(mlir::IntegerType::get(context, 64), index));
  mlir::OwningOpRef<mlir::ModuleOp> floatModule(module.clone());
  floatLayers = qnn::weightedLayers(*floatModule);

  if (auto error = runStages(kCalibrateStage | kScoreStage, "quantization failed"))
    return error;
  if (options.pareto)
    if (auto error = writeParetoFrontier(module, options, llvm::sys::path::parent_path(options.report)))
      return error;
  if (auto error = runStages(kQuantizeStage, "quantization failed"))
    return error;
  if (!options.saveAllocation.empty())
    if (auto error = qnn::writeAllocationFile(module, options.saveAllocation, options.method))
      return error;
  auto allocation = module->getAttrOfType<mlir::DictionaryAttr>("qnn.allocation");
  // Formats before qnn-fold-scales: a requantized layer's float op is gone.
  std::vector<LayerChoice> choices(floatLayers.size());
  module.walk([&](mlir::Operation *op) {
    if (auto id = op->getAttrOfType<mlir::IntegerAttr>(kLayerId))
      if (id.getInt() >= 0 && size_t(id.getInt()) < choices.size())
        choices[id.getInt()] = layerChoice(op);
  });
  std::vector<TableChoice> tables = embeddingTables(module);
  if (auto error = runStages(kFoldStage, "folding scales failed"))
    return error;
  // Quality: each tagged layer's float output in both modules.
  std::vector<mlir::Operation *> quantLayers(floatLayers.size(), nullptr);
  module.walk([&](mlir::Operation *op) {
    if (auto id = op->getAttrOfType<mlir::IntegerAttr>(kLayerId)) {
      if (id.getInt() >= 0 && size_t(id.getInt()) < quantLayers.size())
        quantLayers[id.getInt()] = op;
      op->removeAttr(kLayerId);
    }
  });
  std::vector<mlir::Value> floatProbes, quantProbes;
  std::vector<size_t> probedLayers;
  for (auto [index, f] : llvm::enumerate(floatLayers)) {
    f->removeAttr(kLayerId);
    mlir::Operation *q = quantLayers[index];
    if (!q || q->getResult(0).getType() != f->getResult(0).getType())
      continue;
    floatProbes.push_back(f->getResult(0));
    quantProbes.push_back(q->getResult(0));
    probedLayers.push_back(index);
  }
  auto target = resolveTarget("host");
  if (!target)
    return target.takeError();
  target->kernelActivations = options.kernelActivations;
  if (options.lutBits >= 0)
    target->lutBits = unsigned(options.lutBits);
  mlir::TimingScope reportTiming = timingRoot.nest("quality report (compile and run both models)");
  auto floatModel = ProbedModel::compile(*floatModule, floatProbes, *target);
  if (!floatModel)
    return floatModel.takeError();
  auto quantModel = ProbedModel::compile(module, quantProbes, *target);
  if (!quantModel)
    return quantModel.takeError();
  const ModelSignature &signature = (*floatModel)->signature();
  std::string error;
  // Data-free calibration already warned when it had nothing to go on.
  const std::vector<std::string> &evaluation = options.evaluationSamples();
  auto loaded = qnn::calibrationSamples(*floatModule, signature, evaluation, 16, error,
                                        /*warnDataFree=*/!(options.activationBits() || options.roundsByHessian()));
  // Weight-only quantization needs no data: without samples the report says so.
  if (mlir::failed(loaded) && !evaluation.empty())
    return llvm::createStringError(error);
  std::vector<Sample> samples = mlir::succeeded(loaded) ? std::move(*loaded) : std::vector<Sample>{};
  std::string unmeasured = samples.empty() ? error : "";
  if (!unmeasured.empty())
    llvm::errs() << "quality not measured: " << unmeasured << "\n";

  std::vector<ErrorAccumulator> outputErrors(signature.outputs.size()),
      layerErrors(floatProbes.size());
  // Every layer's output of both models per run: a large model's runs are
  // not overlapped with their comparison (Parallel.h).
  unsigned slots = sampleSlots((*floatModel)->outputBytes() + (*quantModel)->outputBytes());
  std::vector<ProbedModel::Outputs> floatSlots(slots), quantSlots(slots);
  auto runBoth = [&](size_t s, unsigned slot) -> llvm::Error {
    if (auto e = (*floatModel)->run(samples[s].buffers(), floatSlots[slot]))
      return e;
    return (*quantModel)->run(samples[s].buffers(), quantSlots[slot]);
  };
  auto compare = [&](size_t, unsigned slot) {
    const ProbedModel::Outputs &f = floatSlots[slot], &q = quantSlots[slot];
    for (size_t i = 0; i < signature.outputs.size(); ++i)
      if (signature.outputs[i].dtype == QUANTC_FLOAT32)
        outputErrors[i].add((*floatModel)->output(f, i), (*quantModel)->output(q, i),
                            signature.outputs[i].numel());
    for (size_t i = 0; i < floatProbes.size(); ++i)
      layerErrors[i].add((*floatModel)->probe(f, i), (*quantModel)->probe(q, i),
                         (*floatModel)->probeSize(i));
    return llvm::Error::success();
  };
  if (auto e = forEachSample(samples.size(), runBoth, compare, slots))
    return e;
  std::vector<MeasuredTensor> outputs, layers;
  for (size_t i = 0; i < signature.outputs.size(); ++i) {
    MeasuredTensor t;
    t.name = signature.outputs[i].name;
    t.measured = !samples.empty() && signature.outputs[i].dtype == QUANTC_FLOAT32;
    t.stats = outputErrors[i].stats();
    outputs.push_back(t);
    if (!t.measured || options.quiet)
      continue;
    llvm::errs() << llvm::format("quantized output '%s': SQNR %.2f dB, cosine %.6f, max |err| %.4g "
                                 "(%zu %s samples)\n",
                                 t.name.c_str(), t.stats.sqnrDb, t.stats.cosine,
                                 t.stats.maxAbsError, samples.size(), options.evaluationKind());
  }
  size_t probe = 0;
  for (auto [index, f] : llvm::enumerate(floatLayers)) {
    mlir::Operation *q = quantLayers[index];
    bool measured = probe < probedLayers.size() && probedLayers[probe] == index;
    MeasuredTensor t;
    t.name = qnn::layerName(f);
    t.op = f->getName().getStringRef().str();
    if (!measured)
      t.op += " (int8 out)"; // requantized straight into the next layer's int8 input
    else if (llvm::isa<qnn::DequantizeOp>(q))
      t.op += " (int8)"; // qnn-fold-scales made it an integer kernel
    t.choice = choices[index];
    t.format = t.choice.format;
    mlir::Value weight = qnn::floatWeight(f);
    t.parameters = weight ? llvm::cast<mlir::RankedTensorType>(weight.getType()).getNumElements() : 0;
    if (weight)
      for (int64_t d : llvm::cast<mlir::RankedTensorType>(weight.getType()).getShape())
        t.shape += (t.shape.empty() ? "" : "x") + std::to_string(d);
    if (!weight)
      t.format = "(activations)";
    t.measured = measured && !samples.empty();
    if (t.measured)
      t.stats = layerErrors[probe++].stats();
    layers.push_back(t);
  }
  if (options.report.empty())
    return llvm::Error::success();
  return writeReport(options.report, outputs, layers, tables, options, modelPath, samples.size(),
                     unmeasured, allocation);
}

} // namespace quantc
