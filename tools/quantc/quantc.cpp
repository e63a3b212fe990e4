// quantc: the compiler driver (`quantc import | compile | run`).
#include "quantc/Driver/Driver.h"
#include "quantc/Driver/Options.h"
#include "quantc/Import/ONNX.h"
#include "quantc/Driver/QuantizePipeline.h"
#include "quantc/InitAll.h"
#include "quantc/Support/CacheDirectory.h"
#include "quantc/Support/MappedPages.h"
#include "quantc/Support/Progress.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"

#include <chrono>

namespace cl = llvm::cl;

static cl::SubCommand importCommand("import", "Import an ONNX model into qnn IR");
static cl::SubCommand compileCommand(
    "compile", "Compile an ONNX model to OUT/lib<name>.so + <name>.h (or an --emit stage)");
static cl::SubCommand exportCommand(
    "export-onnx", "Quantize an ONNX model and write it as ONNX for ONNX Runtime (MatMulNBits, "
                   "QDQ with blocked INT4); export-qdq is an alias");
static cl::SubCommand runCommand(
    "run", "Run an ONNX model (JIT) or a compiled artifact directory on .npy inputs");
static cl::opt<std::string> importModel(cl::Positional, cl::desc("<model.onnx | artifact dir>"),
                                        cl::Required, cl::sub(importCommand),
                                        cl::sub(compileCommand), cl::sub(exportCommand), cl::sub(runCommand));
static cl::opt<std::string> importOutput(
    "o",
    cl::desc("import: .mlirbc writes bytecode, else text (default stdout); compile: artifact "
             "directory; run: output .npy (a directory when the model has several outputs)"),
    cl::value_desc("path"), cl::sub(importCommand), cl::sub(compileCommand), cl::sub(exportCommand), cl::sub(runCommand));
static cl::list<std::string> inputShapes(
    "input-shape", cl::desc("Bind the dims of a graph input, e.g. x=1,3,48,320 (repeatable)"),
    cl::value_desc("name=dims"), cl::sub(importCommand), cl::sub(compileCommand), cl::sub(exportCommand),
    cl::sub(runCommand));
static cl::list<std::string> inputValues(
    "input-value",
    cl::desc("Freeze a graph input to the TensorProto in a .pb file (repeatable)"),
    cl::value_desc("name=file.pb"), cl::sub(importCommand), cl::sub(compileCommand), cl::sub(exportCommand),
    cl::sub(runCommand));
static cl::opt<bool> noCleanup("no-cleanup",
                               cl::desc("Keep shape subgraphs and dead ops (no folding)"),
                               cl::sub(importCommand));
static cl::opt<bool> printStats("stats", cl::desc("Print op and weight counts to stderr"),
                                cl::sub(importCommand));
static cl::opt<bool> printTime("time", cl::desc("Print compile and run times to stderr"),
                               cl::sub(importCommand), cl::sub(compileCommand), cl::sub(exportCommand),
                               cl::sub(runCommand));
static cl::opt<std::string>
    target("target",
           cl::desc("Code generation target: host (default), x86-64, x86-64-v3 (AVX2), x86-64-v4 "
                    "(AVX-512), x86-64-v4-vnni (AVX-512 VNNI), aarch64 (NEON + dotprod); or an "
                    "NVIDIA GPU: sm_80, sm_90, ... or cuda (the newest ptxas supports), its host "
                    "code for the host CPU or for the CPU after a colon (sm_90:x86-64-v3)"),
           cl::init("host"), cl::sub(compileCommand), cl::sub(runCommand));
static cl::list<std::string> runInputs(
    "input", cl::desc("Bind a graph input to a .npy file: name=file.npy (repeatable)"),
    cl::value_desc("name=file.npy"), cl::sub(runCommand));
static cl::opt<int> threads(
    "threads",
    cl::desc("Threads of the model's parallel loops (default: QUANTC_NUM_THREADS, else every "
             "core); results are bit-identical for any count"),
    cl::init(0), cl::sub(runCommand));
static cl::opt<std::string> sanitize(
    "sanitize",
    cl::desc("Instrument the artifact's code: thread (ThreadSanitizer; for a program built "
             "with -fsanitize=thread and a TSan runtime library in QUANTC_RUNTIME_DIR)"),
    cl::Hidden, cl::sub(compileCommand));
static cl::opt<std::string> weightsPlacement(
    "weights",
    cl::desc("Where an artifact's large weights go: auto (a <name>.weights file beside the .so, "
             "mapped at load, when they reach 64 MiB; else the .so's read-only data), file, or "
             "embed"),
    cl::init("auto"), cl::sub(compileCommand));
static cl::opt<std::string> gpuGemv(
    "gpu-gemv",
    cl::desc(
        "GPU targets: how a weight-only GEMV is launched: split-k (default: K split "
        "until about 8192 warps) or stream-k (as many blocks as the device runs at once, "
        "each warp an equal run of the work), then a device's tuning as :options "
        "(target=N warps for split-K, warps=1|2|4, prefetch=4|8|12|16, stages=2..8, "
        "rows=16..256: layers of fewer rows run as GEMVs, scale-after-mma, past-l1, permute-k, "
        "no-permute-k), as gpu-bench prints it: "
        "stream-k:stages=4:warps=2"),
    cl::init("split-k"), cl::sub(compileCommand));
static cl::opt<bool> gpuDeterministic(
    "gpu-deterministic",
    cl::desc("GPU targets: split-K GEMMs with f32 sums store each block's partial sums, which "
             "a kernel then adds in order, so that every run gives the same bits (default); "
             "=false adds them into y atomically, in whatever order the blocks finish "
             "(stream-K GEMVs always do)"),
    cl::init(true), cl::sub(compileCommand));
static cl::opt<std::string> objectCache(
    "object-cache",
    cl::desc("Directory of compiled code reused when a model (or part of it) compiles to the "
             "same LLVM IR again (default: $XDG_CACHE_HOME/quantc/objects or "
             "~/.cache/quantc/objects; off: none)"),
    cl::value_desc("dir|off"), cl::sub(compileCommand));
static cl::opt<bool> quiet(
    "quiet",
    cl::desc("Print no progress or quality lines on stderr, only warnings and errors (long "
             "steps otherwise report their count and time left on a terminal, one summary "
             "line each elsewhere)"),
    cl::sub(compileCommand), cl::sub(exportCommand), cl::sub(runCommand));
static cl::opt<int> repeat("repeat", cl::desc("Run N more times and time them (with --time)"),
                           cl::init(0), cl::sub(runCommand));
static cl::opt<std::string> artifactName(
    "name", cl::desc("Artifact name: lib<name>.so, <name>_run (default: from the file name)"),
    cl::sub(compileCommand));
static cl::opt<std::string> emit("emit",
                                 cl::desc("Stop at a stage: qnn (imported graph), qnn-int "
                                          "(quantized, scales folded), qkernel (packed kernel "
                                          "ops), loops (bufferized loops), llvm (LLVM dialect), "
                                          "asm (target assembly), so (default: the artifact)"),
                                 cl::init("so"), cl::sub(compileCommand));

// Quantization (compile and run).
static cl::OptionCategory quantizeCategory("Quantization options");
static cl::opt<std::string> weightBits(
    "bits",
    cl::desc("Weight bits: N (2-8), ternary, binary, none, or regex=N entries by node name, "
             "comma separated (e.g. 'conv_first.*=8,4'). Unset: float weights"),
    cl::cat(quantizeCategory), cl::sub(compileCommand), cl::sub(exportCommand), cl::sub(runCommand));
static cl::opt<long> groupSize(
    "group-size", cl::desc("0: per output channel (default), -1: per tensor, 32/64/128: per group"),
    cl::init(0), cl::cat(quantizeCategory), cl::sub(compileCommand), cl::sub(exportCommand), cl::sub(runCommand));
static cl::opt<std::string> weightScheme("weight-scheme", cl::desc("sym (default) or asym"),
                                         cl::init("sym"), cl::cat(quantizeCategory),
                                         cl::sub(compileCommand), cl::sub(exportCommand), cl::sub(runCommand));
static cl::opt<std::string> weightMethod(
    "weight-method", cl::desc("auto (default: adaround for a bit allocation, gptq for uniform "
                              "--bits with --calib, else rtn), rtn (round to nearest, MSE clip search), gptq (error "
                              "compensation) or adaround (rounding searched per layer against "
                              "its output)"),
    cl::init("auto"), cl::cat(quantizeCategory), cl::sub(compileCommand), cl::sub(exportCommand), cl::sub(runCommand));
static cl::opt<std::string> weightClip(
    "weight-clip", cl::desc("Weight ranges: mse (MSE-optimal clip search, default) or minmax"),
    cl::init("mse"), cl::cat(quantizeCategory), cl::sub(compileCommand), cl::sub(exportCommand), cl::sub(runCommand));
static cl::opt<std::string> embeddingBits(
    "embedding-bits",
    cl::desc("Embedding tables (Gather of a constant [rows, columns] table of 64K+ weights): "
             "N (2-8) bits in --group-size groups, none (float), or auto (default: a plain "
             "--bits N's N, 8 with a bit allocation)"),
    cl::init("auto"), cl::cat(quantizeCategory), cl::sub(compileCommand), cl::sub(exportCommand),
    cl::sub(runCommand));
static cl::opt<std::string> actBits("act-bits",
                                    cl::desc("Activation bits: 8, 16, none (weight-only), or auto "
                                             "(8 or 16 per layer, chosen by the bit allocation)"),
                                    cl::init("none"), cl::cat(quantizeCategory),
                                    cl::sub(compileCommand), cl::sub(exportCommand), cl::sub(runCommand));
static cl::opt<std::string> kernelActivations(
    "kernel-activations",
    cl::desc("How packed weight-only kernels take activations: int8 (quantized per block of 32, "
             "default) or float (weights widened in registers; GPU targets' only kind, f16 "
             "there); export-onnx: MatMulNBits' accuracy_level 4 or 0"),
    cl::init("int8"), cl::cat(quantizeCategory), cl::sub(compileCommand), cl::sub(exportCommand),
    cl::sub(runCommand));
static cl::opt<int> lutBits(
    "lut-bits",
    cl::desc("Weight-only layers of at most N bits take the LUT (table lookup) kernels instead of "
             "the dot kernels; 0: never (default; the dot kernels measure faster on x86)"),
    cl::init(-1), cl::cat(quantizeCategory), cl::sub(compileCommand), cl::sub(runCommand));
static cl::opt<std::string> actScheme("act-scheme",
                                      cl::desc("asym (default, int8 with zero point) or sym"),
                                      cl::init("asym"), cl::cat(quantizeCategory),
                                      cl::sub(compileCommand), cl::sub(exportCommand), cl::sub(runCommand));
static cl::opt<bool> noFoldScales(
    "no-fold-scales",
    cl::desc("Keep quantized layers as dequantize + float op (the QDQ form) instead of integer "
             "kernels with requantization"),
    cl::cat(quantizeCategory), cl::sub(compileCommand), cl::sub(runCommand));
static cl::list<std::string> calib(
    "calib", cl::desc("Calibration samples: .npy files or directories of them (repeatable); "
                      "none: data-free"),
    cl::cat(quantizeCategory), cl::sub(compileCommand), cl::sub(exportCommand), cl::sub(runCommand));
static cl::list<std::string> evalSamples(
    "eval", cl::desc("Held-out samples (.npy files or directories) the report and --pareto "
                     "measure quality on, instead of the calibration samples"),
    cl::cat(quantizeCategory), cl::sub(compileCommand), cl::sub(exportCommand), cl::sub(runCommand));
static cl::opt<std::string> calibMethod(
    "calib-method",
    cl::desc("Activation ranges: layer (default: MSE weighted by the consuming layers' weights), "
             "mse, minmax, percentile, entropy"),
    cl::init("layer"), cl::cat(quantizeCategory), cl::sub(compileCommand), cl::sub(exportCommand), cl::sub(runCommand));
static cl::opt<double> smoothQuant(
    "smooth-quant",
    cl::desc("SmoothQuant strength alpha in [0, 1] for LayerNorm-fed MatMul/Gemm inputs with "
             "--act-bits (0: off)"),
    cl::init(0.0), cl::cat(quantizeCategory), cl::sub(compileCommand), cl::sub(exportCommand),
    cl::sub(runCommand));
static cl::opt<cl::boolOrDefault> refitWeights(
    "refit-weights",
    cl::desc("Before GPTQ/AdaRound rounding, refit each layer's weights, in order, to the inputs "
             "the quantized model feeds it (qnn-refit-weights; default: on with --calib and "
             "--act-bits 8 or auto)"),
    cl::cat(quantizeCategory), cl::sub(compileCommand), cl::sub(exportCommand),
    cl::sub(runCommand));
static cl::opt<bool> biasCorrection(
    "bias-correction",
    cl::desc("Correct Conv/Gemm biases for the mean output shift of quantized weights, from "
             "calibration means (off by default: it lost 2 CER points on rec, see "
             "bench/RESULTS.md)"),
    cl::init(false), cl::cat(quantizeCategory), cl::sub(compileCommand), cl::sub(exportCommand),
    cl::sub(runCommand));
static cl::opt<bool> channelRanges(
    "channel-ranges",
    cl::desc("Quantize a depthwise convolution's input per channel (symmetric int8) where that "
             "has less expected error than one range for the tensor (default on; "
             "--channel-ranges=false: per tensor)"),
    cl::init(true), cl::cat(quantizeCategory), cl::sub(compileCommand), cl::sub(exportCommand),
    cl::sub(runCommand));
static cl::opt<std::string> report(
    "report", cl::desc("Quality report JSON path (a .txt table beside it); compile writes "
                       "OUT/report.json by default when quantizing"),
    cl::cat(quantizeCategory), cl::sub(compileCommand), cl::sub(exportCommand), cl::sub(runCommand));

// Bit allocation (compile and export-onnx).
static cl::OptionCategory allocateCategory("Bit allocation options");
static cl::opt<double> avgBits(
    "avg-bits", cl::desc("Allocate weight bits per layer (integer program) for this average "
                         "bits per weight"),
    cl::init(0), cl::cat(allocateCategory), cl::sub(compileCommand), cl::sub(exportCommand));
static cl::opt<std::string> sizeBudget(
    "size-budget", cl::desc("Allocate bits so weights and scales fit in BYTES (suffix K, M, G: "
                            "KiB, MiB, GiB)"),
    cl::value_desc("bytes"), cl::cat(allocateCategory), cl::sub(compileCommand), cl::sub(exportCommand));
static cl::opt<double> bopsBudget(
    "bops-budget", cl::desc("Allocate bits within N bit operations (MACs x weight bits x "
                            "activation bits)"),
    cl::init(0), cl::cat(allocateCategory), cl::sub(compileCommand), cl::sub(exportCommand));
static cl::opt<double> latencyBudgetMs(
    "latency-budget-ms", cl::desc("Allocate bits so the layers' measured latencies (cached per "
                                  "target) sum to at most T ms"),
    cl::init(0), cl::cat(allocateCategory), cl::sub(compileCommand), cl::sub(exportCommand));
static cl::opt<std::string> latencyCache(
    "latency-cache", cl::desc("Latency table JSON (default ~/.cache/quantc/latency.json)"),
    cl::cat(allocateCategory), cl::sub(compileCommand), cl::sub(exportCommand));
static cl::opt<std::string> sensitivityMetric(
    "sensitivity", cl::desc("Allocation cost per layer and bit-width: hessian-kl (default; "
                            "without --calib on synthesized samples), output-kl, output-mse, "
                            "hessian, weight-sqnr (default when no samples can be synthesized)"),
    cl::cat(allocateCategory), cl::sub(compileCommand), cl::sub(exportCommand));
static cl::opt<std::string> candidateBits(
    "candidate-bits", cl::desc("Bit-widths the allocation chooses from (default 2,3,4,5,6,8, "
                               "2 only where the budget cannot be met without it)"),
    cl::init("2,3,4,5,6,8"), cl::cat(allocateCategory), cl::sub(compileCommand), cl::sub(exportCommand));
static cl::opt<bool> decisiveChannels(
    "decisive-channels",
    cl::desc("With a bit allocation and --calib, a final classifier's output channels that win "
             "on a calibration sample form a layer of their own at 8 bits (default true)"),
    cl::init(true), cl::cat(allocateCategory), cl::sub(compileCommand), cl::sub(exportCommand));
static cl::opt<bool> pinFirstLast(
    "pin-first-last", cl::desc("Keep the first and last layer at 8 bits"),
    cl::init(false), cl::cat(allocateCategory), cl::sub(compileCommand), cl::sub(exportCommand));
static cl::list<std::string> pinList(
    "pin", cl::desc("Pin layers by node name: 'regex=bits,...' (repeatable)"),
    cl::cat(allocateCategory), cl::sub(compileCommand), cl::sub(exportCommand));

static cl::opt<std::string> saveAllocation(
    "save-allocation",
    cl::desc("Write each layer's chosen weight and input widths (and the weight method) to "
             "FILE.json, for --allocation"),
    cl::value_desc("FILE.json"), cl::cat(allocateCategory), cl::sub(compileCommand),
    cl::sub(exportCommand));
static cl::opt<std::string> applyAllocation(
    "allocation",
    cl::desc("Quantize each layer as a --save-allocation file says, without sensitivity "
             "analysis or the integer program (calibration still runs)"),
    cl::value_desc("FILE.json"), cl::cat(allocateCategory), cl::sub(compileCommand),
    cl::sub(exportCommand));
static cl::opt<std::string> sensitivityCache(
    "sensitivity-cache",
    cl::desc("Directory of sensitivity scores reused when the same model, calibration files "
             "and sensitivity options come again (default: $XDG_CACHE_HOME/quantc/sensitivity "
             "or ~/.cache/quantc/sensitivity; off: none)"),
    cl::value_desc("dir|off"), cl::cat(allocateCategory), cl::sub(compileCommand),
    cl::sub(exportCommand));
static cl::opt<bool> pareto(
    "pareto", cl::desc("Also sweep the avg-bits budget and write the size / output error "
                       "frontier (integer program vs uniform) to OUT/pareto.json and pareto.svg"),
    cl::cat(allocateCategory), cl::sub(compileCommand));

/// The quantization flags into `options`; returns an error message.
static std::string parseQuantizeOptions(quantc::QuantizeOptions &options) {
  auto flag = [](const char *name, const std::string &value, std::string error) {
    return error.empty() ? error : "--" + std::string(name) + "=" + value + ": " + error;
  };
  if (!weightBits.empty())
    if (auto error = flag("bits", weightBits, quantc::checkBitsFlag(weightBits)); !error.empty())
      return error;
  if (candidateBits.getNumOccurrences())
    if (auto error = flag("candidate-bits", candidateBits,
                          quantc::checkCandidateBitsFlag(candidateBits));
        !error.empty())
      return error;
  std::string pins = llvm::join(pinList, ",");
  if (!pins.empty())
    if (auto error = flag("pin", pins, quantc::checkPinsFlag(pins)); !error.empty())
      return error;
  options.bits = weightBits;
  options.groupSize = groupSize;
  if (weightScheme != "sym" && weightScheme != "asym")
    return "--weight-scheme must be sym or asym, got '" + weightScheme + "'";
  options.symmetric = weightScheme == "sym";
  options.method = weightMethod;
  if (weightClip != "mse" && weightClip != "minmax")
    return "--weight-clip must be mse or minmax, got '" + weightClip + "'";
  options.clipSearch = weightClip == "mse";
  options.embeddingBits = embeddingBits;
  options.actBits = actBits;
  if (kernelActivations != "int8" && kernelActivations != "float")
    return "--kernel-activations must be int8 or float, got '" + kernelActivations + "'";
  options.kernelActivations = kernelActivations;
  options.kernelActivationsGiven = kernelActivations.getNumOccurrences() > 0;
  if (lutBits < -1 || lutBits > 4)
    return "--lut-bits must be in [0, 4], got " + std::to_string(lutBits);
  options.lutBits = lutBits;
  if (actScheme != "sym" && actScheme != "asym")
    return "--act-scheme must be sym or asym, got '" + actScheme + "'";
  options.actSymmetric = actScheme == "sym";
  options.calib = calib;
  options.eval = evalSamples;
  if (!(smoothQuant >= 0 && smoothQuant <= 1))
    return llvm::formatv("--smooth-quant={0}: must be in [0, 1]", llvm::format("%g", double(smoothQuant))).str();
  options.smoothQuant = smoothQuant;
  if (refitWeights != cl::BOU_UNSET)
    options.refitWeights = refitWeights == cl::BOU_TRUE;
  options.biasCorrection = biasCorrection;
  options.channelRanges = channelRanges;
  options.integer = !noFoldScales;
  options.calibMethod = calibMethod;
  options.report = report;
  if (avgBits.getNumOccurrences() && !(avgBits > 0 && avgBits <= 8))
    return llvm::formatv("--avg-bits={0}: must be in (0, 8]", llvm::format("%g", double(avgBits)))
        .str();
  options.avgBits = avgBits;
  if (!sizeBudget.empty()) {
    options.sizeBudget = quantc::parseByteCount(sizeBudget);
    if (options.sizeBudget < 0)
      return "--size-budget=" + sizeBudget + ": not a positive byte count (suffix K, M or G)";
  }
  if (bopsBudget.getNumOccurrences() && !(bopsBudget > 0))
    return "--bops-budget must be positive";
  options.bopsBudget = bopsBudget;
  if (latencyBudgetMs.getNumOccurrences() && !(latencyBudgetMs > 0))
    return "--latency-budget-ms must be positive";
  options.latencyBudgetMs = latencyBudgetMs;
  options.latencyCache = latencyCache;
  options.sensitivity = sensitivityMetric;
  options.candidateBits = candidateBits;
  if (candidateBits.getNumOccurrences())
    // The user's widths, all of them.
    options.preferredMinBits = options.outputMinBits = options.groupedMinBits = 0;
  options.pinFirstLast = pinFirstLast;
  options.decisiveChannels = decisiveChannels;
  options.pins = pins;
  options.saveAllocation = saveAllocation;
  options.allocationFile = applyAllocation;
  options.pareto = pareto;
  if (!options.enabled() && (!calib.empty() || !evalSamples.empty() || !report.empty()))
    return "--calib, --eval and --report need --bits or --act-bits";
  return "";
}

static int fail(const std::string &message) {
  llvm::errs() << "quantc: error: " << message << "\n";
  return 1;
}

/// Prints diagnostics as "file: error: message" (ONNX files have no line numbers).
static mlir::LogicalResult printDiagnostic(mlir::Diagnostic &diag) {
  mlir::Location loc = diag.getLocation();
  if (auto name = llvm::dyn_cast<mlir::NameLoc>(loc))
    loc = name.getChildLoc();
  llvm::raw_ostream &os = llvm::errs();
  if (auto file = llvm::dyn_cast<mlir::FileLineColLoc>(loc)) {
    os << file.getFilename().getValue();
    if (file.getLine())
      os << ":" << file.getLine() << ":" << file.getColumn();
  } else {
    os << "quantc";
  }
  switch (diag.getSeverity()) {
  case mlir::DiagnosticSeverity::Error: os << ": error: "; break;
  case mlir::DiagnosticSeverity::Warning: os << ": warning: "; break;
  case mlir::DiagnosticSeverity::Note: os << ": note: "; break;
  case mlir::DiagnosticSeverity::Remark: os << ": remark: "; break;
  }
  os << diag.str() << "\n";
  for (mlir::Diagnostic &note : diag.getNotes())
    (void)printDiagnostic(note);
  return mlir::success();
}

/// --input-shape / --input-value into import options; returns an error message.
static std::string parseImportOptions(quantc::ONNXImportOptions &options) {
  options.cleanup = !noCleanup;
  for (const std::string &spec : inputShapes)
    if (std::string error = quantc::parseInputShape(spec, options); !error.empty())
      return error;
  for (const std::string &spec : inputValues) {
    auto [name, file] = llvm::StringRef(spec).split('=');
    if (name.empty() || file.empty())
      return "--input-value expects name=file.pb, got '" + spec + "'";
    options.inputValues[name.str()] = file.str();
  }
  return "";
}

enum class Mode { Compile, Run, Export };

static int runExecute(Mode mode) {
  quantc::ExecuteOptions options;
  options.model = importModel;
  if (std::string error = parseImportOptions(options.import); !error.empty())
    return fail(error);
  options.target = target;
  options.inputs = runInputs;
  options.output = importOutput;
  options.name = artifactName;
  options.emit = emit;
  options.repeat = repeat;
  if (threads.getNumOccurrences() && threads < 1)
    return fail("--threads must be at least 1, got " + std::to_string(threads));
  options.threads = threads;
  options.sanitize = sanitize;
  options.weights = weightsPlacement;
  options.gpuGemv = gpuGemv;
  options.gpuDeterministic = gpuDeterministic;
  options.objectCache = objectCache.getNumOccurrences() ? std::string(objectCache)
                                                        : quantc::cachePath("objects");
  if (options.objectCache == "off")
    options.objectCache.clear();
  options.printTime = printTime;
  options.quantize.printTime = printTime;
  options.quantize.quiet = quiet;
  options.quantize.sensitivityCache = sensitivityCache.getNumOccurrences()
                                          ? std::string(sensitivityCache)
                                          : quantc::cachePath("sensitivity");
  if (options.quantize.sensitivityCache == "off")
    options.quantize.sensitivityCache.clear();
  quantc::enableProgress(!quiet);
  if (std::string error = parseQuantizeOptions(options.quantize); !error.empty())
    return fail(error);

  mlir::DialectRegistry registry;
  quantc::registerAllDialects(registry);
  quantc::registerAllPasses();
  quantc::registerQuantizePipeline();
  mlir::MLIRContext context(registry);
  context.disableMultithreading();
  context.printOpOnDiagnostic(false); // a whole model dump helps nobody
  mlir::ScopedDiagnosticHandler diagnostics(&context, printDiagnostic);
  llvm::Error error = mode == Mode::Compile ? quantc::compileModel(options, context)
                     : mode == Mode::Run   ? quantc::runModel(options, context)
                                           : quantc::exportONNXModel(options, context);
  if (error)
    return fail(llvm::toString(std::move(error)));
  return 0;
}

static int runImport() {
  quantc::ONNXImportOptions options;
  if (std::string error = parseImportOptions(options); !error.empty())
    return fail(error);

  mlir::DialectRegistry registry;
  quantc::registerAllDialects(registry);
  mlir::MLIRContext context(registry);
  context.disableMultithreading(); // one graph, no parallel work: skip the thread pool
  mlir::ScopedDiagnosticHandler diagnostics(&context, printDiagnostic);

  using Clock = std::chrono::steady_clock;
  auto start = Clock::now();
  auto module = quantc::importONNXModel(importModel, context, options);
  if (!module)
    return 1;
  auto imported = Clock::now();
  std::string output = importOutput.empty() ? std::string("-") : std::string(importOutput);
  if (std::string error = quantc::writeModuleAtomically(*module, output); !error.empty())
    return fail(error);
  auto written = Clock::now();

  if (printStats)
    quantc::printModuleStats(quantc::computeModuleStats(*module), llvm::errs());
  if (printTime) {
    auto seconds = [](auto d) { return std::chrono::duration<double>(d).count(); };
    llvm::errs() << llvm::format("import: %.3f s\nwrite: %.3f s\n",
                                 seconds(imported - start), seconds(written - imported));
  }
  return 0;
}

/// LLVM's libraries register hundreds of options of their own (--x86-*,
/// --aarch64-*, ...) in the top-level command; --help lists quantc's
/// subcommands and options, --help-hidden those too.
static void hideLibraryOptions() {
  static const llvm::StringRef shown[] = {"help", "help-list", "help-hidden", "help-list-hidden",
                                          "version"};
  for (auto &entry : cl::getRegisteredOptions(cl::SubCommand::getTopLevel()))
    if (!llvm::is_contained(shown, entry.first) &&
        entry.second->getOptionHiddenFlag() == cl::NotHidden)
      entry.second->setHiddenFlag(cl::Hidden);
}

/// The first single-valued flag of `command` given more than once: cl::opt
/// silently keeps the last value, so `--pin a=3 --weight-method gptq
/// --weight-method rtn` would drop a choice without a word.
static std::string repeatedFlag(cl::SubCommand &command) {
  for (auto &entry : cl::getRegisteredOptions(command)) {
    cl::Option *option = entry.second;
    if (option->getNumOccurrencesFlag() == cl::Optional && !option->isPositional() &&
        option->getNumOccurrences() > 1)
      return entry.first.str();
  }
  return "";
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  hideLibraryOptions();
  // export-qdq was export-onnx's name before it wrote MatMulNBits and INT4.
  std::string exportName = "export-onnx";
  if (argc > 1 && llvm::StringRef(argv[1]) == "export-qdq")
    argv[1] = exportName.data();
  cl::ParseCommandLineOptions(argc, argv,
                              "quantc: quantization compiler for ONNX models\n\n"
                              "  quantc import model.onnx [-o out.mlir|out.mlirbc] "
                              "[--input-shape x=1,3,48,320]\n"
                              "  quantc compile model.onnx --input-shape x=1,3,48,192 -o out/\n"
                              "  quantc run model.onnx|out/ --input x=x.npy [-o y.npy]\n"
                              "  quantc export-onnx model.onnx --bits 4 --calib DIR "
                              "-o model.ort.onnx\n");
  for (cl::SubCommand *command : {&importCommand, &compileCommand, &runCommand, &exportCommand})
    if (*command)
      if (std::string name = repeatedFlag(*command); !name.empty())
        return fail("--" + name + " was given more than once; give it once");
  // Read by the analysis threads and by the runtime (which would ignore a bad value).
  if (const char *text = std::getenv("QUANTC_NUM_THREADS")) {
    unsigned count = 0;
    if (llvm::StringRef(text).trim().getAsInteger(10, count) || count == 0)
      return fail("QUANTC_NUM_THREADS must be a positive integer, got '" + std::string(text) + "'");
  }
  // Models whose mapped weights outgrow memory hold only the pages in use.
  quantc::MappedPageReaper reaper;
  if (importCommand)
    return runImport();
  if (compileCommand)
    return runExecute(Mode::Compile);
  if (runCommand)
    return runExecute(Mode::Run);
  if (exportCommand)
    return runExecute(Mode::Export);
  llvm::errs() << "quantc: expected a subcommand (quantc --help lists them)\n";
  return 1;
}
