// quantc-plan-parallel-loops: which scf.parallel loops get a thread team, and over which dims.
#include "passes/Conversion/Passes.h"
#include "passes/Conversion/SCFToOpenMP/BufferBytes.h"

#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace quantc {
#define GEN_PASS_DEF_QUANTCPLANPARALLELLOOPSPASS
#include "passes/Conversion/Passes.h.inc"

using namespace mlir;

namespace {

/// Trip count of [lower, upper) by step when all three are constants; a
/// guess otherwise (dynamic bounds here are row chunks of a few dozen).
int64_t tripCount(Value lower, Value upper, Value step) {
  auto lo = getConstantIntValue(lower), hi = getConstantIntValue(upper),
       st = getConstantIntValue(step);
  if (!lo || !hi || !st || *st <= 0)
    return 16;
  return *hi > *lo ? (*hi - *lo + *st - 1) / *st : 0;
}

int64_t workOf(Block &block);
bool hasLoops(Block &block);

/// A loop's iterations times its body's work. A body of scalar ops with no
/// loop inside is the innermost loop LLVM vectorizes: 8 elements per op.
int64_t loopWork(int64_t trips, Block &body) {
  int64_t perIteration = workOf(body);
  bool vectorOps = false;
  body.walk([&](Operation *op) {
    vectorOps |= llvm::any_of(op->getResultTypes(), llvm::IsaPred<VectorType>);
  });
  if (!vectorOps && !hasLoops(body))
    return std::max<int64_t>(1, trips * perIteration / 8);
  return trips * perIteration;
}

/// Work units one execution of `op` runs: a scalar op is one, a vector op
/// one per 32 bits (a vector<64xi8> op is one instruction, like a
/// vector<16xf32> one).
int64_t workOf(Operation *op) {
  if (auto loop = dyn_cast<scf::ForOp>(op))
    return loopWork(tripCount(loop.getLowerBound(), loop.getUpperBound(), loop.getStep()),
                    *loop.getBody());
  if (auto loop = dyn_cast<scf::ParallelOp>(op)) {
    int64_t trips = 1;
    for (auto [lo, hi, st] : llvm::zip(loop.getLowerBound(), loop.getUpperBound(), loop.getStep()))
      trips *= tripCount(lo, hi, st);
    return loopWork(trips, *loop.getBody());
  }
  int64_t own = 1;
  for (Type type : op->getResultTypes())
    if (auto vector = dyn_cast<VectorType>(type))
      own = std::max<int64_t>(own, vector.getNumElements() *
                                       std::max(1u, vector.getElementTypeBitWidth()) / 32);
  int64_t nested = 0;
  for (Region &region : op->getRegions()) // scf.if and the like: the costlier branch
    for (Block &block : region)
      nested = std::max(nested, workOf(block));
  return own + nested;
}

int64_t workOf(Block &block) {
  int64_t total = 0;
  for (Operation &op : block)
    total = std::min<int64_t>(total + workOf(&op), int64_t(1) << 50);
  return total;
}

bool hasLoops(Block &block) {
  bool found = false;
  block.walk([&](LoopLikeOpInterface) { found = true; });
  return found;
}

/// Replaces dims [first, end) of `loop` by scf.for loops around its body;
/// erases `loop` when no dim stays parallel. The body keeps its order of
/// operations, so an iteration computes exactly what it did before.
///
///   scf.parallel (%i, %j) = (0, 0) to (4, 8) step (1, 1) { body(%i, %j) }
///   first = 1 ->
///   scf.parallel (%i) = (0) to (4) step (1) { scf.for %j = 0 to 8 { body(%i, %j) } }
void makeSequential(scf::ParallelOp loop, unsigned first) {
  if (first >= loop.getNumLoops())
    return;
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  auto lower = loop.getLowerBound(), upper = loop.getUpperBound(), step = loop.getStep();
  Block *target = nullptr;
  SmallVector<Value> ivs;
  auto buildInner = [&](OpBuilder &nested, Location l, ValueRange outer) {
    ivs.assign(outer.begin(), outer.end());
    auto nest = scf::buildLoopNest(nested, l, lower.drop_front(first), upper.drop_front(first),
                                   step.drop_front(first));
    for (scf::ForOp inner : nest.loops)
      ivs.push_back(inner.getInductionVar());
    target = nest.loops.back().getBody();
  };
  if (first == 0)
    buildInner(b, loc, {});
  else
    scf::ParallelOp::create(b, loc, lower.take_front(first), upper.take_front(first),
                            step.take_front(first), buildInner);
  Block &body = *loop.getBody();
  body.getTerminator()->erase(); // scf.reduce with no operands
  for (auto [arg, iv] : llvm::zip(body.getArguments(), ivs))
    arg.replaceAllUsesWith(iv);
  // A parallel body frees its stack allocations (an im2col panel) after
  // each iteration; an scf.for body does so only in an alloca_scope.
  if (llvm::any_of(body, [](Operation &op) { return isa<memref::AllocaOp>(op); })) {
    OpBuilder inner = OpBuilder::atBlockTerminator(target);
    auto scope = memref::AllocaScopeOp::create(inner, loc, TypeRange{});
    if (scope.getBodyRegion().empty())
      inner.createBlock(&scope.getBodyRegion());
    Block *scopeBody = &scope.getBodyRegion().front();
    scopeBody->getOperations().splice(scopeBody->end(), body.getOperations());
    inner.setInsertionPointToEnd(scopeBody);
    memref::AllocaScopeReturnOp::create(inner, loc, ValueRange{});
  } else {
    target->getOperations().splice(target->getTerminator()->getIterator(), body.getOperations());
  }
  loop.erase();
}

/// An elementwise body whose innermost dim must be parallel too (too few
/// outer iterations): that dim goes in chunks of 256 iterations (32 when it
/// is shorter than 512), each an scf.for that still vectorizes, instead of
/// one omp iteration per element. Returns the loop unchanged when the dim
/// is too short to cut.
///
///   scf.parallel (%i, %j) = (0, 0) to (1, 4800) step (1, 1) { body(%i, %j) }
///   ->
///   scf.parallel (%i, %c) = (0, 0) to (1, 19) step (1, 1) {
///     scf.for %j = %c * 256 to min(%c * 256 + 256, 4800) step 1 { body(%i, %j) }
///   }
scf::ParallelOp chunkInnermost(scf::ParallelOp loop) {
  unsigned last = loop.getNumLoops() - 1;
  auto lo = getConstantIntValue(loop.getLowerBound()[last]),
       hi = getConstantIntValue(loop.getUpperBound()[last]),
       st = getConstantIntValue(loop.getStep()[last]);
  if (!lo || !hi || !st || *st <= 0)
    return loop;
  int64_t trips = (*hi - *lo + *st - 1) / *st;
  if (trips < 64)
    return loop;
  int64_t chunk = trips >= 512 ? 256 : 32;
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  auto constant = [&](int64_t v) -> Value { return arith::ConstantIndexOp::create(b, loc, v); };
  SmallVector<Value> lower(loop.getLowerBound()), upper(loop.getUpperBound()),
      step(loop.getStep());
  lower[last] = constant(0);
  upper[last] = constant((trips + chunk - 1) / chunk);
  step[last] = constant(1);
  auto chunked = scf::ParallelOp::create(
      b, loc, lower, upper, step, [&](OpBuilder &nested, Location l, ValueRange ivs) {
        auto index = [&](int64_t v) -> Value { return arith::ConstantIndexOp::create(nested, l, v); };
        Value first = arith::AddIOp::create(
            nested, l, index(*lo), arith::MulIOp::create(nested, l, ivs[last], index(chunk * *st)));
        Value end = arith::MinSIOp::create(
            nested, l, arith::AddIOp::create(nested, l, first, index(chunk * *st)), index(*hi));
        auto inner = scf::ForOp::create(nested, l, first, end, index(*st));
        Block &body = *loop.getBody();
        body.getTerminator()->erase();
        for (unsigned d = 0; d < last; ++d)
          body.getArgument(d).replaceAllUsesWith(ivs[d]);
        body.getArgument(last).replaceAllUsesWith(inner.getInductionVar());
        Block *target = inner.getBody();
        target->getOperations().splice(target->getTerminator()->getIterator(),
                                       body.getOperations());
      });
  loop.erase();
  return chunked;
}

/// Iterations of the dims before the innermost.
int64_t outerIterations(scf::ParallelOp loop) {
  int64_t iterations = 1;
  for (unsigned d = 0; d + 1 < loop.getNumLoops(); ++d)
    iterations *= tripCount(loop.getLowerBound()[d], loop.getUpperBound()[d], loop.getStep()[d]);
  return iterations;
}

/// Outer iterations that share a team out well enough on their own: an
/// elementwise loop with at least this many keeps its innermost dim a
/// vectorizable scf.for rather than one omp iteration per element.
constexpr int64_t kEnoughOuterIterations = 8;

/// How many leading dims stay parallel: enough to reach 64 iterations,
/// leaving the innermost dim to a vectorizable scf.for when possible.
unsigned parallelPrefix(scf::ParallelOp loop) {
  unsigned dims = loop.getNumLoops();
  int64_t iterations = 1;
  for (unsigned d = 0; d + 1 < dims; ++d) {
    iterations *= tripCount(loop.getLowerBound()[d], loop.getUpperBound()[d], loop.getStep()[d]);
    if (iterations >= 64)
      return d + 1;
  }
  return dims;
}

/// Bytes of the buffers `loop` reads that another layer may have written
/// (not constant globals): what a thread reads from other cores when the
/// loop runs on one thread after a parallel layer.
int64_t bytesRead(scf::ParallelOp loop) {
  llvm::SmallPtrSet<Value, 8> buffers;
  loop->walk([&](Operation *op) {
    if (!isa<memref::LoadOp, vector::LoadOp, vector::TransferReadOp>(op))
      return;
    // A view made inside the loop (a row of an image) reads its source.
    Value buffer = op->getOperand(0);
    while (loop->isAncestor(buffer.getParentBlock()->getParentOp()))
      if (auto view = buffer.getDefiningOp<ViewLikeOpInterface>())
        buffer = view.getViewSource();
      else
        break;
    if (!loop->isAncestor(buffer.getParentBlock()->getParentOp()))
      buffers.insert(buffer);
  });
  int64_t bytes = 0;
  for (Value buffer : buffers) {
    auto type = cast<MemRefType>(buffer.getType());
    if (bytesOf(buffer).root.getDefiningOp<memref::GetGlobalOp>())
      continue;
    if (!type.hasStaticShape())
      return std::numeric_limits<int64_t>::max();
    bytes += type.getNumElements() * std::max<int64_t>(1, type.getElementTypeBitWidth() / 8);
  }
  return bytes;
}

/// Whether the op with effects before (`forward` false) or after `op` in
/// its block runs on one thread: anything but a kept scf.parallel. The
/// start and end of the function do not count (no barrier to save there).
bool sequentialNeighbour(Operation *op, bool forward) {
  for (Operation *next = forward ? op->getNextNode() : op->getPrevNode(); next;
       next = forward ? next->getNextNode() : next->getPrevNode()) {
    if (next->hasTrait<OpTrait::IsTerminator>())
      return false;
    if (isMemoryEffectFree(next) && next->getNumRegions() == 0)
      continue;
    return !isa<scf::ParallelOp>(next);
  }
  return false;
}

/// A kept loop this small that reads this few bytes other layers wrote
/// (a squeeze-and-excitation block's fully connected layers: a few hundred
/// nanoseconds on one core, a vector of activations) runs on one thread
/// when the op before or after it does: it then joins that sequential
/// stretch, which saves the barrier it would add, worth more than half
/// its work.
constexpr int64_t kJoinWork = 32768, kJoinBytes = 4096;

struct QuantcPlanParallelLoopsPass
    : impl::QuantcPlanParallelLoopsPassBase<QuantcPlanParallelLoopsPass> {
  using Base::Base;

  void runOnOperation() override {
    // Outermost first: a kept loop's nested loops are made sequential.
    SmallVector<scf::ParallelOp> outermost;
    getOperation().walk<WalkOrder::PreOrder>([&](scf::ParallelOp loop) {
      outermost.push_back(loop);
      return WalkResult::skip();
    });
    for (scf::ParallelOp loop : outermost) {
      if (loop.getNumResults() != 0)
        continue; // a reduction: convert-scf-to-openmp handles it whole
      SmallVector<scf::ParallelOp> nested;
      loop.getBody()->walk([&](scf::ParallelOp inner) {
        if (inner.getNumResults() == 0)
          nested.push_back(inner);
      });
      for (scf::ParallelOp inner : llvm::reverse(nested))
        makeSequential(inner, 0);
      bool worthIt = enable && workOf(loop.getOperation()) >= minWork;
      if (!worthIt) {
        makeSequential(loop, 0);
        continue;
      }
      unsigned prefix = parallelPrefix(loop);
      if (prefix == loop.getNumLoops() && !hasLoops(*loop.getBody())) {
        if (loop.getNumLoops() > 1 && outerIterations(loop) >= kEnoughOuterIterations)
          prefix = loop.getNumLoops() - 1;
        else
          loop = chunkInnermost(loop);
      }
      makeSequential(loop, prefix);
    }
    joinSmallLayersToStretches();
  }

  /// Small kept loops next to a sequential op become sequential, until no
  /// more do (one that does can make its neighbour's neighbour qualify).
  void joinSmallLayersToStretches() {
    if (!enable)
      return;
    for (Block &block : getOperation().getBody()) {
      // Work and bytes do not change as neighbours join; only which
      // neighbours run on one thread does.
      SmallVector<scf::ParallelOp> small;
      for (Operation &op : block)
        if (auto loop = dyn_cast<scf::ParallelOp>(op);
            loop && loop.getNumResults() == 0 && workOf(&op) < kJoinWork &&
            bytesRead(loop) <= kJoinBytes)
          small.push_back(loop);
      bool changed = true;
      while (changed) {
        changed = false;
        for (scf::ParallelOp &loop : small) {
          if (!loop || (!sequentialNeighbour(loop, false) && !sequentialNeighbour(loop, true)))
            continue;
          makeSequential(loop, 0);
          loop = {};
          changed = true;
        }
      }
    }
  }
};

} // namespace
} // namespace quantc
