// The float chain after a W8A8 layer (dequantize, activations, an optional
// quantize to int8) that its qkernel.matmul_integer runs as an epilogue.
#ifndef QUANTC_PASSES_CONVERSION_QNNTOQKERNEL_EPILOGUECHAIN_H
#define QUANTC_PASSES_CONVERSION_QNNTOQKERNEL_EPILOGUECHAIN_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/Region.h"

namespace quantc {

struct EpilogueChain {
  llvm::SmallVector<mlir::Operation *> ops; // storage cast, dequantize, ..., in order
  mlir::Operation *last = nullptr;          // whose result the kernel's replaces
  mlir::Type element;                       // the kernel's result element: i8 or f32
};

/// The chain on `result` (the layer's int32 tensor, output channels along
/// `channelAxis`): quant.scast to its per-tensor or per-channel int32
/// type, qnn.dequantize, then Relu/Clip/HardSwish/HardSigmoid/LeakyRelu,
/// then optionally qnn.quantize to signed 8-bit storage (per tensor or per
/// channel); or, `withRequantize`, a qnn.requantize to int8 alone. An int8
/// end takes the storage cast after it along. Each op but the last has
/// one user.
std::optional<EpilogueChain> findEpilogueChain(mlir::Value result, int64_t channelAxis,
                                               bool withRequantize = false);

/// Fills `region` with the chain's arithmetic on one accumulator: the
/// lowering's own scalar bodies, per-channel parameters read from constant
/// tables (one entry per channel, as the quantized types hold them) at the
/// channel argument.
void buildEpilogue(mlir::OpBuilder &b, mlir::Location loc, mlir::Region &region,
                   const EpilogueChain &chain);

} // namespace quantc

#endif // QUANTC_PASSES_CONVERSION_QNNTOQKERNEL_EPILOGUECHAIN_H
