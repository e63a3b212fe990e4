// libFuzzer: the parsers behind quantc's flag values and the files they
// name. The first byte picks the parser; the rest is the flag's value (or an
// --allocation file's contents).
#include "passes/Transforms/AllocationFile.h"
#include "quantc/Analysis/Quantizer.h"
#include "quantc/Driver/Options.h"
#include "quantc/Import/ONNX.h"

#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0)
    return 0;
  std::string value(reinterpret_cast<const char *>(data + 1), size - 1);
  switch (data[0] % 7) {
  case 0: {
    quantc::ONNXImportOptions options;
    (void)quantc::parseInputShape(value, options);
    break;
  }
  case 1: (void)quantc::checkBitsFlag(value); break;
  case 2: (void)quantc::checkCandidateBitsFlag(value); break;
  case 3: (void)quantc::checkPinsFlag(value); break;
  case 4: (void)quantc::parseByteCount(value); break;
  case 5: {
    quantc::WeightScheme scheme;
    (void)quantc::parseBitsSpec(value, scheme);
    break;
  }
  case 6: // an --allocation file's contents
    llvm::consumeError(quantc::qnn::checkAllocationText(value, "fuzz.json"));
    break;
  }
  return 0;
}
