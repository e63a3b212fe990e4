// ONNX TensorProto -> MLIR element types and constant attributes.
#ifndef QUANTC_LIB_IMPORT_ONNX_TENSORIMPORT_H
#define QUANTC_LIB_IMPORT_ONNX_TENSORIMPORT_H

#include "mlir/IR/BuiltinAttributeInterfaces.h"
#include "mlir/IR/BuiltinTypes.h"
#include "onnx/onnx_pb.h"

#include <string>

namespace quantc::onnx_import {

/// The MLIR element type of an ONNX TensorProto::DataType; null if unsupported.
mlir::Type convertElementType(int32_t dataType, mlir::MLIRContext *context);

/// Name of an ONNX data type for messages ("FLOAT", "STRING", ...).
std::string dataTypeName(int32_t dataType);

/// Whether a tensor of this type and size is stored as a dense_resource blob
/// (weights) rather than as an inline dense literal (scalars, shape vectors).
bool isStoredAsResource(mlir::Type elementType, int64_t numElements);

/// Converts a tensor, reading external data confined to `modelDirectory`.
/// On failure returns null and sets `error`.
mlir::ElementsAttr convertTensor(const onnx::TensorProto &tensor,
                                 const std::string &modelDirectory,
                                 mlir::MLIRContext *context, std::string &error);

} // namespace quantc::onnx_import

#endif // QUANTC_LIB_IMPORT_ONNX_TENSORIMPORT_H
