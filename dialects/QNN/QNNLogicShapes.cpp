// Shape functions and verifiers of the comparison, selection, gather and
// reduction ops (QNNLogicOps.td, QNNReductionOps.td).
#include "dialects/QNN/QNNOps.h"
#include "dialects/QNN/QNNShapeUtils.h"

#include "llvm/ADT/StringSwitch.h"

using namespace mlir;
using namespace quantc::qnn;
using namespace quantc::qnn::shapes;

namespace {

LogicalResult inferCompare(std::optional<Location> loc, StringRef op, Value lhsValue,
                           Value rhsValue, SmallVectorImpl<Type> &results) {
  auto lhs = rankedType(lhsValue), rhs = rankedType(rhsValue);
  if (!lhs || !rhs)
    return fail(loc, op, "expects ranked operands");
  if (lhs.getElementType() != rhs.getElementType())
    return fail(loc, op, "operand element types differ");
  SmallVector<int64_t> shape;
  if (failed(broadcastShapes(lhs.getShape(), rhs.getShape(), shape)))
    return fail(loc, op, "shapes " + formatShape(lhs.getShape()) + " and " +
                             formatShape(rhs.getShape()) + " do not broadcast");
  results.push_back(RankedTensorType::get(shape, IntegerType::get(lhs.getContext(), 1)));
  return success();
}

/// The shape left after reducing `axes` of `input` (all when empty).
FailureOr<SmallVector<int64_t>> reducedShape(std::optional<Location> loc, StringRef op,
                                             RankedTensorType input, ArrayRef<int64_t> axes,
                                             bool keepdims) {
  SmallVector<bool> reduced(input.getRank(), axes.empty());
  for (int64_t axis : axes) {
    auto normalized = normalizeAxis(axis, input.getRank());
    if (failed(normalized))
      return fail(loc, op, "axis " + Twine(axis) + " is out of range for rank " +
                               Twine(input.getRank()));
    reduced[*normalized] = true;
  }
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < input.getRank(); ++i) {
    if (!reduced[i])
      shape.push_back(input.getDimSize(i));
    else if (keepdims)
      shape.push_back(1);
  }
  return shape;
}

} // namespace

#define QNN_COMPARE_OP(OpClass, mnemonic)                                              \
  LogicalResult OpClass::inferReturnTypes(MLIRContext *, std::optional<Location> loc,  \
                                          Adaptor adaptor,                             \
                                          SmallVectorImpl<Type> &results) {            \
    return inferCompare(loc, mnemonic, adaptor.getLhs(), adaptor.getRhs(), results);   \
  }
QNN_COMPARE_OP(EqualOp, "equal")
QNN_COMPARE_OP(LessOp, "less")
QNN_COMPARE_OP(LessOrEqualOp, "less_or_equal")
QNN_COMPARE_OP(GreaterOp, "greater")
QNN_COMPARE_OP(GreaterOrEqualOp, "greater_or_equal")
#undef QNN_COMPARE_OP

LogicalResult WhereOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                        Adaptor adaptor, SmallVectorImpl<Type> &results) {
  auto condition = rankedType(adaptor.getCondition());
  auto x = rankedType(adaptor.getX()), y = rankedType(adaptor.getY());
  if (!condition || !x || !y)
    return fail(loc, "where", "expects ranked operands");
  if (x.getElementType() != y.getElementType())
    return fail(loc, "where", "x and y element types differ");
  SmallVector<int64_t> xy, shape;
  if (failed(broadcastShapes(x.getShape(), y.getShape(), xy)) ||
      failed(broadcastShapes(condition.getShape(), xy, shape)))
    return fail(loc, "where", "shapes " + formatShape(condition.getShape()) + ", " +
                                  formatShape(x.getShape()) + " and " +
                                  formatShape(y.getShape()) + " do not broadcast");
  results.push_back(RankedTensorType::get(shape, x.getElementType()));
  return success();
}

LogicalResult ExpandOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor, SmallVectorImpl<Type> &results) {
  auto input = rankedType(adaptor.getInput());
  if (!input)
    return fail(loc, "expand", "expects a ranked input");
  if (llvm::any_of(adaptor.getShape(), [](int64_t d) { return d < 0; }))
    return fail(loc, "expand", "shape " + formatShape(adaptor.getShape()) +
                                   " has a negative dim");
  SmallVector<int64_t> shape;
  if (failed(broadcastShapes(input.getShape(), adaptor.getShape(), shape)))
    return fail(loc, "expand", "input shape " + formatShape(input.getShape()) +
                                   " does not broadcast to " + formatShape(adaptor.getShape()));
  results.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult TileOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                       Adaptor adaptor, SmallVectorImpl<Type> &results) {
  auto input = rankedType(adaptor.getInput());
  if (!input)
    return fail(loc, "tile", "expects a ranked input");
  ArrayRef<int64_t> repeats = adaptor.getRepeats();
  if (int64_t(repeats.size()) != input.getRank())
    return fail(loc, "tile", "expects one repeat per dim (" + Twine(input.getRank()) + "), got " +
                                 Twine(repeats.size()));
  SmallVector<int64_t> shape;
  for (auto [dim, repeat] : llvm::zip(input.getShape(), repeats)) {
    if (repeat < 0)
      return fail(loc, "tile", "repeats must be non-negative");
    shape.push_back(ShapedType::isDynamic(dim) ? dim : dim * repeat);
  }
  results.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult TriluOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                        Adaptor adaptor, SmallVectorImpl<Type> &results) {
  auto input = rankedType(adaptor.getInput());
  if (!input || input.getRank() < 2)
    return fail(loc, "trilu", "expects an input of rank 2 or more");
  results.push_back(input);
  return success();
}

LogicalResult GatherElementsOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                                 Adaptor adaptor,
                                                 SmallVectorImpl<Type> &results) {
  auto input = rankedType(adaptor.getInput()), indices = rankedType(adaptor.getIndices());
  if (!input || !indices || input.getRank() != indices.getRank() || input.getRank() == 0)
    return fail(loc, "gather_elements", "expects input and indices of the same non-zero rank");
  if (failed(normalizeAxis(adaptor.getAxis(), input.getRank())))
    return fail(loc, "gather_elements", "axis " + Twine(adaptor.getAxis()) + " is out of range");
  results.push_back(RankedTensorType::get(indices.getShape(), input.getElementType()));
  return success();
}

LogicalResult GatherNDOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                           Adaptor adaptor, SmallVectorImpl<Type> &results) {
  auto input = rankedType(adaptor.getInput()), indices = rankedType(adaptor.getIndices());
  if (!input || !indices || indices.getRank() < 1 || input.getRank() < 1)
    return fail(loc, "gather_nd", "expects ranked input and indices");
  int64_t batch = adaptor.getBatchDims(), depth = indices.getShape().back();
  if (batch < 0 || batch >= std::min(input.getRank(), indices.getRank()))
    return fail(loc, "gather_nd", "batch_dims " + Twine(batch) + " is out of range");
  if (ShapedType::isDynamic(depth) || depth < 1 || batch + depth > input.getRank())
    return fail(loc, "gather_nd", "index tuples of length " + Twine(depth) +
                                      " do not fit an input of rank " + Twine(input.getRank()));
  SmallVector<int64_t> shape(indices.getShape().drop_back());
  for (int64_t d = batch + depth; d < input.getRank(); ++d)
    shape.push_back(input.getDimSize(d));
  results.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult ReduceOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor, SmallVectorImpl<Type> &results) {
  auto input = rankedType(adaptor.getInput());
  if (!input)
    return fail(loc, "reduce", "expects a ranked input");
  auto shape = reducedShape(loc, "reduce", input, adaptor.getAxes(), adaptor.getKeepdims());
  if (failed(shape))
    return failure();
  results.push_back(RankedTensorType::get(*shape, input.getElementType()));
  return success();
}

LogicalResult ReduceOp::verify() {
  bool known = llvm::StringSwitch<bool>(getKind())
                   .Cases({"sum", "prod", "max", "min", "l1", "l2"}, true)
                   .Cases({"sum_square", "log_sum", "log_sum_exp"}, true)
                   .Default(false);
  if (!known)
    return emitOpError("unknown reduction kind '") << getKind() << "'";
  bool floatOnly = llvm::is_contained({"l2", "log_sum", "log_sum_exp"}, getKind().str());
  if (floatOnly && !isa<FloatType>(getInput().getType().getElementType()))
    return emitOpError("reduction '") << getKind() << "' needs a float input";
  return success();
}

LogicalResult ArgReduceOp::inferReturnTypes(MLIRContext *context, std::optional<Location> loc,
                                            Adaptor adaptor, SmallVectorImpl<Type> &results) {
  auto input = rankedType(adaptor.getInput());
  if (!input || input.getRank() == 0)
    return fail(loc, "arg_reduce", "expects an input of rank 1 or more");
  auto shape = reducedShape(loc, "arg_reduce", input, {adaptor.getAxis()}, adaptor.getKeepdims());
  if (failed(shape))
    return failure();
  results.push_back(RankedTensorType::get(*shape, IntegerType::get(context, 64)));
  return success();
}

LogicalResult ArgReduceOp::verify() {
  if (getKind() != "max" && getKind() != "min")
    return emitOpError("kind must be 'max' or 'min', got '") << getKind() << "'";
  return success();
}

LogicalResult TopKOp::inferReturnTypes(MLIRContext *context, std::optional<Location> loc,
                                       Adaptor adaptor, SmallVectorImpl<Type> &results) {
  auto input = rankedType(adaptor.getInput());
  if (!input || input.getRank() == 0)
    return fail(loc, "top_k", "expects an input of rank 1 or more");
  auto axis = normalizeAxis(adaptor.getAxis(), input.getRank());
  if (failed(axis))
    return fail(loc, "top_k", "axis " + Twine(adaptor.getAxis()) + " is out of range");
  int64_t size = input.getDimSize(*axis), k = adaptor.getK();
  if (k < 0 || (size != ShapedType::kDynamic && k > size))
    return fail(loc, "top_k",
                "k = " + Twine(k) + " is not within the axis' " +
                    (size == ShapedType::kDynamic ? std::string("?") : std::to_string(size)) +
                    " elements");
  SmallVector<int64_t> shape(input.getShape());
  shape[*axis] = k;
  results.push_back(RankedTensorType::get(shape, IntegerType::get(context, 64)));
  return success();
}

LogicalResult CumSumOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor, SmallVectorImpl<Type> &results) {
  auto input = rankedType(adaptor.getInput());
  if (!input || input.getRank() == 0)
    return fail(loc, "cumsum", "expects an input of rank 1 or more");
  if (failed(normalizeAxis(adaptor.getAxis(), input.getRank())))
    return fail(loc, "cumsum", "axis " + Twine(adaptor.getAxis()) + " is out of range");
  results.push_back(input);
  return success();
}

template <typename OpTy> static LogicalResult verifyAxisOp(OpTy op) {
  int64_t rank = cast<RankedTensorType>(op.getInput().getType()).getRank();
  if (failed(normalizeAxis(op.getAxis(), rank)))
    return op.emitOpError("axis ") << op.getAxis() << " is out of range for rank " << rank;
  return success();
}
LogicalResult LogSoftmaxOp::verify() { return verifyAxisOp(*this); }
LogicalResult HardmaxOp::verify() { return verifyAxisOp(*this); }

static LogicalResult verifyReduction(Operation *op, StringRef reduction) {
  if (!llvm::is_contained({"none", "add", "mul", "max", "min"}, reduction.str()))
    return op->emitOpError("reduction must be none, add, mul, max or min, got '")
           << reduction << "'";
  return success();
}

LogicalResult ScatterNDOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                            Adaptor adaptor, SmallVectorImpl<Type> &results) {
  auto data = rankedType(adaptor.getData()), indices = rankedType(adaptor.getIndices());
  auto updates = rankedType(adaptor.getUpdates());
  if (!data || !indices || !updates || indices.getRank() < 1)
    return fail(loc, "scatter_nd", "expects ranked data, indices and updates");
  int64_t depth = indices.getShape().back();
  if (ShapedType::isDynamic(depth) || depth < 1 || depth > data.getRank())
    return fail(loc, "scatter_nd", "index tuples of length " + Twine(depth) +
                                       " do not fit data of rank " + Twine(data.getRank()));
  SmallVector<int64_t> want(indices.getShape().drop_back());
  want.append(data.getShape().begin() + depth, data.getShape().end());
  if (updates.getShape() != ArrayRef<int64_t>(want) ||
      updates.getElementType() != data.getElementType())
    return fail(loc, "scatter_nd", "updates must be " + formatShape(want) + " of the data's type");
  results.push_back(data);
  return success();
}
LogicalResult ScatterNDOp::verify() { return verifyReduction(*this, getReduction()); }

LogicalResult ScatterElementsOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                                  Adaptor adaptor,
                                                  SmallVectorImpl<Type> &results) {
  auto data = rankedType(adaptor.getData()), indices = rankedType(adaptor.getIndices());
  auto updates = rankedType(adaptor.getUpdates());
  if (!data || !indices || !updates || indices.getShape() != updates.getShape() ||
      indices.getRank() != data.getRank() || data.getRank() == 0 ||
      updates.getElementType() != data.getElementType())
    return fail(loc, "scatter_elements",
                "expects indices and updates of one shape, with the data's rank and type");
  if (failed(normalizeAxis(adaptor.getAxis(), data.getRank())))
    return fail(loc, "scatter_elements", "axis " + Twine(adaptor.getAxis()) + " is out of range");
  results.push_back(data);
  return success();
}
LogicalResult ScatterElementsOp::verify() { return verifyReduction(*this, getReduction()); }
