// Reading a conv window's strides and dilations off a linalg indexing map.
#ifndef QUANTC_PASSES_CONVERSION_LINALGTOVECTOR_WINDOWMAPS_H
#define QUANTC_PASSES_CONVERSION_LINALGTOVECTOR_WINDOWMAPS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/AffineMap.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>

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

struct ConvWindow {
  int64_t strideH, strideW, dilationH, dilationW;
};

/// The window of convert-qnn-to-linalg's grouped convolution generic
/// (convPadded's): two inputs and an init on tensors, loops (n, g, f, oy,
/// c, ky, kx, ox) with c, ky and kx reductions, and the maps input (n, g,
/// c, oy * sh + ky * dh, ox * sw + kx * dw), weights (g, f, c, ky, kx),
/// output (n, g, f, oy, ox). The body is the caller's to check.
inline std::optional<ConvWindow> groupedConvWindow(mlir::linalg::GenericOp generic) {
  using mlir::utils::IteratorType;
  llvm::SmallVector<IteratorType> iterators = {IteratorType::parallel,  IteratorType::parallel,
                                               IteratorType::parallel,  IteratorType::parallel,
                                               IteratorType::reduction, IteratorType::reduction,
                                               IteratorType::reduction, IteratorType::parallel};
  if (generic.getNumDpsInputs() != 2 || generic.getNumDpsInits() != 1 ||
      generic.getNumLoops() != 8 || !generic.hasPureTensorSemantics() ||
      generic.getIteratorTypesArray() != iterators)
    return std::nullopt;
  llvm::SmallVector<mlir::AffineMap> maps = generic.getIndexingMapsArray();
  if (maps[0].getNumSymbols() || maps[0].getNumResults() != 5)
    return std::nullopt;
  ConvWindow w{dimFactor(maps[0], 3, 3), dimFactor(maps[0], 4, 7), dimFactor(maps[0], 3, 5),
               dimFactor(maps[0], 4, 6)};
  mlir::MLIRContext *ctx = generic.getContext();
  mlir::AffineExpr n, g, f, oy, c, ky, kx, ox;
  mlir::bindDims(ctx, n, g, f, oy, c, ky, kx, ox);
  auto map = [&](llvm::ArrayRef<mlir::AffineExpr> results) {
    return mlir::AffineMap::get(8, 0, results, ctx);
  };
  if (maps[0] !=
          map({n, g, c, oy * w.strideH + ky * w.dilationH, ox * w.strideW + kx * w.dilationW}) ||
      maps[1] != map({g, f, c, ky, kx}) || maps[2] != map({n, g, f, oy, ox}))
    return std::nullopt;
  return w;
}

} // namespace quantc

#endif
