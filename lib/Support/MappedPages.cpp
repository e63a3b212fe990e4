#include "quantc/Support/MappedPages.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/Path.h"

#include <chrono>
#include <fcntl.h>
#include <map>
#include <mutex>
#include <sys/mman.h>
#include <unistd.h>

namespace quantc {
namespace {

struct Registry {
  std::mutex mutex;
  std::map<uintptr_t, size_t> ranges; // start -> size
  size_t bytes = 0;
};

// Never destroyed: the reaper may still run while exit() destroys statics.
Registry &registry() {
  static Registry *instance = new Registry;
  return *instance;
}

size_t pageSize() {
  static const size_t page = size_t(sysconf(_SC_PAGESIZE));
  return page;
}

/// Drops the pages of [begin, end), a part of the registered range [start,
/// start + size). The mapping owns whole pages, so at the range's own ends
/// the partial pages go too; inside it only whole pages do.
void dropPages(uintptr_t begin, uintptr_t end, uintptr_t start, size_t size) {
  uintptr_t first = begin == start ? llvm::alignDown(begin, pageSize())
                                   : llvm::alignTo(begin, pageSize());
  uintptr_t last = end == start + size ? llvm::alignTo(end, pageSize())
                                       : llvm::alignDown(end, pageSize());
  if (first < last)
    madvise(reinterpret_cast<void *>(first), last - first, MADV_DONTNEED);
}

void releaseAll() {
  Registry &r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  for (auto [start, size] : r.ranges)
    dropPages(start, start + size, start, size);
}

/// quantc's spill file: unlinked at creation, so it goes with the process.
struct SpillFile {
  std::mutex mutex;
  int fd = -1;
  bool failed = false;
  uint64_t end = 0;

  int get() {
    if (fd >= 0 || failed)
      return fd;
    llvm::SmallString<256> path;
    llvm::sys::path::system_temp_directory(/*ErasedOnReboot=*/true, path);
    llvm::sys::path::append(path, "quantc-spill-%%%%%%%%");
    if (llvm::sys::fs::createUniqueFile(path, fd, path)) {
      failed = true;
      return -1;
    }
    ::unlink(path.c_str());
    return fd;
  }
};

SpillFile &spillFile() {
  static SpillFile *instance = new SpillFile; // as the registry
  return *instance;
}

bool writeAll(int fd, llvm::ArrayRef<char> bytes, uint64_t offset) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::pwrite(fd, bytes.data() + done, bytes.size() - done, off_t(offset + done));
    if (n <= 0)
      return false;
    done += size_t(n);
  }
  return true;
}

} // namespace

void registerMappedRange(const void *data, size_t size) {
  Registry &r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  if (r.ranges.emplace(reinterpret_cast<uintptr_t>(data), size).second)
    r.bytes += size;
}

void forgetMappedRange(const void *data) {
  Registry &r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  auto it = r.ranges.find(reinterpret_cast<uintptr_t>(data));
  if (it == r.ranges.end())
    return;
  r.bytes -= it->second;
  r.ranges.erase(it);
}

void releaseMappedPages(const void *data, size_t size) {
  Registry &r = registry();
  uintptr_t begin = reinterpret_cast<uintptr_t>(data), end = begin + size;
  std::lock_guard<std::mutex> lock(r.mutex);
  auto it = r.ranges.upper_bound(begin);
  if (it == r.ranges.begin())
    return;
  --it;
  uintptr_t rangeEnd = it->first + it->second;
  if (begin < rangeEnd)
    dropPages(begin, std::min(end, rangeEnd), it->first, it->second);
}

size_t mappedBytes() {
  Registry &r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  return r.bytes;
}

mlir::AsmResourceBlob spillBlob(llvm::ArrayRef<char> bytes, size_t alignment) {
  auto heapCopy = [&] { return mlir::HeapAsmResourceBlob::allocateAndCopyWithAlign(bytes, alignment); };
  if (bytes.size() < kSpillBytes)
    return heapCopy();
  SpillFile &file = spillFile();
  int fd;
  uint64_t offset, reserved = llvm::alignTo(bytes.size(), pageSize());
  {
    std::lock_guard<std::mutex> lock(file.mutex);
    if ((fd = file.get()) < 0)
      return heapCopy();
    offset = file.end;
    file.end += reserved;
  }
  // Written through the file, not the mapping: the pages are the page
  // cache's, and none of them is resident in this process until read.
  if (!writeAll(fd, bytes, offset))
    return heapCopy();
  void *mapped = ::mmap(nullptr, bytes.size(), PROT_READ, MAP_SHARED, fd, off_t(offset));
  if (mapped == MAP_FAILED)
    return heapCopy();
  registerMappedRange(mapped, bytes.size());
  auto release = [fd, offset, reserved](void *data, size_t size, size_t) {
    forgetMappedRange(data);
    ::munmap(data, size);
    // Give the disk space back: a long compile spills and drops many blobs.
    ::fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off_t(offset), off_t(reserved));
  };
  return mlir::AsmResourceBlob(llvm::ArrayRef<char>(static_cast<char *>(mapped), bytes.size()),
                               alignment, release, /*dataIsMutable=*/false);
}

MappedPageReaper::MappedPageReaper(size_t bound) {
  thread = std::thread([this, bound] {
    std::unique_lock<std::mutex> lock(mutex);
    while (!wake.wait_for(lock, std::chrono::milliseconds(50), [this] { return stop; }))
      if (mappedBytes() > bound)
        releaseAll();
  });
}

MappedPageReaper::~MappedPageReaper() {
  {
    std::lock_guard<std::mutex> lock(mutex);
    stop = true;
  }
  wake.notify_one();
  thread.join();
}

} // namespace quantc
