// Calibration range methods over per-tensor histograms.
#include "quantc/Analysis/RangeEstimator.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace quantc {

std::string parseRangeMethod(const std::string &text, RangeMethod &method) {
  if (text == "minmax") method = RangeMethod::MinMax;
  else if (text == "percentile") method = RangeMethod::Percentile;
  else if (text == "mse") method = RangeMethod::MSE;
  else if (text == "entropy" || text == "kl") method = RangeMethod::Entropy;
  else if (text == "layer") method = RangeMethod::LayerError;
  else return "unknown calibration method '" + text +
              "' (known: minmax, percentile, mse, entropy, layer)";
  return "";
}

const char *rangeMethodName(RangeMethod method) {
  switch (method) {
  case RangeMethod::MinMax: return "minmax";
  case RangeMethod::Percentile: return "percentile";
  case RangeMethod::MSE: return "mse";
  case RangeMethod::Entropy: return "entropy";
  case RangeMethod::LayerError: return "layer";
  }
  return "?";
}

void TensorObserver::observeMinMax(const float *data, int64_t count) {
  for (int64_t i = 0; i < count; ++i) {
    double v = data[i];
    if (!std::isfinite(v))
      continue;
    if (!seen)
      lo = hi = v, seen = true;
    lo = std::min(lo, v), hi = std::max(hi, v);
  }
}

void TensorObserver::startHistograms(int bins) {
  histogram.assign(bins, 0.0);
  absHistogram.assign(bins, 0.0);
}

void TensorObserver::addToHistograms(double value, double weight) {
  if (!std::isfinite(value))
    return;
  int bins = int(histogram.size());
  double absMax = std::max(std::fabs(lo), std::fabs(hi));
  int bin = std::clamp(int((value - lo) / ((hi - lo) / bins)), 0, bins - 1);
  histogram[bin] += weight;
  int absBin = std::clamp(int(std::fabs(value) / absMax * bins), 0, bins - 1);
  absHistogram[absBin] += weight;
}

void TensorObserver::observeHistogram(const float *data, int64_t count) {
  if (histogram.empty() || !(hi > lo))
    return;
  for (int64_t i = 0; i < count; ++i)
    addToHistograms(data[i], 1.0);
}

void TensorObserver::observeWeightedHistogram(const float *data, int64_t count,
                                              const std::vector<double> &weights, int64_t inner) {
  int64_t channels = int64_t(weights.size());
  if (histogram.empty() || !(hi > lo) || channels == 0 || inner <= 0 ||
      count % (channels * inner) != 0)
    return observeHistogram(data, count);
  for (int64_t i = 0; i < count; ++i)
    addToHistograms(data[i], weights[(i / inner) % channels]);
}

std::pair<double, double> TensorObserver::range(RangeMethod method, double percentile,
                                                unsigned bits) const {
  std::pair<double, double> result{lo, hi};
  if (!(hi > lo) || histogram.empty() || method == RangeMethod::MinMax)
    result = {lo, hi};
  else if (method == RangeMethod::Percentile)
    result = percentileRange(percentile);
  else if (method == RangeMethod::MSE || method == RangeMethod::LayerError)
    result = mseRange(bits); // LayerError: over the weighted histogram
  else
    result = entropyRange(bits);
  return {std::min(result.first, 0.0), std::max(result.second, 0.0)};
}

std::pair<double, double> TensorObserver::percentileRange(double percentile) const {
  double total = 0;
  for (double c : histogram)
    total += c;
  double tail = total * (100.0 - percentile) / 100.0;
  int bins = int(histogram.size()), first = 0, last = bins - 1;
  for (double below = 0; first < bins - 1 && below + histogram[first] <= tail; ++first)
    below += histogram[first];
  for (double above = 0; last > first && above + histogram[last] <= tail; --last)
    above += histogram[last];
  double width = (hi - lo) / bins;
  // Keep the real extremes when the tail is empty (no clipping needed).
  return {first == 0 ? lo : lo + first * width, last == bins - 1 ? hi : lo + (last + 1) * width};
}

double TensorObserver::histogramError(double scale, double zero, double qmin, double qmax) const {
  double error = 0;
  for (int bin = 0; bin < int(histogram.size()); ++bin) {
    if (!histogram[bin])
      continue;
    double x = binCenter(bin);
    double q = std::clamp(std::nearbyint(x / scale) + zero, qmin, qmax);
    double d = x - (q - zero) * scale;
    error += histogram[bin] * d * d;
  }
  return error;
}

double TensorObserver::asymmetricError(double a, double b, unsigned bits) const {
  double levels = double((int64_t(1) << bits) - 1);
  a = std::min(a, 0.0), b = std::max(b, 0.0);
  double scale = (b - a) / levels;
  if (!(scale > 0))
    return std::numeric_limits<double>::infinity();
  return histogramError(scale, std::nearbyint(-a / scale), 0.0, levels);
}

std::pair<double, double> TensorObserver::symmetricMse(unsigned bits) const {
  double levels = double((int64_t(1) << (bits - 1)) - 1);
  double absMax = std::max(std::fabs(lo), std::fabs(hi));
  if (!(absMax > 0) || histogram.empty())
    return {absMax, 0.0};
  auto error = [&](double bound) { return histogramError(bound / levels, 0.0, -levels, levels); };
  std::pair<double, double> best{absMax, error(absMax)};
  for (int step = 1; step < 100; ++step) {
    double bound = absMax * (1.0 - 0.9 * step / 100.0);
    if (double e = error(bound); e < best.second)
      best = {bound, e};
  }
  return best;
}

std::pair<double, double> TensorObserver::mseRange(unsigned bits) const {
  auto expectedError = [&](double a, double b) { return asymmetricError(a, b, bits); };
  // Coordinate descent: an outlier usually sits on one side only.
  std::pair<double, double> best{lo, hi};
  double bestError = expectedError(lo, hi);
  for (int round = 0; round < 2; ++round)
    for (int side = 0; side < 2; ++side) {
      std::pair<double, double> start = best;
      for (int step = 1; step < 100; ++step) {
        double ratio = 1.0 - 0.9 * step / 100.0;
        auto candidate = start;
        (side ? candidate.first : candidate.second) *= ratio;
        double error = expectedError(candidate.first, candidate.second);
        if (error < bestError)
          bestError = error, best = candidate;
      }
    }
  return best;
}

/// TensorRT's entropy calibration on |x|: the threshold whose clipped and
/// then quantized distribution loses the least information (KL divergence).
/// The bin at zero is left out of the divergence: zero is always exactly
/// representable (the range contains it, the zero point is an integer),
/// and the spike there in post-ReLU tensors, smeared over its level's bins,
/// made every wide threshold look lossy and the smallest win (a ReLU of
/// N(-1, 2) was clipped at 1.9, losing 7% of its values).
///
/// KL divergence is blind to magnitudes: a tensor whose values are mostly
/// tiny and whose rare large values carry the signal (rec's early HardSwish
/// outputs) loses almost no probability mass when those are clipped, so KL
/// clipped them 3-9x and W8A8 rec collapsed. So thresholds are only taken
/// where the clipping error (sum of (|x| - T)^2 over clipped values) is at
/// most the rounding error of the values kept (N * step^2 / 12): clipping
/// may not cost more than the resolution it buys.
std::pair<double, double> TensorObserver::entropyRange(unsigned bits) const {
  int bins = int(absHistogram.size());
  int levels = 1 << (bits - (lo < 0 ? 1 : 0)); // magnitude levels
  double absMax = std::max(std::fabs(lo), std::fabs(hi));
  double binWidth = absMax / bins, total = 0;
  for (double c : absHistogram)
    total += c;
  auto clippingCostsMore = [&](int end) {
    double threshold = end * binWidth, clipping = 0;
    for (int i = end; i < bins; ++i) {
      double excess = (i + 0.5) * binWidth - threshold;
      clipping += absHistogram[i] * excess * excess;
    }
    double step = threshold / levels;
    return clipping > total * step * step / 12.0;
  };
  int bestEnd = bins;
  double bestDivergence = std::numeric_limits<double>::infinity();
  std::vector<double> reference, expanded;
  for (int end = std::min(levels, bins); end <= bins; end += std::max(1, bins / 512)) {
    if (end < bins && clippingCostsMore(end))
      continue;
    reference.assign(absHistogram.begin(), absHistogram.begin() + end);
    for (int i = end; i < bins; ++i)
      reference[end - 1] += absHistogram[i]; // clipped outliers land in the last bin
    // Merge into `levels` buckets, then spread each bucket over its non-empty bins.
    expanded.assign(end, 0.0);
    for (int level = 0; level < levels; ++level) {
      int begin = std::max(1, int(int64_t(level) * end / levels));
      int stop = int(int64_t(level + 1) * end / levels);
      double sum = 0;
      int nonEmpty = 0;
      for (int i = begin; i < stop; ++i)
        sum += absHistogram[i], nonEmpty += absHistogram[i] > 0;
      for (int i = begin; i < stop; ++i)
        if (absHistogram[i] > 0)
          expanded[i] = sum / nonEmpty;
    }
    double p = 0, q = 0;
    for (int i = 1; i < end; ++i)
      p += reference[i], q += expanded[i];
    if (!(p > 0) || !(q > 0))
      continue;
    double divergence = 0;
    for (int i = 1; i < end; ++i) {
      if (reference[i] <= 0)
        continue;
      double pi = reference[i] / p, qi = expanded[i] / q;
      divergence += qi > 0 ? pi * std::log(pi / qi) : pi * 20.0; // unmatched mass: large penalty
    }
    if (divergence < bestDivergence)
      bestDivergence = divergence, bestEnd = end;
  }
  double threshold = absMax * bestEnd / bins;
  return {std::max(lo, -threshold), std::min(hi, threshold)};
}

} // namespace quantc
