// libFuzzer: qnn IR text through the verifier and quantc's passes. The first
// byte picks a pipeline; the rest is the module. Parse and verifier errors
// and pass failures are fine; a crash, sanitizer report or leak is a bug
// (issue 6: IR that verifies never reaches an assert inside a pass).
// The JIT passes (calibrate, sensitivity, measure-latency) are left out:
// they compile a model per input, far too slow to fuzz.
#include "quantc/InitAll.h"
#include "quantc/Support/ParserGuard.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace {

const char *const kPipelines[] = {
    "builtin.module(qnn-fold-constants, qnn-fold-batchnorm, qnn-fuse-patterns)",
    "builtin.module(qnn-quantize{bits=4 group-size=32})",
    "builtin.module(qnn-quantize{bits=8 act-bits=8})",
    "builtin.module(qnn-quantize{bits=ternary symmetric=true})",
    "builtin.module(qnn-fold-scales)",
    "builtin.module(qnn-allocate-bits{avg-bits=4})",
    "builtin.module(qnn-allocate-bits{avg-bits=4 act-bits-auto=true})",
    "builtin.module(qnn-smooth-quant)",
    "builtin.module(qnn-quantize{bits=4 bias-correction=true act-bits=8})",
    "builtin.module(convert-qnn-to-linalg)",
    ("builtin.module(func.func(convert-linalg-matmul-to-vector, quantc-fuse-elementwise,"
     " convert-strided-copies-to-linalg, convert-linalg-transpose-to-vector),"
     " quantc-approximate-math)"),
    "builtin.module(convert-qnn-to-qkernel, convert-qkernel-to-loops{family=vnni})",
    "builtin.module(convert-qnn-to-qkernel{lanes=4 signed-bytes=true}, "
    "convert-qkernel-to-loops{family=neon})",
    ("builtin.module(convert-qnn-to-qkernel{lut-bits=4 lut-lanes=64}, "
     "convert-qkernel-to-loops{family=vnni},"
     " convert-qkernel-to-llvm)"),
    ("builtin.module(convert-qnn-to-qkernel, convert-qnn-to-linalg,"
     " convert-qkernel-to-gpu{chip=sm_90 format=none})"),
    ("builtin.module(convert-qnn-to-qkernel, convert-qnn-to-linalg,"
     " convert-qkernel-to-gpu{chip=sm_90 format=none gemv=stream-k:past-l1})"),
    ("builtin.module(convert-qnn-to-qkernel, convert-qnn-to-linalg,"
     " convert-qkernel-to-gpu{chip=sm_90 format=none"
     " gemv=split-k:permute-k:prefetch=16:stages=2:scale-after-mma:warps=1})"),
};
constexpr size_t kPipelineCount = sizeof(kPipelines) / sizeof(kPipelines[0]);

const mlir::DialectRegistry &registry() {
  static mlir::DialectRegistry *instance = [] {
    auto *r = new mlir::DialectRegistry();
    quantc::registerAllDialects(*r);
    quantc::registerAllPasses();
    return r;
  }();
  return *instance;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0)
    return 0;
  // A fresh context per input: uniqued attributes would otherwise pile up.
  mlir::MLIRContext context(registry(), mlir::MLIRContext::Threading::DISABLED);
  context.getDiagEngine().registerHandler([](mlir::Diagnostic &) { return mlir::success(); });
  // MLIR's lexer reads up to a terminating NUL, as quant-opt's file buffers
  // have; libFuzzer's input has none, so it gets a copy that does.
  std::string source(reinterpret_cast<const char *>(data + 1), size - 1);
  // quant-opt reports these before parsing: upstream's parser would crash.
  if (quantc::findParserHazard(source))
    return 0;
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(source, &context);
  if (!module)
    return 0;
  mlir::PassManager pm(&context);
  if (mlir::failed(mlir::parsePassPipeline(kPipelines[data[0] % kPipelineCount], pm)))
    __builtin_trap(); // the harness's own pipelines must parse
  (void)pm.run(*module); // verifies its input first and after every pass
  return 0;
}
