// qnn-measure-latency: each layer's measured latency at every candidate
// bit-width, from a per-target cache of single-layer benchmarks.
#include "passes/Transforms/Layers.h"
#include "passes/Transforms/Passes.h"

#include "quantc/Execution/Execution.h"
#include "quantc/Support/AtomicFile.h"
#include "quantc/Support/CacheDirectory.h"
#include "quantc/Support/Progress.h"

#include "dialects/QNN/QNNOps.h"
#include "llvm/ADT/ScopeExit.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/xxhash.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <algorithm>
#include <chrono>
#include <random>

namespace quantc::qnn {
#define GEN_PASS_DEF_QNNMEASURELATENCYPASS
#include "passes/Transforms/Passes.h.inc"

using namespace mlir;

namespace {

/// Bumped whenever code generation changes what a kernel costs: every
/// cached entry of an older version is measured again.
constexpr llvm::StringLiteral kKernelVersion = "quantc-kernels-2"; // 2: packed MatMul/Gemm kernels

/// What determines a layer's kernel: op, operand/result types, attributes
/// (discardable qnn.* analysis attributes excluded) and the formats.
std::string layerKey(Operation *op, const TargetSpec &target, unsigned bits, unsigned actBits,
                     int64_t groupSize) {
  std::string key;
  llvm::raw_string_ostream os(key);
  os << kKernelVersion << "|" << target.triple << "|" << target.cpu << "|features:"
     << llvm::format_hex_no_prefix(llvm::xxh3_64bits(target.features), 16) << "|" << op->getName()
     << "|";
  for (Type type : op->getOperandTypes())
    os << type << ",";
  os << "->" << op->getResult(0).getType() << "|";
  for (NamedAttribute attribute : op->getAttrs())
    if (!attribute.getName().strref().starts_with("qnn."))
      os << attribute.getName() << "=" << attribute.getValue() << ";";
  os << "|w" << bits << "|a" << actBits << "|g" << groupSize;
  return key;
}

struct QNNMeasureLatencyPass : impl::QNNMeasureLatencyPassBase<QNNMeasureLatencyPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::string error;
    auto parsed = parseCandidateBits(bits, error);
    if (!parsed)
      return fail(error);
    const std::vector<unsigned> &candidates = *parsed;
    if (actBits != 0 && actBits != 8)
      return fail("act-bits must be 0 (float activations) or 8");
    if (repeats < 1)
      return fail("repeats must be at least 1");
    auto target = resolveTarget("host");
    if (!target)
      return fail(llvm::toString(target.takeError()));

    std::string path = cache.empty() ? cachePath("latency.json") : std::string(cache);
    llvm::json::Object table = readCache(path);
    bool changed = false;
    SmallVector<Operation *> layers;
    module.walk([&](Operation *op) {
      if (isWeightedLayer(op) && floatWeight(op))
        layers.push_back(op);
    });
    Progress progress("latency measurement", layers.size(), "layers");
    for (Operation *op : layers) {
      llvm::scope_exit advance([&] { progress.advance(); });
      SmallVector<double> latencies;
      for (unsigned b : candidates) {
        std::string key = layerKey(op, *target, b, actBits, groupSize);
        if (std::optional<double> cached = table.getNumber(key)) {
          latencies.push_back(*cached);
          continue;
        }
        auto measured = measure(op, b, *target);
        if (failed(measured))
          return signalPassFailure();
        table[key] = *measured;
        latencies.push_back(*measured);
        changed = true;
      }
      op->setAttr("qnn.latency_ms", DenseF64ArrayAttr::get(&getContext(), latencies));
    }
    if (changed && !path.empty()) {
      llvm::SmallString<256> directory(path);
      llvm::sys::path::remove_filename(directory);
      // A cache that cannot be written only costs the next run the measurements.
      if (!llvm::sys::fs::create_directories(directory))
        if (auto error = writeFileAtomically(
                path, llvm::formatv("{0:2}", llvm::json::Value(std::move(table))).str() + "\n"))
          module.emitWarning() << "qnn-measure-latency: " << llvm::toString(std::move(error));
    }
  }

  llvm::json::Object readCache(const std::string &path) {
    if (path.empty())
      return {};
    auto buffer = llvm::MemoryBuffer::getFile(path);
    if (!buffer)
      return {};
    auto parsed = llvm::json::parse((*buffer)->getBuffer());
    if (!parsed || !parsed->getAsObject()) {
      llvm::consumeError(parsed ? llvm::Error::success() : parsed.takeError());
      getOperation().emitWarning() << "qnn-measure-latency: ignoring unreadable cache " << path;
      return {};
    }
    return std::move(*parsed->getAsObject());
  }

  /// Median milliseconds of the layer alone, weights quantized to `bits`
  /// (and activations to int8 when act-bits = 8), as quantc compiles it.
  FailureOr<double> measure(Operation *layer, unsigned bits, const TargetSpec &target) {
    MLIRContext *context = &getContext();
    OwningOpRef<ModuleOp> single = ModuleOp::create(layer->getLoc());
    OpBuilder b(single->getBodyRegion());
    SmallVector<Value> activations = activationInputs(layer);
    SmallVector<Type> argumentTypes;
    for (Value v : activations)
      argumentTypes.push_back(v.getType());
    auto main = func::FuncOp::create(b, layer->getLoc(), "main",
                                     FunctionType::get(context, argumentTypes, layer->getResult(0).getType()));
    Block *body = main.addEntryBlock();
    b.setInsertionPointToStart(body);
    IRMapping mapping;
    for (auto [value, argument] : llvm::zip(activations, body->getArguments())) {
      mapping.map(value, argument);
      if (actBits)
        setCalibratedRange(argument, -4.0, 4.0);
    }
    for (Value operand : layer->getOperands())
      if (!mapping.contains(operand))
        mapping.map(operand, b.clone(*operand.getDefiningOp())->getResult(0));
    Operation *clone = b.clone(*layer, mapping);
    for (NamedAttribute attribute : layer->getDiscardableAttrs())
      clone->removeAttr(attribute.getName());
    func::ReturnOp::create(b, layer->getLoc(), clone->getResult(0));

    PassManager pm(context);
    QNNQuantizePassOptions quantize;
    quantize.bits = std::to_string(bits);
    quantize.groupSize = groupSize;
    quantize.actBits = actBits;
    pm.addPass(createQNNQuantizePass(quantize));
    if (actBits == 8)
      pm.addPass(createQNNFoldScalesPass());
    auto cannotCompile = [&] {
      return layer->emitError() << "qnn-measure-latency: cannot compile layer '" << layerName(layer)
                                << "' alone";
    };
    if (failed(pm.run(*single)))
      return cannotCompile();
    auto signature = readSignature(*single);
    if (!signature) {
      llvm::consumeError(signature.takeError());
      return cannotCompile();
    }
    if (failed(lowerToLLVMDialect(*single, target)))
      return cannotCompile();
    auto jit = JITModel::compile(*single, target);
    if (!jit)
      return layer->emitError() << "qnn-measure-latency: " << llvm::toString(jit.takeError());
    std::mt19937 rng(1);
    std::normal_distribution<float> normal;
    std::vector<std::vector<float>> buffers;
    for (const TensorSignature &t : signature->inputs) {
      buffers.emplace_back(t.numel());
      for (float &v : buffers.back())
        v = normal(rng);
    }
    for (const TensorSignature &t : signature->outputs)
      buffers.emplace_back(std::max<int64_t>(t.numel(), 1) * 2);
    std::vector<void *> pointers;
    for (auto &buffer : buffers)
      pointers.push_back(buffer.data());
    std::vector<double> times;
    for (int i = 0; i < repeats + 2; ++i) { // two warm-up runs
      auto start = std::chrono::steady_clock::now();
      if (auto error = (*jit)->run(pointers))
        return layer->emitError() << "qnn-measure-latency: " << llvm::toString(std::move(error));
      std::chrono::duration<double, std::milli> elapsed = std::chrono::steady_clock::now() - start;
      if (i >= 2)
        times.push_back(elapsed.count());
    }
    std::nth_element(times.begin(), times.begin() + times.size() / 2, times.end());
    return times[times.size() / 2];
  }

  void fail(const std::string &message) {
    getOperation().emitError() << "qnn-measure-latency: " << message;
    signalPassFailure();
  }
};

} // namespace
} // namespace quantc::qnn
