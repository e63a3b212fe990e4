// How a weight-only GEMV (A read straight from x) is launched on a GPU: the
// variant a device's benchmark picks (bench/gpu), spelled as one option
// value (`quantc compile --gpu-gemv`, the pass option `gemv`) so that a
// user tunes an artifact for a device without rebuilding quantc. Plain C++:
// gpu-bench prints the spelling of each shape's fastest kernel.
#ifndef QUANTC_CODEGEN_GPUGEMVTUNING_H
#define QUANTC_CODEGEN_GPUGEMVTUNING_H

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace quantc::codegen::gpu {

/// WeightOnlyGemm's launch fields for a GEMV; chooseLaunch applies each
/// where the layer's shape allows it.
struct GemvTuning {
  bool streamK = false;         // else split-K until about targetWarps warps
  int64_t targetWarps = 8192;   // split-K: warps in flight it splits K for
  std::optional<bool> permuteK; // unset: with stream-K
  int64_t warps = 4;            // warps a block: 1, 2 or 4
  int64_t prefetchTiles = 8;    // K tiles a load iteration: 4, 8, 12 or 16
  int64_t weightStages = 0;     // 0 (registers) or 2-8 shared-memory stages
  bool scaleAfterMma = false;   // scales on each iteration's sums
  /// Every weight-only layer whose weights load into registers (staged
  /// ones too; not through shared-memory stages) reads them past L1 and
  /// evicts them first from L2.
  bool weightsPastL1 = false;
  /// Layers of fewer rows (M) than this run as GEMVs, A read straight from
  /// x with the weights loaded ahead; from it on, A is staged through
  /// shared memory (whose loop loads each K tile's weights as it uses
  /// them). 16 to 256, a multiple of 16.
  int64_t gemvRows = 16;

  bool permutesK() const { return permuteK.value_or(streamK); }
};

/// Split-K's blocks along K so that about `targetWarps` warps are in flight
/// over `pairs` (M tile, N group or tile) pairs: 1 to `kTiles`.
int64_t splitKFor(int64_t targetWarps, int64_t pairs, int64_t kTiles);

/// Reads `split-k|stream-k[:option]...`, options `target=N` (32 to 2^20
/// warps), `warps=N`, `prefetch=N`, `stages=N`, `rows=N` (gemvRows),
/// `scale-after-mma`, `past-l1`, `permute-k` and `no-permute-k`. Returns why `spec` is not one
/// (empty when it is).
std::string parseGemvTuning(std::string_view spec, GemvTuning &tuning);

/// The shortest spelling of `tuning` that parseGemvTuning reads back (the
/// defaults left out; a target only for split-K): "split-k",
/// "split-k:target=2048", "stream-k:stages=4:warps=2".
std::string gemvTuningSpec(const GemvTuning &tuning);

} // namespace quantc::codegen::gpu

#endif
