// quantc-openmp-thread-count: every thread team asks the runtime how many threads this call uses.
#include "passes/Conversion/Passes.h"

namespace quantc {
#define GEN_PASS_DEF_QUANTCOPENMPTHREADCOUNTPASS
#include "passes/Conversion/Passes.h.inc"

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kThreadCount = "quantc_thread_count";

struct QuantcOpenMPThreadCountPass
    : impl::QuantcOpenMPThreadCountPassBase<QuantcOpenMPThreadCountPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<omp::ParallelOp> teams;
    module.walk([&](omp::ParallelOp team) {
      if (!team.getNumThreads())
        teams.push_back(team);
    });
    if (teams.empty())
      return;
    OpBuilder b(module.getBodyRegion());
    auto type = b.getFunctionType({}, {b.getI32Type()});
    auto callee = module.lookupSymbol<func::FuncOp>(kThreadCount);
    if (!callee) {
      callee = func::FuncOp::create(b, module.getLoc(), kThreadCount, type);
      callee.setPrivate();
    } else if (callee.getFunctionType() != type) {
      callee.emitError() << "@" << kThreadCount << " is reserved for the runtime's thread count";
      return signalPassFailure();
    }
    for (omp::ParallelOp team : teams) {
      b.setInsertionPoint(team);
      Value count = func::CallOp::create(b, team.getLoc(), callee).getResult(0);
      team.getNumThreadsMutable().assign(count);
    }
  }
};

} // namespace
} // namespace quantc
