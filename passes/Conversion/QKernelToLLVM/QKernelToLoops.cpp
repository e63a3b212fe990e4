// convert-qkernel-to-loops: the pass around codegen::lowerQKernelOps.
#include "passes/Conversion/Passes.h"
#include "quantc/Codegen/DotInstruction.h"
#include "quantc/Codegen/Lowering.h"

namespace quantc {
#define GEN_PASS_DEF_CONVERTQKERNELTOLOOPSPASS
#include "passes/Conversion/Passes.h.inc"
} // namespace quantc

using namespace mlir;

namespace {

struct ConvertQKernelToLoopsPass
    : quantc::impl::ConvertQKernelToLoopsPassBase<ConvertQKernelToLoopsPass> {
  using Base::Base;
  void runOnOperation() override {
    if (!quantc::codegen::familyLanes(family)) {
      getOperation().emitError() << "convert-qkernel-to-loops: unknown kernel family '" << family
                                 << "' (vnni, avx2, neon, generic)";
      return signalPassFailure();
    }
    if (failed(quantc::codegen::lowerQKernelOps(getOperation(), family)))
      signalPassFailure();
  }
};

} // namespace
