// quantc-fuse-adjacent-parallel-loops: two adjacent parallel loops over the
// same iterations, where each iteration of the second touches what the
// first wrote only in the element or slice it owns, become one loop (one
// layer, one barrier on a team, and the data still in a register's or the
// core's cache's reach).
#include "passes/Conversion/Passes.h"
#include "passes/Conversion/SCFToOpenMP/BufferBytes.h"

#include "mlir/Dialect/MemRef/Utils/MemRefUtils.h"
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

/// The dim of `loop` whose induction variable `v` is, or -1.
int inductionDim(Value v, scf::ParallelOp loop) {
  for (auto [d, iv] : llvm::enumerate(loop.getInductionVars()))
    if (iv == v)
      return int(d);
  return -1;
}

/// Whether two accesses to one buffer, x by `a`'s iteration i and y by
/// `b`'s iteration j, can touch a common element only when i == j: for
/// each dim d of the loops, some index position holds d's induction
/// variable in both, so iterations that differ along d touch elements
/// that differ there (the position is not the one a vector runs along,
/// and the buffer lays distinct indices at distinct addresses). Other
/// positions may hold anything: an iteration owns a slice (a channel's
/// plane that a pool sums after the conv that wrote it), or an element.
bool ownSlices(const Access &x, const Access &y, scf::ParallelOp a, scf::ParallelOp b) {
  auto type = cast<MemRefType>(x.buffer.getType());
  if (!type.getLayout().isIdentity() && !memref::isStaticShapeAndContiguousRowMajor(type))
    return false;
  // Positions from `fixed` on are ones a vector may run along.
  unsigned rank = x.indices.size(), spanned = std::max(x.spanned, y.spanned);
  unsigned fixed = rank > spanned ? rank - spanned : 0;
  for (unsigned d = 0; d < a.getNumLoops(); ++d) {
    bool pinned = false;
    for (unsigned p = 0; p < fixed && !pinned; ++p)
      pinned = inductionDim(x.indices[p], a) == int(d) && inductionDim(y.indices[p], b) == int(d);
    if (!pinned)
      return false;
  }
  return true;
}

/// Whether running `second`'s iteration i right after `first`'s, for every
/// i, computes what running all of `first` and then all of `second` does:
/// every pair of accesses with a write among them either touches disjoint
/// bytes or only what iteration i owns (ownSlices).
bool fusionKeepsResults(ArrayRef<Access> first, ArrayRef<Access> second, scf::ParallelOp a,
                        scf::ParallelOp b) {
  for (const Access &x : first)
    for (const Access &y : second) {
      if ((!x.writes && !y.writes) || !mayOverlap(x.buffer, y.buffer))
        continue;
      if (x.buffer != y.buffer || !ownSlices(x, y, a, b))
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
