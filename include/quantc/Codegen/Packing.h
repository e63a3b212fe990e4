// The packed-weight layout of the dot kernels, and plain C++ references of
// packing and of the packed matmul (the bit-exact oracle of the kernels).
#ifndef QUANTC_CODEGEN_PACKING_H
#define QUANTC_CODEGEN_PACKING_H

#include <cstdint>
#include <vector>

namespace quantc::codegen {

/// K rows of codes per block: 8 dot groups of 4 (one activation block).
constexpr int64_t kBlockK = 32;

/// Mirrors #qkernel.layout (see QKernelAttrs.td for the byte order).
struct PackedLayout {
  unsigned bits = 4;
  unsigned lanes = 16;
  int64_t k = 0, n = 0;
  int64_t group = 0; // K rows per scale; 0: one per output channel
  bool binary = false;
  bool signedBytes = false;
  bool lut = false; // the LUT-kernel layout (1-bit planes, nibble indices)

  int64_t paddedK() const { return (k + kBlockK - 1) / kBlockK * kBlockK; }
  int64_t paddedN() const { return (n + lanes - 1) / lanes * lanes; }
  int64_t packedBytes() const { return paddedN() * paddedK() / 8 * bits; }
  int64_t scaleRows() const { return group == 0 ? 1 : paddedK() / group; }
  /// The scale row of input row `row`.
  int64_t scaleRow(int64_t row) const { return group == 0 ? 0 : row / group; }
};

/// Bit-plane widths, lowest code bits first: 8 -> {8}; else 4, 2, 1 greedily
/// (7 -> {4, 2, 1}, 3 -> {2, 1}).
std::vector<unsigned> planeWidths(unsigned bits);
/// The planes a layout stores: planeWidths(bits), or `bits` 1-bit planes
/// for the LUT layout.
std::vector<unsigned> storedPlaneWidths(const PackedLayout &layout);

/// The LUT layout's channel (within its tile) of byte q of a plane vector:
/// the order in which interleaving two lookups' bytes per 16-byte lane
/// yields channels 0 .. lanes - 1 as 16-bit words.
inline int64_t lutChannel(int64_t lanes, int64_t q) {
  int64_t lane16 = q / 16, j = q % 16;
  return j < 8 ? 8 * lane16 + j : lanes / 2 + 8 * lane16 + (j - 8);
}

/// Packs K x N codes (row-major, one code per byte, unsigned) into the layout.
std::vector<int8_t> pack(const PackedLayout &layout, const std::vector<int8_t> &codes);
/// The inverse: K x N codes.
std::vector<int8_t> unpack(const PackedLayout &layout, const std::vector<int8_t> &packed);

/// The weight a code stands for before its zero point: c, or 2c for binary.
inline int32_t codeValue(const PackedLayout &layout, int32_t code) {
  return layout.binary ? 2 * code : code;
}

/// How the activations meet the weights (qkernel.matmul `activations`).
enum class ActivationMode { Int8, Float };

/// One packed matmul's operands, all row-major; `zeroPoints` empty means the
/// single `zeroPoint`.
struct MatmulProblem {
  PackedLayout layout;
  int64_t m = 1;
  std::vector<float> x;           // [m, k]
  std::vector<int8_t> codes;      // [k, n], unsigned codes
  std::vector<float> scales;      // [scaleRows, paddedN]
  std::vector<uint8_t> zeroPoints; // [scaleRows, paddedN] or empty
  int32_t zeroPoint = 0;
  std::vector<float> bias;        // [n] or empty
  bool relu = false;
};

/// y [m, n] computed exactly as the generated kernels do, operation by
/// operation (same f32 rounding, same fma order), so results compare bit
/// for bit.
std::vector<float> referenceMatmul(const MatmulProblem &problem, ActivationMode mode);

/// qkernel.matmul_integer's definition: acc [m, n] = bias[n] + sum_k x[m, k]
/// * w[k, n] in int32 wrapping arithmetic; w [k, n] signed, bias [n] or empty.
std::vector<int32_t> referenceMatmulInteger(int64_t m, int64_t k, int64_t n,
                                            const std::vector<int8_t> &x,
                                            const std::vector<int8_t> &w,
                                            const std::vector<int32_t> &bias);

/// A fused requantize (qkernel.matmul_integer's epilogue, qnn.requantize's
/// arithmetic): one multiplier and shift, or one per channel.
struct RequantizeParams {
  std::vector<int32_t> multipliers;
  std::vector<int64_t> shifts;
  int32_t zeroPoint = 0, clampMin = -128, clampMax = 127;
};

/// acc [m, n] -> int8: clamp((int64(acc) * multiplier + 2^(shift - 1)) >>
/// shift + zeroPoint, clampMin, clampMax) per element of channel n.
std::vector<int8_t> referenceRequantize(const std::vector<int32_t> &acc, int64_t n,
                                        const RequantizeParams &params);

} // namespace quantc::codegen

#endif // QUANTC_CODEGEN_PACKING_H
