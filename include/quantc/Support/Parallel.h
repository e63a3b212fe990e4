// Analysis on every core: calibration samples run concurrently, and their
// results are consumed on the calling thread in sample order, so every sum
// comes out bit-identical to a single-threaded run.
#ifndef QUANTC_EXECUTION_PARALLEL_H
#define QUANTC_EXECUTION_PARALLEL_H

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/Error.h"

#include <cstddef>

namespace quantc {

/// Threads for analysis: QUANTC_NUM_THREADS when it is a positive number,
/// else every core.
unsigned analysisThreads();

/// While it lives, compiled models run by this thread use one thread each
/// (their parallel loops stay sequential): analysis runs samples on every
/// core already, and OpenMP teams on top would oversubscribe them.
class SequentialModelRuns {
public:
  SequentialModelRuns();
  ~SequentialModelRuns();
  SequentialModelRuns(const SequentialModelRuns &) = delete;
  SequentialModelRuns &operator=(const SequentialModelRuns &) = delete;

private:
  int previous;
};

/// body(i) for every i in [0, count) on analysisThreads() threads, each
/// index on one thread: callers keep results per index, so they do not
/// depend on the thread count.
void forEachIndex(size_t count, llvm::function_ref<void(size_t index)> body);

/// What the slots of one forEachSample may hold together before it stops
/// overlapping runs with their consumption: a decoder's every layer output
/// at 32 tokens is 115 MB a run and a model (3.2 B parameters).
constexpr size_t kSampleSlotBudgetBytes = size_t(512) << 20;

/// How many per-run scratch slots forEachSample uses (its `slot` values)
/// for runs whose outputs take `bytesPerRun`: 2 x threads (a chunk of runs
/// in flight while the one before is consumed), or one per thread where
/// those would hold more than kSampleSlotBudgetBytes.
unsigned sampleSlots(size_t bytesPerRun = 0);

/// For every sample s in [0, count): run(s, slot) on analysisThreads()
/// threads, then consume(s, slot) on the calling thread in increasing s,
/// overlapped with the next runs when `slots` (sampleSlots(bytesPerRun))
/// allows. `slot` < slots names the scratch (outputs) a run writes and its
/// consume reads; no two runs in flight share one. Stops at the first
/// error, which it returns.
llvm::Error forEachSample(size_t count, llvm::function_ref<llvm::Error(size_t sample, unsigned slot)> run,
                          llvm::function_ref<llvm::Error(size_t sample, unsigned slot)> consume,
                          unsigned slots = sampleSlots());

} // namespace quantc

#endif // QUANTC_EXECUTION_PARALLEL_H
