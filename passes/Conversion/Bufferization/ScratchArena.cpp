// quantc-scratch-arena: a function's intermediates in one arena, planned from their lifetimes.
#include "passes/Conversion/Passes.h"

#include "mlir/Interfaces/ViewLikeInterface.h"

namespace quantc {
#define GEN_PASS_DEF_QUANTCSCRATCHARENAPASS
#include "passes/Conversion/Passes.h.inc"

using namespace mlir;

namespace {

constexpr int64_t kAlignment = 64;

/// One planned buffer: its allocation, lifetime in body positions
/// [first, last], size, and the offset it gets.
struct Buffer {
  memref::AllocOp alloc;
  int64_t first = 0, last = 0, bytes = 0, offset = 0;
};

/// Bytes `type` takes in the arena: its storage rounded up to the arena's
/// alignment.
int64_t bytesOf(MemRefType type) {
  return (storageBytes(type) + kAlignment - 1) / kAlignment * kAlignment;
}

/// The last body position where a buffer's address (`address`, from
/// memref.extract_aligned_pointer_as_index) or what is computed from it is
/// used: GPU launches take raw addresses, and one address may serve several
/// (CSE). Nullopt when one of those uses is outside the body.
std::optional<int64_t> lastAddressUse(Value address, Block &body,
                                      const DenseMap<Operation *, int64_t> &position) {
  int64_t last = 0;
  SmallVector<Value> pending = {address};
  while (!pending.empty()) {
    Value value = pending.pop_back_val();
    for (Operation *user : value.getUsers()) {
      Operation *top = body.findAncestorOpInBlock(*user);
      if (!top)
        return std::nullopt;
      last = std::max(last, position.lookup(top));
      llvm::append_range(pending, user->getResults());
    }
  }
  return last;
}

/// The last body position where `alloc` or a view of it is used, or
/// nullopt when it escapes (returned, passed to a call) or is freed
/// somewhere other than the body.
std::optional<int64_t> lastUse(memref::AllocOp alloc, Block &body,
                               const DenseMap<Operation *, int64_t> &position) {
  int64_t last = position.lookup(alloc);
  SmallVector<Value> pending = {alloc.getResult()};
  while (!pending.empty()) {
    Value value = pending.pop_back_val();
    for (OpOperand &use : value.getUses()) {
      Operation *user = use.getOwner();
      if (isa<func::ReturnOp, CallOpInterface>(user))
        return std::nullopt;
      bool makesMemref = llvm::any_of(user->getResultTypes(), llvm::IsaPred<BaseMemRefType>);
      if (makesMemref) {
        // A view aliases the buffer; anything else that yields a memref
        // from it might, and is not followed.
        auto view = dyn_cast<ViewLikeOpInterface>(user);
        bool aliases = (view && view.getViewSource() == value) || isa<memref::CastOp>(user);
        if (!aliases)
          return std::nullopt;
        llvm::append_range(pending, user->getResults());
      }
      if (isa<memref::DeallocOp>(user) && user->getBlock() != &body)
        return std::nullopt;
      Operation *top = body.findAncestorOpInBlock(*user);
      if (!top)
        return std::nullopt;
      if (!isa<memref::DeallocOp>(user))
        last = std::max(last, position.lookup(top));
      if (isa<memref::ExtractAlignedPointerAsIndexOp>(user)) {
        auto addressLast = lastAddressUse(user->getResult(0), body, position);
        if (!addressLast)
          return std::nullopt;
        last = std::max(last, *addressLast);
      }
    }
  }
  return last;
}

/// Largest first, each at the lowest aligned offset that no buffer with an
/// overlapping lifetime occupies. Returns the arena's size.
int64_t assignOffsets(SmallVector<Buffer> &buffers) {
  SmallVector<Buffer *> order;
  for (Buffer &buffer : buffers)
    order.push_back(&buffer);
  llvm::sort(order, [](Buffer *a, Buffer *b) { // allocations have distinct positions
    return a->bytes != b->bytes ? a->bytes > b->bytes : a->first < b->first;
  });
  SmallVector<Buffer *> placed;
  int64_t total = 0;
  for (Buffer *buffer : order) {
    SmallVector<std::pair<int64_t, int64_t>> taken; // [offset, end) of live neighbours
    for (Buffer *other : placed)
      if (other->first <= buffer->last && buffer->first <= other->last)
        taken.push_back({other->offset, other->offset + other->bytes});
    llvm::sort(taken);
    int64_t offset = 0;
    for (auto [start, end] : taken) {
      if (offset + buffer->bytes <= start)
        break;
      offset = std::max(offset, end);
    }
    buffer->offset = offset;
    total = std::max(total, offset + buffer->bytes);
    placed.push_back(buffer);
  }
  return total;
}

struct QuantcScratchArenaPass : impl::QuantcScratchArenaPassBase<QuantcScratchArenaPass> {
  void runOnOperation() override {
    func::FuncOp function = getOperation();
    if (function.isExternal() || !function.getBody().hasOneBlock())
      return;
    Block &body = function.getBody().front();
    DenseMap<Operation *, int64_t> position;
    for (auto [index, op] : llvm::enumerate(body))
      position[&op] = int64_t(index);

    SmallVector<Buffer> buffers;
    for (Operation &op : body) {
      auto alloc = dyn_cast<memref::AllocOp>(op);
      if (!alloc || !alloc.getType().hasStaticShape() || !alloc.getType().getLayout().isIdentity() ||
          !alloc.getType().getElementType().isIntOrIndexOrFloat())
        continue;
      if (auto last = lastUse(alloc, body, position))
        buffers.push_back({alloc, position[alloc], *last, bytesOf(alloc.getType()), 0});
    }
    if (buffers.empty())
      return;
    int64_t total = assignOffsets(buffers);

    OpBuilder b(&body, body.begin());
    Location loc = function.getLoc();
    auto arenaType = MemRefType::get({total}, b.getI8Type());
    Value arena = memref::AllocOp::create(b, loc, arenaType, b.getI64IntegerAttr(kAlignment));
    for (Buffer &buffer : buffers) {
      b.setInsertionPoint(buffer.alloc);
      Value offset = arith::ConstantIndexOp::create(b, buffer.alloc.getLoc(), buffer.offset);
      Value view = memref::ViewOp::create(b, buffer.alloc.getLoc(), buffer.alloc.getType(), arena,
                                          offset, ValueRange{});
      for (Operation *user : llvm::make_early_inc_range(buffer.alloc->getUsers()))
        if (isa<memref::DeallocOp>(user))
          user->erase();
      buffer.alloc.replaceAllUsesWith(view);
      buffer.alloc.erase();
    }
    b.setInsertionPoint(body.getTerminator());
    memref::DeallocOp::create(b, loc, arena);
    function->setAttr("quantc.scratch_bytes", b.getI64IntegerAttr(total));
  }
};

} // namespace
} // namespace quantc
