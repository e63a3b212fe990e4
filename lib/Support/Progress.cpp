// Progress lines on stderr (see Progress.h).
#include "quantc/Support/Progress.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

namespace quantc {

static std::atomic<bool> progressOn{false};
static std::atomic<bool> stepRunning{false};

void enableProgress(bool enabled) { progressOn = enabled; }
bool progressEnabled() { return progressOn; }

Progress::Progress(std::string step, size_t total, std::string unit)
    : step(std::move(step)), unit(std::move(unit)), total(total) {
  bool idle = false;
  active = progressOn && total > 0 && stepRunning.compare_exchange_strong(idle, true);
  if (!active)
    return;
  terminal = llvm::errs().is_displayed();
  start = lastDraw = Clock::now();
  if (terminal)
    draw(0);
}

Progress::~Progress() {
  if (!active)
    return;
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (terminal)
    llvm::errs() << "\r\033[K"; // the redrawn line gives way to the summary
  llvm::errs() << llvm::format("quantc: %s: %zu %s in %.1f s\n", step.c_str(), size_t(done),
                               unit.c_str(), seconds);
  stepRunning = false;
}

void Progress::advance(size_t count) {
  if (!active)
    return;
  size_t now = done += count;
  if (!terminal)
    return;
  std::unique_lock<std::mutex> lock(drawing, std::try_to_lock);
  if (!lock.owns_lock() || Clock::now() - lastDraw < std::chrono::milliseconds(200))
    return;
  draw(now);
}

void Progress::draw(size_t count) {
  lastDraw = Clock::now();
  double elapsed = std::chrono::duration<double>(lastDraw - start).count();
  llvm::errs() << llvm::format("\r\033[Kquantc: %s: %zu/%zu %s", step.c_str(), count, total,
                               unit.c_str());
  if (count > 0 && count < total)
    llvm::errs() << llvm::format(", %.0f s left", elapsed / double(count) * double(total - count));
  llvm::errs().flush();
}

} // namespace quantc
