// X^T X accumulation for convolution (im2col patches) and matrix inputs.
#include "quantc/Analysis/Hessian.h"
#include "quantc/Analysis/DotLanes.h"
#include "quantc/Support/Parallel.h"

#include "llvm/ADT/ArrayRef.h"

#include <algorithm>

namespace quantc {

/// body(i) for every row i < columns: on the analysis threads when the
/// work (rows x columns^2 multiply-adds) is worth it. Each row of the result
/// is written by one thread in a fixed order, so the sums are the same
/// whatever the thread count.
template <typename Body>
static void forEachRow(int64_t rows, int64_t columns, Body body) {
  if (double(rows) * double(columns) * double(columns) < 4e6) {
    for (int64_t i = 0; i < columns; ++i)
      body(i);
    return;
  }
  forEachIndex(size_t(columns), [&](size_t i) { body(int64_t(i)); });
}

/// hessian += Xt Xt^T for each Xt (`columns` x `rows`, column-major X) in
/// order, up to kDotLanes dot products per pass over a[]
/// (accumulateDotLanes). Each element takes every block's float partial in
/// turn and is written once. Row i owns hessian[i][0..i] and the mirrored
/// column entries hessian[j][i], j < i.
static void accumulateTransposed(llvm::ArrayRef<std::vector<float>> xts, int64_t rows,
                                 int64_t columns, std::vector<double> &hessian) {
  hessian.resize(columns * columns, 0.0);
  forEachRow(rows * int64_t(xts.size()), columns, [&](int64_t i) {
    for (int64_t j = 0; j <= i; j += kDotLanes) {
      int64_t lanes = std::min(kDotLanes, i + 1 - j);
      double total[kDotLanes];
      for (int64_t l = 0; l < lanes; ++l)
        total[l] = hessian[i * columns + j + l];
      for (const std::vector<float> &xt : xts) {
        float sum[kDotLanes] = {};
        accumulateDotLanes(&xt[i * rows], &xt[j * rows], rows, 0, rows, sum, lanes);
        for (int64_t l = 0; l < lanes; ++l)
          total[l] += sum[l];
      }
      for (int64_t l = 0; l < lanes; ++l) {
        hessian[i * columns + j + l] = total[l];
        hessian[(j + l) * columns + i] = total[l];
      }
    }
  });
}

void hessianTimes(const double *hessian, int64_t n, const double *x, double *y) {
  for (int64_t i = 0; i < n; i += kDotLanes) {
    int64_t lanes = std::min(kDotLanes, n - i);
    double sum[kDotLanes] = {};
    accumulateDotLanes(x, &hessian[i * n], n, 0, n, sum, lanes);
    for (int64_t l = 0; l < lanes; ++l)
      y[i + l] = sum[l];
  }
}

/// The im2col patches of `input`, transposed: `columns` x `positions`
/// (one row per (channel, kh, kw), padding read as zero).
static std::vector<float> transposedPatches(const float *input, const ConvGeometry &g) {
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
  return xt;
}

static std::vector<float> transposedMatrix(const float *x, int64_t rows, int64_t columns) {
  std::vector<float> xt(columns * rows);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < columns; ++c)
      xt[c * rows + r] = x[r * columns + c];
  return xt;
}

/// cross += Xt Yt^T: cross[i][j] += sum_p x[p][i] * y[p][j] for two inputs
/// of the same shape (`columns` x `rows`, transposed).
static void accumulateCrossTransposed(const std::vector<float> &xt, const std::vector<float> &yt,
                                      int64_t rows, int64_t columns, std::vector<double> &cross) {
  cross.resize(columns * columns, 0.0);
  forEachRow(rows, columns, [&](int64_t i) {
    for (int64_t j = 0; j < columns; j += kDotLanes) {
      int64_t lanes = std::min(kDotLanes, columns - j);
      float sum[kDotLanes] = {};
      accumulateDotLanes(&xt[i * rows], &yt[j * rows], rows, 0, rows, sum, lanes);
      for (int64_t l = 0; l < lanes; ++l)
        cross[i * columns + j + l] += sum[l];
    }
  });
}

void accumulateConvHessian(const float *input, const ConvGeometry &g,
                           std::vector<double> &hessian) {
  accumulateTransposed(transposedPatches(input, g), g.batch * g.outHeight() * g.outWidth(),
                       g.channels * g.kernelH * g.kernelW, hessian);
}

/// sums[i] += the sum of row i of a `columns` x `rows` transposed input.
static void accumulateRowSums(const std::vector<float> &xt, int64_t rows, int64_t columns,
                              std::vector<double> &sums) {
  sums.resize(columns, 0.0);
  for (int64_t i = 0; i < columns; ++i) {
    double sum = 0;
    for (int64_t p = 0; p < rows; ++p)
      sum += xt[i * rows + p];
    sums[i] += sum;
  }
}

static void accumulateTransposedMoments(const std::vector<float> &xt, const std::vector<float> &yt,
                                        int64_t rows, int64_t columns, PatchMoments &moments) {
  accumulateTransposed(xt, rows, columns, moments.gram);
  accumulateCrossTransposed(xt, yt, rows, columns, moments.cross);
  accumulateRowSums(xt, rows, columns, moments.xSum);
  accumulateRowSums(yt, rows, columns, moments.ySum);
  moments.patches += rows;
}

void accumulateConvMoments(const float *x, const float *y, const ConvGeometry &g,
                           PatchMoments &moments) {
  accumulateTransposedMoments(transposedPatches(x, g), transposedPatches(y, g),
                              g.batch * g.outHeight() * g.outWidth(),
                              g.channels * g.kernelH * g.kernelW, moments);
}

void accumulateMatrixMoments(const float *x, const float *y, int64_t rows, int64_t columns,
                             PatchMoments &moments) {
  accumulateTransposedMoments(transposedMatrix(x, rows, columns), transposedMatrix(y, rows, columns),
                              rows, columns, moments);
}

void accumulateMatrixHessian(const float *x, int64_t rows, int64_t columns,
                             std::vector<double> &hessian) {
  accumulateTransposed(transposedMatrix(x, rows, columns), rows, columns, hessian);
}

void accumulateMatrixHessianOverSamples(const float *x, int64_t samples, int64_t rows,
                                        int64_t columns, std::vector<double> &hessian) {
  std::vector<std::vector<float>> xts;
  for (int64_t s = 0; s < samples; ++s)
    xts.push_back(transposedMatrix(x + s * rows * columns, rows, columns));
  accumulateTransposed(xts, rows, columns, hessian);
}

} // namespace quantc
