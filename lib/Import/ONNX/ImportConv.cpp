// Importers for Conv, ConvTranspose and the pooling ops.
#include "NodeContext.h"

#include "dialects/QNN/QNNOps.h"

using namespace mlir;
using namespace quantc::qnn;

namespace quantc::onnx_import {
namespace {

/// kernel_shape, strides and dilations of a windowed op (ONNX defaults: 1s).
struct Window {
  SmallVector<int64_t> kernel, strides, dilations, pads;
};

/// Window sizes must be positive, one per spatial dim (a zero stride would
/// divide by zero when SAME padding is resolved).
LogicalResult checkPositive(NodeContext &ctx, StringRef name, ArrayRef<int64_t> values,
                            size_t spatial) {
  if (values.size() != spatial)
    return ctx.error(name + " has " + Twine(values.size()) + " entries for " + Twine(spatial) +
                     " spatial dims");
  for (int64_t value : values)
    if (value < 1)
      return ctx.error(name + " entries must be positive, got " + Twine(value));
  return success();
}

FailureOr<Window> readWindow(NodeContext &ctx, RankedTensorType input,
                             std::optional<SmallVector<int64_t>> kernelFromWeight) {
  Window w;
  if (input.getRank() < 3)
    return ctx.error("input must have rank >= 3 (N, C, spatial...), got rank " +
                     Twine(input.getRank()));
  size_t spatial = input.getRank() - 2;
  if (auto kernel = ctx.getInts("kernel_shape"))
    w.kernel = *kernel;
  else if (kernelFromWeight)
    w.kernel = *kernelFromWeight;
  else
    return ctx.error("kernel_shape is required when the weight's shape is not static");
  w.strides = ctx.getInts("strides").value_or(SmallVector<int64_t>(spatial, 1));
  w.dilations = ctx.getInts("dilations").value_or(SmallVector<int64_t>(spatial, 1));
  if (failed(checkPositive(ctx, "kernel_shape", w.kernel, spatial)) ||
      failed(checkPositive(ctx, "strides", w.strides, spatial)) ||
      failed(checkPositive(ctx, "dilations", w.dilations, spatial)))
    return failure();
  auto pads = ctx.windowPads(input, w.kernel, w.strides, w.dilations);
  if (failed(pads))
    return failure();
  w.pads = std::move(*pads);
  return w;
}

std::optional<SmallVector<int64_t>> weightKernel(NodeContext &ctx) {
  auto weight = ctx.inputType(1);
  if (weight.getRank() < 3 || !weight.hasStaticShape())
    return std::nullopt;
  return SmallVector<int64_t>(weight.getShape().drop_front(2));
}

/// Conv weights are (M, C/group, kernel...), ConvTranspose's (C, M/group,
/// kernel...): the input's rank either way.
LogicalResult checkWeightRank(NodeContext &ctx) {
  int64_t inputRank = ctx.inputType(0).getRank(), weightRank = ctx.inputType(1).getRank();
  if (weightRank == inputRank)
    return success();
  return ctx.error("weight has rank " + Twine(weightRank) + " but the input has rank " +
                   Twine(inputRank) + "; it needs two channel dims and one per kernel dim");
}

LogicalResult importConv(NodeContext &ctx) {
  if (failed(checkWeightRank(ctx)))
    return failure();
  auto window = readWindow(ctx, ctx.inputType(0), weightKernel(ctx));
  if (failed(window))
    return failure();
  return ctx.emit<ConvOp>(ctx.input(0), ctx.input(1), ctx.input(2), window->strides,
                          window->dilations, window->pads, ctx.getInt("group", 1));
}

LogicalResult importConvTranspose(NodeContext &ctx) {
  if (failed(checkWeightRank(ctx)))
    return failure();
  auto input = ctx.inputType(0);
  auto window = readWindow(ctx, input, weightKernel(ctx));
  if (failed(window))
    return failure();
  size_t spatial = window->kernel.size();
  SmallVector<int64_t> outputPadding =
      ctx.getInts("output_padding").value_or(SmallVector<int64_t>(spatial, 0));
  std::string autoPad = ctx.getString("auto_pad", "NOTSET");
  std::optional<SmallVector<int64_t>> outputShape = ctx.getInts("output_shape");
  if (outputPadding.size() != spatial)
    return ctx.error("output_padding needs one entry per spatial dim");
  // SAME without output_shape means output = input * stride.
  if (!outputShape && (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER")) {
    outputShape.emplace();
    for (size_t i = 0; i < spatial; ++i)
      outputShape->push_back(input.getDimSize(2 + i) * window->strides[i]);
  }
  if (outputShape) {
    // ONNX: total_padding = stride*(in-1) + output_padding + (k-1)*d+1 - output_shape,
    // split with the odd pad at the end for SAME_UPPER, else at the begin (ONNX spec).
    if (outputShape->size() == spatial + 2)
      outputShape->erase(outputShape->begin(), outputShape->begin() + 2);
    if (outputShape->size() != spatial)
      return ctx.error("output_shape needs one entry per spatial dim");
    for (size_t i = 0; i < spatial; ++i) {
      int64_t in = input.getDimSize(2 + i);
      if (in == ShapedType::kDynamic)
        return ctx.error("output_shape/auto_pad need static spatial dims; use --input-shape");
      int64_t total = window->strides[i] * (in - 1) + outputPadding[i] +
                      (window->kernel[i] - 1) * window->dilations[i] + 1 - (*outputShape)[i];
      if (total < 0) { // the output is larger than the window reaches: extend it
        outputPadding[i] += -total;
        total = 0;
      }
      bool extraAtBegin = autoPad != "SAME_UPPER";
      window->pads[i] = extraAtBegin ? total - total / 2 : total / 2;
      window->pads[spatial + i] = total - window->pads[i];
    }
  }
  return ctx.emit<ConvTransposeOp>(ctx.input(0), ctx.input(1), ctx.input(2),
                                   window->strides, window->dilations, window->pads,
                                   outputPadding, ctx.getInt("group", 1));
}

LogicalResult importMaxPool(NodeContext &ctx) {
  if (ctx.getInt("storage_order", 0) != 0)
    return ctx.error("storage_order = 1 (column-major indices) is not supported");
  auto window = readWindow(ctx, ctx.inputType(0), std::nullopt);
  if (failed(window))
    return failure();
  return ctx.emit<MaxPoolOp>(ctx.input(0), window->kernel, window->strides,
                             window->dilations, window->pads,
                             ctx.getInt("ceil_mode", 0) != 0);
}

LogicalResult importAveragePool(NodeContext &ctx) {
  auto window = readWindow(ctx, ctx.inputType(0), std::nullopt);
  if (failed(window))
    return failure();
  if (llvm::any_of(window->dilations, [](int64_t d) { return d != 1; }))
    return ctx.error("dilated average pooling is not supported");
  return ctx.emit<AveragePoolOp>(ctx.input(0), window->kernel, window->strides,
                                 window->pads, ctx.getInt("ceil_mode", 0) != 0,
                                 ctx.getInt("count_include_pad", 0) != 0);
}

LogicalResult importGlobalAveragePool(NodeContext &ctx) {
  return ctx.emit<GlobalAveragePoolOp>(ctx.input(0));
}

} // namespace

void registerConvImporters(OpImporterMap &map) {
  map["Conv"] = importConv;
  map["ConvTranspose"] = importConvTranspose;
  map["MaxPool"] = importMaxPool;
  map["AveragePool"] = importAveragePool;
  map["GlobalAveragePool"] = importGlobalAveragePool;
}

} // namespace quantc::onnx_import
