// convert-qkernel-to-llvm: qkernel.dot -> x86 LLVM intrinsics.
#include "passes/Conversion/Passes.h"
#include "quantc/Codegen/Lowering.h"

namespace quantc {
#define GEN_PASS_DEF_CONVERTQKERNELTOLLVMPASS
#include "passes/Conversion/Passes.h.inc"
} // namespace quantc

namespace {

struct ConvertQKernelToLLVMPass
    : quantc::impl::ConvertQKernelToLLVMPassBase<ConvertQKernelToLLVMPass> {
  void runOnOperation() override { quantc::codegen::lowerDotOps(getOperation()); }
};

} // namespace
