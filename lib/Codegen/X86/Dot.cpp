// x86 dot instructions: qkernel.dot in the kernel loops, LLVM intrinsics
// once buffers are final (x86vector has no u8 x s8 dot).
#include "quantc/Codegen/DotInstruction.h"
#include "quantc/Codegen/Lowering.h"

#include "dialects/QKernel/QKernelOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace quantc::codegen {
namespace {

Value callIntrinsic(OpBuilder &b, Location loc, Type result, StringRef name, ValueRange args) {
  return LLVM::CallIntrinsicOp::create(b, loc, result, b.getStringAttr(name), args).getResult(0);
}

Value ones(OpBuilder &b, Location loc, VectorType type) {
  return arith::ConstantOp::create(b, loc,
                                   DenseElementsAttr::get(type, b.getI16IntegerAttr(1).getValue()));
}

class X86Dot : public DotInstruction {
public:
  explicit X86Dot(StringRef instruction) : instruction(instruction) {}
  Value dot(OpBuilder &b, Location loc, Value acc, Value weights,
            Value activations) const override {
    return qkernel::DotOp::create(b, loc, acc.getType(), acc, weights, activations,
                                  b.getStringAttr(instruction));
  }

protected:
  StringRef instruction;
};

/// vpmaddwd's accumulator: element 2l + p is lane l's sum over its bytes
/// 2p and 2p + 1, so that a dot is two vpmaddwd and two adds (no shuffles).
class X86WideDot : public X86Dot {
public:
  X86WideDot() : X86Dot("vpmaddwd") {}
  bool takesWideActivations() const override { return true; }
  VectorType accumulatorType(OpBuilder &b, int64_t lanes, int64_t) const override {
    return VectorType::get({2 * lanes}, b.getI32Type());
  }
  Value finish(OpBuilder &b, Location loc, Value acc) const override {
    int64_t lanes = cast<VectorType>(acc.getType()).getNumElements() / 2;
    return arith::AddIOp::create(b, loc, stridedShuffle(b, loc, acc, acc, 0, lanes, 2),
                                 stridedShuffle(b, loc, acc, acc, 1, lanes, 2));
  }
};

/// AVX2 on 8-bit codes: each half of the 32 bytes widened to i16 (weights
/// zero-extended, activations sign-extended unless they come as i16, one
/// word's 4 repeated: the same for both halves) and multiplied by vpmaddwd
/// into i32 pair sums (exact: |u8 x s8| < 2^15), added to the pair sums of
/// the accumulator (X86WideDot).
Value wideDot(OpBuilder &b, Location loc, Value acc, Value weights, Value activations) {
  auto words = VectorType::get({16}, b.getI16Type());
  auto pairSums = VectorType::get({8}, b.getI32Type());
  bool wideActivations = cast<VectorType>(activations.getType()).getElementType().isInteger(16);
  SmallVector<Value> halves;
  for (int64_t half = 0; half < 2; ++half) {
    Value w = arith::ExtUIOp::create(b, loc, words,
                                     stridedShuffle(b, loc, weights, weights, 16 * half, 16, 1));
    Value a = wideActivations
                  ? activations
                  : Value(arith::ExtSIOp::create(
                        b, loc, words,
                        stridedShuffle(b, loc, activations, activations, 16 * half, 16, 1)));
    halves.push_back(callIntrinsic(b, loc, pairSums, "llvm.x86.avx2.pmadd.wd", {w, a}));
  }
  return arith::AddIOp::create(b, loc, acc, stridedShuffle(b, loc, halves[0], halves[1], 0, 16, 1));
}

/// vpmaddubsw's accumulator: i16 pair sums (element 2l + p: lane l's bytes
/// 2p and 2p + 1) while `dots` dots of `bits`-bit codes with int8
/// activations (|a| <= 128) stay below 2^15, made i32 in finish (each
/// lane's two halves sign-extended by shifts and added); i32 lanes
/// otherwise.
class X86PairSumDot : public X86Dot {
public:
  explicit X86PairSumDot(unsigned bits) : X86Dot("vpmaddubsw"), bits(bits) {}
  VectorType accumulatorType(OpBuilder &b, int64_t lanes, int64_t dots) const override {
    int64_t largestPairSum = 2 * ((int64_t(1) << bits) - 1) * 128;
    if (dots > 0 && dots * largestPairSum <= INT16_MAX)
      return VectorType::get({2 * lanes}, b.getI16Type());
    return VectorType::get({lanes}, b.getI32Type());
  }
  Value finish(OpBuilder &b, Location loc, Value acc) const override {
    auto type = cast<VectorType>(acc.getType());
    if (!type.getElementType().isInteger(16))
      return acc;
    // Each lane's two pair sums added as i32: vpmaddwd with ones, an op
    // until buffers are final (an intrinsic call would not be allowed yet).
    auto lanes = VectorType::get({type.getNumElements() / 2}, b.getI32Type());
    return qkernel::PairSumsOp::create(b, loc, lanes, acc);
  }

private:
  unsigned bits;
};

} // namespace

std::unique_ptr<DotInstruction> createVNNIDot() { return std::make_unique<X86Dot>("vpdpbusd"); }
std::unique_ptr<DotInstruction> createAVX2Dot(unsigned bits) {
  return std::make_unique<X86PairSumDot>(bits);
}
std::unique_ptr<DotInstruction> createAVX2WideDot() { return std::make_unique<X86WideDot>(); }

void lowerDotOps(ModuleOp module) {
  SmallVector<qkernel::DotOp> dots;
  module.walk([&](qkernel::DotOp op) { dots.push_back(op); });
  for (qkernel::DotOp op : dots) {
    OpBuilder b(op);
    Location loc = op.getLoc();
    Value result;
    if (op.getInstruction() == "vpmaddwd") {
      result = wideDot(b, loc, op.getAcc(), op.getWeights(), op.getActivations());
    } else if (op.getInstruction() == "vpdpbusd") {
      // vpdpbusd zmm: acc + four u8 (weights) x s8 (activations) per lane.
      result = callIntrinsic(b, loc, op.getType(), "llvm.x86.avx512.vpdpbusd.512",
                             {op.getAcc(), op.getWeights(), op.getActivations()});
    } else {
      // vpmaddubsw (u8 x s8 pairs -> i16, saturating; codes below 128 keep
      // every pair sum under 2^15), added as they are to i16 pair sums, or
      // made i32 by vpmaddwd with ones (i16 pairs -> i32) for i32 lanes.
      auto pairs = VectorType::get({16}, b.getI16Type());
      Value sums = callIntrinsic(b, loc, pairs, "llvm.x86.avx2.pmadd.ub.sw",
                                 {op.getWeights(), op.getActivations()});
      if (op.getType().getElementType().isInteger(32))
        sums = callIntrinsic(b, loc, op.getType(), "llvm.x86.avx2.pmadd.wd",
                             {sums, ones(b, loc, pairs)});
      result = arith::AddIOp::create(b, loc, op.getAcc(), sums);
    }
    op.getResult().replaceAllUsesWith(result);
    op.erase();
  }
  SmallVector<qkernel::PairSumsOp> pairSums;
  module.walk([&](qkernel::PairSumsOp op) { pairSums.push_back(op); });
  for (qkernel::PairSumsOp op : pairSums) {
    OpBuilder b(op);
    Value sums = callIntrinsic(b, op.getLoc(), op.getType(), "llvm.x86.avx2.pmadd.wd",
                               {op.getPairs(), ones(b, op.getLoc(), op.getPairs().getType())});
    op.getResult().replaceAllUsesWith(sums);
    op.erase();
  }
}

} // namespace quantc::codegen
