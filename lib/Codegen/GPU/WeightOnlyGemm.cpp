// The weight-only GEMM kernel: one warp per (16-row M tile, group of N tiles)
// walks K 16 rows at a time. Each step loads the lane's A fragment straight
// from x, one preshuffled word of weights, turns each register of the word
// into two halves with lop3 (1024 + u), subtracts the offset and multiplies
// by the scale in f16x2, and issues one mma.sync per N tile. GPUFragments.h
// models it element for element.
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
  return "";
}

namespace {

/// Emits the kernel body; all sizes are compile-time constants.
class GemmEmitter : public KernelBuilder {
public:
  GemmEmitter(OpBuilder &b, Location loc, const WeightOnlyGemm &gemm)
      : KernelBuilder(b, loc), gemm(gemm), f16(b.getF16Type()), f32(b.getF32Type()),
        i32(b.getI32Type()) {}

  Value i32Constant(uint32_t v) {
    return arith::ConstantIntOp::create(b, loc, i32, int64_t(int32_t(v)));
  }
  Value halves(Value word) { return LLVM::BitcastOp::create(b, loc, VectorType::get({2}, f16), word); }

  /// A's register r (halves 2r, 2r+1) for the lane: x[row, col..col+1].
  Value aRegister(Value x, Value mTile, Value kTile, Value lane, int r) {
    Element first = mmaAElement(0, 2 * r); // the lane-independent part
    Value group = arith::ShRUIOp::create(b, loc, lane, index(2));
    Value thread = arith::AndIOp::create(b, loc, lane, index(3));
    Value row = add(add(mul(mTile, kMmaM), group), index(first.row));
    Value col = add(add(mul(kTile, kMmaK), mul(thread, 2)), index(first.col));
    Value inside = arith::AndIOp::create(b, loc, less(row, gemm.m), less(col, gemm.k));
    Value pair = arith::DivUIOp::create(
        b, loc, add(mul(clamp(row, gemm.m), gemm.k), clamp(col, gemm.k)), index(2));
    Value loaded = memref::LoadOp::create(b, loc, x, ValueRange{pair});
    return halves(arith::SelectOp::create(b, loc, inside, loaded, i32Constant(0)));
  }

  /// Register j of `word` as two halves 1024 + u (lop3: (w & mask) | magic).
  Value lop3(Value word, int j) {
    uint32_t mask = (1u << gemm.bits) - 1;
    if (j)
      word = arith::ShRUIOp::create(b, loc, word, i32Constant(gemm.bits * unsigned(j)));
    auto op = NVVM::InlinePtxOp::create(
        b, loc, TypeRange{i32}, ValueRange{word, i32Constant(mask | (mask << 16)), i32Constant(0x64006400u)},
        ValueRange{}, "lop3.b32 $0, $1, $2, $3, 0xEA;", Value());
    return halves(op->getResult(0));
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
        ValueRange{stage, row, col}, x, ValueRange{source}, b.getIndexAttr(piece), count,
        UnitAttr());
    return nvgpu::DeviceAsyncCreateGroupOp::create(
        b, loc, nvgpu::DeviceAsyncTokenType::get(b.getContext()), ValueRange{copy});
  }

  Value vector2(Value scalar) {
    return vector::BroadcastOp::create(b, loc, VectorType::get({2}, f16), scalar);
  }

  void emit(mlir::gpu::GPUFuncOp func) {
    b.setInsertionPointToStart(&func.getBody().front());
    Value x = func.getArgument(0), words = func.getArgument(1), scales = func.getArgument(2);
    Value offsets = gemm.asymmetric ? func.getArgument(3) : Value();
    Value y = func.getArgument(func.getFunctionType().getNumInputs() - 1); // not the attributions
    int64_t warps = gemm.warpsPerBlock;
    Value thread = mlir::gpu::ThreadIdOp::create(b, loc, mlir::gpu::Dimension::x);
    Value lane = arith::RemUIOp::create(b, loc, thread, index(kWarpSize));
    Value mTile = mlir::gpu::BlockIdOp::create(b, loc, mlir::gpu::Dimension::y);
    Value group = arith::ShRUIOp::create(b, loc, lane, index(2)); // the lane's row (A, C) or column (B)
    PreshuffledWeights shape = gemm.layout();
    int tiles = shape.nTilesPerWord();
    // Warp w of block b takes N group b * warps + w; a group past the last
    // one reads the last one's weights and stores nothing.
    Value nGroup = add(mul(mlir::gpu::BlockIdOp::create(b, loc, mlir::gpu::Dimension::x), warps),
                       arith::DivUIOp::create(b, loc, thread, index(kWarpSize)));
    Value loadGroup = clamp(nGroup, shape.nGroups());
    int64_t groups = gemm.scaleGroups();
    auto accumulatorType = VectorType::get({2, 2}, f32);
    SmallVector<Value> zeros(tiles, arith::ConstantOp::create(b, loc, accumulatorType,
                                                              b.getZeroAttr(accumulatorType)));
    auto [kBegin, kEnd] = splitRange(shape.kTiles(), gemm.splitK);
    Value stages = gemm.stageA ? Value(func.getWorkgroupAttributions().front()) : Value();
    SmallVector<Value> carried(zeros);
    if (stages) // the first K tile's A in flight before the loop
      carried.push_back(stageA(x, stages, thread, mTile, kBegin, index(0), less(kBegin, shape.kTiles())));
    auto loop = scf::ForOp::create(b, loc, kBegin, kEnd, index(1), carried);
    b.setInsertionPointToStart(loop.getBody());
    Value kTile = loop.getInductionVar();

    Value a;
    Value token;
    if (stages) {
      // Two stages: copy tile k+1 while tile k is read; wait until only the
      // newest copy is in flight, then every warp reads tile k with ldmatrix.
      Value stage = arith::AndIOp::create(b, loc, arith::SubIOp::create(b, loc, kTile, kBegin), index(1));
      Value next = add(kTile, index(1));
      token = stageA(x, stages, thread, mTile, clamp(next, shape.kTiles()),
                     arith::XOrIOp::create(b, loc, stage, index(1)),
                     arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, next, kEnd));
      nvgpu::DeviceAsyncWaitOp::create(b, loc, token, b.getI32IntegerAttr(1));
      mlir::gpu::BarrierOp::create(b, loc);
      Value row = arith::RemUIOp::create(b, loc, lane, index(kMmaM));
      Value col = mul(arith::DivUIOp::create(b, loc, lane, index(kMmaM)), 8);
      a = nvgpu::LdMatrixOp::create(b, loc, VectorType::get({4, 2}, f16), stages,
                                    ValueRange{stage, row, col}, b.getBoolAttr(false),
                                    b.getI32IntegerAttr(4));
    } else {
      auto aType = VectorType::get({4, 2}, f16);
      a = arith::ConstantOp::create(b, loc, aType, b.getZeroAttr(aType));
      for (int r = 0; r < 4; ++r)
        a = vector::InsertOp::create(b, loc, aRegister(x, mTile, kTile, lane, r), a, r);
    }
    Value wordIndex = add(mul(add(mul(loadGroup, shape.kTiles()), kTile), kWarpSize), lane);
    Value word = memref::LoadOp::create(b, loc, words, ValueRange{wordIndex});

    SmallVector<Value> results;
    for (int t = 0; t < tiles; ++t) {
      // The lane's column of this N tile, and its scale (0 past N).
      Value column = add(mul(add(mul(nGroup, tiles), index(t)), kMmaN), group);
      Value cell = mul(clamp(column, gemm.n), groups);
      if (gemm.group)
        cell = add(cell, arith::DivUIOp::create(b, loc, mul(kTile, kMmaK), index(gemm.group)));
      Value scale = arith::SelectOp::create(
          b, loc, less(column, gemm.n), memref::LoadOp::create(b, loc, scales, ValueRange{cell}),
          arith::ConstantOp::create(b, loc, b.getF16FloatAttr(0.0)));
      Value offset = offsets ? memref::LoadOp::create(b, loc, offsets, ValueRange{cell}).getResult()
                             : arith::ConstantOp::create(
                                   b, loc, b.getF16FloatAttr(1024.0 + double(1u << (gemm.bits - 1))))
                                   .getResult();
      auto bType = VectorType::get({2, 2}, f16);
      Value bFragment = arith::ConstantOp::create(b, loc, bType, b.getZeroAttr(bType));
      for (int pair = 0; pair < 2; ++pair) {
        Value centered = arith::SubFOp::create(b, loc, lop3(word, 2 * t + pair), vector2(offset));
        Value scaled = arith::MulFOp::create(b, loc, centered, vector2(scale));
        bFragment = vector::InsertOp::create(b, loc, scaled, bFragment, pair);
      }
      results.push_back(nvgpu::MmaSyncOp::create(b, loc, a, bFragment, loop.getRegionIterArgs()[t],
                                                 ArrayRef<int64_t>{kMmaM, kMmaN, kMmaK}));
    }
    if (stages) {
      mlir::gpu::BarrierOp::create(b, loc); // tile k is read before its stage is refilled
      results.push_back(token);
    }
    scf::YieldOp::create(b, loc, results);

    // Each lane stores its four elements of each N tile (rows past M and
    // columns past N stay unwritten).
    b.setInsertionPointAfter(loop);
    if (stages) // no copy outlives the kernel
      nvgpu::DeviceAsyncWaitOp::create(b, loc, loop.getResults().back(), b.getI32IntegerAttr(0));
    for (int t = 0; t < tiles; ++t)
      storeTile(y, loop.getResult(t), mTile, mul(add(mul(nGroup, tiles), index(t)), kMmaN), lane,
                gemm.m, gemm.n, gemm.splitK > 1, [](Value, Value element) { return element; });
    mlir::gpu::ReturnOp::create(b, loc);
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
  SmallVector<Type> arguments{
      gemm.stageA ? MemRefType::get({gemm.m * gemm.k}, b.getF16Type())
                  : MemRefType::get({gemm.m * gemm.k / 2}, b.getI32Type()),
      MemRefType::get({shape.nGroups() * shape.kTiles() * kWarpSize}, b.getI32Type()),
      MemRefType::get({gemm.n * groups}, b.getF16Type())};
  if (gemm.asymmetric)
    arguments.push_back(MemRefType::get({gemm.n * groups}, b.getF16Type()));
  arguments.push_back(MemRefType::get({gemm.m * gemm.n}, b.getF32Type()));
  mlir::gpu::GPUFuncOp func;
  OwningOpRef<ModuleOp> module = kernelModule(b, name, arguments, func);
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
