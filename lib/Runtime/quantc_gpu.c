/* What GPU artifacts (--target sm_80, sm_90, cuda) call from their host
 * code: the device opened and the embedded image (fatbin: cubin + PTX, or
 * PTX alone) loaded at the first launch, each layer's weights uploaded once,
 * and per launch x converted to f16, uploaded, the kernel run and y (f32)
 * downloaded. Launches are serialized (one device, one stream); failures go
 * to quantc_fail_call, and the rest of the call skips its GPU work.
 * QUANTC_GPU_PROFILE=1 prints launches and time spent in them at exit, so
 * that the host fallback's share is visible. */
#include "quantc/Runtime/quantc_cuda.h"
#include "quantc/Runtime/quantc_halves.h"
#include "quantc/Runtime/quantc_runtime.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Defined by the artifact (convert-qkernel-to-gpu). */
extern const unsigned char quantc_gpu_image[];
extern const int64_t quantc_gpu_image_size[];

typedef struct {
  const void *host;
  quantc_cuda_buffer device;
} uploaded_buffer;

typedef struct {
  const char *name; /* the artifact's constant string */
  void *function;
} loaded_kernel;

static pthread_mutex_t gpu_lock = PTHREAD_MUTEX_INITIALIZER;
static int gpu_state; /* 0: not opened, 1: ready, -1: failed (gpu_error says why) */
static char gpu_error[512];
static quantc_cuda *gpu;
static void *gpu_module;
static uploaded_buffer *uploads;
static size_t upload_count, upload_capacity;
static loaded_kernel *kernels;
static size_t kernel_count, kernel_capacity;
/* Staging: x as halves on both sides, y on the device. */
static uint16_t *x_host;
static size_t x_host_capacity, x_bytes_capacity;
static int8_t *x_bytes; /* int8 x, rows padded */
static quantc_cuda_buffer x_device, y_device;
static size_t x_device_capacity, y_device_capacity;
/* QUANTC_GPU_PROFILE */
static int profile;
static long launches;
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
  fprintf(stderr,
          "quantc GPU: %ld launches, %.3f ms in them (f16 conversion and copies included): "
          "staging %.3f, uploads %.3f, kernels %.3f, downloads %.3f ms\n",
          launches, 1e3 * launch_seconds, 1e3 * staging_seconds, 1e3 * upload_seconds,
          1e3 * kernel_seconds, 1e3 * download_seconds);
}

/* When the artifact is unloaded (dlclose, or the process's end): the device
 * buffers, the staging memory and the driver go back. */
__attribute__((destructor)) static void release_device(void) {
  if (gpu) {
    for (size_t i = 0; i < upload_count; ++i)
      quantc_cuda_free(gpu, uploads[i].device);
    quantc_cuda_free(gpu, x_device);
    quantc_cuda_free(gpu, y_device);
    quantc_cuda_unload(gpu, gpu_module);
    quantc_cuda_close(gpu);
  }
  free(uploads);
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
  return 0;
}

/* Room for `needed` elements in *array. */
static int reserve(void **array, size_t *capacity, size_t needed, size_t element) {
  if (needed <= *capacity)
    return 0;
  size_t next = *capacity ? *capacity : 16;
  while (next < needed)
    next *= 2;
  void *grown = realloc(*array, next * element);
  if (!grown) {
    snprintf(gpu_error, sizeof gpu_error, "out of host memory");
    return -1;
  }
  *array = grown;
  *capacity = next;
  return 0;
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
  kernels[kernel_count++].function = function;
  return function;
}

/* The device copy of constant host data (weights), uploaded at first use. */
static quantc_cuda_buffer device_copy(const void *host, size_t bytes) {
  for (size_t i = 0; i < upload_count; ++i)
    if (uploads[i].host == host)
      return uploads[i].device;
  quantc_cuda_buffer buffer = 0;
  if (quantc_cuda_alloc(gpu, bytes, &buffer, gpu_error, sizeof gpu_error))
    return 0;
  double start = now_seconds();
  int failed = quantc_cuda_upload(gpu, buffer, host, bytes, gpu_error, sizeof gpu_error);
  upload_seconds += now_seconds() - start;
  if (failed || reserve((void **)&uploads, &upload_capacity, upload_count + 1, sizeof *uploads)) {
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
  quantc_cuda_free(gpu, *buffer);
  *buffer = 0;
  *capacity = 0;
  if (quantc_cuda_alloc(gpu, bytes, buffer, gpu_error, sizeof gpu_error))
    return -1;
  *capacity = bytes;
  return 0;
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
  double staged_at = now_seconds();
  staging_seconds += staged_at - start;
  int failed = quantc_cuda_upload(gpu, x_device, staged, bytes, gpu_error, sizeof gpu_error);
  upload_seconds += now_seconds() - staged_at;
  return failed;
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

/* Runs `function` on x_device (staged) and the weights' `args`, y[m, n] (4
 * bytes an element: f32 or s32) at y_device (zeroed first under split-K),
 * and downloads y. */
static int launch_and_fetch(void *function, void **args, int count, void *y, int64_t m, int64_t n,
                            const int64_t grid[3], int64_t threads) {
  size_t y_bytes = (size_t)(m * n) * sizeof(float);
  if (ensure_device_buffer(&y_device, &y_device_capacity, y_bytes))
    return -1;
  args[count++] = &y_device;
  const unsigned blocks[3] = {(unsigned)grid[0], (unsigned)grid[1], (unsigned)grid[2]};
  const unsigned block[3] = {(unsigned)threads, 1, 1};
  double start = now_seconds();
  if ((grid[2] > 1 && quantc_cuda_zero(gpu, y_device, y_bytes, gpu_error, sizeof gpu_error)) ||
      quantc_cuda_launch(gpu, function, blocks, block, args, 1, NULL, gpu_error, sizeof gpu_error))
    return -1;
  double computed = now_seconds();
  kernel_seconds += computed - start;
  int failed = quantc_cuda_download(gpu, y, y_device, y_bytes, gpu_error, sizeof gpu_error);
  download_seconds += now_seconds() - computed;
  return failed;
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
 * it is. offsets_bytes 0: symmetric, no offsets argument. */
void quantc_gpu_weight_only_gemm(const char *kernel, const uint32_t *words, const uint16_t *scales,
                                 const uint16_t *offsets, const float *x, float *y, int64_t m,
                                 int64_t n, int64_t k, int64_t x_columns, int64_t x_halves,
                                 int64_t words_bytes, int64_t scales_bytes, int64_t offsets_bytes,
                                 int64_t grid_x, int64_t grid_y, int64_t grid_z, int64_t threads) {
  double start;
  if (begin(&start))
    return;
  void *function = kernel_named(kernel);
  quantc_cuda_buffer words_device = function ? device_copy(words, (size_t)words_bytes) : 0;
  quantc_cuda_buffer scales_device = words_device ? device_copy(scales, (size_t)scales_bytes) : 0;
  quantc_cuda_buffer offsets_device =
      scales_device && offsets_bytes ? device_copy(offsets, (size_t)offsets_bytes) : 0;
  int failed = !scales_device || (offsets_bytes && !offsets_device) ||
               (x_halves ? stage_x(x, 1, x_halves, x_halves) : stage_x(x, m, k, x_columns));
  if (!failed) {
    void *args[5];
    int count = 0;
    args[count++] = &x_device;
    args[count++] = &words_device;
    args[count++] = &scales_device;
    if (offsets_bytes)
      args[count++] = &offsets_device;
    const int64_t grid[3] = {grid_x, grid_y, grid_z};
    failed = launch_and_fetch(function, args, count, y, m, n, grid, threads);
  }
  finish(kernel, failed, start);
}

/* y[m, n] = x[m, k] * W^T through the fp16 GEMM `kernel` (arguments: x and W
 * as halves, y), W [n, k] in f16. With `transposed`, x comes as [k, m] and
 * y goes out as [n, m] (a convolution's W x im2col), and the kernel reads
 * and writes them so: x's x_columns rows go up as they are, zero rows pad
 * them to k, and y comes down as it is. A convolution's kernel
 * (x_halves > 0) gathers x[m, k] itself from x, its input of x_halves
 * elements, uploaded as it is. */
void quantc_gpu_half_gemm(const char *kernel, const uint16_t *weights, const float *x, float *y,
                          int64_t m, int64_t n, int64_t k, int64_t x_columns, int64_t transposed,
                          int64_t x_halves, int64_t weights_bytes, int64_t grid_x, int64_t grid_y,
                          int64_t grid_z, int64_t threads) {
  double start;
  if (begin(&start))
    return;
  void *function = kernel_named(kernel);
  quantc_cuda_buffer weights_device = function ? device_copy(weights, (size_t)weights_bytes) : 0;
  int failed = !weights_device || (x_halves     ? stage_x(x, 1, x_halves, x_halves)
                                   : transposed ? stage_x(x, 1, k * m, x_columns * m)
                                                : stage_x(x, m, k, x_columns));
  if (!failed) {
    void *args[3] = {&x_device, &weights_device};
    const int64_t grid[3] = {grid_x, grid_y, grid_z};
    failed = launch_and_fetch(function, args, 2, y, m, n, grid, threads);
  }
  finish(kernel, failed, start);
}

/* y[m, n] (s32, exact) = x[m, k] (s8) * W^T through the int8 GEMM `kernel`
 * (arguments: x, the preshuffled s8 words, y). A convolution's kernel
 * (x_bytes_in > 0) gathers x[m, k] itself from x, its input of x_bytes_in
 * codes, uploaded as it is. */
void quantc_gpu_int8_gemm(const char *kernel, const uint32_t *words, const int8_t *x, int32_t *y,
                          int64_t m, int64_t n, int64_t k, int64_t x_columns, int64_t x_bytes_in,
                          int64_t words_bytes, int64_t grid_x, int64_t grid_y, int64_t grid_z,
                          int64_t threads) {
  double start;
  if (begin(&start))
    return;
  void *function = kernel_named(kernel);
  quantc_cuda_buffer words_device = function ? device_copy(words, (size_t)words_bytes) : 0;
  int failed = !words_device || (x_bytes_in ? stage_x_bytes(x, 1, x_bytes_in, x_bytes_in)
                                            : stage_x_bytes(x, m, k, x_columns));
  if (!failed) {
    void *args[3] = {&x_device, &words_device};
    const int64_t grid[3] = {grid_x, grid_y, grid_z};
    failed = launch_and_fetch(function, args, 2, y, m, n, grid, threads);
  }
  finish(kernel, failed, start);
}
