// The weight-only GEMM kernel's emitter (buildWeightOnlyGemm), shared by
// the files that emit its parts: the fragments, the output and the kernel
// (WeightOnlyGemm.cpp), the loops that read A straight from x
// (WeightOnlyGemv.cpp) and the loops that stage A in shared memory
// (WeightOnlyGemmStaged.cpp).
#ifndef QUANTC_LIB_CODEGEN_GPU_WEIGHTONLYGEMMEMITTER_H
#define QUANTC_LIB_CODEGEN_GPU_WEIGHTONLYGEMMEMITTER_H

#include "KernelModule.h"
#include "quantc/Codegen/GPUKernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Builders.h"

#include <array>

namespace quantc::codegen::gpu {

/// Emits the kernel body; all sizes are compile-time constants.
class GemmEmitter : public KernelBuilder {
  using Value = mlir::Value;
  using ValueRange = mlir::ValueRange;
  template <typename T> using SmallVector = mlir::SmallVector<T>;
  template <typename T> using ArrayRef = mlir::ArrayRef<T>;
  using Type = mlir::Type;

public:
  GemmEmitter(mlir::OpBuilder &b, mlir::Location loc, const WeightOnlyGemm &gemm)
      : KernelBuilder(b, loc, b.getI32Type()), gemm(gemm), f16(b.getF16Type()), f32(b.getF32Type()),
        i32(b.getI32Type()) {}

  Value i32Constant(uint32_t v) {
    return mlir::arith::ConstantIntOp::create(b, loc, i32, int64_t(int32_t(v)));
  }

  Value halves(Value word) {
    return mlir::LLVM::BitcastOp::create(b, loc, mlir::VectorType::get({2}, f16), word);
  }

  /// A's register r (halves 2r, 2r+1) for the lane: x[row, col..col+1],
  /// zero past K or when `valid` (if given) is false: a K tile past the
  /// block's share. A row past M reads row M - 1: an mma's output row
  /// depends on its own A row alone, and rows past M are never stored. With
  /// M <= 8, registers 1 and 3 (rows 8-15) are zero without a load.
  /// `kTile` is one of the K tiles: with K a multiple of 16 every column is
  /// inside.
  Value aRegister(Value x, Value mTile, Value kTile, Value lane, int r, Value valid);

  /// Registers per byte of a word's halves: register j takes its codes from
  /// byte j / perByte of each half, at bit position bits * (j % perByte).
  int registersPerByte() const { return 8 / int(gemm.bits); }

  /// Register j of the word (`byteShifted[s]`: the word >> 8s) as two halves
  /// 1024 + u * 2^p, p = bits * (j % registersPerByte()), with one lop3
  /// ((w & mask << p) | magic): one shift per byte, not per register.
  Value lop3(ArrayRef<Value> byteShifted, int j);

  /// Register j's codes less `offset` (1024 + the zero point), exactly: u -
  /// zero is (1024 + u 2^p) 2^-p - (offset - 1024 + 1024 2^-p), one fma.
  Value centered(ArrayRef<Value> byteShifted, int j, Value offset);

  /// `scalar` in both halves of an f16x2.
  Value vector2(Value scalar) {
    return mlir::vector::BroadcastOp::create(b, loc, mlir::VectorType::get({2}, f16), scalar);
  }

  /// Where column `column`'s scale (and offset) for K tile `kTile` lies in
  /// scales[group][n] (a warp's 8 columns in one sector); a column past N
  /// takes the last one's.
  Value scaleCell(Value kTile, Value column);

  /// The lane's scale of each N tile at K tile `kTile` (one of the K
  /// tiles; none when `scales` is null), then its offset when the weights
  /// are asymmetric: a column past N takes the last one's, finite, and its
  /// sums are never stored (an mma's output column depends on its own B
  /// column alone).
  SmallVector<Value> tileParameters(Value kTile, Value nGroup, Value lane, Value scales,
                                    Value offsets);

  /// Whether each prefetch iteration's K tiles share their scales: one
  /// scale per row, or groups of whole iterations.
  bool sharesScales() const {
    return gemm.group == 0 || gemm.group % (kMmaK * gemm.prefetchTiles) == 0;
  }

  /// Parameters per N tile in a step: the scale unless it multiplies the
  /// sums after the mma, and the offset when asymmetric.
  int parametersPerTile() const { return (gemm.scaleAfterMma ? 0 : 1) + (gemm.asymmetric ? 1 : 0); }

  /// Parameters of all the word's N tiles in a step.
  int parametersPerStep() const { return gemm.layout().nTilesPerWord() * parametersPerTile(); }

  /// The lane's scales of each N tile for its accumulators at K tile
  /// `kTile`: the C fragment's two columns (2 (lane % 4) and the next, each
  /// clamped into N), not the B fragment's; two per tile.
  SmallVector<Value> accumulatorScales(Value kTile, Value nGroup, Value lane, Value scales);

  /// sums + partial x the tile's two column scales (f16, from
  /// accumulatorScales), one f32 fma per accumulator; rows 8-15 only when M
  /// reaches them.
  Value scaleInto(Value partial, Value scale0, Value scale1, Value sums);

  /// One K tile: dequantizes `word` into each N tile's B fragment with the
  /// tiles' `parameters` (tileParameters) and multiplies it with `a` into
  /// that tile's accumulator.
  SmallVector<Value> mmaStep(Value a, Value word, ValueRange parameters, ValueRange accumulators);

  /// Where the lane's words of N group `group` at K quad `quad` start
  /// (PreshuffledWeights::wordIndex of the quad's first K tile).
  Value quadStart(Value group, Value quad, Value lane);

  /// The lane's weight word of N group `group` and K tile `kTile`.
  Value weightWord(Value words, Value group, Value kTile, Value lane);

  /// The lane's words of N group `group` at K quad `quad` (clamped to the
  /// last: a load past the block's share stays in bounds), one 16-byte load.
  Value weightQuad(Value words, Value group, Value quad, Value lane);

  /// weightsPastL1: sets wordsAddress and evictFirst (once, at the
  /// kernel's start) for wordsPastL1.
  void readWordsPastL1(Value words);

  /// `count` (1 or 4) words from `firstWord` on, loaded past L1 with the
  /// evict-first policy (WeightOnlyGemm::weightsPastL1).
  SmallVector<Value> wordsPastL1(Value firstWord, int64_t count);

  /// The kernel's body into `func`.
  void emit(mlir::gpu::GPUFuncOp func);

  // A read straight from x (WeightOnlyGemv.cpp).

  /// permuteK: the lane's A of the K quad starting at K tile `quadTile`
  /// (one of the quads), rows 8-15 when `upper` (else 0-7): its run of 16
  /// halves (permutedKRow), as two vectors of 4 pairs; zero when `valid`
  /// (if given) is false, or for rows past M <= 8.
  std::array<Value, 2> aRun(Value x, Value mTile, Value quadTile, Value lane, bool upper,
                            Value valid);

  /// aRun of an f32 x (floatK, a multiple of 4): the run's 16 elements of
  /// row `row` from `column`, four 16-byte loads, each element staged as
  /// the stage kernel would; zero past floatK and when `valid` is false.
  std::array<Value, 2> floatARun(Value x, Value row, Value column, Value valid);

  /// Whether each step's K tile can lie past the range: not when every
  /// range is whole prefetch iterations.
  bool wholeIterations() const { return gemm.layout().kTiles() % gemm.prefetchTiles == 0; }

  /// Appends what the prefetch iteration starting at K tile `first` needs
  /// (clamped into W: a load past a warp's range stays in bounds): N group
  /// `loadGroup`'s weight words, then loadParameters'.
  void loadIteration(Value words, Value scales, Value offsets, Value lane, Value group,
                     Value loadGroup, Value first, SmallVector<Value> &into);

  /// Appends the scales (and offsets) of N group `group`'s K tiles of the
  /// iteration starting at K tile `first`, or its offsets and then its
  /// accumulators' scales when those scale the sums.
  void loadParameters(Value scales, Value offsets, Value lane, Value group, Value first,
                      SmallVector<Value> &into);

  /// Multiplies the prefetch iteration starting at K tile `first` (what
  /// loadIteration loaded: `loaded`) into `sums`; its K tiles from `end` on
  /// (when not wholeIterations) multiply by a zero A.
  SmallVector<Value> multiplyIteration(Value x, Value mTile, Value lane, Value first, Value end,
                                       ValueRange loaded, SmallVector<Value> sums);

  /// Each N tile's accumulators at zero.
  SmallVector<Value> zeroAccumulators();

  /// Where an iteration of the prefetch loops works: N group `group` (its
  /// words from `loadGroup`: the last one for a warp past them) from K tile
  /// `first`; `inRange` whether it is one of the warp's (a place past them
  /// is clamped into W).
  struct Place {
    Value group, loadGroup, first, inRange;
  };

  /// What the prefetch loops read, and the lane's warp (in its block) and
  /// place.
  struct LoopOperands {
    Value x, words, scales, offsets, stages, warp, lane, mTile;
  };

  /// The prefetch loops' iterations `index` in [lower, upper) by `step`,
  /// A read straight from x. placeAt(index, d) is the place d iterations
  /// after iteration `index`'s. The words come ahead of their iteration: the
  /// next iteration's loaded into registers (weightStages 0), or
  /// weightStages - 1 iterations' copied into shared memory with cp.async
  /// (16-byte copies past L1; a place out of range copies nothing), each
  /// lane reading back only its own words (no barrier); the scales (and
  /// offsets) as many iterations ahead in registers. `finish(index, place,
  /// sums)` follows each iteration's multiply (stream-K's flush). Returns
  /// the sums.
  SmallVector<Value>
  emitIterations(const LoopOperands &o, Value lower, Value upper, int64_t step, Value end,
                 llvm::function_ref<Place(Value, int64_t)> placeAt,
                 llvm::function_ref<SmallVector<Value>(Value, Place, SmallVector<Value>)> finish);

  /// weightStages: copies the lane's words of iteration `place` into
  /// shared-memory stage `stage` (zero-filled, nothing read, out of range);
  /// returns the copies' group token.
  Value copyWords(Value words, Value stages, Value stage, Value warp, Value lane, Place place);

  /// weightStages: the lane's words of the iteration in stage `stage`.
  SmallVector<Value> readWords(Value stages, Value stage, Value warp, Value lane);

  /// Appends the four words of a 16-byte load.
  void appendWords(Value words4, SmallVector<Value> &into);

  /// Split-K's prefetch loop: the block's share of K tiles [kBegin, kEnd)
  /// of N group `nGroup`, prefetchTiles K tiles per iteration; tiles past
  /// the share multiply by a zero A.
  SmallVector<Value> emitPrefetchLoop(const LoopOperands &o, Value nGroup, Value loadGroup,
                                      Value kBegin, Value kEnd);

  /// Writes each N tile's `sums` into y at N group `group` as `write` says.
  void storeGroup(Value y, ValueRange sums, Value mTile, Value group, Value lane, YWrite write);

  /// Stream-K: the items (N group g, prefetch iteration q) of the M tile,
  /// g-major, split into equal runs, one per warp of the launch (the first
  /// items % warps runs one longer). A warp's loads run ahead across N
  /// groups, and it adds its sums into y when it leaves a group or its run
  /// ends.
  void emitStreamLoop(const LoopOperands &o, Value y);

  // A staged through shared memory (WeightOnlyGemmStaged.cpp).

  /// Starts copying A's 16 x 16 tile `kTile` into shared-memory stage
  /// `stage` with cp.async, every thread of the block one piece; rows past M
  /// (and the whole tile when `valid` is false) are zero-filled. Returns the
  /// copy group's token.
  Value stageA(Value x, Value stages, Value thread, Value mTile, Value kTile, Value stage,
               Value valid);

  /// Where the thread's piece of A's 16 x 16 tile lies: pieceHalves()
  /// halves of one tile row.
  struct Piece {
    Value row, col;
  };

  /// The thread's piece.
  Piece pieceOf(Value thread);

  /// The thread's `piece` of A's tile `kTile`, gathered from the
  /// convolution's padded input x, or read from an f32 x (rowRun); zero
  /// when `valid` is false: a K tile past the block's share.
  Value gatherA(Value x, Piece piece, Value mTile, Value kTile, Value valid);

  /// Writes gatherA's `halves` into shared-memory stage `stage`.
  void storeGathered(Value stages, Piece piece, Value stage, Value halves);

  /// Halves of A's 16 x 16 tile each thread of the block stages.
  int64_t pieceHalves() const { return kMmaM * kMmaK / (kWarpSize * gemm.warpsPerBlock); }

  /// What the staged loops work with: the kernel's arguments, the shared A
  /// stages, the thread's place and the block's share of K tiles.
  struct StagedOperands {
    Value x, words, scales, offsets, stages, thread, lane, mTile, nGroup, loadGroup, kBegin, kEnd;
  };

  /// The lane's weight word of K tile `kTile` (one of W's), then its
  /// tileParameters.
  SmallVector<Value> stagedWeights(const StagedOperands &o, Value kTile);

  /// Every warp reads A's tile `kTile` from shared-memory stage `stage` with
  /// ldmatrix and multiplies it into `sums` with its weights: `ahead`
  /// (stagedWeights loaded an iteration before) or, empty, loaded now.
  SmallVector<Value> multiplyStage(const StagedOperands &o, Value stage, Value kTile,
                                   ValueRange ahead, ValueRange sums);

  /// stagedWeightsAhead: the first K tile's stagedWeights, carried into
  /// the staged loops after their sums; none otherwise.
  SmallVector<Value> weightsBeforeLoop(const StagedOperands &o);

  /// stagedWeightsAhead: `ahead` gets this iteration's weights from the
  /// loop's carried values (after the `tiles` sums), and `next` loads the
  /// next K tile's, which the iteration yields after its sums.
  void carryWeightsAhead(const StagedOperands &o, Value kTile, ValueRange iterArgs, int tiles,
                         SmallVector<Value> &ahead, SmallVector<Value> &next);

  /// A staged through shared memory, two stages: every warp of the block
  /// copies part of tile k+1 with cp.async while all of them read tile k
  /// with ldmatrix.
  SmallVector<Value> emitStagedLoop(const StagedOperands &o, ValueRange zeros);

  /// A convolution's A gathered into shared memory, two stages: each thread
  /// loads its piece of tile k+1 into registers before the warps read tile
  /// k with ldmatrix and multiply, and stores it into the other stage
  /// after; one barrier per tile orders both.
  SmallVector<Value> emitGatheredLoop(const StagedOperands &o, ValueRange zeros);

private:
  const WeightOnlyGemm &gemm;
  Type f16, f32, i32;
  /// weightsPastL1: the words' global address (i64) and the L2 policy.
  Value wordsAddress, evictFirst;
};

} // namespace quantc::codegen::gpu

#endif // QUANTC_LIB_CODEGEN_GPU_WEIGHTONLYGEMMEMITTER_H
