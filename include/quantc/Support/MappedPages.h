// Weights that need not stay resident. Large weights live in read-only file
// mappings: ONNX external data mapped at import, and quantc's own spill file
// for the large constants that quantization and packing produce. Their pages
// can be dropped at any time (the next read faults the same bytes back in
// from the file), which is what bounds a compile's memory by the layer at
// hand rather than by the model (issue 19).
#ifndef QUANTC_SUPPORT_MAPPEDPAGES_H
#define QUANTC_SUPPORT_MAPPEDPAGES_H

#include "mlir/IR/AsmState.h"
#include "llvm/ADT/ArrayRef.h"

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>

namespace quantc {

/// Records [data, data + size) as read-only, file-backed memory whose pages
/// may be dropped; forgetMappedRange undoes it before the mapping goes.
void registerMappedRange(const void *data, size_t size);
void forgetMappedRange(const void *data);

/// Drops the resident pages of [data, data + size) that lie inside a
/// registered range. Does nothing for any other memory.
void releaseMappedPages(const void *data, size_t size);
inline void releaseMappedPages(llvm::ArrayRef<char> bytes) {
  releaseMappedPages(bytes.data(), bytes.size());
}

/// Bytes in registered ranges (resident or not).
size_t mappedBytes();

/// Blobs of at least this many bytes go to the spill file.
constexpr size_t kSpillBytes = size_t(4) << 20;

/// A copy of `bytes` for a constant: from kSpillBytes on, read-only and
/// file-backed (a registered range in an unlinked temporary file); below
/// that, or when the file cannot be written, on the heap. `alignment` is at
/// most the page size.
mlir::AsmResourceBlob spillBlob(llvm::ArrayRef<char> bytes, size_t alignment);

/// While alive, and while more than `bound` bytes are registered, drops every
/// registered page every 50 ms: a JIT model that reads all of a large
/// model's weights (calibration, the quality report) then holds only what it
/// touched last instead of the whole model.
class MappedPageReaper {
public:
  explicit MappedPageReaper(size_t bound = size_t(1) << 30);
  ~MappedPageReaper();
  MappedPageReaper(const MappedPageReaper &) = delete;
  MappedPageReaper &operator=(const MappedPageReaper &) = delete;

private:
  std::mutex mutex;
  std::condition_variable wake;
  bool stop = false;
  std::thread thread;
};

} // namespace quantc

#endif // QUANTC_SUPPORT_MAPPEDPAGES_H
