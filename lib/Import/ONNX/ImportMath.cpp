// Importers for Gemm/MatMul, normalization, activations, elementwise math and reductions.
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
  return ctx.emit<OpTy>(ctx.input(0));
}

template <typename OpTy> LogicalResult importBinary(NodeContext &ctx) {
  return ctx.emit<OpTy>(ctx.input(0), ctx.input(1));
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

LogicalResult importSoftmax(NodeContext &ctx) {
  auto type = ctx.inputType(0);
  int64_t rank = type.getRank();
  int64_t axis = ctx.getInt("axis", ctx.opset < 13 ? 1 : -1);
  if (axis < -rank || axis >= rank)
    return ctx.error("axis " + Twine(axis) + " is out of range for rank " + Twine(rank));
  if (axis < 0)
    axis += rank;
  if (ctx.opset >= 13 || axis == rank - 1)
    return ctx.emit<SoftmaxOp>(ctx.input(0), axis);
  // Before opset 13, softmax normalizes the 2-D coercion [prod(<axis), prod(>=axis)].
  if (!type.hasStaticShape())
    return ctx.error("softmax over a 2-D coercion (opset < 13, axis != last) needs static "
                     "shapes; use --input-shape");
  auto flat = ctx.build<FlattenOp>(ctx.input(0), axis);
  if (failed(flat))
    return failure();
  auto softmax = ctx.build<SoftmaxOp>(*flat, int64_t(1));
  if (failed(softmax))
    return failure();
  return ctx.emit<ReshapeOp>(*softmax, type.getShape(), false);
}

LogicalResult importReduceMean(NodeContext &ctx) {
  SmallVector<int64_t> axes = ctx.getInts("axes").value_or(SmallVector<int64_t>{});
  return ctx.emit<ReduceMeanOp>(ctx.input(0), axes, ctx.getInt("keepdims", 1) != 0);
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
  map["Softmax"] = importSoftmax;
  map["Add"] = importBinary<AddOp>;
  map["Sub"] = importBinary<SubOp>;
  map["Mul"] = importBinary<MulOp>;
  map["Div"] = importBinary<DivOp>;
  map["Pow"] = importBinary<PowOp>;
  map["PRelu"] = importBinary<PReluOp>;
  map["ReduceMean"] = importReduceMean;
}

} // namespace quantc::onnx_import
