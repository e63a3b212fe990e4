// Index arithmetic shared by qnn shape functions and folders.
#ifndef QUANTC_DIALECTS_QNN_QNNSHAPEUTILS_H
#define QUANTC_DIALECTS_QNN_QNNSHAPEUTILS_H

#include <algorithm>
#include <cstdint>
#include <optional>

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Location.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/CheckedArithmetic.h"

#include <string>

namespace quantc::qnn {

/// The elements one ONNX Slice axis selects: start, start+step, ... (size of them).
struct SliceBounds {
  int64_t start;
  int64_t size;
};

/// ONNX Slice clamping for a static dim: negatives count from the end, then
/// bounds clamp to [0, dim] (step > 0) or [-1, dim - 1] (step < 0).
inline SliceBounds computeSliceBounds(int64_t dim, int64_t start, int64_t end,
                                      int64_t step) {
  auto clampIndex = [&](int64_t index, int64_t low, int64_t high) {
    if (index < 0)
      index = index < -dim ? low : index + dim; // avoids overflow on INT64_MIN
    return std::clamp(index, low, high);
  };
  if (step > 0) {
    int64_t first = clampIndex(start, 0, dim), last = clampIndex(end, 0, dim);
    return {first, std::max<int64_t>(last - first, 0) / step +
                       ((std::max<int64_t>(last - first, 0) % step) ? 1 : 0)};
  }
  int64_t first = clampIndex(start, 0, dim - 1), last = clampIndex(end, -1, dim - 1);
  int64_t span = std::max<int64_t>(first - last, 0);
  return {first, span / -step + ((span % -step) ? 1 : 0)};
}

/// The dims [start, end) that qnn.shape returns for a tensor of `rank`
/// (negatives count from the end, then both clamp to [0, rank]).
inline std::pair<int64_t, int64_t> shapeOfRange(int64_t rank, int64_t start,
                                                std::optional<int64_t> end) {
  auto clampDim = [&](int64_t d) { return std::clamp<int64_t>(d < 0 ? d + rank : d, 0, rank); };
  int64_t first = clampDim(start);
  return {first, std::max(first, end ? clampDim(*end) : rank)};
}

/// Steps a row-major multi-index through `shape`; false once it wraps around.
inline bool advanceIndex(llvm::MutableArrayRef<int64_t> index, llvm::ArrayRef<int64_t> shape) {
  for (int64_t d = int64_t(index.size()) - 1; d >= 0; --d) {
    if (++index[d] < shape[d])
      return true;
    index[d] = 0;
  }
  return false;
}

/// Helpers of the shape functions (QNNShapes.cpp defines them).
namespace shapes {
/// "'qnn.<op>' op <msg>" at `loc` when given; always failure.
mlir::LogicalResult fail(std::optional<mlir::Location> loc, llvm::StringRef op,
                         const llvm::Twine &msg);
mlir::RankedTensorType rankedType(mlir::Value value);
/// A possibly negative axis in [0, rank); failure when out of range.
mlir::FailureOr<int64_t> normalizeAxis(int64_t axis, int64_t rank);
std::string formatShape(llvm::ArrayRef<int64_t> shape);
/// numpy broadcasting of two shapes; dynamic dims broadcast optimistically.
mlir::LogicalResult broadcastShapes(llvm::ArrayRef<int64_t> a, llvm::ArrayRef<int64_t> b,
                                    llvm::SmallVectorImpl<int64_t> &out);
/// Conv and pooling attributes: one stride and dilation (positive) per
/// spatial dim, begin then end pads (non-negative).
mlir::LogicalResult checkWindowAttrs(std::optional<mlir::Location> loc, llvm::StringRef op,
                                     size_t spatialRank, llvm::ArrayRef<int64_t> strides,
                                     llvm::ArrayRef<int64_t> dilations,
                                     llvm::ArrayRef<int64_t> pads);
/// Output size of a sliding window (checked arithmetic: attributes may be
/// huge); failure when the kernel does not fit the padded input, kDynamic
/// for a dynamic input.
mlir::FailureOr<int64_t> windowOutputSize(int64_t in, int64_t kernel, int64_t stride,
                                          int64_t dilation, int64_t padBegin, int64_t padEnd,
                                          bool ceilMode);
/// Channels of `group` groups of `perGroup` each (a conv's input, a
/// transposed conv's output); nullopt when the product overflows int64, as
/// a hostile `group` attribute makes it.
inline std::optional<int64_t> groupedChannels(int64_t perGroup, int64_t group) {
  return llvm::checkedMul(perGroup, group);
}
} // namespace shapes

} // namespace quantc::qnn

#endif // QUANTC_DIALECTS_QNN_QNNSHAPEUTILS_H
