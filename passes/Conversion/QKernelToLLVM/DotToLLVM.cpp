// convert-qkernel-to-llvm: qkernel.dot and qkernel.lookup -> LLVM intrinsics.
#include "passes/Conversion/Passes.h"
#include "quantc/Codegen/Lowering.h"

namespace quantc {
#define GEN_PASS_DEF_CONVERTQKERNELTOLLVMPASS
#include "passes/Conversion/Passes.h.inc"
} // namespace quantc

namespace {

struct ConvertQKernelToLLVMPass
    : quantc::impl::ConvertQKernelToLLVMPassBase<ConvertQKernelToLLVMPass> {
  void runOnOperation() override {
    quantc::codegen::lowerDotOps(getOperation());
    quantc::codegen::lowerLookupOps(getOperation());
  }
};

} // namespace
