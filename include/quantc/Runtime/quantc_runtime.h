/* quantc runtime: the C ABI of compiled models, .npy I/O and checked calls.
 * No MLIR dependency; linked statically into every artifact (libNAME.so). */
#ifndef QUANTC_RUNTIME_H
#define QUANTC_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define QUANTC_ABI_VERSION 1
#define QUANTC_MAX_RANK 8

/* Element types (numbering is part of the ABI). */
typedef enum quantc_dtype {
  QUANTC_FLOAT32 = 1,
  QUANTC_FLOAT64 = 2,
  QUANTC_FLOAT16 = 3,
  QUANTC_INT64 = 4,
  QUANTC_INT32 = 5,
  QUANTC_INT16 = 6,
  QUANTC_INT8 = 7,
  QUANTC_BOOL = 8,
  QUANTC_UINT8 = 9,
  QUANTC_UINT16 = 10,
  QUANTC_UINT32 = 11,
  QUANTC_UINT64 = 12,
  QUANTC_BFLOAT16 = 13 /* raw bits as uint16_t; .npy has no bfloat16 dtype */
} quantc_dtype;

/* A static tensor signature: name, element type and shape. */
typedef struct quantc_tensor_info {
  const char *name;
  int32_t dtype;
  int32_t rank;
  const int64_t *shape;
} quantc_tensor_info;

/* What a compiled model exports as NAME_model. `entry` takes one pointer per
 * input, then one per output, each to a dense row-major buffer of exactly
 * the signature's size. */
typedef struct quantc_model {
  uint32_t abi_version;
  int32_t num_inputs;
  int32_t num_outputs;
  const char *name;
  const quantc_tensor_info *inputs;
  const quantc_tensor_info *outputs;
  void (*entry)(void **buffers);
} quantc_model;

/* A tensor owned by the caller (or by quantc_npy_read / quantc_model_run). */
typedef struct quantc_tensor {
  void *data;
  int32_t dtype;
  int32_t rank;
  int64_t shape[QUANTC_MAX_RANK];
} quantc_tensor;

/* Bytes per element of `dtype` (0 for an unknown type). */
size_t quantc_dtype_size(int32_t dtype);
/* numpy's name for `dtype` ("float32", ...). */
const char *quantc_dtype_name(int32_t dtype);
/* Element count of a signature or a tensor. */
int64_t quantc_info_numel(const quantc_tensor_info *info);
int64_t quantc_tensor_numel(const quantc_tensor *tensor);

/* Checks a tensor's dtype, shape and data against a signature; `role` names
 * it in the message ("input", "output"). Returns 0, or -1 with a message. */
int quantc_tensor_check(const quantc_tensor_info *info, const quantc_tensor *tensor,
                        const char *role, char *error, size_t error_size);

/* Runs `model` after checking every input's dtype and shape against its
 * signature. Outputs whose data is NULL are allocated (free them with
 * quantc_tensor_free); others must already have the output's dtype and
 * shape. Returns 0, or -1 with a message in `error`. Several threads may
 * run the same model at once. */
int quantc_model_run(const quantc_model *model, const quantc_tensor *inputs, int32_t num_inputs,
                     quantc_tensor *outputs, int32_t num_outputs, char *error,
                     size_t error_size);

/* Options of one call. Zero-initialize, then set what you need. */
typedef struct quantc_run_options {
  /* Threads of the call's parallel loops; 0: quantc_default_threads(). The
   * results are bit-identical for every count. */
  int32_t num_threads;
} quantc_run_options;

/* quantc_model_run with options (NULL: the defaults). */
int quantc_model_run_with_options(const quantc_model *model, const quantc_run_options *options,
                                  const quantc_tensor *inputs, int32_t num_inputs,
                                  quantc_tensor *outputs, int32_t num_outputs, char *error,
                                  size_t error_size);

/* Threads: large loops of compiled code (GEMM/GEMV tiles, convolutions,
 * big elementwise loops) run on an OpenMP team of quantc_thread_count()
 * threads. The default is QUANTC_NUM_THREADS when it is a positive number,
 * else every core this process may run on (its CPU affinity). */
int32_t quantc_default_threads(void);
/* Sets the thread count of the calling thread's later calls (NAME_run and
 * quantc_model_run alike); 0 restores the default. Returns the previous
 * setting (0 for the default). */
int32_t quantc_set_thread_count(int32_t num_threads);
/* The count the calling thread's calls use now (what compiled code asks). */
int32_t quantc_thread_count(void);

/* Reads a .npy file (format 1.0-3.0, little-endian, C order). Returns 0, or
 * -1 with a message in `error`. */
int quantc_npy_read(const char *path, quantc_tensor *tensor, char *error, size_t error_size);
/* The same for a .npy image in memory; `name` labels messages. */
int quantc_npy_read_memory(const void *data, size_t size, const char *name,
                           quantc_tensor *tensor, char *error, size_t error_size);
/* Writes a .npy file through a temporary file renamed on success. */
int quantc_npy_write(const char *path, const quantc_tensor *tensor, char *error,
                     size_t error_size);
/* Compiled code allocates its intermediates through a per-thread cache that
 * keeps freed buffers for the next call (no page faults in steady state).
 * This returns the calling thread's cached buffers to the system. */
void quantc_release_buffers(void);
/* The allocation hooks compiled code calls (memref lowering's generic functions). */
void *_mlir_memref_to_llvm_alloc(size_t size);
void *_mlir_memref_to_llvm_aligned_alloc(size_t alignment, size_t size);
void _mlir_memref_to_llvm_free(void *pointer);

/* Failures inside compiled code (a GPU artifact without a driver or a
 * device, a failed launch): the first one of a call is kept for the calling
 * thread, the rest of the call does no more GPU work, and quantc_model_run
 * returns -1 with it (freeing the outputs it allocated). After NAME_run,
 * quantc_last_error() is the message, or NULL when the call succeeded. */
const char *quantc_last_error(void);
void quantc_fail_call(const char *message);
void quantc_clear_call_error(void);

/* What a model whose weights sit in a file beside its library calls first:
 * maps `file` (from the library's directory, `bytes` long) once per process
 * and points table[i] at offsets[i] in it. Returns 0, or -1 after
 * quantc_fail_call with the reason (missing file, wrong size). */
int quantc_map_weights(const char *file, uint64_t bytes, const uint64_t *offsets, int64_t count,
                       const void **table);

/* Frees data allocated by quantc_npy_read / quantc_model_run. */
void quantc_tensor_free(quantc_tensor *tensor);

#ifdef __cplusplus
}
#endif

#endif /* QUANTC_RUNTIME_H */
