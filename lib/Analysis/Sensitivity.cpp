// Weight-error sensitivity scores.
#include "quantc/Analysis/Sensitivity.h"
#include "quantc/Analysis/Hessian.h"

#include <algorithm>
#include <cmath>

namespace quantc {

double hessianWeightedError(const std::vector<float> &original, const std::vector<float> &dequantized,
                            const WeightLayout &layout, const std::vector<double> &hessian) {
  const int64_t n = layout.columns;
  std::vector<double> d(n), hd(n);
  double total = 0;
  for (int64_t r = 0; r < layout.rows; ++r) {
    for (int64_t c = 0; c < n; ++c) {
      int64_t i = layout.offset(r, c);
      d[c] = double(dequantized[i]) - double(original[i]);
    }
    hessianTimes(hessian.data(), n, d.data(), hd.data());
    for (int64_t a = 0; a < n; ++a)
      if (d[a] != 0)
        total += d[a] * hd[a];
  }
  return total;
}

double diagonalHessianError(const std::vector<float> &original, const std::vector<float> &dequantized,
                            const WeightLayout &layout, const std::vector<double> &columnPower) {
  bool perRow = int64_t(columnPower.size()) == layout.rows * layout.columns;
  double total = 0;
  for (int64_t r = 0; r < layout.rows; ++r)
    for (int64_t c = 0; c < layout.columns; ++c) {
      int64_t i = layout.offset(r, c);
      double d = double(dequantized[i]) - double(original[i]);
      total += d * d * columnPower[perRow ? r * layout.columns + c : c];
    }
  return total;
}

double relativeWeightError(const std::vector<float> &original, const std::vector<float> &dequantized) {
  double noise = 0, signal = 0;
  for (size_t i = 0; i < original.size(); ++i) {
    double d = double(dequantized[i]) - double(original[i]);
    noise += d * d;
    signal += double(original[i]) * original[i];
  }
  return signal > 0 ? noise / signal : 0.0;
}

OutputDivergence outputKLDivergence(const float *reference, const float *approx, int64_t rows,
                                    int64_t width) {
  auto logOf = [](double value) { return std::log(std::max(value, 1e-12)); };
  OutputDivergence total;
  for (int64_t row = 0; row < rows; ++row) {
    const float *p = reference + row * width, *q = approx + row * width;
    for (int64_t i = 0; i < width; ++i)
      total.kl += std::max(double(p[i]), 1e-12) * (logOf(p[i]) - logOf(q[i]));
    int64_t top = std::max_element(p, p + width) - p;
    total.topLoss += logOf(p[top]) - logOf(q[top]);
  }
  if (rows > 0)
    total.kl /= double(rows), total.topLoss /= double(rows);
  return total;
}

} // namespace quantc
