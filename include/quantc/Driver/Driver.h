// The quantc driver: the steps the `quantc` tool chains (import, output, reports).
#ifndef QUANTC_DRIVER_DRIVER_H
#define QUANTC_DRIVER_DRIVER_H

#include "quantc/Import/ONNX.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/Error.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace quantc {

/// Writes `module` to `path` (bytecode for *.mlirbc, text otherwise, "-" for
/// stdout) through a temporary file renamed on success, so a failure never
/// leaves a partial output. Returns an empty string or the error.
std::string writeModuleAtomically(mlir::ModuleOp module, llvm::StringRef path);

/// What an imported module holds, for `quantc import --stats`.
struct ModuleStats {
  int64_t ops = 0;            // qnn ops other than constants
  int64_t weightTensors = 0;  // distinct dense_resource blobs
  int64_t parameters = 0;     // float elements in those blobs
  int64_t weightBytes = 0;
};
ModuleStats computeModuleStats(mlir::ModuleOp module);
void printModuleStats(const ModuleStats &stats, llvm::raw_ostream &os);

/// How `compile`/`run` quantize the imported model (all off: float model).
struct QuantizeOptions {
  std::string bits;                 // --bits: N | ternary | binary | regex=N,... (empty: float weights)
  int64_t groupSize = 0;            // --group-size: 0 per channel, -1 per tensor, else per group
  bool symmetric = true;            // --weight-scheme sym|asym
  std::string method = "auto";      // --weight-method auto|rtn|gptq|adaround (auto: adaround with --calib)
  bool clipSearch = true;           // --weight-clip mse (default) | minmax
  std::string embeddingBits = "auto"; // --embedding-bits N | none | auto (QuantizePipeline.cpp)
  std::string actBits = "none";     // --act-bits 8|16|none
  std::string kernelActivations = "int8"; // --kernel-activations int8|float (packed kernels)
  bool kernelActivationsGiven = false;    // the user chose them (a GPU target's are float)
  int lutBits = -1;                 // --lut-bits: LUT kernels up to N bits; -1: the target's default
  bool actSymmetric = false;        // --act-scheme sym|asym
  std::vector<std::string> calib;   // --calib: .npy files or directories
  std::vector<std::string> eval;    // --eval: held-out samples for the report and --pareto
  std::string calibMethod = "layer"; // --calib-method
  double percentile = 99.99;
  double smoothQuant = 0;           // --smooth-quant ALPHA (0: off)
  /// --refit-weights (qnn-refit-weights before rounding); unset: on for
  /// int8/auto activations with calibration data and GPTQ or AdaRound.
  std::optional<bool> refitWeights;
  bool biasCorrection = false;      // --bias-correction (off: it cost rec 2 CER points, RESULTS.md)
  bool channelRanges = true;        // --channel-ranges: per-channel int8 depthwise inputs where better
  std::string report;               // --report: JSON path (a .txt table is written beside it)
  bool integer = true;              // with 8-bit activations: qnn-fold-scales (integer convs)
  // Bit allocation (qnn-sensitivity + qnn-allocate-bits) when a budget is set.
  double avgBits = 0;               // --avg-bits
  double sizeBudget = 0;            // --size-budget (bytes)
  double bopsBudget = 0;            // --bops-budget
  double latencyBudgetMs = 0;       // --latency-budget-ms (measured, cached per target)
  std::string latencyCache;         // --latency-cache (default ~/.cache/quantc/latency.json)
  std::string sensitivity;          // --sensitivity (default: hessian-kl with --calib, else weight-sqnr)
  std::string candidateBits = "2,3,4,5,6,8"; // --candidate-bits
  // Widths below this join the allocation only when a budget needs them:
  // 2-bit layers' errors compound far beyond their summed sensitivities
  // (bench/RESULTS.md). 0 with an explicit --candidate-bits.
  unsigned preferredMinBits = 3;
  // The final layers (rec's classifier) below this only when a budget needs
  // it, with the refit on: no later layer's refit absorbs their rounding
  // error (rec's classifier: with the top-class sensitivity, 0.5 CER points
  // over five budgets, bench/RESULTS.md). 0 with an explicit --candidate-bits.
  unsigned outputMinBits = 4;
  // Grouped (depthwise) and transposed convolutions below this only when a
  // budget needs it, with the refit on: GPTQ and AdaRound round them to
  // nearest (no X^T X) and the refit leaves them; 3% of rec's weights, and
  // 8 bits for them read 0.4 CER points closer to the truth over five A8
  // budgets on 3600 held-out lines (bench/RESULTS.md). 0 with an explicit
  // --candidate-bits, and with --act-bits auto and --decisive-channels=false,
  // where it lost.
  unsigned groupedMinBits = 8;
  // A final classifier's winning output channels (on the calibration
  // samples) in a layer of their own at 8 bits, with a bit allocation and
  // --calib: rec's blank and its 76 other winners hold half of the 4-bit
  // classifier's error (bench/RESULTS.md). --decisive-channels=false: off.
  bool decisiveChannels = true;
  bool pinFirstLast = false;        // --pin-first-last
  std::string pins;                 // --pin 'regex=bits,...'
  bool pareto = false;              // --pareto: OUT/pareto.json + .svg
  std::string saveAllocation;       // --save-allocation FILE.json
  std::string allocationFile;       // --allocation FILE.json: a saved allocation, applied
  std::string sensitivityCache;     // --sensitivity-cache directory (empty: none)
  bool printTime = false;           // --time: each quantization pass's time on stderr
  bool quiet = false;               // --quiet: no per-output quality lines on stderr
  bool allocates() const {
    return avgBits > 0 || sizeBudget > 0 || bopsBudget > 0 || latencyBudgetMs > 0;
  }
  bool enabled() const {
    return !bits.empty() || actBits != "none" || allocates() || !allocationFile.empty();
  }
  /// Whether qnn-split-decisive-channels runs: it needs an allocation to
  /// widen the winners and calibration samples to find them.
  bool splitsDecisiveChannels() const { return decisiveChannels && allocates() && !calib.empty(); }
  /// Per-layer widths: chosen by a budget or read from --allocation.
  bool perLayerWidths() const { return allocates() || !allocationFile.empty(); }
  /// The activation width of quantized layer inputs: 8 (and for auto, 8
  /// unless the allocation gives a layer 16), 16, or 0 for float.
  unsigned activationBits() const {
    return actBits == "8" || actBits == "auto" ? 8 : actBits == "16" ? 16 : 0;
  }
  /// GPTQ and AdaRound read each layer's X^T X; round to nearest does not.
  bool roundsByHessian() const { return method != "rtn"; }
  /// The samples quality is measured on: --eval when given, else --calib.
  const std::vector<std::string> &evaluationSamples() const { return eval.empty() ? calib : eval; }
  /// "held-out", "calibration" or "data-free", for reports.
  const char *evaluationKind() const {
    return !eval.empty() ? "held-out" : !calib.empty() ? "calibration" : "data-free";
  }
};

/// Options shared by `quantc compile` and `quantc run`.
struct ExecuteOptions {
  std::string model;                // .onnx file, or (run) an artifact directory
  ONNXImportOptions import;
  std::string target = "host";
  std::vector<std::string> inputs;  // name=file.npy, or file.npy for a single input
  std::string output;               // -o: file, directory, or empty
  std::string name;                 // compile: artifact name (default: from the file name)
  std::string emit = "so";          // compile: qnn | qnn-int | qkernel | loops | llvm | asm | so
  int repeat = 1;                   // run: timed repetitions
  int threads = 0;                  // run: parallel loops' threads (0: the runtime's default)
  std::string sanitize;             // compile: "thread" instruments the artifact for TSan
  std::string weights = "auto";     // compile: large weights in a file (file), the .so (embed), or by size
  std::string gpuGemv = "split-k";  // compile, GPU targets: the GEMVs' launches (GPUGemvTuning.h)
  bool gpuDeterministic = true;     // compile, GPU targets: split-K sums in order, not atomically
  std::string objectCache;          // compile: compiled partitions' directory (empty: none)
  bool printTime = false;
  QuantizeOptions quantize;
};

/// Folds BatchNorm, calibrates (when activations are quantized or GPTQ asks
/// for Hessians), quantizes, and measures the result against the float
/// model on the calibration samples. The report goes to options.report
/// (+ .txt) when set; a one-line summary per model output goes to stderr.
llvm::Error quantizeModel(mlir::ModuleOp module, const QuantizeOptions &options,
                          llvm::StringRef modelPath);

/// `quantc compile`: import, lower and write an artifact (or an --emit stage).
llvm::Error compileModel(const ExecuteOptions &options, mlir::MLIRContext &context);

/// `quantc export-onnx` (alias export-qdq): import, quantize and write an ONNX
/// model for ONNX Runtime to -o.
llvm::Error exportONNXModel(const ExecuteOptions &options, mlir::MLIRContext &context);

/// `quantc run`: execute an .onnx model through the JIT, or a compiled artifact
/// directory through its shared library, on .npy inputs.
llvm::Error runModel(const ExecuteOptions &options, mlir::MLIRContext &context);

} // namespace quantc

#endif // QUANTC_DRIVER_DRIVER_H
