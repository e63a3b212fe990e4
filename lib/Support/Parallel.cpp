// Concurrent sample runs with in-order consumption (see Parallel.h).
#include "quantc/Support/Parallel.h"
#include "quantc/Runtime/quantc_runtime.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/ThreadPool.h"
#include "llvm/Support/Threading.h"

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

namespace quantc {

unsigned analysisThreads() {
  if (const char *text = std::getenv("QUANTC_NUM_THREADS")) {
    unsigned threads = 0;
    if (!llvm::StringRef(text).trim().getAsInteger(10, threads) && threads > 0)
      return threads;
  }
  return std::max(1u, llvm::hardware_concurrency().compute_thread_count());
}

/// One pool for the process: its threads keep the runtime's per-thread
/// buffer caches warm from one analysis step to the next.
static llvm::ThreadPoolInterface &analysisPool() {
  static llvm::DefaultThreadPool pool(llvm::hardware_concurrency(analysisThreads()));
  return pool;
}

/// True on a pool thread while it runs one of forEachIndex's or
/// forEachSample's bodies. A nested forEachIndex there runs inline: the
/// outer loop already uses every core, and a pool thread waiting on an
/// inner group picks up queued outer tasks, so nesting recursed without
/// bound (a stack overflow on rec's per-layer GPTQ sensitivity).
static thread_local bool insideAnalysisTask = false;

namespace {
struct AnalysisTaskScope {
  bool previous = insideAnalysisTask;
  SequentialModelRuns sequentialRuns;
  AnalysisTaskScope() { insideAnalysisTask = true; }
  ~AnalysisTaskScope() { insideAnalysisTask = previous; }
};
} // namespace

SequentialModelRuns::SequentialModelRuns() : previous(quantc_set_thread_count(1)) {}
SequentialModelRuns::~SequentialModelRuns() { quantc_set_thread_count(previous); }

void forEachIndex(size_t count, llvm::function_ref<void(size_t)> body) {
  unsigned threads = analysisThreads();
  if (threads == 1 || count <= 1 || insideAnalysisTask) {
    for (size_t i = 0; i < count; ++i)
      body(i);
    return;
  }
  SequentialModelRuns sequentialRuns;
  llvm::ThreadPoolTaskGroup group(analysisPool());
  for (size_t i = 0; i < count; ++i)
    group.async([&body, i] {
      AnalysisTaskScope scope;
      body(i);
    });
  group.wait();
}

unsigned sampleSlots(size_t bytesPerRun) {
  unsigned threads = analysisThreads();
  if (threads == 1)
    return 1;
  bool overlapFits = 2 * threads * bytesPerRun <= kSampleSlotBudgetBytes;
  return overlapFits ? 2 * threads : threads; // one chunk running, one being consumed
}

llvm::Error forEachSample(size_t count, llvm::function_ref<llvm::Error(size_t, unsigned)> run,
                          llvm::function_ref<llvm::Error(size_t, unsigned)> consume,
                          unsigned slots) {
  unsigned threads = std::min(analysisThreads(), std::max(slots, 1u));
  if (threads == 1 || count <= 1) {
    for (size_t s = 0; s < count; ++s) {
      if (auto error = run(s, 0))
        return error;
      if (auto error = consume(s, 0))
        return error;
    }
    return llvm::Error::success();
  }
  SequentialModelRuns sequentialRuns;
  // Chunks of `threads` samples; with overlap, chunk c uses slots
  // (c % 2) * threads + i and runs while chunk c - 1 is consumed; without,
  // slots i, after chunk c - 1 was consumed.
  bool overlap = slots >= 2 * threads;
  llvm::ThreadPoolTaskGroup groups[2] = {llvm::ThreadPoolTaskGroup(analysisPool()),
                                         llvm::ThreadPoolTaskGroup(analysisPool())};
  std::vector<std::string> errors(2 * threads);
  size_t chunks = (count + threads - 1) / threads;
  auto slotOf = [&](size_t s) {
    return unsigned((overlap ? (s / threads) % 2 * threads : 0) + s % threads);
  };
  auto submit = [&](size_t chunk) {
    for (size_t s = chunk * threads; s < std::min(count, (chunk + 1) * threads); ++s)
      groups[chunk % 2].async([&, s] {
        AnalysisTaskScope scope;
        if (auto error = run(s, slotOf(s)))
          errors[slotOf(s)] = llvm::toString(std::move(error));
      });
  };
  submit(0);
  for (size_t chunk = 0; chunk < chunks; ++chunk) {
    groups[chunk % 2].wait();
    if (overlap && chunk + 1 < chunks)
      submit(chunk + 1);
    for (size_t s = chunk * threads; s < std::min(count, (chunk + 1) * threads); ++s) {
      llvm::Error error = errors[slotOf(s)].empty()
                              ? consume(s, slotOf(s))
                              : llvm::createStringError(errors[slotOf(s)]);
      if (error) {
        groups[(chunk + 1) % 2].wait(); // runs in flight still read the caller's data
        return error;
      }
    }
    if (!overlap && chunk + 1 < chunks)
      submit(chunk + 1);
  }
  return llvm::Error::success();
}

} // namespace quantc
