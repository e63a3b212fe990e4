// Shared by the ONNX fuzzers: import one byte string from memory. Any error
// is fine; a crash, sanitizer report, leak or hang is a bug.
#ifndef QUANTC_FUZZ_IMPORTONE_H
#define QUANTC_FUZZ_IMPORTONE_H

#include "quantc/Import/ONNX.h"

#include "dialects/QNN/QNNOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Verifier.h"

#include <cstddef>
#include <cstdint>

inline int importOne(const uint8_t *data, size_t size) {
  // A fresh context per input: uniqued attributes would otherwise pile up.
  mlir::MLIRContext context(mlir::MLIRContext::Threading::DISABLED);
  context.getDiagEngine().registerHandler([](mlir::Diagnostic &) { return mlir::success(); });
  quantc::ONNXImportOptions options;
  auto module = quantc::importONNXModelFromBytes(
      llvm::StringRef(reinterpret_cast<const char *>(data), size), "fuzz.onnx",
      "/nonexistent/quantc-fuzz", context, options);
  if (module && mlir::failed(mlir::verify(*module)))
    __builtin_trap(); // the importer returned IR that does not verify
  return 0;
}

#endif // QUANTC_FUZZ_IMPORTONE_H
