// Calibration samples: read from files, or synthesized data-free per model input.
#include "passes/Transforms/Calibration.h"
#include "passes/Transforms/ConstantUtils.h"

#include "quantc/Runtime/quantc_runtime.h"

#include "dialects/QNN/QNNOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <cmath>
#include <cstring>
#include <random>

namespace quantc::qnn {

using namespace mlir;

namespace {

/// Per-output-channel mean and std the first convolution's output should
/// have: its (folded or following) BatchNorm's statistics.
std::optional<std::pair<std::vector<float>, std::vector<float>>> outputStatistics(ConvOp conv) {
  auto mean = conv->getAttrOfType<DenseF32ArrayAttr>("qnn.bn_mean");
  auto stddev = conv->getAttrOfType<DenseF32ArrayAttr>("qnn.bn_std");
  if (mean && stddev)
    return std::make_pair(std::vector<float>(mean.asArrayRef()),
                          std::vector<float>(stddev.asArrayRef()));
  if (!conv->hasOneUse())
    return std::nullopt;
  auto bn = dyn_cast<BatchNormOp>(*conv->getUsers().begin());
  if (!bn)
    return std::nullopt;
  auto runningMean = readFloats(bn.getMean()), variance = readFloats(bn.getVariance());
  if (!runningMean || !variance)
    return std::nullopt;
  std::vector<float> deviation;
  for (float v : *variance)
    deviation.push_back(std::sqrt(std::max(v, 0.f)));
  return std::make_pair(*runningMean, deviation);
}

/// Solves the small normal equations (A^T A) x = A^T y by Gaussian elimination.
std::vector<double> leastSquares(const std::vector<std::vector<double>> &a,
                                 const std::vector<double> &y) {
  size_t n = a.empty() ? 0 : a[0].size();
  std::vector<std::vector<double>> m(n, std::vector<double>(n + 1, 0.0));
  for (size_t r = 0; r < a.size(); ++r)
    for (size_t i = 0; i < n; ++i) {
      for (size_t j = 0; j < n; ++j)
        m[i][j] += a[r][i] * a[r][j];
      m[i][n] += a[r][i] * y[r];
    }
  for (size_t i = 0; i < n; ++i)
    m[i][i] += 1e-6 * (m[i][i] + 1.0);
  for (size_t i = 0; i < n; ++i) {
    for (size_t r = i + 1; r < n; ++r) {
      double f = m[r][i] / m[i][i];
      for (size_t j = i; j <= n; ++j)
        m[r][j] -= f * m[i][j];
    }
  }
  std::vector<double> x(n, 0.0);
  for (size_t i = n; i-- > 0;) {
    double s = m[i][n];
    for (size_t j = i + 1; j < n; ++j)
      s -= m[i][j] * x[j];
    x[i] = s / m[i][i];
  }
  return x;
}


/// Per-channel Gaussian parameters for float input `argument`. With a
/// BatchNorm after a convolution of that input, the means and deviations
/// whose convolution best matches that BatchNorm's per-channel statistics
/// (least squares); without one, standard normal (what normalized images look
/// like). Returns whether a BatchNorm was matched.
bool fitGaussian(ModuleOp module, BlockArgument argument, const TensorSignature &want,
                 std::vector<double> &mean, std::vector<double> &deviation) {
  int64_t channels = want.shape.size() == 4 ? want.shape[1] : 1;
  mean.assign(channels, 0.0);
  deviation.assign(channels, 1.0);
  bool matched = false;
  module.walk([&](ConvOp conv) {
    if (matched || conv.getInput() != argument || conv.getGroup() != 1)
      return;
    auto stats = outputStatistics(conv);
    auto weight = readFloats(conv.getWeight());
    if (!stats || !weight || channels <= 1)
      return;
    auto bias = conv.getBias() ? readFloats(conv.getBias()) : std::nullopt;
    int64_t outputs = int64_t(stats->first.size());
    int64_t kernel = int64_t(weight->size()) / (outputs * channels);
    std::vector<std::vector<double>> sums(outputs, std::vector<double>(channels)),
        squares(outputs, std::vector<double>(channels));
    std::vector<double> targetMean(outputs), targetVariance(outputs);
    for (int64_t o = 0; o < outputs; ++o) {
      for (int64_t c = 0; c < channels; ++c)
        for (int64_t k = 0; k < kernel; ++k) {
          double w = (*weight)[(o * channels + c) * kernel + k];
          sums[o][c] += w, squares[o][c] += w * w;
        }
      targetMean[o] = stats->first[o] - (bias ? (*bias)[o] : 0.f);
      targetVariance[o] = double(stats->second[o]) * stats->second[o];
    }
    mean = leastSquares(sums, targetMean);
    auto variance = leastSquares(squares, targetVariance);
    for (int64_t c = 0; c < channels; ++c)
      deviation[c] = std::sqrt(std::max(variance[c], 1e-4));
    matched = true;
  });
  return matched;
}

/// The number of rows of the table that integer input `argument` indexes
/// (an embedding's Gather, possibly through a Cast), or 0.
int64_t indexedRows(BlockArgument argument) {
  SmallVector<Value> uses{argument};
  while (!uses.empty()) {
    Value value = uses.pop_back_val();
    for (Operation *user : value.getUsers()) {
      if (isa<CastOp, ReshapeOp, UnsqueezeOp, SqueezeOp, FlattenOp>(user)) {
        uses.push_back(user->getResult(0));
        continue;
      }
      auto gather = dyn_cast<GatherOp>(user);
      if (!gather || gather.getIndices() != value)
        continue;
      auto table = cast<RankedTensorType>(gather.getInput().getType());
      int64_t axis = gather.getAxis() < 0 ? gather.getAxis() + table.getRank() : gather.getAxis();
      if (axis >= 0 && axis < table.getRank() && !table.isDynamicDim(axis))
        return table.getDimSize(axis);
    }
  }
  return 0;
}

template <typename T> std::vector<uint8_t> bytesOf(const std::vector<T> &values) {
  std::vector<uint8_t> bytes(values.size() * sizeof(T));
  std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

/// How one input's data-free values are drawn, fitted once per input.
struct DataFreeInput {
  TensorSignature want;
  std::vector<double> mean, deviation; // float inputs: per channel
  int64_t rows = 0;                    // integer ids: the embedding's rows
  bool matched = true;                 // float inputs: a BatchNorm was found

  std::vector<uint8_t> draw(std::mt19937 &rng) const {
    int64_t n = want.numel();
    if (want.dtype == QUANTC_BOOL) // masks: everything visible
      return std::vector<uint8_t>(n, 1);
    if (want.dtype == QUANTC_FLOAT32) {
      std::normal_distribution<float> normal;
      std::vector<float> values(n);
      int64_t channels = int64_t(mean.size());
      int64_t plane = channels > 1 ? want.shape[2] * want.shape[3] : n;
      for (int64_t i = 0; i < n; ++i) {
        int64_t c = (i / plane) % channels;
        values[i] = float(mean[c] + deviation[c] * normal(rng));
      }
      return bytesOf(values);
    }
    std::uniform_int_distribution<int64_t> token(0, rows - 1);
    std::vector<int64_t> ids(n);
    for (int64_t &id : ids)
      id = token(rng);
    if (want.dtype == QUANTC_INT64)
      return bytesOf(ids);
    return bytesOf(std::vector<int32_t>(ids.begin(), ids.end()));
  }
};

/// Fits how input `argument` is synthesized; failure with `why` when it cannot be.
FailureOr<DataFreeInput> fitDataFreeInput(ModuleOp module, BlockArgument argument,
                                          const TensorSignature &want, std::string &why) {
  DataFreeInput input{want, {}, {}, 0, true};
  if (want.dtype == QUANTC_FLOAT32) {
    input.matched = fitGaussian(module, argument, want, input.mean, input.deviation);
    return input;
  }
  if (want.dtype == QUANTC_BOOL)
    return input;
  if (want.dtype == QUANTC_INT64 || want.dtype == QUANTC_INT32) {
    input.rows = indexedRows(argument);
    if (input.rows > 0)
      return input;
  }
  why = "input '" + want.name + "' (" + quantc_dtype_name(want.dtype) +
        ") has no data-free values: only float inputs, boolean masks and integer ids that "
        "index an embedding can be synthesized; pass --calib with real samples";
  return failure();
}

} // namespace

FailureOr<std::vector<Sample>> calibrationSamples(ModuleOp module, const ModelSignature &signature,
                                                  const std::vector<std::string> &paths,
                                                  unsigned dataFreeCount, std::string &error,
                                                  bool warnDataFree) {
  if (!paths.empty()) {
    auto samples = readSamples(signature, paths);
    if (!samples) {
      error = llvm::toString(samples.takeError());
      return failure();
    }
    return std::move(*samples);
  }
  auto main = module.lookupSymbol<func::FuncOp>("main");
  if (!main || main.getNumArguments() != signature.inputs.size()) {
    error = "data-free samples need the model's @main";
    return failure();
  }
  std::vector<DataFreeInput> inputs;
  bool allMatched = true;
  for (auto [index, want] : llvm::enumerate(signature.inputs)) {
    auto input = fitDataFreeInput(module, main.getArgument(index), want, error);
    if (failed(input))
      return failure();
    allMatched &= input->matched;
    inputs.push_back(std::move(*input));
  }
  std::mt19937 rng(20261123);
  std::vector<Sample> samples(dataFreeCount);
  for (Sample &sample : samples)
    for (const DataFreeInput &input : inputs)
      sample.inputs.push_back(input.draw(rng));
  if (!allMatched && warnDataFree)
    module.emitWarning()
        << "data-free samples: no calibration inputs and no BatchNorm after the first convolution "
           "to synthesize them from; using standard normal inputs (pass --calib for real ranges)";
  return samples;
}

llvm::Expected<std::unique_ptr<ProbedModel>> compileProbedOnHost(mlir::ModuleOp module,
                                                                 llvm::ArrayRef<mlir::Value> probes) {
  auto target = resolveTarget("host");
  if (!target)
    return target.takeError();
  return ProbedModel::compile(module, probes, *target);
}

} // namespace quantc::qnn
