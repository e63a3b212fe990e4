// A matmul's B that an elementwise op wrote as x times one scale per row
// (a squeeze-and-excitation block's channel gate before its 1x1 conv),
// which the microkernel can scale panel by panel instead.
#ifndef QUANTC_PASSES_CONVERSION_LINALGTOVECTOR_ROWSCALEDPANEL_H
#define QUANTC_PASSES_CONVERSION_LINALGTOVECTOR_ROWSCALEDPANEL_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

#include <optional>

namespace quantc {

/// B[k, j] = x[k, j] * scale[k], written whole by `generic` into a fresh
/// buffer that only the matmul reads (through reshaping views). Each column
/// block's K x nr panel is then scaled from x where its tiles run: the
/// product is neither written to memory nor read back, and no parallel
/// loop of its own (with its barrier) runs before the matmul.
struct RowScaledPanel {
  mlir::linalg::GenericOp generic;
  mlir::Value product; // the buffer the generic writes
  mlir::Value x, scale;
  /// The views from the generic's output to B, replayed on x.
  llvm::SmallVector<mlir::Operation *> views;
  /// Where in scale's indices row k goes (every other index is 0).
  unsigned scaleDim = 0;
  /// Whether the body multiplies scale by x (else x by scale).
  bool scaleFirst = false;

  /// x through the same views as B: K x N, the rows the panels read.
  mlir::Value rowsOfX(mlir::OpBuilder &b, mlir::Location loc) const;
  /// panel[k, 0 : width] = rows[k, j0 : j0 + width] * scale[k] for every k.
  void pack(mlir::OpBuilder &b, mlir::Location loc, mlir::Value rows, mlir::Value panel,
            mlir::Value j0, int64_t width) const;
};

/// The row-scaling generic behind `matmul`'s B, when a K x nr panel fits
/// in `maxPanelBytes`.
std::optional<RowScaledPanel> matchRowScaledPanel(mlir::linalg::LinalgOp matmul, int64_t nr,
                                                  int64_t maxPanelBytes);

} // namespace quantc

#endif
