// quantc-vectorize-float-reductions: a float reduction that accumulates
// through one address (GlobalAveragePool, ReduceMean, a softmax's sum or
// max) runs on a vector of partial results instead of one dependent scalar
// op per element, in an order fixed at compile time: the same on every
// target and at every thread count.
#include "passes/Conversion/Passes.h"
#include "passes/Conversion/LoopHints/Contiguity.h"
#include "passes/Conversion/SCFToOpenMP/BufferBytes.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace quantc {
#define GEN_PASS_DEF_QUANTCVECTORIZEFLOATREDUCTIONSPASS
#include "passes/Conversion/Passes.h.inc"

using namespace mlir;

namespace {

/// A perfect nest of scf.for loops whose innermost body loads acc[I], adds
/// (or takes the max or min of) a value computed from elements contiguous
/// in its induction variable, and stores the result back to acc[I], with I
/// fixed across the whole nest.
struct Reduction {
  SmallVector<scf::ForOp> nest; // outermost first
  memref::LoadOp accLoad;
  Operation *combine;
  Value contribution;
  memref::StoreOp store;
};

bool isCombine(Operation *op) {
  return isa<arith::AddFOp, arith::MaximumFOp, arith::MinimumFOp>(op) &&
         isa<FloatType>(op->getResult(0).getType());
}

/// The value that leaves a partial result unchanged: -0 for a sum (x + -0
/// is x, -0 included), -inf for a max, +inf for a min.
TypedAttr identity(Operation *combine, FloatType type) {
  const llvm::fltSemantics &semantics = type.getFloatSemantics();
  if (isa<arith::AddFOp>(combine))
    return FloatAttr::get(type, APFloat::getZero(semantics, /*Negative=*/true));
  return FloatAttr::get(type, APFloat::getInf(semantics, isa<arith::MaximumFOp>(combine)));
}

/// A vector of the combine's identity.
Value identityVector(OpBuilder &b, Location loc, Operation *combine, VectorType type) {
  auto element = cast<FloatType>(type.getElementType());
  return arith::ConstantOp::create(b, loc,
                                   DenseElementsAttr::get(type, identity(combine, element)));
}

bool isScalar(Type type) { return isa<FloatType, IntegerType>(type); }

std::optional<int64_t> tripCount(scf::ForOp loop) {
  auto lo = getConstantIntValue(loop.getLowerBound()), hi = getConstantIntValue(loop.getUpperBound()),
       step = getConstantIntValue(loop.getStep());
  if (!lo || !hi || !step || *step <= 0 || *hi < *lo)
    return std::nullopt;
  return (*hi - *lo + *step - 1) / *step;
}

std::optional<Reduction> matchReduction(scf::ForOp inner) {
  if (inner.getNumResults() != 0 || getConstantIntValue(inner.getStep()) != 1 ||
      !tripCount(inner))
    return std::nullopt;
  Reduction r;
  Block &body = *inner.getBody();
  Value iv = inner.getInductionVar();
  for (Operation &op : body.without_terminator()) {
    if (auto store = dyn_cast<memref::StoreOp>(op)) {
      if (r.store)
        return std::nullopt;
      r.store = store;
    } else if (!isa<memref::LoadOp, arith::ConstantOp>(op)) {
      if (op.getNumRegions() != 0 || !op.hasTrait<OpTrait::Elementwise>() ||
          !isMemoryEffectFree(&op) || !llvm::all_of(op.getOperandTypes(), isScalar) ||
          !llvm::all_of(op.getResultTypes(), isScalar))
        return std::nullopt;
    }
  }
  if (!r.store)
    return std::nullopt;
  r.combine = r.store.getValue().getDefiningOp();
  if (!r.combine || r.combine->getBlock() != &body || !isCombine(r.combine))
    return std::nullopt;
  auto sameAddress = [&](Value v) {
    auto load = v.getDefiningOp<memref::LoadOp>();
    return load && load->getBlock() == &body && load.getMemRef() == r.store.getMemRef() &&
           load.getIndices() == r.store.getIndices() && load->hasOneUse();
  };
  for (unsigned i = 0; i < 2; ++i)
    if (sameAddress(r.combine->getOperand(i))) {
      r.accLoad = r.combine->getOperand(i).getDefiningOp<memref::LoadOp>();
      r.contribution = r.combine->getOperand(1 - i);
    }
  if (!r.accLoad || !r.combine->hasOneUse())
    return std::nullopt;
  // The induction variable only indexes loads, which are contiguous in it,
  // and no load reads the accumulator's bytes (it holds partial results).
  if (!llvm::all_of(iv.getUsers(), llvm::IsaPred<memref::LoadOp>))
    return std::nullopt;
  for (Operation &op : body.without_terminator()) {
    auto load = dyn_cast<memref::LoadOp>(op);
    if (load && load != r.accLoad &&
        (mayOverlap(load.getMemRef(), r.store.getMemRef()) ||
         !contiguousInLoop(inner, load.getMemRef(), load.getIndices())))
      return std::nullopt;
  }
  // Grow the nest outward over loops that hold only it and leave the
  // accumulator's address alone.
  r.nest.push_back(inner);
  auto invariant = [&](scf::ForOp loop) {
    return llvm::all_of(r.store.getIndices(),
                        [&](Value index) { return loop.isDefinedOutsideOfLoop(index); }) &&
           loop.isDefinedOutsideOfLoop(r.store.getMemRef());
  };
  if (!invariant(inner))
    return std::nullopt;
  while (auto outer = dyn_cast<scf::ForOp>(r.nest.front()->getParentOp())) {
    if (outer.getNumResults() != 0 || !tripCount(outer) ||
        &outer.getBody()->front() != r.nest.front().getOperation() ||
        outer.getBody()->getOperations().size() != 2 || !invariant(outer))
      break;
    r.nest.insert(r.nest.begin(), outer);
  }
  return r;
}

/// Builds the vector form of the innermost body at element `start`: loads
/// that walk the induction variable become vector loads (masked in the
/// tail), the other values stay scalar until a vector op needs them.
class BodyWidener {
public:
  BodyWidener(Reduction &r, int64_t lanes, IRMapping &scalars)
      : r(r), lanes(lanes), scalars(scalars) {}

  Value widen(OpBuilder &b, Location loc, Value start, Value mask) {
    vectors.clear();
    Value iv = r.nest.back().getInductionVar();
    for (Operation &op : r.nest.back().getBody()->without_terminator()) {
      if (&op == r.accLoad.getOperation() || &op == r.combine || &op == r.store.getOperation())
        continue;
      auto load = dyn_cast<memref::LoadOp>(op);
      if (load && llvm::is_contained(load.getIndices(), iv)) {
        SmallVector<Value> indices;
        for (Value index : load.getIndices())
          indices.push_back(index == iv ? start : scalars.lookupOrDefault(index));
        auto type = VectorType::get({lanes}, load.getType());
        Value vector;
        if (mask) {
          Value zeros = arith::ConstantOp::create(b, loc, type, b.getZeroAttr(type));
          vector = vector::MaskedLoadOp::create(b, loc, type, load.getMemRef(), indices, mask,
                                                zeros);
        } else {
          vector = vector::LoadOp::create(b, loc, type, load.getMemRef(), indices);
        }
        vectors.map(load.getResult(), vector);
        continue;
      }
      bool anyVector = llvm::any_of(op.getOperands(),
                                    [&](Value v) { return vectors.contains(v); });
      if (!anyVector) { // loop-invariant: computed once per element, as before
        b.clone(op, scalars);
        continue;
      }
      SmallVector<Value> operands;
      for (Value operand : op.getOperands())
        operands.push_back(vectorOf(b, loc, operand));
      SmallVector<Type> types;
      for (Type type : op.getResultTypes())
        types.push_back(VectorType::get({lanes}, type));
      Operation *vectorOp = mlir::clone(b, &op, types, operands);
      for (auto [scalar, vector] : llvm::zip(op.getResults(), vectorOp->getResults()))
        vectors.map(scalar, vector);
    }
    return vectorOf(b, loc, r.contribution);
  }

private:
  Value vectorOf(OpBuilder &b, Location loc, Value scalar) {
    if (Value vector = vectors.lookupOrNull(scalar))
      return vector;
    return vector::BroadcastOp::create(b, loc, VectorType::get({lanes}, scalar.getType()),
                                       scalars.lookupOrDefault(scalar));
  }

  Reduction &r;
  int64_t lanes;
  IRMapping &scalars;
  IRMapping vectors;
};

/// The combine (add, max or min) of lhs and rhs, scalars or vectors.
Value combineLike(OpBuilder &b, Operation *combine, Value lhs, Value rhs) {
  return mlir::clone(b, combine, lhs.getType(), {lhs, rhs})->getResult(0);
}

/// Halves added (or maxed) pairwise until one lane is left: a fixed order.
Value reduceLanes(OpBuilder &b, Location loc, Operation *combine, Value vector) {
  for (int64_t width = cast<VectorType>(vector.getType()).getNumElements(); width > 1;
       width /= 2) {
    Value low = vector::ExtractStridedSliceOp::create(b, loc, vector, {0}, {width / 2}, {1});
    Value high =
        vector::ExtractStridedSliceOp::create(b, loc, vector, {width / 2}, {width / 2}, {1});
    vector = combineLike(b, combine, low, high);
  }
  return vector::ExtractOp::create(b, loc, vector, ArrayRef<int64_t>{0});
}

/// Lanes of the partial results: 16 where whole vectors cover most of the
/// row, else 8; none below 8 elements.
int64_t lanesFor(int64_t trips) {
  if (trips % 16 == 0 || trips >= 48)
    return 16;
  return trips >= 8 ? 8 : 0;
}

/// One level of the rebuilt nest: scf.for loops carrying the partial
/// results as iter_args, and at the innermost level the vector steps and a
/// masked tail.
Value buildLevel(OpBuilder &b, Location loc, Reduction &r, size_t level, int64_t lanes,
                 Value partial, IRMapping &scalars) {
  scf::ForOp loop = r.nest[level];
  if (level + 1 < r.nest.size()) {
    auto rebuilt = scf::ForOp::create(
        b, loc, loop.getLowerBound(), loop.getUpperBound(), loop.getStep(), ValueRange{partial},
        [&](OpBuilder &nb, Location nl, Value iv, ValueRange args) {
          scalars.map(loop.getInductionVar(), iv);
          scf::YieldOp::create(nb, nl,
                               buildLevel(nb, nl, r, level + 1, lanes, args[0], scalars));
        });
    return rebuilt.getResult(0);
  }
  int64_t lower = *getConstantIntValue(loop.getLowerBound());
  int64_t trips = *tripCount(loop), whole = trips / lanes * lanes;
  BodyWidener widener(r, lanes, scalars);
  if (whole > 0) {
    auto steps = scf::ForOp::create(
        b, loc, arith::ConstantIndexOp::create(b, loc, lower),
        arith::ConstantIndexOp::create(b, loc, lower + whole),
        arith::ConstantIndexOp::create(b, loc, lanes), ValueRange{partial},
        [&](OpBuilder &nb, Location nl, Value start, ValueRange args) {
          Value value = widener.widen(nb, nl, start, Value());
          scf::YieldOp::create(nb, nl, combineLike(nb, r.combine, args[0], value));
        });
    partial = steps.getResult(0);
  }
  if (int64_t tail = trips - whole) {
    auto maskType = VectorType::get({lanes}, b.getI1Type());
    Value mask = vector::ConstantMaskOp::create(b, loc, maskType, ArrayRef<int64_t>{tail});
    Value start = arith::ConstantIndexOp::create(b, loc, lower + whole);
    Value value = widener.widen(b, loc, start, mask);
    Value neutral = identityVector(b, loc, r.combine, cast<VectorType>(value.getType()));
    value = arith::SelectOp::create(b, loc, mask, value, neutral);
    partial = combineLike(b, r.combine, partial, value);
  }
  return partial;
}

void vectorize(Reduction &r, int64_t lanes) {
  scf::ForOp root = r.nest.front();
  OpBuilder b(root);
  Location loc = r.store.getLoc();
  Value start =
      identityVector(b, loc, r.combine, VectorType::get({lanes}, r.accLoad.getType()));
  IRMapping scalars;
  Value partial = buildLevel(b, loc, r, 0, lanes, start, scalars);
  Value total = reduceLanes(b, loc, r.combine, partial);
  Value before = memref::LoadOp::create(b, loc, r.accLoad.getMemRef(), r.accLoad.getIndices());
  memref::StoreOp::create(b, loc, combineLike(b, r.combine, before, total),
                          r.store.getMemRef(), r.store.getIndices());
  root.erase();
}

struct QuantcVectorizeFloatReductionsPass
    : impl::QuantcVectorizeFloatReductionsPassBase<QuantcVectorizeFloatReductionsPass> {
  void runOnOperation() override {
    SmallVector<std::pair<Reduction, int64_t>> found;
    getOperation().walk([&](scf::ForOp loop) {
      if (auto r = matchReduction(loop))
        if (int64_t lanes = lanesFor(*tripCount(loop)))
          found.push_back({std::move(*r), lanes});
    });
    for (auto &[r, lanes] : found)
      vectorize(r, lanes);
  }
};

} // namespace
} // namespace quantc
