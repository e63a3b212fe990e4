// quantc-fuse-adjacent-parallel-loops: two adjacent parallel loops over the
// same iterations, where each iteration of the second touches what the
// first wrote only at its own element, become one loop (one layer, one
// barrier on a team, and the element still in a register's reach).
#include "passes/Conversion/Passes.h"
#include "passes/Conversion/SCFToOpenMP/BufferBytes.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace quantc {
#define GEN_PASS_DEF_QUANTCFUSEADJACENTPARALLELLOOPSPASS
#include "passes/Conversion/Passes.h.inc"

using namespace mlir;

namespace {

/// Whether both loops run the same iterations: constant bounds and steps,
/// equal dim by dim.
bool sameIterations(scf::ParallelOp first, scf::ParallelOp second) {
  if (first.getNumLoops() != second.getNumLoops())
    return false;
  auto equal = [](ValueRange a, ValueRange b) {
    return llvm::all_of(llvm::zip(a, b), [](auto pair) {
      std::optional<int64_t> x = getConstantIntValue(std::get<0>(pair)),
                             y = getConstantIntValue(std::get<1>(pair));
      return x && y && *x == *y;
    });
  };
  return equal(first.getLowerBound(), second.getLowerBound()) &&
         equal(first.getUpperBound(), second.getUpperBound()) &&
         equal(first.getStep(), second.getStep());
}

/// Whether an index of the first loop's access and one of the second's
/// name the same position in every iteration: the same induction variable
/// of each loop, or the same constant.
bool sameIndex(Value a, Value b, scf::ParallelOp first, scf::ParallelOp second) {
  auto ivOf = [](Value v, scf::ParallelOp loop) -> int {
    for (auto [d, iv] : llvm::enumerate(loop.getInductionVars()))
      if (iv == v)
        return int(d);
    return -1;
  };
  int x = ivOf(a, first), y = ivOf(b, second);
  if (x >= 0 || y >= 0)
    return x == y;
  std::optional<int64_t> p = getConstantIntValue(a), q = getConstantIntValue(b);
  return p && q && *p == *q;
}

/// Whether running `second`'s iteration i right after `first`'s, for every
/// i, computes what running all of `first` and then all of `second` does:
/// every pair of accesses with a write among them either touches disjoint
/// bytes or the one element iteration i owns (each index an induction
/// variable of the same dim, or the same constant, and one dim at least
/// an induction variable, so iterations differ).
bool fusionKeepsResults(ArrayRef<Access> first, ArrayRef<Access> second, scf::ParallelOp a,
                        scf::ParallelOp b) {
  for (const Access &x : first)
    for (const Access &y : second) {
      if ((!x.writes && !y.writes) || !mayOverlap(x.buffer, y.buffer))
        continue;
      if (x.buffer != y.buffer || !x.scalar || !y.scalar)
        return false;
      bool ownElement = llvm::all_of(llvm::zip(x.indices, y.indices), [&](auto pair) {
        return sameIndex(std::get<0>(pair), std::get<1>(pair), a, b);
      });
      bool perIteration = llvm::all_of(a.getInductionVars(), [&](Value iv) {
        return llvm::is_contained(x.indices, iv);
      });
      if (!ownElement || !perIteration)
        return false;
    }
  return true;
}

/// Appends `second`'s body to `first`'s, on `first`'s induction variables.
void fuse(scf::ParallelOp first, scf::ParallelOp second) {
  Block *target = first.getBody();
  Block *source = second.getBody();
  for (auto [from, to] : llvm::zip(source->getArguments(), target->getArguments()))
    from.replaceAllUsesWith(to);
  source->getTerminator()->erase();
  target->getOperations().splice(target->getTerminator()->getIterator(), source->getOperations());
  second.erase();
}

struct QuantcFuseAdjacentParallelLoopsPass
    : impl::QuantcFuseAdjacentParallelLoopsPassBase<QuantcFuseAdjacentParallelLoopsPass> {
  void runOnOperation() override {
    for (Block &block : getOperation().getBody()) {
      scf::ParallelOp previous;
      for (Operation &op : llvm::make_early_inc_range(block)) {
        auto loop = dyn_cast<scf::ParallelOp>(op);
        if (!loop) {
          // Pure ops (constants, views), allocations and deallocations may
          // sit between the two loops.
          if (!isPassive(&op))
            previous = {};
          continue;
        }
        if (previous && loop.getNumResults() == 0 && sameIterations(previous, loop)) {
          std::optional<SmallVector<Access>> first = accessesOf(previous),
                                             second = accessesOf(loop);
          if (first && second && fusionKeepsResults(*first, *second, previous, loop)) {
            // Values and buffers the second loop's body uses from between
            // the loops move before the first; deallocations (of neither
            // loop's buffers) after the second.
            SmallVector<Operation *> between;
            for (Operation *it = previous->getNextNode(); it != loop; it = it->getNextNode())
              between.push_back(it);
            for (Operation *it : between) {
              if (isa<memref::DeallocOp>(it))
                it->moveAfter(loop);
              else
                it->moveBefore(previous);
            }
            fuse(previous, loop);
            continue;
          }
        }
        previous = loop.getNumResults() == 0 ? loop : scf::ParallelOp();
      }
    }
  }
};

} // namespace
} // namespace quantc
