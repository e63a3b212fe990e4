// The weight-only GEMM kernel: one warp per (16-row M tile, group of N tiles)
// walks K 16 rows at a time. Each step takes the lane's A fragment (straight
// from x, or staged through shared memory when M spans a tile) and one
// preshuffled word of weights (loaded 8 K tiles ahead when A comes straight
// from x), turns each register of the word into two halves with lop3
// (1024 + u), subtracts the offset and multiplies by the scale in f16x2 (or,
// scaleAfterMma, leaves the exact codes and scales each iteration's f32
// sums), and issues one mma.sync per N tile. GPUFragments.h models it element for
// element.
#include "quantc/Codegen/GPUFragments.h"
#include "quantc/Codegen/GPUKernels.h"
#include "KernelModule.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Builders.h"

#include <array>

namespace quantc::codegen::gpu {

using namespace mlir;

std::string checkWeightOnlyGemm(const WeightOnlyGemm &gemm) {
  if (gemm.bits != 2 && gemm.bits != 4 && gemm.bits != 8)
    return "the GPU weight-only kernels take 2, 4 or 8 bits, not " + std::to_string(gemm.bits);
  if (gemm.m <= 0 || gemm.n <= 0 || gemm.k <= 0)
    return "M, N and K must be positive";
  if (gemm.k % 2)
    return "K must be even (x is read as pairs of halves)";
  if (gemm.group != 0 && gemm.group % kMmaK)
    return "the group must be a multiple of 16 (one scale per K tile and column)";
  if (gemm.splitK < 1 || gemm.splitK > (gemm.k + kMmaK - 1) / kMmaK)
    return "split-K must be between 1 and the number of 16-row K tiles";
  if (gemm.warpsPerBlock != 1 && gemm.warpsPerBlock != 2 && gemm.warpsPerBlock != 4)
    return "warps per block must be 1, 2 or 4";
  if (gemm.stageA && gemm.k % kMmaK)
    return "staging A through shared memory needs K a multiple of 16";
  if (!gemm.stageA && (gemm.prefetchTiles < PreshuffledWeights::kQuad || gemm.prefetchTiles > 16 ||
      gemm.prefetchTiles % PreshuffledWeights::kQuad))
    return "the weights prefetched must be 4, 8, 12 or 16 K tiles (whole 16-byte loads)";
  if (gemm.scaleAfterMma &&
      (gemm.stageA || (gemm.group && gemm.group % (kMmaK * gemm.prefetchTiles))))
    return "scaling after the mma needs A read straight from x and scale groups of whole "
           "prefetch iterations (16 x prefetch rows)";
  if (gemm.streamK && (gemm.stageA || gemm.splitK != 1))
    return "stream-K needs A read straight from x and split-K 1";
  if (gemm.weightStages && (gemm.stageA || gemm.weightStages < 2 || gemm.weightStages > 8))
    return "weights through shared memory need A read straight from x, and 2 to 8 stages";
  if (gemm.weightStages * gemm.warpsPerBlock * gemm.prefetchTiles * kWarpSize * 4 > 48 * 1024)
    return "the weights' shared-memory stages must fit 48 KiB a block";
  if (gemm.permuteK && (gemm.stageA || gemm.conv || gemm.k % 64 || gemm.group % 64))
    return "permuting K needs A read straight from x (no convolution), and K and the scale "
           "group multiples of 64";
  if (gemm.conv)
    if (std::string why = checkImplicitConv(*gemm.conv, gemm.m, gemm.k); !why.empty())
      return why;
  return checkIndexRange(gemm.m, gemm.n, gemm.k);
}

namespace {

/// Emits the kernel body; all sizes are compile-time constants.
class GemmEmitter : public KernelBuilder {
public:
  GemmEmitter(OpBuilder &b, Location loc, const WeightOnlyGemm &gemm)
      : KernelBuilder(b, loc, b.getI32Type()), gemm(gemm), f16(b.getF16Type()), f32(b.getF32Type()),
        i32(b.getI32Type()) {}

  Value i32Constant(uint32_t v) {
    return arith::ConstantIntOp::create(b, loc, i32, int64_t(int32_t(v)));
  }
  Value halves(Value word) { return LLVM::BitcastOp::create(b, loc, VectorType::get({2}, f16), word); }

  /// A's register r (halves 2r, 2r+1) for the lane: x[row, col..col+1],
  /// zero past K or when `valid` (if given) is false: a K tile past the
  /// block's share. A row past M reads row M - 1: an mma's output row
  /// depends on its own A row alone, and rows past M are never stored. With
  /// M <= 8, registers 1 and 3 (rows 8-15) are zero without a load.
  /// `kTile` is one of the K tiles: with K a multiple of 16 every column is
  /// inside.
  Value aRegister(Value x, Value mTile, Value kTile, Value lane, int r, Value valid) {
    Element first = mmaAElement(0, 2 * r); // the lane-independent part
    if (gemm.m <= first.row)
      return halves(i32Constant(0));
    Value group = arith::ShRUIOp::create(b, loc, lane, index(2));
    Value thread = arith::AndIOp::create(b, loc, lane, index(3));
    Value row = add(add(mul(mTile, kMmaM), group), index(first.row));
    Value col = add(add(mul(kTile, kMmaK), mul(thread, 2)), index(first.col));
    if (gemm.conv) // a convolution's two halves, gathered from its input
      return implicitRun(*gemm.conv, x, row, gemm.m, col, 2, valid);
    bool wholeTiles = gemm.k % kMmaK == 0;
    Value inside = valid;
    if (!wholeTiles) {
      Value colInside = less(col, gemm.k);
      inside = inside ? arith::AndIOp::create(b, loc, inside, colInside).getResult() : colInside;
    }
    Value pair = arith::DivUIOp::create(
        b, loc, add(mul(clamp(row, gemm.m), gemm.k), wholeTiles ? col : clamp(col, gemm.k)), index(2));
    Value loaded = memref::LoadOp::create(b, loc, x, ValueRange{toIndex(pair)});
    if (inside)
      loaded = arith::SelectOp::create(b, loc, inside, loaded, i32Constant(0));
    return halves(loaded);
  }

  /// permuteK: the lane's A of the K quad starting at K tile `quadTile`
  /// (one of the quads), rows 8-15 when `upper` (else 0-7): its run of 16
  /// halves (permutedKRow), as two vectors of 4 pairs; zero when `valid`
  /// (if given) is false, or for rows past M <= 8.
  std::array<Value, 2> aRun(Value x, Value mTile, Value quadTile, Value lane, bool upper,
                            Value valid) {
    auto type = VectorType::get({4}, i32);
    if (upper && gemm.m <= kMmaM / 2) {
      Value zero = arith::ConstantOp::create(b, loc, type, b.getZeroAttr(type));
      return {zero, zero};
    }
    Value group = arith::ShRUIOp::create(b, loc, lane, index(2));
    Value thread = arith::AndIOp::create(b, loc, lane, index(3));
    Value row = clamp(add(add(mul(mTile, kMmaM), group), index(upper ? 8 : 0)), gemm.m);
    // In pairs: the row's start, the quad's, the thread's run (32-byte
    // aligned: K % 64 == 0).
    Value first = add(add(mul(row, gemm.k / 2), mul(quadTile, kMmaK / 2)), mul(thread, 8));
    std::array<Value, 2> run;
    for (int half = 0; half < 2; ++half) {
      run[half] =
          vector::LoadOp::create(b, loc, type, x, ValueRange{toIndex(add(first, index(4 * half)))},
                                 /*nontemporal=*/false, llvm::Align(16));
      if (valid)
        run[half] = arith::SelectOp::create(
            b, loc, valid, run[half], arith::ConstantOp::create(b, loc, type, b.getZeroAttr(type)));
    }
    return run;
  }

  /// Registers per byte of a word's halves: register j takes its codes from
  /// byte j / perByte of each half, at bit position bits * (j % perByte).
  int registersPerByte() const { return 8 / int(gemm.bits); }

  /// Register j of the word (`byteShifted[s]`: the word >> 8s) as two halves
  /// 1024 + u * 2^p, p = bits * (j % registersPerByte()), with one lop3
  /// ((w & mask << p) | magic): one shift per byte, not per register.
  Value lop3(ArrayRef<Value> byteShifted, int j) {
    uint32_t mask = ((1u << gemm.bits) - 1) << (gemm.bits * unsigned(j % registersPerByte()));
    auto op = NVVM::InlinePtxOp::create(
        b, loc, TypeRange{i32},
        ValueRange{byteShifted[j / registersPerByte()], i32Constant(mask | (mask << 16)),
                   i32Constant(0x64006400u)},
        ValueRange{}, "lop3.b32 $0, $1, $2, $3, 0xEA;", Value());
    return halves(op->getResult(0));
  }

  /// Register j's codes less `offset` (1024 + the zero point), exactly: u -
  /// zero is (1024 + u 2^p) 2^-p - (offset - 1024 + 1024 2^-p), one fma.
  Value centered(ArrayRef<Value> byteShifted, int j, Value offset) {
    int position = int(gemm.bits) * (j % registersPerByte());
    Value q = lop3(byteShifted, j);
    if (position == 0)
      return arith::SubFOp::create(b, loc, q, vector2(offset));
    double factor = 1.0 / double(1 << position);
    Value shiftedOffset = arith::SubFOp::create(
        b, loc, offset, arith::ConstantOp::create(b, loc, b.getF16FloatAttr(1024.0 - 1024.0 * factor)));
    Value negated = arith::NegFOp::create(b, loc, shiftedOffset);
    return LLVM::FMAOp::create(b, loc, q,
                               vector2(arith::ConstantOp::create(b, loc, b.getF16FloatAttr(factor))),
                               vector2(negated));
  }

  /// Starts copying A's 16 x 16 tile `kTile` into shared-memory stage
  /// `stage` with cp.async, every thread of the block one piece; rows past M
  /// (and the whole tile when `valid` is false) are zero-filled. Returns the
  /// copy group's token.
  Value stageA(Value x, Value stages, Value thread, Value mTile, Value kTile, Value stage,
               Value valid) {
    int64_t piece = kMmaM * kMmaK / (kWarpSize * gemm.warpsPerBlock); // halves per thread
    Value first = mul(thread, piece);
    Value row = arith::DivUIOp::create(b, loc, first, index(kMmaK));
    Value col = arith::RemUIOp::create(b, loc, first, index(kMmaK));
    Value xRow = add(mul(mTile, kMmaM), row);
    Value source = add(mul(clamp(xRow, gemm.m), gemm.k), add(mul(kTile, kMmaK), col));
    Value inside = arith::AndIOp::create(b, loc, valid, less(xRow, gemm.m));
    Value count = arith::SelectOp::create(b, loc, inside, index(piece), index(0));
    Value copy = nvgpu::DeviceAsyncCopyOp::create(
        b, loc, nvgpu::DeviceAsyncTokenType::get(b.getContext()), stages,
        ValueRange{toIndex(stage), toIndex(row), toIndex(col)}, x, ValueRange{toIndex(source)},
        b.getIndexAttr(piece), toIndex(count),
        UnitAttr());
    return nvgpu::DeviceAsyncCreateGroupOp::create(
        b, loc, nvgpu::DeviceAsyncTokenType::get(b.getContext()), ValueRange{copy});
  }

  /// Where the thread's piece of A's 16 x 16 tile lies: pieceHalves()
  /// halves of one tile row.
  struct Piece {
    Value row, col;
  };
  Piece pieceOf(Value thread) {
    Value first = mul(thread, pieceHalves());
    return {arith::DivUIOp::create(b, loc, first, index(kMmaK)),
            arith::RemUIOp::create(b, loc, first, index(kMmaK))};
  }

  /// The thread's `piece` of A's tile `kTile`, gathered from the
  /// convolution's padded input x (zero when `valid` is false: a K tile
  /// past the block's share).
  Value gatherA(Value x, Piece piece, Value mTile, Value kTile, Value valid) {
    return implicitRun(*gemm.conv, x, add(mul(mTile, kMmaM), piece.row), gemm.m,
                       add(mul(kTile, kMmaK), piece.col), pieceHalves(), valid);
  }

  /// Writes gatherA's `halves` into shared-memory stage `stage`.
  void storeGathered(Value stages, Piece piece, Value stage, Value halves) {
    vector::StoreOp::create(b, loc, halves, stages,
                            ValueRange{toIndex(stage), toIndex(piece.row), toIndex(piece.col)},
                            /*nontemporal=*/false, llvm::Align(2 * pieceHalves()));
  }

  /// Halves of A's 16 x 16 tile each thread of the block stages.
  int64_t pieceHalves() const { return kMmaM * kMmaK / (kWarpSize * gemm.warpsPerBlock); }

  Value vector2(Value scalar) {
    return vector::BroadcastOp::create(b, loc, VectorType::get({2}, f16), scalar);
  }

  /// The lane's scale of each N tile at K tile `kTile` (one of the K
  /// tiles; none when `scales` is null), then its offset when the weights
  /// are asymmetric: a column past
  /// N takes the last one's, finite, and its sums are never stored (an mma's
  /// output column depends on its own B column alone).
  /// Where column `column`'s scale (and offset) for K tile `kTile` lies in
  /// scales[group][n] (a warp's 8 columns in one sector); a column past N
  /// takes the last one's.
  Value scaleCell(Value kTile, Value column) {
    Value cell = clamp(column, gemm.n);
    if (gemm.group)
      cell = add(cell,
                 mul(arith::DivUIOp::create(b, loc, mul(kTile, kMmaK), index(gemm.group)), gemm.n));
    return cell;
  }

  SmallVector<Value> tileParameters(Value kTile, Value nGroup, Value lane, Value scales,
                                    Value offsets) {
    int tiles = gemm.layout().nTilesPerWord();
    Value column0 = arith::ShRUIOp::create(b, loc, lane, index(2)); // the lane's column (B)
    SmallVector<Value> parameters;
    for (int t = 0; t < tiles; ++t) {
      Value cell = scaleCell(kTile, add(mul(add(mul(nGroup, tiles), index(t)), kMmaN), column0));
      if (scales)
        parameters.push_back(memref::LoadOp::create(b, loc, scales, ValueRange{toIndex(cell)}));
      if (offsets)
        parameters.push_back(memref::LoadOp::create(b, loc, offsets, ValueRange{toIndex(cell)}));
    }
    return parameters;
  }

  /// Whether each prefetch iteration's K tiles share their scales: one
  /// scale per row, or groups of whole iterations.
  bool sharesScales() const {
    return gemm.group == 0 || gemm.group % (kMmaK * gemm.prefetchTiles) == 0;
  }
  /// Parameters per N tile in a step: the scale unless it multiplies the
  /// sums after the mma, and the offset when asymmetric.
  int parametersPerTile() const { return (gemm.scaleAfterMma ? 0 : 1) + (gemm.asymmetric ? 1 : 0); }
  int parametersPerStep() const { return gemm.layout().nTilesPerWord() * parametersPerTile(); }

  /// The lane's scales of each N tile for its accumulators at K tile
  /// `kTile`: the C fragment's two columns (2 (lane % 4) and the next, each
  /// clamped into N), not the B fragment's; two per tile.
  SmallVector<Value> accumulatorScales(Value kTile, Value nGroup, Value lane, Value scales) {
    int tiles = gemm.layout().nTilesPerWord();
    Value column0 = mul(arith::AndIOp::create(b, loc, lane, index(3)), 2);
    SmallVector<Value> values;
    for (int t = 0; t < tiles; ++t)
      for (int j = 0; j < 2; ++j) {
        Value column = add(add(mul(add(mul(nGroup, tiles), index(t)), kMmaN), column0), index(j));
        values.push_back(
            memref::LoadOp::create(b, loc, scales, ValueRange{toIndex(scaleCell(kTile, column))}));
      }
    return values;
  }

  /// sums + partial x the tile's two column scales (f16, from
  /// accumulatorScales), one f32 fma per accumulator; rows 8-15 only when M
  /// reaches them.
  Value scaleInto(Value partial, Value scale0, Value scale1, Value sums) {
    auto row = VectorType::get({2}, f32);
    Value scale =
        vector::FromElementsOp::create(b, loc, row,
                                       ValueRange{arith::ExtFOp::create(b, loc, f32, scale0),
                                                  arith::ExtFOp::create(b, loc, f32, scale1)});
    for (int64_t r = 0; r < (gemm.m > kMmaM / 2 ? 2 : 1); ++r) {
      Value sum = LLVM::FMAOp::create(b, loc, vector::ExtractOp::create(b, loc, partial, r), scale,
                                      vector::ExtractOp::create(b, loc, sums, r));
      sums = vector::InsertOp::create(b, loc, sum, sums, r);
    }
    return sums;
  }

  /// One K tile: dequantizes `word` into each N tile's B fragment with the
  /// tiles' `parameters` (tileParameters) and multiplies it with `a` into
  /// that tile's accumulator.
  SmallVector<Value> mmaStep(Value a, Value word, ValueRange parameters, ValueRange accumulators) {
    int tiles = gemm.layout().nTilesPerWord();
    int perTile = parametersPerTile();
    bool scaled = !gemm.scaleAfterMma;
    // Each half of a register takes its codes from two bytes of the word.
    Value byteShifted[2] = {word, arith::ShRUIOp::create(b, loc, word, i32Constant(8))};
    SmallVector<Value> results;
    for (int t = 0; t < tiles; ++t) {
      Value scale = scaled ? parameters[t * perTile] : Value();
      Value offset = gemm.asymmetric
                         ? parameters[t * perTile + (scaled ? 1 : 0)]
                         : arith::ConstantOp::create(
                               b, loc, b.getF16FloatAttr(1024.0 + double(1u << (gemm.bits - 1))))
                               .getResult();
      auto bType = VectorType::get({2, 2}, f16);
      Value bFragment = arith::ConstantOp::create(b, loc, bType, b.getZeroAttr(bType));
      for (int pair = 0; pair < 2; ++pair) {
        Value codes = centered(byteShifted, 2 * t + pair, offset);
        if (scaled)
          codes = arith::MulFOp::create(b, loc, codes, vector2(scale));
        bFragment = vector::InsertOp::create(b, loc, codes, bFragment, pair);
      }
      results.push_back(nvgpu::MmaSyncOp::create(b, loc, a, bFragment, accumulators[t],
                                                 ArrayRef<int64_t>{kMmaM, kMmaN, kMmaK}));
    }
    return results;
  }

  /// Where the lane's words of N group `group` at K quad `quad` start
  /// (PreshuffledWeights::wordIndex of the quad's first K tile).
  Value quadStart(Value group, Value quad, Value lane) {
    return mul(add(mul(add(mul(quad, gemm.layout().nGroups()), group), kWarpSize), lane),
               PreshuffledWeights::kQuad);
  }

  /// The lane's weight word of N group `group` and K tile `kTile`.
  Value weightWord(Value words, Value group, Value kTile, Value lane) {
    int64_t quad = PreshuffledWeights::kQuad;
    Value wordIndex = add(quadStart(group, arith::DivUIOp::create(b, loc, kTile, index(quad)), lane),
                          arith::RemUIOp::create(b, loc, kTile, index(quad)));
    return memref::LoadOp::create(b, loc, words, ValueRange{toIndex(wordIndex)});
  }

  /// The lane's words of N group `group` at K quad `quad` (clamped to the
  /// last: a load past the block's share stays in bounds), one 16-byte load.
  Value weightQuad(Value words, Value group, Value quad, Value lane) {
    Value first = quadStart(group, clamp(quad, gemm.layout().kQuads()), lane);
    return vector::LoadOp::create(b, loc, VectorType::get({PreshuffledWeights::kQuad}, i32), words,
                                  ValueRange{toIndex(first)}, /*nontemporal=*/false, llvm::Align(16));
  }

  void emit(mlir::gpu::GPUFuncOp func) {
    b.setInsertionPointToStart(&func.getBody().front());
    Value x = func.getArgument(0), words = func.getArgument(1), scales = func.getArgument(2);
    Value offsets = gemm.asymmetric ? func.getArgument(3) : Value();
    Value y = func.getArgument(func.getFunctionType().getNumInputs() - 1); // not the attributions
    int64_t warps = gemm.warpsPerBlock;
    Value thread = fromIndex(mlir::gpu::ThreadIdOp::create(b, loc, mlir::gpu::Dimension::x));
    Value lane = arith::RemUIOp::create(b, loc, thread, index(kWarpSize));
    Value mTile = fromIndex(mlir::gpu::BlockIdOp::create(b, loc, mlir::gpu::Dimension::y));
    // weightStages: the words' stages in shared memory.
    Value stages = gemm.weightStages ? Value(func.getWorkgroupAttributions().front()) : Value();
    if (gemm.streamK) {
      emitStreamLoop(x, words, scales, offsets, stages, y, thread, lane, mTile);
      mlir::gpu::ReturnOp::create(b, loc);
      return;
    }
    PreshuffledWeights shape = gemm.layout();
    // Warp w of block b takes N group b * warps + w; a group past the last
    // one reads the last one's weights and stores nothing.
    Value nGroup = add(mul(fromIndex(mlir::gpu::BlockIdOp::create(b, loc, mlir::gpu::Dimension::x)), warps),
                       arith::DivUIOp::create(b, loc, thread, index(kWarpSize)));
    Value loadGroup = clamp(nGroup, shape.nGroups());
    SmallVector<Value> zeros = zeroAccumulators();
    // Without staging, each block's share starts on a whole iteration of
    // the prefetch loop (a K quad, and a scale group when sharesScales).
    auto [kBegin, kEnd] = splitRange(shape.kTiles(), gemm.splitK, gemm.stageA ? 1 : gemm.prefetchTiles);
    SmallVector<Value> sums;
    if (gemm.stageA) {
      StagedOperands staged{x,      words, scales, offsets, func.getWorkgroupAttributions().front(),
                            thread, lane,  mTile,  nGroup,  loadGroup,
                            kBegin, kEnd};
      sums = gemm.conv ? emitGatheredLoop(staged, zeros) : emitStagedLoop(staged, zeros);
    } else {
      sums = emitPrefetchLoop(x, words, scales, offsets, stages,
                              arith::DivUIOp::create(b, loc, thread, index(kWarpSize)), lane, mTile,
                              nGroup, loadGroup, kBegin, kEnd);
    }
    // Each lane stores its four elements of each N tile (rows past M and
    // columns past N stay unwritten).
    storeGroup(y, sums, mTile, nGroup, lane, gemm.splitK > 1);
    mlir::gpu::ReturnOp::create(b, loc);
  }

  /// Whether each step's K tile can lie past the range: not when every
  /// range is whole prefetch iterations.
  bool wholeIterations() const { return gemm.layout().kTiles() % gemm.prefetchTiles == 0; }

  /// Appends what the prefetch iteration starting at K tile `first` needs
  /// (clamped into W: a load past a warp's range stays in bounds): N group
  /// `loadGroup`'s weight words, then loadParameters'.
  void loadIteration(Value words, Value scales, Value offsets, Value lane, Value group,
                     Value loadGroup, Value first, SmallVector<Value> &into) {
    int64_t quad = PreshuffledWeights::kQuad;
    Value firstQuad = arith::DivUIOp::create(b, loc, first, index(quad));
    for (int q = 0; q < gemm.prefetchTiles / quad; ++q) {
      Value words4 = weightQuad(words, loadGroup, add(firstQuad, index(q)), lane);
      for (int u = 0; u < quad; ++u)
        into.push_back(vector::ExtractOp::create(b, loc, words4, ArrayRef<int64_t>{u}));
    }
    loadParameters(scales, offsets, lane, group, first, into);
  }

  /// Appends the scales (and offsets) of N group `group`'s K tiles of the
  /// iteration starting at K tile `first`, or its offsets and then its
  /// accumulators' scales when those scale the sums.
  void loadParameters(Value scales, Value offsets, Value lane, Value group, Value first,
                      SmallVector<Value> &into) {
    int64_t ahead = gemm.prefetchTiles, kTiles = gemm.layout().kTiles();
    // An iteration inside one scale group loads its scales once: a warp's
    // scale load touches 8 columns' cache lines, the L1's busiest traffic
    // otherwise.
    for (int u = 0; u < (sharesScales() ? 1 : int(ahead)); ++u)
      llvm::append_range(into, tileParameters(clamp(add(first, index(u)), kTiles), group, lane,
                                              gemm.scaleAfterMma ? Value() : scales, offsets));
    if (gemm.scaleAfterMma)
      llvm::append_range(into, accumulatorScales(clamp(first, kTiles), group, lane, scales));
  }

  /// Multiplies the prefetch iteration starting at K tile `first` (what
  /// loadIteration loaded: `loaded`) into `sums`; its K tiles from `end` on
  /// (when not wholeIterations) multiply by a zero A.
  SmallVector<Value> multiplyIteration(Value x, Value mTile, Value lane, Value first, Value end,
                                       ValueRange loaded, SmallVector<Value> sums) {
    int tiles = gemm.layout().nTilesPerWord();
    int64_t ahead = gemm.prefetchTiles, kTiles = gemm.layout().kTiles();
    int perStep = parametersPerStep();
    bool whole = wholeIterations();
    auto aType = VectorType::get({4, 2}, f16);
    // Scaled after the mma: the iteration's products sum from zero.
    SmallVector<Value> total;
    if (gemm.scaleAfterMma)
      total = std::exchange(sums, zeroAccumulators());
    // permuteK: each quad's runs of A (rows 0-7, then 8-15), loaded as the
    // quad starts.
    std::array<std::array<Value, 2>, 2> runs;
    for (int u = 0; u < ahead; ++u) {
      Value kTile = add(first, index(u));
      Value valid =
          whole ? Value()
                : arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, kTile, end).getResult();
      if (!whole)
        kTile = clamp(kTile, kTiles);
      int64_t j = u % PreshuffledWeights::kQuad;
      if (gemm.permuteK && j == 0)
        for (int upper = 0; upper < 2; ++upper)
          runs[upper] = aRun(x, mTile, kTile, lane, upper, valid);
      Value a = arith::ConstantOp::create(b, loc, aType, b.getZeroAttr(aType));
      for (int r = 0; r < 4; ++r) {
        Value pair;
        if (gemm.permuteK) { // register r: rows 8-15 when odd, pair 2j + (r >= 2) of the run
          int64_t p = 2 * j + (r >= 2 ? 1 : 0);
          pair = halves(
              vector::ExtractOp::create(b, loc, runs[r % 2][p / 4], ArrayRef<int64_t>{p % 4}));
        } else {
          pair = aRegister(x, mTile, kTile, lane, r, valid);
        }
        a = vector::InsertOp::create(b, loc, pair, a, r);
      }
      int set = sharesScales() ? 0 : u;
      sums = mmaStep(a, loaded[u], loaded.slice(ahead + set * perStep, perStep), sums);
    }
    if (gemm.scaleAfterMma) {
      int sets = sharesScales() ? 1 : int(ahead);
      ValueRange columnScales = loaded.slice(ahead + sets * perStep, 2 * tiles);
      for (int t = 0; t < tiles; ++t)
        total[t] = scaleInto(sums[t], columnScales[2 * t], columnScales[2 * t + 1], total[t]);
      sums = std::move(total);
    }
    return sums;
  }

  SmallVector<Value> zeroAccumulators() {
    auto type = VectorType::get({2, 2}, f32);
    return SmallVector<Value>(gemm.layout().nTilesPerWord(),
                              arith::ConstantOp::create(b, loc, type, b.getZeroAttr(type)));
  }

  /// Where an iteration of the prefetch loops works: N group `group` (its
  /// words from `loadGroup`: the last one for a warp past them) from K tile
  /// `first`; `inRange` whether it is one of the warp's (a place past them
  /// is clamped into W).
  struct Place {
    Value group, loadGroup, first, inRange;
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
  emitIterations(Value x, Value words, Value scales, Value offsets, Value stages, Value warp,
                 Value lane, Value mTile, Value lower, Value upper, int64_t step, Value end,
                 llvm::function_ref<Place(Value, int64_t)> placeAt,
                 llvm::function_ref<SmallVector<Value>(Value, Place, SmallVector<Value>)> finish) {
    int tiles = gemm.layout().nTilesPerWord();
    int64_t depth = gemm.weightStages;
    SmallVector<Value> carried(zeroAccumulators());
    if (!depth) { // carried: the sums, then what loadIteration loads
      Place first = placeAt(lower, 0);
      loadIteration(words, scales, offsets, lane, first.group, first.loadGroup, first.first,
                    carried);
      auto loop = scf::ForOp::create(b, loc, lower, upper, index(step), carried);
      b.setInsertionPointToStart(loop.getBody());
      Value at = loop.getInductionVar();
      ValueRange iterArgs = loop.getRegionIterArgs();
      Place next = placeAt(at, 1), here = placeAt(at, 0);
      SmallVector<Value> loaded;
      loadIteration(words, scales, offsets, lane, next.group, next.loadGroup, next.first, loaded);
      SmallVector<Value> sums =
          multiplyIteration(x, mTile, lane, here.first, end, iterArgs.drop_front(tiles),
                            SmallVector<Value>(iterArgs.take_front(tiles)));
      sums = finish(at, here, std::move(sums));
      sums.append(loaded);
      scf::YieldOp::create(b, loc, sums);
      b.setInsertionPointAfter(loop);
      return SmallVector<Value>(loop.getResults().take_front(tiles));
    }
    // Carried: the sums, the parameters of the iterations whose words are
    // in flight (the current one's first), the current iteration's stage,
    // the last copies' token.
    size_t perIteration = 0;
    Value token;
    for (int64_t d = 0; d + 1 < depth; ++d) {
      Place place = placeAt(lower, d);
      token = copyWords(words, stages, index(d), warp, lane, place);
      size_t before = carried.size();
      loadParameters(scales, offsets, lane, place.group, place.first, carried);
      perIteration = carried.size() - before;
    }
    carried.push_back(index(0));
    carried.push_back(token);
    auto loop = scf::ForOp::create(b, loc, lower, upper, index(step), carried);
    b.setInsertionPointToStart(loop.getBody());
    Value at = loop.getInductionVar();
    ValueRange iterArgs = loop.getRegionIterArgs();
    Value stage = iterArgs[iterArgs.size() - 2];
    Place last = placeAt(at, depth - 1), here = placeAt(at, 0);
    Value lastStage = arith::RemUIOp::create(b, loc, add(stage, index(depth - 1)), index(depth));
    token = copyWords(words, stages, lastStage, warp, lane, last);
    // This iteration's copies are done when at most the later ones are in flight.
    nvgpu::DeviceAsyncWaitOp::create(b, loc, token, b.getI32IntegerAttr(int32_t(depth - 1)));
    SmallVector<Value> loaded = readWords(stages, stage, warp, lane);
    ValueRange queue = iterArgs.slice(tiles, (depth - 1) * perIteration);
    llvm::append_range(loaded, queue.take_front(perIteration));
    SmallVector<Value> nextParameters;
    loadParameters(scales, offsets, lane, last.group, last.first, nextParameters);
    SmallVector<Value> sums = multiplyIteration(x, mTile, lane, here.first, end, loaded,
                                                SmallVector<Value>(iterArgs.take_front(tiles)));
    sums = finish(at, here, std::move(sums));
    llvm::append_range(sums, queue.drop_front(perIteration));
    sums.append(nextParameters);
    sums.push_back(arith::RemUIOp::create(b, loc, add(stage, index(1)), index(depth)));
    sums.push_back(token);
    scf::YieldOp::create(b, loc, sums);
    b.setInsertionPointAfter(loop);
    // No copy outlives the kernel.
    nvgpu::DeviceAsyncWaitOp::create(b, loc, loop.getResults().back(), b.getI32IntegerAttr(0));
    return SmallVector<Value>(loop.getResults().take_front(tiles));
  }

  /// weightStages: copies the lane's words of iteration `place` into
  /// shared-memory stage `stage` (zero-filled, nothing read, out of range);
  /// returns the copies' group token.
  Value copyWords(Value words, Value stages, Value stage, Value warp, Value lane, Place place) {
    int64_t quad = PreshuffledWeights::kQuad;
    auto tokenType = nvgpu::DeviceAsyncTokenType::get(b.getContext());
    Value firstQuad = arith::DivUIOp::create(b, loc, place.first, index(quad));
    Value count = arith::SelectOp::create(b, loc, place.inRange, index(quad), index(0));
    SmallVector<Value> copies;
    for (int64_t q = 0; q < gemm.prefetchTiles / quad; ++q) {
      Value from =
          quadStart(place.loadGroup, clamp(add(firstQuad, index(q)), gemm.layout().kQuads()), lane);
      copies.push_back(nvgpu::DeviceAsyncCopyOp::create(
          b, loc, tokenType, stages,
          ValueRange{toIndex(stage), toIndex(warp), toIndex(index(q)), toIndex(lane),
                     toIndex(index(0))},
          words, ValueRange{toIndex(from)}, b.getIndexAttr(quad), toIndex(count), b.getUnitAttr()));
    }
    return nvgpu::DeviceAsyncCreateGroupOp::create(b, loc, tokenType, copies);
  }

  /// weightStages: the lane's words of the iteration in stage `stage`.
  SmallVector<Value> readWords(Value stages, Value stage, Value warp, Value lane) {
    int64_t quad = PreshuffledWeights::kQuad;
    SmallVector<Value> loaded;
    for (int64_t q = 0; q < gemm.prefetchTiles / quad; ++q) {
      Value words4 =
          vector::LoadOp::create(b, loc, VectorType::get({quad}, i32), stages,
                                 ValueRange{toIndex(stage), toIndex(warp), toIndex(index(q)),
                                            toIndex(lane), toIndex(index(0))},
                                 /*nontemporal=*/false, llvm::Align(16));
      for (int64_t u = 0; u < quad; ++u)
        loaded.push_back(vector::ExtractOp::create(b, loc, words4, ArrayRef<int64_t>{u}));
    }
    return loaded;
  }

  /// Split-K's prefetch loop: the block's share of K tiles [kBegin, kEnd)
  /// of N group `nGroup`, prefetchTiles K tiles per iteration; tiles past
  /// the share multiply by a zero A.
  SmallVector<Value> emitPrefetchLoop(Value x, Value words, Value scales, Value offsets,
                                      Value stages, Value warp, Value lane, Value mTile,
                                      Value nGroup, Value loadGroup, Value kBegin, Value kEnd) {
    int64_t ahead = gemm.prefetchTiles;
    auto placeAt = [&](Value first, int64_t d) {
      Value at = add(first, index(d * ahead));
      return Place{nGroup, loadGroup, at,
                   arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, at, kEnd)};
    };
    return emitIterations(x, words, scales, offsets, stages, warp, lane, mTile, kBegin, kEnd, ahead,
                          kEnd, placeAt,
                          [](Value, Place, SmallVector<Value> sums) { return sums; });
  }

  /// Adds each N tile's `sums` into y at N group `group` (atomically).
  void storeGroup(Value y, ValueRange sums, Value mTile, Value group, Value lane, bool atomic) {
    int tiles = gemm.layout().nTilesPerWord();
    for (int t = 0; t < tiles; ++t)
      storeTile(
          y, sums[t], mTile, mul(add(mul(group, tiles), index(t)), kMmaN), lane, gemm.m, gemm.n,
          atomic, [](Value, Value element) { return element; }, gemm.channelsFirstOutput);
  }

  /// Stream-K: the items (N group g, prefetch iteration q) of the M tile,
  /// g-major, split into equal runs, one per warp of the launch (the first
  /// items % warps runs one longer). A warp's loads run ahead across N
  /// groups, and it adds its sums into y when it leaves a group or its run
  /// ends.
  void emitStreamLoop(Value x, Value words, Value scales, Value offsets, Value stages, Value y,
                      Value thread, Value lane, Value mTile) {
    int64_t iterations = gemm.streamIterations();
    int64_t items = gemm.layout().nGroups() * iterations;
    Value warpInBlock = arith::DivUIOp::create(b, loc, thread, index(kWarpSize));
    Value warp = add(mul(fromIndex(mlir::gpu::BlockIdOp::create(b, loc, mlir::gpu::Dimension::x)),
                         gemm.warpsPerBlock),
                     warpInBlock);
    Value warps = mul(fromIndex(mlir::gpu::GridDimOp::create(b, loc, mlir::gpu::Dimension::x)),
                      gemm.warpsPerBlock);
    Value run = arith::DivUIOp::create(b, loc, index(items), warps);
    Value longer = arith::RemUIOp::create(b, loc, index(items), warps);
    Value begin =
        add(arith::MulIOp::create(b, loc, warp, run), arith::MinUIOp::create(b, loc, warp, longer));
    Value end = add(add(begin, run),
                    arith::ExtUIOp::create(
                        b, loc, indexType,
                        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, warp, longer)));
    auto placeAt = [&](Value item, int64_t d) {
      Value at = add(item, index(d));
      Value clamped = clamp(at, items);
      Value group = arith::DivUIOp::create(b, loc, clamped, index(iterations));
      Value first =
          mul(arith::RemUIOp::create(b, loc, clamped, index(iterations)), gemm.prefetchTiles);
      return Place{group, group, first,
                   arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, at, end)};
    };
    SmallVector<Value> zeros = zeroAccumulators();
    auto flush = [&](Value item, Place place, SmallVector<Value> sums) {
      Value iteration = arith::RemUIOp::create(b, loc, item, index(iterations));
      Value lastOfGroup =
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, iteration, index(iterations - 1));
      Value lastOfRun =
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, add(item, index(1)), end);
      auto ifOp = scf::IfOp::create(b, loc, TypeRange(ValueRange(sums)),
                                    arith::OrIOp::create(b, loc, lastOfGroup, lastOfRun),
                                    /*withElseRegion=*/true);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(&ifOp.getThenRegion().front());
      storeGroup(y, sums, mTile, place.group, lane, /*atomic=*/true);
      scf::YieldOp::create(b, loc, zeros);
      b.setInsertionPointToStart(&ifOp.getElseRegion().front());
      scf::YieldOp::create(b, loc, sums);
      return SmallVector<Value>(ifOp.getResults());
    };
    emitIterations(x, words, scales, offsets, stages, warpInBlock, lane, mTile, begin, end, 1,
                   index(gemm.layout().kTiles()), placeAt, flush);
  }

  /// What the staged loops work with: the kernel's arguments, the shared A
  /// stages, the thread's place and the block's share of K tiles.
  struct StagedOperands {
    Value x, words, scales, offsets, stages, thread, lane, mTile, nGroup, loadGroup, kBegin, kEnd;
  };

  /// Every warp reads A's tile `kTile` from shared-memory stage `stage` with
  /// ldmatrix and multiplies it with its weights into `sums`.
  SmallVector<Value> multiplyStage(Value stages, Value stage, Value words, Value scales,
                                   Value offsets, Value lane, Value kTile, Value nGroup,
                                   Value loadGroup, ValueRange sums) {
    Value row = arith::RemUIOp::create(b, loc, lane, index(kMmaM));
    Value col = mul(arith::DivUIOp::create(b, loc, lane, index(kMmaM)), 8);
    Value a = nvgpu::LdMatrixOp::create(b, loc, VectorType::get({4, 2}, f16), stages,
                                        ValueRange{toIndex(stage), toIndex(row), toIndex(col)},
                                        b.getBoolAttr(false), b.getI32IntegerAttr(4));
    Value word = weightWord(words, loadGroup, kTile, lane);
    return mmaStep(a, word, tileParameters(kTile, nGroup, lane, scales, offsets), sums);
  }

  /// A staged through shared memory, two stages: every warp of the block
  /// copies part of tile k+1 with cp.async while all of them read tile k
  /// with ldmatrix.
  SmallVector<Value> emitStagedLoop(const StagedOperands &o, ValueRange zeros) {
    auto [x, words, scales, offsets, stages, thread, lane, mTile, nGroup, loadGroup, kBegin, kEnd] =
        o;
    PreshuffledWeights shape = gemm.layout();
    int tiles = shape.nTilesPerWord();
    SmallVector<Value> carried(zeros);
    // The first K tile's A in flight before the loop.
    carried.push_back(stageA(x, stages, thread, mTile, kBegin, index(0), less(kBegin, shape.kTiles())));
    auto loop = scf::ForOp::create(b, loc, kBegin, kEnd, index(1), carried);
    b.setInsertionPointToStart(loop.getBody());
    Value kTile = loop.getInductionVar();
    // Wait until only the newest copy is in flight, then every warp reads
    // tile k with ldmatrix.
    Value stage = arith::AndIOp::create(b, loc, arith::SubIOp::create(b, loc, kTile, kBegin), index(1));
    Value next = add(kTile, index(1));
    Value token = stageA(x, stages, thread, mTile, clamp(next, shape.kTiles()),
                         arith::XOrIOp::create(b, loc, stage, index(1)),
                         arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, next, kEnd));
    nvgpu::DeviceAsyncWaitOp::create(b, loc, token, b.getI32IntegerAttr(1));
    mlir::gpu::BarrierOp::create(b, loc);
    SmallVector<Value> results =
        multiplyStage(stages, stage, words, scales, offsets, lane, kTile, nGroup, loadGroup,
                      loop.getRegionIterArgs().take_front(tiles));
    mlir::gpu::BarrierOp::create(b, loc); // tile k is read before its stage is refilled
    results.push_back(token);
    scf::YieldOp::create(b, loc, results);
    b.setInsertionPointAfter(loop);
    // No copy outlives the kernel.
    nvgpu::DeviceAsyncWaitOp::create(b, loc, loop.getResults().back(), b.getI32IntegerAttr(0));
    return SmallVector<Value>(loop.getResults().take_front(tiles));
  }

  /// A convolution's A gathered into shared memory, two stages: each thread
  /// loads its piece of tile k+1 into registers before the warps read tile
  /// k with ldmatrix and multiply, and stores it into the other stage
  /// after; one barrier per tile orders both.
  SmallVector<Value> emitGatheredLoop(const StagedOperands &o, ValueRange zeros) {
    auto [x, words, scales, offsets, stages, thread, lane, mTile, nGroup, loadGroup, kBegin, kEnd] =
        o;
    PreshuffledWeights shape = gemm.layout();
    int tiles = shape.nTilesPerWord();
    Piece piece = pieceOf(thread);
    storeGathered(
        stages, piece, index(0),
        gatherA(x, piece, mTile, clamp(kBegin, shape.kTiles()), less(kBegin, shape.kTiles())));
    mlir::gpu::BarrierOp::create(b, loc);
    auto loop = scf::ForOp::create(b, loc, kBegin, kEnd, index(1), SmallVector<Value>(zeros));
    b.setInsertionPointToStart(loop.getBody());
    Value kTile = loop.getInductionVar();
    Value stage =
        arith::AndIOp::create(b, loc, arith::SubIOp::create(b, loc, kTile, kBegin), index(1));
    Value next = add(kTile, index(1));
    Value gathered = gatherA(x, piece, mTile, clamp(next, shape.kTiles()),
                             arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, next, kEnd));
    SmallVector<Value> results =
        multiplyStage(stages, stage, words, scales, offsets, lane, kTile, nGroup, loadGroup,
                      loop.getRegionIterArgs().take_front(tiles));
    // The other stage was read in the last iteration, before its barrier.
    storeGathered(stages, piece, arith::XOrIOp::create(b, loc, stage, index(1)), gathered);
    mlir::gpu::BarrierOp::create(b, loc);
    scf::YieldOp::create(b, loc, results);
    b.setInsertionPointAfter(loop);
    return SmallVector<Value>(loop.getResults());
  }

private:
  const WeightOnlyGemm &gemm;
  Type f16, f32, i32;
};

} // namespace

OwningOpRef<ModuleOp> buildWeightOnlyGemm(MLIRContext &context, const WeightOnlyGemm &gemm,
                                          llvm::StringRef name) {
  OpBuilder b(&context);
  PreshuffledWeights shape = gemm.layout();
  int64_t groups = gemm.scaleGroups();
  // cp.async copies halves; the direct loads read pairs of them as i32.
  int64_t xHalves = gemm.conv ? gemm.conv->inputSize(gemm.m) : gemm.m * gemm.k;
  SmallVector<Type> arguments{gemm.stageA || gemm.conv
                                  ? MemRefType::get({xHalves}, b.getF16Type())
                                  : MemRefType::get({gemm.m * gemm.k / 2}, b.getI32Type()),
                              MemRefType::get({shape.wordCount()}, b.getI32Type()),
                              MemRefType::get({gemm.n * groups}, b.getF16Type())};
  if (gemm.asymmetric)
    arguments.push_back(MemRefType::get({gemm.n * groups}, b.getF16Type()));
  arguments.push_back(MemRefType::get({gemm.m * gemm.n}, b.getF32Type()));
  mlir::gpu::GPUFuncOp func;
  OwningOpRef<ModuleOp> module = kernelModule(b, name, arguments, func);
  if (gemm.weightStages) { // the words' stages [stage][warp][quad][lane][4]: a real workgroup
                           // attribution
    int64_t quad = PreshuffledWeights::kQuad;
    func.addWorkgroupAttribution(
        MemRefType::get(
            {gemm.weightStages, gemm.warpsPerBlock, gemm.prefetchTiles / quad, kWarpSize, quad},
            b.getI32Type(), MemRefLayoutAttrInterface(),
            mlir::gpu::AddressSpaceAttr::get(&context, mlir::gpu::AddressSpace::Workgroup)),
        b.getUnknownLoc());
    func.setWorkgroupAttributionAttr(0, LLVM::LLVMDialect::getAlignAttrName(),
                                     b.getI64IntegerAttr(16));
  }
  if (gemm.stageA) { // two stages of A's 16 x 16 tile: a real workgroup attribution, not an alloca
    func.addWorkgroupAttribution(
        MemRefType::get({2, kMmaM, kMmaK}, b.getF16Type(), MemRefLayoutAttrInterface(),
                        mlir::gpu::AddressSpaceAttr::get(&context,
                                                         mlir::gpu::AddressSpace::Workgroup)),
        b.getUnknownLoc());
    // ldmatrix reads 16-byte rows; the element type alone would give 2.
    func.setWorkgroupAttributionAttr(0, LLVM::LLVMDialect::getAlignAttrName(), b.getI64IntegerAttr(16));
  }
  GemmEmitter(b, b.getUnknownLoc(), gemm).emit(func);
  return module;
}

OwningOpRef<ModuleOp> buildCopyKernel(MLIRContext &context, int64_t words, llvm::StringRef name) {
  OpBuilder b(&context);
  Location loc = b.getUnknownLoc();
  auto type = MemRefType::get({words}, b.getI32Type());
  mlir::gpu::GPUFuncOp func;
  OwningOpRef<ModuleOp> module = kernelModule(b, name, {type, type}, func);
  b.setInsertionPointToStart(&func.getBody().front());
  Value thread = mlir::gpu::ThreadIdOp::create(b, loc, mlir::gpu::Dimension::x);
  Value block = mlir::gpu::BlockIdOp::create(b, loc, mlir::gpu::Dimension::x);
  Value first = arith::MulIOp::create(
      b, loc,
      arith::AddIOp::create(
          b, loc, arith::MulIOp::create(b, loc, block, arith::ConstantIndexOp::create(b, loc, 256)),
          thread),
      arith::ConstantIndexOp::create(b, loc, 4));
  auto vectorType = VectorType::get({4}, b.getI32Type());
  // 16-byte aligned (cuMemAlloc gives 256): one 128-bit load and store.
  Value data = vector::LoadOp::create(b, loc, vectorType, func.getArgument(0), ValueRange{first},
                                      /*nontemporal=*/false, llvm::Align(16));
  vector::StoreOp::create(b, loc, data, func.getArgument(1), ValueRange{first},
                          /*nontemporal=*/false, llvm::Align(16));
  mlir::gpu::ReturnOp::create(b, loc);
  return module;
}

} // namespace quantc::codegen::gpu
