// Several dot products against one shared vector, side by side.
#ifndef QUANTC_ANALYSIS_DOTLANES_H
#define QUANTC_ANALYSIS_DOTLANES_H

#include <cstdint>

namespace quantc {

/// How many independent sums the O(n^2) and O(n^3) loops of the analysis run
/// side by side.
constexpr int64_t kDotLanes = 8;

/// sum[l] += shared[k] * rows[l * stride + k] (or -= with `Subtract`) for k
/// in [begin, end) and l < lanes: each sum in order of k, exactly as a plain
/// loop per row computes it (bit-identical), but up to kDotLanes of them at
/// once instead of one dependent add after another.
template <bool Subtract = false, typename T>
inline void accumulateDotLanes(const T *shared, const T *rows, int64_t stride, int64_t begin,
                               int64_t end, T (&sum)[kDotLanes], int64_t lanes = kDotLanes) {
  auto step = [&](int64_t k, int64_t l) {
    T product = shared[k] * rows[l * stride + k];
    sum[l] = Subtract ? sum[l] - product : sum[l] + product;
  };
  if (lanes == kDotLanes) { // a constant trip count the compiler unrolls
    for (int64_t k = begin; k < end; ++k)
      for (int64_t l = 0; l < kDotLanes; ++l)
        step(k, l);
    return;
  }
  for (int64_t k = begin; k < end; ++k)
    for (int64_t l = 0; l < lanes; ++l)
      step(k, l);
}

} // namespace quantc

#endif // QUANTC_ANALYSIS_DOTLANES_H
