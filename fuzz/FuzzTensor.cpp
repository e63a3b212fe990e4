// libFuzzer: a serialized TensorProto, as `--input-value name=tensor.pb`
// reads it, through validation and conversion to an MLIR constant. Parse and
// conversion errors are fine; a crash, sanitizer report or leak is a bug.
#include "TensorImport.h"

#include "dialects/QNN/QNNDialect.h"

#include "mlir/IR/MLIRContext.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  onnx::TensorProto tensor;
  if (!tensor.ParseFromArray(data, static_cast<int>(size)))
    return 0;
  // A fresh context per input: uniqued attributes would otherwise pile up.
  mlir::MLIRContext context(mlir::MLIRContext::Threading::DISABLED);
  context.loadDialect<quantc::qnn::QNNDialect>();
  std::string error;
  (void)quantc::onnx_import::convertTensor(tensor, "/nonexistent/quantc-fuzz", &context, error);
  return 0;
}
