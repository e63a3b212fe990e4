// An emulated CUDA driver (libcuda's entry points) for testing GPU
// artifacts on machines without a GPU: QUANTC_CUDA_LIBRARY points the
// launcher at it. Device memory is host memory; a module load checks the
// image's format; a launch of a weight-only GEMM kernel checks its grid
// against the specification its name spells and computes it with the
// bit-exact C++ model of the kernels (GPUFragments.h; a convolution's
// implicit GEMM gathers its A first), as does one of the exact int8 GEMM;
// an fp16 GEMM's is a plain f16 x f16 product in f32. A stage kernel
// converts as the host's staging does. A linalg kernel runs its host twin:
// the same loop nest, before the GPU mapping, that an artifact built with
// QUANTC_GPU_HOST_TWINS=1 carries as quantc_gpu_twin<N>_<kernel> (found
// through the image's address: it lives in the artifact). It checks the
// host side of GPU artifacts (repacking, f16 conversion, uploads, launches,
// which values stay on the device, split-K and stream-K zeroing, stream-K
// grids from the occupancy it reports: 4 multiprocessors holding 2 blocks
// each), not the PTX, which only a GPU can run. Streams run at once; a
// capturing stream records its launches, memsets and copies into a graph
// that cuGraphLaunch replays, and any other device work while a capture is
// under way fails it, as a device's driver does. QUANTC_EMULATED_CUDA_TRACE=1
// prints each launch (kernel, grid, block), capture and graph launch to
// stderr.
#include "quantc/Codegen/GPUFragments.h"

#include <dlfcn.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

using namespace quantc::codegen::gpu;

namespace {

constexpr int kSuccess = 0, kInvalidValue = 1, kInvalidImage = 200, kNotFound = 500,
              kIllegalAddress = 700, kMisalignedAddress = 716, kCaptureUnsupported = 900,
              kCaptureInvalidated = 901;

struct Kernel {
  enum { WeightOnly, Half, Integer, Stage, Linalg, Copy } kind;
  unsigned bits;
  long group, m, n, k, splitK, warps;
  int asymmetric, stageA;
  long scaleAfterTiles; // _sa: the sums scaled every prefetch iteration (_p)
  bool streamK;         // _sk: any grid along x up to one block per item, one along z
  bool splitPartials;   // _yp: split-K block z stores its sums into y's slice z
  long prefetchTiles;   // _p: K tiles per prefetch iteration (a stream-K item)
  bool permutedK;       // _kp: each 64-row block of K permuted (A in 16-byte runs)
  bool xTransposed;  // x as [k, m] (an fp16 GEMM's _t1)
  long nTilesPerWarp; // an fp16 or int8 GEMM's _ntT: T N tiles a warp (a block)
  bool scaled;        // an int8 GEMM's _e0: y (f32) = the s32 sums x a scale per column
  long floatK;       // _xfN: x f32 with N of k ([N, m] or [m, N]), staged
  long codeColumns;  // _xbN: int8 rows of N codes, zero past them to k
  bool yColumnMajor; // y written [n, m] (_t1, or _yt)
  bool implicit;     // a convolution's GEMM: A gathered from x by `conv`
  ImplicitConv conv;
  bool halves; // a stage kernel's: f32 to f16 (else int8 rows)
  long rows, sourceColumns, columns;
  void *twin; // a linalg kernel's loop nest, taking `arguments` pointers
  int arguments;
  std::string name;
};

struct Module {
  const unsigned char *image;
  size_t size; // bytes searched for kernel names
  void *artifact; // the library holding the image (dlopen handle), or null
  std::vector<std::unique_ptr<Kernel>> kernels; // what cuModuleGetFunction gave out
};

/// The image's format: fatbin (0xBA55ED50), cubin (ELF) or PTX text; and
/// how far to search it for names (a fatbin's header gives its size).
bool imageSize(const unsigned char *image, size_t &size) {
  uint32_t magic;
  std::memcpy(&magic, image, 4);
  if (magic == 0xBA55ED50u) {
    uint16_t header;
    uint64_t payload;
    std::memcpy(&header, image + 6, 2);
    std::memcpy(&payload, image + 8, 8);
    size = header + payload;
    return true;
  }
  if (std::memcmp(image, "\x7f" "ELF", 4) == 0) {
    uint64_t sectionHeaders;
    uint16_t entrySize, entries;
    std::memcpy(&sectionHeaders, image + 40, 8);
    std::memcpy(&entrySize, image + 58, 2);
    std::memcpy(&entries, image + 60, 2);
    size = sectionHeaders + uint64_t(entrySize) * entries;
    return true;
  }
  const char *text = reinterpret_cast<const char *>(image);
  if (std::strncmp(text, "//", 2) == 0 || std::strncmp(text, ".version", 8) == 0) {
    size = std::strlen(text);
    return true;
  }
  return false;
}

bool contains(const Module &module, const char *name) {
  size_t length = std::strlen(name);
  for (size_t at = 0; at + length <= module.size; ++at)
    if (std::memcmp(module.image + at, name, length) == 0)
      return true;
  return false;
}

uint64_t address(const void *pointer) { return reinterpret_cast<uint64_t>(pointer); }
template <typename T> T *pointer(void *argument) {
  return reinterpret_cast<T *>(*static_cast<uint64_t *>(argument));
}

/// A[m, k] as the kernel reads it: gathered from a convolution's input,
/// read from x as [k, m], or x as it is.
template <typename T> std::vector<T> activations(const Kernel &kernel, const T *x) {
  if (kernel.implicit)
    return gatherImplicitA(kernel.conv, x, kernel.m, kernel.k);
  std::vector<T> a(x, x + kernel.m * kernel.k);
  if (kernel.xTransposed)
    for (long row = 0; row < kernel.m; ++row)
      for (long k = 0; k < kernel.k; ++k)
        a[size_t(row * kernel.k + k)] = x[k * kernel.m + row];
  return a;
}

/// A[m, k] in halves from the x argument: an _xf kernel's f32 input staged
/// first, as the kernel stages each tap it gathers.
std::vector<uint16_t> halfActivations(const Kernel &kernel, void *argument) {
  if (kernel.floatK) { // x f32 [floatK, m] or [m, floatK]: staged into [k, m] or [m, k]
    const float *x = pointer<float>(argument);
    std::vector<uint16_t> staged(size_t(kernel.k * kernel.m), 0);
    for (long row = 0; row < kernel.m; ++row)
      for (long k = 0; k < kernel.floatK; ++k)
        staged[size_t(kernel.xTransposed ? k * kernel.m + row : row * kernel.k + k)] =
            stagedHalf(x[kernel.xTransposed ? k * kernel.m + row : row * kernel.floatK + k]);
    return activations(kernel, staged.data());
  }
  if (!kernel.implicit || !kernel.conv.floatInput)
    return activations(kernel, pointer<uint16_t>(argument));
  const float *x = pointer<float>(argument);
  std::vector<uint16_t> staged(size_t(kernel.conv.inputSize(kernel.m)));
  for (size_t i = 0; i < staged.size(); ++i)
    staged[i] = stagedHalf(x[i]);
  return activations(kernel, staged.data());
}

/// The alignment in bytes of x that a GEMM kernel's loads need: int8 codes
/// a word at a time (a gather's, and rows not whole words, a code at a
/// time), pairs of halves or single ones, f32 elements, 16-byte runs (K
/// permuted), and a staged A's cp.async pieces (their size).
uint64_t xAlignment(const Kernel &kernel) {
  switch (kernel.kind) {
  case Kernel::Integer:
    return kernel.implicit || kernel.codeColumns % 4 ? 1 : 4;
  case Kernel::Half:
    if (kernel.floatK || (kernel.implicit && kernel.conv.floatInput))
      return 4;
    return kernel.implicit || kernel.xTransposed ? 2 : 4;
  case Kernel::WeightOnly:
    if (kernel.implicit)
      return kernel.conv.floatInput ? 4 : 2;
    if (kernel.permutedK)
      return 16;
    if (kernel.floatK)
      return 4;
    return kernel.stageA ? uint64_t(2 * kMmaM * kMmaK / (kWarpSize * kernel.warps)) : 4;
  default:
    return 1;
  }
}

/// Where y's element `i` (row i / n, column i % n) lands.
size_t outputIndex(const Kernel &kernel, size_t i) {
  size_t row = i / size_t(kernel.n), column = i % size_t(kernel.n);
  return kernel.yColumnMajor ? column * size_t(kernel.m) + row : i;
}

int launchWeightOnly(const Kernel &kernel, const unsigned grid[3], unsigned threads, void **args) {
  PreshuffledWeights weights;
  weights.bits = kernel.bits;
  weights.n = kernel.n;
  weights.k = kernel.k;
  int64_t groupsN = weights.nGroups();
  // Stream-K: up to one warp per (N group, prefetch iteration) item.
  int64_t items = groupsN * ((weights.kTiles() + kernel.prefetchTiles - 1) /
                             std::max<int64_t>(kernel.prefetchTiles, 1));
  bool fits = kernel.streamK ? grid[0] >= 1 &&
                                   grid[0] <= unsigned((items + kernel.warps - 1) / kernel.warps) &&
                                   grid[2] == 1
                             : grid[0] == unsigned((groupsN + kernel.warps - 1) / kernel.warps) &&
                                   grid[2] == unsigned(kernel.splitK);
  if (!fits || grid[1] != unsigned((kernel.m + kMmaM - 1) / kMmaM) ||
      threads != unsigned(kWarpSize * kernel.warps)) {
    std::fprintf(stderr, "emulated CUDA: launch grid (%u, %u, %u) x %u does not fit the kernel\n",
                 grid[0], grid[1], grid[2], threads);
    return kInvalidValue;
  }
  int argument = 0;
  void *x = args[argument++];
  const uint32_t *words = pointer<uint32_t>(args[argument++]);
  const uint16_t *scales = pointer<uint16_t>(args[argument++]);
  const uint16_t *offsets = kernel.asymmetric ? pointer<uint16_t>(args[argument++]) : nullptr;
  float *y = pointer<float>(args[argument++]);

  int64_t scaleGroups = kernel.group ? (kernel.k + kernel.group - 1) / kernel.group : 1;
  weights.words.assign(words, words + weights.wordCount());
  std::vector<uint16_t> scaleBits(scales, scales + kernel.n * scaleGroups);
  std::vector<int8_t> zeros;
  if (offsets) // offsets are 1024 + 2^(bits-1) + zero
    for (int64_t i = 0; i < kernel.n * scaleGroups; ++i)
      zeros.push_back(int8_t(floatFromHalf(offsets[i]) - 1024.0f - float(1 << (kernel.bits - 1))));
  TiledGemmOptions options;
  options.scaleAfterTiles = kernel.scaleAfterTiles;
  if (kernel.streamK) // the runs of the launch's warps
    options.streamK = StreamKSplit{int64_t(grid[0]) * kernel.warps, kernel.prefetchTiles};
  options.permutedK = kernel.permutedK;
  std::vector<uint16_t> a = halfActivations(kernel, x);
  if (kernel.splitPartials) { // each block's share of K into its slice, in any order
    for (long split = 0; split < kernel.splitK; ++split) {
      std::tie(options.kTileBegin, options.kTileEnd) = splitShare(
          weights.kTiles(), kernel.splitK, kernel.stageA ? 1 : kernel.prefetchTiles, split);
      std::vector<float> share =
          tiledGemm(a, kernel.m, weights, scaleBits, zeros, kernel.group, options);
      for (size_t i = 0; i < share.size(); ++i)
        y[size_t(split) * share.size() + outputIndex(kernel, i)] = share[i];
    }
    return kSuccess;
  }
  std::vector<float> product =
      tiledGemm(a, kernel.m, weights, scaleBits, zeros, kernel.group, options);
  for (size_t i = 0; i < product.size(); ++i) { // split-K and stream-K blocks add into y
    float &out = y[outputIndex(kernel, i)];
    out = kernel.splitK > 1 || kernel.streamK ? out + product[i] : product[i];
  }
  return kSuccess;
}

/// Whether a one-warp-per-tile launch (the fp16 and int8 GEMMs) fits.
bool warpPerTile(const Kernel &kernel, const unsigned grid[3], unsigned threads) {
  long tiles = kernel.nTilesPerWarp;
  if (grid[0] == unsigned(((kernel.n + kMmaN - 1) / kMmaN + tiles - 1) / tiles) &&
      grid[1] == unsigned((kernel.m + kMmaM - 1) / kMmaM) && grid[2] == unsigned(kernel.splitK) &&
      threads == unsigned(kWarpSize))
    return true;
  std::fprintf(stderr, "emulated CUDA: launch grid (%u, %u, %u) x %u does not fit the kernel\n",
               grid[0], grid[1], grid[2], threads);
  return false;
}

/// The int8 GEMM: y[m, n] (s32) = x[m, k] (s8) * W^T, through the C++
/// model of its fragments; scaled (_e0, bench/gpu's), y (f32) = that times
/// scales[n] (arguments x, words, scales, y).
int launchInteger(const Kernel &kernel, const unsigned grid[3], unsigned threads, void **args) {
  if (!warpPerTile(kernel, grid, threads))
    return kInvalidValue;
  PreshuffledInt8 weights;
  weights.n = kernel.n;
  weights.k = kernel.k;
  const uint32_t *words = pointer<uint32_t>(args[1]);
  weights.words.assign(words, words + weights.nTiles() * weights.kTiles() * kWarpSize * 2);
  const int8_t *x = pointer<int8_t>(args[0]);
  std::vector<int8_t> padded;
  if (kernel.codeColumns) { // rows of codeColumns codes, read as rows of k
    padded.assign(size_t(kernel.m * kernel.k), 0);
    for (long row = 0; row < kernel.m; ++row)
      std::copy_n(x + row * kernel.codeColumns, kernel.codeColumns,
                  padded.begin() + row * kernel.k);
    x = padded.data();
  }
  std::vector<int32_t> product = tiledGemmInt8(activations(kernel, x), kernel.m, weights);
  if (kernel.scaled) { // each block's share scaled before its atomic add: here the whole sum
    const float *scales = pointer<float>(args[2]);
    float *y = pointer<float>(args[3]);
    for (size_t i = 0; i < product.size(); ++i) {
      float &out = y[outputIndex(kernel, i)];
      out = (kernel.splitK > 1 ? out : 0.0f) + float(product[i]) * scales[i % size_t(kernel.n)];
    }
    return kSuccess;
  }
  int32_t *y = pointer<int32_t>(args[2]);
  for (size_t i = 0; i < product.size(); ++i) { // wrapping, as s32 atomics add
    int32_t &out = y[outputIndex(kernel, i)];
    out = int32_t(uint32_t(kernel.splitK > 1 ? out : 0) + uint32_t(product[i]));
  }
  return kSuccess;
}

/// The fp16 GEMM: y[m, n] = x[m, k] * W[n, k]^T, halves widened to f32.
int launchHalf(const Kernel &kernel, const unsigned grid[3], unsigned threads, void **args) {
  if (!warpPerTile(kernel, grid, threads))
    return kInvalidValue;
  const uint16_t *w = pointer<uint16_t>(args[1]);
  std::vector<uint16_t> x = halfActivations(kernel, args[0]);
  float *y = pointer<float>(args[2]);
  // _yp: each split-K block's share of K into its slice of y, else the
  // whole of K added as the blocks' atomics add (stored without split-K).
  long shares = kernel.splitPartials ? kernel.splitK : 1;
  for (long split = 0; split < shares; ++split) {
    auto [begin, end] = kernel.splitPartials ? splitShare(kernel.k / kMmaK, kernel.splitK, 1, split)
                                             : std::pair<int64_t, int64_t>{0, kernel.k / kMmaK};
    for (long row = 0; row < kernel.m; ++row)
      for (long column = 0; column < kernel.n; ++column) {
        float sum = 0.0f;
        for (long k = begin * kMmaK; k < end * kMmaK; ++k)
          sum += floatFromHalf(x[row * kernel.k + k]) * floatFromHalf(w[column * kernel.k + k]);
        size_t i = size_t(split * kernel.m * kernel.n) +
                   outputIndex(kernel, size_t(row * kernel.n + column));
        y[i] = kernel.splitK > 1 && !kernel.splitPartials ? y[i] + sum : sum;
      }
  }
  return kSuccess;
}

/// The stage kernel: rows of sourceColumns into rows of columns, zeros
/// past; f32 to f16 saturated to +-65504, NaN as 0x7e00 (the host's way).
int launchStage(const Kernel &kernel, const unsigned grid[3], unsigned threads, void **args) {
  long staged = kernel.rows * kernel.columns;
  if (grid[0] != unsigned((staged + 255) / 256) || grid[1] != 1 || grid[2] != 1 || threads != 256)
    return kInvalidValue;
  for (long i = 0; i < staged; ++i) {
    long row = i / kernel.columns, column = i % kernel.columns;
    bool present = column < kernel.sourceColumns;
    long from = row * kernel.sourceColumns + column;
    if (!kernel.halves) {
      pointer<int8_t>(args[1])[i] = present ? pointer<const int8_t>(args[0])[from] : 0;
      continue;
    }
    pointer<uint16_t>(args[1])[i] =
        stagedHalf(present ? pointer<const float>(args[0])[from] : 0.0f);
  }
  return kSuccess;
}

/// The most arguments a twin takes (kMaxKernelArguments in the compiler).
constexpr int kMaxTwinArguments = 64;

/// Calls `twin` with a[0], ..., a[N - 1] (N = sizeof...(I)).
template <size_t... I> void callTwin(void *twin, void *const *a, std::index_sequence<I...>) {
  using Twin = void (*)(decltype((void)I, static_cast<void *>(nullptr))...);
  reinterpret_cast<Twin>(twin)(a[I]...);
}

/// callTwin for each argument count, indexed by it.
template <size_t... N> constexpr auto twinCallers(std::index_sequence<N...>) {
  using Caller = void (*)(void *, void *const *);
  return std::array<Caller, sizeof...(N)>{
      [](void *twin, void *const *a) { callTwin(twin, a, std::make_index_sequence<N>()); }...};
}

/// A linalg kernel: its twin on the arguments' device buffers (bare
/// pointers, as artifacts pass memrefs).
int launchLinalg(const Kernel &kernel, void **args) {
  static constexpr auto callers = twinCallers(std::make_index_sequence<kMaxTwinArguments + 1>());
  void *a[kMaxTwinArguments] = {};
  for (int i = 0; i < kernel.arguments; ++i)
    a[i] = pointer<void>(args[i]);
  callers[size_t(kernel.arguments)](kernel.twin, a);
  return kSuccess;
}

/// For measuring the host's side of a GPU artifact (f16 conversion,
/// staging, copies): kernels return at once, their outputs unwritten.
bool skipKernels() {
  static const bool skip = std::getenv("QUANTC_EMULATED_CUDA_SKIP_KERNELS") != nullptr;
  return skip;
}

/// How many arguments (device addresses) `kernel` takes.
int argumentCount(const Kernel &kernel) {
  switch (kernel.kind) {
  case Kernel::WeightOnly:
    return kernel.asymmetric ? 5 : 4;
  case Kernel::Half:
  case Kernel::Integer:
    return 3;
  case Kernel::Stage:
  case Kernel::Copy:
    return 2;
  case Kernel::Linalg:
    return kernel.arguments;
  }
  return 0;
}

/// Device work a capture recorded: a launch (its arguments' values), a
/// memset (`addresses` {buffer}) or a device copy ({to, from}).
struct Operation {
  enum { Launch, Memset, Copy } kind;
  const Kernel *kernel;
  unsigned grid[3], threads;
  std::vector<uint64_t> addresses;
  size_t bytes;
};

struct Stream {
  bool capturing = false;
  bool invalidated = false; // other device work ran during the capture
  std::vector<Operation> captured;
};

struct Graph {
  std::vector<Operation> operations;
};

/// The stream under capture, if any: the driver fails other device work
/// meanwhile (the legacy stream would have to wait for the captured work,
/// which does not run).
Stream *capturing = nullptr;

/// kCaptureUnsupported (and the capture invalidated) when device work
/// other than the captured stream's is issued during a capture.
int outsideCapture() {
  if (!capturing)
    return kSuccess;
  capturing->invalidated = true;
  return kCaptureUnsupported;
}

bool tracing() {
  static const bool trace = std::getenv("QUANTC_EMULATED_CUDA_TRACE") != nullptr;
  return trace;
}

/// A linalg kernel's twin in the artifact, and its argument count.
bool findTwin(const Module &module, const char *name, Kernel &kernel) {
  if (!module.artifact)
    return false;
  for (int arguments = 1; arguments <= kMaxTwinArguments; ++arguments) {
    std::string symbol = "quantc_gpu_twin" + std::to_string(arguments) + "_" + name;
    if (void *twin = dlsym(module.artifact, symbol.c_str())) {
      kernel.twin = twin;
      kernel.arguments = arguments;
      return true;
    }
  }
  std::fprintf(stderr,
               "emulated CUDA: no host twin of %s in the artifact (build it with "
               "QUANTC_GPU_HOST_TWINS=1)\n",
               name);
  return false;
}

} // namespace

extern "C" {

int cuGetErrorString(int result, const char **message) {
  *message = result == kCaptureUnsupported
                 ? "operation not permitted when stream is capturing (emulated)"
             : result == kCaptureInvalidated
                 ? "operation failed due to a previous error during capture (emulated)"
             : result == kInvalidImage      ? "invalid image (emulated)"
             : result == kNotFound          ? "named symbol not found (emulated)"
             : result == kIllegalAddress    ? "an illegal memory access was encountered (emulated)"
             : result == kMisalignedAddress ? "misaligned address (emulated)"
                                            : "invalid value (emulated)";
  return kSuccess;
}
int cuInit(unsigned) { return kSuccess; }
int cuDeviceGetCount(int *count) { return *count = 1, kSuccess; }
int cuDeviceGet(int *device, int) { return *device = 0, kSuccess; }
int cuDeviceGetName(char *name, int size, int) {
  std::snprintf(name, size_t(size), "quantc emulated GPU");
  return kSuccess;
}
int cuDevicePrimaryCtxRetain(void **context, int) {
  static int primary;
  return *context = &primary, kSuccess;
}
int cuDevicePrimaryCtxRelease_v2(int) { return kSuccess; }
int cuCtxSetCurrent(void *) { return kSuccess; }
int cuCtxSynchronize() { return kSuccess; }
int cuDeviceGetAttribute(int *value, int attribute, int) {
  if (attribute != 16) // CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT
    return kInvalidValue;
  return *value = 4, kSuccess;
}
int cuOccupancyMaxActiveBlocksPerMultiprocessor(int *blocks, void *, int threads, size_t) {
  if (threads < 1 || threads > 1024)
    return kInvalidValue;
  return *blocks = 2, kSuccess;
}

int cuModuleLoadData(void **module, const void *image) {
  auto *bytes = static_cast<const unsigned char *>(image);
  size_t size = 0;
  if (!imageSize(bytes, size))
    return kInvalidImage;
  // The library the image is in (an artifact), where linalg kernels' twins are.
  Dl_info info;
  void *artifact = dladdr(image, &info) && info.dli_fname
                       ? dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD)
                       : nullptr;
  *module = new Module{bytes, size, artifact, {}};
  return kSuccess;
}

int cuModuleUnload(void *module) {
  if (void *artifact = static_cast<Module *>(module)->artifact)
    dlclose(artifact);
  delete static_cast<Module *>(module);
  return kSuccess;
}

int cuModuleGetFunction(void **function, void *module, const char *name) {
  Kernel kernel{};
  int exact = 0;
  char stageKind = 0;
  auto &kernels = static_cast<Module *>(module)->kernels;
  kernel.name = name;
  auto give = [&] {
    kernels.push_back(std::make_unique<Kernel>(kernel));
    *function = kernels.back().get();
    return kSuccess;
  };
  if (!contains(*static_cast<Module *>(module), name))
    return kNotFound;
  if (std::sscanf(name, "qc_stage_%c_r%ld_c%ld_k%ld", &stageKind, &kernel.rows,
                  &kernel.sourceColumns, &kernel.columns) == 4) {
    kernel.kind = Kernel::Stage;
    kernel.halves = stageKind == 'h';
    return give();
  }
  if (std::strcmp(name, "qc_copy") == 0) { // bench/gpu's bandwidth probe
    kernel.kind = Kernel::Copy;
    return give();
  }
  if (std::strncmp(name, "qc_la_", 6) == 0) {
    kernel.kind = Kernel::Linalg;
    // Timing the host side alone needs no twin: the kernels do not run.
    return skipKernels() || findTwin(*static_cast<Module *>(module), name, kernel) ? give()
                                                                                   : kNotFound;
  }
  if (std::sscanf(name, "qc_f16_m%ld_n%ld_k%ld_s%ld", &kernel.m, &kernel.n, &kernel.k,
                  &kernel.splitK) == 4) {
    kernel.kind = Kernel::Half;
    kernel.xTransposed = std::strstr(name, "_t1") != nullptr;
  } else if (std::sscanf(name, "qc_i8_m%ld_n%ld_k%ld_s%ld_e%d", &kernel.m, &kernel.n, &kernel.k,
                         &kernel.splitK, &exact) == 5) {
    kernel.kind = Kernel::Integer;
    kernel.scaled = !exact;
  } else
    kernel.kind = Kernel::WeightOnly;
  if ((kernel.kind == Kernel::WeightOnly &&
       std::sscanf(name, "qc_wo_b%u_g%ld_a%d_m%ld_n%ld_k%ld_s%ld_w%ld_t%d", &kernel.bits,
                   &kernel.group, &kernel.asymmetric, &kernel.m, &kernel.n, &kernel.k,
                   &kernel.splitK, &kernel.warps, &kernel.stageA) != 9))
    return kNotFound;
  // _ntT: an fp16 or int8 GEMM's T N tiles a warp.
  const char *tiles = std::strstr(name, "_nt");
  kernel.nTilesPerWarp = 1;
  if (kernel.kind != Kernel::WeightOnly && tiles &&
      std::sscanf(tiles, "_nt%ld", &kernel.nTilesPerWarp) != 1)
    return kNotFound;
  // _xfN: an f32 x of N columns (a convolution's _xf, after _ic, is its input's).
  const char *floats = std::strstr(name, "_xf");
  kernel.floatK = 0;
  if (kernel.kind != Kernel::Integer && floats && !std::strstr(name, "_ic") &&
      std::sscanf(floats, "_xf%ld", &kernel.floatK) != 1)
    return kNotFound;
  const char *codes = std::strstr(name, "_xb"); // int8 rows shorter than k
  kernel.codeColumns = 0;
  if (kernel.kind == Kernel::Integer && codes &&
      std::sscanf(codes, "_xb%ld", &kernel.codeColumns) != 1)
    return kNotFound;
  kernel.yColumnMajor = kernel.xTransposed || std::strstr(name, "_yt") != nullptr;
  const char *prefetch = std::strstr(name, "_p");
  if (kernel.kind == Kernel::WeightOnly &&
      (!prefetch || std::sscanf(prefetch, "_p%ld", &kernel.prefetchTiles) != 1))
    return kNotFound;
  if (kernel.kind == Kernel::WeightOnly && std::strstr(name, "_sa"))
    kernel.scaleAfterTiles = kernel.prefetchTiles;
  kernel.streamK = kernel.kind == Kernel::WeightOnly && std::strstr(name, "_sk");
  kernel.splitPartials = kernel.kind != Kernel::Integer && std::strstr(name, "_yp");
  kernel.permutedK = kernel.kind == Kernel::WeightOnly && std::strstr(name, "_kp");
  if (const char *conv = std::strstr(name, "_ic")) {
    ImplicitConv &c = kernel.conv;
    kernel.implicit = true;
    if (std::sscanf(conv, "_ic%ldx%ldx%ld_r%ldx%ld_s%ldx%ld_d%ldx%ld", &c.channels, &c.height,
                    &c.width, &c.kernelH, &c.kernelW, &c.strideH, &c.strideW, &c.dilationH,
                    &c.dilationW) != 9)
      return kNotFound;
    if (const char *pad = std::strstr(conv, "_pad");
        pad && std::sscanf(pad, "_pad%ldx%ldx%ldx%ld", &c.padTop, &c.padLeft, &c.padBottom,
                           &c.padRight) != 4)
      return kNotFound;
    if (const char *value = std::strstr(conv, "_pv")) {
      bool negative = value[3] == 'm';
      if (std::sscanf(value + 3 + negative, "%ld", &c.padValue) != 1)
        return kNotFound;
      c.padValue = negative ? -c.padValue : c.padValue;
    }
    c.floatInput = std::strstr(conv, "_xf") != nullptr;
  }
  return give();
}

int cuMemAlloc_v2(uint64_t *buffer, size_t bytes) {
  if (int refused = outsideCapture())
    return refused;
  void *memory = std::aligned_alloc(256, (bytes + 255) / 256 * 256);
  if (!memory)
    return 2; // out of memory
  return *buffer = address(memory), kSuccess;
}
int cuMemFree_v2(uint64_t buffer) {
  if (int refused = outsideCapture())
    return refused;
  return std::free(reinterpret_cast<void *>(buffer)), kSuccess;
}
int cuMemcpyHtoD_v2(uint64_t to, const void *from, size_t bytes) {
  if (int refused = outsideCapture())
    return refused;
  return std::memcpy(reinterpret_cast<void *>(to), from, bytes), kSuccess;
}
int cuMemcpyDtoH_v2(void *to, uint64_t from, size_t bytes) {
  if (int refused = outsideCapture())
    return refused;
  // QUANTC_EMULATED_CUDA_FAULT: a queued kernel's fault, which the next
  // download reports (CUDA_ERROR_ILLEGAL_ADDRESS).
  static const bool fault = std::getenv("QUANTC_EMULATED_CUDA_FAULT") != nullptr;
  if (fault)
    return kIllegalAddress;
  return std::memcpy(to, reinterpret_cast<const void *>(from), bytes), kSuccess;
}

namespace {

int copyNow(uint64_t to, uint64_t from, size_t bytes) {
  return std::memcpy(reinterpret_cast<void *>(to), reinterpret_cast<const void *>(from), bytes),
         kSuccess;
}
int setNow(uint64_t buffer, unsigned char value, size_t bytes) {
  return std::memset(reinterpret_cast<void *>(buffer), value, bytes), kSuccess;
}

/// The capturing stream `stream` names, or null (run the work now).
Stream *capturedBy(void *stream) {
  auto *s = static_cast<Stream *>(stream);
  return s && s->capturing ? s : nullptr;
}

int launchNow(const Kernel &kernel, const unsigned grid[3], unsigned blockX, void **args) {
  if (tracing()) // the launches in order, for tests and for counting a model's kernels
    std::fprintf(stderr, "launch %s grid %u,%u,%u block %u\n", kernel.name.c_str(), grid[0],
                 grid[1], grid[2], blockX);
  // A device faults on a load from an address its width does not divide
  // (a view's offset into its producer, read in place).
  if (uint64_t alignment = xAlignment(kernel);
      alignment > 1 && *static_cast<uint64_t *>(args[0]) % alignment) {
    std::fprintf(stderr, "emulated CUDA: %s reads x at an address not %llu-byte aligned\n",
                 kernel.name.c_str(), static_cast<unsigned long long>(alignment));
    return kMisalignedAddress;
  }
  if (skipKernels())
    return kSuccess;
  switch (kernel.kind) {
  case Kernel::Half: return launchHalf(kernel, grid, blockX, args);
  case Kernel::Integer: return launchInteger(kernel, grid, blockX, args);
  case Kernel::Stage:
    return launchStage(kernel, grid, blockX, args);
  case Kernel::Linalg:
    return launchLinalg(kernel, args);
  case Kernel::Copy: // 16 bytes a thread
    return std::memcpy(pointer<char>(args[1]), pointer<char>(args[0]),
                       size_t(grid[0]) * blockX * 16),
           kSuccess;
  default: return launchWeightOnly(kernel, grid, blockX, args);
  }
}

int replay(const Operation &op) {
  switch (op.kind) {
  case Operation::Memset:
    return setNow(op.addresses[0], 0, op.bytes);
  case Operation::Copy:
    return copyNow(op.addresses[0], op.addresses[1], op.bytes);
  case Operation::Launch: {
    std::vector<uint64_t> values = op.addresses;
    std::vector<void *> args;
    for (uint64_t &value : values)
      args.push_back(&value);
    return launchNow(*op.kernel, op.grid, op.threads, args.data());
  }
  }
  return kInvalidValue;
}

} // namespace

int cuMemcpyDtoD_v2(uint64_t to, uint64_t from, size_t bytes) {
  if (int refused = outsideCapture())
    return refused;
  return copyNow(to, from, bytes);
}
int cuMemcpyDtoDAsync_v2(uint64_t to, uint64_t from, size_t bytes, void *stream) {
  if (Stream *s = capturedBy(stream))
    return s->captured.push_back({Operation::Copy, nullptr, {}, 0, {to, from}, bytes}), kSuccess;
  if (int refused = outsideCapture())
    return refused;
  return copyNow(to, from, bytes);
}
int cuMemsetD8_v2(uint64_t buffer, unsigned char value, size_t bytes) {
  if (int refused = outsideCapture())
    return refused;
  return setNow(buffer, value, bytes);
}
int cuMemsetD8Async(uint64_t buffer, unsigned char value, size_t bytes, void *stream) {
  if (Stream *s = capturedBy(stream)) {
    if (value != 0) // what quantc zeroes with; a replay sets zeros
      return kInvalidValue;
    return s->captured.push_back({Operation::Memset, nullptr, {}, 0, {buffer}, bytes}), kSuccess;
  }
  if (int refused = outsideCapture())
    return refused;
  return setNow(buffer, value, bytes);
}

int cuLaunchKernel(void *function, unsigned gridX, unsigned gridY, unsigned gridZ, unsigned blockX,
                   unsigned blockY, unsigned blockZ, unsigned, void *stream, void **args, void **) {
  if (blockY != 1 || blockZ != 1)
    return kInvalidValue;
  const unsigned grid[3] = {gridX, gridY, gridZ};
  const Kernel &kernel = *static_cast<Kernel *>(function);
  if (Stream *s = capturedBy(stream)) { // the arguments' values, as a graph node keeps them
    Operation op{Operation::Launch, &kernel, {gridX, gridY, gridZ}, blockX, {}, 0};
    for (int i = 0; i < argumentCount(kernel); ++i)
      op.addresses.push_back(*static_cast<uint64_t *>(args[i]));
    return s->captured.push_back(std::move(op)), kSuccess;
  }
  if (int refused = outsideCapture())
    return refused;
  return launchNow(kernel, grid, blockX, args);
}

int cuStreamCreate(void **stream, unsigned) { return *stream = new Stream, kSuccess; }
int cuStreamDestroy_v2(void *stream) {
  auto *s = static_cast<Stream *>(stream);
  if (capturing == s)
    capturing = nullptr;
  return delete s, kSuccess;
}
int cuStreamBeginCapture_v2(void *stream, int) {
  auto *s = static_cast<Stream *>(stream);
  if (!s || capturing)
    return kInvalidValue; // the legacy stream cannot capture; one capture at a time here
  s->capturing = true;
  s->invalidated = false;
  s->captured.clear();
  capturing = s;
  return kSuccess;
}
int cuStreamEndCapture(void *stream, void **graph) {
  auto *s = static_cast<Stream *>(stream);
  if (!s || !s->capturing)
    return kInvalidValue;
  s->capturing = false;
  capturing = nullptr;
  // QUANTC_EMULATED_CUDA_CAPTURE_FAULT: a capture that fails (a driver's
  // refusal), for tests of the runtime's way back to single launches.
  static const bool fault = std::getenv("QUANTC_EMULATED_CUDA_CAPTURE_FAULT") != nullptr;
  if (s->invalidated || fault)
    return *graph = nullptr, kCaptureInvalidated;
  if (tracing())
    std::fprintf(stderr, "graph captured: %zu operations\n", s->captured.size());
  return *graph = new Graph{std::move(s->captured)}, kSuccess;
}
int cuGraphInstantiateWithFlags(void **exec, void *graph, unsigned long long) {
  if (!graph)
    return kInvalidValue;
  return *exec = new Graph(*static_cast<Graph *>(graph)), kSuccess;
}
int cuGraphLaunch(void *exec, void *stream) {
  if (!exec || capturedBy(stream))
    return kInvalidValue;
  if (int refused = outsideCapture())
    return refused;
  const Graph &graph = *static_cast<Graph *>(exec);
  if (tracing())
    std::fprintf(stderr, "graph launch: %zu operations\n", graph.operations.size());
  for (const Operation &op : graph.operations)
    if (int result = replay(op))
      return result;
  return kSuccess;
}
int cuGraphExecDestroy(void *exec) { return delete static_cast<Graph *>(exec), kSuccess; }
int cuGraphDestroy(void *graph) { return delete static_cast<Graph *>(graph), kSuccess; }

int cuEventCreate(void **event, unsigned) {
  static int events;
  return *event = &events, kSuccess;
}
int cuEventRecord(void *, void *) { return kSuccess; }
int cuEventSynchronize(void *) { return kSuccess; }
int cuEventElapsedTime_v2(float *milliseconds, void *, void *) {
  return *milliseconds = 0.0f, kSuccess;
}
int cuEventDestroy_v2(void *) { return kSuccess; }

} // extern "C"
