// convert-qnn-to-linalg: activations, arithmetic and casts as elementwise linalg.generic.
#include "passes/Conversion/QNNToLinalg/Lowering.h"

#include "mlir/Transforms/DialectConversion.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace quantc::qnn;

namespace quantc::lowering {
namespace {

Value constantLike(OpBuilder &b, Location loc, Value like, double value) {
  return scalarConstant(b, loc, like.getType(), value);
}

Value clamp01(OpBuilder &b, Location loc, Value x) {
  Value zero = constantLike(b, loc, x, 0.0), one = constantLike(b, loc, x, 1.0);
  return arith::MinimumFOp::create(b, loc, arith::MaximumFOp::create(b, loc, x, zero), one);
}

/// Element conversion with ONNX Cast semantics (float->int truncates toward
/// zero); integers are read and written as unsigned where the flags say so.
Value convertScalar(OpBuilder &b, Location loc, Value x, Type to, bool fromUnsigned = false,
                    bool toUnsigned = false) {
  Type from = x.getType();
  if (from == to)
    return x;
  auto fromFloat = dyn_cast<FloatType>(from), toFloat = dyn_cast<FloatType>(to);
  if (fromFloat && toFloat)
    return fromFloat.getWidth() < toFloat.getWidth()
               ? Value(arith::ExtFOp::create(b, loc, to, x))
               : Value(arith::TruncFOp::create(b, loc, to, x));
  if (to.isInteger(1)) {
    if (fromFloat)
      return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, x,
                                   constantLike(b, loc, x, 0.0));
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, x,
                                 constantLike(b, loc, x, 0.0));
  }
  if (from.isInteger(1))
    fromUnsigned = true;
  if (fromFloat)
    return toUnsigned ? Value(arith::FPToUIOp::create(b, loc, to, x))
                      : Value(arith::FPToSIOp::create(b, loc, to, x));
  if (toFloat)
    return fromUnsigned ? Value(arith::UIToFPOp::create(b, loc, to, x))
                        : Value(arith::SIToFPOp::create(b, loc, to, x));
  if (from.getIntOrFloatBitWidth() >= to.getIntOrFloatBitWidth())
    return arith::TruncIOp::create(b, loc, to, x);
  return fromUnsigned ? Value(arith::ExtUIOp::create(b, loc, to, x))
                      : Value(arith::ExtSIOp::create(b, loc, to, x));
}

// One scalar body per op; `args` are the broadcast operand elements.
Value body(ReluOp, OpBuilder &b, Location loc, ValueRange args) {
  return arith::MaximumFOp::create(b, loc, args[0], constantLike(b, loc, args[0], 0.0));
}
Value body(SigmoidOp, OpBuilder &b, Location loc, ValueRange args) {
  Value negExp = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, args[0]));
  Value one = constantLike(b, loc, args[0], 1.0);
  return arith::DivFOp::create(b, loc, one, arith::AddFOp::create(b, loc, one, negExp));
}
Value body(TanhOp, OpBuilder &b, Location loc, ValueRange args) {
  return math::TanhOp::create(b, loc, args[0]);
}
Value body(ErfOp, OpBuilder &b, Location loc, ValueRange args) {
  return math::ErfOp::create(b, loc, args[0]);
}
Value body(SqrtOp, OpBuilder &b, Location loc, ValueRange args) {
  return math::SqrtOp::create(b, loc, args[0]);
}
Value body(HardSwishOp, OpBuilder &b, Location loc, ValueRange args) {
  Value x = args[0];
  Value gate = arith::AddFOp::create(
      b, loc, arith::MulFOp::create(b, loc, x, constantLike(b, loc, x, 1.0 / 6.0)),
      constantLike(b, loc, x, 0.5));
  return arith::MulFOp::create(b, loc, x, clamp01(b, loc, gate));
}
Value body(HardSigmoidOp op, OpBuilder &b, Location loc, ValueRange args) {
  Value x = args[0];
  Value affine = arith::AddFOp::create(
      b, loc, arith::MulFOp::create(b, loc, x, constantLike(b, loc, x, op.getAlpha().convertToFloat())),
      constantLike(b, loc, x, op.getBeta().convertToFloat()));
  return clamp01(b, loc, affine);
}
Value body(LeakyReluOp op, OpBuilder &b, Location loc, ValueRange args) {
  Value x = args[0];
  Value scaled =
      arith::MulFOp::create(b, loc, x, constantLike(b, loc, x, op.getAlpha().convertToFloat()));
  Value negative = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x,
                                         constantLike(b, loc, x, 0.0));
  return arith::SelectOp::create(b, loc, negative, scaled, x);
}
Value body(GeluOp op, OpBuilder &b, Location loc, ValueRange args) {
  Value x = args[0];
  Value half = arith::MulFOp::create(b, loc, x, constantLike(b, loc, x, 0.5));
  Value inner;
  if (op.getApproximate() == "tanh") {
    Value cube = arith::MulFOp::create(b, loc, x, arith::MulFOp::create(b, loc, x, x));
    Value poly = arith::AddFOp::create(
        b, loc, x, arith::MulFOp::create(b, loc, cube, constantLike(b, loc, x, 0.044715)));
    inner = math::TanhOp::create(
        b, loc,
        arith::MulFOp::create(b, loc, poly, constantLike(b, loc, x, std::sqrt(2.0 / M_PI))));
  } else {
    inner = math::ErfOp::create(
        b, loc, arith::MulFOp::create(b, loc, x, constantLike(b, loc, x, M_SQRT1_2)));
  }
  return arith::MulFOp::create(
      b, loc, half, arith::AddFOp::create(b, loc, inner, constantLike(b, loc, x, 1.0)));
}
Value body(ClipOp op, OpBuilder &b, Location loc, ValueRange args) {
  Value x = args[0];
  if (auto low = op.getMin())
    x = arith::MaximumFOp::create(b, loc, x, constantLike(b, loc, x, low->convertToFloat()));
  if (auto high = op.getMax())
    x = arith::MinimumFOp::create(b, loc, x, constantLike(b, loc, x, high->convertToFloat()));
  return x;
}
Value body(AddOp, OpBuilder &b, Location loc, ValueRange args) {
  return add(b, loc, args[0], args[1]);
}
Value body(MulOp, OpBuilder &b, Location loc, ValueRange args) {
  return mul(b, loc, args[0], args[1]);
}
Value body(SubOp, OpBuilder &b, Location loc, ValueRange args) {
  if (isa<FloatType>(args[0].getType()))
    return arith::SubFOp::create(b, loc, args[0], args[1]);
  return arith::SubIOp::create(b, loc, args[0], args[1]);
}
Value body(DivOp op, OpBuilder &b, Location loc, ValueRange args) {
  if (isa<FloatType>(args[0].getType()))
    return arith::DivFOp::create(b, loc, args[0], args[1]);
  if (hasUnsignedOperands(op))
    return arith::DivUIOp::create(b, loc, args[0], args[1]);
  return arith::DivSIOp::create(b, loc, args[0], args[1]);
}
Value body(PowOp op, OpBuilder &b, Location loc, ValueRange args) {
  Value base = args[0], exponent = args[1];
  bool isUnsigned = hasUnsignedOperands(op);
  if (!isa<FloatType>(base.getType())) {
    if (isa<FloatType>(exponent.getType()))
      exponent = convertScalar(b, loc, exponent, base.getType());
    else if (exponent.getType() != base.getType())
      exponent = convertScalar(b, loc, exponent, base.getType(), isUnsigned, isUnsigned);
    return math::IPowIOp::create(b, loc, base, exponent);
  }
  return math::PowFOp::create(b, loc, base,
                              convertScalar(b, loc, exponent, base.getType(), isUnsigned));
}
Value body(PReluOp, OpBuilder &b, Location loc, ValueRange args) {
  Value x = args[0];
  Value negative = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x,
                                         constantLike(b, loc, x, 0.0));
  return arith::SelectOp::create(b, loc, negative, arith::MulFOp::create(b, loc, x, args[1]), x);
}
Value body(CastOp op, OpBuilder &b, Location loc, ValueRange args) {
  return convertScalar(b, loc, args[0], op.getTo(), hasUnsignedOperands(op), hasUnsignedResult(op));
}

} // namespace

Value activationBody(Operation *op, OpBuilder &b, Location loc, Value x) {
  return llvm::TypeSwitch<Operation *, Value>(op)
      .Case<ReluOp, ClipOp, HardSwishOp, HardSigmoidOp, LeakyReluOp>(
          [&](auto typed) { return body(typed, b, loc, ValueRange{x}); })
      .Default([](Operation *) { return Value(); });
}

void populateElementwisePatterns(RewritePatternSet &patterns) {
  patterns.add<ElementwiseOpLowering<ReluOp, body>, ElementwiseOpLowering<SigmoidOp, body>,
               ElementwiseOpLowering<TanhOp, body>, ElementwiseOpLowering<ErfOp, body>,
               ElementwiseOpLowering<SqrtOp, body>, ElementwiseOpLowering<HardSwishOp, body>,
               ElementwiseOpLowering<HardSigmoidOp, body>, ElementwiseOpLowering<LeakyReluOp, body>,
               ElementwiseOpLowering<GeluOp, body>, ElementwiseOpLowering<ClipOp, body>,
               ElementwiseOpLowering<AddOp, body>, ElementwiseOpLowering<SubOp, body>,
               ElementwiseOpLowering<MulOp, body>, ElementwiseOpLowering<DivOp, body>,
               ElementwiseOpLowering<PowOp, body>, ElementwiseOpLowering<PReluOp, body>,
               ElementwiseOpLowering<CastOp, body>>(patterns.getContext());
}

} // namespace quantc::lowering
