// qnn-split-decisive-channels: a final classifier's winning output channels
// become a layer of their own, which the allocation keeps at 8 bits (see
// Passes.td).
#include "passes/Transforms/Calibration.h"
#include "passes/Transforms/ConstantUtils.h"
#include "passes/Transforms/Layers.h"
#include "passes/Transforms/Passes.h"

#include "quantc/Support/Parallel.h"

#include "dialects/QNN/QNNOps.h"

#include <mutex>
#include <set>

namespace quantc::qnn {
#define GEN_PASS_DEF_QNNSPLITDECISIVECHANNELSPASS
#include "passes/Transforms/Passes.h.inc"

using namespace mlir;

namespace {

/// A final matmul the pass may split and, when its only user adds a
/// constant [N] bias (layerBias), that bias, whose add the split replaces.
struct Candidate {
  MatMulOp matmul;
  std::vector<float> bias;
  Value logits; // what the argmax reads: the add's result, else the matmul's
  std::set<int64_t> winners;
};

struct QNNSplitDecisiveChannelsPass
    : impl::QNNSplitDecisiveChannelsPassBase<QNNSplitDecisiveChannelsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::vector<Candidate> candidates = findCandidates(module);
    if (candidates.empty())
      return;
    if (failed(collectWinners(module, candidates)))
      return signalPassFailure();
    for (Candidate &candidate : candidates) {
      int64_t n = cast<RankedTensorType>(candidate.matmul.getB().getType()).getDimSize(1);
      if (candidate.winners.empty() || double(candidate.winners.size()) > maxFraction * double(n))
        continue;
      split(candidate);
    }
  }

  std::vector<Candidate> findCandidates(ModuleOp module) {
    SmallVector<Operation *> layers = weightedLayers(module);
    std::vector<bool> isFinal = finalLayers(module, layers);
    std::vector<Candidate> found;
    for (auto [op, final] : llvm::zip(layers, isFinal)) {
      auto matmul = dyn_cast<MatMulOp>(op);
      if (!final || !matmul || !floatWeight(op))
        continue;
      auto weightType = cast<RankedTensorType>(matmul.getB().getType());
      auto outputType = dyn_cast<RankedTensorType>(matmul.getType());
      if (weightType.getRank() != 2 || weightType.getDimSize(1) < minChannels || !outputType ||
          !outputType.hasStaticShape() || outputType.getRank() < 2)
        continue;
      Candidate candidate{matmul, {}, matmul.getResult(), {}};
      if (Value bias = layerBias(matmul).value) {
        Value sum = (*matmul->getUsers().begin())->getResult(0); // the add layerBias found
        auto biasType = dyn_cast<RankedTensorType>(bias.getType());
        auto values = readFloats(bias);
        if (sum.getType() == matmul.getType() && biasType && biasType.getRank() == 1 && values &&
            int64_t(values->size()) == weightType.getDimSize(1)) {
          candidate.bias = std::move(*values);
          candidate.logits = sum;
        }
      }
      found.push_back(std::move(candidate));
    }
    return found;
  }

  /// Each candidate's channels that hold the largest logit at some position
  /// of some calibration sample, from one float run per sample.
  LogicalResult collectWinners(ModuleOp module, std::vector<Candidate> &candidates) {
    SmallVector<Value> probes;
    for (Candidate &candidate : candidates)
      probes.push_back(candidate.logits);
    auto model = compileProbedOnHost(module, probes);
    if (!model)
      return fail(llvm::toString(model.takeError()));
    std::string error;
    std::vector<std::string> paths(inputs.begin(), inputs.end());
    // qnn-calibrate warns about data-free samples.
    auto samples = calibrationSamples(module, (*model)->signature(), paths, dataFreeSamples, error,
                                      /*warnDataFree=*/false);
    if (failed(samples))
      return fail(error);
    std::vector<ProbedModel::Outputs> slots(sampleSlots((*model)->outputBytes()));
    std::mutex merge;
    auto run = [&](size_t s, unsigned slot) {
      return (*model)->run((*samples)[s].buffers(), slots[slot]);
    };
    auto collect = [&](size_t, unsigned slot) {
      for (auto [p, candidate] : llvm::enumerate(candidates)) {
        const float *logits = (*model)->probe(slots[slot], p);
        int64_t n = cast<RankedTensorType>(candidate.logits.getType()).getShape().back();
        int64_t positions = (*model)->probeSize(p) / n;
        std::lock_guard<std::mutex> lock(merge);
        for (int64_t at = 0; at < positions; ++at) {
          const float *row = logits + at * n;
          candidate.winners.insert(std::max_element(row, row + n) - row);
        }
      }
      return llvm::Error::success();
    };
    if (auto e = forEachSample(samples->size(), run, collect))
      return fail(llvm::toString(std::move(e)));
    return success();
  }

  /// matmul (+ bias) -> [decisive | rest] matmuls (+ their biases), concat,
  /// and a gather back to the original channel order.
  void split(Candidate &candidate) {
    MatMulOp matmul = candidate.matmul;
    auto weightValues = readFloats(matmul.getB());
    if (!weightValues)
      return;
    const std::vector<float> &weight = *weightValues;
    bool hasBias = candidate.logits != matmul.getResult();
    auto weightType = cast<RankedTensorType>(matmul.getB().getType());
    int64_t k = weightType.getDimSize(0), n = weightType.getDimSize(1);
    std::vector<int64_t> order(candidate.winners.begin(), candidate.winners.end());
    for (int64_t c = 0; c < n; ++c)
      if (!candidate.winners.count(c))
        order.push_back(c);
    int64_t decisive = int64_t(candidate.winners.size());
    std::string name = layerName(matmul);
    OpBuilder b(candidate.logits.getDefiningOp());
    // One part's layer (to mark) and its output (bias added).
    auto part = [&](int64_t begin, int64_t end, llvm::StringRef suffix) -> std::pair<Operation *, Value> {
      std::vector<float> columns(size_t(k * (end - begin)));
      for (int64_t r = 0; r < k; ++r)
        for (int64_t c = begin; c < end; ++c)
          columns[r * (end - begin) + (c - begin)] = weight[r * n + order[c]];
      Location loc = NameLoc::get(b.getStringAttr(name + suffix), matmul.getLoc());
      auto type = RankedTensorType::get({k, end - begin}, weightType.getElementType());
      auto layer = MatMulOp::create(b, loc, matmul.getA(),
                                    makeConstant(b, loc, type, columns, (name + suffix + ".w").str()));
      Value result = layer.getResult();
      if (hasBias) {
        std::vector<float> bias;
        for (int64_t c = begin; c < end; ++c)
          bias.push_back(candidate.bias[order[c]]);
        auto biasType = RankedTensorType::get({end - begin}, weightType.getElementType());
        Value biasValue = makeConstant(b, loc, biasType, bias, (name + suffix + ".b").str());
        result = AddOp::create(b, loc, result, biasValue);
      }
      return {layer.getOperation(), result};
    };
    auto [headLayer, head] = part(0, decisive, ".decisive");
    auto [restLayer, rest] = part(decisive, n, ".rest");
    headLayer->setAttr(kDecisiveAttr, b.getUnitAttr());
    restLayer->setAttr(kDecisiveRestAttr, b.getUnitAttr());
    int64_t axis = cast<RankedTensorType>(matmul.getType()).getRank() - 1;
    Value joined = ConcatOp::create(b, matmul.getLoc(), ValueRange{head, rest}, axis);
    std::vector<int64_t> position(static_cast<size_t>(n));
    for (int64_t at = 0; at < n; ++at)
      position[order[at]] = at;
    auto indexType = RankedTensorType::get({n}, b.getI64Type());
    Value indices = ConstantOp::create(b, matmul.getLoc(),
                                       DenseElementsAttr::get(indexType, llvm::ArrayRef(position)));
    Value restored = GatherOp::create(b, matmul.getLoc(), joined, indices, axis);
    candidate.logits.replaceAllUsesWith(restored);
    SmallVector<Value> constants{matmul.getB()};
    if (hasBias) {
      constants.push_back(layerBias(matmul).value);
      candidate.logits.getDefiningOp()->erase();
    }
    matmul->erase();
    for (Value constant : constants)
      if (constant.use_empty() && constant.getDefiningOp())
        constant.getDefiningOp()->erase();
  }

  LogicalResult fail(const std::string &message) {
    getOperation().emitError() << "qnn-split-decisive-channels: " << message;
    return failure();
  }
};

} // namespace
} // namespace quantc::qnn
