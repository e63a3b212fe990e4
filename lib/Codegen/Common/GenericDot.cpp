// The dot instruction in plain vector ops, and picking one per target family.
#include "quantc/Codegen/DotInstruction.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace quantc::codegen {
namespace {

class GenericDot : public DotInstruction {
public:
  GenericDot(unsigned lanes, bool isSigned) : laneCount(lanes), isSigned(isSigned) {}

  /// Widen, multiply, then add the four products of each lane, gathered by
  /// 1-D shuffles (which lower straight to LLVM, unlike 2-D reductions).
  Value dot(OpBuilder &b, Location loc, Value acc, Value weights,
            Value activations) const override {
    int64_t lanes = laneCount;
    auto wide = VectorType::get({4 * lanes}, b.getI32Type());
    Value w = isSigned ? Value(arith::ExtSIOp::create(b, loc, wide, weights))
                       : Value(arith::ExtUIOp::create(b, loc, wide, weights));
    Value a = arith::ExtSIOp::create(b, loc, wide, activations);
    Value products = arith::MulIOp::create(b, loc, w, a);
    Value sum = acc;
    for (int64_t i = 0; i < 4; ++i)
      sum = arith::AddIOp::create(b, loc, sum,
                                  stridedShuffle(b, loc, products, products, i, lanes, 4));
    return sum;
  }

private:
  unsigned laneCount;
  bool isSigned;
};

} // namespace

Value stridedShuffle(OpBuilder &b, Location loc, Value v, Value w, int64_t first, int64_t count,
                     int64_t step) {
  SmallVector<int64_t> indices;
  for (int64_t i = 0; i < count; ++i)
    indices.push_back(first + i * step);
  return vector::ShuffleOp::create(b, loc, v, w, indices);
}

std::unique_ptr<DotInstruction> createGenericDot(unsigned lanes, bool signedWeights) {
  return std::make_unique<GenericDot>(lanes, signedWeights);
}

unsigned familyLanes(llvm::StringRef family) {
  if (family == "vnni")
    return 16;
  if (family == "neon")
    return 4;
  if (family == "avx2" || family == "generic")
    return 8;
  return 0;
}

std::unique_ptr<DotInstruction> createDotInstruction(llvm::StringRef family, unsigned bits,
                                                     unsigned lanes, bool signedBytes) {
  unsigned expected = familyLanes(family);
  if (!expected || (family != "generic" && lanes != expected))
    return nullptr;
  // Where the family's instruction cannot read the codes as stored, the
  // generic dot does (same lanes, same layout).
  if (family == "vnni" && !signedBytes)
    return createVNNIDot();
  if (family == "avx2" && bits < 8)
    return createAVX2Dot(bits);
  if (family == "avx2" && !signedBytes) // 8-bit codes: vpmaddubsw would saturate
    return createAVX2WideDot();
  if (family == "neon" && (bits < 8 || signedBytes))
    return createNeonDot();
  return createGenericDot(lanes, signedBytes);
}

} // namespace quantc::codegen
