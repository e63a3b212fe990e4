// The weight-only GEMM's loops that stage A through shared memory (M spans
// a 16-row tile): cp.async copies of x, or A gathered into registers (a
// convolution's, or an f32 x's, staged) and stored, two stages, read with
// ldmatrix.
#include "WeightOnlyGemmEmitter.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

namespace quantc::codegen::gpu {

using namespace mlir;

Value GemmEmitter::stageA(Value x, Value stages, Value thread, Value mTile, Value kTile,
                          Value stage, Value valid) {
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
      b.getIndexAttr(piece), toIndex(count), UnitAttr());
  return nvgpu::DeviceAsyncCreateGroupOp::create(
      b, loc, nvgpu::DeviceAsyncTokenType::get(b.getContext()), ValueRange{copy});
}

GemmEmitter::Piece GemmEmitter::pieceOf(Value thread) {
  Value first = mul(thread, pieceHalves());
  return {arith::DivUIOp::create(b, loc, first, index(kMmaK)),
          arith::RemUIOp::create(b, loc, first, index(kMmaK))};
}

Value GemmEmitter::gatherA(Value x, Piece piece, Value mTile, Value kTile, Value valid) {
  Value row = add(mul(mTile, kMmaM), piece.row), col = add(mul(kTile, kMmaK), piece.col);
  if (gemm.floatK)
    return rowRun(x, row, gemm.m, gemm.floatK, col, pieceHalves(), valid);
  return implicitRun(*gemm.conv, x, row, gemm.m, col, pieceHalves(), valid);
}

void GemmEmitter::storeGathered(Value stages, Piece piece, Value stage, Value halves) {
  vector::StoreOp::create(b, loc, halves, stages,
                          ValueRange{toIndex(stage), toIndex(piece.row), toIndex(piece.col)},
                          /*nontemporal=*/false, llvm::Align(2 * pieceHalves()));
}

SmallVector<Value> GemmEmitter::stagedWeights(const StagedOperands &o, Value kTile) {
  SmallVector<Value> loaded{weightWord(o.words, o.loadGroup, kTile, o.lane)};
  llvm::append_range(loaded, tileParameters(kTile, o.nGroup, o.lane, o.scales, o.offsets));
  return loaded;
}

SmallVector<Value> GemmEmitter::multiplyStage(const StagedOperands &o, Value stage, Value kTile,
                                              ValueRange ahead, ValueRange sums) {
  Value row = arith::RemUIOp::create(b, loc, o.lane, index(kMmaM));
  Value col = mul(arith::DivUIOp::create(b, loc, o.lane, index(kMmaM)), 8);
  Value a = nvgpu::LdMatrixOp::create(b, loc, VectorType::get({4, 2}, f16), o.stages,
                                      ValueRange{toIndex(stage), toIndex(row), toIndex(col)},
                                      b.getBoolAttr(false), b.getI32IntegerAttr(4));
  SmallVector<Value> loaded = ahead.empty() ? stagedWeights(o, kTile) : SmallVector<Value>(ahead);
  return mmaStep(a, loaded[0], ArrayRef<Value>(loaded).drop_front(), sums);
}

SmallVector<Value> GemmEmitter::weightsBeforeLoop(const StagedOperands &o) {
  if (!gemm.stagedWeightsAhead)
    return {};
  return stagedWeights(o, clamp(o.kBegin, gemm.layout().kTiles()));
}

void GemmEmitter::carryWeightsAhead(const StagedOperands &o, Value kTile, ValueRange iterArgs,
                                    int tiles, SmallVector<Value> &ahead,
                                    SmallVector<Value> &next) {
  if (!gemm.stagedWeightsAhead)
    return;
  size_t count = 1 + parametersPerStep(); // the word, then tileParameters'
  ahead.assign(iterArgs.begin() + tiles, iterArgs.begin() + tiles + count);
  // The last iteration's next tile is past the share, maybe past W.
  next = stagedWeights(o, clamp(add(kTile, index(1)), gemm.layout().kTiles()));
}

SmallVector<Value> GemmEmitter::emitStagedLoop(const StagedOperands &o, ValueRange zeros) {
  auto [x, words, scales, offsets, stages, thread, lane, mTile, nGroup, loadGroup, kBegin, kEnd] =
      o;
  PreshuffledWeights shape = gemm.layout();
  int tiles = shape.nTilesPerWord();
  SmallVector<Value> carried(zeros);
  llvm::append_range(carried, weightsBeforeLoop(o));
  // The first K tile's A in flight before the loop.
  carried.push_back(
      stageA(x, stages, thread, mTile, kBegin, index(0), less(kBegin, shape.kTiles())));
  auto loop = scf::ForOp::create(b, loc, kBegin, kEnd, index(1), carried);
  b.setInsertionPointToStart(loop.getBody());
  Value kTile = loop.getInductionVar();
  SmallVector<Value> ahead, nextWeights; // this tile's weights, the next one's (loaded now)
  carryWeightsAhead(o, kTile, loop.getRegionIterArgs(), tiles, ahead, nextWeights);
  // Wait until only the newest copy is in flight, then every warp reads
  // tile k with ldmatrix.
  Value stage =
      arith::AndIOp::create(b, loc, arith::SubIOp::create(b, loc, kTile, kBegin), index(1));
  Value next = add(kTile, index(1));
  Value token = stageA(x, stages, thread, mTile, clamp(next, shape.kTiles()),
                       arith::XOrIOp::create(b, loc, stage, index(1)),
                       arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, next, kEnd));
  nvgpu::DeviceAsyncWaitOp::create(b, loc, token, b.getI32IntegerAttr(1));
  mlir::gpu::BarrierOp::create(b, loc);
  SmallVector<Value> results =
      multiplyStage(o, stage, kTile, ahead, loop.getRegionIterArgs().take_front(tiles));
  mlir::gpu::BarrierOp::create(b, loc); // tile k is read before its stage is refilled
  results.append(nextWeights);
  results.push_back(token);
  scf::YieldOp::create(b, loc, results);
  b.setInsertionPointAfter(loop);
  // No copy outlives the kernel.
  nvgpu::DeviceAsyncWaitOp::create(b, loc, loop.getResults().back(), b.getI32IntegerAttr(0));
  return SmallVector<Value>(loop.getResults().take_front(tiles));
}

SmallVector<Value> GemmEmitter::emitGatheredLoop(const StagedOperands &o, ValueRange zeros) {
  auto [x, words, scales, offsets, stages, thread, lane, mTile, nGroup, loadGroup, kBegin, kEnd] =
      o;
  PreshuffledWeights shape = gemm.layout();
  int tiles = shape.nTilesPerWord();
  Piece piece = pieceOf(thread);
  storeGathered(
      stages, piece, index(0),
      gatherA(x, piece, mTile, clamp(kBegin, shape.kTiles()), less(kBegin, shape.kTiles())));
  mlir::gpu::BarrierOp::create(b, loc);
  SmallVector<Value> carried(zeros);
  llvm::append_range(carried, weightsBeforeLoop(o));
  auto loop = scf::ForOp::create(b, loc, kBegin, kEnd, index(1), carried);
  b.setInsertionPointToStart(loop.getBody());
  Value kTile = loop.getInductionVar();
  SmallVector<Value> ahead, nextWeights;
  carryWeightsAhead(o, kTile, loop.getRegionIterArgs(), tiles, ahead, nextWeights);
  Value stage =
      arith::AndIOp::create(b, loc, arith::SubIOp::create(b, loc, kTile, kBegin), index(1));
  Value next = add(kTile, index(1));
  Value gathered = gatherA(x, piece, mTile, clamp(next, shape.kTiles()),
                           arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, next, kEnd));
  SmallVector<Value> results =
      multiplyStage(o, stage, kTile, ahead, loop.getRegionIterArgs().take_front(tiles));
  // The other stage was read in the last iteration, before its barrier.
  storeGathered(stages, piece, arith::XOrIOp::create(b, loc, stage, index(1)), gathered);
  mlir::gpu::BarrierOp::create(b, loc);
  results.append(nextWeights);
  scf::YieldOp::create(b, loc, results);
  b.setInsertionPointAfter(loop);
  return SmallVector<Value>(loop.getResults().take_front(tiles));
}

} // namespace quantc::codegen::gpu
