// A warp per output point for reductions of few, short rows (WarpRows.h).
#include "WarpRows.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "llvm/ADT/TypeSwitch.h"

namespace quantc::codegen::gpu {

using namespace mlir;

namespace {

constexpr int64_t kWarp = 32;

/// A point's row: the loop reducing it (`row`; a nest of them, outermost
/// first, carrying the value through: a pooling's rows and columns), the op
/// in the innermost body that combines the carried value with the step's
/// (operand `carriedOperand` is the carried one), and the store of its
/// result. `extents`: each loop's trip count; `length` their product.
struct WarpRow {
  scf::ParallelOp points;
  scf::ForOp row;
  SmallVector<scf::ForOp> nest;
  SmallVector<int64_t> extents;
  Operation *combiner;
  unsigned carriedOperand;
  memref::StoreOp store;
  int64_t length;
  scf::ForOp innermost() { return nest.back(); }
};

bool isCombiner(Operation *op) {
  return isa<arith::AddFOp, arith::MulFOp, arith::MaximumFOp, arith::MinimumFOp, arith::MaxNumFOp,
             arith::MinNumFOp>(op);
}

/// x combined with it is x, for every x: -0 for a sum (so that a row of -0
/// stays -0), NaN for maxnum and minnum (which drop it).
FloatAttr identityOf(Operation *combiner, FloatType type) {
  const llvm::fltSemantics &semantics = type.getFloatSemantics();
  APFloat value = llvm::TypeSwitch<Operation *, APFloat>(combiner)
                      .Case([&](arith::AddFOp) { return APFloat::getZero(semantics, true); })
                      .Case([&](arith::MulFOp) { return APFloat::getOne(semantics); })
                      .Case([&](arith::MaximumFOp) { return APFloat::getInf(semantics, true); })
                      .Case([&](arith::MinimumFOp) { return APFloat::getInf(semantics, false); })
                      .Default([&](Operation *) { return APFloat::getQNaN(semantics); });
  return FloatAttr::get(type, value);
}

/// Loads and arithmetic only: what each lane may run for its point.
bool onlyReads(Block &block, Operation *except1, Operation *except2) {
  for (Operation &op : block.without_terminator()) {
    if (&op == except1 || &op == except2)
      continue;
    if (op.getNumRegions() || !(isMemoryEffectFree(&op) || isa<memref::LoadOp>(op)))
      return false;
  }
  return true;
}

/// The perfect nest of reduction loops from `outer` in: each of one
/// carried f32 (what a 32-bit shuffle moves), from 0 by 1 to a constant,
/// its body the next loop alone (carrying its value on); `extents` their
/// trip counts.
bool reductionNest(scf::ForOp outer, SmallVector<scf::ForOp> &nest, SmallVector<int64_t> &extents) {
  for (scf::ForOp loop = outer; loop;) {
    auto extent = getConstantIntValue(loop.getUpperBound());
    if (loop.getNumRegionIterArgs() != 1 || !loop.getResult(0).getType().isF32() ||
        getConstantIntValue(loop.getLowerBound()) != 0 ||
        getConstantIntValue(loop.getStep()) != 1 || !extent)
      return false;
    nest.push_back(loop);
    extents.push_back(*extent);
    Block &body = *loop.getBody();
    auto inner = dyn_cast<scf::ForOp>(body.front());
    if (!inner || inner->getNextNode() != body.getTerminator())
      return true; // the innermost loop
    if (inner.getInitArgs()[0] != loop.getRegionIterArgs()[0] ||
        body.getTerminator()->getOperand(0) != inner.getResult(0))
      return false;
    loop = inner;
  }
  return true;
}

/// Whether the row's loads walk memory along it: each load that indexes
/// by the nest's steps does so in its last indices, the steps in nest
/// order, each alone, over dimensions as long as the inner loops (adjacent
/// lanes then read adjacent elements); and one does. A row across the
/// innermost dimension (a split reduction's parts) is already read by
/// adjacent points at adjacent addresses, a thread a point.
bool rowIsContiguous(ArrayRef<scf::ForOp> nest, ArrayRef<int64_t> extents) {
  size_t depth = nest.size();
  auto isStep = [&](Value index) {
    return llvm::any_of(nest, [&](scf::ForOp loop) { return index == loop.getInductionVar(); });
  };
  bool indexed = false;
  for (scf::ForOp loop : nest)
    for (Operation *user : loop.getInductionVar().getUsers()) {
      auto load = dyn_cast<memref::LoadOp>(user);
      if (!load || load.getIndices().size() < depth)
        return false;
      auto indices = load.getIndices();
      ArrayRef<int64_t> shape = load.getMemRefType().getShape();
      size_t first = indices.size() - depth;
      for (size_t i = 0; i < indices.size(); ++i) {
        if (i < first ? isStep(indices[i])
                      : indices[i] != scf::ForOp(nest[i - first]).getInductionVar() ||
                            (i > first && shape[i] != extents[i - first]))
          return false;
      }
      indexed = true;
    }
  return indexed;
}

std::optional<WarpRow> match(func::FuncOp func) {
  scf::ParallelOp points;
  for (Operation &op : func.getBody().front())
    if (auto parallel = dyn_cast<scf::ParallelOp>(op)) {
      if (points)
        return std::nullopt;
      points = parallel;
    }
  if (!points || points.getNumReductions() != 0)
    return std::nullopt;
  int64_t count = 1;
  for (auto [lower, upper, step] :
       llvm::zip(points.getLowerBound(), points.getUpperBound(), points.getStep())) {
    auto u = getConstantIntValue(upper);
    if (getConstantIntValue(lower) != 0 || getConstantIntValue(step) != 1 || !u)
      return std::nullopt;
    count *= *u;
  }
  if (count > kMaxWarpRowPoints)
    return std::nullopt;
  Block &body = points.getRegion().front();
  scf::ForOp row;
  for (Operation &op : body.without_terminator())
    if (auto loop = dyn_cast<scf::ForOp>(op)) {
      if (row)
        return std::nullopt;
      row = loop;
    }
  SmallVector<scf::ForOp> nest;
  SmallVector<int64_t> extents;
  if (!row || !reductionNest(row, nest, extents) || !row.getResult(0).hasOneUse())
    return std::nullopt;
  int64_t length = 1;
  for (int64_t extent : extents)
    length *= extent;
  if (length < kMinWarpRow || !rowIsContiguous(nest, extents))
    return std::nullopt;
  scf::ForOp inner = nest.back();
  auto store = dyn_cast<memref::StoreOp>(*row.getResult(0).getUsers().begin());
  if (!store || store->getBlock() != &body || store.getValueToStore() != row.getResult(0) ||
      store->getNextNode() != body.getTerminator() || !onlyReads(body, row, store) ||
      !onlyReads(*inner.getBody(), nullptr, nullptr))
    return std::nullopt;
  Value carried = inner.getRegionIterArgs()[0];
  Operation *combiner = inner.getBody()->getTerminator()->getOperand(0).getDefiningOp();
  if (!combiner || !isCombiner(combiner) || combiner->getBlock() != inner.getBody() ||
      !carried.hasOneUse() || combiner->getOperand(0) == combiner->getOperand(1))
    return std::nullopt;
  unsigned carriedOperand = combiner->getOperand(0) == carried ? 0 : 1;
  if (combiner->getOperand(carriedOperand) != carried)
    return std::nullopt;
  return WarpRow{points, row, nest, extents, combiner, carriedOperand, store, length};
}

/// `carried` combined with `other` by the row's combiner.
Value combine(OpBuilder &b, WarpRow w, Value carried, Value other) {
  IRMapping mapping;
  mapping.map(w.combiner->getOperand(w.carriedOperand), carried);
  mapping.map(w.combiner->getOperand(1 - w.carriedOperand), other);
  return b.clone(*w.combiner, mapping)->getResult(0);
}

/// Lane `lane`'s part of the row: elements lane, lane + 32, ... of the
/// flattened nest combined from the identity. `outer` maps the point's
/// values.
Value laneLoop(OpBuilder &b, Location loc, WarpRow w, const IRMapping &outer, Value lane) {
  auto type = cast<FloatType>(w.row.getResult(0).getType());
  Value identity = arith::ConstantOp::create(b, loc, identityOf(w.combiner, type));
  Value length = arith::ConstantIndexOp::create(b, loc, w.length);
  Value warp = arith::ConstantIndexOp::create(b, loc, kWarp);
  scf::ForOp innermost = w.innermost();
  auto yield = cast<scf::YieldOp>(innermost.getBody()->getTerminator());
  auto loop = scf::ForOp::create(
      b, loc, lane, length, warp, ValueRange{identity},
      [&](OpBuilder &inner, Location at, Value step, ValueRange carried) {
        IRMapping mapping = outer;
        // The nest's steps from the flattened one, innermost fastest.
        Value rest = step;
        for (size_t level = w.nest.size(); level-- > 0;) {
          Value extent = arith::ConstantIndexOp::create(inner, at, w.extents[level]);
          Value index = level ? arith::RemUIOp::create(inner, at, rest, extent) : rest;
          mapping.map(w.nest[level].getInductionVar(), index);
          if (level)
            rest = arith::DivUIOp::create(inner, at, rest, extent);
        }
        mapping.map(innermost.getRegionIterArgs()[0], carried[0]);
        for (Operation &op : innermost.getBody()->without_terminator())
          inner.clone(op, mapping);
        scf::YieldOp::create(inner, at, mapping.lookup(yield.getOperand(0)));
      });
  return loop.getResult(0);
}

/// Replaces w.points by a new scf.parallel over its dims and `extra` more
/// (0 to extra), whose body `build` fills given the mapping of the old
/// point's ivs and the new ivs. The ops before the row are cloned first.
void rebuildPoints(WarpRow w, int64_t extra,
                   llvm::function_ref<void(OpBuilder &, Location, IRMapping &, ValueRange)> build) {
  OpBuilder b(w.points);
  Location loc = w.points.getLoc();
  SmallVector<Value> lower(w.points.getLowerBound()), upper(w.points.getUpperBound()),
      steps(w.points.getStep());
  if (extra) {
    lower.push_back(arith::ConstantIndexOp::create(b, loc, 0));
    upper.push_back(arith::ConstantIndexOp::create(b, loc, extra));
    steps.push_back(arith::ConstantIndexOp::create(b, loc, 1));
  }
  scf::ParallelOp::create(b, loc, lower, upper, steps,
                          [&](OpBuilder &nb, Location at, ValueRange ivs) {
                            IRMapping mapping;
                            for (auto [old, now] : llvm::zip(w.points.getInductionVars(), ivs))
                              mapping.map(old, now);
                            for (Operation &op : w.points.getRegion().front()) {
                              if (&op == w.row.getOperation())
                                break;
                              nb.clone(op, mapping);
                            }
                            build(nb, at, mapping, ivs);
                          });
  w.points.erase();
}

/// The point's total (combined with its initial value) stored as the row's
/// result was, with the ops between the row and the store.
void storeTotal(OpBuilder &b, WarpRow w, IRMapping &mapping, Value partsTotal) {
  Value initial = mapping.lookupOrDefault(w.row.getInitArgs()[0]);
  mapping.map(w.row.getResult(0), combine(b, w, initial, partsTotal));
  for (Operation *op = w.row->getNextNode(); op != w.store->getNextNode(); op = op->getNextNode())
    b.clone(*op, mapping);
}

} // namespace

bool takesWarpRows(func::FuncOp func) { return match(func).has_value(); }

void warpRowsOnDevice(func::FuncOp func) {
  WarpRow w = *match(func);
  rebuildPoints(w, kWarp, [&](OpBuilder &b, Location loc, IRMapping &mapping, ValueRange ivs) {
    Value lane = ivs.back();
    Value part = laneLoop(b, loc, w, mapping, lane);
    for (int32_t distance = kWarp / 2; distance >= 1; distance /= 2) {
      Value other =
          mlir::gpu::ShuffleOp::create(b, loc, part, distance, kWarp, mlir::gpu::ShuffleMode::XOR)
              .getShuffleResult();
      part = combine(b, w, part, other);
    }
    Value first = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, lane,
                                        arith::ConstantIndexOp::create(b, loc, 0));
    auto ifFirst = scf::IfOp::create(b, loc, first, /*withElseRegion=*/false);
    OpBuilder inner(ifFirst.thenBlock()->getTerminator());
    storeTotal(inner, w, mapping, part);
  });
}

void warpRowsOnHost(func::FuncOp func) {
  WarpRow w = *match(func);
  rebuildPoints(w, 0, [&](OpBuilder &b, Location loc, IRMapping &mapping, ValueRange) {
    SmallVector<Value> parts;
    for (int64_t lane = 0; lane < kWarp; ++lane)
      parts.push_back(laneLoop(b, loc, w, mapping, arith::ConstantIndexOp::create(b, loc, lane)));
    // Lane l < d combines its part with lane l + d's (xor d), as the
    // shuffles do; the lanes above hold the same sums.
    for (int64_t distance = kWarp / 2; distance >= 1; distance /= 2)
      for (int64_t lane = 0; lane < distance; ++lane)
        parts[lane] = combine(b, w, parts[lane], parts[lane + distance]);
    storeTotal(b, w, mapping, parts[0]);
  });
}

} // namespace quantc::codegen::gpu
