// Register-block shuffles the CPU emitters share.
#ifndef QUANTC_CODEGEN_REGISTERBLOCKS_H
#define QUANTC_CODEGEN_REGISTERBLOCKS_H

#include "mlir/IR/Builders.h"

namespace quantc::codegen {

/// Elements a side of transposeBlock's block.
constexpr int64_t kTransposeBlock = 8;

/// The rows r[i][j] = v[j][i] of the 8 x 8 block whose rows are `v` (8
/// vectors of 8 elements): three rounds of two-vector shuffles (interleave
/// pairs, then pairs of pairs, then halves), what x86 does with unpck,
/// shufps and vperm2f128.
llvm::SmallVector<mlir::Value> transposeBlock(mlir::OpBuilder &b, mlir::Location loc,
                                              llvm::ArrayRef<mlir::Value> v);

} // namespace quantc::codegen

#endif // QUANTC_CODEGEN_REGISTERBLOCKS_H
