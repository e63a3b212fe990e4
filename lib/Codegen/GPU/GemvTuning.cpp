// The spelling of a GEMV's launch (GPUGemvTuning.h): plain C++, shared by
// the compiler's options and gpu-bench.
#include "quantc/Codegen/GPUGemvTuning.h"

#include <algorithm>
#include <charconv>

namespace quantc::codegen::gpu {

/// `text` as a whole decimal number in [low, high].
static std::optional<int64_t> numberIn(std::string_view text, int64_t low, int64_t high) {
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < low || value > high)
    return std::nullopt;
  return value;
}

/// Reads one `key[=value]` option into `tuning`; false when it is none.
static bool readOption(std::string_view field, GemvTuning &tuning) {
  size_t equals = field.find('=');
  std::string_view key = field.substr(0, equals);
  if (equals == std::string_view::npos) {
    if (key == "scale-after-mma")
      tuning.scaleAfterMma = true;
    else if (key == "past-l1")
      tuning.weightsPastL1 = true;
    else if (key == "permute-k" || key == "no-permute-k")
      tuning.permuteK = key == "permute-k";
    else
      return false;
    return true;
  }
  std::string_view value = field.substr(equals + 1);
  std::optional<int64_t> number;
  if (key == "target" && (number = numberIn(value, 32, int64_t(1) << 20)))
    tuning.targetWarps = *number;
  else if (key == "warps" && (number = numberIn(value, 1, 4)) && *number != 3)
    tuning.warps = *number;
  else if (key == "prefetch" && (number = numberIn(value, 4, 16)) && *number % 4 == 0)
    tuning.prefetchTiles = *number;
  else if (key == "stages" && (number = numberIn(value, 0, 8)) && *number != 1)
    tuning.weightStages = *number;
  else if (key == "rows" && (number = numberIn(value, 16, 256)) && *number % 16 == 0)
    tuning.gemvRows = *number;
  else
    return false;
  return true;
}

int64_t splitKFor(int64_t targetWarps, int64_t pairs, int64_t kTiles) {
  return std::clamp<int64_t>((targetWarps + pairs - 1) / pairs, 1, kTiles);
}

std::string parseGemvTuning(std::string_view spec, GemvTuning &tuning) {
  tuning = GemvTuning();
  size_t colon = spec.find(':');
  std::string_view kind = spec.substr(0, colon);
  if (kind != "split-k" && kind != "stream-k")
    return "a GEMV launch starts with split-k or stream-k, not '" + std::string(kind) + "'";
  tuning.streamK = kind == "stream-k";
  while (colon != std::string_view::npos) {
    spec = spec.substr(colon + 1);
    colon = spec.find(':');
    std::string_view field = spec.substr(0, colon);
    if (!readOption(field, tuning))
      return "unknown GEMV launch option '" + std::string(field) +
             "' (target=32..1048576, warps=1|2|4, prefetch=4|8|12|16, stages=0|2..8, "
             "rows=16..256 (multiples of 16), scale-after-mma, past-l1, permute-k, "
             "no-permute-k)";
  }
  return "";
}

std::string gemvTuningSpec(const GemvTuning &tuning) {
  GemvTuning defaults;
  std::string spec = tuning.streamK ? "stream-k" : "split-k";
  if (!tuning.streamK && tuning.targetWarps != defaults.targetWarps)
    spec += ":target=" + std::to_string(tuning.targetWarps);
  if (tuning.permutesK() != tuning.streamK)
    spec += tuning.permutesK() ? ":permute-k" : ":no-permute-k";
  if (tuning.prefetchTiles != defaults.prefetchTiles)
    spec += ":prefetch=" + std::to_string(tuning.prefetchTiles);
  if (tuning.weightStages)
    spec += ":stages=" + std::to_string(tuning.weightStages);
  if (tuning.scaleAfterMma)
    spec += ":scale-after-mma";
  if (tuning.weightsPastL1)
    spec += ":past-l1";
  if (tuning.warps != defaults.warps)
    spec += ":warps=" + std::to_string(tuning.warps);
  if (tuning.gemvRows != defaults.gemvRows)
    spec += ":rows=" + std::to_string(tuning.gemvRows);
  return spec;
}

} // namespace quantc::codegen::gpu
