// X^T X of a layer's inputs (the proxy Hessian GPTQ and sensitivity use),
// accumulated sample by sample from raw activations.
#ifndef QUANTC_ANALYSIS_HESSIAN_H
#define QUANTC_ANALYSIS_HESSIAN_H

#include <cstdint>
#include <vector>

namespace quantc {

/// A 2-D convolution's geometry (NCHW input, [O, I, kh, kw] weight, group 1).
struct ConvGeometry {
  int64_t batch, channels, height, width;
  int64_t kernelH, kernelW, strideH = 1, strideW = 1, dilationH = 1, dilationW = 1;
  int64_t padTop = 0, padLeft = 0, padBottom = 0, padRight = 0;
  int64_t outHeight() const {
    return (height + padTop + padBottom - dilationH * (kernelH - 1) - 1) / strideH + 1;
  }
  int64_t outWidth() const {
    return (width + padLeft + padRight - dilationW * (kernelW - 1) - 1) / strideW + 1;
  }
};

/// Accumulates X^T X into `hessian` (K x K, row-major, K = channels*kh*kw)
/// where the rows of X are the im2col patches of `input`.
void accumulateConvHessian(const float *input, const ConvGeometry &geometry,
                           std::vector<double> &hessian);

/// Accumulates X^T X for `rows` x `columns` row-major activations.
void accumulateMatrixHessian(const float *x, int64_t rows, int64_t columns,
                             std::vector<double> &hessian);

/// The same as calling accumulateMatrixHessian on each of `samples`
/// consecutive `rows` x `columns` blocks of `x` in order, bit for bit, but
/// each element of `hessian` is read and written once instead of once per
/// sample (an LLM's 8192^2 doubles are memory-bound otherwise).
void accumulateMatrixHessianOverSamples(const float *x, int64_t samples, int64_t rows,
                                        int64_t columns, std::vector<double> &hessian);

/// Sums over the patches (im2col rows) of two inputs of one geometry, e.g.
/// a layer's input in the quantized model (x) and its error against the
/// float one (y): gram = X^T X, cross = X^T Y (cross[i][j] = sum x_i y_j),
/// the column sums of X and Y, and how many patches were summed.
struct PatchMoments {
  std::vector<double> gram, cross, xSum, ySum;
  int64_t patches = 0;
};

/// Adds one input's patches to `moments`; X's patches are built once for all.
void accumulateConvMoments(const float *x, const float *y, const ConvGeometry &geometry,
                           PatchMoments &moments);
void accumulateMatrixMoments(const float *x, const float *y, int64_t rows, int64_t columns,
                             PatchMoments &moments);

/// y = H x for an n x n `hessian` (row-major), kDotLanes rows at a time
/// (accumulateDotLanes: bit-identical to a plain loop per row).
void hessianTimes(const double *hessian, int64_t n, const double *x, double *y);

} // namespace quantc

#endif // QUANTC_ANALYSIS_HESSIAN_H
