//===- Sensitivity.h - how much quantizing one layer's weights costs -------===//
//
// The scores qnn-sensitivity writes and the bit-allocation program sums:
// the layer's output error predicted from its weight error (OBQ/GPTQ's
// Hessian proxy), or a data-free relative weight error.
//
//===----------------------------------------------------------------------===//
#ifndef QUANTC_ANALYSIS_SENSITIVITY_H
#define QUANTC_ANALYSIS_SENSITIVITY_H

#include "quantc/Analysis/Quantizer.h"

#include <cstdint>
#include <vector>

namespace quantc {

/// sum over rows r of d_r^T H d_r with d = dequantized - original (rows and
/// columns as `layout` maps them) and H the columns x columns X^T X per
/// sample: the expected squared error the weight error adds to the layer's
/// outputs.
double hessianWeightedError(const std::vector<float> &original, const std::vector<float> &dequantized,
                            const WeightLayout &layout, const std::vector<double> &hessian);

/// The same with a diagonal H: `columnPower[c]` = E[x_c^2] of the input
/// element column c multiplies (grouped convolutions, whose rows see
/// different inputs, pass one row's worth per row: rows x columns values).
double diagonalHessianError(const std::vector<float> &original, const std::vector<float> &dequantized,
                            const WeightLayout &layout, const std::vector<double> &columnPower);

/// ||d||^2 / ||w||^2: the data-free proxy (inverse weight SQNR).
double relativeWeightError(const std::vector<float> &original, const std::vector<float> &dequantized);

/// The output-kl score of a quantized model's output against the float
/// model's: KL(p || q), and the loss of the float model's top class y,
/// log p_y - log q_y (cross-entropy against the float model's answer). KL
/// spreads over all classes while the argmax, the model's answer, turns on
/// one. The loss is first order in the error and can be negative on a
/// sample; its mean over samples counts where positive.
struct OutputDivergence {
  double kl = 0, topLoss = 0;
  double score() const { return kl + (topLoss > 0 ? topLoss : 0.0); }
  OutputDivergence &operator+=(const OutputDivergence &other) {
    kl += other.kl, topLoss += other.topLoss;
    return *this;
  }
};

/// The divergence of `rows` distributions of `width` classes (`approx`
/// against `reference`), each term averaged over the rows.
OutputDivergence outputKLDivergence(const float *reference, const float *approx, int64_t rows,
                                    int64_t width);

} // namespace quantc

#endif // QUANTC_ANALYSIS_SENSITIVITY_H
