// qnn -> ONNX export: a quantized (or float) qnn module written as an ONNX
// model that ONNX Runtime runs (QDQ, blocked INT4, com.microsoft MatMulNBits).
#ifndef QUANTC_EXPORT_ONNX_H
#define QUANTC_EXPORT_ONNX_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"

namespace quantc {

/// Writes @main of `module` (qnn ops, quant.scast'ed integer weights) to
/// `path` as an opset-21 ONNX model:
///  - MatMul/Gemm weights of up to 8 bits as com.microsoft MatMulNBits
///    (2, 4 or 8 bits, quantc's groups as its blocks), except W8A8 layers,
///    which stay QDQ so ORT fuses them into its int8 kernels;
///  - other weights as INT4 (when their values fit) or INT8 initializers
///    behind DequantizeLinear, per tensor, per axis or blocked;
///  - activations as QuantizeLinear/DequantizeLinear pairs.
/// Ops without an ONNX counterpart are errors naming the op. The file
/// appears only on success.
struct ONNXExportOptions {
  /// MatMulNBits quantizes its activations to int8 per block, as quantc's
  /// packed kernels do by default (ORT's accuracy_level 4); false keeps them
  /// float (accuracy_level 0), like --kernel-activations=float.
  bool int8Activations = true;
};
llvm::Error exportONNX(mlir::ModuleOp module, llvm::StringRef path,
                       const ONNXExportOptions &options = {});

} // namespace quantc

#endif // QUANTC_EXPORT_ONNX_H
