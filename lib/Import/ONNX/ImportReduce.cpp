// Importers for the Reduce* family, ArgMax/ArgMin, TopK, CumSum, LogSoftmax,
// Hardmax, the variadic Min/Max/Sum/Mean and GlobalMaxPool.
#include "AxisOps.h"
#include "NodeContext.h"

#include "dialects/QNN/QNNOps.h"

using namespace mlir;
using namespace quantc::qnn;

namespace quantc::onnx_import {
namespace {

/// Reduction axes: the attribute, or (ReduceSum from opset 13, all Reduce*
/// from 18) the optional constant input 1. `noReduce` is set when the axes
/// are empty and noop_with_empty_axes asks for the input unchanged.
FailureOr<SmallVector<int64_t>> reduceAxes(NodeContext &ctx, bool axesAsInput, bool &noReduce) {
  SmallVector<int64_t> axes;
  if (axesAsInput) {
    if (ctx.hasInput(1)) {
      auto given = ctx.constantInts(1, "axes");
      if (failed(given))
        return failure();
      axes = *given;
    }
  } else {
    axes = ctx.getInts("axes").value_or(SmallVector<int64_t>{});
  }
  noReduce = axes.empty() && ctx.getInt("noop_with_empty_axes", 0) != 0;
  return axes;
}

template <int SumOpset> LogicalResult importReduce(NodeContext &ctx, StringRef kind) {
  bool noReduce = false;
  auto axes = reduceAxes(ctx, ctx.opset >= SumOpset, noReduce);
  if (failed(axes))
    return failure();
  if (noReduce)
    return ctx.setOutputs({ctx.input(0)});
  bool keepdims = ctx.getInt("keepdims", 1) != 0;
  if (kind == "mean")
    return ctx.emit<ReduceMeanOp>(ctx.input(0), *axes, keepdims);
  return ctx.emit<ReduceOp>(ctx.input(0), kind, *axes, keepdims);
}

/// op type -> reduction kind; ReduceSum takes its axes as an input from opset 13.
LogicalResult importReduceFamily(NodeContext &ctx) {
  StringRef type = ctx.node.op_type();
  StringRef kind = llvm::StringSwitch<StringRef>(type)
                       .Case("ReduceSum", "sum").Case("ReduceProd", "prod")
                       .Case("ReduceMax", "max").Case("ReduceMin", "min")
                       .Case("ReduceL1", "l1").Case("ReduceL2", "l2")
                       .Case("ReduceSumSquare", "sum_square").Case("ReduceLogSum", "log_sum")
                       .Case("ReduceLogSumExp", "log_sum_exp").Default("mean");
  if (type == "ReduceSum")
    return importReduce<13>(ctx, kind);
  return importReduce<18>(ctx, kind);
}

LogicalResult importArgReduce(NodeContext &ctx) {
  StringRef kind = ctx.node.op_type() == "ArgMax" ? "max" : "min";
  return ctx.emit<ArgReduceOp>(ctx.input(0), kind, ctx.getInt("axis", 0),
                               ctx.getInt("keepdims", 1) != 0,
                               ctx.getInt("select_last_index", 0) != 0);
}

/// TopK: the indices (qnn.top_k), then the values gathered at them.
LogicalResult importTopK(NodeContext &ctx) {
  if (ctx.opset < 10)
    return ctx.error("TopK before opset 10 (k as an attribute) is not supported");
  auto k = ctx.constantInts(1, "K");
  if (failed(k))
    return failure();
  if (k->size() != 1)
    return ctx.error("K must hold one value");
  int64_t axis = ctx.getInt("axis", -1);
  auto indices = ctx.build<TopKOp>(ctx.input(0), k->front(), axis, ctx.getInt("largest", 1) != 0);
  if (failed(indices))
    return failure();
  auto values = ctx.build<GatherElementsOp>(ctx.input(0), *indices, axis);
  if (failed(values))
    return failure();
  return ctx.setOutputs({*values, *indices});
}

LogicalResult importCumSum(NodeContext &ctx) {
  auto axis = ctx.constantInts(1, "axis");
  if (failed(axis))
    return failure();
  if (axis->size() != 1)
    return ctx.error("axis must be a scalar");
  return ctx.emit<CumSumOp>(ctx.input(0), axis->front(), ctx.getInt("exclusive", 0) != 0,
                            ctx.getInt("reverse", 0) != 0);
}

/// Min/Max/Sum/Mean over any number of broadcasting inputs: a chain of binary ops.
template <typename OpTy> LogicalResult importVariadic(NodeContext &ctx) {
  SmallVector<Value> inputs;
  for (int i = 0; i < ctx.node.input_size(); ++i)
    if (ctx.hasInput(i))
      inputs.push_back(ctx.input(i));
  if (inputs.empty())
    return ctx.error("needs at least one input");
  Value result = inputs.front();
  for (Value next : ArrayRef<Value>(inputs).drop_front()) {
    auto combined = ctx.build<OpTy>(result, next);
    if (failed(combined))
      return failure();
    result = *combined;
  }
  if (ctx.node.op_type() == "Mean" && inputs.size() > 1) {
    auto type = cast<RankedTensorType>(result.getType());
    if (!isa<FloatType>(type.getElementType()))
      return ctx.error("Mean needs float inputs");
    auto scalar = RankedTensorType::get({}, type.getElementType());
    auto count = ctx.build<ConstantOp>(DenseElementsAttr::get(
        scalar, ctx.builder.getFloatAttr(type.getElementType(), double(inputs.size()))));
    if (failed(count))
      return failure();
    return ctx.emit<DivOp>(result, *count);
  }
  return ctx.setOutputs({result});
}

LogicalResult importGlobalMaxPool(NodeContext &ctx) {
  SmallVector<int64_t> axes;
  for (int64_t d = 2; d < ctx.inputType(0).getRank(); ++d)
    axes.push_back(d);
  return ctx.emit<ReduceOp>(ctx.input(0), "max", axes, true);
}

} // namespace

void registerReduceImporters(OpImporterMap &map) {
  for (const char *name : {"ReduceMean", "ReduceSum", "ReduceProd", "ReduceMax", "ReduceMin", "ReduceL1",
                           "ReduceL2", "ReduceSumSquare", "ReduceLogSum", "ReduceLogSumExp"})
    map[name] = importReduceFamily;
  map["ArgMax"] = importArgReduce;
  map["TopK"] = importTopK;
  map["ArgMin"] = importArgReduce;
  map["CumSum"] = importCumSum;
  map["LogSoftmax"] = importCoercedAxisOp<LogSoftmaxOp>;
  map["Hardmax"] = importCoercedAxisOp<HardmaxOp>;
  map["Min"] = importVariadic<MinOp>;
  map["Max"] = importVariadic<MaxOp>;
  map["Sum"] = importVariadic<AddOp>;
  map["Mean"] = importVariadic<AddOp>;
  map["GlobalMaxPool"] = importGlobalMaxPool;
}

} // namespace quantc::onnx_import
