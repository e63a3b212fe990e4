// Folders of the qnn ops. They evaluate shape-computation subgraphs
// (Shape/Gather/Slice/Concat/Cast/Unsqueeze/arithmetic on small constants)
// so that reshape targets, slice bounds, etc. become plain attributes.
#include "dialects/QNN/QNNOps.h"
#include "dialects/QNN/QNNHostTensor.h"
#include "dialects/QNN/QNNShapeUtils.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <cmath>

using namespace mlir;
using namespace quantc::qnn;
using namespace quantc::qnn::folding;

namespace {

/// Reinterprets a constant with a new shape: dense values are reshaped and
/// resource blobs are shared, never copied.
Attribute reshapeConstant(Attribute attr, RankedTensorType type) {
  if (!type.hasStaticShape())
    return {};
  if (auto dense = dyn_cast_or_null<DenseElementsAttr>(attr))
    return dense.reshape(type);
  if (auto resource = dyn_cast_or_null<DenseResourceElementsAttr>(attr))
    return DenseResourceElementsAttr::get(type, resource.getRawHandle());
  return {};
}

OpFoldResult foldReshapeLike(Value input, Attribute inputAttr, RankedTensorType type) {
  if (input.getType() == type)
    return input;
  return reshapeConstant(inputAttr, type);
}

} // namespace

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

OpFoldResult ShapeOfOp::fold(FoldAdaptor) {
  auto input = getInput().getType();
  if (!input.hasStaticShape())
    return {};
  auto [start, end] = shapeOfRange(input.getRank(), getStart(), getEnd());
  HostTensor out{SmallVector<int64_t>(getType().getShape()), getType().getElementType(),
                 SmallVector<int64_t>(input.getShape().slice(start, end - start)), {}};
  return out.toAttr(getType());
}

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  if (OpFoldResult folded = foldReshapeLike(getInput(), adaptor.getInput(), getType()))
    return folded;
  // reshape(reshape-like(x)) -> reshape(x): only the final static shape matters.
  Operation *producer = getInput().getDefiningOp();
  if (getType().hasStaticShape() && producer &&
      isa<ReshapeOp, FlattenOp, SqueezeOp, UnsqueezeOp>(producer)) {
    getInputMutable().assign(producer->getOperand(0));
    setShape(getType().getShape());
    setAllowzero(false);
    return getResult();
  }
  return {};
}
OpFoldResult SqueezeOp::fold(FoldAdaptor adaptor) {
  return foldReshapeLike(getInput(), adaptor.getInput(), getType());
}
OpFoldResult UnsqueezeOp::fold(FoldAdaptor adaptor) {
  return foldReshapeLike(getInput(), adaptor.getInput(), getType());
}
OpFoldResult FlattenOp::fold(FoldAdaptor adaptor) {
  return foldReshapeLike(getInput(), adaptor.getInput(), getType());
}

OpFoldResult CastOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  auto input = HostTensor::from(adaptor.getInput());
  if (!input)
    return {};
  return input->toAttr(getType());
}

OpFoldResult TransposeOp::fold(FoldAdaptor adaptor) {
  if (llvm::equal(getPerm(), llvm::seq<int64_t>(0, getPerm().size())))
    return getInput();
  // transpose(transpose(x, p), q) -> transpose(x, p∘q): out dim i reads x dim p[q[i]].
  if (auto inner = getInput().getDefiningOp<TransposeOp>()) {
    SmallVector<int64_t> composed;
    for (int64_t q : getPerm())
      composed.push_back(inner.getPerm()[q]);
    getInputMutable().assign(inner.getInput());
    setPerm(composed);
    return getResult();
  }
  auto input = HostTensor::from(adaptor.getInput());
  if (!input)
    return {};
  HostTensor out{SmallVector<int64_t>(getType().getShape()), input->elementType, {}, {}};
  // Output dim d walks input dim perm[d]; map through a permuted stride table.
  SmallVector<int64_t> inStrides = stridesOf(input->shape);
  SmallVector<int64_t> permutedShape;
  for (int64_t p : getPerm())
    permutedShape.push_back(input->shape[p]);
  int64_t total = getType().getNumElements();
  SmallVector<int64_t> index(getPerm().size(), 0);
  for (int64_t flat = 0; flat < total; ++flat) {
    int64_t inFlat = 0;
    for (size_t d = 0; d < index.size(); ++d)
      inFlat += index[d] * inStrides[getPerm()[d]];
    input->isFloat() ? out.floats.push_back(input->floats[inFlat])
                     : out.ints.push_back(input->ints[inFlat]);
    advanceIndex(index, permutedShape);
  }
  return out.toAttr(getType());
}

OpFoldResult SliceOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType() &&
      llvm::all_of(getSteps(), [](int64_t s) { return s == 1; }) &&
      llvm::all_of(getStarts(), [](int64_t s) { return s == 0; }))
    return getInput();
  auto input = HostTensor::from(adaptor.getInput());
  if (!input || !getType().hasStaticShape())
    return {};
  int64_t rank = input->shape.size();
  SmallVector<int64_t> starts(rank, 0), steps(rank, 1);
  for (size_t i = 0; i < getAxes().size(); ++i) {
    int64_t axis = getAxes()[i] < 0 ? getAxes()[i] + rank : getAxes()[i];
    starts[axis] = computeSliceBounds(input->shape[axis], getStarts()[i], getEnds()[i],
                                      getSteps()[i])
                       .start;
    steps[axis] = getSteps()[i];
  }
  HostTensor out{SmallVector<int64_t>(getType().getShape()), input->elementType, {}, {}};
  forEachMappedElement(
      getType().getShape(), input->shape,
      [&](size_t d, int64_t i) { return starts[d] + i * steps[d]; },
      [&](int64_t, int64_t inFlat) {
        input->isFloat() ? out.floats.push_back(input->floats[inFlat])
                         : out.ints.push_back(input->ints[inFlat]);
      });
  return out.toAttr(getType());
}

OpFoldResult ConcatOp::fold(FoldAdaptor adaptor) {
  if (getInputs().size() == 1)
    return getInputs().front();
  if (!getType().hasStaticShape())
    return {};
  SmallVector<HostTensor> inputs;
  for (Attribute attr : adaptor.getInputs()) {
    auto t = HostTensor::from(attr);
    if (!t)
      return {};
    inputs.push_back(std::move(*t));
  }
  int64_t rank = getType().getRank();
  int64_t axis = getAxis() < 0 ? getAxis() + rank : getAxis();
  // Concatenation is interleaving blocks of size prod(dims >= axis) per outer index.
  int64_t outer = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= getType().getDimSize(d);
  HostTensor out{SmallVector<int64_t>(getType().getShape()), getType().getElementType(), {}, {}};
  for (int64_t o = 0; o < outer; ++o) {
    for (const HostTensor &t : inputs) {
      int64_t block = t.size() / outer;
      for (int64_t i = o * block; i < (o + 1) * block; ++i)
        t.isFloat() ? out.floats.push_back(t.floats[i]) : out.ints.push_back(t.ints[i]);
    }
  }
  return out.toAttr(getType());
}

OpFoldResult GatherOp::fold(FoldAdaptor adaptor) {
  auto input = HostTensor::from(adaptor.getInput());
  auto indices = HostTensor::from(adaptor.getIndices());
  if (!input || !indices || !getType().hasStaticShape())
    return {};
  int64_t rank = input->shape.size();
  int64_t axis = getAxis() < 0 ? getAxis() + rank : getAxis();
  int64_t axisDim = input->shape[axis];
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= input->shape[d];
  for (int64_t d = axis + 1; d < rank; ++d)
    inner *= input->shape[d];
  HostTensor out{SmallVector<int64_t>(getType().getShape()), input->elementType, {}, {}};
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t index : indices->ints) {
      if (index < -axisDim || index >= axisDim)
        return {};
      int64_t row = index < 0 ? index + axisDim : index;
      for (int64_t i = 0; i < inner; ++i) {
        int64_t flat = (o * axisDim + row) * inner + i;
        input->isFloat() ? out.floats.push_back(input->floats[flat])
                         : out.ints.push_back(input->ints[flat]);
      }
    }
  }
  return out.toAttr(getType());
}

/// Elementwise arithmetic folders: `fn` is applied as double or int64 math.
#define QNN_ARITH_FOLDER(OpClass, EXPR, INT_GUARD)                                \
  OpFoldResult OpClass::fold(FoldAdaptor adaptor) {                              \
    return foldBinary(adaptor.getLhs(), adaptor.getRhs(), getType(),             \
                      [](auto a, auto b) -> Maybe<decltype(a)> {                 \
                        if constexpr (!std::is_same_v<decltype(a), double>) {    \
                          if (INT_GUARD)                                         \
                            return std::nullopt;                                 \
                        }                                                        \
                        return EXPR;                                             \
                      });                                                        \
  }
QNN_ARITH_FOLDER(AddOp, a + b, false)
QNN_ARITH_FOLDER(SubOp, a - b, false)
QNN_ARITH_FOLDER(MulOp, a * b, false)
QNN_ARITH_FOLDER(DivOp, a / b, b == 0)
#undef QNN_ARITH_FOLDER

/// Float Pow of constants (an attention's scale, head_dim ** -0.5, as
/// torch.onnx writes it), in f32 for f32 as the kernels compute it; integer
/// powers stay (their overflow wraps at run time).
OpFoldResult PowOp::fold(FoldAdaptor adaptor) {
  auto floatType = dyn_cast<FloatType>(getType().getElementType());
  if (!floatType || floatType.getWidth() > 64)
    return {};
  bool single = floatType.getWidth() <= 32;
  return foldBinary(adaptor.getLhs(), adaptor.getRhs(), getType(),
                    [single](auto a, auto b) -> Maybe<decltype(a)> {
                      if constexpr (std::is_same_v<decltype(a), double>)
                        return single ? double(std::pow(float(a), float(b))) : std::pow(a, b);
                      else
                        return std::nullopt;
                    });
}

/// ONNX Mod: fmod = 1 is C's fmod (the dividend's sign); fmod = 0 takes the
/// divisor's sign, as Python's %. Shape arithmetic uses it (Swin's window
/// padding: (7 - 16 % 7) % 7), so it folds for the shapes to be known.
OpFoldResult ModOp::fold(FoldAdaptor adaptor) {
  bool cStyle = getFmod();
  return foldBinary(adaptor.getLhs(), adaptor.getRhs(), getType(),
                    [cStyle](auto a, auto b) -> Maybe<decltype(a)> {
                      if constexpr (std::is_same_v<decltype(a), double>) {
                        double r = std::fmod(a, b);
                        return !cStyle && r != 0 && (r < 0) != (b < 0) ? r + b : r;
                      } else {
                        if (b == 0)
                          return std::nullopt;
                        int64_t r = b == -1 ? 0 : a % b; // INT64_MIN % -1 overflows
                        return !cStyle && r != 0 && (r < 0) != (b < 0) ? r + b : r;
                      }
                    });
}
