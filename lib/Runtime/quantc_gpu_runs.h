/* The GPU runtime's device work between host copies, replayed as CUDA
 * graphs. A model's call is mostly runs of launches with no host copy
 * between them (x goes up, 150-180 kernels and memsets run, y comes down),
 * and most of its kernels take a few microseconds: launched one by one,
 * the driver's cost per launch is the call's. So launches, memsets and
 * device copies are held back (pending) until the host needs the device:
 * an upload, a download or a free flushes them, in order. A run seen for
 * the second time (the same kernels, grids and device addresses: a
 * model's next call) is captured into a graph; from then on the run is
 * one graph launch. Runs differ when anything differs (another thread's
 * scratch, a grown buffer), and then they launch one by one as before.
 *
 * Internal to quantc_gpu.c; every call with the GPU runtime's lock held.
 * Failures return -1 with a message in `error`. */
#ifndef QUANTC_GPU_RUNS_H
#define QUANTC_GPU_RUNS_H

#include "quantc/Runtime/quantc_cuda.h"

#include <stdio.h>

/* How QUANTC_GPU_PROFILE watches the device work. */
enum {
  QUANTC_GPU_RUNS_UNWATCHED,
  /* Each operation launched on its own, and each graph, is waited for,
   * and a failure names its kernel. */
  QUANTC_GPU_RUNS_WAIT,
  /* And each operation is timed on the device (CUDA events), so graphs
   * are off: quantc_gpu_runs_print_kernels. */
  QUANTC_GPU_RUNS_TIME_EACH
};

/* Room for `needed` elements of `element` bytes in *array (grown by
 * doubling); -1 when the host is out of memory. */
int quantc_gpu_reserve(void **array, size_t *capacity, size_t needed, size_t element);

/* Work on `cuda`; graphs when `graphs` and the driver has them (else
 * every operation runs at once, as it is queued); `watch` one of the
 * above. */
void quantc_gpu_runs_open(quantc_cuda *cuda, int graphs, int watch);

/* The most arguments a kernel takes: a linalg kernel's buffers
 * (kMaxKernelArguments in the compiler's Residency.h). */
#define QUANTC_GPU_MAX_ARGUMENTS 64

/* Queue kernel `name` (the artifact's constant string; its `count`
 * arguments all device addresses), a zeroing or a device copy. */
int quantc_gpu_runs_kernel(const char *name, void *function, const unsigned grid[3],
                           const unsigned block[3], void **args, int count, char *error,
                           size_t error_size);
int quantc_gpu_runs_zero(quantc_cuda_buffer buffer, size_t bytes, char *error, size_t error_size);
int quantc_gpu_runs_copy(quantc_cuda_buffer to, quantc_cuda_buffer from, size_t bytes, char *error,
                         size_t error_size);

/* What is pending queued on the device (as a graph when the run is known). */
int quantc_gpu_runs_flush(char *error, size_t error_size);

/* Drops what is pending and the graphs (before the module unloads). */
void quantc_gpu_runs_close(void);

/* For QUANTC_GPU_PROFILE: graph launches and the operations they ran;
 * why graphs are off ("" when on). */
void quantc_gpu_runs_counts(long *graph_launches, long *graph_operations, const char **off);

/* Under QUANTC_GPU_RUNS_TIME_EACH: each kernel's device time, the longest
 * first (memsets and device copies as one line each), with the ONNX nodes
 * `nodes` names for it ("kernel\tnode, node\n" lines; may be NULL). */
void quantc_gpu_runs_print_kernels(FILE *to, const char *nodes);

#endif /* QUANTC_GPU_RUNS_H */
