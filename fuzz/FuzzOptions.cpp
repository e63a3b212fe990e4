// libFuzzer: the parsers behind quantc's flag values and the files they
// name. The first byte picks the parser; the rest is the flag's value (or an
// --allocation file's contents). A --gpu-gemv value that parses must read
// back the same once written out (a trap otherwise).
#include "passes/Transforms/AllocationFile.h"
#include "quantc/Analysis/Quantizer.h"
#include "quantc/Codegen/GPUGemvTuning.h"
#include "quantc/Driver/Options.h"
#include "quantc/Import/ONNX.h"

#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0)
    return 0;
  std::string value(reinterpret_cast<const char *>(data + 1), size - 1);
  switch (data[0] % 8) {
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
  case 7: { // --gpu-gemv: what it reads, written back, reads back the same
    quantc::codegen::gpu::GemvTuning tuning, again;
    if (!quantc::codegen::gpu::parseGemvTuning(value, tuning).empty())
      break;
    std::string spec = quantc::codegen::gpu::gemvTuningSpec(tuning);
    if (!quantc::codegen::gpu::parseGemvTuning(spec, again).empty() ||
        quantc::codegen::gpu::gemvTuningSpec(again) != spec)
      __builtin_trap();
    break;
  }
  }
  return 0;
}
