#include "quantc/Codegen/GPUFragments.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>

namespace quantc::codegen::gpu {

// groupID = lane / 4 picks the row (A, C) or column (B); threadID_in_group =
// lane % 4 picks the pair of columns (A, C) or rows (B).
Element mmaAElement(int lane, int index) {
  int group = lane >> 2, thread = lane & 3;
  return {group + 8 * ((index >> 1) & 1), thread * 2 + (index & 1) + 8 * (index >= 4)};
}

Element mmaBElement(int lane, int index) {
  int group = lane >> 2, thread = lane & 3;
  return {thread * 2 + (index & 1) + 8 * (index >= 2), group};
}

Element mmaCElement(int lane, int index) {
  int group = lane >> 2, thread = lane & 3;
  return {group + 8 * (index >= 2), thread * 2 + (index & 1)};
}

Element mmaInt8AElement(int lane, int index) {
  int group = lane >> 2, thread = lane & 3;
  return {group + 8 * ((index >> 2) & 1), thread * 4 + (index & 3) + 16 * (index >= 8)};
}

Element mmaInt8BElement(int lane, int index) {
  int group = lane >> 2, thread = lane & 3;
  return {thread * 4 + (index & 3) + 16 * (index >= 4), group};
}

PreshuffledInt8 preshuffleInt8(const int8_t *codes, int64_t n, int64_t k) {
  PreshuffledInt8 weights;
  weights.n = n;
  weights.k = k;
  weights.words.assign(size_t(weights.nTiles() * weights.kTiles() * kWarpSize * 2), 0);
  for (int64_t nTile = 0; nTile < weights.nTiles(); ++nTile)
    for (int64_t kTile = 0; kTile < weights.kTiles(); ++kTile)
      for (int lane = 0; lane < kWarpSize; ++lane)
        for (int index = 0; index < 8; ++index) {
          Element e = mmaInt8BElement(lane, index);
          int64_t row = kTile * kMmaKInt8 + e.row, column = nTile * kMmaN + e.col;
          int8_t code = row < k && column < n ? codes[column * k + row] : 0;
          weights.words[size_t(weights.wordIndex(nTile, kTile, lane, index / 4))] |=
              uint32_t(uint8_t(code)) << (8 * (index % 4));
        }
  return weights;
}

std::vector<int32_t> tiledGemmInt8(const std::vector<int8_t> &x, int64_t m,
                                   const PreshuffledInt8 &weights) {
  int64_t n = weights.n, k = weights.k;
  std::vector<int32_t> y(size_t(m * n), 0);
  for (int64_t mTile = 0; mTile * kMmaM < m; ++mTile)
    for (int64_t nTile = 0; nTile < weights.nTiles(); ++nTile) {
      int32_t c[kWarpSize][4] = {};
      for (int64_t kTile = 0; kTile < weights.kTiles(); ++kTile) {
        int32_t a[kMmaM][kMmaKInt8], b[kMmaKInt8][kMmaN];
        for (int lane = 0; lane < kWarpSize; ++lane) {
          for (int index = 0; index < 16; ++index) {
            Element e = mmaInt8AElement(lane, index);
            int64_t row = mTile * kMmaM + e.row, column = kTile * kMmaKInt8 + e.col;
            a[e.row][e.col] = row < m && column < k ? x[size_t(row * k + column)] : 0;
          }
          for (int index = 0; index < 8; ++index) {
            Element e = mmaInt8BElement(lane, index);
            uint32_t word = weights.words[size_t(weights.wordIndex(nTile, kTile, lane, index / 4))];
            b[e.row][e.col] = int8_t(uint8_t(word >> (8 * (index % 4))));
          }
        }
        for (int lane = 0; lane < kWarpSize; ++lane)
          for (int index = 0; index < 4; ++index) {
            Element e = mmaCElement(lane, index);
            for (int kk = 0; kk < kMmaKInt8; ++kk)
              c[lane][index] += a[e.row][kk] * b[kk][e.col];
          }
      }
      for (int lane = 0; lane < kWarpSize; ++lane)
        for (int index = 0; index < 4; ++index) {
          Element e = mmaCElement(lane, index);
          int64_t row = mTile * kMmaM + e.row, column = nTile * kMmaN + e.col;
          if (row < m && column < n)
            y[size_t(row * n + column)] = c[lane][index];
        }
    }
  return y;
}

Element ldmatrixX4Element(int lane, int reg, int half) {
  int addressLane = 8 * reg; // the first lane of the eight that address matrix `reg`
  Element origin{addressLane % 16, (addressLane / 16) * 8};
  return {origin.row + lane / 4, origin.col + 2 * (lane % 4) + half};
}

PreshuffledWeights preshuffle(const int8_t *codes, int64_t n, int64_t k, unsigned bits) {
  assert((bits == 2 || bits == 4 || bits == 8) && "the lop3 dequant takes 2, 4 or 8 bits");
  PreshuffledWeights weights;
  weights.bits = bits;
  weights.n = n;
  weights.k = k;
  int registers = weights.registersPerWord();
  weights.words.assign(size_t(weights.wordCount()), 0);
  uint32_t midpoint = 1u << (bits - 1);
  for (int64_t group = 0; group < weights.nGroups(); ++group)
    for (int64_t kTile = 0; kTile < weights.kTiles(); ++kTile)
      for (int lane = 0; lane < kWarpSize; ++lane) {
        uint32_t word = 0;
        for (int j = 0; j < registers; ++j) {
          int64_t nTile = group * weights.nTilesPerWord() + j / 2;
          for (int half = 0; half < 2; ++half) {
            Element e = mmaBElement(lane, 2 * (j % 2) + half);
            int64_t row = kTile * kMmaK + e.row, column = nTile * kMmaN + e.col;
            int code = row < k && column < n ? codes[column * k + row] : 0;
            int position = half == 0 ? j : j + registers;
            word |= (uint32_t(code) + midpoint) << (position * int(bits));
          }
        }
        weights.words[size_t(weights.wordIndex(group, kTile, lane))] = word;
      }
  return weights;
}

uint16_t stagedHalf(float value) {
  if (std::isnan(value))
    return 0x7e00;
  return halfFromFloat(std::clamp(value, -65504.0f, 65504.0f));
}

uint16_t halfFromFloat(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  uint32_t sign = (bits >> 16) & 0x8000u, magnitude = bits & 0x7fffffffu;
  if (magnitude > 0x7f800000u) // NaN: keep it quiet
    return uint16_t(sign | 0x7e00u);
  if (magnitude >= 0x477ff000u) // rounds to at least 65536: infinity
    return uint16_t(sign | 0x7c00u);
  if (magnitude < 0x38800000u) { // below 2^-14: a subnormal half (or zero)
    // The half's units are 2^-24; rounding to nearest even in float
    // arithmetic is exact here (the value has at most 24 significant bits).
    float units = std::nearbyint(std::fabs(value) * 16777216.0f);
    return uint16_t(sign | uint32_t(units));
  }
  // Normal: drop 13 mantissa bits with round to nearest, ties to even.
  uint32_t rounded = magnitude + 0xfffu + ((magnitude >> 13) & 1u);
  return uint16_t(sign | ((rounded >> 13) - ((127 - 15) << 10)));
}

float floatFromHalf(uint16_t half) {
  uint32_t sign = uint32_t(half & 0x8000u) << 16, exponent = (half >> 10) & 0x1fu,
           mantissa = half & 0x3ffu;
  float value;
  if (exponent == 0) {
    value = std::ldexp(float(mantissa), -24);
  } else if (exponent == 31) {
    value = mantissa ? NAN : INFINITY;
  } else {
    uint32_t bits = ((exponent + 127 - 15) << 23) | (mantissa << 13);
    std::memcpy(&value, &bits, 4);
  }
  return sign ? -value : value;
}

void dequantizeRegister(uint32_t word, int j, unsigned bits, uint16_t scale, int zero,
                        uint16_t out[2]) {
  uint32_t mask = (1u << bits) - 1;
  uint32_t magic = ((word >> (bits * unsigned(j))) & (mask | (mask << 16))) | 0x64006400u;
  // 1024 + u - (1024 + midpoint + zero) is a small integer: exact in f16,
  // as is its product with the scale in f32 before the one rounding.
  float offset = 1024.0f + float(1u << (bits - 1)) + float(zero);
  for (int half = 0; half < 2; ++half) {
    float centered = floatFromHalf(uint16_t(magic >> (16 * half))) - offset;
    out[half] = halfFromFloat(centered * floatFromHalf(scale));
  }
}

std::vector<float> tiledGemm(const std::vector<uint16_t> &x, int64_t m,
                             const PreshuffledWeights &weights, const std::vector<uint16_t> &scales,
                             const std::vector<int8_t> &zeros, int64_t group,
                             const TiledGemmOptions &options) {
  int64_t scaleAfterTiles = options.scaleAfterTiles;
  const std::optional<StreamKSplit> &streamK = options.streamK;
  assert((!options.permutedK || weights.k % (PreshuffledWeights::kQuad * kMmaK) == 0) &&
         "permuted K takes whole 64-row blocks");
  int64_t n = weights.n, k = weights.k;
  assert((group == 0 || group % kMmaK == 0) && "a K tile takes one scale per column");
  assert((!scaleAfterTiles || !group || group % (scaleAfterTiles * kMmaK) == 0) &&
         "scaling after the mma takes whole scale groups");
  constexpr uint16_t kOne = 0x3C00; // 1.0: B holds the centered codes
  auto scaleOf = [&](int64_t kTile, int64_t column) -> uint16_t {
    if (column >= n)
      return 0;
    return scales[size_t((group ? kTile * kMmaK / group : 0) * n + column)];
  };
  int tilesPerWord = weights.nTilesPerWord();
  std::vector<float> y(size_t(m * n), 0.0f);
  // Stream-K: the items where a warp's run starts (its sums before that
  // item are another warp's).
  int64_t iterations = 0;
  std::vector<char> runStarts;
  if (streamK) {
    assert(streamK->warps > 0 && streamK->itemTiles > 0 && "stream-K needs warps and items");
    iterations = (weights.kTiles() + streamK->itemTiles - 1) / streamK->itemTiles;
    int64_t items = weights.nGroups() * iterations;
    runStarts.assign(size_t(items), 0);
    for (int64_t warp = 0; warp < streamK->warps; ++warp)
      if (ItemRun r = streamKRun(items, streamK->warps, warp); r.begin < r.end)
        runStarts[size_t(r.begin)] = 1;
  }
  for (int64_t mTile = 0; mTile * kMmaM < m; ++mTile)
    for (int64_t nGroup = 0; nGroup < weights.nGroups(); ++nGroup) {
      // Each lane's accumulators for each N tile of the word: c[tile][lane][4].
      std::vector<float> c(size_t(tilesPerWord * kWarpSize * 4), 0.0f);
      // Scaled after the mma: the run's sums, from zero at each run.
      std::vector<float> run(c.size(), 0.0f);
      std::vector<float> &sums = scaleAfterTiles ? run : c;
      // Adds the accumulators into y (one warp's sums) and restarts them.
      auto flush = [&] {
        for (int tile = 0; tile < tilesPerWord; ++tile)
          for (int lane = 0; lane < kWarpSize; ++lane)
            for (int index = 0; index < 4; ++index) {
              Element e = mmaCElement(lane, index);
              int64_t row = mTile * kMmaM + e.row,
                      column = (nGroup * tilesPerWord + tile) * kMmaN + e.col;
              float &sum = c[size_t((tile * kWarpSize + lane) * 4 + index)];
              if (row < m && column < n) // stream-K adds as the atomics do; else a store
                y[size_t(row * n + column)] = streamK ? y[size_t(row * n + column)] + sum : sum;
              sum = 0.0f;
            }
      };
      int64_t kEnd = options.kTileEnd < 0 ? weights.kTiles() : options.kTileEnd;
      for (int64_t kTile = options.kTileBegin; kTile < kEnd; ++kTile) {
        if (streamK && kTile > 0 && kTile % streamK->itemTiles == 0 &&
            runStarts[size_t(nGroup * iterations + kTile / streamK->itemTiles)])
          flush();
        float a[kMmaM][kMmaK]; // the A tile as the lanes hold it
        for (int lane = 0; lane < kWarpSize; ++lane)
          for (int index = 0; index < 8; ++index) {
            Element e = mmaAElement(lane, index);
            int64_t row = mTile * kMmaM + e.row, column = kTile * kMmaK + e.col;
            if (options.permutedK) // the block's row the tile holds there
              column = kTile / PreshuffledWeights::kQuad * PreshuffledWeights::kQuad * kMmaK +
                       permutedKRow(kTile % PreshuffledWeights::kQuad, e.col);
            a[e.row][e.col] =
                row < m && column < k ? floatFromHalf(x[size_t(row * k + column)]) : 0.0f;
          }
        for (int tile = 0; tile < tilesPerWord; ++tile) {
          float b[kMmaK][kMmaN]; // the B tile from each lane's dequantized registers
          for (int lane = 0; lane < kWarpSize; ++lane) {
            uint32_t word = weights.words[size_t(weights.wordIndex(nGroup, kTile, lane))];
            int64_t column = (nGroup * tilesPerWord + tile) * kMmaN + (lane >> 2);
            int64_t cell = column < n ? (group ? kTile * kMmaK / group : 0) * n + column : -1;
            uint16_t scale = scaleAfterTiles ? kOne : cell >= 0 ? scales[size_t(cell)] : 0;
            int zero = cell >= 0 && !zeros.empty() ? zeros[size_t(cell)] : 0;
            for (int pair = 0; pair < 2; ++pair) {
              uint16_t halves[2];
              dequantizeRegister(word, 2 * tile + pair, weights.bits, scale, zero, halves);
              for (int half = 0; half < 2; ++half) {
                Element e = mmaBElement(lane, 2 * pair + half);
                b[e.row][e.col] = floatFromHalf(halves[half]);
              }
            }
          }
          // D = A B + C, each lane keeping its own four elements.
          for (int lane = 0; lane < kWarpSize; ++lane)
            for (int index = 0; index < 4; ++index) {
              Element e = mmaCElement(lane, index);
              float sum = 0.0f;
              for (int kk = 0; kk < kMmaK; ++kk)
                sum += a[e.row][kk] * b[kk][e.col];
              sums[size_t((tile * kWarpSize + lane) * 4 + index)] += sum;
            }
        }
        if (scaleAfterTiles && ((kTile + 1) % scaleAfterTiles == 0 || kTile + 1 == kEnd)) {
          for (int tile = 0; tile < tilesPerWord; ++tile)
            for (int lane = 0; lane < kWarpSize; ++lane)
              for (int index = 0; index < 4; ++index) {
                size_t i = size_t((tile * kWarpSize + lane) * 4 + index);
                int64_t column =
                    (nGroup * tilesPerWord + tile) * kMmaN + mmaCElement(lane, index).col;
                c[i] = std::fma(run[i], floatFromHalf(scaleOf(kTile, column)), c[i]);
                run[i] = 0.0f;
              }
        }
      }
      flush();
    }
  return y;
}

int64_t splitChunk(int64_t tiles, int64_t splitK, int64_t align) {
  int64_t chunk = (tiles + splitK - 1) / splitK;
  return (chunk + align - 1) / align * align;
}

std::pair<int64_t, int64_t> splitShare(int64_t tiles, int64_t splitK, int64_t align,
                                       int64_t split) {
  int64_t chunk = splitChunk(tiles, splitK, align);
  return {split * chunk, std::min(split * chunk + chunk, tiles)};
}

int64_t nonEmptyShares(int64_t tiles, int64_t splitK, int64_t align) {
  int64_t chunk = splitChunk(tiles, splitK, align);
  return chunk ? (tiles + chunk - 1) / chunk : 1;
}

int64_t permutedKRow(int64_t tile, int64_t row) {
  int64_t thread = row % 8 / 2;
  return 16 * thread + 4 * tile + (row >= 8 ? 2 : 0) + row % 2;
}

std::vector<int8_t> permuteKBlocks(const int8_t *codes, int64_t n, int64_t k) {
  constexpr int64_t block = PreshuffledWeights::kQuad * kMmaK;
  assert(k % block == 0 && "permuted K takes whole 64-row blocks");
  std::vector<int8_t> permuted(size_t(n * k));
  for (int64_t column = 0; column < n; ++column)
    for (int64_t first = 0; first < k; first += block)
      for (int64_t tile = 0; tile < PreshuffledWeights::kQuad; ++tile)
        for (int64_t row = 0; row < kMmaK; ++row)
          permuted[size_t(column * k + first + tile * kMmaK + row)] =
              codes[size_t(column * k + first + permutedKRow(tile, row))];
  return permuted;
}

ItemRun streamKRun(int64_t items, int64_t warps, int64_t warp) {
  int64_t run = items / warps, longer = items % warps;
  int64_t begin = warp * run + std::min(warp, longer);
  return {begin, begin + run + (warp < longer ? 1 : 0)};
}

int64_t ImplicitConv::sourceIndex(int64_t m, int64_t k) const {
  if (k >= taps())
    return kPastTaps;
  int64_t image = m / pixels(), pixel = m % pixels();
  int64_t oh = pixel / outWidth(), ow = pixel % outWidth();
  int64_t channel = k / (kernelH * kernelW), tap = k % (kernelH * kernelW);
  int64_t row = oh * strideH + (tap / kernelW) * dilationH - padTop;
  int64_t column = ow * strideW + (tap % kernelW) * dilationW - padLeft;
  if (row < 0 || row >= height || column < 0 || column >= width)
    return kPadding;
  return ((image * channels + channel) * height + row) * width + column;
}

} // namespace quantc::codegen::gpu
