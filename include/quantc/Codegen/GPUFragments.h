// The GPU weight-only kernels' data layout, as plain C++ (no MLIR, no CUDA):
// which matrix element each lane's registers hold in mma.sync m16n8k16, the
// compile-time preshuffle of 2/4/8-bit weights into those registers' order,
// the lop3 magic-number dequantization to f16, and a tiled GEMM that uses
// all three. It is the bit-exact oracle of the generated PTX kernels.
#ifndef QUANTC_CODEGEN_GPUFRAGMENTS_H
#define QUANTC_CODEGEN_GPUFRAGMENTS_H

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace quantc::codegen::gpu {

/// mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 (PTX ISA, "Matrix
/// fragments for mma.m16n8k16 with floating point type").
constexpr int kWarpSize = 32, kMmaM = 16, kMmaN = 8, kMmaK = 16;

struct Element {
  int row, col;
  bool operator==(const Element &other) const { return row == other.row && col == other.col; }
};
/// A (16 x 16, row-major): lane `lane`'s half `index` in [0, 8) (4 .f16x2).
Element mmaAElement(int lane, int index);
/// B (16 x 8, K x N): lane's half `index` in [0, 4) (2 .f16x2), as (k, n).
Element mmaBElement(int lane, int index);
/// C and D (16 x 8, f32): lane's element `index` in [0, 4).
Element mmaCElement(int lane, int index);

/// ldmatrix.sync.aligned.m8n8.x4 on a 16 x 16 tile of halves where lane l
/// gives the address of row l % 16, column (l / 16) * 8 (the GEMM's shared
/// A stage): the tile element that lands in `lane`'s register `reg`, half
/// `half`. Lanes 8r..8r+7 address matrix r; each lane receives row lane / 4,
/// columns 2 (lane % 4) + {0, 1} of every matrix.
Element ldmatrixX4Element(int lane, int reg, int half);

/// The preshuffled weights of a [N, K] matrix (quantc's Gemm orientation:
/// y = x W^T, so B = W^T) at `bits` in {2, 4, 8}: one 32-bit word per lane
/// per (16-row K tile, group of N tiles). A word holds 32/bits codes, stored
/// as unsigned (code + 2^(bits-1)), and feeds R = 16/bits .f16x2 registers:
/// register j takes the codes at positions j and j + R, which one
/// `lop3.b32 (w >> bits*j) & mask | 0x64006400` turns into the halves
/// 1024 + u. Registers 2t and 2t+1 are B's {b0, b1} and {b2, b3} of the
/// t-th N tile of the word, so a word covers R/2 N tiles (1 at 8 bits, 2 at
/// 4, 4 at 2). Words are laid out [K quad][N tile group][lane][K tile % 4]
/// (a K quad is 4 K tiles, the last padded with zero words): each lane
/// reads its words of 4 K tiles with one 16-byte load, a warp 512
/// consecutive bytes, and the warps on neighbouring groups read the
/// neighbouring bytes at the same time, as a copy does.
struct PreshuffledWeights {
  unsigned bits = 4;
  int64_t n = 0, k = 0;
  std::vector<uint32_t> words;

  int registersPerWord() const { return 16 / int(bits); }
  int nTilesPerWord() const { return registersPerWord() / 2; }
  int64_t kTiles() const { return (k + kMmaK - 1) / kMmaK; }
  int64_t nGroups() const {
    int64_t nTiles = (n + kMmaN - 1) / kMmaN;
    return (nTiles + nTilesPerWord() - 1) / nTilesPerWord();
  }
  static constexpr int64_t kQuad = 4;
  int64_t kQuads() const { return (kTiles() + kQuad - 1) / kQuad; }
  int64_t wordIndex(int64_t group, int64_t kTile, int lane) const {
    return ((kTile / kQuad * nGroups() + group) * kWarpSize + lane) * kQuad + kTile % kQuad;
  }
  int64_t wordCount() const { return kQuads() * nGroups() * kWarpSize * kQuad; }
};

/// Packs signed codes q[n * K + k] (each in [-2^(bits-1), 2^(bits-1) - 1]);
/// padding (K and N up to whole tiles) stores the midpoint, code 0.
PreshuffledWeights preshuffle(const int8_t *codes, int64_t n, int64_t k, unsigned bits);

/// mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32 (the W8A8 kernels):
/// A (16 x 32, row-major), lane's byte `index` in [0, 16) (4 .b32 of 4 s8);
/// B (32 x 8, K x N), lane's byte `index` in [0, 8) (2 .b32). C and D are
/// laid out as mmaCElement's, in s32.
constexpr int kMmaKInt8 = 32;
Element mmaInt8AElement(int lane, int index);
Element mmaInt8BElement(int lane, int index);

/// int8 weights [N, K] in B-fragment order: for each (N tile, 32-row K
/// tile), lane l's two words (bytes b0..b3, b4..b7) side by side, so a warp
/// reads 256 consecutive bytes per step. Padding is 0.
struct PreshuffledInt8 {
  int64_t n = 0, k = 0;
  std::vector<uint32_t> words;

  int64_t kTiles() const { return (k + kMmaKInt8 - 1) / kMmaKInt8; }
  int64_t nTiles() const { return (n + kMmaN - 1) / kMmaN; }
  int64_t wordIndex(int64_t nTile, int64_t kTile, int lane, int reg) const {
    return ((nTile * kTiles() + kTile) * kWarpSize + lane) * 2 + reg;
  }
};
PreshuffledInt8 preshuffleInt8(const int8_t *codes, int64_t n, int64_t k);

/// y[M, N] (s32) = x[M, K] (s8) * W^T, tile by tile and lane by lane from
/// the int8 fragments: the W8A8 kernels' loop nest.
std::vector<int32_t> tiledGemmInt8(const std::vector<int8_t> &x, int64_t m,
                                   const PreshuffledInt8 &weights);

/// IEEE half bits <-> float (round to nearest even), as the GPU's cvt.rn.
uint16_t halfFromFloat(float value);
float floatFromHalf(uint16_t half);
/// An activation staged for the f16 GEMMs (the stage kernel, the host's
/// staging): clamped to +-65504, a NaN as the quiet NaN 0x7e00.
uint16_t stagedHalf(float value);

/// Register `j` of `word` dequantized the way the kernel does it:
/// lop3 to (1024 + u) in each half, sub.f16x2 of (1024 + 2^(bits-1) + zero),
/// mul.f16x2 by the scale. Returns the two halves (low = first element).
void dequantizeRegister(uint32_t word, int j, unsigned bits, uint16_t scale, int zero,
                        uint16_t out[2]);

/// How the kernel runs the tiles (tiledGemm); the defaults are the plain
/// loop: each warp a whole N group, the scale on each weight, K in order.
struct StreamKSplit {
  int64_t warps, itemTiles;
};
struct TiledGemmOptions {
  /// WeightOnlyGemm::scaleAfterMma (its prefetch tiles, whole scale
  /// groups): B holds the exact centered codes and each run of that many K
  /// tiles sums from zero, then adds to the accumulators times the column's
  /// scale in one f32 fma.
  int64_t scaleAfterTiles = 0;
  /// WeightOnlyGemm::streamK: the (N group, `itemTiles` K tiles) items go
  /// to `warps` warps as streamKRun splits them, and each warp's sums of
  /// each N group it touches add into y (from zero) in warp order.
  std::optional<StreamKSplit> streamK;
  /// WeightOnlyGemm::permuteK: K tile j's column c of each 64-row block is
  /// x's column permutedKRow(j, c) of the block (the weights preshuffled
  /// from codes permuted the same way: permuteKBlocks).
  bool permutedK = false;
  /// Split-K's partial sums of one block: K tiles [kTileBegin, kTileEnd)
  /// only (splitShare); kTileEnd -1 is all of K.
  int64_t kTileBegin = 0, kTileEnd = -1;
};

/// The K tiles of each split-K block's share: ceil(tiles / splitK) rounded
/// up to `align` (the kernels' splitRange and the model's splitShare).
int64_t splitChunk(int64_t tiles, int64_t splitK, int64_t align);
/// Split-K block `split`'s share [begin, end) of `tiles` K tiles: shares of
/// splitChunk tiles, the last ones shorter or empty (begin >= end).
std::pair<int64_t, int64_t> splitShare(int64_t tiles, int64_t splitK, int64_t align, int64_t split);
/// How many of those shares hold tiles (the rest are empty).
int64_t nonEmptyShares(int64_t tiles, int64_t splitK, int64_t align);

/// y[M, N] (f32) = x[M, K] (f16 bits) * dequantized W^T, computed tile by
/// tile and lane by lane from the fragments above: the loop nest the GPU
/// kernels map to blocks and warps. scales[k / group * N + n] are f16 bits
/// (a group's scales side by side: a warp's 8 columns in one sector), zeros
/// likewise (empty: symmetric); `group` 0 is one per row.
std::vector<float> tiledGemm(const std::vector<uint16_t> &x, int64_t m,
                             const PreshuffledWeights &weights, const std::vector<uint16_t> &scales,
                             const std::vector<int8_t> &zeros, int64_t group,
                             const TiledGemmOptions &options = {});

/// WeightOnlyGemm::permuteK's order of each 64-row block of K: the block's
/// row that K tile j (0-3) holds at its row `row` (0-15). Lane thread t
/// (lane % 4) multiplies rows 2t, 2t+1, 8+2t and 9+2t of each tile, which
/// are the block's rows [16t, 16t + 16) in order: its A is two 16-byte loads
/// per block, tile j's registers its pairs 2j and 2j + 1.
int64_t permutedKRow(int64_t tile, int64_t row);
/// Codes q[n * K + k] with each whole 64-row block of K permuted so
/// (permutedKRow): preshuffling them gives permuteK's weights. K must be a
/// multiple of 64.
std::vector<int8_t> permuteKBlocks(const int8_t *codes, int64_t n, int64_t k);

/// Stream-K's items [begin, end) for warp `warp` of `warps`: equal runs of
/// the `items`, the first items % warps one longer (an empty run past the
/// items).
struct ItemRun {
  int64_t begin, end;
};
ItemRun streamKRun(int64_t items, int64_t warps, int64_t warp);

/// A convolution as an implicit GEMM: A[M, K] is the im2col of x (NCHW)
/// that the kernel gathers tile by tile, never written out. Row m is the
/// output pixel (image, oh, ow), column k the tap (channel, i, j); columns
/// from channels * kernelH * kernelW up to the GEMM's K (whole tiles) are
/// zero. x is the unpadded input: a tap in the padding reads `padValue` (the
/// element's bits: f16, or an int8 code such as the zero point), so no
/// padded copy of x is written.
struct ImplicitConv {
  int64_t channels = 0, height = 0, width = 0; // x: [images, channels, height, width]
  int64_t kernelH = 1, kernelW = 1, strideH = 1, strideW = 1, dilationH = 1, dilationW = 1;
  int64_t padTop = 0, padLeft = 0, padBottom = 0, padRight = 0;
  int64_t padValue = 0;
  /// x holds f32 (an activation the GPU wrote): each gathered tap is
  /// converted to f16 as the stage kernel converts (stagedHalf), so no
  /// stage kernel runs. The A gathered is the same.
  bool floatInput = false;

  bool padded() const { return padTop || padLeft || padBottom || padRight; }
  int64_t paddedHeight() const { return height + padTop + padBottom; }
  int64_t paddedWidth() const { return width + padLeft + padRight; }
  int64_t outHeight() const {
    return (paddedHeight() - dilationH * (kernelH - 1) - 1) / strideH + 1;
  }
  int64_t outWidth() const { return (paddedWidth() - dilationW * (kernelW - 1) - 1) / strideW + 1; }
  /// Output pixels per image: the rows of A each image gives.
  int64_t pixels() const { return outHeight() * outWidth(); }
  /// The im2col's columns (the GEMM's K before padding to whole tiles).
  int64_t taps() const { return channels * kernelH * kernelW; }
  /// x's elements per image.
  int64_t imageSize() const { return channels * height * width; }
  /// x's elements for M rows of A (whole images).
  int64_t inputSize(int64_t m) const { return m / pixels() * imageSize(); }
  /// sourceIndex's answers that are no element of x.
  static constexpr int64_t kPastTaps = -1, kPadding = -2;
  /// x's element at A[m, k], kPadding for a tap in the padding, or
  /// kPastTaps for a column past taps().
  int64_t sourceIndex(int64_t m, int64_t k) const;
};

/// A[M, K] of `conv` gathered from x (f16 bits, or int8 codes): what the
/// kernels read.
template <typename T>
std::vector<T> gatherImplicitA(const ImplicitConv &conv, const T *x, int64_t m, int64_t k) {
  std::vector<T> a(std::size_t(m * k), T(0));
  for (int64_t row = 0; row < m; ++row)
    for (int64_t column = 0; column < k; ++column) {
      int64_t source = conv.sourceIndex(row, column);
      if (source >= 0)
        a[std::size_t(row * k + column)] = x[source];
      else if (source == ImplicitConv::kPadding)
        a[std::size_t(row * k + column)] = T(conv.padValue);
    }
  return a;
}

} // namespace quantc::codegen::gpu

#endif // QUANTC_CODEGEN_GPUFRAGMENTS_H
