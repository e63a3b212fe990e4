// The fp16 GEMM baseline: the weight-only kernels' structure with f16
// weights read as they are (no preshuffle, no dequantization).
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

std::string checkHalfGemm(const HalfGemm &gemm) {
  if (gemm.m <= 0 || gemm.n <= 0 || gemm.k <= 0)
    return "M, N and K must be positive";
  if (gemm.k % kMmaK)
    return "the fp16 GEMM needs K a multiple of 16";
  if (gemm.splitK < 1 || gemm.splitK > gemm.k / kMmaK)
    return "split-K must be between 1 and the number of 16-row K tiles";
  if (std::string why = checkTilesPerWarp(gemm.nTilesPerWarp, "fp16"); !why.empty())
    return why;
  if (gemm.splitPartials && gemm.splitK == 1)
    return "split-K's partial sums need split-K";
  if (gemm.floatK && (gemm.conv || gemm.floatK > gemm.k))
    return "an f32 x of up to K is read by the fp16 GEMM without a gather";
  if (gemm.conv)
    return checkImplicitConv(*gemm.conv, gemm.m, gemm.k);
  return "";
}

OwningOpRef<ModuleOp> buildHalfGemm(MLIRContext &context, const HalfGemm &gemm,
                                    llvm::StringRef name) {
  OpBuilder b(&context);
  Location loc = b.getUnknownLoc();
  Type i32 = b.getI32Type(), f16 = b.getF16Type(), f32 = b.getF32Type();
  mlir::gpu::GPUFuncOp func;
  OwningOpRef<ModuleOp> module =
      kernelModule(b, name,
                   {gemm.conv         ? MemRefType::get({gemm.conv->inputSize(gemm.m)},
                                                gemm.conv->floatInput ? f32 : f16)
                    : gemm.floatK     ? MemRefType::get({gemm.floatK * gemm.m}, f32)
                    : gemm.transposed ? MemRefType::get({gemm.k * gemm.m}, f16)
                                      : MemRefType::get({gemm.m * gemm.k / 2}, i32),
                    MemRefType::get({gemm.n * gemm.k / 2}, i32),
                    MemRefType::get({gemm.ySlices() * gemm.m * gemm.n}, f32)},
                   func);
  b.setInsertionPointToStart(&func.getBody().front());
  Value x = func.getArgument(0), w = func.getArgument(1), y = func.getArgument(2);
  KernelBuilder k(b, loc);
  auto add = [&](Value l, Value r) { return k.add(l, r); };
  auto mul = [&](Value l, int64_t r) { return k.mul(l, r); };
  auto index = [&](int64_t v) { return k.index(v); };
  // The pair of halves at [row, col] of a rows x K matrix (0 past `rows`).
  auto pairAt = [&](Value matrix, Value row, int64_t rows, Value col) -> Value {
    Value at = arith::DivUIOp::create(b, loc, add(mul(k.clamp(row, rows), gemm.k), col), index(2));
    Value loaded = memref::LoadOp::create(b, loc, matrix, ValueRange{at});
    Value word = arith::SelectOp::create(b, loc, k.less(row, rows), loaded,
                                         arith::ConstantIntOp::create(b, loc, i32, 0));
    return LLVM::BitcastOp::create(b, loc, VectorType::get({2}, f16), word);
  };

  Value lane = mlir::gpu::ThreadIdOp::create(b, loc, mlir::gpu::Dimension::x);
  int64_t tiles = gemm.nTilesPerWarp;
  Value firstTile = mul(mlir::gpu::BlockIdOp::create(b, loc, mlir::gpu::Dimension::x), tiles);
  Value mTile = mlir::gpu::BlockIdOp::create(b, loc, mlir::gpu::Dimension::y);
  Value group = arith::ShRUIOp::create(b, loc, lane, index(2));
  Value thread = arith::AndIOp::create(b, loc, lane, index(3));
  auto [kBegin, kEnd] = k.splitRange(gemm.k / kMmaK, gemm.splitK);
  auto accumulatorType = VectorType::get({2, 2}, f32);
  Value zero = arith::ConstantOp::create(b, loc, accumulatorType, b.getZeroAttr(accumulatorType));
  auto loop =
      scf::ForOp::create(b, loc, kBegin, kEnd, index(1), SmallVector<Value>(size_t(tiles), zero));
  b.setInsertionPointToStart(loop.getBody());
  Value kTile = loop.getInductionVar();
  Value column0 = add(mul(kTile, kMmaK), mul(thread, 2)); // the lane's first K column

  auto aType = VectorType::get({4, 2}, f16);
  Value a = arith::ConstantOp::create(b, loc, aType, b.getZeroAttr(aType));
  for (int r = 0; r < 4; ++r) {
    Element first = mmaAElement(0, 2 * r);
    Value row = add(add(mul(mTile, kMmaM), group), index(first.row));
    Value col = add(column0, index(first.col));
    Value pair;
    if (gemm.conv) { // the two halves gathered from the convolution's input
      pair = k.implicitRun(*gemm.conv, x, row, gemm.m, col, 2);
    } else if (gemm.transposed || gemm.floatK) {
      // Element by element: x[col + e][row] (transposed) or x[row][col + e]
      // of an f32 x, staged here and zero past its floatK columns.
      Value valid = k.less(row, gemm.m), clamped = k.clamp(row, gemm.m);
      Value zero = arith::ConstantOp::create(b, loc, b.getF16FloatAttr(0.0));
      SmallVector<Value> halves;
      for (int e = 0; e < 2; ++e) {
        Value xColumn = add(col, index(e)), inside = valid;
        if (gemm.floatK) {
          inside = arith::AndIOp::create(b, loc, valid, k.less(xColumn, gemm.floatK));
          xColumn = k.clamp(xColumn, gemm.floatK);
        }
        Value at = gemm.transposed ? add(mul(xColumn, gemm.m), clamped)
                                   : add(mul(clamped, gemm.floatK), xColumn);
        Value loaded = memref::LoadOp::create(b, loc, x, ValueRange{at});
        if (gemm.floatK)
          loaded = k.stagedHalf(loaded);
        halves.push_back(arith::SelectOp::create(b, loc, inside, loaded, zero));
      }
      pair = vector::FromElementsOp::create(b, loc, VectorType::get({2}, f16), halves);
    } else {
      pair = pairAt(x, row, gemm.m, col);
    }
    a = vector::InsertOp::create(b, loc, pair, a, r);
  }
  // The warp's N tiles, each multiplied with the one A fragment.
  auto bType = VectorType::get({2, 2}, f16);
  SmallVector<Value> sums;
  for (int64_t t = 0; t < tiles; ++t) {
    Value bFragment = arith::ConstantOp::create(b, loc, bType, b.getZeroAttr(bType));
    Value n = add(mul(add(firstTile, index(t)), kMmaN), group);
    for (int pair = 0; pair < 2; ++pair) {
      Element first = mmaBElement(0, 2 * pair);
      bFragment = vector::InsertOp::create(
          b, loc, pairAt(w, n, gemm.n, add(column0, index(first.row))), bFragment, pair);
    }
    sums.push_back(nvgpu::MmaSyncOp::create(b, loc, a, bFragment, loop.getRegionIterArgs()[t],
                                            ArrayRef<int64_t>{kMmaM, kMmaN, kMmaK}));
  }
  scf::YieldOp::create(b, loc, sums);

  b.setInsertionPointAfter(loop);
  for (int64_t t = 0; t < tiles; ++t)
    k.storeTile(
        y, loop.getResult(t), mTile, mul(add(firstTile, index(t)), kMmaN), lane, gemm.m, gemm.n,
        KernelBuilder::splitWrite(gemm.splitK, gemm.splitPartials),
        [](Value, Value element) { return element; }, gemm.transposed);
  mlir::gpu::ReturnOp::create(b, loc);
  return module;
}

} // namespace quantc::codegen::gpu
