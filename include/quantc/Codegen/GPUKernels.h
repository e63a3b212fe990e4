// GPU kernels generated through MLIR's gpu, nvgpu and nvvm dialects, and
// their compilation to PTX: the weight-only GEMM over the preshuffled layout
// of GPUFragments.h (lop3 dequantization in registers, mma.sync m16n8k16).
#ifndef QUANTC_CODEGEN_GPUKERNELS_H
#define QUANTC_CODEGEN_GPUKERNELS_H

#include "quantc/Codegen/GPUFragments.h"
#include "quantc/Codegen/GPUGemvTuning.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"

#include <optional>
#include <string>

namespace quantc::codegen::gpu {

/// y[M, N] (f32) = x[M, K] (f16) * dequantize(W[N, K])^T, W at 2, 4 or 8
/// bits with one scale per `group` input rows (0: per output row) and,
/// when asymmetric, one f16 offset 1024 + 2^(bits-1) + zero per scale.
struct WeightOnlyGemm {
  int64_t m = 1, n = 0, k = 0;
  unsigned bits = 4;
  int64_t group = 0;
  bool asymmetric = false;
  /// Blocks along K (split-K): each sums its share of the K tiles and adds
  /// it to y atomically, which must then start at zero. A GEMV has too few
  /// (M tile, N group) pairs to keep the memory system busy without it.
  int64_t splitK = 1;
  /// Warps per block, each on its own N group; they share the M tile's A.
  int64_t warpsPerBlock = 1;
  /// A goes through shared memory: cp.async copies tile k+1 while ldmatrix
  /// reads tile k (two stages). Needs K a multiple of 16.
  bool stageA = false;
  /// K tiles whose weight words a warp loads ahead when A comes straight
  /// from x (1-16): that many 128-byte loads per warp in flight while it
  /// computes.
  int64_t prefetchTiles = 8;
  /// A convolution's GEMM: x is the NCHW input, and the kernel gathers A
  /// from it, padding included (ImplicitConv; into shared memory when staged, else
  /// each lane its fragment) instead of reading an im2col matrix that the
  /// host built and uploaded.
  std::optional<ImplicitConv> conv;
  /// y is written [N, M]: a convolution's output channels first, as the
  /// host's NCHW tensor holds it (one image), so the host transposes nothing.
  bool channelsFirstOutput = false;
  /// With A straight from x and a scale group of whole prefetch iterations:
  /// the scales multiply each iteration's f32 sums (two columns a lane, one
  /// fma per accumulator) instead of every dequantized weight in f16 (two
  /// f16x2 multiplies per N tile and K tile). The B fragments are then the
  /// exact centered codes, and the products exact before the f32 sums.
  bool scaleAfterMma = false;
  /// Stream-K (A straight from x, splitK 1): the launch holds as many
  /// blocks as the device runs at once (the runtime asks the driver), and
  /// each warp takes an equal run of the (N group, prefetch iteration)
  /// items, adding its sums into y atomically (y starts at zero) at the end
  /// of each N group it touches. No block waits in a second wave: split-K's
  /// last wave runs the device part-full (2.4 waves on an H200: ncu, issue
  /// 17).
  bool streamK = false;
  /// A straight from x, read 16 bytes at a time: each 64-row block of K is
  /// permuted (permutedKRow; the weights preshuffled from codes permuted
  /// the same way, permuteKBlocks) so that a lane's A of a K quad is one
  /// run of 16 halves per row, two 16-byte loads instead of eight 4-byte
  /// ones. Needs K and the scale group multiples of 64, and no convolution.
  bool permuteK = false;
  /// A straight from x: 0 loads the next iteration's weight words into
  /// registers; 2-8 copies weightStages - 1 iterations' ahead into shared
  /// memory with cp.async (stages [stage][warp][quad][lane][4], 16-byte
  /// copies past L1, nothing read past a warp's range), and the scales as
  /// far ahead in registers: more bytes in flight per warp at no register
  /// cost (Marlin's pipeline), where registers bound how far ahead the
  /// loads can run.
  int64_t weightStages = 0;
  /// Without conv or permuteK: x is f32 [M, floatK], an activation the GPU
  /// wrote, staged to f16 as it is loaded (stagedHalf; K past floatK reads
  /// zero): into registers straight, into shared memory (as a gather) with
  /// stageA. No stage kernel runs. 0: x is f16 [M, K].
  int64_t floatK = 0;
  /// Split-K blocks store their sums into their own slice of y, then
  /// [splitK][M][N] (y's layout within a slice), instead of adding them
  /// atomically: the caller adds the slices in split order, so y has the
  /// same bits every run (f32 atomics add in whatever order the blocks
  /// finish). No zeroing either: every slice is written whole.
  bool splitPartials = false;
  /// The slices of [M, N] that y holds.
  int64_t ySlices() const { return splitPartials ? splitK : 1; }
  /// With stageA: each K tile's weight word and scales are loaded an
  /// iteration ahead, in registers through the loop, instead of as the
  /// tile's mma needs them (named _p1, not _p0): a load's latency then
  /// overlaps a tile's barriers and mma.
  bool stagedWeightsAhead = false;
  /// Weight words loaded into registers (weightStages 0) are read with
  /// `ld.global.nc.L1::no_allocate.L2::cache_hint` and an evict-first L2
  /// policy (named _nc): each word is read once, so it takes no L1 line
  /// from A and the scales, which every warp rereads, nor holds L2 against
  /// the activations the next kernel reads.
  bool weightsPastL1 = false;

  /// W's preshuffled layout (its sizes; no words).
  PreshuffledWeights layout() const {
    PreshuffledWeights weights;
    weights.bits = bits;
    weights.n = n;
    weights.k = k;
    return weights;
  }
  /// Scales per row of W.
  int64_t scaleGroups() const { return group ? (k + group - 1) / group : 1; }
  /// Stream-K: prefetch iterations per N group (the items of each group).
  int64_t streamIterations() const {
    int64_t kTiles = layout().kTiles();
    return (kTiles + prefetchTiles - 1) / prefetchTiles;
  }
};

/// Why `gemm` has no kernel (empty when it has one).
std::string checkWeightOnlyGemm(const WeightOnlyGemm &gemm);

/// The kernel's name spells its specification
/// (qc_wo_b4_g128_a0_m16_n4096_k4096_s8_w4_t1_p0, then _yp for split-K's
/// partial sums, _sa when the scales
/// multiply the sums, _sk for stream-K, _kp for K permuted, _c4 for four
/// weight stages, _nc for the weights read past L1, _yt when y is channels first, _xf200 for an f32
/// x of 200 columns, and for an implicit convolution _ic16x42x322_r3x3_s1x1_d1x1: channels x height
/// x width of the padded input, kernel, strides, dilations): layers of one shape share one kernel,
/// and a profiler shows what each launch computes.
std::string kernelName(const WeightOnlyGemm &gemm);

/// Fills in split-K, warps per block and A staging for gemm's shape: four
/// warps per block, A staged when M reaches gemv.gemvRows (a tile by
/// default; else weights loaded 8 K tiles ahead), and K split until about 2048 warps (8192 without
/// staging) are in flight (a GEMV has too few (M tile, N group) pairs for the memory system
/// otherwise; an H100/H200 holds 132 x 64 warps). A GEMV (A not staged) then takes `gemv`'s launch:
/// stream-K or split-K, its warps a block and prefetch, K permuted where permutableK allows, and
/// scaled sums and shared-memory stages where the shape allows them. Staged or not, the weights
/// load past L1 when `gemv` says so (and no stages hold them). Set gemm.conv first.
void chooseLaunch(WeightOnlyGemm &gemm, const GemvTuning &gemv = {});

/// Whether gemm's K can be permuted (WeightOnlyGemm::permuteK): A read
/// straight from x (no convolution), K and the scale group multiples of 64.
bool permutableK(const WeightOnlyGemm &gemm);

/// The launch of buildWeightOnlyGemm's kernel. grid[2] == 0 is a stream-K
/// launch: at most grid[0] blocks along x (every warp then has an item), as
/// many as the device holds at once, one along z, and y zeroed first.
struct LaunchGeometry {
  int64_t grid[3];
  int64_t threads;
};
LaunchGeometry launchGeometry(const WeightOnlyGemm &gemm);

/// A module holding `gpu.module @kernels` with the kernel `name`. Launch:
/// grid (ceil(N tile groups / warpsPerBlock), ceil(M / 16), splitK) (stream-K:
/// any number of blocks along x, one along z),
/// 32 * warpsPerBlock threads per block; arguments (bare pointers): x (f16;
/// typed as i32 pairs without stageA; the convolution's padded input with
/// `conv`; f32 with floatK), the preshuffled words, the f16 scales, [the f16 offsets,] y.
mlir::OwningOpRef<mlir::ModuleOp> buildWeightOnlyGemm(mlir::MLIRContext &context,
                                                      const WeightOnlyGemm &gemm,
                                                      llvm::StringRef name);

/// y[M, N] (f32) = scales[n] * (x[M, K] (s8) * W[N, K]^T (s8)): int8
/// mma.sync m16n8k32 with s32 accumulators over preshuffleInt8's words;
/// scales[n] carries the activations' and weight row n's scales. Launch:
/// grid (N tiles / nTilesPerWarp, ceil(M / 16), splitK), one warp per block; arguments: x as
/// i32 quads, the words, the f32 scales (not when exact), y. K a multiple of
/// 32.
struct W8A8Gemm {
  int64_t m = 1, n = 0, k = 0;
  int64_t splitK = 1; // as WeightOnlyGemm's: atomic adds into y
  /// y is the s32 product itself (no scales argument): quantc's integer
  /// matmuls, whose bias and requantization follow on the host, exactly.
  bool exact = false;
  /// A convolution's GEMM: x is its NCHW input (s8 codes; taps in the
  /// padding read the zero point), and each lane gathers its A fragments
  /// from it.
  std::optional<ImplicitConv> conv;
  /// As WeightOnlyGemm's: y written [N, M].
  bool channelsFirstOutput = false;
  /// Without conv: x's rows are codeColumns codes long (under K), an
  /// activation the GPU wrote; the kernel reads them as they are (a word
  /// at a time when codeColumns is a multiple of 4, else a code at a time)
  /// and K past them as zero, so no stage kernel pads them. 0: x's rows
  /// are K long.
  int64_t codeColumns = 0;
  /// As HalfGemm's: N tiles a warp multiplies with each A fragment (_ntT).
  int64_t nTilesPerWarp = 1;
};
std::string checkW8A8Gemm(const W8A8Gemm &gemm);
/// As the others': qc_i8_m64_n48_k64_s2_e1 (_xb60 for rows of 60 codes),
/// split-K for about 2048 warps, one warp per block.
std::string kernelName(const W8A8Gemm &gemm);
void chooseLaunch(W8A8Gemm &gemm);
LaunchGeometry launchGeometry(const W8A8Gemm &gemm);
mlir::OwningOpRef<mlir::ModuleOp> buildW8A8Gemm(mlir::MLIRContext &context, const W8A8Gemm &gemm,
                                                llvm::StringRef name);

/// y[M, N] (f32) = x[M, K] * W[N, K]^T, both f16: the fp16 GEMM the
/// weight-only kernels are measured against, built the same way (one warp
/// per 16-row M tile and nTilesPerWarp 8-column N tiles, fragments loaded
/// straight from global memory, mma.sync m16n8k16). Launch: grid
/// (ceil(N tiles / nTilesPerWarp), ceil(M / 16), splitK), one warp per
/// block; arguments: x and W as i32 pairs of halves
/// (x as halves, the convolution's input, with `conv`), y.
struct HalfGemm {
  int64_t m = 1, n = 0, k = 0;
  int64_t splitK = 1;
  /// x is [K, M] (halves, not pairs) and y [N, M]: a convolution's W x
  /// im2col, whose input and output the host keeps channels first; the
  /// kernel reads and writes them so, and the host transposes neither.
  bool transposed = false;
  /// A convolution's GEMM: x is its NCHW input, and each lane gathers its
  /// A fragments from it, padding included (as WeightOnlyGemm::conv).
  std::optional<ImplicitConv> conv;
  /// Without conv: x is f32, an activation the GPU wrote, with floatK of
  /// K's rows ([floatK, M] transposed, else [M, floatK]), staged to f16 as
  /// it is loaded (stagedHalf; K past floatK reads zero), so no stage
  /// kernel runs. 0: x is f16, K whole.
  int64_t floatK = 0;
  bool splitPartials = false; // as WeightOnlyGemm's
  int64_t ySlices() const { return splitPartials ? splitK : 1; }
  /// N tiles a warp multiplies with each A fragment it loads (1, 2, 4 or
  /// 8; named _ntT when more than 1): A is then read from memory N / (8T)
  /// times instead of N / 8.
  int64_t nTilesPerWarp = 1;
};
std::string checkHalfGemm(const HalfGemm &gemm);
/// As the weight-only GEMM's: qc_f16_m2304_n16_k16_s1 (_t1 transposed, _yp split-K's
/// partial sums), split-K for about
/// 2048 warps, and its launch (one warp per block).
std::string kernelName(const HalfGemm &gemm);
void chooseLaunch(HalfGemm &gemm);
LaunchGeometry launchGeometry(const HalfGemm &gemm);
/// The alignment in bytes of x's address that each GEMM kernel's loads
/// need (a view read in place must start there): int8 codes a word at a
/// time (4; a gather's, and rows not whole words, a code at a time), pairs
/// of halves (4) or single ones (2), f32 elements (4), 16-byte runs (16:
/// K permuted), and a staged A's cp.async pieces (their size). The
/// emulated driver (unittests/EmulatedCuda.cpp) checks the same table.
int64_t xAlignment(const WeightOnlyGemm &gemm);
int64_t xAlignment(const W8A8Gemm &gemm);
int64_t xAlignment(const HalfGemm &gemm);
mlir::OwningOpRef<mlir::ModuleOp> buildHalfGemm(mlir::MLIRContext &context, const HalfGemm &gemm,
                                                llvm::StringRef name);

/// A module with the kernel `name` copying `words` 32-bit words, four per
/// thread (128-bit loads and stores), 256 threads per block: what the
/// device's copy bandwidth is measured with. `words` must be a multiple of
/// 1024.
mlir::OwningOpRef<mlir::ModuleOp> buildCopyKernel(mlir::MLIRContext &context, int64_t words,
                                                  llvm::StringRef name);

/// The PTX ISA feature quantc compiles `chip` at (+ptx80 for sm_80 to sm_90,
/// the first version each newer chip needs after that); empty for a chip
/// quantc does not know.
std::string ptxFeatureFor(llvm::StringRef chip);

/// The image of every gpu.module in `module` for `chip`, as upstream's
/// gpu-module-to-binary writes it in `format`: "isa" (PTX text), "bin"
/// (cubin, through CUDA's ptxas) or "fatbin" (cubin plus PTX, which the
/// driver compiles for GPUs newer than `chip`; needs ptxas and fatbinary).
/// Rewrites `module` in place.
llvm::Expected<std::string> compileGPUModules(mlir::ModuleOp module, llvm::StringRef chip,
                                              llvm::StringRef format);

/// The PTX of every gpu.module in `module` for `chip` (sm_80, sm_90, ...),
/// through gpu-lower-to-nvvm-pipeline with PTX ISA `ptxVersion` (its default,
/// 6.0, predates sm_80). Rewrites `module` in place.
llvm::Expected<std::string> compileToPTX(mlir::ModuleOp module, llvm::StringRef chip,
                                         llvm::StringRef ptxVersion = "ptx80");

} // namespace quantc::codegen::gpu

#endif // QUANTC_CODEGEN_GPUKERNELS_H
