// Importers for comparisons, logic, selection and index ops, and for the ops
// that become constants or slices once shapes are bound (ConstantOfShape,
// Range, Size, Split).
#include "NodeContext.h"
#include "TensorImport.h"

#include "dialects/QNN/QNNOps.h"

using namespace mlir;
using namespace quantc::qnn;

namespace quantc::onnx_import {
namespace {

template <typename OpTy> LogicalResult importBinary(NodeContext &ctx) {
  return ctx.emit<OpTy>(ctx.input(0), ctx.input(1));
}

LogicalResult importNot(NodeContext &ctx) { return ctx.emit<NotOp>(ctx.input(0)); }

LogicalResult importWhere(NodeContext &ctx) {
  return ctx.emit<WhereOp>(ctx.input(0), ctx.input(1), ctx.input(2));
}

LogicalResult importExpand(NodeContext &ctx) {
  auto shape = ctx.constantInts(1, "shape");
  if (failed(shape))
    return failure();
  return ctx.emit<ExpandOp>(ctx.input(0), *shape);
}

LogicalResult importTile(NodeContext &ctx) {
  auto repeats = ctx.constantInts(1, "repeats");
  if (failed(repeats))
    return failure();
  return ctx.emit<TileOp>(ctx.input(0), *repeats);
}

LogicalResult importTrilu(NodeContext &ctx) {
  int64_t k = 0;
  if (ctx.hasInput(1)) {
    auto given = ctx.constantInts(1, "k");
    if (failed(given))
      return failure();
    if (given->size() != 1)
      return ctx.error("k must be a scalar");
    k = given->front();
  }
  return ctx.emit<TriluOp>(ctx.input(0), ctx.getInt("upper", 1) != 0, k);
}

LogicalResult importGatherElements(NodeContext &ctx) {
  return ctx.emit<GatherElementsOp>(ctx.input(0), ctx.input(1), ctx.getInt("axis", 0));
}

LogicalResult importGatherND(NodeContext &ctx) {
  return ctx.emit<GatherNDOp>(ctx.input(0), ctx.input(1), ctx.getInt("batch_dims", 0));
}

LogicalResult importScatterND(NodeContext &ctx) {
  return ctx.emit<ScatterNDOp>(ctx.input(0), ctx.input(1), ctx.input(2),
                               ctx.getString("reduction", "none"));
}

/// ScatterElements, and its deprecated alias Scatter (opset 9-10).
LogicalResult importScatterElements(NodeContext &ctx) {
  return ctx.emit<ScatterElementsOp>(ctx.input(0), ctx.input(1), ctx.input(2),
                                     ctx.getInt("axis", 0), ctx.getString("reduction", "none"));
}

/// A splat constant of `type` holding the single value of `value`.
LogicalResult emitSplat(NodeContext &ctx, RankedTensorType type, Attribute value) {
  return ctx.emit<ConstantOp>(DenseElementsAttr::get(type, value));
}

/// ConstantOfShape: the shape input must be constant once shapes are bound.
LogicalResult importConstantOfShape(NodeContext &ctx) {
  auto shape = ctx.constantInts(0, "shape");
  if (failed(shape))
    return failure();
  if (llvm::any_of(*shape, [](int64_t d) { return d < 0 || d > (int64_t(1) << 35); }))
    return ctx.error("shape has a negative or oversized dim");
  MLIRContext *context = ctx.builder.getContext();
  Attribute value = ctx.builder.getF32FloatAttr(0.0f);
  if (const onnx::AttributeProto *attr = ctx.attr("value")) {
    std::string why;
    ElementsAttr tensor = convertTensor(attr->t(), "", context, why);
    if (!tensor)
      return ctx.error("value: " + why);
    if (tensor.getNumElements() != 1)
      return ctx.error("value must hold exactly one element");
    value = *tensor.getValues<Attribute>().begin();
  }
  auto element = cast<TypedAttr>(value).getType();
  return emitSplat(ctx, RankedTensorType::get(*shape, element), value);
}

/// Range: start, limit and delta must be constant; the result is a constant.
LogicalResult importRange(NodeContext &ctx) {
  Type element = ctx.inputType(0).getElementType();
  auto type = [&](int64_t n) { return RankedTensorType::get({n}, element); };
  if (isa<FloatType>(element)) {
    auto start = ctx.constantFloats(0, "start"), limit = ctx.constantFloats(1, "limit"),
         delta = ctx.constantFloats(2, "delta");
    if (failed(start) || failed(limit) || failed(delta))
      return failure();
    if (start->size() != 1 || limit->size() != 1 || delta->size() != 1 || delta->front() == 0)
      return ctx.error("start, limit and delta must be scalars and delta nonzero");
    double count = std::ceil((limit->front() - start->front()) / delta->front());
    int64_t n = std::max<int64_t>(int64_t(count), 0);
    if (n > (int64_t(1) << 24))
      return ctx.error("range of " + Twine(n) + " elements is too large to materialize");
    SmallVector<APFloat> values;
    for (int64_t i = 0; i < n; ++i) {
      APFloat v(double(start->front()) + double(i) * delta->front());
      bool lost;
      v.convert(cast<FloatType>(element).getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
      values.push_back(v);
    }
    return ctx.emit<ConstantOp>(DenseElementsAttr::get(type(n), values));
  }
  auto start = ctx.constantInts(0, "start"), limit = ctx.constantInts(1, "limit"),
       delta = ctx.constantInts(2, "delta");
  if (failed(start) || failed(limit) || failed(delta))
    return failure();
  if (start->size() != 1 || limit->size() != 1 || delta->size() != 1 || delta->front() == 0)
    return ctx.error("start, limit and delta must be scalars and delta nonzero");
  int64_t span = limit->front() - start->front(), step = delta->front();
  int64_t n = std::max<int64_t>((span + step + (step > 0 ? -1 : 1)) / step, 0);
  if (n > (int64_t(1) << 24))
    return ctx.error("range of " + Twine(n) + " elements is too large to materialize");
  SmallVector<APInt> values;
  for (int64_t i = 0; i < n; ++i)
    values.emplace_back(element.getIntOrFloatBitWidth(), uint64_t(start->front() + i * step),
                        /*isSigned=*/true, /*implicitTrunc=*/true);
  return ctx.emit<ConstantOp>(DenseElementsAttr::get(type(n), values));
}

LogicalResult importSize(NodeContext &ctx) {
  auto type = ctx.inputType(0);
  if (!type.hasStaticShape())
    return ctx.error("Size needs a static input shape; bind dynamic dims with --input-shape");
  auto result = RankedTensorType::get({}, ctx.builder.getI64Type());
  return emitSplat(ctx, result, ctx.builder.getI64IntegerAttr(type.getNumElements()));
}

LogicalResult importCastLike(NodeContext &ctx) {
  return ctx.emit<CastOp>(ctx.input(0), ctx.inputType(1).getElementType());
}

/// Split: one slice per output, sizes from the `split` input (opset >= 13),
/// the attribute, num_outputs (opset 18), or equal parts.
LogicalResult importSplit(NodeContext &ctx) {
  auto type = ctx.inputType(0);
  int64_t rank = type.getRank(), axis = ctx.getInt("axis", 0);
  if (axis < -rank || axis >= rank)
    return ctx.error("axis " + Twine(axis) + " is out of range for rank " + Twine(rank));
  if (axis < 0)
    axis += rank;
  int64_t dim = type.getDimSize(axis);
  if (ShapedType::isDynamic(dim))
    return ctx.error("the split axis must be static; bind dynamic dims with --input-shape");
  SmallVector<int64_t> sizes;
  if (ctx.opset >= 13 && ctx.hasInput(1)) {
    auto given = ctx.constantInts(1, "split");
    if (failed(given))
      return failure();
    sizes = *given;
  } else if (auto given = ctx.getInts("split")) {
    sizes = *given;
  } else {
    int64_t parts = ctx.opset >= 18 && ctx.attr("num_outputs") ? ctx.getInt("num_outputs", 1)
                                                               : ctx.node.output_size();
    if (parts < 1)
      return ctx.error("num_outputs must be positive");
    int64_t chunk = (dim + parts - 1) / parts; // the last part may be smaller (opset 18)
    for (int64_t start = 0; start < dim; start += chunk)
      sizes.push_back(std::min(chunk, dim - start));
  }
  if (int64_t(sizes.size()) != ctx.node.output_size())
    return ctx.error("splits into " + Twine(sizes.size()) + " parts but has " +
                     Twine(ctx.node.output_size()) + " outputs");
  int64_t total = 0;
  for (int64_t size : sizes) {
    if (size < 0)
      return ctx.error("split sizes must be non-negative");
    total += size;
  }
  if (total != dim)
    return ctx.error("split sizes sum to " + Twine(total) + " but the axis has " + Twine(dim));
  SmallVector<Value> parts;
  int64_t start = 0;
  for (int64_t size : sizes) {
    auto part = ctx.build<SliceOp>(ctx.input(0), ArrayRef<int64_t>{start},
                                   ArrayRef<int64_t>{start + size}, ArrayRef<int64_t>{axis},
                                   ArrayRef<int64_t>{1});
    if (failed(part))
      return failure();
    parts.push_back(*part);
    start += size;
  }
  return ctx.setOutputs(parts);
}

} // namespace

void registerLogicImporters(OpImporterMap &map) {
  map["Equal"] = importBinary<EqualOp>;
  map["Less"] = importBinary<LessOp>;
  map["LessOrEqual"] = importBinary<LessOrEqualOp>;
  map["Greater"] = importBinary<GreaterOp>;
  map["GreaterOrEqual"] = importBinary<GreaterOrEqualOp>;
  map["And"] = importBinary<AndOp>;
  map["Or"] = importBinary<OrOp>;
  map["Xor"] = importBinary<XorOp>;
  map["Not"] = importNot;
  map["Where"] = importWhere;
  map["Expand"] = importExpand;
  map["Tile"] = importTile;
  map["Trilu"] = importTrilu;
  map["GatherElements"] = importGatherElements;
  map["GatherND"] = importGatherND;
  map["ScatterND"] = importScatterND;
  map["ScatterElements"] = importScatterElements;
  map["Scatter"] = importScatterElements;
  map["ConstantOfShape"] = importConstantOfShape;
  map["Range"] = importRange;
  map["Size"] = importSize;
  map["CastLike"] = importCastLike;
  map["Split"] = importSplit;
}

} // namespace quantc::onnx_import
