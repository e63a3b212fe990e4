// Importers for Gemm/MatMul, normalization, activations, elementwise math and reductions.
#include "AxisOps.h"
#include "NodeContext.h"

#include "dialects/QNN/QNNOps.h"

#include <limits>

using namespace mlir;
using namespace quantc::qnn;

namespace quantc::onnx_import {
namespace {

APFloat f32(float value) { return APFloat(value); }

LogicalResult importGemm(NodeContext &ctx) {
  return ctx.emit<GemmOp>(ctx.input(0), ctx.input(1), ctx.input(2),
                          f32(ctx.getFloat("alpha", 1.0f)), f32(ctx.getFloat("beta", 1.0f)),
                          ctx.getInt("transA", 0) != 0, ctx.getInt("transB", 0) != 0);
}

LogicalResult importMatMul(NodeContext &ctx) {
  return ctx.emit<MatMulOp>(ctx.input(0), ctx.input(1));
}

LogicalResult importBatchNorm(NodeContext &ctx) {
  if (ctx.getInt("training_mode", 0) != 0)
    return ctx.error("training_mode = 1 is not supported (inference only)");
  if (ctx.opset < 9 && ctx.getInt("spatial", 1) != 1)
    return ctx.error("spatial = 0 is not supported");
  return ctx.emit<BatchNormOp>(ctx.input(0), ctx.input(1), ctx.input(2), ctx.input(3),
                               ctx.input(4), f32(ctx.getFloat("epsilon", 1e-5f)));
}

LogicalResult importLayerNorm(NodeContext &ctx) {
  return ctx.emit<LayerNormOp>(ctx.input(0), ctx.input(1), ctx.input(2),
                               ctx.getInt("axis", -1), f32(ctx.getFloat("epsilon", 1e-5f)));
}

template <typename OpTy> LogicalResult importUnary(NodeContext &ctx) {
  if (!ctx.hasInput(0)) // Mish and Gelu are newer than libonnx's checker
    return ctx.error("input 0 is required");
  return ctx.emit<OpTy>(ctx.input(0));
}

/// Before opset 7, arithmetic broadcast only with broadcast = 1, and `axis`
/// placed B's dims at A's dim axis (not at the end): B becomes rank(A) with
/// size-1 dims around it, which numpy broadcasting then reproduces.
FailureOr<Value> legacyBroadcastOperand(NodeContext &ctx) {
  Value rhs = ctx.input(1);
  if (ctx.opset >= 7 || !ctx.getInt("broadcast", 0) || !ctx.attr("axis"))
    return rhs;
  auto a = ctx.inputType(0), b = ctx.inputType(1);
  int64_t axis = ctx.getInt("axis", 0);
  if (axis < 0)
    axis += a.getRank();
  if (axis < 0 || axis + b.getRank() > a.getRank())
    return ctx.error("broadcast axis " + Twine(ctx.getInt("axis", 0)) +
                     " does not fit B's rank in A's");
  SmallVector<int64_t> shape(axis, 1);
  shape.append(b.getShape().begin(), b.getShape().end());
  shape.resize(a.getRank(), 1);
  return ctx.build<ReshapeOp>(rhs, shape, false);
}

template <typename OpTy> LogicalResult importBinary(NodeContext &ctx) {
  auto rhs = legacyBroadcastOperand(ctx);
  if (failed(rhs))
    return failure();
  return ctx.emit<OpTy>(ctx.input(0), *rhs);
}

/// PRelu before opset 7 broadcast a [C] slope along the channel dim.
LogicalResult importPRelu(NodeContext &ctx) {
  auto x = ctx.inputType(0), slope = ctx.inputType(1);
  if (ctx.opset >= 7 || slope.getRank() != 1 || x.getRank() < 3 ||
      slope.getDimSize(0) != x.getDimSize(1) || slope.getDimSize(0) == 1)
    return importBinary<PReluOp>(ctx);
  SmallVector<int64_t> shape(x.getRank() - 1, 1);
  shape[0] = slope.getDimSize(0);
  auto channelSlope = ctx.build<ReshapeOp>(ctx.input(1), shape, false);
  if (failed(channelSlope))
    return failure();
  return ctx.emit<PReluOp>(ctx.input(0), *channelSlope);
}

LogicalResult importLeakyRelu(NodeContext &ctx) {
  return ctx.emit<LeakyReluOp>(ctx.input(0), f32(ctx.getFloat("alpha", 0.01f)));
}

LogicalResult importHardSigmoid(NodeContext &ctx) {
  return ctx.emit<HardSigmoidOp>(ctx.input(0), f32(ctx.getFloat("alpha", 0.2f)),
                                 f32(ctx.getFloat("beta", 0.5f)));
}

LogicalResult importClip(NodeContext &ctx) {
  FloatAttr min, max;
  if (ctx.opset < 11) {
    // Before opset 11 the bounds are attributes whose defaults mean "unbounded".
    constexpr float kLimit = std::numeric_limits<float>::max();
    if (float v = ctx.getFloat("min", -kLimit); v > -kLimit)
      min = ctx.builder.getF32FloatAttr(v);
    if (float v = ctx.getFloat("max", kLimit); v < kLimit)
      max = ctx.builder.getF32FloatAttr(v);
  } else {
    for (auto [index, bound] : {std::pair<int, FloatAttr *>{1, &min}, {2, &max}}) {
      if (!ctx.hasInput(index))
        continue;
      auto values = ctx.constantFloats(index, index == 1 ? "min" : "max");
      if (failed(values))
        return failure();
      if (values->size() != 1)
        return ctx.error("min and max must be scalars");
      *bound = ctx.builder.getF32FloatAttr(values->front());
    }
  }
  return ctx.emit<ClipOp>(ctx.input(0), min, max);
}

template <typename OpTy> LogicalResult importAlpha(NodeContext &ctx, float alpha) {
  return ctx.emit<OpTy>(ctx.input(0), f32(ctx.getFloat("alpha", alpha)));
}

LogicalResult importSelu(NodeContext &ctx) {
  return ctx.emit<SeluOp>(ctx.input(0), f32(ctx.getFloat("alpha", 1.67326319217681884765625f)),
                          f32(ctx.getFloat("gamma", 1.05070102214813232421875f)));
}

LogicalResult importShrink(NodeContext &ctx) {
  return ctx.emit<ShrinkOp>(ctx.input(0), f32(ctx.getFloat("bias", 0.0f)),
                            f32(ctx.getFloat("lambd", 0.5f)));
}

LogicalResult importGelu(NodeContext &ctx) {
  if (!ctx.hasInput(0)) // opset 20: newer than libonnx's checker
    return ctx.error("input 0 is required");
  return ctx.emit<GeluOp>(ctx.input(0), ctx.getString("approximate", "none"));
}

LogicalResult importMod(NodeContext &ctx) {
  return ctx.emit<ModOp>(ctx.input(0), ctx.input(1), ctx.getInt("fmod", 0) != 0);
}

} // namespace

void registerMathImporters(OpImporterMap &map) {
  map["Gemm"] = importGemm;
  map["MatMul"] = importMatMul;
  map["BatchNormalization"] = importBatchNorm;
  map["LayerNormalization"] = importLayerNorm;
  map["Relu"] = importUnary<ReluOp>;
  map["Sigmoid"] = importUnary<SigmoidOp>;
  map["Tanh"] = importUnary<TanhOp>;
  map["Erf"] = importUnary<ErfOp>;
  map["Sqrt"] = importUnary<SqrtOp>;
  map["HardSwish"] = importUnary<HardSwishOp>;
  map["LeakyRelu"] = importLeakyRelu;
  map["HardSigmoid"] = importHardSigmoid;
  map["Clip"] = importClip;
  map["Softmax"] = importCoercedAxisOp<SoftmaxOp>;
  map["Add"] = importBinary<AddOp>;
  map["Sub"] = importBinary<SubOp>;
  map["Mul"] = importBinary<MulOp>;
  map["Div"] = importBinary<DivOp>;
  map["Pow"] = importBinary<PowOp>;
  map["PRelu"] = importPRelu;
  map["Exp"] = importUnary<ExpOp>;
  map["Log"] = importUnary<LogOp>;
  map["Reciprocal"] = importUnary<ReciprocalOp>;
  map["Floor"] = importUnary<FloorOp>;
  map["Ceil"] = importUnary<CeilOp>;
  map["Round"] = importUnary<RoundOp>;
  map["Softplus"] = importUnary<SoftplusOp>;
  map["Softsign"] = importUnary<SoftsignOp>;
  map["Mish"] = importUnary<MishOp>;
  map["Sin"] = importUnary<SinOp>;
  map["Cos"] = importUnary<CosOp>;
  map["Tan"] = importUnary<TanOp>;
  map["Asin"] = importUnary<AsinOp>;
  map["Acos"] = importUnary<AcosOp>;
  map["Atan"] = importUnary<AtanOp>;
  map["Sinh"] = importUnary<SinhOp>;
  map["Cosh"] = importUnary<CoshOp>;
  map["Asinh"] = importUnary<AsinhOp>;
  map["Acosh"] = importUnary<AcoshOp>;
  map["Atanh"] = importUnary<AtanhOp>;
  map["Neg"] = importUnary<NegOp>;
  map["Abs"] = importUnary<AbsOp>;
  map["Sign"] = importUnary<SignOp>;
  map["Elu"] = [](NodeContext &ctx) { return importAlpha<EluOp>(ctx, 1.0f); };
  map["Celu"] = [](NodeContext &ctx) { return importAlpha<CeluOp>(ctx, 1.0f); };
  map["ThresholdedRelu"] = [](NodeContext &ctx) { return importAlpha<ThresholdedReluOp>(ctx, 1.0f); };
  map["Selu"] = importSelu;
  map["Shrink"] = importShrink;
  map["Gelu"] = importGelu;
  map["Mod"] = importMod;
}

} // namespace quantc::onnx_import
