// Softmax-family importers: before opset 13, Softmax, LogSoftmax and Hardmax
// normalize the 2-D coercion [prod(dims < axis), prod(dims >= axis)].
#ifndef QUANTC_LIB_IMPORT_ONNX_AXISOPS_H
#define QUANTC_LIB_IMPORT_ONNX_AXISOPS_H

#include "NodeContext.h"

#include "dialects/QNN/QNNOps.h"

namespace quantc::onnx_import {

template <typename OpTy> mlir::LogicalResult importCoercedAxisOp(NodeContext &ctx) {
  auto type = ctx.inputType(0);
  int64_t rank = type.getRank();
  int64_t axis = ctx.getInt("axis", ctx.opset < 13 ? 1 : -1);
  if (axis < -rank || axis >= rank)
    return ctx.error("axis " + llvm::Twine(axis) + " is out of range for rank " + llvm::Twine(rank));
  if (axis < 0)
    axis += rank;
  if (ctx.opset >= 13 || axis == rank - 1)
    return ctx.emit<OpTy>(ctx.input(0), axis);
  if (!type.hasStaticShape())
    return ctx.error("a 2-D coercion (opset < 13, axis != last) needs static shapes; use "
                     "--input-shape");
  auto flat = ctx.build<qnn::FlattenOp>(ctx.input(0), axis);
  if (mlir::failed(flat))
    return mlir::failure();
  auto result = ctx.build<OpTy>(*flat, int64_t(1));
  if (mlir::failed(result))
    return mlir::failure();
  return ctx.emit<qnn::ReshapeOp>(*result, type.getShape(), false);
}

} // namespace quantc::onnx_import

#endif // QUANTC_LIB_IMPORT_ONNX_AXISOPS_H
