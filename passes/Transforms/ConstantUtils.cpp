// Reading and creating weight constants (inline literals or dense_resource blobs).
#include "passes/Transforms/ConstantUtils.h"

#include "dialects/QNN/QNNOps.h"
#include "quantc/Support/MappedPages.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"

#include <cstring>

namespace quantc::qnn {

using namespace mlir;
using quantc::releaseMappedPages;
using quantc::spillBlob;

/// A splat declares any size for free (a fuzzed `dense<1> : tensor<...>` of
/// 10^10 elements); expanding one past 2^26 elements is refused. Weight
/// splats are never that large, other constants are bounded by their file.
static bool expandable(DenseElementsAttr dense) {
  return !dense.isSplat() || dense.getNumElements() <= (int64_t(1) << 26);
}

std::optional<std::vector<float>> readFloats(Value value) {
  ElementsAttr attr;
  if (!value || !matchPattern(value, m_Constant(&attr)))
    return std::nullopt;
  return readFloats(attr);
}

std::optional<std::vector<float>> readFloats(ElementsAttr attr) {
  if (!attr)
    return std::nullopt;
  auto type = cast<ShapedType>(attr.getType());
  bool half = type.getElementType().isF16();
  if (!(type.getElementType().isF32() || half) || !type.hasStaticShape())
    return std::nullopt;
  size_t count = type.getNumElements();
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob || blob->getData().size() != count * (half ? 2 : sizeof(float)))
      return std::nullopt;
    std::vector<float> values(count);
    if (half) {
      const char *bytes = blob->getData().data();
      for (size_t i = 0; i < count; ++i) {
        uint16_t bits;
        std::memcpy(&bits, bytes + 2 * i, 2);
        values[i] = APFloat(APFloat::IEEEhalf(), APInt(16, bits)).convertToFloat();
      }
    } else {
      std::memcpy(values.data(), blob->getData().data(), count * sizeof(float));
    }
    releaseMappedPages(blob->getData()); // the caller holds the copy
    return values;
  }
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    if (!expandable(dense))
      return std::nullopt;
    std::vector<float> values;
    for (APFloat v : dense.getValues<APFloat>()) {
      bool lost = false;
      v.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven, &lost);
      values.push_back(v.convertToFloat());
    }
    return values;
  }
  return std::nullopt;
}

std::optional<std::vector<int8_t>> readInt8(Value value) {
  ElementsAttr attr;
  if (!value || !matchPattern(value, m_Constant(&attr)))
    return std::nullopt;
  auto type = cast<ShapedType>(attr.getType());
  if (!type.getElementType().isSignlessInteger(8))
    return std::nullopt;
  size_t count = type.getNumElements();
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob || blob->getData().size() != count)
      return std::nullopt;
    std::vector<int8_t> values(count);
    std::memcpy(values.data(), blob->getData().data(), count);
    releaseMappedPages(blob->getData());
    return values;
  }
  auto dense = dyn_cast<DenseElementsAttr>(attr);
  if (!dense || !expandable(dense))
    return std::nullopt;
  std::vector<int8_t> values;
  for (const APInt &v : dense.getValues<APInt>())
    values.push_back(int8_t(v.getSExtValue()));
  return values;
}

static Value blobConstant(OpBuilder &b, Location loc, RankedTensorType type,
                          ArrayRef<char> bytes, StringRef key) {
  // Large constants (quantized and packed weights of big models) go to the
  // spill file, whose pages a compile drops once it has read them.
  AsmResourceBlob blob = spillBlob(bytes, alignof(std::max_align_t));
  return ConstantOp::create(b, loc, DenseResourceElementsAttr::get(type, key, std::move(blob)));
}

Value makeConstant(OpBuilder &b, Location loc, RankedTensorType type, ArrayRef<float> values,
                   StringRef key) {
  if (type.getElementType().isF16()) {
    std::vector<uint16_t> bits;
    for (float v : values) {
      APFloat half(v);
      bool lost = false;
      half.convert(APFloat::IEEEhalf(), APFloat::rmNearestTiesToEven, &lost);
      bits.push_back(uint16_t(half.bitcastToAPInt().getZExtValue()));
    }
    return blobConstant(
        b, loc, type,
        ArrayRef<char>(reinterpret_cast<const char *>(bits.data()), bits.size() * sizeof(uint16_t)),
        key);
  }
  if (values.size() > 1)
    return blobConstant(
        b, loc, type,
        ArrayRef<char>(reinterpret_cast<const char *>(values.data()), values.size() * sizeof(float)),
        key);
  return ConstantOp::create(b, loc, DenseElementsAttr::get(type, values));
}

Value makeInt8Constant(OpBuilder &b, Location loc, RankedTensorType type, ArrayRef<int8_t> values,
                       StringRef key) {
  return blobConstant(b, loc, type,
                      ArrayRef<char>(reinterpret_cast<const char *>(values.data()), values.size()),
                      key);
}

} // namespace quantc::qnn
