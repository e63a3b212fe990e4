// The weight-only GEMM kernel: one warp per (16-row M tile, group of N tiles)
// walks K 16 rows at a time. Each step takes the lane's A fragment (straight
// from x, or staged through shared memory when M spans a tile) and one
// preshuffled word of weights (loaded ahead when A comes straight from x),
// turns each register of the word into two halves with lop3 (1024 + u),
// subtracts the offset and multiplies by the scale in f16x2 (or,
// scaleAfterMma, leaves the exact codes and scales each iteration's f32
// sums), and issues one mma.sync per N tile. GPUFragments.h models it
// element for element. This file: the check, the fragments, the output and
// the kernel; the loops are in WeightOnlyGemv.cpp (A straight from x) and
// WeightOnlyGemmStaged.cpp (A through shared memory).
#include "WeightOnlyGemmEmitter.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Builders.h"

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
  if (gemm.stagedWeightsAhead && !gemm.stageA)
    return "loading the weights an iteration ahead of the staged loop needs A staged (a GEMV "
           "loads them ahead anyway)";
  if (gemm.streamK && (gemm.stageA || gemm.splitK != 1))
    return "stream-K needs A read straight from x and split-K 1";
  if (gemm.splitPartials && (gemm.streamK || gemm.splitK == 1))
    return "split-K's partial sums need split-K (not stream-K)";
  if (gemm.weightStages && (gemm.stageA || gemm.weightStages < 2 || gemm.weightStages > 8))
    return "weights through shared memory need A read straight from x, and 2 to 8 stages";
  if (gemm.weightStages && gemm.weightsPastL1)
    return "reading the weights past L1 needs them loaded into registers: the shared-memory "
           "stages' cp.async copies already pass it";
  if (gemm.weightStages * gemm.warpsPerBlock * gemm.prefetchTiles * kWarpSize * 4 > 48 * 1024)
    return "the weights' shared-memory stages must fit 48 KiB a block";
  if (gemm.permuteK && !permutableK(gemm))
    return "permuting K needs A read straight from x (no convolution), and K and the scale "
           "group multiples of 64";
  if (gemm.floatK && (gemm.conv || gemm.floatK > gemm.k || (gemm.permuteK && gemm.floatK % 4)))
    return "an f32 x of up to K columns is read without a gather (with K permuted, a multiple "
           "of 4 columns: 16-byte runs)";
  if (gemm.conv)
    if (std::string why = checkImplicitConv(*gemm.conv, gemm.m, gemm.k); !why.empty())
      return why;
  return checkIndexRange(gemm.m, gemm.n, gemm.k, gemm.ySlices());
}

Value GemmEmitter::aRegister(Value x, Value mTile, Value kTile, Value lane, int r, Value valid) {
  Element first = mmaAElement(0, 2 * r); // the lane-independent part
  if (gemm.m <= first.row)
    return halves(i32Constant(0));
  Value group = arith::ShRUIOp::create(b, loc, lane, index(2));
  Value thread = arith::AndIOp::create(b, loc, lane, index(3));
  Value row = add(add(mul(mTile, kMmaM), group), index(first.row));
  Value col = add(add(mul(kTile, kMmaK), mul(thread, 2)), index(first.col));
  if (gemm.conv) // a convolution's two halves, gathered from its input
    return implicitRun(*gemm.conv, x, row, gemm.m, col, 2, valid);
  if (gemm.floatK)
    return rowRun(x, row, gemm.m, gemm.floatK, col, 2, valid);
  bool wholeTiles = gemm.k % kMmaK == 0;
  Value inside = valid;
  if (!wholeTiles) {
    Value colInside = less(col, gemm.k);
    inside = inside ? arith::AndIOp::create(b, loc, inside, colInside).getResult() : colInside;
  }
  Value pair = arith::DivUIOp::create(
      b, loc, add(mul(clamp(row, gemm.m), gemm.k), wholeTiles ? col : clamp(col, gemm.k)),
      index(2));
  Value loaded = memref::LoadOp::create(b, loc, x, ValueRange{toIndex(pair)});
  if (inside)
    loaded = arith::SelectOp::create(b, loc, inside, loaded, i32Constant(0));
  return halves(loaded);
}

Value GemmEmitter::lop3(ArrayRef<Value> byteShifted, int j) {
  uint32_t mask = ((1u << gemm.bits) - 1) << (gemm.bits * unsigned(j % registersPerByte()));
  auto op = NVVM::InlinePtxOp::create(b, loc, TypeRange{i32},
                                      ValueRange{byteShifted[j / registersPerByte()],
                                                 i32Constant(mask | (mask << 16)),
                                                 i32Constant(0x64006400u)},
                                      ValueRange{}, "lop3.b32 $0, $1, $2, $3, 0xEA;", Value());
  return halves(op->getResult(0));
}

Value GemmEmitter::centered(ArrayRef<Value> byteShifted, int j, Value offset) {
  int position = int(gemm.bits) * (j % registersPerByte());
  Value q = lop3(byteShifted, j);
  if (position == 0)
    return arith::SubFOp::create(b, loc, q, vector2(offset));
  double factor = 1.0 / double(1 << position);
  Value shiftedOffset = arith::SubFOp::create(
      b, loc, offset,
      arith::ConstantOp::create(b, loc, b.getF16FloatAttr(1024.0 - 1024.0 * factor)));
  Value negated = arith::NegFOp::create(b, loc, shiftedOffset);
  return LLVM::FMAOp::create(b, loc, q,
                             vector2(arith::ConstantOp::create(b, loc, b.getF16FloatAttr(factor))),
                             vector2(negated));
}

Value GemmEmitter::scaleCell(Value kTile, Value column) {
  Value cell = clamp(column, gemm.n);
  if (gemm.group)
    cell = add(cell,
               mul(arith::DivUIOp::create(b, loc, mul(kTile, kMmaK), index(gemm.group)), gemm.n));
  return cell;
}

SmallVector<Value> GemmEmitter::tileParameters(Value kTile, Value nGroup, Value lane, Value scales,
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

SmallVector<Value> GemmEmitter::accumulatorScales(Value kTile, Value nGroup, Value lane,
                                                  Value scales) {
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

Value GemmEmitter::scaleInto(Value partial, Value scale0, Value scale1, Value sums) {
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

SmallVector<Value> GemmEmitter::mmaStep(Value a, Value word, ValueRange parameters,
                                        ValueRange accumulators) {
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

Value GemmEmitter::quadStart(Value group, Value quad, Value lane) {
  return mul(add(mul(add(mul(quad, gemm.layout().nGroups()), group), kWarpSize), lane),
             PreshuffledWeights::kQuad);
}

Value GemmEmitter::weightWord(Value words, Value group, Value kTile, Value lane) {
  int64_t quad = PreshuffledWeights::kQuad;
  Value wordIndex = add(quadStart(group, arith::DivUIOp::create(b, loc, kTile, index(quad)), lane),
                        arith::RemUIOp::create(b, loc, kTile, index(quad)));
  if (wordsAddress)
    return wordsPastL1(wordIndex, 1).front();
  return memref::LoadOp::create(b, loc, words, ValueRange{toIndex(wordIndex)});
}

Value GemmEmitter::weightQuad(Value words, Value group, Value quad, Value lane) {
  Value first = quadStart(group, clamp(quad, gemm.layout().kQuads()), lane);
  auto type = VectorType::get({PreshuffledWeights::kQuad}, i32);
  if (wordsAddress)
    return vector::FromElementsOp::create(b, loc, type,
                                          wordsPastL1(first, PreshuffledWeights::kQuad));
  return vector::LoadOp::create(b, loc, type, words, ValueRange{toIndex(first)},
                                /*nontemporal=*/false, llvm::Align(16));
}

void GemmEmitter::readWordsPastL1(Value words) {
  // The inline loads take a global address: the argument's generic one
  // converted once, as NVPTX converts the kernel's own pointer arguments.
  Value generic = arith::IndexCastUIOp::create(
      b, loc, b.getI64Type(), memref::ExtractAlignedPointerAsIndexOp::create(b, loc, words));
  wordsAddress = NVVM::InlinePtxOp::create(b, loc, TypeRange{b.getI64Type()}, ValueRange{generic},
                                           ValueRange{}, "cvta.to.global.u64 $0, $1;", Value())
                     ->getResult(0);
  evictFirst =
      NVVM::InlinePtxOp::create(b, loc, TypeRange{b.getI64Type()}, ValueRange{}, ValueRange{},
                                "createpolicy.fractional.L2::evict_first.b64 $0, 1.0;", Value())
          ->getResult(0);
}

SmallVector<Value> GemmEmitter::wordsPastL1(Value firstWord, int64_t count) {
  Value bytes =
      arith::ShLIOp::create(b, loc, arith::ExtUIOp::create(b, loc, b.getI64Type(), firstWord),
                            arith::ConstantIntOp::create(b, loc, b.getI64Type(), 2));
  Value address = arith::AddIOp::create(b, loc, wordsAddress, bytes);
  std::string ptx = count == 1 ? "ld.global.nc.L1::no_allocate.L2::cache_hint.b32 $0, [$1], $2;"
                               : "ld.global.nc.L1::no_allocate.L2::cache_hint.v4.b32 "
                                 "{$0, $1, $2, $3}, [$4], $5;";
  auto load =
      NVVM::InlinePtxOp::create(b, loc, SmallVector<Type>(count, i32),
                                ValueRange{address, evictFirst}, ValueRange{}, ptx, Value());
  return SmallVector<Value>(load->getResults());
}

void GemmEmitter::emit(mlir::gpu::GPUFuncOp func) {
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
  Value warp = arith::DivUIOp::create(b, loc, thread, index(kWarpSize)); // in the block
  if (gemm.weightsPastL1)
    readWordsPastL1(words);
  LoopOperands direct{x, words, scales, offsets, stages, warp, lane, mTile};
  if (gemm.streamK) {
    emitStreamLoop(direct, y);
    mlir::gpu::ReturnOp::create(b, loc);
    return;
  }
  PreshuffledWeights shape = gemm.layout();
  // Warp w of block b takes N group b * warps + w; a group past the last
  // one reads the last one's weights and stores nothing.
  Value nGroup = add(
      mul(fromIndex(mlir::gpu::BlockIdOp::create(b, loc, mlir::gpu::Dimension::x)), warps), warp);
  Value loadGroup = clamp(nGroup, shape.nGroups());
  SmallVector<Value> zeros = zeroAccumulators();
  // Without staging, each block's share starts on a whole iteration of
  // the prefetch loop (a K quad, and a scale group when sharesScales).
  auto [kBegin, kEnd] =
      splitRange(shape.kTiles(), gemm.splitK, gemm.stageA ? 1 : gemm.prefetchTiles);
  SmallVector<Value> sums;
  if (gemm.stageA) {
    StagedOperands staged{x,      words, scales, offsets, func.getWorkgroupAttributions().front(),
                          thread, lane,  mTile,  nGroup,  loadGroup,
                          kBegin, kEnd};
    sums =
        gemm.conv || gemm.floatK ? emitGatheredLoop(staged, zeros) : emitStagedLoop(staged, zeros);
  } else {
    sums = emitPrefetchLoop(direct, nGroup, loadGroup, kBegin, kEnd);
  }
  // Each lane stores its four elements of each N tile (rows past M and
  // columns past N stay unwritten).
  storeGroup(y, sums, mTile, nGroup, lane, splitWrite(gemm.splitK, gemm.splitPartials));
  mlir::gpu::ReturnOp::create(b, loc);
}

SmallVector<Value> GemmEmitter::zeroAccumulators() {
  auto type = VectorType::get({2, 2}, f32);
  return SmallVector<Value>(gemm.layout().nTilesPerWord(),
                            arith::ConstantOp::create(b, loc, type, b.getZeroAttr(type)));
}

void GemmEmitter::storeGroup(Value y, ValueRange sums, Value mTile, Value group, Value lane,
                             YWrite write) {
  int tiles = gemm.layout().nTilesPerWord();
  for (int t = 0; t < tiles; ++t)
    storeTile(
        y, sums[t], mTile, mul(add(mul(group, tiles), index(t)), kMmaN), lane, gemm.m, gemm.n,
        write, [](Value, Value element) { return element; }, gemm.channelsFirstOutput);
}

OwningOpRef<ModuleOp> buildWeightOnlyGemm(MLIRContext &context, const WeightOnlyGemm &gemm,
                                          llvm::StringRef name) {
  OpBuilder b(&context);
  PreshuffledWeights shape = gemm.layout();
  int64_t groups = gemm.scaleGroups();
  // cp.async copies halves; the direct loads read pairs of them as i32.
  int64_t xHalves = gemm.conv ? gemm.conv->inputSize(gemm.m) : gemm.m * gemm.k;
  Type xElement = gemm.conv && gemm.conv->floatInput ? b.getF32Type() : b.getF16Type();
  SmallVector<Type> arguments{gemm.floatK ? MemRefType::get({gemm.m * gemm.floatK}, b.getF32Type())
                              : gemm.stageA || gemm.conv
                                  ? MemRefType::get({xHalves}, xElement)
                                  : MemRefType::get({gemm.m * gemm.k / 2}, b.getI32Type()),
                              MemRefType::get({shape.wordCount()}, b.getI32Type()),
                              MemRefType::get({gemm.n * groups}, b.getF16Type())};
  if (gemm.asymmetric)
    arguments.push_back(MemRefType::get({gemm.n * groups}, b.getF16Type()));
  arguments.push_back(MemRefType::get({gemm.ySlices() * gemm.m * gemm.n}, b.getF32Type()));
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
        MemRefType::get(
            {2, kMmaM, kMmaK}, b.getF16Type(), MemRefLayoutAttrInterface(),
            mlir::gpu::AddressSpaceAttr::get(&context, mlir::gpu::AddressSpace::Workgroup)),
        b.getUnknownLoc());
    // ldmatrix reads 16-byte rows; the element type alone would give 2.
    func.setWorkgroupAttributionAttr(0, LLVM::LLVMDialect::getAlignAttrName(),
                                     b.getI64IntegerAttr(16));
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
