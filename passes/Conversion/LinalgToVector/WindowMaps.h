// Reading a conv window's strides and dilations off a linalg indexing map.
#ifndef QUANTC_PASSES_CONVERSION_LINALGTOVECTOR_WINDOWMAPS_H
#define QUANTC_PASSES_CONVERSION_LINALGTOVECTOR_WINDOWMAPS_H

#include "mlir/IR/AffineMap.h"
#include "llvm/ADT/SmallVector.h"

namespace quantc {

/// The factor of dim `dim` in result `result` of `map` (oy * stride + ky *
/// dilation): that result at the point where `dim` is 1 and every other dim
/// 0. Exact for linear results only; callers rebuild the map from the
/// factors and compare, which rejects anything else.
inline int64_t dimFactor(mlir::AffineMap map, unsigned result, unsigned dim) {
  llvm::SmallVector<int64_t> point(map.getNumDims(), 0);
  point[dim] = 1;
  return map.getSubMap({result}).compose(point)[0];
}

} // namespace quantc

#endif
