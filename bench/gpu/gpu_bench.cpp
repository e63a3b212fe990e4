// The GPU benchmark and device test (issue 17, part 4), run by run.sh on a
// machine with an NVIDIA GPU: copy bandwidth with quantc's copy kernel, then
// each weight-only GEMM/GEMV kernel that prepare.sh generated, timed with
// CUDA events and checked against a host reference on sampled outputs.
// Needs only libc, libcuda (opened at run time) and the PTX files.
//   gpu-bench DIR   (DIR/kernels.txt lists the kernels, one per line)
#include "quantc/Codegen/GPUFragments.h"
#include "quantc/Codegen/GPUGemvTuning.h"
#include "quantc/Runtime/quantc_cuda.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

using namespace quantc::codegen::gpu;

/// Median-of-run times by kernel and shape, for the goals' ratios.
static std::map<std::string, float> timings;
/// The fastest checked weight-only kernel of each shape: which default the
/// run says wins.
struct Best {
  double ms = 0, share = 0;
  std::string variant, split, spec; // spec: its --gpu-gemv (a GEMV's)
};
static std::map<std::string, Best> fastest;
/// The fp16 and W8A8 GEMMs: each shape's fastest checked kernel and its N
/// tiles a warp (quantc-gpu-kernels --n-tiles), beside T = 1's time.
struct BestTiles {
  double ms = 0, single = 0;
  int64_t tiles = 0;
};
static std::map<std::string, BestTiles> fastestTiles;
static void noteTiles(const std::string &shape, int64_t tiles, double ms) {
  BestTiles &best = fastestTiles[shape];
  if (tiles == 1)
    best.single = ms;
  if (!best.tiles || ms < best.ms)
    best.ms = ms, best.tiles = tiles;
}

static std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

struct Device {
  quantc_cuda *cuda = nullptr;
  char error[1024] = "";
  bool ok(int status) {
    if (status)
      std::fprintf(stderr, "gpu-bench: %s\n", error);
    return status == 0;
  }
};

/// The kernel's name: the PTX's one `.entry` (prepare.sh names each kernel
/// as quantc does, which the emulated driver reads).
static std::string entryName(const std::string &ptx) {
  size_t at = ptx.find(".entry ");
  if (at == std::string::npos)
    return "";
  at += 7;
  return ptx.substr(at, ptx.find('(', at) - at);
}

static bool load(Device &d, const std::string &ptx, void **function) {
  void *module = nullptr;
  return d.ok(quantc_cuda_load(d.cuda, ptx.c_str(), &module, d.error, sizeof d.error)) &&
         d.ok(quantc_cuda_function(d.cuda, module, entryName(ptx).c_str(), function, d.error,
                                   sizeof d.error));
}

/// GB/s of a device-to-device copy of `words` 32-bit words.
static double copyBandwidth(Device &d, const std::string &ptx, int64_t words) {
  void *function;
  quantc_cuda_buffer from = 0, to = 0;
  size_t bytes = size_t(words) * 4;
  if (!load(d, ptx, &function) ||
      !d.ok(quantc_cuda_alloc(d.cuda, bytes, &from, d.error, sizeof d.error)) ||
      !d.ok(quantc_cuda_alloc(d.cuda, bytes, &to, d.error, sizeof d.error)))
    return 0;
  void *args[] = {&from, &to};
  unsigned grid[3] = {unsigned(words / 1024), 1, 1}, block[3] = {256, 1, 1};
  float ms = 0;
  bool ran = d.ok(quantc_cuda_launch(d.cuda, function, grid, block, args, 3, nullptr, d.error,
                                     sizeof d.error)) &&
             d.ok(quantc_cuda_launch(d.cuda, function, grid, block, args, 20, &ms, d.error,
                                     sizeof d.error));
  quantc_cuda_free(d.cuda, from);
  quantc_cuda_free(d.cuda, to);
  return ran ? 2.0 * double(bytes) / (ms * 1e6) : 0;
}

/// One device buffer per host array, each a copy of it (appended to
/// `buffers` even on failure, so that freeAll releases them).
static bool upload(Device &d, std::initializer_list<std::pair<const void *, size_t>> arrays,
                   std::vector<quantc_cuda_buffer> &buffers) {
  for (auto [data, bytes] : arrays) {
    buffers.push_back(0);
    if (!d.ok(quantc_cuda_alloc(d.cuda, bytes, &buffers.back(), d.error, sizeof d.error)) ||
        !d.ok(quantc_cuda_upload(d.cuda, buffers.back(), data, bytes, d.error, sizeof d.error)))
      return false;
  }
  return true;
}

static void freeAll(Device &d, const std::vector<quantc_cuda_buffer> &buffers) {
  for (quantc_cuda_buffer buffer : buffers)
    quantc_cuda_free(d.cuda, buffer);
}

/// One launch, then y back from the last buffer.
static bool launchOnce(Device &d, void *function, const unsigned grid[3], const unsigned block[3],
                       void **args, std::vector<float> &y, quantc_cuda_buffer from) {
  return d.ok(quantc_cuda_launch(d.cuda, function, grid, block, args, 1, nullptr, d.error,
                                 sizeof d.error)) &&
         d.ok(quantc_cuda_download(d.cuda, y.data(), from, y.size() * 4, d.error, sizeof d.error));
}

struct GemmCase {
  unsigned bits;
  int64_t m, n, k, group, splitK, warps; // split-K 0: stream-K
  int64_t ahead; // K tiles of weights loaded ahead (0: A staged instead)
  bool scaleAfterMma = false; // scales on each iteration's sums, not each weight
  bool permuteK = false;      // K permuted in 64-row blocks: A read in 16-byte runs
  int weightStages = 0;       // the weights through this many shared-memory stages (0: registers)
  /// Split-K's blocks store their sums in slices of y (quantc's default,
  /// --gpu-deterministic), which the host adds here in order; else they add
  /// into y atomically. The slices' sum (in a model, the next kernel's
  /// first step) is not timed.
  bool splitPartials = false;
  bool weightsAhead = false; // A staged: each K tile's weights loaded an iteration ahead (_p1)
  bool weightsPastL1 = false; // weights loaded past L1, evicted first from L2 (_nc)
  std::string ptx;
  /// A convolution's implicit GEMM: x is its input, A gathered from it.
  std::optional<ImplicitConv> conv;
};

/// What sets the kernel apart from the plain one: ", scaled sums, K
/// permuted, 4 stages".
static std::string variantLabel(const GemmCase &c) {
  std::string label;
  if (c.splitPartials)
    label += ", partial sums";
  if (c.weightsAhead)
    label += ", weights a tile ahead";
  if (c.weightsPastL1)
    label += ", weights past L1";
  if (c.scaleAfterMma)
    label += ", scaled sums";
  if (c.permuteK)
    label += ", K permuted";
  if (c.weightStages)
    label += ", " + std::to_string(c.weightStages) + " stages";
  if (c.warps != 4)
    label += ", " + std::to_string(c.warps) + (c.warps == 1 ? " warp" : " warps") + " a block";
  return label.empty() ? label : " " + label.substr(2);
}

/// The `quantc compile --gpu-gemv` value that builds a GEMV's kernel: a
/// split-K other than the default target's as the target that gives it
/// (split x the (M tile, N group) pairs); atomic split-K sums also need
/// --gpu-deterministic=false.
static std::string gemvSpec(const GemmCase &c) {
  GemvTuning tuning;
  tuning.streamK = c.splitK == 0;
  PreshuffledWeights layout;
  layout.bits = c.bits;
  layout.n = c.n;
  layout.k = c.k;
  int64_t pairs = layout.nGroups() * ((c.m + kMmaM - 1) / kMmaM);
  int64_t byDefault = nonEmptyShares(
      layout.kTiles(), splitKFor(tuning.targetWarps, pairs, layout.kTiles()), c.ahead);
  if (!tuning.streamK && c.splitK != byDefault)
    tuning.targetWarps = c.splitK * pairs;
  tuning.permuteK = c.permuteK;
  tuning.warps = c.warps;
  tuning.prefetchTiles = c.ahead;
  tuning.weightStages = c.weightStages;
  tuning.scaleAfterMma = c.scaleAfterMma;
  tuning.weightsPastL1 = c.weightsPastL1;
  if (c.m >= tuning.gemvRows) // a GEMM of 16 rows or more run as a GEMV
    tuning.gemvRows = (c.m / kMmaM + 1) * kMmaM;
  return gemvTuningSpec(tuning) +
         (c.splitK > 1 && !c.splitPartials ? " --gpu-deterministic=false" : "");
}

/// A shape's random operands and preshuffled weights, kept for the next
/// kernel of that shape (kernels.txt lists a shape's variants together):
/// drawing 235M codes and preshuffling them is most of a large kernel's
/// time on the host.
struct GemmData {
  std::string shape;     // bits, M, N, K, group and convolution: the operands
  bool permuted = false; // the weights' K order
  std::vector<int8_t> codes;
  std::vector<uint16_t> scales, x, a; // a: the A the reference reads
  PreshuffledWeights weights;
};

static const GemmData &gemmData(const GemmCase &c) {
  static GemmData data;
  std::string shape = std::to_string(c.bits) + " " + std::to_string(c.m) + " " +
                      std::to_string(c.n) + " " + std::to_string(c.k) + " " +
                      std::to_string(c.group) + (c.conv ? " conv " + c.ptx : "");
  if (data.shape != shape) {
    data.shape = shape;
    std::mt19937 rng(unsigned(c.bits * 7 + c.n));
    int lo = -(1 << (c.bits - 1)), hi = (1 << (c.bits - 1)) - 1;
    std::uniform_int_distribution<int> code(lo, hi);
    std::uniform_real_distribution<float> unit(-1.0f, 1.0f), scaleRange(0.005f, 0.02f);
    data.codes.assign(size_t(c.n * c.k), 0);
    for (int8_t &q : data.codes)
      q = int8_t(code(rng));
    int64_t groups = c.group ? (c.k + c.group - 1) / c.group : 1;
    data.scales.assign(size_t(c.n * groups), 0);
    data.x.assign(size_t(c.conv ? c.conv->inputSize(c.m) : c.m * c.k), 0);
    for (uint16_t &v : data.scales)
      v = halfFromFloat(scaleRange(rng));
    for (uint16_t &v : data.x)
      v = halfFromFloat(unit(rng));
    // An implicit convolution's A is gathered from x.
    data.a = c.conv ? gatherImplicitA(*c.conv, data.x.data(), c.m, c.k) : data.x;
    data.weights.words.clear();
  }
  if (data.weights.words.empty() || data.permuted != c.permuteK) {
    data.permuted = c.permuteK;
    data.weights = preshuffle(c.permuteK ? permuteKBlocks(data.codes.data(), c.n, c.k).data()
                                         : data.codes.data(),
                              c.n, c.k, c.bits);
  }
  return data;
}

/// Runs one kernel: checks 256 sampled outputs against the host's
/// dequantized product, then times it. Prints one table row.
static bool runGemm(Device &d, const GemmCase &c, double copyGBs) {
  const GemmData &data = gemmData(c);
  const std::vector<int8_t> &codes = data.codes;
  const std::vector<uint16_t> &scales = data.scales, &x = data.x, &a = data.a;
  const PreshuffledWeights &weights = data.weights;
  std::mt19937 rng(unsigned(c.bits * 7 + c.n + 1)); // the sampled outputs
  int64_t slices = c.splitPartials ? c.splitK : 1;
  std::vector<float> zeros(size_t(slices * c.m * c.n), 0.0f), y(zeros.size());

  void *function;
  std::vector<quantc_cuda_buffer> buffers;
  // Uploaded with the layout's padding; the weights themselves are timed.
  size_t wordBytes = size_t(weights.nGroups() * weights.kTiles() * kWarpSize * 4);
  bool ok = load(d, readFile(c.ptx), &function) &&
            upload(d, {{x.data(), x.size() * 2}, {weights.words.data(), weights.words.size() * 4},
                       {scales.data(), scales.size() * 2}, {zeros.data(), y.size() * 4}},
                   buffers);
  buffers.resize(4); // a failed upload leaves fewer; 0 frees as nothing
  void *args[] = {&buffers[0], &buffers[1], &buffers[2], &buffers[3]};
  unsigned grid[3] = {unsigned((weights.nGroups() + c.warps - 1) / c.warps),
                      unsigned((c.m + kMmaM - 1) / kMmaM), unsigned(c.splitK)},
           block[3] = {unsigned(32 * c.warps), 1, 1};
  std::string split = std::to_string(c.splitK);
  if (c.splitK == 0) { // stream-K: the blocks the device runs at once, at most one warp per item
    int resident = 0;
    int64_t items = weights.nGroups() * ((weights.kTiles() + c.ahead - 1) / c.ahead);
    ok = ok && d.ok(quantc_cuda_resident_blocks(d.cuda, function, block[0], &resident, d.error,
                                                sizeof d.error));
    grid[0] = unsigned(std::min<int64_t>(resident, (items + c.warps - 1) / c.warps));
    grid[2] = 1;
    split = "stream-K, " + std::to_string(grid[0]) + " blocks";
  }
  ok = ok && launchOnce(d, function, grid, block, args, y, buffers[3]);
  for (int64_t slice = 1; slice < slices; ++slice) // in split order, as quantc adds them
    for (int64_t i = 0; i < c.m * c.n; ++i)
      y[size_t(i)] += y[size_t(slice * c.m * c.n + i)];
  double worst = 0;
  if (ok)
    for (int sample = 0; sample < 256; ++sample) {
      int64_t row = rng() % c.m, column = rng() % c.n;
      double expected = 0, magnitude = 0;
      for (int64_t i = 0; i < c.k; ++i) {
        int64_t cell = (c.group ? i / c.group : 0) * c.n + column; // scales[group][n]
        // Each weight rounded to f16 with its scale, or (scaled after the
        // mma) exact.
        double exact =
            double(codes[size_t(column * c.k + i)]) * floatFromHalf(scales[size_t(cell)]);
        double w = c.scaleAfterMma ? exact : floatFromHalf(halfFromFloat(float(exact)));
        double term = double(floatFromHalf(a[size_t(row * c.k + i)])) * w;
        expected += term;
        magnitude += std::fabs(term);
      }
      worst = std::max(worst, std::fabs(double(y[size_t(row * c.n + column)]) - expected) /
                                  std::max(magnitude, 1e-6));
    }
  float ms = 0;
  ok = ok && d.ok(quantc_cuda_launch(d.cuda, function, grid, block, args, 50, &ms, d.error,
                                     sizeof d.error));
  double bytes = double(wordBytes + scales.size() * 2 + x.size() * 2 + y.size() * 4);
  double gbs = ok ? bytes / (ms * 1e6) : 0;
  // The launch quantc's default gives (a GEMM of 16 rows or more stages A).
  if (ok && (c.splitK == 1 || c.splitPartials) && (c.m < kMmaM || !c.ahead) && !c.weightsAhead &&
      !c.weightsPastL1)
    timings["w" + std::to_string(c.bits) + " " + std::to_string(c.m) + " " + std::to_string(c.k) +
            " " + std::to_string(c.n)] = ms;
  std::string ahead = c.ahead ? std::to_string(c.ahead) : "-";
  std::string shape = "W" + std::to_string(c.bits) + "A16" + (c.conv ? " conv" : "") + " | " +
                      std::to_string(c.m) + " | " + std::to_string(c.k) + " | " +
                      std::to_string(c.n);
  std::string label = variantLabel(c);
  double share = copyGBs ? 100 * gbs / copyGBs : 0;
  // A staged kernel's launch is chooseLaunch's own; only past-l1 changes it.
  std::string launchSpec = c.ahead ? gemvSpec(c) : c.weightsPastL1 ? "split-k:past-l1" : "-";
  if (Best &best = fastest[shape]; ok && worst < 1e-3 && (best.variant.empty() || ms < best.ms))
    best = {ms, share,
            (label.empty() ? "plain" : label.substr(1)) + ", " +
                (c.ahead ? ahead + " K tiles ahead" : "A staged"),
            split, launchSpec};
  std::printf("| W%uA16%s%s | %lld | %lld | %lld | %lld | %s | %s | %.1f | %.4f | %.0f | %.0f%% "
              "| %.1f | %.1e | %s |\n",
              c.bits, c.conv ? " conv (implicit)" : "", label.c_str(), (long long)c.m,
              (long long)c.k, (long long)c.n, (long long)c.group, split.c_str(), ahead.c_str(),
              wordBytes / 1048576.0, ms, gbs, share, 2.0 * double(c.m * c.n * c.k) / (ms * 1e9),
              worst, ok && worst < 1e-3 ? "ok" : "FAIL");
  freeAll(d, buffers);
  return ok && worst < 1e-3;
}

/// quantc's fp16 GEMM (the baseline of the W4A16 goal), checked and timed.
static bool runHalf(Device &d, int64_t m, int64_t n, int64_t k, int64_t splitK, int64_t tiles,
                    const std::string &ptx, double copyGBs) {
  std::mt19937 rng(unsigned(m + n));
  std::uniform_real_distribution<float> unit(-1.0f, 1.0f);
  std::vector<uint16_t> x(size_t(m * k)), w(size_t(n * k));
  for (uint16_t &v : x)
    v = halfFromFloat(unit(rng));
  for (uint16_t &v : w)
    v = halfFromFloat(0.05f * unit(rng));
  std::vector<float> zeros(size_t(m * n), 0.0f), y(size_t(m * n));
  void *function;
  std::vector<quantc_cuda_buffer> buffers;
  bool ok = load(d, readFile(ptx), &function) &&
            upload(d, {{x.data(), x.size() * 2}, {w.data(), w.size() * 2},
                       {zeros.data(), y.size() * 4}},
                   buffers);
  buffers.resize(3); // a failed upload leaves fewer; 0 frees as nothing
  void *args[] = {&buffers[0], &buffers[1], &buffers[2]};
  unsigned grid[3] = {unsigned(((n + kMmaN - 1) / kMmaN + tiles - 1) / tiles),
                      unsigned((m + kMmaM - 1) / kMmaM), unsigned(splitK)},
           block[3] = {32, 1, 1};
  ok = ok && launchOnce(d, function, grid, block, args, y, buffers[2]);
  double worst = 0;
  if (ok)
    for (int sample = 0; sample < 256; ++sample) {
      int64_t row = rng() % m, column = rng() % n;
      double expected = 0, magnitude = 0;
      for (int64_t i = 0; i < k; ++i) {
        double term = double(floatFromHalf(x[size_t(row * k + i)])) *
                      floatFromHalf(w[size_t(column * k + i)]);
        expected += term;
        magnitude += std::fabs(term);
      }
      worst = std::max(worst, std::fabs(double(y[size_t(row * n + column)]) - expected) /
                                  std::max(magnitude, 1e-6));
    }
  float ms = 0;
  ok = ok && d.ok(quantc_cuda_launch(d.cuda, function, grid, block, args, 50, &ms, d.error,
                                     sizeof d.error));
  double bytes = double(x.size() * 2 + w.size() * 2 + y.size() * 4);
  double gbs = ok ? bytes / (ms * 1e6) : 0;
  bool good = ok && worst < 1e-3;
  if (good)
    noteTiles("F16 | " + std::to_string(m) + " | " + std::to_string(k) + " | " + std::to_string(n),
              tiles, ms);
  if (ok && tiles == 1) // quantc's fp16 GEMM: the W4A16 goal's baseline
    timings["f16 " + std::to_string(m) + " " + std::to_string(k) + " " + std::to_string(n)] = ms;
  std::string label = tiles > 1 ? ", " + std::to_string(tiles) + " N tiles a warp" : "";
  std::printf("| F16%s | %lld | %lld | %lld | - | %lld | - | %.1f | %.4f | %.0f | %.0f%% | %.1f | "
              "%.1e | %s |\n",
              label.c_str(), (long long)m, (long long)k, (long long)n, (long long)splitK,
              w.size() * 2 / 1048576.0, ms, gbs, copyGBs ? 100 * gbs / copyGBs : 0,
              2.0 * double(m * n * k) / (ms * 1e9), worst, good ? "ok" : "FAIL");
  freeAll(d, buffers);
  return good;
}

/// One W8A8 kernel: exact integer products (times one f32 scale per
/// column) checked on 256 sampled outputs, then timed.
static bool runW8A8(Device &d, int64_t m, int64_t n, int64_t k, int64_t splitK, int64_t tiles,
                    const std::string &ptx, double copyGBs) {
  std::mt19937 rng(unsigned(n + k));
  std::uniform_int_distribution<int> code(-127, 127);
  std::uniform_real_distribution<float> scaleRange(1e-4f, 1e-3f);
  std::vector<int8_t> w(size_t(n * k)), x(size_t(m * k));
  for (int8_t &v : w)
    v = int8_t(code(rng));
  for (int8_t &v : x)
    v = int8_t(code(rng));
  std::vector<float> scales(static_cast<size_t>(n)), zeros(size_t(m * n), 0.0f), y(size_t(m * n));
  for (float &s : scales)
    s = scaleRange(rng);
  PreshuffledInt8 weights = preshuffleInt8(w.data(), n, k);
  void *function;
  std::vector<quantc_cuda_buffer> buffers;
  size_t wordBytes = weights.words.size() * 4;
  bool ok = load(d, readFile(ptx), &function) &&
            upload(d, {{x.data(), x.size()}, {weights.words.data(), wordBytes},
                       {scales.data(), scales.size() * 4}, {zeros.data(), y.size() * 4}},
                   buffers);
  buffers.resize(4); // a failed upload leaves fewer; 0 frees as nothing
  void *args[] = {&buffers[0], &buffers[1], &buffers[2], &buffers[3]};
  unsigned grid[3] = {unsigned((weights.nTiles() + tiles - 1) / tiles),
                      unsigned((m + kMmaM - 1) / kMmaM), unsigned(splitK)},
           block[3] = {32, 1, 1};
  ok = ok && launchOnce(d, function, grid, block, args, y, buffers[3]);
  double worst = 0;
  if (ok)
    for (int sample = 0; sample < 256; ++sample) {
      int64_t row = rng() % m, column = rng() % n, sum = 0;
      for (int64_t i = 0; i < k; ++i)
        sum += int64_t(x[size_t(row * k + i)]) * w[size_t(column * k + i)];
      double expected = double(sum) * scales[size_t(column)];
      worst = std::max(worst, std::fabs(double(y[size_t(row * n + column)]) - expected) /
                                  std::max(std::fabs(expected), 1e-3));
    }
  float ms = 0;
  ok = ok && d.ok(quantc_cuda_launch(d.cuda, function, grid, block, args, 50, &ms, d.error,
                                     sizeof d.error));
  double bytes = double(wordBytes + scales.size() * 4 + x.size() + y.size() * 4);
  double gbs = ok ? bytes / (ms * 1e6) : 0;
  bool good = ok && worst < 1e-4 * double(splitK);
  if (good)
    noteTiles("W8A8 | " + std::to_string(m) + " | " + std::to_string(k) + " | " + std::to_string(n),
              tiles, ms);
  std::string label = tiles > 1 ? ", " + std::to_string(tiles) + " N tiles a warp" : "";
  std::printf("| W8A8%s | %lld | %lld | %lld | - | %lld | - | %.1f | %.4f | %.0f | %.0f%% | %.1f | "
              "%.1e | %s |\n",
              label.c_str(), (long long)m, (long long)k, (long long)n, (long long)splitK,
              wordBytes / 1048576.0, ms, gbs, copyGBs ? 100 * gbs / copyGBs : 0,
              2.0 * double(m * n * k) / (ms * 1e9), worst, good ? "ok" : "FAIL");
  freeAll(d, buffers);
  return good;
}

int main(int argc, char **argv) {
  if (argc != 2 && argc != 3) {
    std::fprintf(stderr, "usage: gpu-bench DIR [FILTER] (with DIR/kernels.txt from prepare.sh; "
                         "FILTER: only the kernels whose PTX file's name holds it)\n");
    return 2;
  }
  std::string dir = argv[1], filter = argc == 3 ? argv[2] : "";
  // The copy kernel always runs: the other rows' share of its bandwidth.
  auto selected = [&](const std::string &file) { return file.find(filter) != std::string::npos; };
  Device d;
  char name[256] = "";
  if (!d.ok(quantc_cuda_open(0, &d.cuda, name, sizeof name, d.error, sizeof d.error)))
    return 1;
  std::printf("device: %s\n\n", name);
  std::ifstream list(dir + "/kernels.txt");
  std::string kind;
  double copyGBs = 0;
  int failures = 0;
  while (list >> kind) {
    if (kind == "copy") {
      int64_t words;
      std::string file;
      list >> words >> file;
      copyGBs = copyBandwidth(d, readFile(dir + "/" + file), words);
      std::printf("copy bandwidth: %.0f GB/s (%lld MiB each way)\n\n", copyGBs,
                  (long long)(words * 4 / 1048576));
      std::printf("| kernel | M | K | N | group | split-K | K tiles ahead | weights MiB | ms | GB/s | of copy | TFLOP/s | max rel err | check |\n"
                  "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
      failures += copyGBs <= 0;
    } else if (kind == "f16") {
      int64_t m, n, k, splitK, tiles;
      std::string file;
      list >> m >> n >> k >> splitK >> tiles >> file;
      if (selected(file))
        failures += !runHalf(d, m, n, k, splitK, tiles, dir + "/" + file, copyGBs);
    } else if (kind == "w8a8") {
      int64_t m, n, k, splitK, tiles;
      std::string file;
      list >> m >> n >> k >> splitK >> tiles >> file;
      if (selected(file))
        failures += !runW8A8(d, m, n, k, splitK, tiles, dir + "/" + file, copyGBs);
    } else {
      GemmCase c;
      std::string file;
      list >> c.bits >> c.m >> c.n >> c.k >> c.group >> c.splitK >> c.warps >> c.ahead >> file;
      c.ptx = dir + "/" + file;
      c.scaleAfterMma = kind.find("-sa") != std::string::npos;
      c.permuteK = kind.find("-kp") != std::string::npos;
      c.splitPartials = kind.find("-yp") != std::string::npos;
      c.weightsAhead = kind.find("-wa") != std::string::npos;
      c.weightsPastL1 = kind.find("-nc") != std::string::npos;
      if (size_t stages = kind.find("-c"); stages != std::string::npos)
        c.weightStages = std::atoi(kind.c_str() + stages + 2);
      if (kind.rfind("conv", 0) == 0) {
        ImplicitConv conv;
        list >> conv.channels >> conv.height >> conv.width >> conv.kernelH >> conv.kernelW >>
            conv.strideH >> conv.strideW >> conv.dilationH >> conv.dilationW >> conv.padTop >>
            conv.padLeft >> conv.padBottom >> conv.padRight;
        c.conv = conv;
      }
      if (selected(file))
        failures += !runGemm(d, c, copyGBs);
    }
  }
  quantc_cuda_close(d.cuda);
  for (int m : {16, 64, 256}) {
    std::string shape = std::to_string(m) + " 4096 4096";
    if (timings.count("w4 " + shape) && timings.count("f16 " + shape))
      std::printf("\nW4A16 GEMM at M=%d, K=N=4096: %.2fx faster than quantc's fp16 GEMM", m,
                  timings["f16 " + shape] / timings["w4 " + shape]);
    const Best &best = fastest["W4A16 | " + std::to_string(m) + " | 4096 | 4096"];
    if (!best.variant.empty() && timings.count("f16 " + shape))
      std::printf(" (its fastest W4A16 kernel, %s: %.2fx)", best.variant.c_str(),
                  timings["f16 " + shape] / best.ms);
  }
  std::printf("\n\nThe fastest weight-only kernel of each shape:\n\n"
              "| kernel | M | K | N | variant | split-K | ms | of copy | --gpu-gemv |\n"
              "|---|---|---|---|---|---|---|---|---|\n");
  for (const auto &[shape, best] : fastest)
    if (!best.variant.empty())
      std::printf("| %s | %s | %s | %.4f | %.0f%% | %s |\n", shape.c_str(), best.variant.c_str(),
                  best.split.c_str(), best.ms, best.share, best.spec.c_str());
  std::printf(
      "\nThe fastest N tiles a warp of each fp16 and W8A8 GEMM shape "
      "(quantc-gpu-kernels --n-tiles):\n\n"
      "| kernel | M | K | N | N tiles | ms | one tile's ms |\n|---|---|---|---|---|---|---|\n");
  for (const auto &[shape, best] : fastestTiles)
    std::printf("| %s | %lld | %.4f | %.4f |\n", shape.c_str(), (long long)best.tiles, best.ms,
                best.single);
  std::printf("\n%d failed\n", failures);
  return failures ? 1 : 0;
}
