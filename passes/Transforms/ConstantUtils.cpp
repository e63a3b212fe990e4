// Reading and creating weight constants (inline literals or dense_resource blobs).
#include "passes/Transforms/ConstantUtils.h"

#include "dialects/QNN/QNNOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"

#include <cstring>

namespace quantc::qnn {

using namespace mlir;

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
  if (!type.getElementType().isF32() || !type.hasStaticShape())
    return std::nullopt;
  size_t count = type.getNumElements();
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob || blob->getData().size() != count * sizeof(float))
      return std::nullopt;
    std::vector<float> values(count);
    std::memcpy(values.data(), blob->getData().data(), count * sizeof(float));
    return values;
  }
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    if (!expandable(dense))
      return std::nullopt;
    auto range = dense.getValues<float>();
    return std::vector<float>(range.begin(), range.end());
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
  AsmResourceBlob blob =
      HeapAsmResourceBlob::allocateAndCopyWithAlign(bytes, alignof(std::max_align_t));
  return ConstantOp::create(b, loc, DenseResourceElementsAttr::get(type, key, std::move(blob)));
}

Value makeConstant(OpBuilder &b, Location loc, RankedTensorType type, ArrayRef<float> values,
                   StringRef key) {
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
