// convert-linalg-matmul-to-vector: register-blocked vector microkernel for buffer matmuls.
#include "passes/Conversion/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinTypes.h"

namespace quantc {
#define GEN_PASS_DEF_CONVERTLINALGMATMULTOVECTORPASS
#include "passes/Conversion/Passes.h.inc"

using namespace mlir;

namespace {

/// One C[batch] += A[batch] x B[batch] with static M, N, K.
struct Gemm {
  Value a, b, c;
  Value batch; // null for a 2-D matmul
  int64_t m, n, k;
  Type element;      // of C (the accumulator)
  Type inputElement; // of A and B: the same float, or i8 for an i32 accumulator

  SmallVector<Value> at(Value row, Value col) const {
    SmallVector<Value> index;
    if (batch)
      index.push_back(batch);
    index.append({row, col});
    return index;
  }
};

Value indexConstant(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// Emits one mr x nr tile at (i0, j0): accumulators live in iter_args across k.
void emitTile(OpBuilder &b, Location loc, const Gemm &g, Value i0, Value j0, int64_t mr,
              int64_t nr) {
  auto vectorType = VectorType::get({nr}, g.element);
  SmallVector<Value> rows, accumulators;
  for (int64_t r = 0; r < mr; ++r) {
    rows.push_back(r == 0 ? i0 : arith::AddIOp::create(b, loc, i0, indexConstant(b, loc, r)).getResult());
    accumulators.push_back(vector::LoadOp::create(b, loc, vectorType, g.c, g.at(rows[r], j0)));
  }
  auto loop = scf::ForOp::create(
      b, loc, indexConstant(b, loc, 0), indexConstant(b, loc, g.k), indexConstant(b, loc, 1),
      accumulators, [&](OpBuilder &nb, Location l, Value k, ValueRange acc) {
        bool widen = g.inputElement != g.element; // int8 inputs, int32 accumulator
        Value bRow = vector::LoadOp::create(nb, l, VectorType::get({nr}, g.inputElement), g.b,
                                            g.at(k, j0));
        if (widen)
          bRow = arith::ExtSIOp::create(nb, l, vectorType, bRow);
        SmallVector<Value> next;
        for (int64_t r = 0; r < mr; ++r) {
          Value a = memref::LoadOp::create(nb, l, g.a, g.at(rows[r], k));
          if (widen)
            a = arith::ExtSIOp::create(nb, l, g.element, a);
          Value splat = vector::BroadcastOp::create(nb, l, vectorType, a);
          if (isa<FloatType>(g.element))
            next.push_back(vector::FMAOp::create(nb, l, splat, bRow, acc[r]));
          else
            next.push_back(arith::AddIOp::create(
                nb, l, acc[r], arith::MulIOp::create(nb, l, splat, bRow)));
        }
        scf::YieldOp::create(nb, l, next);
      });
  for (int64_t r = 0; r < mr; ++r)
    vector::StoreOp::create(b, loc, loop.getResult(r), g.c, g.at(rows[r], j0));
}

/// Row blocks of one column block: full mr tiles in a loop, then the edge rows.
void emitColumnBlock(OpBuilder &b, Location loc, const Gemm &g, Value j0, int64_t mr, int64_t nr) {
  int64_t fullRows = g.m - g.m % mr;
  if (fullRows > 0)
    scf::ForOp::create(b, loc, indexConstant(b, loc, 0), indexConstant(b, loc, fullRows),
                       indexConstant(b, loc, mr), ValueRange{},
                       [&](OpBuilder &nb, Location l, Value i0, ValueRange) {
                         emitTile(nb, l, g, i0, j0, mr, nr);
                         scf::YieldOp::create(nb, l);
                       });
  if (g.m % mr)
    emitTile(b, loc, g, indexConstant(b, loc, fullRows), j0, g.m % mr, nr);
}

void emitGemm(OpBuilder &b, Location loc, const Gemm &g, int64_t mr, int64_t nr) {
  int64_t fullCols = g.n - g.n % nr;
  if (fullCols > 0)
    scf::ForOp::create(b, loc, indexConstant(b, loc, 0), indexConstant(b, loc, fullCols),
                       indexConstant(b, loc, nr), ValueRange{},
                       [&](OpBuilder &nb, Location l, Value j0, ValueRange) {
                         emitColumnBlock(nb, l, g, j0, mr, nr);
                         scf::YieldOp::create(nb, l);
                       });
  if (g.n % nr)
    emitColumnBlock(b, loc, g, indexConstant(b, loc, fullCols), mr, g.n % nr);
}

bool unitInnerStride(MemRefType type) {
  SmallVector<int64_t> strides;
  int64_t offset;
  return succeeded(type.getStridesAndOffset(strides, offset)) && strides.back() == 1;
}

/// Static shapes, contiguous rows of B and C, and one float element type or
/// int8 x int8 into int32 (linalg.matmul's signed extension).
bool supported(linalg::LinalgOp op) {
  SmallVector<MemRefType> types;
  for (Value operand : op->getOperands()) {
    auto type = dyn_cast<MemRefType>(operand.getType());
    if (!type || !type.hasStaticShape())
      return false;
    types.push_back(type);
  }
  if (types.size() != 3)
    return false;
  Type a = types[0].getElementType(), b = types[1].getElementType(), c = types[2].getElementType();
  bool floats = isa<FloatType>(c) && a == c && b == c;
  bool int8 = a.isSignlessInteger(8) && b.isSignlessInteger(8) && c.isSignlessInteger(32);
  if (auto matmul = dyn_cast<linalg::MatmulOp>(op.getOperation()); int8 && matmul &&
      matmul.getCast() != linalg::TypeFn::cast_signed)
    return false;
  if (auto matmul = dyn_cast<linalg::BatchMatmulOp>(op.getOperation()); int8 && matmul)
    return false; // batch_matmul carries no cast attribute here: keep the generic path
  return (floats || int8) && unitInnerStride(types[1]) && unitInnerStride(types[2]);
}

struct ConvertLinalgMatmulToVectorPass
    : impl::ConvertLinalgMatmulToVectorPassBase<ConvertLinalgMatmulToVectorPass> {
  using Base::Base;

  void runOnOperation() override {
    if (rows < 1 || cols < 1) {
      getOperation().emitError("convert-linalg-matmul-to-vector: rows and cols must be >= 1");
      return signalPassFailure();
    }
    SmallVector<linalg::LinalgOp> targets;
    getOperation().walk([&](linalg::LinalgOp op) {
      auto matmul = dyn_cast<linalg::MatmulOp>(op.getOperation());
      auto batched = dyn_cast<linalg::BatchMatmulOp>(op.getOperation());
      if ((matmul && !matmul.hasUserDefinedMaps()) || (batched && !batched.hasUserDefinedMaps()))
        if (op.hasPureBufferSemantics() && supported(op))
          targets.push_back(op);
    });
    for (linalg::LinalgOp op : targets) {
      OpBuilder b(op);
      Location loc = op.getLoc();
      auto cType = cast<MemRefType>(op->getOperand(2).getType());
      auto aType = cast<MemRefType>(op->getOperand(0).getType());
      bool isBatched = cType.getRank() == 3;
      Gemm g{op->getOperand(0), op->getOperand(1), op->getOperand(2), Value(),
             cType.getDimSize(cType.getRank() - 2), cType.getDimSize(cType.getRank() - 1),
             aType.getDimSize(aType.getRank() - 1), cType.getElementType(), aType.getElementType()};
      if (!isBatched) {
        emitGemm(b, loc, g, rows, cols);
      } else {
        scf::ForOp::create(b, loc, indexConstant(b, loc, 0), indexConstant(b, loc, cType.getDimSize(0)),
                           indexConstant(b, loc, 1), ValueRange{},
                           [&](OpBuilder &nb, Location l, Value batch, ValueRange) {
                             Gemm inner = g;
                             inner.batch = batch;
                             emitGemm(nb, l, inner, rows, cols);
                             scf::YieldOp::create(nb, l);
                           });
      }
      op->erase();
    }
  }
};

} // namespace
} // namespace quantc
