// qnn -> ONNX export: a quantized (or float) qnn module written as an ONNX
// model with QuantizeLinear/DequantizeLinear (QDQ), for other runtimes.
#ifndef QUANTC_EXPORT_ONNX_H
#define QUANTC_EXPORT_ONNX_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"

namespace quantc {

/// Writes @main of `module` (qnn ops, quant.scast'ed integer weights) to
/// `path` as an opset-17 ONNX model: weights as int8 initializers behind
/// DequantizeLinear (per-axis where the type is), activations as
/// QuantizeLinear/DequantizeLinear pairs. Ops without an ONNX counterpart
/// (sub-channel weights need opset 21) are errors naming the op. The file
/// appears only on success.
llvm::Error exportONNX(mlir::ModuleOp module, llvm::StringRef path);

} // namespace quantc

#endif // QUANTC_EXPORT_ONNX_H
