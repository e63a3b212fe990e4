// Packing into the dot- and LUT-kernel layouts and the reference packed
// matmul.
#include "quantc/Codegen/Packing.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace quantc::codegen {

std::vector<unsigned> planeWidths(unsigned bits) {
  if (bits == 8)
    return {8};
  std::vector<unsigned> widths;
  for (unsigned width : {4u, 2u, 1u})
    if (bits >= width) {
      widths.push_back(width);
      bits -= width;
    }
  return widths;
}

std::vector<unsigned> storedPlaneWidths(const PackedLayout &layout) {
  return layout.lut ? std::vector<unsigned>(layout.bits, 1u) : planeWidths(layout.bits);
}

namespace {

/// Visits every code position of the layout: (row k, column n, byte index in
/// the packed tensor, bit offset in that byte, plane width, plane's lowest
/// code bit). Rows and columns past k/n are padding.
template <typename Visit>
void forEachLutCode(const PackedLayout &layout, Visit visit) {
  const int64_t lanes = layout.lanes;
  const int64_t blocks = layout.paddedK() / kBlockK, tiles = layout.paddedN() / lanes;
  for (int64_t tile = 0; tile < tiles; ++tile)
    for (int64_t block = 0; block < blocks; ++block)
      for (unsigned plane = 0; plane < layout.bits; ++plane)
        for (int64_t p = 0; p < 4; ++p) {
          int64_t vector = ((tile * blocks + block) * layout.bits + plane) * 4 + p;
          for (int64_t q = 0; q < lanes; ++q)
            for (unsigned bit = 0; bit < 8; ++bit) // bits 4..7: the next group of 4 rows
              visit(block * kBlockK + 8 * p + bit, tile * lanes + lutChannel(lanes, q),
                    vector * lanes + q, bit, 1u, plane);
        }
}

template <typename Visit>
void forEachPackedCode(const PackedLayout &layout, Visit visit) {
  if (layout.lut)
    return forEachLutCode(layout, visit);
  const int64_t lanes = layout.lanes, vectorBytes = 4 * lanes;
  const int64_t blocks = layout.paddedK() / kBlockK, tiles = layout.paddedN() / lanes;
  std::vector<unsigned> widths = planeWidths(layout.bits);
  for (int64_t tile = 0; tile < tiles; ++tile)
    for (int64_t block = 0; block < blocks; ++block) {
      int64_t vectorIndex = (tile * blocks + block) * layout.bits;
      unsigned codeBit = 0;
      for (unsigned width : widths) {
        int64_t groupsPerVector = 8 / width;
        for (int64_t group = 0; group < 8; ++group) {
          int64_t vector = vectorIndex + group / groupsPerVector;
          unsigned shift = unsigned(group % groupsPerVector) * width;
          for (int64_t lane = 0; lane < lanes; ++lane)
            for (int64_t i = 0; i < 4; ++i)
              visit(block * kBlockK + 4 * group + i, tile * lanes + lane,
                    vector * vectorBytes + 4 * lane + i, shift, width, codeBit);
        }
        vectorIndex += width;
        codeBit += width;
      }
    }
}

} // namespace

std::vector<int8_t> pack(const PackedLayout &layout, const std::vector<int8_t> &codes) {
  assert(int64_t(codes.size()) == layout.k * layout.n && "codes must be K x N");
  std::vector<uint8_t> bytes(layout.packedBytes(), 0);
  forEachPackedCode(layout, [&](int64_t row, int64_t column, int64_t byte, unsigned shift,
                                unsigned width, unsigned codeBit) {
    if (row >= layout.k || column >= layout.n)
      return;
    unsigned code = uint8_t(codes[row * layout.n + column]);
    unsigned stored = (code >> codeBit) & ((1u << width) - 1);
    if (width == 8 && layout.signedBytes)
      stored ^= 0x80; // c - 128 as a signed byte
    bytes[byte] |= uint8_t(stored << shift);
  });
  return std::vector<int8_t>(bytes.begin(), bytes.end());
}

std::vector<int8_t> unpack(const PackedLayout &layout, const std::vector<int8_t> &packed) {
  assert(int64_t(packed.size()) == layout.packedBytes() && "wrong packed size");
  std::vector<uint8_t> codes(layout.k * layout.n, 0);
  forEachPackedCode(layout, [&](int64_t row, int64_t column, int64_t byte, unsigned shift,
                                unsigned width, unsigned codeBit) {
    if (row >= layout.k || column >= layout.n)
      return;
    unsigned stored = (uint8_t(packed[byte]) >> shift) & ((1u << width) - 1);
    if (width == 8 && layout.signedBytes)
      stored ^= 0x80;
    codes[row * layout.n + column] |= uint8_t(stored << codeBit);
  });
  return std::vector<int8_t>(codes.begin(), codes.end());
}

namespace {

float epilogue(const MatmulProblem &p, float acc, int64_t column) {
  float y = p.bias.empty() ? acc : acc + p.bias[column];
  return p.relu ? std::fmax(y, 0.0f) : y;
}

int32_t zeroPointOf(const MatmulProblem &p, int64_t scaleRow, int64_t column) {
  if (p.zeroPoints.empty())
    return p.zeroPoint;
  return p.zeroPoints[scaleRow * p.layout.paddedN() + column];
}

/// Per block of 32: int8 activations, their scale and their sum.
struct QuantizedRow {
  std::vector<int32_t> values;
  std::vector<float> scales;
  std::vector<int32_t> sums;
};

QuantizedRow quantizeRow(const PackedLayout &layout, const float *x) {
  int64_t blocks = layout.paddedK() / kBlockK;
  QuantizedRow row{std::vector<int32_t>(layout.paddedK()), std::vector<float>(blocks),
                   std::vector<int32_t>(blocks)};
  for (int64_t b = 0; b < blocks; ++b) {
    auto at = [&](int64_t i) { return b * kBlockK + i < layout.k ? x[b * kBlockK + i] : 0.0f; };
    float maxAbs = 0.0f;
    for (int64_t i = 0; i < kBlockK; ++i)
      maxAbs = std::fmax(maxAbs, std::fabs(at(i)));
    float inverse = maxAbs > 0.0f ? 127.0f / maxAbs : 0.0f;
    row.scales[b] = maxAbs / 127.0f;
    int32_t sum = 0;
    for (int64_t i = 0; i < kBlockK; ++i) {
      float scaled = std::fmin(std::fmax(at(i) * inverse, -127.0f), 127.0f);
      int32_t q = int32_t(std::nearbyint(scaled)); // ties to even
      row.values[b * kBlockK + i] = q;
      sum += q;
    }
    row.sums[b] = sum;
  }
  return row;
}

} // namespace

std::vector<float> referenceMatmul(const MatmulProblem &p, ActivationMode mode) {
  const PackedLayout &layout = p.layout;
  const int64_t paddedK = layout.paddedK(), paddedN = layout.paddedN();
  auto code = [&](int64_t row, int64_t column) -> int32_t {
    if (row >= layout.k || column >= layout.n)
      return 0;
    return codeValue(layout, uint8_t(p.codes[row * layout.n + column]));
  };
  std::vector<float> y(p.m * layout.n);
  for (int64_t m = 0; m < p.m; ++m) {
    const float *x = &p.x[m * layout.k];
    if (mode == ActivationMode::Int8) {
      QuantizedRow a = quantizeRow(layout, x);
      for (int64_t column = 0; column < layout.n; ++column) {
        float acc = 0.0f;
        for (int64_t b = 0; b < paddedK / kBlockK; ++b) {
          int64_t scaleRow = layout.scaleRow(b * kBlockK);
          int32_t dot = 0;
          for (int64_t i = 0; i < kBlockK; ++i)
            dot += code(b * kBlockK + i, column) * a.values[b * kBlockK + i];
          int32_t corrected = dot - zeroPointOf(p, scaleRow, column) * a.sums[b];
          float factor = a.scales[b] * p.scales[scaleRow * paddedN + column];
          acc = std::fma(float(corrected), factor, acc);
        }
        y[m * layout.n + column] = epilogue(p, acc, column);
      }
      continue;
    }
    int64_t groupRows = layout.group == 0 ? paddedK : layout.group;
    for (int64_t column = 0; column < layout.n; ++column) {
      float acc = 0.0f;
      for (int64_t start = 0; start < paddedK; start += groupRows) {
        int64_t scaleRow = layout.scaleRow(start);
        int32_t zero = zeroPointOf(p, scaleRow, column);
        float partial[4] = {0.0f, 0.0f, 0.0f, 0.0f};
        for (int64_t row = start; row < start + groupRows; ++row) {
          float value = row < layout.k ? x[row] : 0.0f;
          partial[row % 4] = std::fma(value, float(code(row, column) - zero), partial[row % 4]);
        }
        float sum = (partial[0] + partial[1]) + (partial[2] + partial[3]);
        acc = std::fma(sum, p.scales[scaleRow * paddedN + column], acc);
      }
      y[m * layout.n + column] = epilogue(p, acc, column);
    }
  }
  return y;
}

std::vector<int32_t> referenceMatmulInteger(int64_t m, int64_t k, int64_t n,
                                            const std::vector<int8_t> &x,
                                            const std::vector<int8_t> &w,
                                            const std::vector<int32_t> &bias) {
  std::vector<int32_t> acc(m * n);
  for (int64_t row = 0; row < m; ++row)
    for (int64_t column = 0; column < n; ++column) {
      uint32_t sum = bias.empty() ? 0u : uint32_t(bias[column]); // wraps like int32 adds
      for (int64_t i = 0; i < k; ++i)
        sum += uint32_t(int32_t(x[row * k + i]) * int32_t(w[i * n + column]));
      acc[row * n + column] = int32_t(sum);
    }
  return acc;
}

std::vector<int8_t> referenceRequantize(const std::vector<int32_t> &acc, int64_t n,
                                        const RequantizeParams &params) {
  std::vector<int8_t> out(acc.size());
  for (size_t i = 0; i < acc.size(); ++i) {
    size_t c = params.multipliers.size() == 1 ? 0 : i % n;
    int64_t shift = params.shifts[c];
    int64_t v = (int64_t(acc[i]) * params.multipliers[c] + (int64_t(1) << (shift - 1))) >> shift;
    v = std::clamp<int64_t>(v + params.zeroPoint, params.clampMin, params.clampMax);
    out[i] = int8_t(v);
  }
  return out;
}

} // namespace quantc::codegen
