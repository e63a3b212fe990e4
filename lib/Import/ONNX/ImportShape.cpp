// Importers for shape manipulation, data movement, Resize/Upsample, Pad, Cast and pass-throughs.
#include "NodeContext.h"
#include "TensorImport.h"

#include "dialects/QNN/QNNOps.h"

using namespace mlir;
using namespace quantc::qnn;

namespace quantc::onnx_import {
namespace {

LogicalResult importReshape(NodeContext &ctx) {
  if (ctx.opset < 5) { // the target shape was an attribute
    auto shape = ctx.getInts("shape");
    if (!shape)
      return ctx.error("shape is required");
    return ctx.emit<ReshapeOp>(ctx.input(0), *shape, false);
  }
  auto shape = ctx.constantInts(1, "shape");
  if (failed(shape))
    return failure();
  return ctx.emit<ReshapeOp>(ctx.input(0), *shape, ctx.getInt("allowzero", 0) != 0);
}

LogicalResult importTranspose(NodeContext &ctx) {
  SmallVector<int64_t> perm;
  if (auto given = ctx.getInts("perm"))
    perm = *given;
  else // default: reverse the dims
    for (int64_t i = ctx.inputType(0).getRank() - 1; i >= 0; --i)
      perm.push_back(i);
  return ctx.emit<TransposeOp>(ctx.input(0), perm);
}

LogicalResult importConcat(NodeContext &ctx) {
  if (!ctx.attr("axis"))
    return ctx.error("axis is required");
  SmallVector<Value> inputs;
  for (int i = 0; i < ctx.node.input_size(); ++i)
    if (ctx.hasInput(i))
      inputs.push_back(ctx.input(i));
  return ctx.emit<ConcatOp>(ValueRange(inputs), ctx.getInt("axis", 0));
}

LogicalResult importSlice(NodeContext &ctx) {
  SmallVector<int64_t> starts, ends, axes, steps;
  if (ctx.opset < 10) {
    starts = ctx.getInts("starts").value_or(SmallVector<int64_t>{});
    ends = ctx.getInts("ends").value_or(SmallVector<int64_t>{});
    axes = ctx.getInts("axes").value_or(SmallVector<int64_t>{});
  } else {
    auto s = ctx.constantInts(1, "starts"), e = ctx.constantInts(2, "ends");
    if (failed(s) || failed(e))
      return failure();
    starts = *s;
    ends = *e;
    if (ctx.hasInput(3)) {
      auto a = ctx.constantInts(3, "axes");
      if (failed(a))
        return failure();
      axes = *a;
    }
    if (ctx.hasInput(4)) {
      auto st = ctx.constantInts(4, "steps");
      if (failed(st))
        return failure();
      steps = *st;
    }
  }
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i)
      axes.push_back(i);
  if (steps.empty())
    steps.assign(starts.size(), 1);
  return ctx.emit<SliceOp>(ctx.input(0), starts, ends, axes, steps);
}

/// Axes from the attribute (before opset 13) or the optional input 1.
FailureOr<SmallVector<int64_t>> axesOperand(NodeContext &ctx) {
  if (ctx.opset < 13)
    return ctx.getInts("axes").value_or(SmallVector<int64_t>{});
  if (!ctx.hasInput(1))
    return SmallVector<int64_t>{};
  return ctx.constantInts(1, "axes");
}

LogicalResult importSqueeze(NodeContext &ctx) {
  auto axes = axesOperand(ctx);
  if (failed(axes))
    return failure();
  return ctx.emit<SqueezeOp>(ctx.input(0), *axes);
}

LogicalResult importUnsqueeze(NodeContext &ctx) {
  auto axes = axesOperand(ctx);
  if (failed(axes))
    return failure();
  if (axes->empty())
    return ctx.error("axes is required");
  return ctx.emit<UnsqueezeOp>(ctx.input(0), *axes);
}

LogicalResult importFlatten(NodeContext &ctx) {
  return ctx.emit<FlattenOp>(ctx.input(0), ctx.getInt("axis", 1));
}

LogicalResult importCast(NodeContext &ctx) {
  Type to = convertElementType(ctx.getInt("to", 0), ctx.builder.getContext());
  if (!to)
    return ctx.error("cast to " + dataTypeName(ctx.getInt("to", 0)) + " is not supported");
  return ctx.emit<CastOp>(ctx.input(0), to);
}

LogicalResult importShape(NodeContext &ctx) {
  std::optional<int64_t> end;
  if (ctx.attr("end"))
    end = ctx.getInt("end", 0);
  return ctx.emit<ShapeOfOp>(ctx.input(0), ctx.getInt("start", 0),
                             end ? ctx.builder.getI64IntegerAttr(*end) : IntegerAttr());
}

LogicalResult importGather(NodeContext &ctx) {
  return ctx.emit<GatherOp>(ctx.input(0), ctx.input(1), ctx.getInt("axis", 0));
}

LogicalResult importPassThrough(NodeContext &ctx) { return ctx.setOutputs({ctx.input(0)}); }

LogicalResult importPad(NodeContext &ctx) {
  std::string mode = ctx.getString("mode", "constant");
  SmallVector<int64_t> pads;
  float value = 0.0f;
  if (ctx.opset < 11) {
    pads = ctx.getInts("pads").value_or(SmallVector<int64_t>{});
    value = ctx.getFloat("value", 0.0f);
  } else {
    auto given = ctx.constantInts(1, "pads");
    if (failed(given))
      return failure();
    pads = *given;
    if (ctx.hasInput(2)) {
      auto constant = ctx.constantFloats(2, "constant_value");
      if (failed(constant))
        return failure();
      if (constant->size() != 1)
        return ctx.error("constant_value must be a scalar");
      value = constant->front();
    }
  }
  return ctx.emit<PadOp>(ctx.input(0), pads, mode, APFloat(value));
}

/// Builds qnn.resize from per-dim scales or output sizes.
LogicalResult emitResize(NodeContext &ctx, SmallVector<float> scales,
                         std::optional<SmallVector<int64_t>> sizes, StringRef mode,
                         StringRef coordinateMode, StringRef nearestMode) {
  auto type = ctx.inputType(0);
  if (mode != "nearest" && mode != "linear")
    return ctx.error("mode '" + mode + "' is not supported (nearest and linear are)");
  if (sizes) {
    if (static_cast<int64_t>(sizes->size()) != type.getRank())
      return ctx.error("sizes needs one entry per dim");
    scales.clear();
    for (int64_t i = 0; i < type.getRank(); ++i) {
      if (type.isDynamicDim(i))
        return ctx.error("resizing to sizes needs static input dims; use --input-shape");
      scales.push_back(float((*sizes)[i]) / float(type.getDimSize(i)));
    }
  }
  DenseI64ArrayAttr sizesAttr = sizes ? ctx.builder.getDenseI64ArrayAttr(*sizes) : nullptr;
  return ctx.emit<ResizeOp>(ctx.input(0), scales, sizesAttr, mode, coordinateMode,
                            nearestMode);
}

LogicalResult importResize(NodeContext &ctx) {
  std::string mode = ctx.getString("mode", "nearest");
  if (ctx.opset < 11) { // opset 10: (X, scales), Upsample-style coordinates
    auto scales = ctx.constantFloats(1, "scales");
    if (failed(scales))
      return failure();
    return emitResize(ctx, *scales, std::nullopt, mode, "asymmetric", "floor");
  }
  std::string coordinateMode = ctx.getString("coordinate_transformation_mode", "half_pixel");
  if (coordinateMode == "tf_crop_and_resize")
    return ctx.error("coordinate_transformation_mode tf_crop_and_resize is not supported");
  SmallVector<float> scales;
  std::optional<SmallVector<int64_t>> sizes;
  if (ctx.hasInput(2)) {
    auto given = ctx.constantFloats(2, "scales");
    if (failed(given))
      return failure();
    scales = *given;
  }
  if (scales.empty()) { // an empty scales tensor means "use sizes"
    auto given = ctx.constantInts(3, "sizes");
    if (failed(given))
      return failure();
    sizes = *given;
  }
  return emitResize(ctx, scales, sizes, mode, coordinateMode,
                    ctx.getString("nearest_mode", "round_prefer_floor"));
}

/// GridSample (opset 16's 4-D form; opset 20 renamed its modes).
LogicalResult importGridSample(NodeContext &ctx) {
  auto type = ctx.inputType(0);
  if (type.getRank() != 4)
    return ctx.error("GridSample of a rank-" + std::to_string(type.getRank()) +
                     " input is not supported (4-D: N, C, H, W)");
  if (type.isDynamicDim(2) || type.isDynamicDim(3))
    return ctx.error("GridSample needs the input's height and width static; use --input-shape");
  std::string mode = ctx.getString("mode", ctx.opset < 20 ? "bilinear" : "linear");
  if (mode == "bilinear" || mode == "bicubic")
    mode = mode == "bilinear" ? "linear" : "cubic";
  int64_t alignCorners = ctx.getInt("align_corners", 0);
  if (alignCorners != 0 && alignCorners != 1)
    return ctx.error("align_corners must be 0 or 1");
  return ctx.emit<GridSampleOp>(ctx.input(0), ctx.input(1), mode,
                                ctx.getString("padding_mode", "zeros"), alignCorners);
}

LogicalResult importUpsample(NodeContext &ctx) {
  SmallVector<float> scales;
  if (ctx.opset < 9) {
    scales = ctx.getFloats("scales").value_or(SmallVector<float>{});
  } else {
    auto given = ctx.constantFloats(1, "scales");
    if (failed(given))
      return failure();
    scales = *given;
  }
  return emitResize(ctx, scales, std::nullopt, ctx.getString("mode", "nearest"),
                    "asymmetric", "floor");
}

} // namespace

void registerShapeImporters(OpImporterMap &map) {
  map["Reshape"] = importReshape;
  map["Transpose"] = importTranspose;
  map["Concat"] = importConcat;
  map["Slice"] = importSlice;
  map["Squeeze"] = importSqueeze;
  map["Unsqueeze"] = importUnsqueeze;
  map["Flatten"] = importFlatten;
  map["Cast"] = importCast;
  map["Shape"] = importShape;
  map["Gather"] = importGather;
  map["Identity"] = importPassThrough;
  map["Dropout"] = importPassThrough;
  map["Pad"] = importPad;
  map["Resize"] = importResize;
  map["Upsample"] = importUpsample;
  map["GridSample"] = importGridSample;
}

} // namespace quantc::onnx_import
