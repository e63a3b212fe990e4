/* What GPU artifacts (--target sm_80, sm_90, cuda) call from their host
 * code: the device opened and the embedded image (fatbin: cubin + PTX, or
 * PTX alone) loaded at the first launch, each layer's weights uploaded once,
 * and per launch the kernel run on its inputs and outputs.
 *
 * Activations live on the device under the host buffers the host code
 * names them by (mirror_of): a layer's output stays there, and a later
 * layer that the compiler marks as reading it there (resident) does so;
 * an output is downloaded only when a host op reads it, and a host value
 * uploaded only when a GPU layer reads it. A GEMM's x that comes from the
 * host is converted to f16 there; one that is resident is staged on the
 * device by the compiler's stage kernel.
 *
 * Launches are serialized (one device, one stream) and queued without
 * waiting (a download waits for what it reads); the runs between host
 * copies are replayed as CUDA graphs once known (quantc_gpu_runs.h;
 * QUANTC_GPU_GRAPHS=0: never). Failures go to quantc_fail_call, and the
 * rest of the call skips its GPU work. QUANTC_GPU_PROFILE=1 prints
 * launches and time spent in them at exit, so that the host fallback's
 * share is visible; it waits for each kernel launched on its own, and for
 * each graph. QUANTC_GPU_PROFILE=kernels times each kernel on the device
 * instead (graphs off) and prints them by kernel. */
#include "quantc/Runtime/quantc_cuda.h"
#include "quantc/Runtime/quantc_halves.h"
#include "quantc/Runtime/quantc_runtime.h"
#include "quantc_gpu_runs.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Defined by the artifact (convert-qkernel-to-gpu); the kernels' ONNX
 * nodes by artifacts of quantc since graphs (weak: older ones lack it). */
extern const unsigned char quantc_gpu_image[];
extern const int64_t quantc_gpu_image_size[];
extern const char quantc_gpu_kernel_nodes[] __attribute__((weak));

typedef struct {
  const void *host;
  quantc_cuda_buffer device;
} uploaded_buffer;

typedef struct {
  const char *name; /* the artifact's constant string */
  void *function;
  int resident_blocks; /* blocks the device runs at once (stream-K); 0: not asked yet */
} loaded_kernel;

/* The device buffer standing for a host buffer's activation. */
typedef struct {
  const void *host;
  quantc_cuda_buffer device;
  size_t bytes;     /* its capacity */
  size_t value;     /* the bytes last written: the value it holds */
  uint64_t written; /* when (mirror_clock) */
} mirrored_buffer;

static pthread_mutex_t gpu_lock = PTHREAD_MUTEX_INITIALIZER;
static int gpu_state; /* 0: not opened, 1: ready, -1: failed (gpu_error says why) */
static char gpu_error[512];
static quantc_cuda *gpu;
static void *gpu_module;
static uploaded_buffer *uploads;
static size_t upload_count, upload_capacity;
static loaded_kernel *kernels;
static size_t kernel_count, kernel_capacity;
static mirrored_buffer *mirrors;
static size_t mirror_count, mirror_capacity;
static uint64_t mirror_clock;
/* Staging: x as halves (or int8 rows) on both sides. */
static uint16_t *x_host;
static size_t x_host_capacity, x_bytes_capacity;
static int8_t *x_bytes; /* int8 x, rows padded */
static quantc_cuda_buffer x_device;
static size_t x_device_capacity;
/* QUANTC_GPU_PROFILE */
static int profile;
/* Calls of the quantc_gpu_* launches, and the kernels they ran (a GEMM's
 * stage kernel is a second kernel of its launch); the memsets that zero a
 * split-K or stream-K GEMM's y before its blocks add into it. */
static long launches, kernel_runs, stage_runs, memsets;
static double launch_seconds;
/* Where launch_seconds goes: x to f16 (or int8 rows) on the host, uploads
 * (x, and each layer's weights at its first call), kernels (launch to
 * synchronize), downloads of y. */
static double staging_seconds, upload_seconds, kernel_seconds, download_seconds;

static double now_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void print_profile(void) {
  long graph_launches, graph_operations;
  const char *graphs_off;
  quantc_gpu_runs_counts(&graph_launches, &graph_operations, &graphs_off);
  fprintf(stderr,
          "quantc GPU: %ld launches, %ld kernels (%ld staging x), %ld memsets, %.3f ms in them "
          "(f16 conversion and copies included): staging %.3f, uploads %.3f, kernels %.3f, "
          "downloads %.3f ms; graphs ",
          launches, kernel_runs, stage_runs, memsets, 1e3 * launch_seconds, 1e3 * staging_seconds,
          1e3 * upload_seconds, 1e3 * kernel_seconds, 1e3 * download_seconds);
  if (*graphs_off)
    fprintf(stderr, "%s\n", graphs_off);
  else
    fprintf(stderr, "%ld launched (%ld operations)\n", graph_launches, graph_operations);
  quantc_gpu_runs_print_kernels(stderr, quantc_gpu_kernel_nodes);
}

/* When the artifact is unloaded (dlclose, or the process's end): the device
 * buffers, the staging memory and the driver go back. */
__attribute__((destructor)) static void release_device(void) {
  if (gpu) {
    quantc_gpu_runs_close(); /* what is pending never runs */
    for (size_t i = 0; i < upload_count; ++i)
      quantc_cuda_free(gpu, uploads[i].device);
    for (size_t i = 0; i < mirror_count; ++i)
      quantc_cuda_free(gpu, mirrors[i].device);
    quantc_cuda_free(gpu, x_device);
    quantc_cuda_unload(gpu, gpu_module);
    quantc_cuda_close(gpu);
  }
  free(uploads);
  free(mirrors);
  free(kernels);
  free(x_host);
  free(x_bytes);
}

static int open_device(void) {
  char name[128] = "";
  if (quantc_cuda_open(0, &gpu, name, sizeof name, gpu_error, sizeof gpu_error))
    return -1;
  if (quantc_cuda_load(gpu, quantc_gpu_image, &gpu_module, gpu_error, sizeof gpu_error)) {
    char detail[sizeof gpu_error];
    snprintf(detail, sizeof detail, "%s", gpu_error);
    snprintf(gpu_error, sizeof gpu_error,
             "the artifact's GPU code (%lld bytes) does not load on %s: %s (was it compiled "
             "for this GPU's --target?)",
             (long long)quantc_gpu_image_size[0], name, detail);
    return -1;
  }
  const char *flag = getenv("QUANTC_GPU_PROFILE");
  profile = flag && *flag && strcmp(flag, "0") != 0;
  if (profile)
    atexit(print_profile);
  const char *graphs = getenv("QUANTC_GPU_GRAPHS");
  quantc_gpu_runs_open(gpu, !(graphs && !strcmp(graphs, "0")),
                       !profile                  ? QUANTC_GPU_RUNS_UNWATCHED
                       : strcmp(flag, "kernels") ? QUANTC_GPU_RUNS_WAIT
                                                 : QUANTC_GPU_RUNS_TIME_EACH);
  return 0;
}

/* Room for `needed` elements in *array. */
static int reserve(void **array, size_t *capacity, size_t needed, size_t element) {
  if (!quantc_gpu_reserve(array, capacity, needed, element))
    return 0;
  snprintf(gpu_error, sizeof gpu_error, "out of host memory");
  return -1;
}

static void *kernel_named(const char *name) {
  for (size_t i = 0; i < kernel_count; ++i)
    if (kernels[i].name == name)
      return kernels[i].function;
  void *function = NULL;
  if (quantc_cuda_function(gpu, gpu_module, name, &function, gpu_error, sizeof gpu_error) ||
      reserve((void **)&kernels, &kernel_capacity, kernel_count + 1, sizeof *kernels))
    return NULL;
  kernels[kernel_count].name = name;
  kernels[kernel_count].resident_blocks = 0;
  kernels[kernel_count++].function = function;
  return function;
}

/* How many blocks of `threads` threads of the loaded kernel `function` the
 * device runs at once, asked once per kernel; 0 on a failure (reported). */
static int resident_blocks(void *function, int64_t threads) {
  for (size_t i = 0; i < kernel_count; ++i)
    if (kernels[i].function == function) {
      if (!kernels[i].resident_blocks &&
          quantc_cuda_resident_blocks(gpu, function, (unsigned)threads, &kernels[i].resident_blocks,
                                      gpu_error, sizeof gpu_error))
        return 0;
      return kernels[i].resident_blocks;
    }
  snprintf(gpu_error, sizeof gpu_error, "a kernel that was never loaded");
  return 0;
}

/* The device work queued so far run (a graph, or launches one by one),
 * its time the kernels' in the profile. */
static int run_queued(void) {
  double start = now_seconds();
  int failed = quantc_gpu_runs_flush(gpu_error, sizeof gpu_error);
  kernel_seconds += now_seconds() - start;
  return failed;
}

/* `bytes` of host memory copied to the device, counted in the profile;
 * the device work queued before it first (it may read what is
 * overwritten). */
static int upload(quantc_cuda_buffer to, const void *host, size_t bytes) {
  if (run_queued())
    return -1;
  double start = now_seconds();
  int failed = quantc_cuda_upload(gpu, to, host, bytes, gpu_error, sizeof gpu_error);
  upload_seconds += now_seconds() - start;
  return failed;
}

/* The device copy of constant host data (weights), uploaded at first use. */
static quantc_cuda_buffer device_copy(const void *host, size_t bytes) {
  for (size_t i = 0; i < upload_count; ++i)
    if (uploads[i].host == host)
      return uploads[i].device;
  quantc_cuda_buffer buffer = 0;
  if (quantc_cuda_alloc(gpu, bytes, &buffer, gpu_error, sizeof gpu_error))
    return 0;
  if (upload(buffer, host, bytes) ||
      reserve((void **)&uploads, &upload_capacity, upload_count + 1, sizeof *uploads)) {
    quantc_cuda_free(gpu, buffer);
    return 0;
  }
  uploads[upload_count].host = host;
  uploads[upload_count++].device = buffer;
  return buffer;
}

static int ensure_device_buffer(quantc_cuda_buffer *buffer, size_t *capacity, size_t bytes) {
  if (bytes <= *capacity)
    return 0;
  /* What is queued may use the old buffer. */
  if (*buffer && run_queued())
    return -1;
  quantc_cuda_free(gpu, *buffer);
  *buffer = 0;
  *capacity = 0;
  if (quantc_cuda_alloc(gpu, bytes, buffer, gpu_error, sizeof gpu_error))
    return -1;
  *capacity = bytes;
  return 0;
}

/* The device buffer standing for host buffer `host`, at least `bytes` long,
 * about to be written (what it held is kept unless it had to grow: then it
 * was a dead value). */
static quantc_cuda_buffer mirror_of(const void *host, size_t bytes) {
  size_t i = 0;
  while (i < mirror_count && mirrors[i].host != host)
    ++i;
  if (i == mirror_count) {
    if (reserve((void **)&mirrors, &mirror_capacity, mirror_count + 1, sizeof *mirrors))
      return 0;
    mirrors[mirror_count].host = host;
    mirrors[mirror_count].device = 0;
    mirrors[mirror_count++].bytes = 0;
  }
  if (ensure_device_buffer(&mirrors[i].device, &mirrors[i].bytes, bytes))
    return 0;
  mirrors[i].value = bytes;
  mirrors[i].written = ++mirror_clock;
  return mirrors[i].device;
}

/* A resident input: what an earlier GPU layer wrote for host buffer
 * `host`, or for a buffer that holds it at an offset (a slice: q, k and v
 * of one projection). Of the device copies that cover it, the one written
 * last: any older one at an overlapping address held a value that was
 * dead when the newer one's buffer was allocated. */
static quantc_cuda_buffer resident(const void *host, size_t bytes) {
  const char *start = (const char *)host;
  size_t best = mirror_count;
  for (size_t i = 0; i < mirror_count; ++i) {
    const char *from = (const char *)mirrors[i].host;
    if (from <= start && start + bytes <= from + mirrors[i].value &&
        (best == mirror_count || mirrors[i].written > mirrors[best].written))
      best = i;
  }
  if (best < mirror_count)
    return mirrors[best].device + (quantc_cuda_buffer)(start - (const char *)mirrors[best].host);
  snprintf(gpu_error, sizeof gpu_error,
           "no device copy of a %zu-byte activation that the compiler placed on the device", bytes);
  return 0;
}

/* Host buffer `host` uploaded into its device copy. */
static quantc_cuda_buffer upload_mirror(const void *host, size_t bytes) {
  quantc_cuda_buffer buffer = mirror_of(host, bytes);
  return buffer && !upload(buffer, host, bytes) ? buffer : 0;
}

static int download(void *host, quantc_cuda_buffer buffer, size_t bytes) {
  if (run_queued())
    return -1;
  double start = now_seconds();
  int failed = quantc_cuda_download(gpu, host, buffer, bytes, gpu_error, sizeof gpu_error);
  download_seconds += now_seconds() - start;
  /* Launches are queued: a kernel's failure shows at the download after
   * it, which may be a later layer's. */
  if (failed && !profile) {
    size_t used = strlen(gpu_error);
    snprintf(gpu_error + used, sizeof gpu_error - used,
             " (any kernel queued since the last download may have failed: "
             "QUANTC_GPU_PROFILE=1 waits for each, naming the one)");
  }
  return failed;
}

/* Runs kernel `name` (`function`) on `count` device addresses: queued,
 * the next upload or download runs it (in a graph once its run is
 * known). */
static int run_kernel(const char *name, void *function, const unsigned blocks[3],
                      const unsigned block[3], void **args, int count) {
  ++kernel_runs;
  return quantc_gpu_runs_kernel(name, function, blocks, block, args, count, gpu_error,
                                sizeof gpu_error);
}

static void fail_launch(const char *kernel) {
  char message[sizeof gpu_error + 160];
  snprintf(message, sizeof message, "GPU layer %s: %s", kernel, gpu_error);
  quantc_fail_call(message);
}

void quantc_gpu_begin_call(void) { quantc_clear_call_error(); }

/* Opens the device at the first call; 0, or -1 after reporting why. Call
 * with gpu_lock held. */
static int ready(void) {
  if (gpu_state == 0)
    gpu_state = open_device() ? -1 : 1;
  if (gpu_state > 0)
    return 0;
  quantc_fail_call(gpu_error);
  return -1;
}

/* Uploads the staged x (`bytes` at `staged`) to x_device; staging began at
 * `start`. */
static int upload_staged(const void *staged, size_t bytes, double start) {
  staging_seconds += now_seconds() - start;
  return upload(x_device, staged, bytes);
}

/* x as halves in x_host, [m, k] with zero-padded rows from x[m, x_columns]
 * (m = 1: a buffer of x_columns elements, then zeros to k), uploaded. */
static int stage_x(const float *x, int64_t m, int64_t k, int64_t x_columns) {
  size_t count = (size_t)(m * k);
  if (reserve((void **)&x_host, &x_host_capacity, count, sizeof *x_host) ||
      ensure_device_buffer(&x_device, &x_device_capacity, count * 2))
    return -1;
  double start = now_seconds();
  for (int64_t row = 0; row < m; ++row) {
    uint16_t *to = x_host + row * k;
    quantc_halves_from_floats(x + row * x_columns, to, x_columns);
    memset(to + x_columns, 0, (size_t)(k - x_columns) * sizeof *to);
  }
  return upload_staged(x_host, count * 2, start);
}

/* x's int8 rows padded with zeros from x_columns to k, uploaded. */
static int stage_x_bytes(const int8_t *x, int64_t m, int64_t k, int64_t x_columns) {
  size_t count = (size_t)(m * k);
  if (reserve((void **)&x_bytes, &x_bytes_capacity, count, 1) ||
      ensure_device_buffer(&x_device, &x_device_capacity, count))
    return -1;
  double start = now_seconds();
  for (int64_t row = 0; row < m; ++row) {
    memcpy(x_bytes + row * k, x + row * x_columns, (size_t)x_columns);
    memset(x_bytes + row * k + x_columns, 0, (size_t)(k - x_columns));
  }
  return upload_staged(x_bytes, count, start);
}

/* x resident on the device (`x_bytes_in` bytes), for a GEMM launch whose
 * stage kernel is `stage`: "in_place" when the GEMM's kernel reads x as it is
 * (int8 codes, padded to k as it reads them or not; an f32 x, staged
 * element by element as it is loaded), then *x_read is x's device copy;
 * else the compiler's kernel `stage` (f32 to f16, or int8 rows, padded
 * with zeros; 256 threads a block, one a staged element) stages it into
 * x_device (`staged_bytes`), and *x_read stays 0. */
static int device_x(const char *stage, const void *x, size_t x_bytes_in, size_t staged_bytes,
                    int64_t staged_elements, quantc_cuda_buffer *x_read) {
  if (!strcmp(stage, "in_place"))
    return (*x_read = resident(x, x_bytes_in)) ? 0 : -1;
  double start = now_seconds();
  void *function = kernel_named(stage);
  quantc_cuda_buffer source = function ? resident(x, x_bytes_in) : 0;
  if (!source || ensure_device_buffer(&x_device, &x_device_capacity, staged_bytes))
    return -1;
  void *args[2] = {&source, &x_device};
  const unsigned blocks[3] = {(unsigned)((staged_elements + 255) / 256), 1, 1};
  const unsigned block[3] = {256, 1, 1};
  ++stage_runs;
  int failed = run_kernel(stage, function, blocks, block, args, 2);
  staging_seconds += now_seconds() - start;
  return failed;
}

/* Runs `function` on x_device (staged) and the weights' `args`, y[m, n] (4
 * bytes an element: f32 or s32) into y's device copy (zeroed first under
 * split-K), downloaded when a host op reads it. grid[2] == 0: stream-K, at
 * most grid[0] blocks along x, as many as the device runs at once, and y
 * zeroed first. y_slices > 1: split-K's partial sums, y_slices slices of
 * [m, n] that the blocks store whole (nothing zeroed) and a kernel after
 * adds in order. */
static int launch_and_fetch(const char *kernel, void *function, void **args, int count, void *y,
                            int64_t m, int64_t n, int64_t y_slices, const int64_t grid[3],
                            int64_t threads, int64_t y_download) {
  size_t y_bytes = (size_t)(y_slices * m * n) * sizeof(float);
  quantc_cuda_buffer y_device = mirror_of(y, y_bytes);
  if (!y_device)
    return -1;
  args[count++] = &y_device;
  int64_t blocks_x = grid[0];
  if (grid[2] == 0) {
    int room = resident_blocks(function, threads);
    if (!room)
      return -1;
    blocks_x = blocks_x < room ? blocks_x : room;
  }
  const unsigned blocks[3] = {(unsigned)blocks_x, (unsigned)grid[1],
                              grid[2] ? (unsigned)grid[2] : 1u};
  const unsigned block[3] = {(unsigned)threads, 1, 1};
  double start = now_seconds();
  if (grid[2] != 1 && y_slices == 1) { /* split-K and stream-K blocks add into y */
    ++memsets;
    if (quantc_gpu_runs_zero(y_device, y_bytes, gpu_error, sizeof gpu_error))
      return -1;
  }
  if (run_kernel(kernel, function, blocks, block, args, count))
    return -1;
  kernel_seconds += now_seconds() - start;
  return y_download ? download(y, y_device, y_bytes) : 0;
}

/* A launch's start: -1 when it has nothing to do (an earlier failure of
 * this call, or a device that does not open: reported), else 0 with
 * gpu_lock held and the clock started. */
static int begin(double *start) {
  if (quantc_last_error())
    return -1;
  pthread_mutex_lock(&gpu_lock);
  *start = now_seconds();
  if (ready()) {
    pthread_mutex_unlock(&gpu_lock);
    return -1;
  }
  return 0;
}

/* A launch's end: reports a failure, counts it, releases gpu_lock. */
static void finish(const char *kernel, int failed, double start) {
  if (failed)
    fail_launch(kernel);
  ++launches;
  launch_seconds += now_seconds() - start;
  pthread_mutex_unlock(&gpu_lock);
}

/* y[m, n] = x[m, k] * W^T through the weight-only kernel `kernel` (its
 * arguments: x as halves, the preshuffled words, the f16 scales, [the f16
 * offsets,] y). x has x_columns <= k columns; its rows are padded with
 * zeros to k. A convolution's kernel (x_halves > 0) gathers its x[m, k]
 * itself from x, the convolution's input of x_halves elements, uploaded as
 * it is. offsets_bytes 0: symmetric, no offsets argument. With a `stage`
 * kernel (a non-empty name), x is resident on the device and staged there
 * ("in_place": read there as it is); y is downloaded when y_download.
 * y_slices > 1: y holds split-K's y_slices partial sums of [m, n]
 * (launch_and_fetch). */
void quantc_gpu_weight_only_gemm(const char *kernel, const uint32_t *words, const uint16_t *scales,
                                 const uint16_t *offsets, const float *x, float *y,
                                 const char *stage, int64_t m, int64_t n, int64_t k,
                                 int64_t x_columns, int64_t x_halves, int64_t words_bytes,
                                 int64_t scales_bytes, int64_t offsets_bytes, int64_t y_slices,
                                 int64_t y_download, int64_t grid_x, int64_t grid_y, int64_t grid_z,
                                 int64_t threads) {
  double start;
  if (begin(&start))
    return;
  void *function = kernel_named(kernel);
  quantc_cuda_buffer words_device = function ? device_copy(words, (size_t)words_bytes) : 0;
  quantc_cuda_buffer scales_device = words_device ? device_copy(scales, (size_t)scales_bytes) : 0;
  quantc_cuda_buffer offsets_device =
      scales_device && offsets_bytes ? device_copy(offsets, (size_t)offsets_bytes) : 0;
  int64_t x_elements = x_halves ? x_halves : m * x_columns, staged = x_halves ? x_halves : m * k;
  quantc_cuda_buffer x_read = 0;
  int failed =
      !scales_device || (offsets_bytes && !offsets_device) ||
      (*stage     ? device_x(stage, x, (size_t)x_elements * 4, (size_t)staged * 2, staged, &x_read)
       : x_halves ? stage_x(x, 1, x_halves, x_halves)
                  : stage_x(x, m, k, x_columns));
  if (!failed) {
    void *args[5];
    int count = 0;
    x_read = x_read ? x_read : x_device;
    args[count++] = &x_read;
    args[count++] = &words_device;
    args[count++] = &scales_device;
    if (offsets_bytes)
      args[count++] = &offsets_device;
    const int64_t grid[3] = {grid_x, grid_y, grid_z};
    failed = launch_and_fetch(kernel, function, args, count, y, m, n, y_slices, grid, threads,
                              y_download);
  }
  finish(kernel, failed, start);
}

/* y[m, n] = x[m, k] * W^T through the fp16 GEMM `kernel` (arguments: x and W
 * as halves, y), W [n, k] in f16. With `transposed`, x comes as [k, m] and
 * y goes out as [n, m] (a convolution's W x im2col), and the kernel reads
 * and writes them so: x's x_columns rows go up as they are, zero rows pad
 * them to k, and y comes down as it is. A convolution's kernel
 * (x_halves > 0) gathers x[m, k] itself from x, its input of x_halves
 * elements, uploaded as it is. `stage`, y_slices and y_download: as the
 * weight-only GEMM's. */
void quantc_gpu_half_gemm(const char *kernel, const uint16_t *weights, const float *x, float *y,
                          const char *stage, int64_t m, int64_t n, int64_t k, int64_t x_columns,
                          int64_t transposed, int64_t x_halves, int64_t weights_bytes,
                          int64_t y_slices, int64_t y_download, int64_t grid_x, int64_t grid_y,
                          int64_t grid_z, int64_t threads) {
  double start;
  if (begin(&start))
    return;
  void *function = kernel_named(kernel);
  quantc_cuda_buffer weights_device = function ? device_copy(weights, (size_t)weights_bytes) : 0;
  int64_t x_elements = x_halves ? x_halves : m * x_columns;
  int64_t staged = x_halves ? x_halves : m * k;
  quantc_cuda_buffer x_read = 0;
  int failed = !weights_device || (*stage       ? device_x(stage, x, (size_t)x_elements * 4,
                                                           (size_t)staged * 2, staged, &x_read)
                                   : x_halves   ? stage_x(x, 1, x_halves, x_halves)
                                   : transposed ? stage_x(x, 1, k * m, x_columns * m)
                                                : stage_x(x, m, k, x_columns));
  if (!failed) {
    x_read = x_read ? x_read : x_device;
    void *args[3] = {&x_read, &weights_device};
    const int64_t grid[3] = {grid_x, grid_y, grid_z};
    failed =
        launch_and_fetch(kernel, function, args, 2, y, m, n, y_slices, grid, threads, y_download);
  }
  finish(kernel, failed, start);
}

/* y[m, n] (s32, exact) = x[m, k] (s8) * W^T through the int8 GEMM `kernel`
 * (arguments: x, the preshuffled s8 words, y). A convolution's kernel
 * (x_bytes_in > 0) gathers x[m, k] itself from x, its input of x_bytes_in
 * codes, uploaded as it is. `stage` and y_download: as the weight-only
 * GEMM's; `stage` "in_place": x is resident and read in place (rows of k codes,
 * or shorter rows that the kernel pads as it reads them: _xb). */
void quantc_gpu_int8_gemm(const char *kernel, const uint32_t *words, const int8_t *x, int32_t *y,
                          const char *stage, int64_t m, int64_t n, int64_t k, int64_t x_columns,
                          int64_t x_bytes_in, int64_t words_bytes, int64_t y_download,
                          int64_t grid_x, int64_t grid_y, int64_t grid_z, int64_t threads) {
  double start;
  if (begin(&start))
    return;
  void *function = kernel_named(kernel);
  quantc_cuda_buffer words_device = function ? device_copy(words, (size_t)words_bytes) : 0;
  int64_t x_elements = x_bytes_in ? x_bytes_in : m * x_columns;
  int64_t staged = x_bytes_in ? x_bytes_in : m * k;
  quantc_cuda_buffer x_read = 0;
  int failed = !words_device ||
               (*stage ? device_x(stage, x, (size_t)x_elements, (size_t)staged, staged, &x_read)
                : x_bytes_in ? stage_x_bytes(x, 1, x_bytes_in, x_bytes_in)
                             : stage_x_bytes(x, m, k, x_columns));
  if (!failed) {
    x_read = x_read ? x_read : x_device;
    void *args[3] = {&x_read, &words_device};
    const int64_t grid[3] = {grid_x, grid_y, grid_z};
    failed = launch_and_fetch(kernel, function, args, 2, y, m, n, 1, grid, threads, y_download);
  }
  finish(kernel, failed, start);
}

/* How the compiler passes each of a linalg kernel's arguments (three bits
 * an argument in `kinds`). */
enum {
  ARGUMENT_FROM_HOST = 0, /* a host value: uploaded into its device copy */
  ARGUMENT_RESIDENT = 1,  /* written by an earlier GPU layer */
  ARGUMENT_CONSTANT = 2,  /* constant data: uploaded once, kept */
  ARGUMENT_OUTPUT = 3,    /* written by the kernel */
  ARGUMENT_DOWNLOAD = 4   /* with OUTPUT: a host op reads it */
};

/* The device buffer of an input of `kind`. */
static quantc_cuda_buffer input_buffer(const void *host, size_t bytes, int kind) {
  return kind == ARGUMENT_RESIDENT   ? resident(host, bytes)
         : kind == ARGUMENT_CONSTANT ? device_copy(host, bytes)
                                     : upload_mirror(host, bytes);
}

/* A linalg op's kernel (GPULinalgKernels.h) on grid x threads: `count`
 * arguments, pointers hosts[i] of bytes[i] bytes, passed as kinds[i] says. */
static void launch_linalg(const char *kernel, int64_t grid, int64_t threads, int64_t count,
                          const int64_t *kinds, void *const *hosts, const int64_t *bytes) {
  double start;
  if (begin(&start))
    return;
  quantc_cuda_buffer buffers[QUANTC_GPU_MAX_ARGUMENTS] = {0};
  void *args[QUANTC_GPU_MAX_ARGUMENTS];
  if (count < 1 || count > QUANTC_GPU_MAX_ARGUMENTS) {
    snprintf(gpu_error, sizeof gpu_error, "%lld arguments (1 to %d)", (long long)count,
             QUANTC_GPU_MAX_ARGUMENTS);
    finish(kernel, 1, start);
    return;
  }
  void *function = kernel_named(kernel);
  int failed = !function;
  for (int i = 0; i < count && !failed; ++i) {
    int kind = (int)kinds[i] & 3;
    buffers[i] = kind == ARGUMENT_OUTPUT ? mirror_of(hosts[i], (size_t)bytes[i])
                                         : input_buffer(hosts[i], (size_t)bytes[i], kind);
    failed = !buffers[i];
    args[i] = &buffers[i];
  }
  if (!failed) {
    const unsigned blocks[3] = {(unsigned)grid, 1, 1};
    const unsigned block[3] = {(unsigned)threads, 1, 1};
    double launched = now_seconds();
    failed = run_kernel(kernel, function, blocks, block, args, (int)count);
    kernel_seconds += now_seconds() - launched;
  }
  for (int i = 0; i < count && !failed; ++i)
    if (kinds[i] & ARGUMENT_DOWNLOAD)
      failed = download(hosts[i], buffers[i], (size_t)bytes[i]);
  finish(kernel, failed, start);
}

/* Up to 8 arguments a0... of b0... bytes, their kinds three bits each. */
void quantc_gpu_linalg(const char *kernel, int64_t grid, int64_t threads, int64_t count,
                       int64_t kinds, void *a0, void *a1, void *a2, void *a3, void *a4, void *a5,
                       void *a6, void *a7, int64_t b0, int64_t b1, int64_t b2, int64_t b3,
                       int64_t b4, int64_t b5, int64_t b6, int64_t b7) {
  void *const hosts[8] = {a0, a1, a2, a3, a4, a5, a6, a7};
  const int64_t bytes[8] = {b0, b1, b2, b3, b4, b5, b6, b7};
  int64_t each[8];
  if (count > 8) { /* the compiler passes more through quantc_gpu_linalg_array */
    double start;
    if (begin(&start))
      return;
    snprintf(gpu_error, sizeof gpu_error,
             "%lld arguments in registers (at most 8; more go in arrays)", (long long)count);
    finish(kernel, 1, start);
    return;
  }
  for (int i = 0; i < 8; ++i)
    each[i] = (kinds >> (3 * i)) & 7;
  launch_linalg(kernel, grid, threads, count, each, hosts, bytes);
}

/* More arguments: their kinds, pointers and sizes in arrays of `count`. */
void quantc_gpu_linalg_array(const char *kernel, int64_t grid, int64_t threads, int64_t count,
                             const int64_t *kinds, void *const *hosts, const int64_t *bytes) {
  launch_linalg(kernel, grid, threads, count, kinds, hosts, bytes);
}

/* `to`'s device copy starts as `from` (of `kind`): the initial value of an
 * output that a linalg kernel reads (a reduction's). */
void quantc_gpu_copy(void *to, const void *from, int64_t bytes, int64_t kind) {
  double start;
  if (begin(&start))
    return;
  quantc_cuda_buffer target = mirror_of(to, (size_t)bytes), source = 0;
  int failed = !target;
  if (!failed && kind == ARGUMENT_FROM_HOST) {
    failed = upload(target, from, (size_t)bytes);
  } else if (!failed) {
    source = input_buffer(from, (size_t)bytes, (int)kind);
    failed =
        !source || quantc_gpu_runs_copy(target, source, (size_t)bytes, gpu_error, sizeof gpu_error);
  }
  finish("copy", failed, start);
}
