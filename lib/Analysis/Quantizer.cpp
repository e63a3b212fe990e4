// Weight quantization numerics: RTN with MSE clip search, ternary/binary,
// groups, GPTQ, AdaRound.
#include "quantc/Analysis/Quantizer.h"
#include "quantc/Analysis/DenseBlas.h"
#include "quantc/Analysis/Hessian.h"
#include "quantc/Analysis/DotLanes.h"
#include "quantc/Support/Parallel.h"

#include "llvm/ADT/APFloat.h"
#include "llvm/Support/xxhash.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

namespace quantc {

std::string parseBitsSpec(const std::string &text, WeightScheme &scheme) {
  if (text == "ternary" || text == "1.58") {
    scheme.kind = WeightKind::Ternary;
    scheme.bits = 2;
    scheme.symmetric = true;
    return "";
  }
  if (text == "binary" || text == "1") {
    scheme.kind = WeightKind::Binary;
    scheme.bits = 1;
    scheme.symmetric = true;
    return "";
  }
  char *end = nullptr;
  long bits = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end || bits < 2 || bits > 8)
    return "bit-width '" + text + "' is not 2..8, 'ternary' or 'binary'";
  scheme.kind = WeightKind::Uniform;
  scheme.bits = unsigned(bits);
  return "";
}

std::string parseWeightMethod(const std::string &text, WeightMethod &method) {
  if (text == "rtn") method = WeightMethod::RTN;
  else if (text == "gptq") method = WeightMethod::GPTQ;
  else if (text == "adaround") method = WeightMethod::AdaRound;
  else return "unknown weight method '" + text + "' (known: rtn, gptq, adaround)";
  return "";
}

std::string describeScheme(const WeightScheme &scheme) {
  std::string text = scheme.kind == WeightKind::Ternary  ? "ternary"
                     : scheme.kind == WeightKind::Binary ? "binary"
                                                         : "w" + std::to_string(scheme.bits);
  text += scheme.symmetric ? " sym" : " asym";
  if (scheme.groupSize < 0)
    text += " per-tensor";
  else if (scheme.groupSize == 0)
    text += " per-channel";
  else
    text += " group" + std::to_string(scheme.groupSize);
  return text;
}

IntRange storageRange(const WeightScheme &scheme) {
  switch (scheme.kind) {
  case WeightKind::Ternary:
  case WeightKind::Binary:
    return {-1, 1};
  case WeightKind::Uniform:
    break;
  }
  int64_t half = int64_t(1) << (scheme.bits - 1);
  if (scheme.symmetric)
    return {-(half - 1), half - 1};
  return {-half, half - 1};
}

WeightLayout WeightLayout::fromAxes(const std::vector<int64_t> &shape, int channelAxis) {
  WeightLayout layout;
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < int(shape.size()); ++d) {
    if (d < channelAxis)
      outer *= shape[d];
    else if (d > channelAxis)
      inner *= shape[d];
  }
  layout.rows = shape.empty() ? 1 : shape[channelAxis];
  layout.columns = outer * inner;
  layout.rowStride = inner;
  layout.innerSize = std::max<int64_t>(inner, 1);
  layout.columnOuterStride = layout.rows * inner;
  layout.columnInnerStride = 1;
  return layout;
}

/// std::nearbyint in the default rounding mode (half to even), inline: it is
/// a libm call on baseline x86-64, in the clip search's innermost loop.
/// Below 2^22, adding and subtracting 1.5 * 2^23 leaves the nearest even
/// integer; from there on a float is integral or far outside any storage
/// range, where the clamp decides.
static inline float roundHalfEven(float x) {
  return std::fabs(x) < 0x1p22f ? (x + 0x1.8p23f) - 0x1.8p23f : x; // a select: vectorizes
}

int64_t quantizeValue(float x, float scale, int32_t zeroPoint, IntRange range) {
  // f32 division and rounding, exactly as the lowered qnn.quantize computes it.
  float q = roundHalfEven(x / scale) + float(zeroPoint);
  return int64_t(std::clamp(q, float(range.min), float(range.max)));
}

namespace {

struct BlockParams {
  float scale = 1;
  int32_t zeroPoint = 0;
};

/// squaredError's uniform case (every RTN and GPTQ clip candidate): the
/// same terms, weighted by `weights` when Weighted, summed in eight fixed
/// lanes that the compiler vectorizes, so the result depends on the block
/// alone, never on threads.
template <bool Weighted>
double uniformSquaredError(const std::vector<float> &values, const double *weights, BlockParams p,
                           IntRange range) {
  constexpr size_t kLanes = 8;
  const float lo = float(range.min), hi = float(range.max), zero = float(p.zeroPoint);
  const float scale = p.scale;
  auto term = [&](size_t i) {
    float v = values[i];
    float q = std::clamp(roundHalfEven(v / scale) + zero, lo, hi);
    double d = double(v) - (double(q) - double(p.zeroPoint)) * double(scale);
    return Weighted ? weights[i] * d * d : d * d;
  };
  double lanes[kLanes] = {};
  size_t full = values.size() / kLanes * kLanes;
  for (size_t i = 0; i < full; i += kLanes)
    for (size_t l = 0; l < kLanes; ++l)
      lanes[l] += term(i + l);
  double error = 0;
  for (size_t i = full; i < values.size(); ++i)
    error += term(i);
  for (double lane : lanes)
    error += lane;
  return error;
}

/// sum_i importance_i (v_i - dequantized_i)^2; importance 1 when absent.
double squaredError(const std::vector<float> &values, const std::vector<double> *importance,
                    BlockParams p, IntRange range, WeightKind kind) {
  if (kind == WeightKind::Uniform)
    return importance ? uniformSquaredError<true>(values, importance->data(), p, range)
                      : uniformSquaredError<false>(values, nullptr, p, range);
  double error = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    float v = values[i];
    double q = kind == WeightKind::Binary ? (v < 0 ? -1 : 1)
                                           : double(quantizeValue(v, p.scale, p.zeroPoint, range));
    double d = v - (q - p.zeroPoint) * p.scale;
    error += importance ? (*importance)[i] * d * d : d * d;
  }
  return error;
}

/// Scale/zero point for [lo, hi] (lo <= 0 <= hi).
BlockParams paramsFor(double lo, double hi, const WeightScheme &scheme, IntRange range) {
  BlockParams p;
  if (scheme.symmetric || scheme.kind != WeightKind::Uniform) {
    double bound = std::max(std::fabs(lo), std::fabs(hi));
    p.scale = float(bound / double(range.max));
  } else {
    p.scale = float((hi - lo) / double(range.max - range.min));
    if (p.scale > 0)
      p.zeroPoint = int32_t(std::clamp<double>(std::nearbyint(range.min - lo / p.scale),
                                               double(range.min), double(range.max)));
  }
  // An all-zero block: any scale represents it. So does a block of
  // denormals (a dead channel): as codes of a denormal scale they would be
  // full-range, and the scale would overflow every bias folded through it
  // (qnn-fold-scales divides by s_x * s_w).
  if (!(p.scale >= std::numeric_limits<float>::min()) || !std::isfinite(p.scale))
    p.scale = 1, p.zeroPoint = 0;
  return p;
}

/// The block's scale: min/max, or the clip ratio whose (importance-weighted)
/// squared error is least.
BlockParams chooseParams(const std::vector<float> &values, const WeightScheme &scheme,
                         IntRange range, const std::vector<double> *importance = nullptr) {
  if (scheme.kind == WeightKind::Binary) {
    // L2-optimal scale for sign(w): mean |w|.
    double sum = 0;
    for (float v : values)
      sum += std::fabs(v);
    BlockParams p;
    p.scale = values.empty() ? 1.f : float(sum / values.size());
    if (!(p.scale > 0))
      p.scale = 1;
    return p;
  }
  double lo = 0, hi = 0;
  for (float v : values)
    lo = std::min<double>(lo, v), hi = std::max<double>(hi, v);
  BlockParams best = paramsFor(lo, hi, scheme, range);
  // Ternary always searches: max|w| as the level wastes most of the range.
  if (!scheme.searchClip && scheme.kind == WeightKind::Uniform)
    return best;
  double bestError = squaredError(values, importance, best, range, scheme.kind);
  double smallest = scheme.kind == WeightKind::Ternary ? 0.2 : 0.5;
  for (int step = 1; step <= 80; ++step) {
    double ratio = 1.0 - (1.0 - smallest) * step / 80.0;
    BlockParams candidate = paramsFor(lo * ratio, hi * ratio, scheme, range);
    double error = squaredError(values, importance, candidate, range, scheme.kind);
    if (error < bestError)
      bestError = error, best = candidate;
  }
  return best;
}

int64_t quantizeWith(float v, BlockParams p, IntRange range, WeightKind kind) {
  if (kind == WeightKind::Binary)
    return v < 0 ? -1 : 1;
  return quantizeValue(v, p.scale, p.zeroPoint, range);
}

/// Shape of the parameter grid; params chosen later (RTN: all up front).
QuantizedWeights emptyResult(const WeightLayout &layout, const WeightScheme &scheme,
                             size_t count) {
  QuantizedWeights result;
  result.range = storageRange(scheme);
  result.values.assign(count, 0);
  result.perTensor = scheme.groupSize < 0;
  if (scheme.groupSize > 0 && scheme.groupSize < layout.columns) {
    result.groupSize = scheme.groupSize;
    result.groupsPerRow = (layout.columns + scheme.groupSize - 1) / scheme.groupSize;
  }
  size_t params = result.perTensor ? 1 : size_t(layout.rows * result.groupsPerRow);
  result.scales.assign(params, 1.f);
  result.zeroPoints.assign(params, 0);
  return result;
}

} // namespace

QuantizedWeights quantizeWeights(const std::vector<float> &weights, const WeightLayout &layout,
                                 const WeightScheme &scheme,
                                 const std::vector<double> *columnImportance) {
  QuantizedWeights result = emptyResult(layout, scheme, weights.size());
  int64_t groupColumns = result.groupSize ? result.groupSize : layout.columns;
  auto quantizeBlock = [&](int64_t rowBegin, int64_t rowEnd, int64_t colBegin, int64_t colEnd) {
    std::vector<float> block;
    std::vector<double> blockImportance;
    for (int64_t r = rowBegin; r < rowEnd; ++r)
      for (int64_t c = colBegin; c < colEnd; ++c) {
        block.push_back(weights[layout.offset(r, c)]);
        if (columnImportance)
          blockImportance.push_back((*columnImportance)[c]);
      }
    BlockParams p = chooseParams(block, scheme, result.range,
                                 columnImportance ? &blockImportance : nullptr);
    int64_t index = result.paramIndex(rowBegin, colBegin);
    result.scales[index] = p.scale;
    result.zeroPoints[index] = p.zeroPoint;
    for (int64_t r = rowBegin; r < rowEnd; ++r)
      for (int64_t c = colBegin; c < colEnd; ++c) {
        int64_t at = layout.offset(r, c);
        result.values[at] = int8_t(quantizeWith(weights[at], p, result.range, scheme.kind));
      }
  };
  if (result.perTensor) {
    quantizeBlock(0, layout.rows, 0, layout.columns);
    return result;
  }
  // Rows on every core (the clip search dominates an RTN compile); each
  // writes only its own values and parameters, so the result is the same.
  forEachIndex(size_t(layout.rows), [&](size_t row) {
    int64_t r = int64_t(row);
    for (int64_t c = 0; c < layout.columns; c += groupColumns)
      quantizeBlock(r, r + 1, c, std::min(c + groupColumns, layout.columns));
  });
  return result;
}

namespace {

/// body(begin, end) over the rows [first, last) in chunks of 64 (a multiple
/// of kDotLanes from `first`), on every core when `work` (multiply-adds)
/// pays for the threads. Each chunk computes its own sums, so the result
/// does not depend on the chunks or the threads.
void forRowChunks(int64_t first, int64_t last, int64_t work,
                  llvm::function_ref<void(int64_t, int64_t)> body) {
  constexpr int64_t kChunk = 8 * kDotLanes;
  int64_t chunks = (last - first + kChunk - 1) / kChunk;
  auto run = [&](size_t c) {
    int64_t begin = first + int64_t(c) * kChunk;
    body(begin, std::min(last, begin + kChunk));
  };
  if (work < (int64_t(1) << 16))
    for (int64_t c = 0; c < chunks; ++c)
      run(size_t(c));
  else
    forEachIndex(size_t(chunks), run);
}

/// Subtracts a[j, k] * a[i, k] for k in [k0, k1) from a[i, j], in order of
/// k, for the pairs j0 <= j < min(j1, i + 1) of each row i in [i0, i1): one
/// accumulator per element, kept in the matrix; up to kDotLanes rows side
/// by side (accumulateDotLanes).
void subtractProducts(std::vector<double> &a, int64_t n, int64_t i0, int64_t i1, int64_t j0,
                      int64_t j1, int64_t k0, int64_t k1) {
  for (int64_t i = i0; i < i1; i += kDotLanes) {
    int64_t rows = std::min(kDotLanes, i1 - i);
    for (int64_t j = j0; j < std::min(j1, i + rows); ++j) {
      int64_t first = std::max<int64_t>(0, j - i); // the rows at or below the diagonal
      int64_t lanes = rows - first;
      double sum[kDotLanes];
      for (int64_t l = 0; l < lanes; ++l)
        sum[l] = a[(i + first + l) * n + j];
      accumulateDotLanes</*Subtract=*/true>(&a[j * n], &a[(i + first) * n], n, k0, k1, sum, lanes);
      for (int64_t l = 0; l < lanes; ++l)
        a[(i + first + l) * n + j] = sum[l];
    }
  }
}

/// In-place lower Cholesky factor of a symmetric positive definite matrix.
/// Blocked and right-looking: each block of kBlock columns is factored, then
/// its products are subtracted from every element to its lower right, rows
/// on every core. Every element still subtracts its products in order of k
/// from its own value and is then divided by its diagonal, so the factor is
/// bit for bit the unblocked algorithm's, on any number of threads; only the
/// memory traffic changes (rows are read a block at a time from cache, not
/// whole from memory once per column: GPTQ on an 8192-column layer).
bool cholesky(std::vector<double> &a, int64_t n) {
  constexpr int64_t kBlock = 64;
  for (int64_t j0 = 0; j0 < n; j0 += kBlock) {
    int64_t j1 = std::min(j0 + kBlock, n);
    // The diagonal block and the panel below it, column by column: their
    // products with the earlier blocks are already subtracted.
    for (int64_t j = j0; j < j1; ++j) {
      double diagonal = a[j * n + j];
      for (int64_t k = j0; k < j; ++k)
        diagonal -= a[j * n + k] * a[j * n + k];
      if (!(diagonal > 0))
        return false;
      diagonal = std::sqrt(diagonal);
      a[j * n + j] = diagonal;
      forRowChunks(j + 1, n, (n - j) * (j - j0), [&](int64_t i0, int64_t i1) {
        subtractProducts(a, n, i0, i1, j, j + 1, j0, j);
        for (int64_t i = i0; i < i1; ++i)
          a[i * n + j] /= diagonal;
      });
    }
    // The trailing matrix's elements subtract this block's products.
    forRowChunks(j1, n, (n - j1) * (n - j1) / 2 * (j1 - j0), [&](int64_t i0, int64_t i1) {
      subtractProducts(a, n, i0, i1, j1, n, j0, j1);
    });
  }
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = i + 1; k < n; ++k)
      a[i * n + k] = 0;
  return true;
}

/// L^-1 of the lower Cholesky factor of `a`, in place (row-major, lower
/// triangle; the upper one zero): OpenBLAS, or in-order loops.
bool invertCholeskyFactor(std::vector<double> &a, int64_t n, bool useBlas) {
  if (useBlas) {
    if (!blas::choleskyLower(a.data(), n) || !blas::invertLower(a.data(), n))
      return false;
    for (int64_t i = 0; i < n; ++i)
      std::fill(a.begin() + i * n + i + 1, a.begin() + (i + 1) * n, 0.0);
    return true;
  }
  if (!cholesky(a, n))
    return false;
  // L^-1 by forward substitution, kept transposed (linvT[j][k] = L^-1[k][j])
  // so every sum walks rows instead of columns n doubles apart.
  // Lanes run side by side (accumulateDotLanes); a lane that starts later
  // than the first meets only the exact zeros above L^-1's diagonal there,
  // which leave its sum bit for bit as a plain loop computes it.
  // Independent sums run on every core (forRowChunks).
  std::vector<double> linvT(n * n, 0.0);
  for (int64_t i = 0; i < n; ++i) {
    linvT[i * n + i] = 1.0 / a[i * n + i];
    forRowChunks(0, i, i * i / 2, [&](int64_t begin, int64_t end) {
      for (int64_t j = begin; j < end; j += kDotLanes) {
        int64_t lanes = std::min(kDotLanes, end - j);
        double sum[kDotLanes] = {};
        accumulateDotLanes(&a[i * n], &linvT[j * n], n, j, i, sum, lanes);
        for (int64_t l = 0; l < lanes; ++l)
          linvT[(j + l) * n + i] = -sum[l] / a[i * n + i];
      }
    });
  }
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      a[i * n + j] = linvT[j * n + i];
  return true;
}

/// Upper factor U of H^-1 = U^T U (what GPTQ's update reads), from H.
/// With J the reversal (J A J turns A's rows and columns around) and
/// J H J = L L^T: H^-1 = J L^-T L^-1 J = U^T U for U = J L^-1 J, which is
/// upper triangular with a positive diagonal, so it is the factor. One
/// Cholesky and one triangular inverse (n^3 / 2 multiply-adds) instead of
/// forming H^-1 and factoring it again (n^3).
bool inverseCholeskyUpper(std::vector<double> h, int64_t n, bool useBlas,
                          std::vector<double> &upper) {
  std::reverse(h.begin(), h.end()); // row-major: element (i, j) becomes (n-1-i, n-1-j)
  if (!invertCholeskyFactor(h, n, useBlas))
    return false;
  std::reverse(h.begin(), h.end());
  upper = std::move(h);
  return true;
}

/// Marks the columns no input ever reaches (they carry no information and
/// get weight 0) and adds 1% of the mean diagonal, as GPTQ does.
std::vector<bool> dampHessian(std::vector<double> &hessian, int64_t n) {
  double meanDiagonal = 0;
  for (int64_t i = 0; i < n; ++i)
    meanDiagonal += hessian[i * n + i];
  meanDiagonal /= double(n);
  std::vector<bool> dead(n, false);
  for (int64_t i = 0; i < n; ++i)
    if (hessian[i * n + i] <= 0)
      dead[i] = true, hessian[i * n + i] = 1;
  double damping = 0.01 * (meanDiagonal > 0 ? meanDiagonal : 1.0);
  for (int64_t i = 0; i < n; ++i)
    hessian[i * n + i] += damping;
  return dead;
}

/// The clip search's column importance: E[x_c^2], the diagonal of X^T X.
std::vector<double> diagonalOf(const std::vector<double> &hessian, int64_t n) {
  std::vector<double> diagonal(n);
  for (int64_t i = 0; i < n; ++i)
    diagonal[i] = hessian[i * n + i];
  return diagonal;
}

/// What GPTQ derives from H alone: the damped diagonal, dead columns and the
/// upper Cholesky factor of H^-1 (O(n^3)).
struct GPTQFactor {
  // The cache key: H as given (a hash: a copy would double the memory
  // of an LLM's 8192^2 factor on every thread), and the kernels.
  llvm::XXH128_hash_t hessianHash{};
  size_t hessianSize = 0;
  bool useBlas = false;
  std::vector<bool> dead;
  std::vector<double> importance, upper;
  bool usable = false;
};

/// The factor of `hessian`, reused while the same matrix comes back:
/// sensitivity analysis quantizes each layer at every candidate width in a
/// row, and the factorization, not the rounding, dominates GPTQ's time.
const GPTQFactor &gptqFactor(std::vector<double> hessian, int64_t n, bool useBlas) {
  thread_local GPTQFactor last;
  llvm::XXH128_hash_t hash = llvm::xxh3_128bits(llvm::ArrayRef<uint8_t>(
      reinterpret_cast<const uint8_t *>(hessian.data()), hessian.size() * sizeof(double)));
  if (last.useBlas == useBlas && last.hessianSize == hessian.size() && last.hessianHash == hash &&
      !hessian.empty())
    return last;
  last = GPTQFactor();
  last.hessianHash = hash;
  last.hessianSize = hessian.size();
  last.useBlas = useBlas;
  last.dead = dampHessian(hessian, n);
  last.importance = diagonalOf(hessian, n);
  last.usable = inverseCholeskyUpper(std::move(hessian), n, useBlas, last.upper);
  return last;
}

/// GPTQ's lazy batch update (Frantar et al., section 3): columns are rounded
/// a block at a time, each one's error updating only the block's later
/// columns; the block's errors then update every column after the block in
/// one product E U[block, after] (dgemm). A block holds whole groups, so a
/// group's parameters see all earlier columns' updates. Rows are
/// independent: each chunk of 64 rows runs every block on one analysis
/// thread, so no thread waits for another and the result does not depend
/// on their number. roundColumn(row, r, c, params, scratch...) rounds
/// column c of row r and returns its scaled error.
template <typename RoundColumn>
void quantizeRowsInColumnBlocks(const std::vector<float> &weights, const WeightLayout &layout,
                                const std::vector<double> &upper, const std::vector<bool> &dead,
                                int64_t groupColumns, RoundColumn roundColumn) {
  int64_t n = layout.columns, rows = layout.rows;
  int64_t width = groupColumns < n ? groupColumns * ((128 + groupColumns - 1) / groupColumns) : 128;
  constexpr int64_t kRowsPerTask = 64;
  forEachIndex(size_t((rows + kRowsPerTask - 1) / kRowsPerTask), [&](size_t task) {
    int64_t first = int64_t(task) * kRowsPerTask;
    int64_t count = std::min(kRowsPerTask, rows - first);
    std::vector<double> w(count * n), errors(count * width);
    for (int64_t i = 0; i < count; ++i)
      for (int64_t c = 0; c < n; ++c)
        w[i * n + c] = dead[c] ? 0.0 : weights[layout.offset(first + i, c)];
    std::vector<BlockParams> params(count);
    std::vector<float> block;
    std::vector<double> blockImportance;
    for (int64_t b0 = 0; b0 < n; b0 += width) {
      int64_t b1 = std::min(b0 + width, n);
      for (int64_t i = 0; i < count; ++i) {
        double *row = &w[i * n];
        for (int64_t c = b0; c < b1; ++c) {
          double error = roundColumn(row, first + i, c, params[i], block, blockImportance);
          errors[i * width + (c - b0)] = error;
          const double *u = &upper[c * n];
          for (int64_t j = c + 1; j < b1; ++j)
            row[j] -= error * u[j];
        }
      }
      if (b1 < n)
        blas::subtractProduct(&w[b1], n, errors.data(), width, &upper[b0 * n + b1], n, count,
                              n - b1, b1 - b0);
    }
  });
}

} // namespace

QuantizedWeights quantizeWeightsGPTQ(const std::vector<float> &weights, const WeightLayout &layout,
                                     const WeightScheme &scheme, std::vector<double> hessian,
                                     int64_t blasFromColumns) {
  int64_t n = layout.columns;
  if (int64_t(hessian.size()) != n * n || scheme.groupSize < 0)
    return quantizeWeights(weights, layout, scheme);
  bool useBlas = n >= blasFromColumns;
  const GPTQFactor &factor = gptqFactor(std::move(hessian), n, useBlas);
  if (!factor.usable)
    return quantizeWeights(weights, layout, scheme, &factor.importance);
  const std::vector<bool> &dead = factor.dead;
  const std::vector<double> &importance = factor.importance, &upper = factor.upper;

  QuantizedWeights result = emptyResult(layout, scheme, weights.size());
  int64_t groupColumns = result.groupSize ? result.groupSize : n;
  // Column c's rounding: block parameters where a group starts (from the
  // already-updated weights of the group), the code, and the error scaled
  // for the update of the columns after it.
  auto roundColumn = [&](double *row, int64_t r, int64_t c, BlockParams &p,
                         std::vector<float> &block, std::vector<double> &blockImportance) {
    if (c % groupColumns == 0) {
      int64_t end = std::min(c + groupColumns, n);
      block.assign(row + c, row + end);
      blockImportance.assign(importance.begin() + c, importance.begin() + end);
      p = chooseParams(block, scheme, result.range, &blockImportance);
      int64_t index = result.paramIndex(r, c);
      result.scales[index] = p.scale;
      result.zeroPoints[index] = p.zeroPoint;
    }
    int64_t q = quantizeWith(float(row[c]), p, result.range, scheme.kind);
    result.values[layout.offset(r, c)] = int8_t(q);
    return (row[c] - double(q - p.zeroPoint) * p.scale) / upper[c * n + c];
  };
  if (useBlas) {
    quantizeRowsInColumnBlocks(weights, layout, upper, dead, groupColumns, roundColumn);
    return result;
  }
  // Rows are independent: a few at a time share each pass over the factor's
  // row c (n doubles, from cache instead of memory), and blocks of rows run
  // on every core. Each row's operations and their order are those of a row
  // alone, so the result does not depend on blocking or threads.
  constexpr int64_t kRowsPerBlock = 8;
  int64_t rowBlocks = (layout.rows + kRowsPerBlock - 1) / kRowsPerBlock;
  forEachIndex(size_t(rowBlocks), [&](size_t rowBlock) {
    int64_t first = int64_t(rowBlock) * kRowsPerBlock;
    int64_t count = std::min(kRowsPerBlock, layout.rows - first);
    std::vector<double> rows(count * n), blockImportance;
    std::vector<float> block;
    BlockParams params[kRowsPerBlock];
    double errors[kRowsPerBlock];
    for (int64_t i = 0; i < count; ++i)
      for (int64_t c = 0; c < n; ++c)
        rows[i * n + c] = dead[c] ? 0.0 : weights[layout.offset(first + i, c)];
    for (int64_t c = 0; c < n; ++c) {
      for (int64_t i = 0; i < count; ++i)
        errors[i] = roundColumn(&rows[i * n], first + i, c, params[i], block, blockImportance);
      const double *u = &upper[c * n];
      for (int64_t i = 0; i < count; ++i) {
        double *row = &rows[i * n];
        double error = errors[i];
        for (int64_t j = c + 1; j < n; ++j)
          row[j] -= error * u[j];
      }
    }
  });
  return result;
}

namespace {

/// One row's AdaRound state: codes, their error e = w_q - w and g = H e.
struct RoundingRow {
  const std::vector<double> &hessian;
  int64_t n;
  std::vector<double> w, e, g;
  std::vector<int64_t> codes;

  double scaleOf(const QuantizedWeights &q, int64_t r, int64_t c) const {
    return q.scales[q.paramIndex(r, c)];
  }
  double dequantized(const QuantizedWeights &q, int64_t r, int64_t c) const {
    return double(codes[c] - q.zeroPoints[q.paramIndex(r, c)]) * scaleOf(q, r, c);
  }
  void recomputeError(const QuantizedWeights &q, int64_t r) {
    for (int64_t c = 0; c < n; ++c)
      e[c] = dequantized(q, r, c) - w[c];
    hessianTimes(hessian.data(), n, e.data(), g.data());
  }
  double objective() const {
    double sum = 0;
    for (int64_t c = 0; c < n; ++c)
      sum += e[c] * g[c];
    return sum;
  }
  /// e[c] += delta, keeping g = H e.
  void moveError(int64_t c, double delta) {
    e[c] += delta;
    for (int64_t i = 0; i < n; ++i) // H is symmetric: column c is row c
      g[i] += delta * hessian[c * n + i];
  }

  /// Row r's codes and block parameters from `source` into `q`.
  void load(const QuantizedWeights &source, QuantizedWeights &q, int64_t r,
            const WeightLayout &layout, int64_t groupColumns) {
    for (int64_t c = 0; c < n; c += groupColumns) {
      int64_t index = q.paramIndex(r, c);
      q.scales[index] = source.scales[index];
      q.zeroPoints[index] = source.zeroPoints[index];
    }
    for (int64_t c = 0; c < n; ++c)
      codes[c] = source.values[layout.offset(r, c)];
    recomputeError(q, r);
  }

  /// w / scale rounded down and up, within the storage range.
  std::pair<int64_t, int64_t> bracket(const QuantizedWeights &q, int64_t r, int64_t c) const {
    double t = w[c] / scaleOf(q, r, c) + q.zeroPoints[q.paramIndex(r, c)];
    int64_t down = std::clamp<int64_t>(int64_t(std::floor(t)), q.range.min, q.range.max);
    return {down, std::clamp<int64_t>(int64_t(std::floor(t)) + 1, q.range.min, q.range.max)};
  }

  /// After a scale changed: codes outside their new bracket move to its
  /// nearer end (AdaRound only ever rounds down or up).
  void projectToBrackets(const QuantizedWeights &q, int64_t r) {
    for (int64_t c = 0; c < n; ++c) {
      auto [down, up] = bracket(q, r, c);
      if (codes[c] < down)
        codes[c] = down;
      else if (codes[c] > up)
        codes[c] = up;
    }
    recomputeError(q, r);
  }

  /// Coordinate descent over round-down / round-up of w / scale.
  void searchRounding(const QuantizedWeights &q, int64_t r) {
    for (int sweep = 0; sweep < 16; ++sweep) {
      bool changed = false;
      for (int64_t c = 0; c < n; ++c) {
        double scale = scaleOf(q, r, c);
        auto [down, up] = bracket(q, r, c);
        int64_t other = codes[c] == down ? up : down;
        if (other == codes[c])
          continue;
        double delta = double(other - codes[c]) * scale;
        double change = 2 * delta * g[c] + delta * delta * hessian[c * n + c];
        if (change < -1e-12 * std::fabs(delta * delta * hessian[c * n + c])) {
          codes[c] = other;
          moveError(c, delta);
          changed = true;
        }
      }
      if (!changed)
        break;
    }
  }

  /// AdaQuant's step: each block's scale, refit in closed form for its
  /// codes u: s' = s - u^T g / u^T H u minimizes the objective along s.
  void refitScales(QuantizedWeights &q, int64_t r, int64_t groupColumns) {
    std::vector<double> hu(n);
    for (int64_t begin = 0; begin < n; begin += groupColumns) {
      int64_t end = std::min(begin + groupColumns, n);
      int64_t index = q.paramIndex(r, begin);
      int32_t zero = q.zeroPoints[index];
      std::fill(hu.begin(), hu.end(), 0.0);
      for (int64_t c = begin; c < end; ++c) {
        double u = double(codes[c] - zero);
        if (u != 0)
          for (int64_t i = 0; i < n; ++i)
            hu[i] += u * hessian[c * n + i];
      }
      double uHu = 0, ug = 0;
      for (int64_t c = begin; c < end; ++c) {
        double u = double(codes[c] - zero);
        uHu += u * hu[c], ug += u * g[c];
      }
      if (!(uHu > 0))
        continue;
      double old = q.scales[index];
      float fitted = float(old - ug / uHu);
      if (!(fitted >= std::numeric_limits<float>::min()) || !std::isfinite(fitted))
        continue;
      q.scales[index] = fitted;
      double delta = double(fitted) - old;
      for (int64_t c = begin; c < end; ++c)
        e[c] += delta * double(codes[c] - zero);
      for (int64_t i = 0; i < n; ++i)
        g[i] += delta * hu[i];
    }
  }
};

} // namespace

QuantizedWeights quantizeWeightsAdaRound(const std::vector<float> &weights,
                                         const WeightLayout &layout, const WeightScheme &scheme,
                                         std::vector<double> hessian, bool startFromGPTQ) {
  int64_t n = layout.columns;
  if (int64_t(hessian.size()) != n * n || scheme.kind == WeightKind::Binary)
    return quantizeWeights(weights, layout, scheme);
  // GPTQ's solution is a third start (before damping: GPTQ damps its own copy).
  std::optional<QuantizedWeights> compensated;
  if (startFromGPTQ && scheme.groupSize >= 0)
    compensated = quantizeWeightsGPTQ(weights, layout, scheme, hessian);
  std::vector<bool> dead = dampHessian(hessian, n);
  // Round to nearest clipped for the weights' and for the output's squared
  // error (and GPTQ's codes): each row starts from the one closest to the output.
  std::vector<double> importance = diagonalOf(hessian, n);
  QuantizedWeights weighted = quantizeWeights(weights, layout, scheme, &importance);
  QuantizedWeights nearest = quantizeWeights(weights, layout, scheme);
  QuantizedWeights result = weighted.perTensor ? weighted : nearest;
  // A per-tensor scale is shared by every row: one start for all of them.
  std::vector<const QuantizedWeights *> starts{&weighted};
  if (!result.perTensor) {
    starts = {&nearest, &weighted};
    if (compensated)
      starts.push_back(&*compensated);
  }
  int64_t groupColumns = result.groupSize ? result.groupSize : n;
  // Rows are independent (each writes only its own codes and scales), so
  // they run on the analysis threads; a per-tensor scale is shared, so
  // those rows run in order.
  auto roundRow = [&](int64_t r) {
    RoundingRow row{hessian, n, std::vector<double>(n), std::vector<double>(n),
                    std::vector<double>(n), std::vector<int64_t>(n)};
    for (int64_t c = 0; c < n; ++c)
      row.w[c] = dead[c] ? 0.0 : weights[layout.offset(r, c)];
    // The start the objective prefers (the first of equals).
    const QuantizedWeights *best = nullptr;
    double start = 0;
    for (const QuantizedWeights *candidate : starts) {
      row.load(*candidate, result, r, layout, groupColumns);
      if (!best || row.objective() < start)
        start = row.objective(), best = candidate;
    }
    if (best != starts.back())
      row.load(*best, result, r, layout, groupColumns);
    std::vector<float> startScales;
    for (int64_t c = 0; c < n; c += groupColumns)
      startScales.push_back(result.scales[result.paramIndex(r, c)]);
    std::vector<int64_t> startCodes(row.codes);
    row.searchRounding(result, r);
    if (!result.perTensor) { // a per-tensor scale is shared by every row
      row.refitScales(result, r, groupColumns);
      row.projectToBrackets(result, r);
      row.searchRounding(result, r);
    }
    row.recomputeError(result, r); // drop the drift of incremental updates
    if (!(row.objective() <= start)) {
      for (int64_t c = 0; c < n; c += groupColumns)
        result.scales[result.paramIndex(r, c)] = startScales[c / groupColumns];
      row.codes = startCodes;
    }
    for (int64_t c = 0; c < n; ++c)
      result.values[layout.offset(r, c)] = int8_t(row.codes[c]);
  };
  if (result.perTensor) {
    for (int64_t r = 0; r < layout.rows; ++r)
      roundRow(r);
  } else {
    forEachIndex(size_t(layout.rows), [&](size_t r) { roundRow(int64_t(r)); });
  }
  return result;
}

bool refitToQuantizedInputs(std::vector<float> &weights, const WeightLayout &layout,
                            const std::vector<double> &gram, const std::vector<double> &errorCross,
                            double damping) {
  int64_t n = layout.columns;
  if (int64_t(gram.size()) != n * n || int64_t(errorCross.size()) != n * n)
    return false;
  double meanDiagonal = 0;
  for (int64_t i = 0; i < n; ++i)
    meanDiagonal += gram[i * n + i];
  meanDiagonal /= double(n);
  if (!(meanDiagonal > 0) || !std::isfinite(meanDiagonal))
    return false;
  std::vector<double> factor(gram);
  for (int64_t i = 0; i < n; ++i)
    factor[i * n + i] += damping * meanDiagonal;
  if (!cholesky(factor, n)) // factor = L L^T
    return false;
  std::vector<double> upper(n * n); // L^T, so both substitutions walk rows
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k <= i; ++k)
      upper[k * n + i] = factor[i * n + k];
  std::vector<double> w(n), delta(n);
  std::vector<float> refit(weights);
  for (int64_t r = 0; r < layout.rows; ++r) {
    for (int64_t c = 0; c < n; ++c)
      w[c] = weights[layout.offset(r, c)];
    hessianTimes(errorCross.data(), n, w.data(), delta.data()); // D w
    for (int64_t i = 0; i < n; ++i) { // L z = D w
      double sum[kDotLanes] = {delta[i]};
      accumulateDotLanes</*Subtract=*/true>(delta.data(), &factor[i * n], n, 0, i, sum, 1);
      delta[i] = sum[0] / factor[i * n + i];
    }
    for (int64_t i = n - 1; i >= 0; --i) { // L^T delta = z
      double sum[kDotLanes] = {delta[i]};
      accumulateDotLanes</*Subtract=*/true>(delta.data(), &upper[i * n], n, i + 1, n, sum, 1);
      delta[i] = sum[0] / factor[i * n + i];
    }
    for (int64_t c = 0; c < n; ++c) {
      double value = w[c] - delta[c];
      if (!std::isfinite(value))
        return false;
      refit[layout.offset(r, c)] = float(value);
    }
  }
  weights = std::move(refit);
  return true;
}

std::vector<float> dequantizeWeights(const QuantizedWeights &quantized, const WeightLayout &layout) {
  std::vector<float> out(quantized.values.size());
  for (int64_t r = 0; r < layout.rows; ++r)
    for (int64_t c = 0; c < layout.columns; ++c) {
      int64_t at = layout.offset(r, c), index = quantized.paramIndex(r, c);
      out[at] = float(int32_t(quantized.values[at]) - quantized.zeroPoints[index]) *
                quantized.scales[index];
    }
  return out;
}

ActivationParams activationParams(double lo, double hi, unsigned bits, bool symmetric) {
  lo = std::min(lo, 0.0), hi = std::max(hi, 0.0);
  symmetric = symmetric || bits == 16;
  ActivationParams p;
  p.qmax = (int64_t(1) << (bits - 1)) - 1;
  p.qmin = symmetric ? -p.qmax : -p.qmax - 1;
  if (symmetric) {
    p.scale = std::max(std::fabs(lo), std::fabs(hi)) / double(p.qmax);
  } else {
    p.scale = (hi - lo) / double(p.qmax - p.qmin);
    if (p.scale > 0)
      p.zeroPoint = std::clamp<int64_t>(int64_t(std::nearbyint(p.qmin - lo / p.scale)), p.qmin, p.qmax);
  }
  if (!(p.scale >= double(std::numeric_limits<float>::min())) || !std::isfinite(p.scale))
    p.scale = 1.0; // a tensor that is always zero (or denormal: as good as)
  p.scale = double(float(p.scale)); // the type stores what f32 arithmetic will use
  return p;
}

std::optional<FixedPoint> toFixedPoint(double factor) {
  if (!(factor > 0) || !std::isfinite(factor))
    return std::nullopt;
  int exponent;
  double mantissa = std::frexp(factor, &exponent); // factor = mantissa * 2^exponent, [0.5, 1)
  int64_t multiplier = int64_t(std::llround(mantissa * double(int64_t(1) << 31)));
  if (multiplier == (int64_t(1) << 31))
    multiplier /= 2, ++exponent;
  int64_t shift = 31 - exponent;
  if (shift < 1 || shift > 62)
    return std::nullopt;
  return FixedPoint{int32_t(multiplier), shift};
}

int64_t requantizeValue(int32_t accumulator, FixedPoint rescale, int32_t zeroPoint, IntRange range) {
  int64_t product = int64_t(accumulator) * rescale.multiplier;
  int64_t rounded = (product + (int64_t(1) << (rescale.shift - 1))) >> rescale.shift;
  return std::clamp<int64_t>(rounded + zeroPoint, range.min, range.max);
}

void ErrorAccumulator::add(const float *reference, const float *approx, int64_t count) {
  for (int64_t i = 0; i < count; ++i) {
    double a = reference[i], b = approx[i], d = a - b;
    signal += a * a, noise += d * d, dot += a * b, normA += a * a, normB += b * b;
    maxError = std::max(maxError, std::fabs(d));
  }
}

ErrorStats ErrorAccumulator::stats() const {
  ErrorStats stats;
  stats.sqnrDb = noise > 0 ? 10.0 * std::log10(signal / noise)
                           : std::numeric_limits<double>::infinity();
  stats.cosine = normA > 0 && normB > 0 ? dot / std::sqrt(normA * normB) : (normA == normB ? 1 : 0);
  stats.maxAbsError = maxError;
  return stats;
}

ErrorStats compareTensors(const float *reference, const float *approx, int64_t count) {
  ErrorAccumulator accumulator;
  accumulator.add(reference, approx, count);
  return accumulator.stats();
}

/// `value` rounded to f16 (nearest, ties to even), if it is a normal f16.
static std::optional<float> roundToHalf(float value) {
  llvm::APFloat half(value);
  bool lost = false;
  auto status = half.convert(llvm::APFloat::IEEEhalf(), llvm::APFloat::rmNearestTiesToEven, &lost);
  if ((status & (llvm::APFloat::opOverflow | llvm::APFloat::opUnderflow)) || half.isDenormal() ||
      !half.isFinite())
    return std::nullopt;
  half.convert(llvm::APFloat::IEEEsingle(), llvm::APFloat::rmNearestTiesToEven, &lost);
  return half.convertToFloat();
}

bool isHalfExact(float value) {
  auto rounded = roundToHalf(value);
  return value == 0 || (rounded && *rounded == value);
}

void roundScalesToHalf(QuantizedWeights &quantized) {
  for (float &scale : quantized.scales)
    if (auto rounded = roundToHalf(scale); rounded && *rounded > 0)
      scale = *rounded;
}

} // namespace quantc
