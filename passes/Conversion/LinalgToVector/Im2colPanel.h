// A float conv's im2col matrix, which the matmul microkernel can pack one
// column block at a time from the image instead of reading it whole.
#ifndef QUANTC_PASSES_CONVERSION_LINALGTOVECTOR_IM2COLPANEL_H
#define QUANTC_PASSES_CONVERSION_LINALGTOVECTOR_IM2COLPANEL_H

#include "passes/Conversion/LinalgToVector/PaddedCopy.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"

#include <optional>

namespace quantc {

/// B[(c, ky, kx), (oy, ox)] = image[c, oy * strideH + ky * dilationH,
/// ox * strideW + kx * dilationW], written whole by `generic` (convert-qnn-to-linalg's
/// im2col, on a padded image) into a buffer only the matmul reads. A
/// column block of B is then a K x nr panel of image rows, packed where the
/// block's tiles run: the K x N matrix (88 MB for det's 3x3 convs at
/// 160x160) is neither written nor read back.
struct Im2colPanel {
  mlir::linalg::GenericOp generic;
  mlir::Value image; // [C, Hp, Wp], unit stride along its columns
  int64_t channels = 0, kernelRows = 0, kernelColumns = 0, outputColumns = 0;
  int64_t strideH = 1, strideW = 1, dilationH = 1, dilationW = 1;
  /// Whether rows hold whole blocks (their width a multiple of nr): each
  /// block is then one plain vector per tap, else up to maxSegments masked
  /// ones, one an output row it reaches.
  bool blocksInRows = false;
  int64_t maxSegments = 2;

  /// When the image is a padded copy made for this conv alone, the panels
  /// read the copy's source and hold the pad value wherever a tap falls in
  /// the padding: the copy is never made. (top, left) is the window's
  /// corner, rows x columns the source's last two dims.
  struct Padding {
    PaddedCopy pad;
    int64_t top = 0, left = 0, rows = 0, columns = 0;
  };
  std::optional<Padding> padding;
  mlir::Value sourceRows; // [C, H, W]: the padding's source, built by prepare()

  /// Views the padding's source as [C, H, W] where the kernel goes.
  void prepare(mlir::OpBuilder &b, mlir::Location loc);
  /// Erases the im2col, and the padding's fill, copy and buffer.
  void eraseProducers();

  /// Rows past K the panel needs (its buffer is [K + spareRows(), width]):
  /// a segment's plain store that starts mid-row spills into the next row,
  /// which is written after it.
  int64_t spareRows() const { return blocksInRows && !padding ? 0 : 1; }

  /// Copies B's columns [j0, j0 + width) into `panel` [K + spareRows(), width].
  void pack(mlir::OpBuilder &b, mlir::Location loc, mlir::Value panel, mlir::Value j0,
            int64_t width) const;

private:
  /// One segment of a tap's panel row: `length` output columns of output
  /// row oy from ox, into the panel's columns from panelColumn.
  struct Segment {
    mlir::Value oy, ox, panelColumn, length;
    mlir::Value mask; // the first `length` lanes; null when length is the width
  };
  /// Calls `body` with (channel, ky, kx, panel row) for every tap, in the
  /// order of the panel's rows.
  void forEachTap(mlir::OpBuilder &b, mlir::Location loc,
                  llvm::function_ref<void(mlir::OpBuilder &, mlir::Location, mlir::Value c,
                                          int64_t ky, int64_t kx, mlir::Value k)>
                      body) const;
  /// Stores one tap's segment into `line` (the panel as one row) with a
  /// plain `width`-lane store: its lanes past the segment (the pad value
  /// with padding, anything without) land on columns a later store of this
  /// block writes, or on the spare row. Masked stores are microcoded on
  /// AMD's AVX2 cores and element by element without AVX.
  void copyTap(mlir::OpBuilder &b, mlir::Location loc, mlir::Value line, mlir::Value c, int64_t ky,
               int64_t kx, mlir::Value k, const Segment &segment, int64_t width) const;
  /// The same from the padding's source: the lanes whose pixel lies inside
  /// it (a row check, then a range of columns), the pad value elsewhere.
  void copyUnpaddedTap(mlir::OpBuilder &b, mlir::Location loc, mlir::Value line, mlir::Value c,
                       int64_t ky, int64_t kx, mlir::Value k, const Segment &segment,
                       int64_t width) const;
  /// `length` output columns of one tap from `rows` [C, H, W] at `from`
  /// (channel, row, first column) as `width` lanes: a plain vector, or one
  /// masked by `mask`, or (strided) a masked span with every stride-th lane kept.
  mlir::Value loadColumns(mlir::OpBuilder &b, mlir::Location loc, mlir::Value rows,
                          mlir::ValueRange from, int64_t width, mlir::Value length,
                          mlir::Value mask) const;
};

/// The im2col generic behind `matmul`'s B, when a block of `nr` columns
/// spans at most `maxSegments` output rows (2: rows at least nr wide; a
/// 16-column block over rows of 7, a 7 x 7 map, spans 4: 1 + 7 + 7 + 1
/// columns) and a K x nr panel fits in `maxPanelBytes`.
std::optional<Im2colPanel> matchIm2colPanel(mlir::linalg::LinalgOp matmul, int64_t nr,
                                            int64_t maxPanelBytes, int64_t maxSegments);

} // namespace quantc

#endif
