// quantc-share-thread-team: one thread team per call of a model, its
// layers' parallel loops shared out inside it, sequential layers on one
// thread of it.
#include "passes/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/SetVector.h"

namespace quantc {
#define GEN_PASS_DEF_QUANTCSHARETHREADTEAMPASS
#include "passes/Conversion/Passes.h.inc"

using namespace mlir;

namespace {

/// The omp.parallel of an outlined layer that can run on a team its caller
/// forks: one worksharing loop without reductions (whose variables would
/// be private to each caller thread), and nothing else with effects, so
/// that every thread may run the rest of the function.
omp::ParallelOp soleTeam(func::FuncOp function) {
  if (!function->hasAttr(kOutlinedAttr) || function.isExternal() ||
      !function.getBody().hasOneBlock())
    return {};
  omp::ParallelOp team;
  for (Operation &op : function.getBody().front()) {
    if (auto parallel = dyn_cast<omp::ParallelOp>(op)) {
      if (team)
        return {};
      team = parallel;
    } else if (!isa<func::ReturnOp>(op) && !isMemoryEffectFree(&op)) {
      return {};
    }
  }
  if (!team || team.getNumThreads() || team.getIfExpr() || !team.getPrivateVars().empty() ||
      !team.getReductionVars().empty() || !team.getAllocateVars().empty() ||
      !team.getRegion().hasOneBlock() || team.getRegion().front().getNumArguments() != 0)
    return {};
  int loops = 0;
  for (Operation &op : team.getRegion().front()) {
    if (auto loop = dyn_cast<omp::WsloopOp>(op)) {
      if (!loop.getReductionVars().empty() || loop.getNowait() || !loop.getPrivateVars().empty())
        return {};
      ++loops;
    } else if (!isa<omp::TerminatorOp>(op) && !isMemoryEffectFree(&op)) {
      return {};
    }
  }
  return loops == 1 ? team : omp::ParallelOp();
}

/// Whether `op` forks a team of its own, itself or through a call.
bool forksTeam(Operation *op, const DenseSet<StringAttr> &forking) {
  return op
      ->walk([&](Operation *nested) {
        auto call = dyn_cast<func::CallOp>(nested);
        if (isa<omp::ParallelOp>(nested) ||
            (call && forking.contains(call.getCalleeAttr().getAttr())))
          return WalkResult::interrupt();
        return WalkResult::advance();
      })
      .wasInterrupted();
}

/// What one caller's team runs: the ops from its first layer call to its
/// last, each either a call to a team layer (run by every thread) or part
/// of a sequential stretch (run by one thread, then a barrier).
struct TeamPlan {
  Operation *first = nullptr, *last = nullptr;
  SmallVector<Operation *> hoisted;                // pure ops computed before the team
  SmallVector<SmallVector<Operation *>> stretches; // each an omp.masked
  SmallVector<func::CallOp> layerCalls;
};

/// Plans `function`'s team; fails when a value would have to cross from a
/// sequential stretch to the layers or out of the team, or when a stretch
/// forks a team (nested in this one, it would run on one thread).
std::optional<TeamPlan> planTeam(func::FuncOp function,
                                 const DenseMap<StringAttr, omp::ParallelOp> &teams,
                                 const DenseSet<StringAttr> &forking) {
  if (function.isExternal() || !function.getBody().hasOneBlock())
    return std::nullopt;
  Block &body = function.getBody().front();
  auto isLayerCall = [&](Operation &op) {
    auto call = dyn_cast<func::CallOp>(op);
    return call && teams.contains(call.getCalleeAttr().getAttr());
  };
  TeamPlan plan;
  for (Operation &op : body)
    if (isLayerCall(op)) {
      if (!plan.first)
        plan.first = &op;
      plan.last = &op;
    }
  if (!plan.first)
    return std::nullopt;
  auto range = llvm::make_range(plan.first->getIterator(), std::next(plan.last->getIterator()));
  DenseSet<Operation *> inTeam, hoisted;
  for (Operation &op : range)
    inTeam.insert(&op);
  auto definedInTeam = [&](Value value) {
    Operation *def = value.getDefiningOp();
    return def && inTeam.contains(def) && !hoisted.contains(def);
  };
  // Constants, views and index arithmetic go before the team, so that
  // layers and stretches alike can use them.
  for (Operation &op : range)
    if (isMemoryEffectFree(&op) && op.getNumRegions() == 0 &&
        llvm::none_of(op.getOperands(), definedInTeam)) {
      hoisted.insert(&op);
      plan.hoisted.push_back(&op);
    }
  DenseMap<Operation *, unsigned> stretchOf;
  bool inStretch = false;
  for (Operation &op : range) {
    if (hoisted.contains(&op))
      continue;
    if (isLayerCall(op)) {
      if (op.getNumResults() != 0 || llvm::any_of(op.getOperands(), definedInTeam))
        return std::nullopt;
      plan.layerCalls.push_back(cast<func::CallOp>(op));
      inStretch = false;
      continue;
    }
    if (forksTeam(&op, forking))
      return std::nullopt;
    if (!inStretch)
      plan.stretches.emplace_back();
    inStretch = true;
    plan.stretches.back().push_back(&op);
    stretchOf[&op] = plan.stretches.size() - 1;
  }
  // A stretch's values stay in it: an omp.masked has no results.
  for (auto [op, stretch] : stretchOf)
    for (Operation *user : op->getUsers()) {
      Operation *top = body.findAncestorOpInBlock(*user);
      auto found = stretchOf.find(top);
      if (found == stretchOf.end() || found->second != stretch)
        return std::nullopt;
    }
  return plan;
}

/// Moves the ops from `first` to `last` into a new `Op` (omp.parallel or
/// omp.masked) where `first` was.
template <typename Op, typename Operands>
void wrap(Operation *first, Operation *last) {
  OpBuilder b(first);
  Location loc = first->getLoc();
  auto wrapper = Op::create(b, loc, Operands{});
  Block *block = b.createBlock(&wrapper.getRegion());
  block->getOperations().splice(block->end(), wrapper->getBlock()->getOperations(),
                                first->getIterator(), std::next(last->getIterator()));
  omp::TerminatorOp::create(b, loc);
}

/// Recomputes inside the team the pure values it reads from before it
/// (views of the arena and the weights, index arithmetic): the OpenMP
/// outliner would otherwise pass each memref descriptor through memory,
/// thousands of stores in one block that code generation is slow on. Only
/// what pure ops cannot make (the function's arguments, allocations) is
/// captured then.
void recomputeInTeam(omp::ParallelOp team) {
  Block *outer = team->getBlock();
  Region &region = team.getRegion();
  SetVector<Operation *> needed;
  SmallVector<Value> worklist;
  auto visitOperands = [&](Operation *op) {
    op->walk([&](Operation *nested) { llvm::append_range(worklist, nested->getOperands()); });
  };
  for (Operation &op : region.front())
    visitOperands(&op);
  while (!worklist.empty()) {
    Value value = worklist.pop_back_val();
    Operation *def = value.getDefiningOp();
    if (!def || def->getBlock() != outer || def->getNumRegions() != 0 ||
        !isMemoryEffectFree(def) || needed.contains(def))
      continue;
    needed.insert(def);
    llvm::append_range(worklist, def->getOperands());
  }
  SmallVector<Operation *> ordered(needed.begin(), needed.end());
  llvm::sort(ordered, [](Operation *a, Operation *b) { return a->isBeforeInBlock(b); });
  OpBuilder b = OpBuilder::atBlockBegin(&region.front());
  IRMapping mapping;
  for (Operation *op : ordered)
    b.clone(*op, mapping);
  for (Operation *op : ordered)
    for (auto [original, copy] : llvm::zip(op->getResults(), mapping.lookup(op)->getResults()))
      original.replaceUsesWithIf(copy, [&](OpOperand &use) {
        return region.isAncestor(use.getOwner()->getParentRegion());
      });
  for (Operation *op : llvm::reverse(ordered))
    if (op->use_empty())
      op->erase();
}

void formTeam(const TeamPlan &plan) {
  for (Operation *op : plan.hoisted)
    op->moveBefore(plan.first);
  wrap<omp::ParallelOp, omp::ParallelOperands>(plan.first, plan.last);
  // A stretch runs on the primary thread, always the same core, so the
  // tensors it writes and reads stay in that core's cache from one stretch
  // to the next (omp.single would hand each stretch to whichever thread
  // comes first); the barrier after it is the one omp.single implied.
  for (const auto &stretch : plan.stretches) {
    Operation *last = stretch.back();
    wrap<omp::MaskedOp, omp::MaskedOperands>(stretch.front(), last);
    OpBuilder after(last->getParentOp()->getNextNode());
    omp::BarrierOp::create(after, last->getLoc());
  }
  recomputeInTeam(cast<omp::ParallelOp>(plan.first->getParentOp()));
}

/// `name` () -> i32 from the OpenMP runtime, declared once in `module`.
FlatSymbolRefAttr runtimeQuery(ModuleOp module, StringRef name) {
  if (!module.lookupSymbol(name)) {
    auto builder = OpBuilder::atBlockBegin(module.getBody());
    auto declaration =
        func::FuncOp::create(builder, module.getLoc(), name,
                             builder.getFunctionType({}, {builder.getI32Type()}));
    declaration.setPrivate();
  }
  return FlatSymbolRefAttr::get(module.getContext(), name);
}

/// Replaces an orphaned worksharing loop by its share for the calling
/// thread, then a barrier (the loop's implicit one): thread t of T runs the
/// t-th of T balanced blocks of the collapsed iterations (the first
/// `count % T` blocks one iteration longer). Debian's libomp formats debug
/// strings on every entry to a worksharing loop (__kmpc_for_static_init,
/// half a microsecond, as much as a small layer's share); asking the
/// thread's number costs a few nanoseconds. Outside a team a thread is
/// number 0 of 1 and runs every iteration.
void shareOutByHand(omp::WsloopOp loop) {
  auto nest = dyn_cast<omp::LoopNestOp>(loop.getWrappedLoop());
  if (!nest || nest.getLoopInclusive() || !nest.getRegion().hasOneBlock() ||
      !isa<omp::YieldOp>(nest.getRegion().front().getTerminator()) ||
      llvm::any_of(nest.getLoopSteps(), [](Value step) {
        std::optional<int64_t> constant = getConstantIntValue(step);
        return !constant || *constant <= 0;
      }))
    return;
  auto module = loop->getParentOfType<ModuleOp>();
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  auto index = [&](Value v) { return arith::IndexCastOp::create(b, loc, b.getIndexType(), v); };
  auto constant = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
  Value thread = index(func::CallOp::create(b, loc, runtimeQuery(module, "omp_get_thread_num"),
                                            b.getI32Type(), ValueRange{})
                           .getResult(0));
  Value threads = index(func::CallOp::create(b, loc, runtimeQuery(module, "omp_get_num_threads"),
                                             b.getI32Type(), ValueRange{})
                            .getResult(0));
  SmallVector<Value> trips;
  Value count = constant(1);
  for (auto [lower, upper, step] :
       llvm::zip(nest.getLoopLowerBounds(), nest.getLoopUpperBounds(), nest.getLoopSteps())) {
    Value span = arith::MaxSIOp::create(b, loc, arith::SubIOp::create(b, loc, upper, lower),
                                        constant(0));
    trips.push_back(arith::CeilDivSIOp::create(b, loc, span, step));
    count = arith::MulIOp::create(b, loc, count, trips.back());
  }
  Value block = arith::DivSIOp::create(b, loc, count, threads);
  Value longer = arith::RemSIOp::create(b, loc, count, threads);
  Value first = arith::AddIOp::create(b, loc, arith::MulIOp::create(b, loc, thread, block),
                                      arith::MinSIOp::create(b, loc, thread, longer));
  Value extra = arith::SelectOp::create(
      b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, thread, longer),
      constant(1), constant(0));
  Value end = arith::AddIOp::create(b, loc, arith::AddIOp::create(b, loc, first, block), extra);
  auto share = scf::ForOp::create(b, loc, first, end, constant(1));
  // The body, moved in, reads its induction variables off the linear one.
  OpBuilder inner = OpBuilder::atBlockBegin(share.getBody());
  Block &body = nest.getRegion().front();
  Value rest = share.getInductionVar();
  unsigned dims = trips.size();
  SmallVector<Value> ivs(dims);
  for (unsigned d = dims; d-- > 0;) {
    Value position = rest;
    if (d > 0) {
      position = arith::RemSIOp::create(inner, loc, rest, trips[d]);
      rest = arith::DivSIOp::create(inner, loc, rest, trips[d]);
    }
    ivs[d] = arith::AddIOp::create(inner, loc, nest.getLoopLowerBounds()[d],
                                   arith::MulIOp::create(inner, loc, position,
                                                         nest.getLoopSteps()[d]));
  }
  for (auto [argument, iv] : llvm::zip(body.getArguments(), ivs))
    argument.replaceAllUsesWith(iv);
  body.getTerminator()->erase();
  share.getBody()->getOperations().splice(share.getBody()->getTerminator()->getIterator(),
                                          body.getOperations());
  omp::BarrierOp::create(b, loc);
  loop.erase();
}

/// The layer's loop runs on the caller's team: each thread its share, then
/// a barrier orders it before what follows.
void joinCallersTeam(omp::ParallelOp team) {
  Block &body = team.getRegion().front();
  body.getTerminator()->erase();
  SmallVector<omp::WsloopOp> loops;
  for (Operation &op : body)
    if (auto loop = dyn_cast<omp::WsloopOp>(op))
      loops.push_back(loop);
  team->getBlock()->getOperations().splice(team->getIterator(), body.getOperations());
  team->erase();
  for (omp::WsloopOp loop : loops)
    shareOutByHand(loop);
}

struct QuantcShareThreadTeamPass
    : impl::QuantcShareThreadTeamPassBase<QuantcShareThreadTeamPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    DenseMap<StringAttr, SmallVector<func::CallOp, 1>> callsOf;
    module.walk([&](func::CallOp call) { callsOf[call.getCalleeAttr().getAttr()].push_back(call); });
    // Layers with a team of their own, called once, from the top level of a
    // function that is no layer itself.
    DenseMap<StringAttr, omp::ParallelOp> teams;
    DenseSet<StringAttr> forking; // functions that fork a team and keep it
    for (auto function : module.getOps<func::FuncOp>()) {
      if (forksTeam(function, {}))
        forking.insert(function.getSymNameAttr());
      omp::ParallelOp team = soleTeam(function);
      auto calls = callsOf.lookup(function.getSymNameAttr());
      if (!team || calls.size() != 1)
        continue;
      auto caller = dyn_cast<func::FuncOp>(calls.front()->getParentOp());
      if (caller && !caller->hasAttr(kOutlinedAttr)) {
        teams[function.getSymNameAttr()] = team;
        forking.erase(function.getSymNameAttr());
      }
    }
    if (teams.empty())
      return;
    for (auto function : module.getOps<func::FuncOp>()) {
      if (function->hasAttr(kOutlinedAttr))
        continue;
      std::optional<TeamPlan> plan = planTeam(function, teams, forking);
      if (!plan)
        continue;
      formTeam(*plan);
      for (func::CallOp call : plan->layerCalls)
        joinCallersTeam(teams.lookup(call.getCalleeAttr().getAttr()));
    }
  }
};

} // namespace
} // namespace quantc
