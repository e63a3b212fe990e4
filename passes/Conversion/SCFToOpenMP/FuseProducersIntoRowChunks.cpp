// quantc-fuse-producers-into-row-chunks: an elementwise loop whose output
// the next layer reads chunk of rows by chunk of rows (a packed kernel
// preparing its activation rows) moves into that layer's loop: each chunk
// computes its own rows first. One layer and one barrier less on a team,
// the rows still in cache, and the producer shared out as the kernel is.
#include "passes/Conversion/Passes.h"
#include "passes/Conversion/SCFToOpenMP/BufferBytes.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace quantc {
#define GEN_PASS_DEF_QUANTCFUSEPRODUCERSINTOROWCHUNKSPASS
#include "passes/Conversion/Passes.h.inc"

using namespace mlir;

namespace {

/// An elementwise parallel loop: straight-line loads, pure ops and stores,
/// each store writing the element its iteration owns (every induction
/// variable once, in a dim it spans from 0 by 1; 0 in dims of size 1).
struct Producer {
  scf::ParallelOp loop;
  SmallVector<memref::StoreOp> stores;
  SmallVector<memref::LoadOp> loads;
};

/// Whether `store` writes the element its iteration owns; fills `dimOf`
/// with the store's dim for each induction variable.
bool ownsElement(memref::StoreOp store, scf::ParallelOp loop, SmallVector<int64_t> &dimOf) {
  auto type = store.getMemRefType();
  if (!type.hasStaticShape())
    return false;
  dimOf.assign(loop.getNumLoops(), -1);
  for (auto [d, index] : llvm::enumerate(store.getIndices())) {
    if (type.getDimSize(d) == 1 && isConstantIntValue(index, 0))
      continue;
    auto iv = dyn_cast<BlockArgument>(index);
    if (!iv || iv.getOwner() != loop.getBody() || dimOf[iv.getArgNumber()] >= 0)
      return false;
    unsigned n = iv.getArgNumber();
    if (!isConstantIntValue(loop.getLowerBound()[n], 0) ||
        !isConstantIntValue(loop.getStep()[n], 1) ||
        !isConstantIntValue(loop.getUpperBound()[n], type.getDimSize(d)))
      return false;
    dimOf[n] = int64_t(d);
  }
  return llvm::all_of(dimOf, [](int64_t d) { return d >= 0; });
}

std::optional<Producer> asProducer(scf::ParallelOp loop) {
  if (loop.getNumResults() != 0)
    return std::nullopt;
  Producer producer{loop, {}, {}};
  for (Operation &op : loop.getBody()->without_terminator()) {
    if (auto store = dyn_cast<memref::StoreOp>(op))
      producer.stores.push_back(store);
    else if (auto load = dyn_cast<memref::LoadOp>(op))
      producer.loads.push_back(load);
    else if (!isMemoryEffectFree(&op) || op.getNumRegions() != 0)
      return std::nullopt;
  }
  SmallVector<int64_t> dimOf;
  if (producer.stores.empty() ||
      !llvm::all_of(producer.stores, [&](memref::StoreOp s) { return ownsElement(s, loop, dimOf); }))
    return std::nullopt;
  return producer;
}

/// The chunk size when `loop` runs over rows [i * size, i * size + size)
/// at most, i being `chunk`: its lower bound is i * size, its upper bound
/// that plus size (or the smaller of that and something else), its step 1.
std::optional<int64_t> chunkSizeOf(scf::ForOp loop, Value chunk) {
  auto mul = loop.getLowerBound().getDefiningOp<arith::MulIOp>();
  if (!mul || !isConstantIntValue(loop.getStep(), 1))
    return std::nullopt;
  Value factor = mul.getLhs() == chunk ? mul.getRhs() : mul.getRhs() == chunk ? mul.getLhs() : Value();
  std::optional<int64_t> size = factor ? getConstantIntValue(factor) : std::nullopt;
  if (!size || *size <= 0)
    return std::nullopt;
  auto endOfChunk = [&](Value v) {
    auto add = v.getDefiningOp<arith::AddIOp>();
    return add && ((add.getLhs() == loop.getLowerBound() && isConstantIntValue(add.getRhs(), *size)) ||
                   (add.getRhs() == loop.getLowerBound() && isConstantIntValue(add.getLhs(), *size)));
  };
  Value upper = loop.getUpperBound();
  auto min = upper.getDefiningOp<arith::MinSIOp>();
  bool bounded = min ? endOfChunk(min.getLhs()) || endOfChunk(min.getRhs()) : endOfChunk(upper);
  return bounded ? size : std::nullopt;
}

/// The rows of `rows` (a 2-D collapse of the produced buffer) chunk
/// iteration i reads: loads whose row index is an scf.for inside the
/// chunk loop that stays within chunk i. Returns the chunk size, or
/// nullopt when some read of `rows` is not of that form.
std::optional<int64_t> rowChunkOfReads(scf::ParallelOp consumer, Value rows) {
  Value chunk = consumer.getInductionVars().front();
  std::optional<int64_t> size;
  for (Operation *user : rows.getUsers()) {
    if (!consumer->isAncestor(user))
      continue;
    Value row;
    if (auto read = dyn_cast<vector::TransferReadOp>(user))
      row = read.getIndices().front();
    else if (auto load = dyn_cast<vector::LoadOp>(user))
      row = load.getIndices().front();
    else if (auto load = dyn_cast<memref::LoadOp>(user))
      row = load.getIndices().front();
    else
      return std::nullopt;
    auto forOp = scf::getForInductionVarOwner(row);
    std::optional<int64_t> candidate =
        forOp && consumer->isAncestor(forOp) ? chunkSizeOf(forOp, chunk) : std::nullopt;
    if (!candidate || (size && *size != *candidate))
      return std::nullopt;
    size = candidate;
  }
  return size;
}

/// Moves `producer` into `consumer`'s iterations when the consumer reads
/// what it writes only through `rows` chunk by chunk and nothing else
/// that either touches conflicts. Returns whether it did.
bool fuse(Producer &producer, scf::ParallelOp consumer) {
  if (consumer.getNumLoops() != 1 || consumer.getNumResults() != 0 ||
      !isConstantIntValue(consumer.getLowerBound()[0], 0) ||
      !isConstantIntValue(consumer.getStep()[0], 1))
    return false;
  // The produced buffer the consumer reads, as [rows, columns].
  memref::StoreOp rowStore;
  memref::CollapseShapeOp rows;
  for (memref::StoreOp store : producer.stores)
    for (Operation *user : store.getMemRef().getUsers())
      if (auto collapse = dyn_cast<memref::CollapseShapeOp>(user);
          collapse && collapse.getReassociationIndices().size() == 2 &&
          llvm::any_of(collapse->getUsers(), [&](Operation *u) { return consumer->isAncestor(u); })) {
        if (rows && rows != collapse)
          return false;
        rows = collapse, rowStore = store;
      }
  if (!rows)
    return false;
  std::optional<int64_t> chunkRows = rowChunkOfReads(consumer, rows.getResult());
  auto rowsType = cast<MemRefType>(rows.getType());
  auto chunks = getConstantIntValue(consumer.getUpperBound()[0]);
  if (!chunkRows || !chunks || *chunks * *chunkRows < rowsType.getDimSize(0))
    return false;
  // Nothing else the consumer touches may share bytes with what the
  // producer writes, nor may the consumer write what the producer reads.
  std::optional<SmallVector<Access>> accesses = accessesOf(consumer);
  if (!accesses)
    return false;
  for (const Access &access : *accesses) {
    for (memref::StoreOp store : producer.stores)
      if ((access.writes || access.buffer != rows.getResult()) &&
          mayOverlap(access.buffer, store.getMemRef()))
        return false;
    for (memref::LoadOp load : producer.loads)
      if (access.writes && mayOverlap(access.buffer, load.getMemRef()))
        return false;
  }

  // Each chunk first computes rows [i * size, min(i * size + size, rows)):
  // a row's index splits into the row dims of the produced buffer, then
  // scf.for loops run over its column dims.
  SmallVector<int64_t> dimOf;
  ownsElement(rowStore, producer.loop, dimOf);
  auto type = rowStore.getMemRefType();
  ReassociationIndices rowDims = rows.getReassociationIndices()[0];
  OpBuilder b = OpBuilder::atBlockBegin(consumer.getBody());
  Location loc = producer.loop.getLoc();
  auto index = [&](int64_t v) -> Value { return arith::ConstantIndexOp::create(b, loc, v); };
  Value first = arith::MulIOp::create(b, loc, consumer.getInductionVars()[0], index(*chunkRows));
  Value end = arith::MinSIOp::create(b, loc, arith::AddIOp::create(b, loc, first, index(*chunkRows)),
                                     index(rowsType.getDimSize(0)));
  auto rowLoop = scf::ForOp::create(b, loc, first, end, index(1));
  b.setInsertionPoint(rowLoop.getBody()->getTerminator());
  SmallVector<Value> dimIndex(type.getRank());
  Value rest = rowLoop.getInductionVar();
  auto outer = llvm::find_if(rowDims, [&](int64_t d) { return type.getDimSize(d) > 1; });
  for (int64_t d : llvm::reverse(rowDims)) {
    int64_t size = type.getDimSize(d);
    if (size == 1) {
      dimIndex[d] = index(0);
    } else if (d == *outer) { // what is left is this dim's index
      dimIndex[d] = rest;
    } else {
      dimIndex[d] = arith::RemUIOp::create(b, loc, rest, index(size));
      rest = arith::DivUIOp::create(b, loc, rest, index(size));
    }
  }
  for (int64_t d = rowDims.back() + 1; d < type.getRank(); ++d) {
    if (type.getDimSize(d) == 1) {
      dimIndex[d] = index(0);
      continue;
    }
    auto column = scf::ForOp::create(b, loc, index(0), index(type.getDimSize(d)), index(1));
    dimIndex[d] = column.getInductionVar();
    b.setInsertionPoint(column.getBody()->getTerminator());
  }
  IRMapping map;
  for (auto [n, iv] : llvm::enumerate(producer.loop.getInductionVars()))
    map.map(iv, dimIndex[dimOf[n]]);
  for (Operation &op : producer.loop.getBody()->without_terminator())
    b.clone(op, map);
  producer.loop.erase();
  return true;
}

struct QuantcFuseProducersIntoRowChunksPass
    : impl::QuantcFuseProducersIntoRowChunksPassBase<QuantcFuseProducersIntoRowChunksPass> {
  void runOnOperation() override {
    for (Block &block : getOperation().getBody()) {
      for (Operation &op : llvm::make_early_inc_range(block)) {
        auto loop = dyn_cast<scf::ParallelOp>(op);
        std::optional<Producer> producer = loop ? asProducer(loop) : std::nullopt;
        if (!producer)
          continue;
        // The next op with effects must be the consumer; pure ops (views,
        // constants), allocations and deallocations between stay where
        // they are, before it (a deallocated buffer is neither loop's).
        if (auto consumer = dyn_cast_or_null<scf::ParallelOp>(nextActive(&op)))
          fuse(*producer, consumer);
      }
    }
  }
};

} // namespace
} // namespace quantc
