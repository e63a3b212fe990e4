// X^T X accumulation for convolution (im2col patches) and matrix inputs.
#include "quantc/Analysis/Hessian.h"
#include "quantc/Analysis/DotLanes.h"

namespace quantc {

/// hessian += Xt Xt^T for Xt = `columns` x `rows` (column-major X). Eight
/// dot products share each pass over a[] and run side by side; each one
/// still sums in order of p, so the result is that of the plain loop.
static void accumulateTransposed(const std::vector<float> &xt, int64_t rows, int64_t columns,
                                 std::vector<double> &hessian) {
  constexpr int64_t kLanes = kDotLanes;
  hessian.resize(columns * columns, 0.0);
  auto add = [&](int64_t i, int64_t j, float sum) {
    hessian[i * columns + j] += sum;
    if (i != j)
      hessian[j * columns + i] += sum;
  };
  for (int64_t i = 0; i < columns; ++i) {
    const float *a = &xt[i * rows];
    int64_t j = 0;
    for (; j + kLanes <= i + 1; j += kLanes) {
      float sum[kLanes] = {};
      accumulateDotLanes(a, &xt[j * rows], rows, 0, rows, sum);
      for (int64_t l = 0; l < kLanes; ++l)
        add(i, j + l, sum[l]);
    }
    for (; j <= i; ++j) {
      const float *b = &xt[j * rows];
      float sum = 0;
      for (int64_t p = 0; p < rows; ++p)
        sum += a[p] * b[p];
      add(i, j, sum);
    }
  }
}

void hessianTimes(const double *hessian, int64_t n, const double *x, double *y) {
  constexpr int64_t kLanes = kDotLanes;
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    double sum[kLanes] = {};
    accumulateDotLanes(x, &hessian[i * n], n, 0, n, sum);
    for (int64_t l = 0; l < kLanes; ++l)
      y[i + l] = sum[l];
  }
  for (; i < n; ++i) {
    double sum = 0;
    const double *h = &hessian[i * n];
    for (int64_t j = 0; j < n; ++j)
      sum += h[j] * x[j];
    y[i] = sum;
  }
}

void accumulateConvHessian(const float *input, const ConvGeometry &g,
                           std::vector<double> &hessian) {
  int64_t oh = g.outHeight(), ow = g.outWidth();
  int64_t positions = g.batch * oh * ow, columns = g.channels * g.kernelH * g.kernelW;
  std::vector<float> xt(columns * positions, 0.f);
  for (int64_t c = 0; c < g.channels; ++c)
    for (int64_t ki = 0; ki < g.kernelH; ++ki)
      for (int64_t kj = 0; kj < g.kernelW; ++kj) {
        float *row = &xt[((c * g.kernelH + ki) * g.kernelW + kj) * positions];
        for (int64_t n = 0; n < g.batch; ++n)
          for (int64_t y = 0; y < oh; ++y) {
            int64_t iy = y * g.strideH - g.padTop + ki * g.dilationH;
            if (iy < 0 || iy >= g.height)
              continue;
            const float *in = input + ((n * g.channels + c) * g.height + iy) * g.width;
            for (int64_t x = 0; x < ow; ++x) {
              int64_t ix = x * g.strideW - g.padLeft + kj * g.dilationW;
              if (ix >= 0 && ix < g.width)
                row[(n * oh + y) * ow + x] = in[ix];
            }
          }
      }
  accumulateTransposed(xt, positions, columns, hessian);
}

void accumulateMatrixHessian(const float *x, int64_t rows, int64_t columns,
                             std::vector<double> &hessian) {
  std::vector<float> xt(columns * rows);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < columns; ++c)
      xt[c * rows + r] = x[r * columns + c];
  accumulateTransposed(xt, rows, columns, hessian);
}

} // namespace quantc
