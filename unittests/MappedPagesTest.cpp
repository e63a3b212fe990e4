// Dropping the pages of file-backed weights (quantc/Support/MappedPages.h):
// released pages leave the resident set and read back the same bytes; other
// memory is never touched.
#include "quantc/Support/MappedPages.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <numeric>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace quantc;

namespace {

/// This process's resident kB of the mapping that starts at `data`
/// (/proc/self/smaps; mincore would report the page cache, not this process).
size_t residentKb(const char *data) {
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool inMapping = false;
  uintptr_t start = reinterpret_cast<uintptr_t>(data);
  while (std::getline(smaps, line)) {
    uintptr_t begin = 0, end = 0;
    if (std::sscanf(line.c_str(), "%lx-%lx ", &begin, &end) == 2) {
      inMapping = begin == start;
      continue;
    }
    size_t kb = 0;
    if (inMapping && std::sscanf(line.c_str(), "Rss: %zu kB", &kb) == 1)
      return kb;
  }
  return size_t(-1);
}

std::vector<char> pattern(size_t size) {
  std::vector<char> bytes(size);
  for (size_t i = 0; i < size; ++i)
    bytes[i] = char(i * 2654435761u >> 13);
  return bytes;
}

uint64_t checksum(const char *data, size_t size) {
  return std::accumulate(data, data + size, uint64_t(0),
                         [](uint64_t sum, char c) { return sum * 31 + uint8_t(c); });
}

} // namespace

TEST(MappedPages, SpilledBlobsReadBackAfterRelease) {
  std::vector<char> bytes = pattern(kSpillBytes + 12345);
  size_t before = mappedBytes();
  {
    mlir::AsmResourceBlob blob = spillBlob(bytes, 64);
    llvm::ArrayRef<char> data = blob.getData();
    ASSERT_EQ(data.size(), bytes.size());
    EXPECT_EQ(mappedBytes(), before + bytes.size());
    EXPECT_EQ(checksum(data.data(), data.size()), checksum(bytes.data(), bytes.size()));
    EXPECT_GT(residentKb(data.data()), 0u);
    releaseMappedPages(data);
    EXPECT_EQ(residentKb(data.data()), 0u);
    // The next read faults the same bytes back in from the file.
    EXPECT_EQ(checksum(data.data(), data.size()), checksum(bytes.data(), bytes.size()));
  }
  EXPECT_EQ(mappedBytes(), before); // the blob's deleter unmaps and forgets it
}

TEST(MappedPages, OtherMemoryIsNeverReleased) {
  // MADV_DONTNEED on heap memory would zero it: unregistered ranges are left alone.
  std::vector<char> heap = pattern(size_t(8) << 20);
  uint64_t sum = checksum(heap.data(), heap.size());
  releaseMappedPages(heap.data(), heap.size());
  EXPECT_EQ(checksum(heap.data(), heap.size()), sum);
}

TEST(MappedPages, ReaperDropsTouchedPages) {
  std::vector<char> bytes = pattern(kSpillBytes);
  mlir::AsmResourceBlob blob = spillBlob(bytes, 64);
  llvm::ArrayRef<char> data = blob.getData();
  MappedPageReaper reaper(/*bound=*/0);
  EXPECT_EQ(checksum(data.data(), data.size()), checksum(bytes.data(), bytes.size()));
  size_t resident = residentKb(data.data());
  for (int wait = 0; wait < 100 && resident != 0; ++wait) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    resident = residentKb(data.data());
  }
  EXPECT_EQ(resident, 0u);
  EXPECT_EQ(checksum(data.data(), data.size()), checksum(bytes.data(), bytes.size()));
}
