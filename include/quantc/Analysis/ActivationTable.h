//===- ActivationTable.h - int8 lookup tables for fused activations --------===//
//
// An activation between two int8 layers (conv -> HardSwish -> conv) runs in the
// integer path as requantize-to-int8 (the pre-activation) followed by a
// 256-entry table that maps each pre-activation integer to the activation's
// output integer. This file computes the pre-activation domain and the table;
// qnn-fold-scales writes them and the lowering only indexes.
//
//===----------------------------------------------------------------------===//
#ifndef QUANTC_ANALYSIS_ACTIVATIONTABLE_H
#define QUANTC_ANALYSIS_ACTIVATIONTABLE_H

#include <array>
#include <cstdint>
#include <functional>
#include <optional>

namespace quantc {

/// The activations that can be tabulated.
enum class TableActivation { HardSwish, HardSigmoid, Sigmoid, Tanh };

/// The activation as a float function (the same formulas as the float
/// lowering); HardSigmoid uses alpha and beta.
std::function<float(float)> activationFunction(TableActivation kind, float alpha = 0.2f,
                                               float beta = 0.5f);

/// An int8 affine quantization: real = (q - zeroPoint) * scale.
struct Int8Affine {
  float scale = 1;
  int32_t zeroPoint = 0;
};

/// The int8 domain for the pre-activation x of `kind` whose output is
/// quantized to `output` (int8 storage [-128, 127]). Outside the domain the
/// quantized output does not change (HardSwish is 0 below -3; bounded
/// activations saturate), so clamping x to it loses nothing; inside, x is
/// rounded to 255 steps. `after` is an elementwise map applied to the
/// activation's output before quantization (a fused scalar affine a*y + b).
/// nullopt when the output range is degenerate.
std::optional<Int8Affine> preActivationDomain(TableActivation kind, float alpha, float beta,
                                              Int8Affine output,
                                              const std::function<float(float)> &after = {});

/// table[q + 128] = quantize(f(dequantize(q, input)), output), for q in
/// [-128, 127]; quantize rounds ties to even and saturates (qnn.quantize).
std::array<int8_t, 256> activationTable(const std::function<float(float)> &f, Int8Affine input,
                                        Int8Affine output);

} // namespace quantc

#endif // QUANTC_ANALYSIS_ACTIVATIONTABLE_H
