// The weight-only GEMM's loops that read A straight from x (M < 16, or K
// not whole tiles): split-K's and stream-K's prefetch loops, their words
// loaded ahead into registers or copied into shared-memory stages, and A
// in 16-byte runs when K is permuted.
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

std::array<Value, 2> GemmEmitter::aRun(Value x, Value mTile, Value quadTile, Value lane, bool upper,
                                       Value valid) {
  auto type = VectorType::get({4}, i32);
  if (upper && gemm.m <= kMmaM / 2) {
    Value zero = arith::ConstantOp::create(b, loc, type, b.getZeroAttr(type));
    return {zero, zero};
  }
  Value group = arith::ShRUIOp::create(b, loc, lane, index(2));
  Value thread = arith::AndIOp::create(b, loc, lane, index(3));
  Value row = clamp(add(add(mul(mTile, kMmaM), group), index(upper ? 8 : 0)), gemm.m);
  if (gemm.floatK)
    return floatARun(x, row, add(mul(quadTile, kMmaK), mul(thread, 16)), valid);
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

std::array<Value, 2> GemmEmitter::floatARun(Value x, Value row, Value column, Value valid) {
  // floatK % 4 == 0: rows start 16-byte aligned, and four columns from a
  // multiple of 4 are all in or all out.
  Value rowStart = mul(row, gemm.floatK);
  Value zero = arith::ConstantOp::create(b, loc, b.getF16FloatAttr(0.0));
  std::array<Value, 2> run;
  for (int half = 0; half < 2; ++half) {
    SmallVector<Value> staged;
    for (int quarter = 0; quarter < 2; ++quarter) {
      Value first = add(column, index(8 * half + 4 * quarter));
      Value inside = less(first, gemm.floatK);
      if (valid)
        inside = arith::AndIOp::create(b, loc, valid, inside);
      Value floats =
          vector::LoadOp::create(b, loc, VectorType::get({4}, f32), x,
                                 ValueRange{toIndex(add(rowStart, clamp(first, gemm.floatK - 3)))},
                                 /*nontemporal=*/false, llvm::Align(16));
      for (int64_t e = 0; e < 4; ++e) {
        Value element = vector::ExtractOp::create(b, loc, floats, ArrayRef<int64_t>{e});
        staged.push_back(arith::SelectOp::create(b, loc, inside, stagedHalf(element), zero));
      }
    }
    run[half] = vector::BitCastOp::create(
        b, loc, VectorType::get({4}, i32),
        vector::FromElementsOp::create(b, loc, VectorType::get({8}, f16), staged));
  }
  return run;
}

void GemmEmitter::loadIteration(Value words, Value scales, Value offsets, Value lane, Value group,
                                Value loadGroup, Value first, SmallVector<Value> &into) {
  int64_t quad = PreshuffledWeights::kQuad;
  Value firstQuad = arith::DivUIOp::create(b, loc, first, index(quad));
  for (int q = 0; q < gemm.prefetchTiles / quad; ++q) {
    appendWords(weightQuad(words, loadGroup, add(firstQuad, index(q)), lane), into);
  }
  loadParameters(scales, offsets, lane, group, first, into);
}

void GemmEmitter::loadParameters(Value scales, Value offsets, Value lane, Value group, Value first,
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

SmallVector<Value> GemmEmitter::multiplyIteration(Value x, Value mTile, Value lane, Value first,
                                                  Value end, ValueRange loaded,
                                                  SmallVector<Value> sums) {
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
        pair =
            halves(vector::ExtractOp::create(b, loc, runs[r % 2][p / 4], ArrayRef<int64_t>{p % 4}));
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

SmallVector<Value> GemmEmitter::emitIterations(
    const LoopOperands &o, Value lower, Value upper, int64_t step, Value end,
    llvm::function_ref<Place(Value, int64_t)> placeAt,
    llvm::function_ref<SmallVector<Value>(Value, Place, SmallVector<Value>)> finish) {
  auto [x, words, scales, offsets, stages, warp, lane, mTile] = o;
  int tiles = gemm.layout().nTilesPerWord();
  int64_t depth = gemm.weightStages;
  SmallVector<Value> carried(zeroAccumulators());
  if (!depth) { // carried: the sums, then what loadIteration loads
    Place first = placeAt(lower, 0);
    loadIteration(words, scales, offsets, lane, first.group, first.loadGroup, first.first, carried);
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

Value GemmEmitter::copyWords(Value words, Value stages, Value stage, Value warp, Value lane,
                             Place place) {
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

SmallVector<Value> GemmEmitter::readWords(Value stages, Value stage, Value warp, Value lane) {
  int64_t quad = PreshuffledWeights::kQuad;
  SmallVector<Value> loaded;
  for (int64_t q = 0; q < gemm.prefetchTiles / quad; ++q)
    appendWords(vector::LoadOp::create(b, loc, VectorType::get({quad}, i32), stages,
                                       ValueRange{toIndex(stage), toIndex(warp), toIndex(index(q)),
                                                  toIndex(lane), toIndex(index(0))},
                                       /*nontemporal=*/false, llvm::Align(16)),
                loaded);
  return loaded;
}

void GemmEmitter::appendWords(Value words4, SmallVector<Value> &into) {
  for (int64_t u = 0; u < PreshuffledWeights::kQuad; ++u)
    into.push_back(vector::ExtractOp::create(b, loc, words4, ArrayRef<int64_t>{u}));
}

SmallVector<Value> GemmEmitter::emitPrefetchLoop(const LoopOperands &o, Value nGroup,
                                                 Value loadGroup, Value kBegin, Value kEnd) {
  int64_t ahead = gemm.prefetchTiles;
  auto placeAt = [&](Value first, int64_t d) {
    Value at = add(first, index(d * ahead));
    return Place{nGroup, loadGroup, at,
                 arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, at, kEnd)};
  };
  return emitIterations(o, kBegin, kEnd, ahead, kEnd, placeAt,
                        [](Value, Place, SmallVector<Value> sums) { return sums; });
}

void GemmEmitter::emitStreamLoop(const LoopOperands &o, Value y) {
  int64_t iterations = gemm.streamIterations();
  int64_t items = gemm.layout().nGroups() * iterations;
  Value warp = add(mul(fromIndex(mlir::gpu::BlockIdOp::create(b, loc, mlir::gpu::Dimension::x)),
                       gemm.warpsPerBlock),
                   o.warp);
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
    storeGroup(y, sums, o.mTile, place.group, o.lane, YWrite::AtomicAdd);
    scf::YieldOp::create(b, loc, zeros);
    b.setInsertionPointToStart(&ifOp.getElseRegion().front());
    scf::YieldOp::create(b, loc, sums);
    return SmallVector<Value>(ifOp.getResults());
  };
  emitIterations(o, begin, end, 1, index(gemm.layout().kTiles()), placeAt, flush);
}

} // namespace quantc::codegen::gpu
