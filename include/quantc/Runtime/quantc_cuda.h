/* quantc's CUDA launcher: the CUDA driver API opened at run time
 * (dlopen("libcuda.so.1")), never linked, so whatever uses it loads on any
 * machine and, without a driver or a device, fails with a message instead
 * of crashing. Plain C, no MLIR: GPU artifacts and bench/gpu link it.
 * Every call returns 0, or -1 with a message in `error`. */
#ifndef QUANTC_CUDA_H
#define QUANTC_CUDA_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct quantc_cuda quantc_cuda;
typedef uint64_t quantc_cuda_buffer; /* a device address (CUdeviceptr) */

/* Opens the driver (libcuda.so.1, or the library QUANTC_CUDA_LIBRARY
 * names) and makes device `ordinal`'s primary context current.
 * `name` (may be NULL) receives the device's name. */
int quantc_cuda_open(int ordinal, quantc_cuda **cuda, char *name, size_t name_size, char *error,
                     size_t error_size);
void quantc_cuda_close(quantc_cuda *cuda);

/* Loads a PTX (NUL-terminated text) or cubin image; its functions are then
 * found by name. */
int quantc_cuda_load(quantc_cuda *cuda, const void *image, void **module, char *error,
                     size_t error_size);
void quantc_cuda_unload(quantc_cuda *cuda, void *module);
int quantc_cuda_function(quantc_cuda *cuda, void *module, const char *name, void **function,
                         char *error, size_t error_size);

int quantc_cuda_alloc(quantc_cuda *cuda, size_t bytes, quantc_cuda_buffer *buffer, char *error,
                      size_t error_size);
void quantc_cuda_free(quantc_cuda *cuda, quantc_cuda_buffer buffer);
int quantc_cuda_upload(quantc_cuda *cuda, quantc_cuda_buffer to, const void *from, size_t bytes,
                       char *error, size_t error_size);
int quantc_cuda_download(quantc_cuda *cuda, void *to, quantc_cuda_buffer from, size_t bytes,
                         char *error, size_t error_size);

/* Copies `bytes` bytes between device buffers. */
int quantc_cuda_copy(quantc_cuda *cuda, quantc_cuda_buffer to, quantc_cuda_buffer from,
                     size_t bytes, char *error, size_t error_size);

/* Sets `bytes` bytes of `buffer` to zero. */
int quantc_cuda_zero(quantc_cuda *cuda, quantc_cuda_buffer buffer, size_t bytes, char *error,
                     size_t error_size);

/* Launches `function` on grid x block threads on the default stream without
 * waiting: the copies and launches after it follow it in stream order, and
 * a download waits for it (a failure of the kernel shows there). */
int quantc_cuda_enqueue(quantc_cuda *cuda, void *function, const unsigned grid[3],
                        const unsigned block[3], void **args, char *error, size_t error_size);

/* CUDA graphs: a run of copies, zeroing and launches recorded once and
 * replayed with one launch (the driver's own per-launch cost paid once).
 * Between quantc_cuda_capture_begin and quantc_cuda_capture_end,
 * quantc_cuda_copy, quantc_cuda_zero and quantc_cuda_enqueue are recorded
 * on a stream of their own, not run; nothing else may be called. _end
 * gives the executable graph (NULL after a failure, the capture ended
 * either way); quantc_cuda_graph_launch queues it on the default stream,
 * in order with the copies around it. _available: 0 when the driver lacks
 * the graph API (then _begin fails). */
int quantc_cuda_graphs_available(const quantc_cuda *cuda);
int quantc_cuda_capture_begin(quantc_cuda *cuda, char *error, size_t error_size);
int quantc_cuda_capture_end(quantc_cuda *cuda, void **graph, char *error, size_t error_size);
int quantc_cuda_graph_launch(quantc_cuda *cuda, void *graph, char *error, size_t error_size);
void quantc_cuda_graph_free(quantc_cuda *cuda, void *graph);

/* Waits for everything queued; a queued kernel's failure shows here. */
int quantc_cuda_synchronize(quantc_cuda *cuda, char *error, size_t error_size);

/* The device time of what is queued between _begin and _end (CUDA events
 * on the default stream); _end waits for it. */
int quantc_cuda_timer_begin(quantc_cuda *cuda, char *error, size_t error_size);
int quantc_cuda_timer_end(quantc_cuda *cuda, float *milliseconds, char *error, size_t error_size);

/* How many blocks of `threads` threads of `function` the device runs at
 * once (its multiprocessors times the blocks each holds, as the kernel's
 * registers and shared memory allow): a stream-K launch's grid. */
int quantc_cuda_resident_blocks(quantc_cuda *cuda, void *function, unsigned threads, int *blocks,
                                char *error, size_t error_size);

/* Launches `function` `repeats` times on grid x block threads, `args`
 * pointing at each kernel argument; waits for the launches, and, when
 * `milliseconds` is not NULL, gives their mean time (CUDA events). */
int quantc_cuda_launch(quantc_cuda *cuda, void *function, const unsigned grid[3],
                       const unsigned block[3], void **args, int repeats, float *milliseconds,
                       char *error, size_t error_size);

#ifdef __cplusplus
}
#endif

#endif /* QUANTC_CUDA_H */
