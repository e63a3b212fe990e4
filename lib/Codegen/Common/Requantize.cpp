// qnn.requantize's arithmetic (quantc/Codegen/Requantize.h).
#include "quantc/Codegen/Requantize.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;

namespace quantc::codegen {

Value emitRequantize(OpBuilder &b, Location loc, Value acc, Value multiplier, Value half,
                     Value shift, int64_t zeroPoint, int64_t lo, int64_t hi, Type storage) {
  Type wide = b.getI64Type();
  auto vector = dyn_cast<VectorType>(acc.getType());
  if (vector) {
    wide = vector.clone(wide);
    storage = vector.clone(storage);
  }
  auto constant = [&](int64_t v) -> Value {
    if (vector)
      return arith::ConstantOp::create(
          b, loc,
          DenseElementsAttr::get(cast<VectorType>(wide), b.getI64IntegerAttr(v).getValue()));
    return arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(v));
  };
  Value product =
      arith::MulIOp::create(b, loc, arith::ExtSIOp::create(b, loc, wide, acc), multiplier);
  Value rounded =
      arith::ShRSIOp::create(b, loc, arith::AddIOp::create(b, loc, product, half), shift);
  Value shifted = arith::AddIOp::create(b, loc, rounded, constant(zeroPoint));
  Value clamped = arith::MinSIOp::create(
      b, loc, arith::MaxSIOp::create(b, loc, shifted, constant(lo)), constant(hi));
  return arith::TruncIOp::create(b, loc, storage, clamped);
}

} // namespace quantc::codegen
