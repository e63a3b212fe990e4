// The scales and zero points of a quantized tensor type, whatever its
// granularity (per tensor, per axis, per block), laid out so the exporter can
// re-express them as ONNX DequantizeLinear or com.microsoft MatMulNBits.
#ifndef QUANTC_EXPORT_ONNX_QUANTLAYOUT_H
#define QUANTC_EXPORT_ONNX_QUANTLAYOUT_H

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>

namespace quantc::exporter {

/// Every element's scale and zero point as a grid: element `i` uses the grid
/// cell `i[a] / blocks[a]` along each axis `a`.
struct QuantLayout {
  llvm::SmallVector<int64_t> shape;  // the tensor's dims
  llvm::SmallVector<int64_t> blocks; // elements per grid cell along each axis
  llvm::SmallVector<float> scales;   // row-major over gridShape()
  llvm::SmallVector<int64_t> zeroPoints;
  int64_t storageMin = 0, storageMax = 0;
  unsigned storageWidth = 8;
  bool isSigned = true;

  /// Reads a per-tensor, per-axis or sub-channel uniform type; nullopt for
  /// any other quantized type.
  static std::optional<QuantLayout> of(mlir::RankedTensorType type);

  llvm::SmallVector<int64_t> gridShape() const;
  /// The grid cell of the element at `index`, row-major.
  int64_t cellOf(llvm::ArrayRef<int64_t> index) const;
  /// Axes along which the scale varies (more than one grid cell).
  llvm::SmallVector<int64_t> varyingAxes() const;
  /// The narrowest signed width (4, 8 or 16) that holds the storage range and
  /// every zero point.
  unsigned signedWidth() const;
};

/// ONNX DequantizeLinear's form of a layout: per tensor (no axis), per axis,
/// or blocked along one axis (opset 21). Scales and zero points are
/// replicated along the other axes where the layout blocks several.
struct DequantizeForm {
  std::optional<int64_t> axis;
  int64_t blockSize = 0; // 0: per tensor or per axis
  llvm::SmallVector<int64_t> paramShape; // empty: scalar
  llvm::SmallVector<float> scales;
  llvm::SmallVector<int64_t> zeroPoints;
};
DequantizeForm dequantizeForm(const QuantLayout &layout);

/// A 2-D weight as com.microsoft MatMulNBits' B, scales and zero points.
struct NBitsWeight {
  int64_t n = 0, k = 0, bits = 0, blockSize = 0;
  std::vector<uint8_t> packed;     // [N, ceil(K / blockSize), blockSize * bits / 8]
  std::vector<float> scales;       // [N * blocks]
  std::vector<uint8_t> zeroPoints; // [N * ceil(blocks * bits / 8)], empty when all are the midpoint
};

/// The narrowest MatMulNBits width (2, 4 or 8) that holds the layout's
/// codes and zero points, or nullopt.
std::optional<int64_t> matMulNBitsWidth(const QuantLayout &layout);

/// Packs `values` (the weight's stored integers, row-major over `layout.shape`)
/// for MatMulNBits. `kAxis` is the reduction axis of the 2-D weight. Returns
/// nullopt when the layout has no MatMulNBits form: blocks along N, or blocks
/// along K with no power-of-two divisor in [16, 256].
std::optional<NBitsWeight> packForMatMulNBits(const QuantLayout &layout,
                                              llvm::ArrayRef<int8_t> values, int64_t kAxis);

} // namespace quantc::exporter

#endif // QUANTC_EXPORT_ONNX_QUANTLAYOUT_H
