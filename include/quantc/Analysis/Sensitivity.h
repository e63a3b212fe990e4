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

} // namespace quantc

#endif // QUANTC_ANALYSIS_SENSITIVITY_H
