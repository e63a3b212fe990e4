#include "KernelModule.h"
#include "quantc/Codegen/GPUFragments.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

namespace quantc::codegen::gpu {

std::string checkIndexRange(int64_t m, int64_t n, int64_t k, int64_t ySlices) {
  constexpr int64_t limit = int64_t(1) << 31;
  if (m * k >= limit || n * k >= limit || m * n * ySlices >= limit)
    return "the GPU kernels index with 32 bits: A, B and y must each hold under 2^31 elements";
  return "";
}

std::string checkTilesPerWarp(int64_t tiles, llvm::StringRef gemm) {
  if (tiles >= 1 && tiles <= 8 && !(tiles & (tiles - 1)))
    return "";
  return "the " + gemm.str() + " GEMM's N tiles a warp must be 1, 2, 4 or 8";
}

using namespace mlir;

OwningOpRef<ModuleOp> kernelModule(OpBuilder &b, llvm::StringRef name, TypeRange arguments,
                                   mlir::gpu::GPUFuncOp &func) {
  MLIRContext *context = b.getContext();
  context->loadDialect<arith::ArithDialect, mlir::gpu::GPUDialect, LLVM::LLVMDialect,
                       NVVM::NVVMDialect, memref::MemRefDialect, nvgpu::NVGPUDialect,
                       scf::SCFDialect, vector::VectorDialect>();
  Location loc = b.getUnknownLoc();
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  module.get()->setAttr(mlir::gpu::GPUDialect::getContainerModuleAttrName(), b.getUnitAttr());
  b.setInsertionPointToStart(module->getBody());
  auto kernels = mlir::gpu::GPUModuleOp::create(b, loc, "kernels");
  b.setInsertionPointToStart(kernels.getBody());
  func = mlir::gpu::GPUFuncOp::create(b, loc, name, b.getFunctionType(arguments, {}));
  func->setAttr(mlir::gpu::GPUDialect::getKernelFuncAttrName(), b.getUnitAttr());
  return module;
}

Value KernelBuilder::index(int64_t v) {
  if (isa<IndexType>(indexType))
    return arith::ConstantIndexOp::create(b, loc, v);
  return arith::ConstantIntOp::create(b, loc, indexType, v);
}
Value KernelBuilder::fromIndex(Value v) {
  if (v.getType() == indexType)
    return v;
  return arith::IndexCastUIOp::create(b, loc, indexType, v);
}
Value KernelBuilder::toIndex(Value v) {
  if (isa<IndexType>(v.getType()))
    return v;
  return arith::IndexCastUIOp::create(b, loc, b.getIndexType(), v);
}
Value KernelBuilder::add(Value l, Value r) { return arith::AddIOp::create(b, loc, l, r); }
Value KernelBuilder::mul(Value l, int64_t r) { return arith::MulIOp::create(b, loc, l, index(r)); }
Value KernelBuilder::less(Value l, int64_t bound) {
  return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, l, index(bound));
}
Value KernelBuilder::clamp(Value v, int64_t bound) {
  return arith::MinUIOp::create(b, loc, v, index(bound - 1));
}

Value KernelBuilder::stagedHalf(Value value) {
  Type f32 = b.getF32Type(), f16 = b.getF16Type();
  auto constant = [&](float v) {
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(f32, v));
  };
  Value high = constant(65504.f), low = constant(-65504.f);
  // NaN compares false: it passes both clamps.
  value = arith::SelectOp::create(
      b, loc, arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, value, high), high, value);
  value = arith::SelectOp::create(
      b, loc, arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, value, low), low, value);
  Value nan = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, value, value);
  Value half = arith::TruncFOp::create(b, loc, f16, value);
  Value quiet = arith::ConstantOp::create(
      b, loc, b.getFloatAttr(f16, APFloat(APFloat::IEEEhalf(), APInt(16, 0x7e00))));
  return arith::SelectOp::create(b, loc, nan, quiet, half);
}

Value KernelBuilder::rowRun(Value x, Value row, int64_t rows, int64_t rowLength, Value col,
                            int64_t count, Value valid) {
  bool floats = cast<MemRefType>(x.getType()).getElementType().isF32();
  Type element = floats ? Type(b.getF16Type()) : Type(b.getI8Type());
  Value rowInside = less(row, rows);
  if (valid)
    rowInside = arith::AndIOp::create(b, loc, valid, rowInside);
  Value rowStart = mul(clamp(row, rows), rowLength);
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(element));
  SmallVector<Value> run;
  for (int64_t e = 0; e < count; ++e) {
    Value column = add(col, index(e));
    Value inside = arith::AndIOp::create(b, loc, rowInside, less(column, rowLength));
    Value loaded = memref::LoadOp::create(
        b, loc, x, ValueRange{toIndex(add(rowStart, clamp(column, rowLength)))});
    run.push_back(
        arith::SelectOp::create(b, loc, inside, floats ? stagedHalf(loaded) : loaded, zero));
  }
  return vector::FromElementsOp::create(b, loc, VectorType::get({count}, element), run);
}

Value KernelBuilder::implicitRun(const ImplicitConv &conv, Value x, Value row, int64_t m,
                                 Value firstK, int64_t count, Value valid) {
  // Where output pixel `row` (clamped below m) starts in x.
  Value pixelOf = clamp(row, m);
  Value image = arith::DivUIOp::create(b, loc, pixelOf, index(conv.pixels()));
  Value pixel = arith::RemUIOp::create(b, loc, pixelOf, index(conv.pixels()));
  Value oh = arith::DivUIOp::create(b, loc, pixel, index(conv.outWidth()));
  Value ow = arith::RemUIOp::create(b, loc, pixel, index(conv.outWidth()));
  // Its window's corner in the padded input (unpadded: in x itself).
  Value top = mul(oh, conv.strideH), left = mul(ow, conv.strideW);
  Value rowStart = mul(image, conv.imageSize());
  if (!conv.padded())
    rowStart = add(rowStart, add(mul(top, conv.width), left));
  Value rowValid = less(row, m);
  if (valid)
    rowValid = arith::AndIOp::create(b, loc, rowValid, valid);
  Type element = cast<MemRefType>(x.getType()).getElementType();
  // An f32 x is staged to f16 as each tap is loaded.
  bool staging = element.isF32();
  auto loadTap = [&](Value source) {
    Value loaded = memref::LoadOp::create(b, loc, x, ValueRange{toIndex(source)});
    return staging ? stagedHalf(loaded) : loaded;
  };
  if (staging)
    element = b.getF16Type();
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(element));
  Value padding; // the padding's element: padValue's bits
  if (conv.padded()) {
    unsigned bits = element.getIntOrFloatBitWidth();
    padding = arith::ConstantOp::create(
        b, loc, b.getIntegerAttr(b.getIntegerType(bits), llvm::SignExtend64(conv.padValue, bits)));
    if (element.isF16())
      padding = arith::BitcastOp::create(b, loc, element, padding);
  }
  int64_t window = conv.kernelH * conv.kernelW;
  SmallVector<Value> elements;
  for (int64_t e = 0; e < count; ++e) {
    Value k = add(firstK, index(e));
    Value inside = arith::AndIOp::create(b, loc, rowValid, less(k, conv.taps()));
    Value tap = clamp(k, conv.taps());
    Value channel = arith::DivUIOp::create(b, loc, tap, index(window));
    Value within = arith::RemUIOp::create(b, loc, tap, index(window));
    Value i = arith::DivUIOp::create(b, loc, within, index(conv.kernelW));
    Value j = arith::RemUIOp::create(b, loc, within, index(conv.kernelW));
    Value source = add(rowStart, mul(channel, conv.height * conv.width));
    if (!conv.padded()) {
      source = add(source, add(mul(i, conv.dilationH * conv.width), mul(j, conv.dilationW)));
      Value loaded = loadTap(source);
      elements.push_back(arith::SelectOp::create(b, loc, inside, loaded, zero));
      continue;
    }
    // The tap's row and column in x: below zero wraps around, so one
    // unsigned comparison with x's size finds the padding on either side.
    Value r = add(top, mul(i, conv.dilationH)), c = add(left, mul(j, conv.dilationW));
    r = arith::SubIOp::create(b, loc, r, index(conv.padTop));
    c = arith::SubIOp::create(b, loc, c, index(conv.padLeft));
    Value inImage = arith::AndIOp::create(b, loc, less(r, conv.height), less(c, conv.width));
    source = add(source, add(mul(r, conv.width), c));
    source = arith::SelectOp::create(b, loc, inImage, source, index(0)); // a load in bounds
    Value loaded = loadTap(source);
    Value tapValue = arith::SelectOp::create(b, loc, inImage, loaded, padding);
    elements.push_back(arith::SelectOp::create(b, loc, inside, tapValue, zero));
  }
  return vector::FromElementsOp::create(b, loc, VectorType::get({count}, element), elements);
}

std::string checkImplicitConv(const ImplicitConv &conv, int64_t m, int64_t k) {
  if (conv.channels <= 0 || conv.kernelH <= 0 || conv.kernelW <= 0 || conv.strideH <= 0 ||
      conv.strideW <= 0 || conv.dilationH <= 0 || conv.dilationW <= 0 || conv.outHeight() <= 0 ||
      conv.outWidth() <= 0 || conv.padTop < 0 || conv.padLeft < 0 || conv.padBottom < 0 ||
      conv.padRight < 0)
    return "the convolution's sizes, strides and dilations must be positive, its padding not "
           "negative, and its kernel must fit its padded input";
  if (m % conv.pixels())
    return "M must be whole images of the convolution's output";
  if (conv.taps() > k)
    return "K must hold the convolution's taps (channels x kernel)";
  if (conv.inputSize(m) >= (int64_t(1) << 31))
    return "the GPU kernels index with 32 bits: the convolution's input must hold under 2^31 "
           "elements";
  return "";
}

std::pair<Value, Value> KernelBuilder::splitRange(int64_t tiles, int64_t splitK, int64_t align) {
  int64_t chunk = splitChunk(tiles, splitK, align);
  Value split = fromIndex(mlir::gpu::BlockIdOp::create(b, loc, mlir::gpu::Dimension::z));
  Value begin = mul(split, chunk);
  // A share past the end (rounding up to `align`) is empty: begin >= end.
  return {begin, arith::MinUIOp::create(b, loc, add(begin, index(chunk)), index(tiles))};
}

void KernelBuilder::storeTile(Value y, Value acc, Value mTile, Value nBase, Value lane, int64_t m,
                              int64_t n, YWrite write,
                              llvm::function_ref<Value(Value, Value)> finish, bool columnMajor) {
  Value group = arith::ShRUIOp::create(b, loc, lane, index(2));
  Value pair = arith::AndIOp::create(b, loc, lane, index(3));
  Value slice; // split-K's partial sums: block z's slice of y
  if (write == YWrite::SplitSlice)
    slice = mul(fromIndex(mlir::gpu::BlockIdOp::create(b, loc, mlir::gpu::Dimension::z)), m * n);
  for (int i = 0; i < 4; ++i) {
    Element e = mmaCElement(0, i);
    Value row = add(add(mul(mTile, kMmaM), group), index(e.row));
    Value column = add(add(nBase, mul(pair, 2)), index(e.col));
    Value inside = arith::AndIOp::create(b, loc, less(row, m), less(column, n));
    auto store = scf::IfOp::create(b, loc, inside, /*withElseRegion=*/false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&store.getThenRegion().front());
    Value element = vector::ExtractOp::create(b, loc, acc, ArrayRef<int64_t>{i / 2, i % 2});
    Value value = finish(column, element);
    Value at = columnMajor ? add(mul(column, m), row) : add(mul(row, n), column);
    at = toIndex(slice ? add(slice, at) : at);
    if (write == YWrite::AtomicAdd)
      memref::AtomicRMWOp::create(b, loc,
                                  isa<FloatType>(value.getType()) ? arith::AtomicRMWKind::addf
                                                                  : arith::AtomicRMWKind::addi,
                                  value, y, ValueRange{at});
    else
      memref::StoreOp::create(b, loc, value, y, ValueRange{at});
  }
}

} // namespace quantc::codegen::gpu
