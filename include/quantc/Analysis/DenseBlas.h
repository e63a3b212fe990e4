// Dense row-major double kernels from OpenBLAS (its BLAS and LAPACK): what
// GPTQ needs on LLM-sized layers, where its O(n^3) factorization and
// O(rows n^2) updates would take minutes per layer in plain loops.
#ifndef QUANTC_ANALYSIS_DENSEBLAS_H
#define QUANTC_ANALYSIS_DENSEBLAS_H

#include <cstdint>

namespace quantc::blas {

/// In place: the lower Cholesky factor L of a symmetric positive definite
/// n x n matrix (H = L L^T), tiles on the analysis threads; the strict upper
/// triangle is left unspecified. False when the matrix is not positive definite.
bool choleskyLower(double *a, int64_t n);

/// In place: the inverse of a lower triangular n x n matrix with a nonzero
/// diagonal; the strict upper triangle is left as it was.
bool invertLower(double *a, int64_t n);

/// C -= A B for row-major A (m x k, row stride lda), B (k x n, ldb) and
/// C (m x n, ldc).
void subtractProduct(double *c, int64_t ldc, const double *a, int64_t lda, const double *b,
                     int64_t ldb, int64_t m, int64_t n, int64_t k);

} // namespace quantc::blas

#endif // QUANTC_ANALYSIS_DENSEBLAS_H
