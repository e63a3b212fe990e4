// Progress of quantc's long steps (calibration, sensitivity, rounding,
// latency measurement, the Pareto sweep) on stderr: on a terminal one line
// redrawn with the count and the time left, otherwise one summary line when
// the step ends. Off unless the driver turns it on (quant-opt and the
// passes' tests stay quiet; `quantc --quiet` too).
#ifndef QUANTC_SUPPORT_PROGRESS_H
#define QUANTC_SUPPORT_PROGRESS_H

#include <atomic>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>

namespace quantc {

void enableProgress(bool enabled);
bool progressEnabled();

/// One step of `total` units (samples, layers, budgets). advance() may be
/// called from any thread. Steps do not nest: one started while another is
/// running reports nothing (a sweep's inner steps add no lines).
class Progress {
public:
  Progress(std::string step, size_t total, std::string unit);
  ~Progress();
  Progress(const Progress &) = delete;
  Progress &operator=(const Progress &) = delete;

  void advance(size_t count = 1);

private:
  using Clock = std::chrono::steady_clock;
  void draw(size_t done);

  std::string step, unit;
  size_t total;
  bool active = false, terminal = false;
  Clock::time_point start, lastDraw;
  std::atomic<size_t> done{0};
  std::mutex drawing;
};

} // namespace quantc

#endif // QUANTC_SUPPORT_PROGRESS_H
