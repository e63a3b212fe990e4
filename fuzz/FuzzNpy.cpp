// libFuzzer: the .npy reader (calibration and `quantc run` inputs).
#include "quantc/Runtime/quantc_runtime.h"

#include <cstring>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  quantc_tensor tensor;
  char error[256];
  if (quantc_npy_read_memory(data, size, "fuzz.npy", &tensor, error, sizeof error) == 0) {
    size_t bytes = size_t(quantc_tensor_numel(&tensor)) * quantc_dtype_size(tensor.dtype);
    volatile unsigned char sink = 0;
    for (size_t i = 0; i < bytes; i += 4096) // touch the data: it must all be there
      sink = sink ^ static_cast<unsigned char *>(tensor.data)[i];
    quantc_tensor_free(&tensor);
  } else if (!memchr(error, 0, sizeof error) || !error[0]) {
    __builtin_trap(); // a failure must come with a message
  }
  return 0;
}
