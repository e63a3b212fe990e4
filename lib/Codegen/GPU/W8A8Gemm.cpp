// The W8A8 GEMM kernel: one warp per (16-row M tile, 8-column N tile) walks
// K 32 rows at a time with int8 mma.sync m16n8k32 (s32 accumulators), then
// scales each column once (or, exact, stores the s32 sums). GPUFragments.h's tiledGemmInt8 models it.
#include "KernelModule.h"
#include "quantc/Codegen/GPUFragments.h"
#include "quantc/Codegen/GPUKernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

namespace quantc::codegen::gpu {

using namespace mlir;

std::string checkW8A8Gemm(const W8A8Gemm &gemm) {
  if (gemm.m <= 0 || gemm.n <= 0 || gemm.k <= 0)
    return "M, N and K must be positive";
  if (gemm.k % kMmaKInt8)
    return "the W8A8 kernel needs K a multiple of 32";
  if (std::string why = checkTilesPerWarp(gemm.nTilesPerWarp, "W8A8"); !why.empty())
    return why;
  if (gemm.splitK < 1 || gemm.splitK > gemm.k / kMmaKInt8)
    return "split-K must be between 1 and the number of 32-row K tiles";
  if (gemm.conv && gemm.conv->floatInput)
    return "the W8A8 kernel reads int8 codes, not f32";
  if (gemm.codeColumns && (gemm.conv || gemm.codeColumns > gemm.k))
    return "rows of fewer codes than K are read without a gather";
  if (gemm.conv)
    return checkImplicitConv(*gemm.conv, gemm.m, gemm.k);
  return "";
}

OwningOpRef<ModuleOp> buildW8A8Gemm(MLIRContext &context, const W8A8Gemm &gemm,
                                    llvm::StringRef name) {
  OpBuilder b(&context);
  Location loc = b.getUnknownLoc();
  PreshuffledInt8 shape;
  shape.n = gemm.n;
  shape.k = gemm.k;
  Type i32 = b.getI32Type(), f32 = b.getF32Type();
  mlir::gpu::GPUFuncOp func;
  int64_t rowLength = gemm.codeColumns ? gemm.codeColumns : gemm.k; // x's, in codes
  // Rows of whole words are read a word at a time, others a code at a time.
  bool byteRows = gemm.conv || rowLength % 4;
  SmallVector<Type> arguments{
      gemm.conv  ? MemRefType::get({gemm.conv->inputSize(gemm.m)}, b.getI8Type())
      : byteRows ? MemRefType::get({gemm.m * rowLength}, b.getI8Type())
                 : MemRefType::get({gemm.m * rowLength / 4}, i32),
      MemRefType::get({shape.nTiles() * shape.kTiles() * kWarpSize * 2}, i32)};
  if (!gemm.exact)
    arguments.push_back(MemRefType::get({gemm.n}, f32));
  arguments.push_back(MemRefType::get({gemm.m * gemm.n}, gemm.exact ? i32 : f32));
  OwningOpRef<ModuleOp> module = kernelModule(b, name, arguments, func);
  b.setInsertionPointToStart(&func.getBody().front());
  Value x = func.getArgument(0), words = func.getArgument(1),
        scales = gemm.exact ? Value() : func.getArgument(2), y = func.getArguments().back();
  KernelBuilder k(b, loc);
  auto add = [&](Value l, Value r) { return k.add(l, r); };
  auto mul = [&](Value l, int64_t r) { return k.mul(l, r); };
  auto index = [&](int64_t v) { return k.index(v); };
  auto quad = [&](Value word) -> Value {
    return LLVM::BitcastOp::create(b, loc, VectorType::get({4}, b.getI8Type()), word);
  };

  Value lane = mlir::gpu::ThreadIdOp::create(b, loc, mlir::gpu::Dimension::x);
  int64_t tiles = gemm.nTilesPerWarp;
  Value firstTile = mul(mlir::gpu::BlockIdOp::create(b, loc, mlir::gpu::Dimension::x), tiles);
  Value mTile = mlir::gpu::BlockIdOp::create(b, loc, mlir::gpu::Dimension::y);
  Value group = arith::ShRUIOp::create(b, loc, lane, index(2));
  Value thread = arith::AndIOp::create(b, loc, lane, index(3));
  auto [kBegin, kEnd] = k.splitRange(shape.kTiles(), gemm.splitK);
  auto accumulatorType = VectorType::get({2, 2}, i32);
  Value zero = arith::ConstantOp::create(b, loc, accumulatorType, b.getZeroAttr(accumulatorType));
  auto loop =
      scf::ForOp::create(b, loc, kBegin, kEnd, index(1), SmallVector<Value>(size_t(tiles), zero));
  b.setInsertionPointToStart(loop.getBody());
  Value kTile = loop.getInductionVar();

  // A register r: x[row, col..col+3] for the lane (0 past M, and past
  // codeColumns: col is a multiple of 4, so with rows of whole words a
  // word is all in or all out).
  auto aType = VectorType::get({4, 4}, b.getI8Type());
  Value a = arith::ConstantOp::create(b, loc, aType, b.getZeroAttr(aType));
  for (int r = 0; r < 4; ++r) {
    Element first = mmaInt8AElement(0, 4 * r);
    Value row = add(add(mul(mTile, kMmaM), group), index(first.row));
    Value col = add(add(mul(kTile, kMmaKInt8), mul(thread, 4)), index(first.col));
    if (gemm.conv) { // four bytes gathered from the convolution's input
      a = vector::InsertOp::create(b, loc, k.implicitRun(*gemm.conv, x, row, gemm.m, col, 4), a, r);
      continue;
    }
    if (byteRows) { // four codes, each zero past the row
      a = vector::InsertOp::create(b, loc, k.rowRun(x, row, gemm.m, rowLength, col, 4), a, r);
      continue;
    }
    Value inside = k.less(row, gemm.m);
    if (gemm.codeColumns) {
      inside = arith::AndIOp::create(b, loc, inside, k.less(col, gemm.codeColumns));
      col = k.clamp(col, gemm.codeColumns);
    }
    Value at =
        arith::DivUIOp::create(b, loc, add(mul(k.clamp(row, gemm.m), rowLength), col), index(4));
    Value loaded = memref::LoadOp::create(b, loc, x, ValueRange{at});
    Value word = arith::SelectOp::create(b, loc, inside, loaded,
                                         arith::ConstantIntOp::create(b, loc, i32, 0));
    a = vector::InsertOp::create(b, loc, quad(word), a, r);
  }
  // Each of the warp's N tiles: the lane's two B words in one 64-bit load
  // (8-byte aligned by the layout; a tile past N reads the last one's, and
  // stores nothing), multiplied with the one A fragment.
  auto bType = VectorType::get({2, 4}, b.getI8Type());
  SmallVector<Value> sums;
  for (int64_t t = 0; t < tiles; ++t) {
    Value nTile = k.clamp(add(firstTile, index(t)), shape.nTiles());
    Value bFragment = arith::ConstantOp::create(b, loc, bType, b.getZeroAttr(bType));
    Value first = mul(add(mul(add(mul(nTile, shape.kTiles()), kTile), kWarpSize), lane), 2);
    Value pair = vector::LoadOp::create(b, loc, VectorType::get({2}, i32), words, ValueRange{first},
                                        /*nontemporal=*/false, llvm::Align(8));
    for (int reg = 0; reg < 2; ++reg) {
      Value word = vector::ExtractOp::create(b, loc, pair, ArrayRef<int64_t>{reg});
      bFragment = vector::InsertOp::create(b, loc, quad(word), bFragment, reg);
    }
    sums.push_back(nvgpu::MmaSyncOp::create(b, loc, a, bFragment, loop.getRegionIterArgs()[t],
                                            ArrayRef<int64_t>{kMmaM, kMmaN, kMmaKInt8}));
  }
  scf::YieldOp::create(b, loc, sums);

  b.setInsertionPointAfter(loop);
  for (int64_t t = 0; t < tiles; ++t)
    k.storeTile(
        y, loop.getResult(t), mTile, mul(add(firstTile, index(t)), kMmaN), lane, gemm.m, gemm.n,
        KernelBuilder::splitWrite(gemm.splitK, /*partials=*/false), // s32 sums: any order
        [&](Value column, Value sum) -> Value {
          if (gemm.exact)
            return sum;
          Value scale = memref::LoadOp::create(b, loc, scales, ValueRange{column});
          return arith::MulFOp::create(b, loc, arith::SIToFPOp::create(b, loc, f32, sum), scale);
        },
        gemm.channelsFirstOutput);
  mlir::gpu::ReturnOp::create(b, loc);
  return module;
}

} // namespace quantc::codegen::gpu
