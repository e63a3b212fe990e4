// A float depthwise convolution as convert-qnn-to-linalg lowers it (a
// zero-padded input, a generic summing the window into a bias-filled
// output), with the elementwise generic that consumes it, found so that
// convert-linalg-depthwise-to-vector can run it as one row kernel.
#ifndef QUANTC_PASSES_CONVERSION_LINALGTOVECTOR_DEPTHWISEMATCH_H
#define QUANTC_PASSES_CONVERSION_LINALGTOVECTOR_DEPTHWISEMATCH_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <optional>

namespace quantc {

struct DepthwiseConv {
  mlir::linalg::GenericOp conv; // (n, g, f, oy, c, ky, kx, ox), c of size 1
  mlir::Value input;            // [N, G, H, W] before padding
  mlir::Value weight;           // [G, F, 1, KH, KW]
  int64_t padTop = 0, padLeft = 0;
  int64_t strideH = 1, strideW = 1, dilationH = 1, dilationW = 1;

  /// Where each sum starts: a filled scalar, or a per-channel tensor
  /// broadcast over the rows (the bias, read through `startMap`), or else
  /// the init tensor read element by element.
  mlir::Value startScalar, startTensor;
  mlir::AffineMap startMap;

  /// The conv's result collapsed to [N, G * F, OH, OW], if it is.
  mlir::tensor::CollapseShapeOp collapse;
  /// The all-parallel generic that alone reads the (collapsed) result with
  /// an identity map, its body arith ops: it runs on each sum in registers.
  mlir::linalg::GenericOp epilogue;

  /// Sizes: N, G, F (output channels per group), the input's H x W, the
  /// output's OH x OW and the window's KH x KW.
  int64_t images = 0, groups = 0, multiplier = 0, inputRows = 0, inputColumns = 0, outputRows = 0,
          outputColumns = 0, kernelRows = 0, kernelColumns = 0;
};

/// The output columns whose taps all lie inside the input, [first, last],
/// and the last from which a vector starting at `first` reads one whole
/// span of it (lastVector; -1 when none does).
struct InsideColumns {
  int64_t first, last, lastVector;
};
InsideColumns insideColumns(const DepthwiseConv &conv);

/// The conv that `generic` is, with its start and epilogue, if it is one.
std::optional<DepthwiseConv> matchDepthwiseConv(mlir::linalg::GenericOp generic);

} // namespace quantc

#endif
