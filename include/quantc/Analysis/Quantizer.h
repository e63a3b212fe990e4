// Weight quantization numerics (plain C++, no MLIR): schemes, round-to-nearest
// with MSE-optimal clipping, ternary/binary, per-tensor/channel/group, GPTQ,
// AdaRound.
#ifndef QUANTC_ANALYSIS_QUANTIZER_H
#define QUANTC_ANALYSIS_QUANTIZER_H

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace quantc {

enum class WeightKind { Uniform, Ternary, Binary };

/// How one weight tensor is quantized.
struct WeightScheme {
  unsigned bits = 8;           // 2..8 for Uniform (Ternary/Binary ignore it)
  WeightKind kind = WeightKind::Uniform;
  bool symmetric = true;       // zero point 0, range [-(2^(b-1)-1), 2^(b-1)-1]
  int64_t groupSize = 0;       // 0: per output channel; -1: per tensor; >0: groups along the reduction axis
  bool searchClip = true;      // MSE-optimal clipping instead of plain min/max
};

/// Parses "8", "4", "ternary", "binary" into `scheme`; returns an error or "".
std::string parseBitsSpec(const std::string &text, WeightScheme &scheme);
/// "w8 sym per-channel", for reports.
std::string describeScheme(const WeightScheme &scheme);

/// The integer range a scheme stores into (an i8 container).
struct IntRange {
  int64_t min, max;
};
IntRange storageRange(const WeightScheme &scheme);

/// A weight tensor seen as rows (output channels) x columns (the reduction,
/// in memory order of the row): element (r, c) lives at
/// r * rowStride + (c / innerSize) * columnOuterStride + (c % innerSize) * columnInnerStride.
/// `WeightLayout::fromAxes` builds it for a channel axis; groups are runs of
/// `groupSize` consecutive columns.
struct WeightLayout {
  int64_t rows = 1, columns = 1;
  int64_t rowStride = 0, innerSize = 1, columnOuterStride = 0, columnInnerStride = 0;
  /// Conv [O, I, kh, kw] with channelAxis 0: columns are I*kh*kw in order.
  /// MatMul B [K, N] with channelAxis 1: columns are K (strided by N).
  static WeightLayout fromAxes(const std::vector<int64_t> &shape, int channelAxis);
  int64_t offset(int64_t row, int64_t column) const {
    return row * rowStride + (column / innerSize) * columnOuterStride +
           (column % innerSize) * columnInnerStride;
  }
};

struct QuantizedWeights {
  std::vector<int8_t> values;        // same layout as the float tensor
  std::vector<float> scales;         // [rows][groupsPerRow] (one entry when per tensor)
  std::vector<int32_t> zeroPoints;   // same shape as scales
  int64_t groupsPerRow = 1, groupSize = 0; // groupSize 0: whole row
  bool perTensor = false;
  IntRange range{0, 0};

  int64_t paramIndex(int64_t row, int64_t column) const {
    if (perTensor)
      return 0;
    return row * groupsPerRow + (groupSize ? column / groupSize : 0);
  }
};

/// Round-to-nearest (ties to even) with optional MSE clip search per block.
/// With `columnImportance` (one entry per column, e.g. the diagonal of X^T X)
/// the search weighs each element's squared error by its column's entry: the
/// clip that least disturbs the layer's output rather than its weights.
QuantizedWeights quantizeWeights(const std::vector<float> &weights, const WeightLayout &layout,
                                 const WeightScheme &scheme,
                                 const std::vector<double> *columnImportance = nullptr);

/// Error-compensating quantization (GPTQ/OBQ): columns are quantized in order
/// and each one's rounding error is spread over the columns not yet quantized,
/// weighted by the inverse of `hessian` (columns x columns, X^T X of the
/// layer's inputs, row-major). Falls back to RTN when the Hessian is unusable.
/// Layers of `blasFromColumns` columns and more (an LLM's 2048-14336) run
/// on OpenBLAS: LAPACK's factorization, and the column updates a block at a
/// time through dgemm (OpenBLAS picks its kernels for the CPU, so the last
/// bits may differ between machines). Smaller ones (all of cls's and det's,
/// all of rec's but one) run in-order loops whose result is the same bit
/// for bit on every x86-64 machine. Neither depends on the thread count.
constexpr int64_t kGPTQBlasColumns = 2048;
QuantizedWeights quantizeWeightsGPTQ(const std::vector<float> &weights, const WeightLayout &layout,
                                     const WeightScheme &scheme, std::vector<double> hessian,
                                     int64_t blasFromColumns = kGPTQBlasColumns);

/// A layer's weights refit to the inputs the quantized model will feed it
/// (Hubara et al.'s lesson; what sequential GPTQ does layer by layer): each
/// row w becomes argmin_v E|w.x - v.x~|^2 + lambda |v - w|^2, the ridge
/// least-squares solution w - (G + lambda I)^-1 D w, where x is the float
/// model's input, x~ the quantized model's, G = E[x~ x~^T], D = E[x~ (x~ -
/// x)^T] and lambda = `damping` times G's mean diagonal. D comes from the
/// input error itself: at 8 bits E[x~ x^T] differs from G by less than the
/// rounding of float sums over thousands of positions. Rounding the refit
/// weights against G then minimizes E|w.x - w_q.x~|^2. False (weights
/// unchanged) when G is empty or the system is singular.
bool refitToQuantizedInputs(std::vector<float> &weights, const WeightLayout &layout,
                            const std::vector<double> &gram, const std::vector<double> &errorCross,
                            double damping);

/// Layer-wise reconstruction (AdaRound, Nagel et al. 2020, with AdaQuant's
/// scale fitting): each weight is rounded down or up, whichever makes the
/// layer's output on the calibration data closer to float's, i.e. minimizes
/// sum_r d_r H d_r^T with d = W_q - W and H = X^T X (`hessian`, columns x
/// columns, row-major). The search is exact coordinate descent over those
/// binary choices (not the paper's annealed sigmoid relaxation); then each
/// block's scale is refit in closed form for its codes, and the rounding
/// searched again. Each row starts from round to nearest with the clip that
/// least disturbs its weights or the one that least disturbs its output
/// (columns weighed by diag H), whichever the objective prefers, and never
/// ends worse than that start. With `startFromGPTQ`, GPTQ's codes are a
/// third start (rec, uniform 4-bit W4A8: 20.7% CER against float's text
/// instead of 27.3%; it costs one GPTQ run, so the sensitivity scan, which
/// quantizes every layer at every width, goes without). GPTQ's block clips
/// weigh columns by diag H too. Falls back to RTN when the Hessian is
/// unusable or for binary.
QuantizedWeights quantizeWeightsAdaRound(const std::vector<float> &weights,
                                         const WeightLayout &layout, const WeightScheme &scheme,
                                         std::vector<double> hessian, bool startFromGPTQ = false);

/// How a layer's weights are rounded: rtn, gptq or adaround.
enum class WeightMethod { RTN, GPTQ, AdaRound };
/// "rtn" | "gptq" | "adaround"; returns an error or "".
std::string parseWeightMethod(const std::string &text, WeightMethod &method);

/// Grouped weights keep their scales in f16, as llama.cpp's blocks and ORT's
/// MatMulNBits do: a group of 32 4-bit weights then takes 4.5 bits each
/// instead of 5. Each scale rounds to the nearest f16 where that is a normal
/// number (a relative change of at most 2^-12; the codes stay); a scale
/// outside f16's normal range stays f32, and with it its layer's table.
void roundScalesToHalf(QuantizedWeights &quantized);
/// Whether `value` is an f16 normal number (or zero), exactly.
bool isHalfExact(float value);

/// (q - zero_point) * scale for every element, in the float tensor's layout.
std::vector<float> dequantizeWeights(const QuantizedWeights &quantized, const WeightLayout &layout);

/// Float <-> integer for one value: clamp(roundeven(x / scale) + zp).
int64_t quantizeValue(float x, float scale, int32_t zeroPoint, IntRange range);

/// How qnn-quantize stores an activation of range [lo, hi] in `bits` bits:
/// asymmetric with a zero point, or symmetric (always at 16 bits).
struct ActivationParams {
  double scale = 1;
  int64_t zeroPoint = 0, qmin = 0, qmax = 0;
  /// x quantized and dequantized again (f32 division, as the lowering does).
  float fakeQuantize(float x) const {
    float q = std::nearbyint(x / float(scale)) + float(zeroPoint);
    q = std::min(std::max(q, float(qmin)), float(qmax));
    return (q - float(zeroPoint)) * float(scale);
  }
};
ActivationParams activationParams(double lo, double hi, unsigned bits, bool symmetric);

/// A positive real rescale factor as multiplier * 2^-shift, multiplier in
/// [2^30, 2^31), shift in [1, 62] (nullopt when the factor is out of range).
struct FixedPoint {
  int32_t multiplier;
  int64_t shift;
};
std::optional<FixedPoint> toFixedPoint(double factor);

/// qnn.requantize of one accumulator: round-half-up fixed-point rescale,
/// plus zero point, saturated to `range`.
int64_t requantizeValue(int32_t accumulator, FixedPoint rescale, int32_t zeroPoint, IntRange range);

/// Agreement between a reference and an approximation.
struct ErrorStats {
  double sqnrDb = 0;      // 10 log10(sum ref^2 / sum (ref - x)^2); +inf when exact
  double cosine = 1;
  double maxAbsError = 0;
};
ErrorStats compareTensors(const float *reference, const float *approx, int64_t count);

/// compareTensors over many tensor pairs (e.g. one per calibration sample).
class ErrorAccumulator {
public:
  void add(const float *reference, const float *approx, int64_t count);
  ErrorStats stats() const;

private:
  double signal = 0, noise = 0, dot = 0, normA = 0, normB = 0, maxError = 0;
};

} // namespace quantc

#endif // QUANTC_ANALYSIS_QUANTIZER_H
