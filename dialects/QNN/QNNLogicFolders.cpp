// Folders of the comparison, logic, selection and broadcast ops: torch.onnx
// builds class-token expansion and causal masks from them
// (Shape -> ConstantOfShape -> Equal -> Where -> Expand), which must become
// constants once input shapes are bound.
#include "dialects/QNN/QNNHostTensor.h"
#include "dialects/QNN/QNNOps.h"

using namespace mlir;
using namespace quantc::qnn;
using namespace quantc::qnn::folding;

namespace {

/// The flat index into `t` (broadcast to `outShape`) of output multi-index `index`.
int64_t broadcastFlat(const HostTensor &t, ArrayRef<int64_t> index) {
  SmallVector<int64_t> strides = stridesOf(t.shape);
  int64_t offset = int64_t(index.size()) - int64_t(t.shape.size()), flat = 0;
  for (size_t d = 0; d < t.shape.size(); ++d)
    flat += (t.shape[d] == 1 ? 0 : index[offset + d]) * strides[d];
  return flat;
}

/// Calls fn(outFlat, index) over every element of a static result type.
template <typename Fn> bool forEachIndex(RankedTensorType type, Fn fn) {
  if (!type.hasStaticShape() || type.getNumElements() > kMaxFoldElements)
    return false;
  SmallVector<int64_t> index(type.getRank(), 0);
  for (int64_t flat = 0, e = type.getNumElements(); flat < e; ++flat) {
    fn(flat, ArrayRef<int64_t>(index));
    advanceIndex(index, type.getShape());
  }
  return true;
}

/// out[i] = fn(lhs[i], rhs[i]) as i1, compared as doubles or int64.
template <typename Fn>
Attribute foldCompare(Attribute lhsAttr, Attribute rhsAttr, RankedTensorType type, Fn fn) {
  auto lhs = HostTensor::from(lhsAttr), rhs = HostTensor::from(rhsAttr);
  if (!lhs || !rhs)
    return {};
  HostTensor out{SmallVector<int64_t>(type.getShape()), type.getElementType(), {}, {}};
  bool isFloat = lhs->isFloat();
  if (!forEachIndex(type, [&](int64_t, ArrayRef<int64_t> index) {
        int64_t l = broadcastFlat(*lhs, index), r = broadcastFlat(*rhs, index);
        out.ints.push_back(isFloat ? fn(lhs->floats[l], rhs->floats[r])
                                   : fn(double(lhs->ints[l]), double(rhs->ints[r])));
      }))
    return {};
  return out.toAttr(type);
}

/// Copies elements of `input` into a new tensor of `type`, element i read
/// from input flat index sourceOf(index).
template <typename SourceFn>
Attribute foldGatherLike(const HostTensor &input, RankedTensorType type, SourceFn sourceOf) {
  HostTensor out{SmallVector<int64_t>(type.getShape()), input.elementType, {}, {}};
  if (!forEachIndex(type, [&](int64_t, ArrayRef<int64_t> index) {
        int64_t from = sourceOf(index);
        input.isFloat() ? out.floats.push_back(input.floats[from])
                        : out.ints.push_back(input.ints[from]);
      }))
    return {};
  return out.toAttr(type);
}

template <typename Fn> Attribute foldUnary(Attribute inputAttr, RankedTensorType type, Fn fn) {
  auto input = HostTensor::from(inputAttr);
  if (!input)
    return {};
  HostTensor out = *input;
  for (double &v : out.floats)
    v = fn(v);
  for (int64_t &v : out.ints)
    v = int64_t(fn(double(v)));
  return out.toAttr(type);
}

} // namespace

#define QNN_COMPARE_FOLDER(OpClass, EXPR)                                               \
  OpFoldResult OpClass::fold(FoldAdaptor adaptor) {                                     \
    return foldCompare(adaptor.getLhs(), adaptor.getRhs(), getType(),                   \
                       [](double a, double b) -> int64_t { return (EXPR) ? 1 : 0; });   \
  }
QNN_COMPARE_FOLDER(EqualOp, a == b)
QNN_COMPARE_FOLDER(LessOp, a < b)
QNN_COMPARE_FOLDER(LessOrEqualOp, a <= b)
QNN_COMPARE_FOLDER(GreaterOp, a > b)
QNN_COMPARE_FOLDER(GreaterOrEqualOp, a >= b)
QNN_COMPARE_FOLDER(AndOp, a != 0 && b != 0)
QNN_COMPARE_FOLDER(OrOp, a != 0 || b != 0)
QNN_COMPARE_FOLDER(XorOp, (a != 0) != (b != 0))
#undef QNN_COMPARE_FOLDER

OpFoldResult MinOp::fold(FoldAdaptor adaptor) {
  return foldBinary(adaptor.getLhs(), adaptor.getRhs(), getType(),
                    [](auto a, auto b) -> Maybe<decltype(a)> { return a < b ? a : b; });
}
OpFoldResult MaxOp::fold(FoldAdaptor adaptor) {
  return foldBinary(adaptor.getLhs(), adaptor.getRhs(), getType(),
                    [](auto a, auto b) -> Maybe<decltype(a)> { return a > b ? a : b; });
}

OpFoldResult NegOp::fold(FoldAdaptor adaptor) {
  return foldUnary(adaptor.getInput(), getType(), [](double v) { return -v; });
}
OpFoldResult AbsOp::fold(FoldAdaptor adaptor) {
  return foldUnary(adaptor.getInput(), getType(), [](double v) { return std::fabs(v); });
}
OpFoldResult SignOp::fold(FoldAdaptor adaptor) {
  return foldUnary(adaptor.getInput(), getType(),
                   [](double v) { return double((v > 0) - (v < 0)); });
}
OpFoldResult NotOp::fold(FoldAdaptor adaptor) {
  return foldUnary(adaptor.getInput(), getType(), [](double v) { return v == 0 ? 1.0 : 0.0; });
}

OpFoldResult WhereOp::fold(FoldAdaptor adaptor) {
  auto condition = HostTensor::from(adaptor.getCondition());
  auto x = HostTensor::from(adaptor.getX()), y = HostTensor::from(adaptor.getY());
  if (!condition || !x || !y)
    return {};
  HostTensor out{SmallVector<int64_t>(getType().getShape()), getType().getElementType(), {}, {}};
  if (!forEachIndex(getType(), [&](int64_t, ArrayRef<int64_t> index) {
        const HostTensor &from = condition->ints[broadcastFlat(*condition, index)] ? *x : *y;
        int64_t flat = broadcastFlat(from, index);
        from.isFloat() ? out.floats.push_back(from.floats[flat]) : out.ints.push_back(from.ints[flat]);
      }))
    return {};
  return out.toAttr(getType());
}

OpFoldResult ExpandOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  auto input = HostTensor::from(adaptor.getInput());
  if (!input)
    return {};
  return foldGatherLike(*input, getType(),
                        [&](ArrayRef<int64_t> index) { return broadcastFlat(*input, index); });
}

OpFoldResult TileOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  auto input = HostTensor::from(adaptor.getInput());
  if (!input)
    return {};
  SmallVector<int64_t> strides = stridesOf(input->shape);
  return foldGatherLike(*input, getType(), [&](ArrayRef<int64_t> index) {
    int64_t flat = 0;
    for (size_t d = 0; d < index.size(); ++d)
      flat += (index[d] % input->shape[d]) * strides[d];
    return flat;
  });
}

OpFoldResult TriluOp::fold(FoldAdaptor adaptor) {
  auto input = HostTensor::from(adaptor.getInput());
  if (!input)
    return {};
  HostTensor out = *input;
  int64_t rank = getType().getRank();
  bool upper = getUpper();
  int64_t k = getK();
  if (!forEachIndex(getType(), [&](int64_t flat, ArrayRef<int64_t> index) {
        int64_t diagonal = index[rank - 1] - index[rank - 2];
        if (upper ? diagonal >= k : diagonal <= k)
          return;
        out.isFloat() ? void(out.floats[flat] = 0.0) : void(out.ints[flat] = 0);
      }))
    return {};
  return out.toAttr(getType());
}

/// ScatterND of constants, reduction "none" (Swin's shifted-window masks are
/// written into a zero image slice by slice): each index tuple's slice of
/// `data` replaced by the matching slice of `updates`, in order. An index out
/// of range does not fold (the op reports it at run time).
OpFoldResult ScatterNDOp::fold(FoldAdaptor adaptor) {
  auto data = HostTensor::from(adaptor.getData());
  auto indices = HostTensor::from(adaptor.getIndices());
  auto updates = HostTensor::from(adaptor.getUpdates());
  if (getReduction() != "none" || !data || !indices || !updates || indices->shape.empty() ||
      data->elementType != updates->elementType || !getType().hasStaticShape())
    return {};
  int64_t depth = indices->shape.back();
  if (depth < 1 || depth > int64_t(data->shape.size()))
    return {};
  SmallVector<int64_t> strides = stridesOf(data->shape);
  int64_t slice = 1; // the elements of one tuple's slice
  for (size_t d = size_t(depth); d < data->shape.size(); ++d)
    slice *= data->shape[d];
  int64_t tuples = indices->size() / depth;
  if (updates->size() != tuples * slice)
    return {};
  HostTensor out = *data;
  for (int64_t tuple = 0; tuple < tuples; ++tuple) {
    int64_t start = 0;
    for (int64_t d = 0; d < depth; ++d) {
      int64_t i = indices->ints[size_t(tuple * depth + d)], extent = data->shape[size_t(d)];
      if (i < -extent || i >= extent)
        return {};
      start += (i < 0 ? i + extent : i) * strides[size_t(d)];
    }
    for (int64_t e = 0; e < slice; ++e) {
      size_t from = size_t(tuple * slice + e), to = size_t(start + e);
      if (out.isFloat())
        out.floats[to] = updates->floats[from];
      else
        out.ints[to] = updates->ints[from];
    }
  }
  return out.toAttr(getType());
}
