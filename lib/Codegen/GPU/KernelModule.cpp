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

std::string checkIndexRange(int64_t m, int64_t n, int64_t k) {
  constexpr int64_t limit = int64_t(1) << 31;
  if (m * k >= limit || n * k >= limit || m * n >= limit)
    return "the GPU kernels index with 32 bits: A, B and y must each hold under 2^31 elements";
  return "";
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

Value KernelBuilder::implicitRun(const ImplicitConv &conv, Value x, Value row, int64_t m,
                                 Value firstK, int64_t count, Value valid) {
  // Where output pixel `row` (clamped below m) starts in x.
  Value pixelOf = clamp(row, m);
  Value image = arith::DivUIOp::create(b, loc, pixelOf, index(conv.pixels()));
  Value pixel = arith::RemUIOp::create(b, loc, pixelOf, index(conv.pixels()));
  Value oh = arith::DivUIOp::create(b, loc, pixel, index(conv.outWidth()));
  Value ow = arith::RemUIOp::create(b, loc, pixel, index(conv.outWidth()));
  Value rowStart = add(add(mul(image, conv.imageSize()), mul(oh, conv.strideH * conv.width)),
                       mul(ow, conv.strideW));
  Value rowValid = less(row, m);
  if (valid)
    rowValid = arith::AndIOp::create(b, loc, rowValid, valid);
  Type element = cast<MemRefType>(x.getType()).getElementType();
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(element));
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
    Value source = add(add(rowStart, mul(channel, conv.height * conv.width)),
                       add(mul(i, conv.dilationH * conv.width), mul(j, conv.dilationW)));
    Value loaded = memref::LoadOp::create(b, loc, x, ValueRange{toIndex(source)});
    elements.push_back(arith::SelectOp::create(b, loc, inside, loaded, zero));
  }
  return vector::FromElementsOp::create(b, loc, VectorType::get({count}, element), elements);
}

std::string checkImplicitConv(const ImplicitConv &conv, int64_t m, int64_t k) {
  if (conv.channels <= 0 || conv.kernelH <= 0 || conv.kernelW <= 0 || conv.strideH <= 0 ||
      conv.strideW <= 0 || conv.dilationH <= 0 || conv.dilationW <= 0 || conv.outHeight() <= 0 ||
      conv.outWidth() <= 0)
    return "the convolution's sizes, strides and dilations must be positive, and its kernel "
           "must fit its input";
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
  int64_t chunk = (tiles + splitK - 1) / splitK;
  chunk = (chunk + align - 1) / align * align;
  Value split = fromIndex(mlir::gpu::BlockIdOp::create(b, loc, mlir::gpu::Dimension::z));
  Value begin = mul(split, chunk);
  // A share past the end (rounding up to `align`) is empty: begin >= end.
  return {begin, arith::MinUIOp::create(b, loc, add(begin, index(chunk)), index(tiles))};
}

void KernelBuilder::storeTile(Value y, Value acc, Value mTile, Value nBase, Value lane, int64_t m,
                              int64_t n, bool atomic,
                              llvm::function_ref<Value(Value, Value)> finish, bool columnMajor) {
  Value group = arith::ShRUIOp::create(b, loc, lane, index(2));
  Value pair = arith::AndIOp::create(b, loc, lane, index(3));
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
    Value at = toIndex(columnMajor ? add(mul(column, m), row) : add(mul(row, n), column));
    if (atomic)
      memref::AtomicRMWOp::create(b, loc,
                                  isa<FloatType>(value.getType()) ? arith::AtomicRMWKind::addf
                                                                  : arith::AtomicRMWKind::addi,
                                  value, y, ValueRange{at});
    else
      memref::StoreOp::create(b, loc, value, y, ValueRange{at});
  }
}

} // namespace quantc::codegen::gpu
