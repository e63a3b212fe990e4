// Small constant tensors evaluated on the host: what the qnn folders compute with.
#ifndef QUANTC_DIALECTS_QNN_QNNHOSTTENSOR_H
#define QUANTC_DIALECTS_QNN_QNNHOSTTENSOR_H

#include "dialects/QNN/QNNShapeUtils.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"

#include <cmath>
#include <limits>
#include <optional>
#include <type_traits>

namespace quantc::qnn::folding {

using namespace mlir;

/// Folding evaluates tensors on the host only up to this size: shape
/// computations are tiny, and weights must never be copied around.
inline constexpr int64_t kMaxFoldElements = 1 << 16;

/// A small constant tensor held as int64 or double values for evaluation.
struct HostTensor {
  SmallVector<int64_t> shape;
  Type elementType;
  SmallVector<int64_t> ints;
  SmallVector<double> floats;

  bool isFloat() const { return isa<FloatType>(elementType); }
  int64_t size() const { return isFloat() ? floats.size() : ints.size(); }

  static std::optional<HostTensor> from(Attribute attr) {
    auto dense = dyn_cast_or_null<DenseIntOrFPElementsAttr>(attr);
    if (!dense || dense.getNumElements() > kMaxFoldElements)
      return std::nullopt;
    HostTensor t;
    t.shape.assign(dense.getType().getShape().begin(), dense.getType().getShape().end());
    t.elementType = dense.getElementType();
    if (auto intType = dyn_cast<IntegerType>(t.elementType)) {
      bool zeroExtend = intType.getWidth() == 1 || intType.isUnsigned();
      for (const APInt &v : dense.getValues<APInt>())
        t.ints.push_back(zeroExtend ? int64_t(v.getZExtValue()) : v.getSExtValue());
    } else if (isa<FloatType>(t.elementType)) {
      for (APFloat v : dense.getValues<APFloat>()) {
        bool losesInfo;
        v.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &losesInfo);
        t.floats.push_back(v.convertToDouble());
      }
    } else {
      return std::nullopt;
    }
    return t;
  }

  /// Element `flat` of this tensor as the other representation when needed.
  double floatAt(int64_t flat) const { return isFloat() ? floats[flat] : double(ints[flat]); }
  /// Floats convert toward zero; NaN and values past int64's range (which
  /// ONNX leaves undefined, and a C++ cast makes undefined behaviour) fold
  /// to 0 and the nearest bound.
  int64_t intAt(int64_t flat) const {
    if (!isFloat())
      return ints[flat];
    double v = std::trunc(floats[flat]);
    if (std::isnan(v))
      return 0;
    if (v >= 9223372036854775808.0) // 2^63
      return std::numeric_limits<int64_t>::max();
    if (v < -9223372036854775808.0)
      return std::numeric_limits<int64_t>::min();
    return static_cast<int64_t>(v);
  }

  /// Builds the attribute for `type`, converting values to its element type;
  /// none (no fold) when the values do not fill the type.
  Attribute toAttr(RankedTensorType type) const {
    if (!type.hasStaticShape() || size() != type.getNumElements())
      return {};
    Type element = type.getElementType();
    if (auto intType = dyn_cast<IntegerType>(element)) {
      SmallVector<APInt> values;
      for (int64_t i = 0, e = size(); i < e; ++i)
        values.emplace_back(intType.getWidth(), uint64_t(intAt(i)),
                            /*isSigned=*/!intType.isUnsigned(), /*implicitTrunc=*/true);
      return DenseElementsAttr::get(type, values);
    }
    auto floatType = dyn_cast<FloatType>(element);
    if (!floatType)
      return {};
    SmallVector<APFloat> values;
    for (int64_t i = 0, e = size(); i < e; ++i) {
      APFloat v(floatAt(i));
      bool losesInfo;
      v.convert(floatType.getFloatSemantics(), APFloat::rmNearestTiesToEven, &losesInfo);
      values.push_back(v);
    }
    return DenseElementsAttr::get(type, values);
  }
};

inline SmallVector<int64_t> stridesOf(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t i = int64_t(shape.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

/// Calls `fn(outFlat, inputFlat)` for every output element of a gather-like
/// op whose input index per dim is `indexOf(dim, outIndex)`.
template <typename IndexFn, typename Fn>
inline void forEachMappedElement(ArrayRef<int64_t> outShape, ArrayRef<int64_t> inShape,
                          IndexFn indexOf, Fn fn) {
  SmallVector<int64_t> inStrides = stridesOf(inShape);
  int64_t total = 1;
  for (int64_t d : outShape)
    total *= d;
  SmallVector<int64_t> index(outShape.size(), 0);
  for (int64_t flat = 0; flat < total; ++flat) {
    int64_t inFlat = 0;
    for (size_t d = 0; d < outShape.size(); ++d)
      inFlat += indexOf(d, index[d]) * inStrides[d];
    fn(flat, inFlat);
    advanceIndex(index, outShape);
  }
}

template <typename Fn>
Attribute foldBinary(Attribute lhsAttr, Attribute rhsAttr, RankedTensorType type, Fn fn) {
  auto lhs = HostTensor::from(lhsAttr), rhs = HostTensor::from(rhsAttr);
  if (!lhs || !rhs || !type.hasStaticShape() || lhs->elementType != rhs->elementType)
    return {};
  HostTensor out{SmallVector<int64_t>(type.getShape()), type.getElementType(), {}, {}};
  // Broadcast: an operand's index along a dim of size 1 is always 0.
  auto operandFlat = [&](const HostTensor &t, ArrayRef<int64_t> outIndex) {
    SmallVector<int64_t> strides = stridesOf(t.shape);
    int64_t offset = outIndex.size() - t.shape.size(), flat = 0;
    for (size_t d = 0; d < t.shape.size(); ++d)
      flat += (t.shape[d] == 1 ? 0 : outIndex[offset + d]) * strides[d];
    return flat;
  };
  int64_t total = type.getNumElements();
  SmallVector<int64_t> index(type.getRank(), 0);
  for (int64_t flat = 0; flat < total; ++flat) {
    int64_t l = operandFlat(*lhs, index), r = operandFlat(*rhs, index);
    if (lhs->isFloat()) {
      out.floats.push_back(fn(lhs->floats[l], rhs->floats[r]));
    } else {
      std::optional<int64_t> v = fn(lhs->ints[l], rhs->ints[r]);
      if (!v)
        return {};
      out.ints.push_back(*v);
    }
    advanceIndex(index, type.getShape());
  }
  return out.toAttr(type);
}

/// Integer ops return std::optional so that division by zero does not fold.
template <typename T> using Maybe = std::conditional_t<std::is_same_v<T, double>, double, std::optional<int64_t>>;

} // namespace quantc::qnn::folding

#endif // QUANTC_DIALECTS_QNN_QNNHOSTTENSOR_H
