// What every packed-matmul emitter shares: small builders, and loading one
// K block of a tile of output channels with its codes unpacked in registers.
#ifndef QUANTC_LIB_CODEGEN_COMMON_PACKEDTILES_H
#define QUANTC_LIB_CODEGEN_COMMON_PACKEDTILES_H

#include "dialects/QKernel/QKernelOps.h"
#include "quantc/Codegen/DotInstruction.h"
#include "quantc/Codegen/Packing.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"

namespace quantc::codegen {

class PackedTileEmitter {
protected:
  PackedTileEmitter(mlir::OpBuilder &b, mlir::Location loc, PackedLayout layout)
      : b(b), loc(loc), layout(layout), lanes(layout.lanes),
        blocks(layout.paddedK() / kBlockK), planes(planeWidths(layout.bits)) {}

  mlir::Value index(int64_t v) { return mlir::arith::ConstantIndexOp::create(b, loc, v); }
  mlir::Value add(mlir::Value x, mlir::Value y) { return mlir::arith::AddIOp::create(b, loc, x, y); }
  mlir::Value mul(mlir::Value x, mlir::Value y) { return mlir::arith::MulIOp::create(b, loc, x, y); }
  mlir::Value splat(mlir::VectorType type, mlir::Attribute value);
  mlir::VectorType vec(int64_t n, mlir::Type element) { return mlir::VectorType::get({n}, element); }

  /// The block's 8 dot groups of tile `tile` as vector<4*lanes x i8> codes
  /// (c, or 2c for binary layouts), read from `packed`.
  llvm::SmallVector<mlir::Value> loadAndUnpack(mlir::Value tile, mlir::Value block);

  /// Runs body(tile, firstRow, rows) over every tile of output channels and
  /// the m rows of x, `step` rows at a time (4 when fewer than `step` rows
  /// exist) while that many remain, then one by one: one unpacked block
  /// serves all the rows of a step.
  void forTilesAndRows(int64_t m, int64_t step,
                       llvm::function_ref<void(mlir::Value, mlir::Value, int64_t)> body);

  /// x [..., M, K] -> [m, K] (and back for results): collapse the batch dims.
  mlir::Value collapseRows(mlir::Value tensor);
  mlir::Value expandRows(mlir::Value tensor, mlir::RankedTensorType type);

  mlir::OpBuilder &b;
  mlir::Location loc;
  PackedLayout layout;
  int64_t lanes, blocks;
  std::vector<unsigned> planes;
  mlir::Value packed; // the packed bytes as a buffer
};

/// The family's dot for `op`'s layout, or null after a diagnostic on `op`.
std::unique_ptr<DotInstruction> dotForLayout(mlir::Operation *op, qkernel::LayoutAttr layout,
                                             llvm::StringRef family);

/// Replaces every OpT in `module` by what Emitter(b, op, dot).emit() builds.
template <typename OpT, typename Emitter>
mlir::LogicalResult emitEach(mlir::ModuleOp module, llvm::StringRef family) {
  llvm::SmallVector<OpT> ops;
  module.walk([&](OpT op) { ops.push_back(op); });
  for (OpT op : ops) {
    auto dot = dotForLayout(op, op.getLayout(), family);
    if (!dot)
      return mlir::failure();
    mlir::OpBuilder b(op);
    mlir::Value result = Emitter(b, op, *dot).emit();
    op.getOutput().replaceAllUsesWith(result);
    op.erase();
  }
  return mlir::success();
}

/// Lowers every qkernel.matmul_integer (LowerMatmulInteger.cpp).
mlir::LogicalResult lowerIntegerMatmuls(mlir::ModuleOp module, llvm::StringRef family);

} // namespace quantc::codegen

#endif // QUANTC_LIB_CODEGEN_COMMON_PACKEDTILES_H
