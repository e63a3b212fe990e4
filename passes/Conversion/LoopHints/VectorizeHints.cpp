// quantc-vectorize-hints and quantc-apply-loop-annotations: ask LLVM to
// vectorize the short contiguous loops its cost model leaves scalar.
#include "passes/Conversion/Passes.h"
#include "passes/Conversion/LoopHints/Contiguity.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"

namespace quantc {
#define GEN_PASS_DEF_QUANTCVECTORIZEHINTSPASS
#define GEN_PASS_DEF_QUANTCAPPLYLOOPANNOTATIONSPASS
#include "passes/Conversion/Passes.h.inc"

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kLoopAnnotation = "llvm.loop_annotation";

/// contiguousInLoop, and a store must use the induction variable (a store
/// to one address every iteration is a reduction through memory, whose
/// float order must not change; quantc-vectorize-float-reductions fixes one).
bool contiguousAccess(scf::ForOp loop, Value memref, ValueRange indices, bool isStore) {
  return contiguousInLoop(loop, memref, indices) &&
         (!isStore || (!indices.empty() && indices.back() == loop.getInductionVar()));
}

/// Math ops LLVM turns into vector instructions (the rest become libm calls).
bool vectorMath(Operation *op) {
  return isa<math::RoundEvenOp, math::RoundOp, math::FloorOp, math::CeilOp, math::TruncOp,
             math::SqrtOp, math::AbsFOp, math::AbsIOp, math::FmaOp, math::CopySignOp>(op);
}

/// An innermost loop whose body is scalar arithmetic on contiguous
/// elements: what LLVM's vectorizer handles without runtime surprises, so a
/// forced vectorization never fails (LLVM warns when a forced one does).
bool vectorizable(scf::ForOp loop) {
  if (loop.getNumResults() != 0 || getConstantIntValue(loop.getStep()) != 1)
    return false;
  auto lower = getConstantIntValue(loop.getLowerBound()),
       upper = getConstantIntValue(loop.getUpperBound());
  if (lower && upper && *upper - *lower < 4)
    return false; // nothing to gain below four lanes
  bool hasStore = false;
  for (Operation &op : loop.getBody()->without_terminator()) {
    if (llvm::any_of(op.getResultTypes(), llvm::IsaPred<VectorType, MemRefType>))
      return false;
    if (auto load = dyn_cast<memref::LoadOp>(op)) {
      if (!contiguousAccess(loop, load.getMemRef(), load.getIndices(), false))
        return false;
    } else if (auto store = dyn_cast<memref::StoreOp>(op)) {
      if (!contiguousAccess(loop, store.getMemRef(), store.getIndices(), true))
        return false;
      hasStore = true;
    } else if (!isa<arith::ArithDialect>(op.getDialect()) && !vectorMath(&op)) {
      return false;
    }
  }
  return hasStore;
}

struct QuantcVectorizeHintsPass
    : impl::QuantcVectorizeHintsPassBase<QuantcVectorizeHintsPass> {
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    auto vectorize = LLVM::LoopVectorizeAttr::get(
        context, /*disable=*/BoolAttr::get(context, false), {}, {}, {}, {}, {}, {});
    auto annotation = LLVM::LoopAnnotationAttr::get(context, /*disableNonforced=*/{}, vectorize,
                                                    {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {},
                                                    {}, {});
    getOperation().walk([&](scf::ForOp loop) {
      if (vectorizable(loop))
        loop->setAttr(kLoopAnnotation, annotation);
    });
  }
};

/// scf-to-cf leaves a loop's annotation on its back edge as a discardable
/// attribute, which translation to LLVM IR ignores; the branch's own
/// `loop_annotation` is what becomes !llvm.loop metadata.
struct QuantcApplyLoopAnnotationsPass
    : impl::QuantcApplyLoopAnnotationsPassBase<QuantcApplyLoopAnnotationsPass> {
  void runOnOperation() override {
    getOperation().walk([](LLVM::BrOp branch) {
      auto annotation = branch->getAttrOfType<LLVM::LoopAnnotationAttr>(kLoopAnnotation);
      if (!annotation)
        return;
      branch->removeAttr(kLoopAnnotation);
      if (!branch.getLoopAnnotationAttr())
        branch.setLoopAnnotationAttr(annotation);
    });
  }
};

} // namespace
} // namespace quantc
