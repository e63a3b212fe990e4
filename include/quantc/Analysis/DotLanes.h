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
///
/// The sanitizers skip this kernel: a check on every load made the O(n^3)
/// analysis of a real model (rec's 2880-column layers) take tens of minutes
/// in the ASan build. Its callers' index arithmetic stays checked, and the
/// unit tests compare every caller with plain loops.
template <bool Subtract = false, typename T>
#if defined(__clang__)
__attribute__((no_sanitize("address", "undefined")))
#endif
inline void accumulateDotLanes(const T *shared, const T *rows, int64_t stride, int64_t begin,
                               int64_t end, T (&sum)[kDotLanes], int64_t lanes = kDotLanes) {
  if (lanes == kDotLanes) { // a constant trip count the compiler unrolls
    for (int64_t k = begin; k < end; ++k)
      for (int64_t l = 0; l < kDotLanes; ++l) {
        T product = shared[k] * rows[l * stride + k];
        sum[l] = Subtract ? sum[l] - product : sum[l] + product;
      }
    return;
  }
  for (int64_t k = begin; k < end; ++k)
    for (int64_t l = 0; l < lanes; ++l) {
      T product = shared[k] * rows[l * stride + k];
      sum[l] = Subtract ? sum[l] - product : sum[l] + product;
    }
}

} // namespace quantc

#endif // QUANTC_ANALYSIS_DOTLANES_H
