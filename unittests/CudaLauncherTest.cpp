// The CUDA launcher opens the driver at run time: on a machine without one
// (CI) it fails with a message naming what is missing, never a crash; on a
// machine with a device it opens it and names it. Through the emulated
// driver (QUANTC_CUDA_LIBRARY), its calls on a driver that answers.
#include "quantc/Runtime/quantc_cuda.h"

#include <gtest/gtest.h>

#include <cstdlib>
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

/// A stream-K launch's grid: the multiprocessors times the blocks each
/// holds, as the driver's occupancy calculator says (the emulated one: 4
/// multiprocessors of 2 blocks).
TEST(CudaLauncher, ResidentBlocksComeFromTheOccupancyCalculator) {
  const char *previous = std::getenv("QUANTC_CUDA_LIBRARY");
  std::string saved = previous ? previous : "";
  setenv("QUANTC_CUDA_LIBRARY", QUANTC_EMULATED_CUDA, 1);
  quantc_cuda *cuda = nullptr;
  char name[128] = "", error[512] = "";
  ASSERT_EQ(quantc_cuda_open(0, &cuda, name, sizeof name, error, sizeof error), 0) << error;
  EXPECT_STREQ(name, "quantc emulated GPU");
  void *module = nullptr, *function = nullptr;
  static const char kImage[] = "//\n.visible .entry qc_copy()\n";
  ASSERT_EQ(quantc_cuda_load(cuda, kImage, &module, error, sizeof error), 0) << error;
  ASSERT_EQ(quantc_cuda_function(cuda, module, "qc_copy", &function, error, sizeof error), 0)
      << error;
  int blocks = 0;
  EXPECT_EQ(quantc_cuda_resident_blocks(cuda, function, 128, &blocks, error, sizeof error), 0)
      << error;
  EXPECT_EQ(blocks, 8);
  // A block larger than the device's answers with the driver's error.
  EXPECT_NE(quantc_cuda_resident_blocks(cuda, function, 4096, &blocks, error, sizeof error), 0);
  EXPECT_NE(std::string(error).find("cuOccupancyMaxActiveBlocksPerMultiprocessor"),
            std::string::npos)
      << error;
  quantc_cuda_unload(cuda, module);
  quantc_cuda_close(cuda);
  if (previous)
    setenv("QUANTC_CUDA_LIBRARY", saved.c_str(), 1);
  else
    unsetenv("QUANTC_CUDA_LIBRARY");
}
