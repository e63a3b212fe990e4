// Register-block shuffles (RegisterBlocks.h).
#include "quantc/Codegen/RegisterBlocks.h"

#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace quantc::codegen {

SmallVector<Value> transposeBlock(OpBuilder &b, Location loc, ArrayRef<Value> v) {
  auto shuffle = [&](Value x, Value y, ArrayRef<int64_t> mask) -> Value {
    return vector::ShuffleOp::create(b, loc, x, y, mask);
  };
  constexpr int64_t n = kTransposeBlock;
  SmallVector<Value> a(n), c(n), r(n);
  for (int64_t p = 0; p < n; p += 2) {
    a[p] = shuffle(v[p], v[p + 1], {0, 8, 1, 9, 4, 12, 5, 13});
    a[p + 1] = shuffle(v[p], v[p + 1], {2, 10, 3, 11, 6, 14, 7, 15});
  }
  // c[4q + s]: element s (and s + 4) of rows 4q .. 4q + 3.
  for (int64_t q = 0; q < 2; ++q) {
    Value lo0 = a[4 * q], hi0 = a[4 * q + 1], lo1 = a[4 * q + 2], hi1 = a[4 * q + 3];
    c[4 * q + 0] = shuffle(lo0, lo1, {0, 1, 8, 9, 4, 5, 12, 13});
    c[4 * q + 1] = shuffle(lo0, lo1, {2, 3, 10, 11, 6, 7, 14, 15});
    c[4 * q + 2] = shuffle(hi0, hi1, {0, 1, 8, 9, 4, 5, 12, 13});
    c[4 * q + 3] = shuffle(hi0, hi1, {2, 3, 10, 11, 6, 7, 14, 15});
  }
  for (int64_t s = 0; s < 4; ++s) {
    r[s] = shuffle(c[s], c[4 + s], {0, 1, 2, 3, 8, 9, 10, 11});
    r[s + 4] = shuffle(c[s], c[4 + s], {4, 5, 6, 7, 12, 13, 14, 15});
  }
  return r;
}

} // namespace quantc::codegen
