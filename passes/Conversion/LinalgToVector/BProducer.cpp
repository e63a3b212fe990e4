// Finding the op that writes a matmul's B (see BProducer.h).
#include "passes/Conversion/LinalgToVector/BProducer.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace quantc {

using namespace mlir;

bool viewsAllOf(memref::SubViewOp view) {
  return llvm::all_of(view.getStaticOffsets(), [](int64_t v) { return v == 0; }) &&
         llvm::all_of(view.getStaticStrides(), [](int64_t v) { return v == 1; }) &&
         view.getStaticSizes() == view.getSourceType().getShape();
}

linalg::GenericOp writerOf(Value buffer, Operation *user) {
  for (Operation *op : buffer.getUsers()) {
    auto generic = dyn_cast<linalg::GenericOp>(op);
    if (generic && generic.getNumDpsInits() == 1 && generic.getDpsInits()[0] == buffer &&
        generic->getBlock() == user->getBlock() && generic->isBeforeInBlock(user))
      return generic;
  }
  return {};
}

bool onlyStartsCBetween(Operation *producer, Operation *matmul, Value c) {
  for (Operation *op = producer->getNextNode(); op && op != matmul; op = op->getNextNode()) {
    if (isMemoryEffectFree(op) || isa<memref::AllocOp, memref::DeallocOp>(op))
      continue;
    auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
    if (!linalgOp || linalgOp.getNumDpsInits() != 1 || linalgOp.getDpsInits()[0] != c)
      return false;
  }
  return true;
}

void moveDeallocationsAfter(Operation *producer, Operation *matmul) {
  for (Operation *op = producer->getNextNode(); op && op != matmul;) {
    Operation *next = op->getNextNode();
    if (isa<memref::DeallocOp>(op))
      op->moveAfter(matmul);
    op = next;
  }
}

} // namespace quantc
