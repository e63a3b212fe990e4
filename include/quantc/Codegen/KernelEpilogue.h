// A kernel's epilogue region (qkernel.matmul_integer's `epilogue`), run on
// a vector of accumulators: one per output channel of a tile, so scalar
// ops become their vector forms and each channel table a vector read at
// the tile's first channel. The same ops as the region's, element for
// element, so the result is bit for bit the scalar chain's.
#ifndef QUANTC_CODEGEN_KERNELEPILOGUE_H
#define QUANTC_CODEGEN_KERNELEPILOGUE_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Region.h"

namespace quantc::codegen {

class KernelEpilogue {
public:
  /// Prepares `epilogue`'s channel tables as read-only buffers of
  /// `paddedChannels` (zero past the real ones) at the builder's point.
  KernelEpilogue(mlir::OpBuilder &b, mlir::Location loc, mlir::Region &epilogue,
                 int64_t paddedChannels);

  /// The region's tables read for `lanes` channels from `firstChannel` on,
  /// and its scalar constants as splats: built once per tile, before its
  /// rows (or pixels) loop.
  mlir::IRMapping forTile(mlir::OpBuilder &b, mlir::Location loc, int64_t lanes,
                          mlir::Value firstChannel) const;

  /// The region on `acc` (vector<lanes x i32>) with a tile's values;
  /// returns the yielded vector.
  mlir::Value emit(mlir::OpBuilder &b, mlir::Value acc, mlir::IRMapping tile) const;

private:
  mlir::Region &epilogue;
  llvm::DenseMap<mlir::Operation *, mlir::Value> tables; // constant op -> buffer
};

} // namespace quantc::codegen

#endif // QUANTC_CODEGEN_KERNELEPILOGUE_H
