// Activation range estimation from calibration statistics: minmax, percentile,
// MSE-optimal, layer-output-error and entropy (KL) ranges from per-tensor
// histograms.
#ifndef QUANTC_ANALYSIS_RANGEESTIMATOR_H
#define QUANTC_ANALYSIS_RANGEESTIMATOR_H

#include <cstdint>
#include <string>
#include <vector>

namespace quantc {

enum class RangeMethod { MinMax, Percentile, MSE, Entropy, LayerError };

/// "minmax" | "percentile" | "mse" | "entropy" | "layer"; returns an error or "".
std::string parseRangeMethod(const std::string &text, RangeMethod &method);
const char *rangeMethodName(RangeMethod method);

/// Statistics of one tensor over all calibration samples. Two passes:
/// observeMinMax on every sample, then (for the histogram methods)
/// startHistograms once and observeHistogram on every sample again.
class TensorObserver {
public:
  void observeMinMax(const float *data, int64_t count);
  void startHistograms(int bins = 2048);
  void observeHistogram(const float *data, int64_t count);
  /// The same, each element counted with its channel's weight: the tensor
  /// is [outer, weights.size(), inner] and `weights` says how much an error
  /// in each channel costs downstream (LayerError ranges).
  void observeWeightedHistogram(const float *data, int64_t count, const std::vector<double> &weights,
                                int64_t inner);

  double min() const { return lo; }
  double max() const { return hi; }
  bool empty() const { return !seen; }
  /// The range [min, max] to quantize to, always containing 0.
  /// `bits` is the activation bit-width (for the MSE and entropy objectives).
  std::pair<double, double> range(RangeMethod method, double percentile, unsigned bits) const;
  /// Expected squared error, summed over the observed elements, of
  /// quantizing to `bits` over [a, b] with a zero point (from the histogram).
  double asymmetricError(double a, double b, unsigned bits) const;
  /// The bound B of the symmetric range [-B, B] (zero point 0) with the
  /// least expected squared error at `bits`, and that error.
  std::pair<double, double> symmetricMse(unsigned bits) const;

private:
  std::pair<double, double> percentileRange(double percentile) const;
  std::pair<double, double> mseRange(unsigned bits) const;
  std::pair<double, double> entropyRange(unsigned bits) const;
  /// Squared error over the histogram of codes clamp(round(x / scale) + zero).
  double histogramError(double scale, double zero, double qmin, double qmax) const;
  double binCenter(int bin) const { return lo + (bin + 0.5) * (hi - lo) / histogram.size(); }

  bool seen = false;
  double lo = 0, hi = 0;
  void addToHistograms(double value, double weight);

  std::vector<double> histogram;    // over [lo, hi]
  std::vector<double> absHistogram; // |x| over [0, max(|lo|, |hi|)]
};

} // namespace quantc

#endif // QUANTC_ANALYSIS_RANGEESTIMATOR_H
