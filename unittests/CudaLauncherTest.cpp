// The CUDA launcher opens the driver at run time: on a machine without one
// (CI) it fails with a message naming what is missing, never a crash; on a
// machine with a device it opens it and names it.
#include "quantc/Runtime/quantc_cuda.h"

#include <gtest/gtest.h>

#include <string>

TEST(CudaLauncher, OpensTheDeviceOrSaysWhyNot) {
  quantc_cuda *cuda = nullptr;
  char name[128] = "", error[512] = "";
  int status = quantc_cuda_open(0, &cuda, name, sizeof name, error, sizeof error);
  if (status == 0) {
    EXPECT_NE(cuda, nullptr);
    EXPECT_STRNE(name, "");
    quantc_cuda_close(cuda);
    return;
  }
  EXPECT_EQ(cuda, nullptr);
  std::string message = error;
  EXPECT_TRUE(message.find("libcuda.so.1") != std::string::npos ||
              message.find("CUDA") != std::string::npos)
      << message;
}

TEST(CudaLauncher, ClosingNothingIsHarmless) { quantc_cuda_close(nullptr); }
