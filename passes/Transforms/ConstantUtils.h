// Reading and creating weight constants (inline literals or dense_resource blobs).
#ifndef QUANTC_PASSES_TRANSFORMS_CONSTANTUTILS_H
#define QUANTC_PASSES_TRANSFORMS_CONSTANTUTILS_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributeInterfaces.h"
#include "mlir/IR/BuiltinTypes.h"

#include <optional>
#include <vector>

namespace quantc::qnn {

/// The values of an f32 or f16 constant tensor (inline or resource blob) as
/// f32, or nullopt.
std::optional<std::vector<float>> readFloats(mlir::Value value);
std::optional<std::vector<float>> readFloats(mlir::ElementsAttr attr);

/// The i8 values of a constant tensor (inline or resource blob), or nullopt.
std::optional<std::vector<int8_t>> readInt8(mlir::Value value);

/// A qnn.constant holding `values`: a fresh blob named after `key`, or an
/// inline literal for a single element. An f16 `type` stores them rounded to f16.
mlir::Value makeConstant(mlir::OpBuilder &b, mlir::Location loc, mlir::RankedTensorType type,
                         llvm::ArrayRef<float> values, llvm::StringRef key);

/// A qnn.constant of i8 values (always a blob).
mlir::Value makeInt8Constant(mlir::OpBuilder &b, mlir::Location loc, mlir::RankedTensorType type,
                             llvm::ArrayRef<int8_t> values, llvm::StringRef key);

} // namespace quantc::qnn

#endif // QUANTC_PASSES_TRANSFORMS_CONSTANTUTILS_H
