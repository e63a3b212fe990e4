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

/// body(start, size) for the full blocks of `step` in [0, total) inside one
/// scf.for, then once for the remainder (static sizes both).
void forBlocks(OpBuilder &b, Location loc, int64_t total, int64_t step,
               function_ref<void(OpBuilder &, Location, Value, int64_t)> body) {
  int64_t full = total - total % step;
  if (full > 0)
    scf::ForOp::create(b, loc, indexConstant(b, loc, 0), indexConstant(b, loc, full),
                       indexConstant(b, loc, step), ValueRange{},
                       [&](OpBuilder &nb, Location l, Value start, ValueRange) {
                         body(nb, l, start, step);
                         scf::YieldOp::create(nb, l);
                       });
  if (total % step)
    body(b, loc, indexConstant(b, loc, full), total % step);
}

/// C[0, j0 : j0 + width] += x[k..k+rows) . B[k..k+rows, same columns]: one
/// vector of C, `rows` fmas in k order (the element order emitTile uses).
void emitRowStreamStep(OpBuilder &b, Location loc, const Gemm &g, Value k, int64_t rows,
                       Value j0, int64_t width) {
  auto vectorType = VectorType::get({width}, g.element);
  Value zero = indexConstant(b, loc, 0);
  Value acc = vector::LoadOp::create(b, loc, vectorType, g.c, g.at(zero, j0));
  for (int64_t r = 0; r < rows; ++r) {
    Value row = r ? arith::AddIOp::create(b, loc, k, indexConstant(b, loc, r)).getResult() : k;
    Value x = vector::BroadcastOp::create(b, loc, vectorType,
                                          memref::LoadOp::create(b, loc, g.a, g.at(zero, row)));
    Value bRow = vector::LoadOp::create(b, loc, vectorType, g.b, g.at(row, j0));
    acc = vector::FMAOp::create(b, loc, x, bRow, acc);
  }
  vector::StoreOp::create(b, loc, acc, g.c, g.at(zero, j0));
}

/// A float GEMV (M = 1) streams B row by row instead of walking a column
/// panel down K: a panel walk touches a new page per row of B (a TLB miss
/// per load once B outgrows the cache); rows of B are contiguous. Four rows
/// at a time share each load and store of C, which stays in L1.
void emitRowStreamGemv(OpBuilder &b, Location loc, const Gemm &g, int64_t nr) {
  forBlocks(b, loc, g.k, 4, [&](OpBuilder &kb, Location kl, Value k, int64_t rows) {
    forBlocks(kb, kl, g.n, nr, [&](OpBuilder &cb, Location cl, Value j0, int64_t width) {
      emitRowStreamStep(cb, cl, g, k, rows, j0, width);
    });
  });
}

void emitGemm(OpBuilder &b, Location loc, const Gemm &g, int64_t mr, int64_t nr) {
  if (g.m == 1 && isa<FloatType>(g.element) && g.k * g.n >= 1 << 16)
    return emitRowStreamGemv(b, loc, g, nr);
  // Column blocks outside, so a K x nr panel of B stays in cache across row blocks.
  forBlocks(b, loc, g.n, nr, [&](OpBuilder &cb, Location cl, Value j0, int64_t width) {
    forBlocks(cb, cl, g.m, mr, [&](OpBuilder &rb, Location rl, Value i0, int64_t rows) {
      emitTile(rb, rl, g, i0, j0, rows, width);
    });
  });
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
