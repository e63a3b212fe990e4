// How the kernel lowerings (qkernel ops, the float depthwise rows) step from tensors to the buffers
// their loops use and back (before one-shot bufferization, which resolves both ops).
#ifndef QUANTC_CODEGEN_BUFFERS_H
#define QUANTC_CODEGEN_BUFFERS_H

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"

namespace quantc::codegen {

/// `tensor` as a read-only buffer of `type`, by default its identity layout.
inline mlir::Value readOnlyBuffer(mlir::OpBuilder &b, mlir::Location loc, mlir::Value tensor,
                                  mlir::MemRefType type = {}) {
  auto tensorType = mlir::cast<mlir::RankedTensorType>(tensor.getType());
  if (!type)
    type = mlir::MemRefType::get(tensorType.getShape(), tensorType.getElementType());
  return mlir::bufferization::ToBufferOp::create(b, loc, type, tensor, /*read_only=*/true);
}

/// The tensor of a buffer the loops allocated and wrote.
inline mlir::Value writtenTensor(mlir::OpBuilder &b, mlir::Location loc, mlir::Value buffer) {
  auto type = mlir::cast<mlir::MemRefType>(buffer.getType());
  return mlir::bufferization::ToTensorOp::create(
      b, loc, mlir::RankedTensorType::get(type.getShape(), type.getElementType()), buffer,
      /*restrict=*/true, /*writable=*/true);
}

} // namespace quantc::codegen

#endif // QUANTC_CODEGEN_BUFFERS_H
