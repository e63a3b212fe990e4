// quantc-expand-alloca-scopes: memref.alloca_scope -> llvm.intr.stacksave /
// stackrestore around its inlined body, before scf becomes cf.
#include "passes/Conversion/Passes.h"

namespace quantc {
#define GEN_PASS_DEF_QUANTCEXPANDALLOCASCOPESPASS
#include "passes/Conversion/Passes.h.inc"

using namespace mlir;

namespace {

struct QuantcExpandAllocaScopesPass
    : impl::QuantcExpandAllocaScopesPassBase<QuantcExpandAllocaScopesPass> {
  void runOnOperation() override {
    SmallVector<memref::AllocaScopeOp> scopes;
    getOperation().walk([&](memref::AllocaScopeOp scope) { scopes.push_back(scope); });
    for (memref::AllocaScopeOp scope : scopes) { // innermost first
      if (scope.getNumResults()) {
        scope.emitError("quantc-expand-alloca-scopes: a scope with results is not supported");
        return signalPassFailure();
      }
      // Only a scope that allocates needs the stack pointer restored (SCF to
      // OpenMP wraps every parallel body in one).
      bool allocates = scope.getBodyRegion()
                           .walk([](Operation *op) {
                             return isa<memref::AllocaOp, LLVM::AllocaOp>(op)
                                        ? WalkResult::interrupt()
                                        : WalkResult::advance();
                           })
                           .wasInterrupted();
      OpBuilder b(scope);
      Location loc = scope.getLoc();
      Value saved;
      if (allocates)
        saved = LLVM::StackSaveOp::create(b, loc, LLVM::LLVMPointerType::get(b.getContext()));
      Block &body = scope.getBodyRegion().front();
      body.getTerminator()->erase();
      scope->getBlock()->getOperations().splice(scope->getIterator(), body.getOperations());
      if (allocates)
        LLVM::StackRestoreOp::create(b, loc, saved);
      scope.erase();
    }
  }
};

} // namespace
} // namespace quantc
