// libFuzzer: the ONNX importer on raw bytes (protobuf parser included).
#include "ImportOne.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return importOne(data, size);
}
