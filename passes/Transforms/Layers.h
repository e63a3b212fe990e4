// What quantization calls a layer: an op with a weight (Conv, ConvTranspose,
// Gemm, MatMul), its name, weight layout and activation inputs.
#ifndef QUANTC_PASSES_TRANSFORMS_LAYERS_H
#define QUANTC_PASSES_TRANSFORMS_LAYERS_H

#include "quantc/Analysis/Quantizer.h"

#include "dialects/QNN/QNNDialect.h"
#include "mlir/IR/Operation.h"

#include <optional>
#include <string>
#include <vector>

namespace quantc::qnn {

/// Conv, ConvTranspose, Gemm or MatMul.
bool isWeightedLayer(mlir::Operation *op);

/// The layer's weight operand when it is a constant f32 tensor (not yet
/// quantized), else null.
mlir::Value floatWeight(mlir::Operation *op);

/// The operands that carry activations (everything but weight and bias that
/// is not a constant).
llvm::SmallVector<mlir::Value> activationInputs(mlir::Operation *op);

/// The ONNX node name (the op's NameLoc), else "<op>#<index in walk order>".
std::string layerName(mlir::Operation *op);

/// The weight axis holding output channels: 0 for Conv, 1 for ConvTranspose
/// and for Gemm/MatMul B[K, N], 0 for Gemm with trans_b.
int weightChannelAxis(mlir::Operation *op);

/// How many weight columns (of WeightLayout::fromAxes) one input channel
/// spans: kh*kw for convolutions, 1 for matrix products.
int64_t columnsPerInputChannel(mlir::Operation *op);

/// The scheme a `qnn.weight_format` describes; fields it does not carry
/// (clip search) come from `base`.
WeightScheme weightSchemeOf(WeightFormatAttr format, const WeightScheme &base = {});

/// The range calibrated for `value`: `qnn.ranges` on its producer or
/// `qnn.range` on a function argument.
std::optional<std::pair<double, double>> calibratedRange(mlir::Value value);
void setCalibratedRange(mlir::Value value, double min, double max);

} // namespace quantc::qnn

#endif // QUANTC_PASSES_TRANSFORMS_LAYERS_H
