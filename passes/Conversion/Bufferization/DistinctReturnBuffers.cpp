// quantc-distinct-return-buffers: one fresh allocation per returned memref, so
// out-param hoisting never erases a buffer twice or writes through a view.
#include "passes/Conversion/Passes.h"

#include "llvm/ADT/DenseSet.h"

namespace quantc {
#define GEN_PASS_DEF_QUANTCDISTINCTRETURNBUFFERSPASS
#include "passes/Conversion/Passes.h.inc"

using namespace mlir;

namespace {

/// True when `value` is an identity-layout memref.alloc: hoisting may then
/// replace it by the out-param outright.
bool isOwnAllocation(Value value) {
  auto alloc = value.getDefiningOp<memref::AllocOp>();
  return alloc && alloc.getType().getLayout().isIdentity();
}

struct QuantcDistinctReturnBuffersPass
    : impl::QuantcDistinctReturnBuffersPassBase<QuantcDistinctReturnBuffersPass> {
  void runOnOperation() override {
    getOperation().walk([](func::ReturnOp ret) {
      llvm::SmallDenseSet<Value> returned;
      OpBuilder builder(ret);
      for (OpOperand &operand : ret->getOpOperands()) {
        auto type = dyn_cast<MemRefType>(operand.get().getType());
        if (!type || !type.hasStaticShape())
          continue;
        bool fresh = isOwnAllocation(operand.get()) && returned.insert(operand.get()).second;
        if (fresh)
          continue;
        auto identity = MemRefType::get(type.getShape(), type.getElementType(), AffineMap(),
                                        type.getMemorySpace());
        Value copy = memref::AllocOp::create(builder, ret.getLoc(), identity);
        memref::CopyOp::create(builder, ret.getLoc(), operand.get(), copy);
        Value result = copy;
        if (identity != type)
          result = memref::CastOp::create(builder, ret.getLoc(), type, copy);
        operand.set(result);
        if (identity == type)
          returned.insert(copy);
      }
    });
  }
};

} // namespace
} // namespace quantc
