// Byte ranges of memref views (BufferBytes.h).
#include "passes/Conversion/SCFToOpenMP/BufferBytes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

using namespace mlir;

namespace quantc {

BufferBytes bytesOf(Value buffer) {
  BufferBytes bytes{buffer, std::nullopt};
  Value view = buffer;
  // Reshapes of a contiguous buffer cover the same bytes.
  while (isa_and_nonnull<memref::ExpandShapeOp, memref::CollapseShapeOp>(view.getDefiningOp()))
    view = view.getDefiningOp()->getOperand(0);
  if (auto arenaView = view.getDefiningOp<memref::ViewOp>()) {
    auto type = arenaView.getType();
    std::optional<int64_t> offset = getConstantIntValue(arenaView.getByteShift());
    if (offset && type.hasStaticShape() && type.getElementTypeBitWidth() % 8 == 0)
      bytes.range = {{*offset, *offset + type.getNumElements() * type.getElementTypeBitWidth() / 8}};
    view = arenaView.getSource();
  } else if (view != buffer) {
    bytes.range.reset();
  }
  while (auto viewLike = view.getDefiningOp<ViewLikeOpInterface>()) {
    bytes.range.reset(); // a view of a view: where it lies is not tracked
    view = viewLike.getViewSource();
  }
  bytes.root = view;
  return bytes;
}

bool mayOverlap(Value a, Value b) {
  if (a == b)
    return true;
  BufferBytes first = bytesOf(a), second = bytesOf(b);
  if (first.root != second.root)
    return false;
  return !first.range || !second.range ||
         (first.range->first < second.range->second && second.range->first < first.range->second);
}

bool isPassive(Operation *op) {
  return op->getNumRegions() == 0 &&
         (isMemoryEffectFree(op) || isa<memref::AllocOp, memref::DeallocOp>(op));
}

Operation *nextActive(Operation *op) {
  Operation *next = op->getNextNode();
  while (next && isPassive(next))
    next = next->getNextNode();
  return next;
}

std::optional<SmallVector<Access>> accessesOf(scf::ParallelOp loop) {
  SmallVector<Access> accesses;
  bool other = false;
  loop.getBody()->walk([&](Operation *op) {
    // A transfer along the trailing dims spans as many as its vector has;
    // along permuted ones, any.
    auto transferSpan = [](VectorTransferOpInterface transfer) -> unsigned {
      return transfer.getPermutationMap().isMinorIdentity() ? transfer.getVectorType().getRank()
                                                            : transfer.getIndices().size();
    };
    if (auto load = dyn_cast<memref::LoadOp>(op))
      accesses.push_back({load.getMemRef(), load.getIndices(), false, 0});
    else if (auto store = dyn_cast<memref::StoreOp>(op))
      accesses.push_back({store.getMemRef(), store.getIndices(), true, 0});
    else if (auto load = dyn_cast<vector::LoadOp>(op))
      accesses.push_back(
          {load.getBase(), load.getIndices(), false, unsigned(load.getVectorType().getRank())});
    else if (auto store = dyn_cast<vector::StoreOp>(op))
      accesses.push_back(
          {store.getBase(), store.getIndices(), true, unsigned(store.getVectorType().getRank())});
    else if (auto read = dyn_cast<vector::TransferReadOp>(op))
      accesses.push_back({read.getBase(), read.getIndices(), false, transferSpan(read)});
    else if (auto write = dyn_cast<vector::TransferWriteOp>(op))
      accesses.push_back({write.getBase(), write.getIndices(), true, transferSpan(write)});
    else if (!isMemoryEffectFree(op) && !isa<scf::ForOp, scf::IfOp, scf::YieldOp, scf::ReduceOp,
                                              scf::ParallelOp>(op))
      other = true;
  });
  if (other || llvm::any_of(accesses, [](const Access &a) {
        return !isa<MemRefType>(a.buffer.getType());
      }))
    return std::nullopt;
  return accesses;
}

} // namespace quantc
