// The stage kernel (GPULinalgKernels.h): a GEMM's x prepared on the device
// from a resident activation, as the runtime prepares one from the host.
#include "KernelModule.h"
#include "quantc/Codegen/GPULinalgKernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "llvm/Support/FormatVariadic.h"

namespace quantc::codegen::gpu {

using namespace mlir;

std::string kernelName(const StageKernel &stage) {
  return llvm::formatv("qc_stage_{0}_r{1}_c{2}_k{3}", stage.halves ? "h" : "b", stage.rows,
                       stage.sourceColumns, stage.columns)
      .str();
}

OwningOpRef<ModuleOp> buildStageKernel(MLIRContext &context, const StageKernel &stage,
                                       llvm::StringRef name) {
  OpBuilder b(&context);
  Location loc = b.getUnknownLoc();
  Type source = stage.halves ? Type(b.getF32Type()) : Type(b.getI8Type());
  Type staged = stage.halves ? Type(b.getF16Type()) : Type(b.getI8Type());
  auto sourceType = MemRefType::get({stage.rows * stage.sourceColumns}, source);
  auto stagedType = MemRefType::get({stage.rows * stage.columns}, staged);
  mlir::gpu::GPUFuncOp func;
  OwningOpRef<ModuleOp> module = kernelModule(b, name, {sourceType, stagedType}, func);
  b.setInsertionPointToStart(&func.getBody().front());
  KernelBuilder k(b, loc);
  Value thread = mlir::gpu::ThreadIdOp::create(b, loc, mlir::gpu::Dimension::x);
  Value block = mlir::gpu::BlockIdOp::create(b, loc, mlir::gpu::Dimension::x);
  Value element = k.add(k.mul(block, 256), thread);
  auto inside = scf::IfOp::create(b, loc, k.less(element, stage.rows * stage.columns));
  b.setInsertionPointToStart(inside.thenBlock());
  Value row = arith::DivUIOp::create(b, loc, element, k.index(stage.columns));
  Value column = arith::RemUIOp::create(b, loc, element, k.index(stage.columns));
  Value present = k.less(column, stage.sourceColumns);
  // Past the source's columns: a clamped (in-bounds) load, then zero.
  Value from = k.add(k.mul(row, stage.sourceColumns), k.clamp(column, stage.sourceColumns));
  Value value = memref::LoadOp::create(b, loc, func.getArgument(0), ValueRange{from});
  if (stage.halves)
    value = k.stagedHalf(value);
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(staged));
  value = arith::SelectOp::create(b, loc, present, value, zero);
  memref::StoreOp::create(b, loc, value, func.getArgument(1), ValueRange{element});
  b.setInsertionPointAfter(inside);
  mlir::gpu::ReturnOp::create(b, loc);
  return module;
}

} // namespace quantc::codegen::gpu
