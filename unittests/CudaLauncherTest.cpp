// The CUDA launcher opens the driver at run time: on a machine without one
// (CI) it fails with a message naming what is missing, never a crash; on a
// machine with a device it opens it and names it. Through the emulated
// driver (QUANTC_CUDA_LIBRARY), its calls on a driver that answers.
#include "quantc/Runtime/quantc_cuda.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <string>

namespace {
/// QUANTC_CUDA_LIBRARY names the emulated driver while it lives.
class EmulatedDriver {
public:
  EmulatedDriver() {
    if (const char *value = std::getenv("QUANTC_CUDA_LIBRARY"))
      previous = value;
    setenv("QUANTC_CUDA_LIBRARY", QUANTC_EMULATED_CUDA, 1);
  }
  ~EmulatedDriver() {
    if (previous)
      setenv("QUANTC_CUDA_LIBRARY", previous->c_str(), 1);
    else
      unsetenv("QUANTC_CUDA_LIBRARY");
  }

private:
  std::optional<std::string> previous;
};
} // namespace

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
  EmulatedDriver driver;
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
}

/// A GEMM kernel's x read where an address its loads' width does not
/// divide faults, as on a device (CUDA_ERROR_MISALIGNED_ADDRESS): the
/// emulated driver checks what each kernel's loads need, so a view read in
/// place at such an offset fails the tests. The int8 GEMM reads codes a
/// word at a time: 1 byte in faults, 4 bytes in is read.
TEST(CudaLauncher, AMisalignedXFaults) {
  EmulatedDriver driver;
  quantc_cuda *cuda = nullptr;
  char error[512] = "";
  ASSERT_EQ(quantc_cuda_open(0, &cuda, nullptr, 0, error, sizeof error), 0) << error;
  void *module = nullptr, *function = nullptr;
  static const char kImage[] = "//\n.visible .entry qc_i8_m16_n8_k32_s1_e1()\n";
  ASSERT_EQ(quantc_cuda_load(cuda, kImage, &module, error, sizeof error), 0) << error;
  ASSERT_EQ(
      quantc_cuda_function(cuda, module, "qc_i8_m16_n8_k32_s1_e1", &function, error, sizeof error),
      0)
      << error;
  quantc_cuda_buffer x = 0, words = 0, y = 0;
  ASSERT_EQ(quantc_cuda_alloc(cuda, 16 * 32 + 4, &x, error, sizeof error), 0) << error;
  ASSERT_EQ(quantc_cuda_alloc(cuda, 64 * 4, &words, error, sizeof error), 0) << error;
  ASSERT_EQ(quantc_cuda_alloc(cuda, 16 * 8 * 4, &y, error, sizeof error), 0) << error;
  ASSERT_EQ(quantc_cuda_zero(cuda, x, 16 * 32 + 4, error, sizeof error), 0) << error;
  ASSERT_EQ(quantc_cuda_zero(cuda, words, 64 * 4, error, sizeof error), 0) << error;
  const unsigned grid[3] = {1, 1, 1}, block[3] = {32, 1, 1};
  for (quantc_cuda_buffer offset : {1, 4}) {
    quantc_cuda_buffer at = x + offset;
    void *args[3] = {&at, &words, &y};
    int failed = quantc_cuda_enqueue(cuda, function, grid, block, args, error, sizeof error);
    if (offset == 1) {
      EXPECT_NE(failed, 0);
      EXPECT_NE(std::string(error).find("misaligned address"), std::string::npos) << error;
    } else {
      EXPECT_EQ(failed, 0) << error;
    }
  }
  quantc_cuda_free(cuda, x);
  quantc_cuda_free(cuda, words);
  quantc_cuda_free(cuda, y);
  quantc_cuda_unload(cuda, module);
  quantc_cuda_close(cuda);
}

/// A capture records copies and zeroing on its own stream without running
/// them; the graph runs them, in order, each time it is launched; other
/// device work during a capture is refused (as the driver refuses it) and
/// the capture fails.
TEST(CudaLauncher, AGraphReplaysWhatItsCaptureRecorded) {
  EmulatedDriver driver;
  quantc_cuda *cuda = nullptr;
  char name[128] = "", error[512] = "";
  ASSERT_EQ(quantc_cuda_open(0, &cuda, name, sizeof name, error, sizeof error), 0) << error;
  ASSERT_TRUE(quantc_cuda_graphs_available(cuda));
  const int source[4] = {1, 2, 3, 4};
  int result[4] = {};
  quantc_cuda_buffer from = 0, to = 0;
  ASSERT_EQ(quantc_cuda_alloc(cuda, sizeof source, &from, error, sizeof error), 0) << error;
  ASSERT_EQ(quantc_cuda_alloc(cuda, sizeof source, &to, error, sizeof error), 0) << error;
  ASSERT_EQ(quantc_cuda_upload(cuda, from, source, sizeof source, error, sizeof error), 0);
  ASSERT_EQ(quantc_cuda_zero(cuda, to, sizeof source, error, sizeof error), 0);

  ASSERT_EQ(quantc_cuda_capture_begin(cuda, error, sizeof error), 0) << error;
  ASSERT_EQ(quantc_cuda_copy(cuda, to, from, sizeof source, error, sizeof error), 0) << error;
  ASSERT_EQ(quantc_cuda_zero(cuda, from, sizeof source, error, sizeof error), 0) << error;
  void *graph = nullptr;
  ASSERT_EQ(quantc_cuda_capture_end(cuda, &graph, error, sizeof error), 0) << error;
  ASSERT_NE(graph, nullptr);
  ASSERT_EQ(quantc_cuda_download(cuda, result, to, sizeof result, error, sizeof error), 0);
  EXPECT_EQ(result[3], 0) << "a captured copy ran at once";

  ASSERT_EQ(quantc_cuda_graph_launch(cuda, graph, error, sizeof error), 0) << error;
  ASSERT_EQ(quantc_cuda_download(cuda, result, to, sizeof result, error, sizeof error), 0);
  EXPECT_EQ(result[3], 4);
  ASSERT_EQ(quantc_cuda_download(cuda, result, from, sizeof result, error, sizeof error), 0);
  EXPECT_EQ(result[0], 0) << "the zeroing after the copy";

  // A download is not stream work the capture can hold: refused, and the
  // capture gives no graph.
  void *refused = nullptr;
  ASSERT_EQ(quantc_cuda_capture_begin(cuda, error, sizeof error), 0) << error;
  EXPECT_NE(quantc_cuda_download(cuda, result, to, sizeof result, error, sizeof error), 0);
  EXPECT_NE(std::string(error).find("capturing"), std::string::npos) << error;
  EXPECT_NE(quantc_cuda_capture_end(cuda, &refused, error, sizeof error), 0);
  EXPECT_EQ(refused, nullptr);

  quantc_cuda_graph_free(cuda, graph);
  quantc_cuda_free(cuda, from);
  quantc_cuda_free(cuda, to);
  quantc_cuda_close(cuda);
}
