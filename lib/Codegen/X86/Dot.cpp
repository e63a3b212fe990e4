// x86 dot instructions: qkernel.dot in the kernel loops, LLVM intrinsics
// once buffers are final (x86vector has no u8 x s8 dot).
#include "quantc/Codegen/DotInstruction.h"
#include "quantc/Codegen/Lowering.h"

#include "dialects/QKernel/QKernelOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

using namespace mlir;

namespace quantc::codegen {
namespace {

class X86Dot : public DotInstruction {
public:
  explicit X86Dot(bool vnni) : vnni(vnni) {}
  Value dot(OpBuilder &b, Location loc, Value acc, Value weights,
            Value activations) const override {
    return qkernel::DotOp::create(b, loc, acc.getType(), acc, weights, activations,
                                  b.getStringAttr(vnni ? "vpdpbusd" : "vpmaddubsw"));
  }

private:
  bool vnni;
};

Value callIntrinsic(OpBuilder &b, Location loc, Type result, StringRef name, ValueRange args) {
  return LLVM::CallIntrinsicOp::create(b, loc, result, b.getStringAttr(name), args).getResult(0);
}

} // namespace

std::unique_ptr<DotInstruction> createVNNIDot() { return std::make_unique<X86Dot>(true); }
std::unique_ptr<DotInstruction> createAVX2Dot() { return std::make_unique<X86Dot>(false); }

void lowerDotOps(ModuleOp module) {
  SmallVector<qkernel::DotOp> dots;
  module.walk([&](qkernel::DotOp op) { dots.push_back(op); });
  for (qkernel::DotOp op : dots) {
    OpBuilder b(op);
    Location loc = op.getLoc();
    Value result;
    if (op.getInstruction() == "vpdpbusd") {
      // vpdpbusd zmm: acc + four u8 (weights) x s8 (activations) per lane.
      result = callIntrinsic(b, loc, op.getType(), "llvm.x86.avx512.vpdpbusd.512",
                             {op.getAcc(), op.getWeights(), op.getActivations()});
    } else {
      // vpmaddubsw (u8 x s8 pairs -> i16, saturating; codes below 128 keep
      // every pair sum under 2^15), then vpmaddwd with ones (i16 pairs -> i32).
      auto pairs = VectorType::get({16}, b.getI16Type());
      Value sums = callIntrinsic(b, loc, pairs, "llvm.x86.avx2.pmadd.ub.sw",
                                 {op.getWeights(), op.getActivations()});
      Value ones = arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(pairs, b.getI16IntegerAttr(1).getValue()));
      Value quads = callIntrinsic(b, loc, op.getType(), "llvm.x86.avx2.pmadd.wd", {sums, ones});
      result = arith::AddIOp::create(b, loc, op.getAcc(), quads);
    }
    op.getResult().replaceAllUsesWith(result);
    op.erase();
  }
}

} // namespace quantc::codegen
