// quantc-fuse-fills-into-parallel-loops: an accumulator's fill moves into
// the parallel loop that accumulates into it, each iteration filling the
// slice it owns, so the two are one layer (one barrier on a team).
#include "passes/Conversion/Passes.h"
#include "passes/Conversion/SCFToOpenMP/BufferBytes.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace quantc {
#define GEN_PASS_DEF_QUANTCFUSEFILLSINTOPARALLELLOOPSPASS
#include "passes/Conversion/Passes.h.inc"

using namespace mlir;

namespace {

/// A loop nest that stores one constant to every element of a buffer.
struct Fill {
  memref::StoreOp store;
  arith::ConstantOp value;
};

/// Whether `iv` is an induction variable of an scf.for or scf.parallel
/// that runs it over [0, size) by 1.
bool spansDim(Value iv, int64_t size) {
  auto arg = dyn_cast<BlockArgument>(iv);
  if (!arg)
    return false;
  Operation *owner = arg.getOwner()->getParentOp();
  Value lower, upper, step;
  if (auto loop = dyn_cast<scf::ForOp>(owner)) {
    if (arg != loop.getInductionVar())
      return false;
    lower = loop.getLowerBound(), upper = loop.getUpperBound(), step = loop.getStep();
  } else if (auto loop = dyn_cast<scf::ParallelOp>(owner)) {
    unsigned d = arg.getArgNumber();
    lower = loop.getLowerBound()[d], upper = loop.getUpperBound()[d], step = loop.getStep()[d];
  } else {
    return false;
  }
  return isConstantIntValue(lower, 0) && isConstantIntValue(step, 1) &&
         isConstantIntValue(upper, size);
}

/// `op` as a fill: a perfect nest of scf.for / scf.parallel (no results)
/// whose innermost body is one memref.store of a constant, each index of
/// which is a distinct loop variable spanning its dim, or 0 for a dim of 1.
std::optional<Fill> asFill(Operation *op) {
  Operation *loop = op;
  while (true) {
    if (!isa<scf::ForOp, scf::ParallelOp>(loop) || loop->getNumResults() != 0)
      return std::nullopt;
    Block &body = loop->getRegion(0).front();
    if (body.getOperations().size() != 2)
      return std::nullopt;
    Operation &inner = body.front();
    if (auto store = dyn_cast<memref::StoreOp>(inner)) {
      auto value = store.getValue().getDefiningOp<arith::ConstantOp>();
      auto type = store.getMemRefType();
      if (!value || !type.hasStaticShape())
        return std::nullopt;
      llvm::SmallPtrSet<Value, 4> seen;
      for (auto [index, size] : llvm::zip(store.getIndices(), type.getShape())) {
        if (size == 1 && isConstantIntValue(index, 0))
          continue;
        if (!spansDim(index, size) || !seen.insert(index).second ||
            !op->isAncestor(cast<BlockArgument>(index).getOwner()->getParentOp()))
          return std::nullopt;
      }
      return Fill{store, value};
    }
    loop = &inner;
  }
}

/// The indices `buffer` is accessed at in `op` (loads and stores), or
/// nullopt when it is used any other way.
std::optional<SmallVector<ValueRange>> accessesOf(Value buffer, scf::ParallelOp op) {
  SmallVector<ValueRange> accesses;
  for (OpOperand &use : buffer.getUses()) {
    Operation *user = use.getOwner();
    if (!op->isAncestor(user))
      continue;
    if (auto load = dyn_cast<memref::LoadOp>(user))
      accesses.push_back(load.getIndices());
    else if (auto store = dyn_cast<memref::StoreOp>(user);
             store && store.getMemRef() == buffer)
      accesses.push_back(store.getIndices());
    else
      return std::nullopt;
  }
  return accesses;
}

/// Whether some memref `loop` reads or writes, other than `buffer` itself,
/// may share bytes with it (another view of it, defined outside the loop):
/// its accesses were not checked.
bool mayAliasInside(Value buffer, scf::ParallelOp loop) {
  bool aliases = false;
  loop->walk([&](Operation *op) {
    for (Value operand : op->getOperands())
      if (operand != buffer && isa<MemRefType>(operand.getType()) &&
          !loop->isAncestor(operand.getParentBlock()->getParentOp()) &&
          mayOverlap(operand, buffer))
        aliases = true;
  });
  return aliases;
}

/// For each dim of `type`, the parallel loop's induction variable every
/// access indexes it with (a dim the iterations own), or null.
SmallVector<Value> ownedDims(scf::ParallelOp loop, MemRefType type,
                             ArrayRef<ValueRange> accesses) {
  SmallVector<Value> owner(type.getRank());
  for (unsigned d = 0; d < type.getRank(); ++d) {
    for (Value iv : loop.getInductionVars()) {
      if (!spansDim(iv, type.getDimSize(d)))
        continue;
      if (llvm::all_of(accesses, [&](ValueRange indices) { return indices[d] == iv; })) {
        owner[d] = iv;
        break;
      }
    }
  }
  return owner;
}

/// Moves `fill` into `loop` when the loop's iterations own disjoint
/// slices of its buffer; returns whether it did.
bool fuse(Operation *fillNest, Fill fill, scf::ParallelOp loop) {
  Value buffer = fill.store.getMemRef();
  auto type = fill.store.getMemRefType();
  std::optional<SmallVector<ValueRange>> accesses = accessesOf(buffer, loop);
  if (!accesses || accesses->empty() || mayAliasInside(buffer, loop))
    return false;
  SmallVector<Value> owner = ownedDims(loop, type, *accesses);
  if (llvm::none_of(owner, [](Value iv) { return bool(iv); }))
    return false;
  // Each iteration fills its slice first: the owned dims at its own
  // indices, the others whole.
  OpBuilder b = OpBuilder::atBlockBegin(loop.getBody());
  Location loc = fill.store.getLoc();
  OpBuilder constants = b;
  DenseMap<int64_t, Value> made;
  auto constant = [&](int64_t v) -> Value {
    Value &c = made[v];
    if (!c)
      c = arith::ConstantIndexOp::create(constants, loc, v);
    return c;
  };
  Value value = b.clone(*fill.value)->getResult(0);
  SmallVector<Value> indices(type.getRank());
  for (unsigned d = 0; d < type.getRank(); ++d) {
    if (owner[d]) {
      indices[d] = owner[d];
    } else if (type.getDimSize(d) == 1) {
      indices[d] = constant(0);
    } else {
      auto inner = scf::ForOp::create(b, loc, constant(0), constant(type.getDimSize(d)),
                                      constant(1));
      indices[d] = inner.getInductionVar();
      b.setInsertionPoint(inner.getBody()->getTerminator());
    }
  }
  memref::StoreOp::create(b, loc, value, buffer, indices);
  fillNest->erase();
  return true;
}

struct QuantcFuseFillsIntoParallelLoopsPass
    : impl::QuantcFuseFillsIntoParallelLoopsPassBase<QuantcFuseFillsIntoParallelLoopsPass> {
  void runOnOperation() override {
    for (Block &block : getOperation().getBody()) {
      for (Operation &op : llvm::make_early_inc_range(block)) {
        std::optional<Fill> fill = asFill(&op);
        if (!fill)
          continue;
        // The next op with effects must be the loop: nothing in between
        // may read the buffer before it is filled (allocating and freeing
        // other buffers does not).
        auto loop = dyn_cast_or_null<scf::ParallelOp>(nextActive(&op));
        if (loop && loop.getNumResults() == 0)
          fuse(&op, *fill, loop);
      }
    }
  }
};

} // namespace
} // namespace quantc
