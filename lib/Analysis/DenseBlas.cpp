// Row-major wrappers over OpenBLAS's Fortran interface (column-major): a
// row-major matrix is its transpose in column-major, so a lower factor here
// is LAPACK's upper one, and C -= A B here is C^T -= B^T A^T there.
#include "quantc/Analysis/DenseBlas.h"

#include "quantc/Support/Parallel.h"

#include <algorithm>
#include <climits>
#include <mutex>
#include <utility>
#include <vector>

extern "C" {
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info);
void dtrtri_(const char *uplo, const char *diag, const int *n, double *a, const int *lda, int *info);
void openblas_set_num_threads(int threads);
void dtrsm_(const char *side, const char *uplo, const char *transa, const char *diag, const int *m,
            const int *n, const double *alpha, const double *a, const int *lda, double *b,
            const int *ldb);
void dgemm_(const char *transa, const char *transb, const int *m, const int *n, const int *k,
            const double *alpha, const double *a, const int *lda, const double *b, const int *ldb,
            const double *beta, double *c, const int *ldc);
}

namespace quantc::blas {

/// OpenBLAS on one thread, always: its threaded dpotrf/dtrtri round
/// differently from its sequential ones, and quantc's results must not
/// depend on the thread count. Callers split work over the analysis
/// threads themselves, in pieces fixed by the problem, not by the threads.
static void useOneThread() {
  static std::once_flag once;
  std::call_once(once, [] { openblas_set_num_threads(1); });
}

/// dpotrf on the diagonal tile at (first, first), `size` wide, leading dimension n.
static bool factorTile(double *a, int64_t n, int64_t first, int64_t size) {
  int rows = int(size), lda = int(n), info = 0;
  dpotrf_("U", &rows, a + first * n + first, &lda, &info);
  return info == 0;
}

bool choleskyLower(double *a, int64_t n) {
  if (n > INT_MAX)
    return false;
  useOneThread();
  // Tile by tile, right-looking: factor the diagonal tile, solve the tiles
  // below it, subtract their products from the trailing tiles. Each tile's
  // operations and their order are fixed by n alone, one BLAS call each,
  // so the analysis threads share the tiles without changing the result.
  constexpr int64_t kTile = 256;
  int64_t tiles = (n + kTile - 1) / kTile;
  auto start = [&](int64_t t) { return t * kTile; };
  auto size = [&](int64_t t) { return std::min(kTile, n - t * kTile); };
  int lda = int(n);
  for (int64_t k = 0; k < tiles; ++k) {
    if (!factorTile(a, n, start(k), size(k)))
      return false;
    double *diagonal = a + start(k) * n + start(k);
    int tileK = int(size(k));
    // Row-major A_ik L_kk^-T is, column-major, L_kk^-1 A_ik^T with L_kk^T
    // stored as LAPACK's upper factor.
    forEachIndex(size_t(tiles - k - 1), [&](size_t index) {
      int64_t i = k + 1 + int64_t(index);
      int rows = int(size(i));
      double one = 1.0;
      dtrsm_("L", "U", "T", "N", &tileK, &rows, &one, diagonal, &lda, a + start(i) * n + start(k), &lda);
    });
    // A_ij -= A_ik A_jk^T for the tiles on and below the diagonal.
    std::vector<std::pair<int64_t, int64_t>> trailing;
    for (int64_t i = k + 1; i < tiles; ++i)
      for (int64_t j = k + 1; j <= i; ++j)
        trailing.push_back({i, j});
    forEachIndex(trailing.size(), [&](size_t index) {
      auto [i, j] = trailing[index];
      int rowsI = int(size(i)), rowsJ = int(size(j));
      double minusOne = -1.0, one = 1.0;
      dgemm_("T", "N", &rowsJ, &rowsI, &tileK, &minusOne, a + start(j) * n + start(k), &lda,
             a + start(i) * n + start(k), &lda, &one, a + start(i) * n + start(j), &lda);
    });
  }
  return true;
}

bool invertLower(double *a, int64_t n) {
  useOneThread();
  if (n > INT_MAX)
    return false;
  int size = int(n), info = 0;
  dtrtri_("U", "N", &size, a, &size, &info);
  return info == 0;
}

void subtractProduct(double *c, int64_t ldc, const double *a, int64_t lda, const double *b,
                     int64_t ldb, int64_t m, int64_t n, int64_t k) {
  useOneThread();
  if (m == 0 || n == 0 || k == 0)
    return;
  int rows = int(m), columns = int(n), inner = int(k);
  int strideA = int(lda), strideB = int(ldb), strideC = int(ldc);
  double minusOne = -1.0, one = 1.0;
  dgemm_("N", "N", &columns, &rows, &inner, &minusOne, b, &strideB, a, &strideA, &one, c,
         &strideC);
}

} // namespace quantc::blas
