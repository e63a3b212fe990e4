// convert-qnn-to-linalg: the ONNX math, comparison and logic ops that real
// exports use (Exp, Neg, Equal, Where, Min, ...) as elementwise linalg.generic.
#include "passes/Conversion/QNNToLinalg/Lowering.h"

#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace quantc::qnn;

namespace quantc::lowering {
namespace {

Value constantLike(OpBuilder &b, Location loc, Value like, double value) {
  return scalarConstant(b, loc, like.getType(), value);
}
bool isFloat(Value v) { return isa<FloatType>(v.getType()); }
Value zeroLike(OpBuilder &b, Location loc, Value v) { return constantLike(b, loc, v, 0.0); }
Value exp(OpBuilder &b, Location loc, Value x) { return math::ExpOp::create(b, loc, x); }
Value select(OpBuilder &b, Location loc, Value c, Value x, Value y) {
  return arith::SelectOp::create(b, loc, c, x, y);
}
Value lessThan(OpBuilder &b, Location loc, Value x, Value y) {
  return isFloat(x) ? Value(arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x, y))
                    : Value(arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, x, y));
}
/// alpha * (exp(x) - 1) for x < 0, else x: the core of Elu and Selu.
Value eluCore(OpBuilder &b, Location loc, Value x, double alpha) {
  Value one = constantLike(b, loc, x, 1.0);
  Value negative = arith::MulFOp::create(b, loc, constantLike(b, loc, x, alpha),
                                         arith::SubFOp::create(b, loc, exp(b, loc, x), one));
  return select(b, loc, lessThan(b, loc, x, zeroLike(b, loc, x)), negative, x);
}
/// log(1 + exp(x)) without overflow: max(x, 0) + log1p(exp(-|x|)).
Value softplus(OpBuilder &b, Location loc, Value x) {
  Value absolute = math::AbsFOp::create(b, loc, x);
  Value tail = math::Log1pOp::create(b, loc, exp(b, loc, arith::NegFOp::create(b, loc, absolute)));
  return arith::AddFOp::create(b, loc, arith::MaximumFOp::create(b, loc, x, zeroLike(b, loc, x)),
                               tail);
}

// One scalar body per op; `args` are the broadcast operand elements.
#define QNN_MATH_BODY(OpClass, MathOp)                                       \
  Value body(OpClass, OpBuilder &b, Location loc, ValueRange args) {         \
    return MathOp::create(b, loc, args[0]);                                  \
  }
QNN_MATH_BODY(ExpOp, math::ExpOp)
QNN_MATH_BODY(LogOp, math::LogOp)
QNN_MATH_BODY(FloorOp, math::FloorOp)
QNN_MATH_BODY(CeilOp, math::CeilOp)
QNN_MATH_BODY(RoundOp, math::RoundEvenOp)
QNN_MATH_BODY(SinOp, math::SinOp)
QNN_MATH_BODY(CosOp, math::CosOp)
QNN_MATH_BODY(TanOp, math::TanOp)
QNN_MATH_BODY(AsinOp, math::AsinOp)
QNN_MATH_BODY(AcosOp, math::AcosOp)
QNN_MATH_BODY(AtanOp, math::AtanOp)
QNN_MATH_BODY(SinhOp, math::SinhOp)
QNN_MATH_BODY(CoshOp, math::CoshOp)
QNN_MATH_BODY(AsinhOp, math::AsinhOp)
QNN_MATH_BODY(AcoshOp, math::AcoshOp)
QNN_MATH_BODY(AtanhOp, math::AtanhOp)
#undef QNN_MATH_BODY

Value body(ReciprocalOp, OpBuilder &b, Location loc, ValueRange args) {
  return arith::DivFOp::create(b, loc, constantLike(b, loc, args[0], 1.0), args[0]);
}
Value body(SoftplusOp, OpBuilder &b, Location loc, ValueRange args) {
  return softplus(b, loc, args[0]);
}
Value body(SoftsignOp, OpBuilder &b, Location loc, ValueRange args) {
  Value x = args[0];
  Value denominator = arith::AddFOp::create(b, loc, constantLike(b, loc, x, 1.0),
                                            math::AbsFOp::create(b, loc, x));
  return arith::DivFOp::create(b, loc, x, denominator);
}
Value body(MishOp, OpBuilder &b, Location loc, ValueRange args) {
  return arith::MulFOp::create(b, loc, args[0],
                               math::TanhOp::create(b, loc, softplus(b, loc, args[0])));
}
Value body(EluOp op, OpBuilder &b, Location loc, ValueRange args) {
  return eluCore(b, loc, args[0], op.getAlpha().convertToDouble());
}
Value body(SeluOp op, OpBuilder &b, Location loc, ValueRange args) {
  return arith::MulFOp::create(b, loc, constantLike(b, loc, args[0], op.getGamma().convertToDouble()),
                               eluCore(b, loc, args[0], op.getAlpha().convertToDouble()));
}
Value body(CeluOp op, OpBuilder &b, Location loc, ValueRange args) {
  Value x = args[0];
  double alpha = op.getAlpha().convertToDouble();
  Value scaled = arith::DivFOp::create(b, loc, x, constantLike(b, loc, x, alpha));
  Value negative = eluCore(b, loc, scaled, alpha); // alpha * (exp(x/alpha) - 1) below 0
  return select(b, loc, lessThan(b, loc, x, zeroLike(b, loc, x)), negative, x);
}
Value body(ThresholdedReluOp op, OpBuilder &b, Location loc, ValueRange args) {
  Value x = args[0];
  Value above = lessThan(b, loc, constantLike(b, loc, x, op.getAlpha().convertToDouble()), x);
  return select(b, loc, above, x, zeroLike(b, loc, x));
}
Value body(ShrinkOp op, OpBuilder &b, Location loc, ValueRange args) {
  Value x = args[0];
  double lambd = op.getLambd().convertToDouble(), bias = op.getBias().convertToDouble();
  Value high = lessThan(b, loc, constantLike(b, loc, x, lambd), x);
  Value low = lessThan(b, loc, x, constantLike(b, loc, x, -lambd));
  Value zero = zeroLike(b, loc, x);
  if (!isFloat(x)) // integer Shrink: bias and lambd act as integers
    return select(b, loc, high, arith::SubIOp::create(b, loc, x, constantLike(b, loc, x, bias)),
                  select(b, loc, low, arith::AddIOp::create(b, loc, x, constantLike(b, loc, x, bias)),
                         zero));
  return select(b, loc, high, arith::SubFOp::create(b, loc, x, constantLike(b, loc, x, bias)),
                select(b, loc, low, arith::AddFOp::create(b, loc, x, constantLike(b, loc, x, bias)),
                       zero));
}
Value body(NegOp, OpBuilder &b, Location loc, ValueRange args) {
  if (isFloat(args[0]))
    return arith::NegFOp::create(b, loc, args[0]);
  return arith::SubIOp::create(b, loc, zeroLike(b, loc, args[0]), args[0]);
}
Value body(AbsOp, OpBuilder &b, Location loc, ValueRange args) {
  if (isFloat(args[0]))
    return math::AbsFOp::create(b, loc, args[0]);
  return math::AbsIOp::create(b, loc, args[0]);
}
Value body(SignOp op, OpBuilder &b, Location loc, ValueRange args) {
  Value x = args[0], zero = zeroLike(b, loc, x);
  if (hasUnsignedOperands(op))
    return arith::ExtUIOp::create(
        b, loc, x.getType(), arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, x, zero));
  return select(b, loc, lessThan(b, loc, zero, x), constantLike(b, loc, x, 1.0),
                select(b, loc, lessThan(b, loc, x, zero), constantLike(b, loc, x, -1.0), zero));
}
Value body(NotOp, OpBuilder &b, Location loc, ValueRange args) {
  return arith::XOrIOp::create(b, loc, args[0], constantLike(b, loc, args[0], 1.0));
}
Value body(MinOp op, OpBuilder &b, Location loc, ValueRange args) {
  return minimum(b, loc, args[0], args[1], hasUnsignedOperands(op));
}
Value body(MaxOp op, OpBuilder &b, Location loc, ValueRange args) {
  return maximum(b, loc, args[0], args[1], hasUnsignedOperands(op));
}
Value body(ModOp op, OpBuilder &b, Location loc, ValueRange args) {
  Value x = args[0], y = args[1], zero = zeroLike(b, loc, x);
  if (hasUnsignedOperands(op))
    return arith::RemUIOp::create(b, loc, x, y); // no signs to reconcile
  Value remainder = isFloat(x) ? Value(arith::RemFOp::create(b, loc, x, y))
                               : Value(arith::RemSIOp::create(b, loc, x, y));
  if (op.getFmod())
    return remainder; // C fmod: the sign of the dividend
  // Python-style: a nonzero remainder takes the divisor's sign.
  Value signsDiffer = arith::XOrIOp::create(b, loc, lessThan(b, loc, remainder, zero),
                                            lessThan(b, loc, y, zero));
  Value nonzero = isFloat(x)
                      ? Value(arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, remainder, zero))
                      : Value(arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, remainder, zero));
  Value adjust = arith::AndIOp::create(b, loc, signsDiffer, nonzero);
  return select(b, loc, adjust, add(b, loc, remainder, y), remainder);
}
Value body(AndOp, OpBuilder &b, Location loc, ValueRange args) {
  return arith::AndIOp::create(b, loc, args[0], args[1]);
}
Value body(OrOp, OpBuilder &b, Location loc, ValueRange args) {
  return arith::OrIOp::create(b, loc, args[0], args[1]);
}
Value body(XorOp, OpBuilder &b, Location loc, ValueRange args) {
  return arith::XOrIOp::create(b, loc, args[0], args[1]);
}
arith::CmpIPredicate toUnsigned(arith::CmpIPredicate predicate) {
  switch (predicate) {
  case arith::CmpIPredicate::slt: return arith::CmpIPredicate::ult;
  case arith::CmpIPredicate::sle: return arith::CmpIPredicate::ule;
  case arith::CmpIPredicate::sgt: return arith::CmpIPredicate::ugt;
  case arith::CmpIPredicate::sge: return arith::CmpIPredicate::uge;
  default: return predicate;
  }
}

/// `i` is the signed predicate; unsigned operands use its unsigned twin.
Value compare(Operation *op, OpBuilder &b, Location loc, ValueRange args, arith::CmpFPredicate f,
              arith::CmpIPredicate i) {
  if (isFloat(args[0]))
    return arith::CmpFOp::create(b, loc, f, args[0], args[1]);
  if (hasUnsignedOperands(op))
    i = toUnsigned(i);
  return arith::CmpIOp::create(b, loc, i, args[0], args[1]);
}
Value body(EqualOp op, OpBuilder &b, Location loc, ValueRange args) {
  return compare(op, b, loc, args, arith::CmpFPredicate::OEQ, arith::CmpIPredicate::eq);
}
Value body(LessOp op, OpBuilder &b, Location loc, ValueRange args) {
  return compare(op, b, loc, args, arith::CmpFPredicate::OLT, arith::CmpIPredicate::slt);
}
Value body(LessOrEqualOp op, OpBuilder &b, Location loc, ValueRange args) {
  return compare(op, b, loc, args, arith::CmpFPredicate::OLE, arith::CmpIPredicate::sle);
}
Value body(GreaterOp op, OpBuilder &b, Location loc, ValueRange args) {
  return compare(op, b, loc, args, arith::CmpFPredicate::OGT, arith::CmpIPredicate::sgt);
}
Value body(GreaterOrEqualOp op, OpBuilder &b, Location loc, ValueRange args) {
  return compare(op, b, loc, args, arith::CmpFPredicate::OGE, arith::CmpIPredicate::sge);
}
Value body(WhereOp, OpBuilder &b, Location loc, ValueRange args) {
  return select(b, loc, args[0], args[1], args[2]);
}
Value body(ExpandOp, OpBuilder &, Location, ValueRange args) { return args[0]; }

} // namespace

void populateMathElementwisePatterns(RewritePatternSet &patterns) {
  patterns.add<ElementwiseOpLowering<ExpOp, body>, ElementwiseOpLowering<LogOp, body>, ElementwiseOpLowering<FloorOp, body>,
               ElementwiseOpLowering<CeilOp, body>, ElementwiseOpLowering<RoundOp, body>, ElementwiseOpLowering<SinOp, body>,
               ElementwiseOpLowering<CosOp, body>, ElementwiseOpLowering<TanOp, body>, ElementwiseOpLowering<AsinOp, body>,
               ElementwiseOpLowering<AcosOp, body>, ElementwiseOpLowering<AtanOp, body>, ElementwiseOpLowering<SinhOp, body>,
               ElementwiseOpLowering<CoshOp, body>, ElementwiseOpLowering<AsinhOp, body>, ElementwiseOpLowering<AcoshOp, body>,
               ElementwiseOpLowering<AtanhOp, body>, ElementwiseOpLowering<ReciprocalOp, body>, ElementwiseOpLowering<SoftplusOp, body>,
               ElementwiseOpLowering<SoftsignOp, body>, ElementwiseOpLowering<MishOp, body>, ElementwiseOpLowering<EluOp, body>,
               ElementwiseOpLowering<SeluOp, body>, ElementwiseOpLowering<CeluOp, body>, ElementwiseOpLowering<ThresholdedReluOp, body>,
               ElementwiseOpLowering<ShrinkOp, body>, ElementwiseOpLowering<NegOp, body>, ElementwiseOpLowering<AbsOp, body>,
               ElementwiseOpLowering<SignOp, body>, ElementwiseOpLowering<NotOp, body>, ElementwiseOpLowering<MinOp, body>,
               ElementwiseOpLowering<MaxOp, body>, ElementwiseOpLowering<ModOp, body>, ElementwiseOpLowering<AndOp, body>,
               ElementwiseOpLowering<OrOp, body>, ElementwiseOpLowering<XorOp, body>, ElementwiseOpLowering<EqualOp, body>,
               ElementwiseOpLowering<LessOp, body>, ElementwiseOpLowering<LessOrEqualOp, body>, ElementwiseOpLowering<GreaterOp, body>,
               ElementwiseOpLowering<GreaterOrEqualOp, body>, ElementwiseOpLowering<WhereOp, body>, ElementwiseOpLowering<ExpandOp, body>>(
      patterns.getContext());
}

} // namespace quantc::lowering
