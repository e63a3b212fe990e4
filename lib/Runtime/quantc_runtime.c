/* quantc runtime: checked model calls and .npy I/O (plain C99, no MLIR). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* posix_memalign, fmemopen, sched_getaffinity */
#endif
#include "quantc/Runtime/quantc_runtime.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(char *error, size_t size, const char *format, ...) {
  if (error && size) {
    va_list args;
    va_start(args, format);
    vsnprintf(error, size, format, args);
    va_end(args);
  }
  return -1;
}

size_t quantc_dtype_size(int32_t dtype) {
  switch (dtype) {
  case QUANTC_FLOAT32: case QUANTC_INT32: case QUANTC_UINT32: return 4;
  case QUANTC_FLOAT64: case QUANTC_INT64: case QUANTC_UINT64: return 8;
  case QUANTC_FLOAT16: case QUANTC_INT16: case QUANTC_UINT16: case QUANTC_BFLOAT16: return 2;
  case QUANTC_INT8: case QUANTC_BOOL: case QUANTC_UINT8: return 1;
  default: return 0;
  }
}

const char *quantc_dtype_name(int32_t dtype) {
  switch (dtype) {
  case QUANTC_FLOAT32: return "float32";
  case QUANTC_FLOAT64: return "float64";
  case QUANTC_FLOAT16: return "float16";
  case QUANTC_INT64: return "int64";
  case QUANTC_INT32: return "int32";
  case QUANTC_INT16: return "int16";
  case QUANTC_INT8: return "int8";
  case QUANTC_BOOL: return "bool";
  case QUANTC_UINT8: return "uint8";
  case QUANTC_UINT16: return "uint16";
  case QUANTC_UINT32: return "uint32";
  case QUANTC_UINT64: return "uint64";
  case QUANTC_BFLOAT16: return "bfloat16";
  default: return "unknown";
  }
}

/* numpy descr strings, little-endian. */
static const char *npy_descr(int32_t dtype) {
  switch (dtype) {
  case QUANTC_FLOAT32: return "<f4";
  case QUANTC_FLOAT64: return "<f8";
  case QUANTC_FLOAT16: return "<f2";
  case QUANTC_INT64: return "<i8";
  case QUANTC_INT32: return "<i4";
  case QUANTC_INT16: return "<i2";
  case QUANTC_INT8: return "|i1";
  case QUANTC_BOOL: return "|b1";
  case QUANTC_UINT8: return "|u1";
  case QUANTC_UINT16: return "<u2";
  case QUANTC_UINT32: return "<u4";
  case QUANTC_UINT64: return "<u8";
  default: return NULL;
  }
}

int64_t quantc_info_numel(const quantc_tensor_info *info) {
  int64_t n = 1;
  for (int32_t d = 0; d < info->rank; ++d)
    n *= info->shape[d];
  return n;
}

int64_t quantc_tensor_numel(const quantc_tensor *tensor) {
  int64_t n = 1;
  for (int32_t d = 0; d < tensor->rank; ++d)
    n *= tensor->shape[d];
  return n;
}

static void format_shape(char *out, size_t size, int32_t rank, const int64_t *shape) {
  size_t used = (size_t)snprintf(out, size, "[");
  for (int32_t d = 0; d < rank && used < size; ++d)
    used += (size_t)snprintf(out + used, size - used, d ? ",%lld" : "%lld", (long long)shape[d]);
  if (used < size)
    snprintf(out + used, size - used, "]");
}

int quantc_tensor_check(const quantc_tensor_info *info, const quantc_tensor *tensor,
                        const char *role, char *error, size_t error_size) {
  if (!tensor)
    return fail(error, error_size, "%s '%s' is NULL", role, info->name);
  if (tensor->rank < 0 || tensor->rank > QUANTC_MAX_RANK)
    return fail(error, error_size, "%s '%s' has rank %d (0 to %d)", role, info->name,
                (int)tensor->rank, QUANTC_MAX_RANK);
  if (tensor->dtype != info->dtype)
    return fail(error, error_size, "%s '%s' expects %s, got %s", role, info->name,
                quantc_dtype_name(info->dtype), quantc_dtype_name(tensor->dtype));
  int same = tensor->rank == info->rank;
  for (int32_t d = 0; same && d < info->rank; ++d)
    same = tensor->shape[d] == info->shape[d];
  if (!same) {
    char want[160], got[160];
    format_shape(want, sizeof want, info->rank, info->shape);
    format_shape(got, sizeof got, tensor->rank, tensor->shape);
    return fail(error, error_size, "%s '%s' expects shape %s, got %s", role, info->name, want, got);
  }
  if (!tensor->data)
    return fail(error, error_size, "%s '%s' has no data", role, info->name);
  return 0;
}

/* Outputs whose allocation a failed call undoes (models have a few). */
#define QUANTC_MAX_OUTPUTS_TRACKED 256

int quantc_model_run(const quantc_model *model, const quantc_tensor *inputs, int32_t num_inputs,
                     quantc_tensor *outputs, int32_t num_outputs, char *error,
                     size_t error_size) {
  if (!model || model->abi_version != QUANTC_ABI_VERSION)
    return fail(error, error_size, "model was built for another quantc ABI version");
  if (num_inputs != model->num_inputs || num_outputs != model->num_outputs)
    return fail(error, error_size, "model '%s' takes %d inputs and %d outputs, got %d and %d",
                model->name, model->num_inputs, model->num_outputs, num_inputs, num_outputs);
  if ((num_inputs && !inputs) || (num_outputs && !outputs))
    return fail(error, error_size, "model '%s': the %s array is NULL", model->name,
                num_inputs && !inputs ? "inputs" : "outputs");
  void **buffers = calloc((size_t)(num_inputs + num_outputs) + 1, sizeof(void *));
  char allocated[QUANTC_MAX_OUTPUTS_TRACKED] = {0}; /* outputs this call allocates */
  if (!buffers)
    return fail(error, error_size, "out of memory");
  for (int32_t i = 0; i < num_inputs; ++i) {
    if (quantc_tensor_check(&model->inputs[i], &inputs[i], "input", error, error_size)) {
      free(buffers);
      return -1;
    }
    buffers[i] = inputs[i].data;
  }
  for (int32_t i = 0; i < num_outputs; ++i) {
    const quantc_tensor_info *info = &model->outputs[i];
    quantc_tensor *out = &outputs[i];
    if (!out->data) {
      out->dtype = info->dtype;
      out->rank = info->rank;
      for (int32_t d = 0; d < info->rank; ++d)
        out->shape[d] = info->shape[d];
      size_t bytes = (size_t)quantc_info_numel(info) * quantc_dtype_size(info->dtype);
      out->data = malloc(bytes ? bytes : 1);
      if (i < QUANTC_MAX_OUTPUTS_TRACKED)
        allocated[i] = 1;
      if (!out->data) {
        free(buffers);
        return fail(error, error_size, "out of memory for output '%s'", info->name);
      }
    } else if (quantc_tensor_check(info, out, "output", error, error_size)) {
      free(buffers);
      return -1;
    }
    buffers[num_inputs + i] = out->data;
  }
  quantc_clear_call_error();
  model->entry(buffers);
  free(buffers);
  const char *failure = quantc_last_error();
  if (failure) { /* no partial output: what this call allocated goes */
    for (int32_t i = 0; i < num_outputs && i < QUANTC_MAX_OUTPUTS_TRACKED; ++i)
      if (allocated[i])
        quantc_tensor_free(&outputs[i]);
    return fail(error, error_size, "model '%s': %s", model->name, failure);
  }
  return 0;
}

/* The calling thread's failure in compiled code (a GPU launch, ...): set by
 * the first quantc_fail_call of a call, cleared by the next call. */
static __thread char quantc_call_error[1024];
static __thread int quantc_call_error_set;

void quantc_clear_call_error(void) { quantc_call_error_set = 0; }

void quantc_fail_call(const char *message) {
  if (quantc_call_error_set)
    return;
  snprintf(quantc_call_error, sizeof quantc_call_error, "%s", message);
  quantc_call_error_set = 1;
}

const char *quantc_last_error(void) {
  return quantc_call_error_set ? quantc_call_error : NULL;
}

int quantc_model_run_with_options(const quantc_model *model, const quantc_run_options *options,
                                  const quantc_tensor *inputs, int32_t num_inputs,
                                  quantc_tensor *outputs, int32_t num_outputs, char *error,
                                  size_t error_size) {
  if (options && options->num_threads < 0)
    return fail(error, error_size, "num_threads must be 0 (the default) or positive, got %d",
                options->num_threads);
  int32_t previous = quantc_set_thread_count(options ? options->num_threads : 0);
  int status = quantc_model_run(model, inputs, num_inputs, outputs, num_outputs, error, error_size);
  quantc_set_thread_count(previous);
  return status;
}

/* The process default, read once: QUANTC_NUM_THREADS, else the CPUs in this
 * process's affinity mask (taskset and cgroup cpusets shrink it). */
static int32_t quantc_default_count;
static pthread_once_t quantc_default_once = PTHREAD_ONCE_INIT;
static __thread int32_t quantc_thread_setting;

static void read_default_threads(void) {
  const char *text = getenv("QUANTC_NUM_THREADS");
  if (text) {
    char *end = NULL;
    long value = strtol(text, &end, 10);
    while (end && (*end == ' ' || *end == '\n'))
      ++end;
    if (end != text && end && *end == 0 && value > 0 && value <= 4096) {
      quantc_default_count = (int32_t)value;
      return;
    }
  }
  cpu_set_t set;
  int count = 0;
  if (sched_getaffinity(0, sizeof(set), &set) == 0)
    count = CPU_COUNT(&set);
  if (count <= 0)
    count = (int)sysconf(_SC_NPROCESSORS_ONLN);
  quantc_default_count = count > 0 ? count : 1;
}

int32_t quantc_default_threads(void) {
  pthread_once(&quantc_default_once, read_default_threads);
  return quantc_default_count;
}

int32_t quantc_set_thread_count(int32_t num_threads) {
  int32_t previous = quantc_thread_setting;
  quantc_thread_setting = num_threads > 0 ? num_threads : 0;
  return previous;
}

int32_t quantc_thread_count(void) {
  return quantc_thread_setting > 0 ? quantc_thread_setting : quantc_default_threads();
}

static int descr_to_dtype(const char *descr, size_t length) {
  static const int32_t all[] = {QUANTC_FLOAT32, QUANTC_FLOAT64, QUANTC_FLOAT16, QUANTC_INT64,
                                QUANTC_INT32,   QUANTC_INT16,   QUANTC_INT8,    QUANTC_BOOL,
                                QUANTC_UINT8,   QUANTC_UINT16,  QUANTC_UINT32,  QUANTC_UINT64};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; ++i) {
    const char *name = npy_descr(all[i]);
    if (strlen(name) == length && !memcmp(name, descr, length))
      return all[i];
  }
  /* single-byte types may be written with '<' or '=' as well as '|' */
  if (length == 3 && (descr[0] == '<' || descr[0] == '=') && !memcmp(descr + 1, "i1", 2))
    return QUANTC_INT8;
  if (length == 3 && (descr[0] == '<' || descr[0] == '=') && !memcmp(descr + 1, "b1", 2))
    return QUANTC_BOOL;
  if (length == 3 && (descr[0] == '<' || descr[0] == '=') && !memcmp(descr + 1, "u1", 2))
    return QUANTC_UINT8;
  return 0;
}

/* Finds `'key':` in the header dict and returns a pointer just past the colon. */
static const char *find_key(const char *header, const char *key) {
  char quoted[32];
  snprintf(quoted, sizeof quoted, "'%s'", key);
  const char *at = strstr(header, quoted);
  if (!at)
    return NULL;
  at = strchr(at + strlen(quoted), ':');
  return at ? at + 1 : NULL;
}

/* Reads a .npy from `file` (of `file_size` bytes); `path` names it in messages. */
static int npy_read_stream(FILE *file, uint64_t file_size, const char *path,
                           quantc_tensor *tensor, char *error, size_t error_size) {
  unsigned char prefix[10];
  int status = -1;
  char *header = NULL;
  if (fread(prefix, 1, 8, file) != 8 || memcmp(prefix, "\x93NUMPY", 6)) {
    fail(error, error_size, "%s: not a .npy file (bad magic)", path);
    goto done;
  }
  size_t header_length;
  if (prefix[6] == 1) {
    if (fread(prefix + 8, 1, 2, file) != 2)
      goto truncated;
    header_length = (size_t)prefix[8] | ((size_t)prefix[9] << 8);
  } else if (prefix[6] == 2 || prefix[6] == 3) {
    unsigned char length[4];
    if (fread(length, 1, 4, file) != 4)
      goto truncated;
    header_length = (size_t)length[0] | ((size_t)length[1] << 8) | ((size_t)length[2] << 16) |
                    ((size_t)length[3] << 24);
    if (header_length > (1u << 20)) {
      fail(error, error_size, "%s: header of %zu bytes is too large", path, header_length);
      goto done;
    }
  } else {
    fail(error, error_size, "%s: unsupported .npy version %d", path, prefix[6]);
    goto done;
  }
  header = malloc(header_length + 1);
  if (!header || fread(header, 1, header_length, file) != header_length)
    goto truncated;
  header[header_length] = 0;

  const char *descr = find_key(header, "descr");
  const char *order = find_key(header, "fortran_order");
  const char *shape = find_key(header, "shape");
  if (!descr || !order || !shape) {
    fail(error, error_size, "%s: header lacks descr, fortran_order or shape", path);
    goto done;
  }
  while (*descr == ' ')
    ++descr;
  const char *descr_end = *descr == '\'' ? strchr(descr + 1, '\'') : NULL;
  int dtype = descr_end ? descr_to_dtype(descr + 1, (size_t)(descr_end - descr - 1)) : 0;
  if (!dtype) {
    fail(error, error_size, "%s: unsupported dtype %.*s (quantc reads float16/32/64, int8/16/32/64, bool)",
         path, descr_end ? (int)(descr_end - descr + 1) : 8, descr);
    goto done;
  }
  while (*order == ' ')
    ++order;
  if (strncmp(order, "False", 5)) {
    fail(error, error_size, "%s: Fortran-order arrays are not supported (use np.ascontiguousarray)", path);
    goto done;
  }
  while (*shape == ' ')
    ++shape;
  if (*shape != '(') {
    fail(error, error_size, "%s: malformed shape in header", path);
    goto done;
  }
  ++shape;
  int32_t rank = 0;
  int64_t numel = 1;
  for (;;) {
    while (*shape == ' ' || *shape == ',')
      ++shape;
    if (*shape == ')')
      break;
    char *end;
    long long dim = strtoll(shape, &end, 10);
    if (end == shape || dim < 0 || rank == QUANTC_MAX_RANK || (dim && numel > INT64_MAX / dim)) {
      fail(error, error_size, "%s: malformed or unsupported shape in header", path);
      goto done;
    }
    tensor->shape[rank++] = dim;
    numel *= dim;
    shape = end;
  }
  tensor->rank = rank;
  tensor->dtype = dtype;
  size_t element = quantc_dtype_size(dtype);
  if ((uint64_t)numel > (uint64_t)(SIZE_MAX / element)) {
    fail(error, error_size, "%s: array too large", path);
    goto done;
  }
  size_t bytes = (size_t)numel * element;
  /* Checked before allocating: a header may claim any shape. */
  long position = ftell(file);
  if (position < 0 || (uint64_t)position > file_size || bytes > file_size - (uint64_t)position) {
    fail(error, error_size, "%s: the header's shape needs %zu bytes of data, the file has %lld",
         path, bytes, position < 0 ? 0LL : (long long)(file_size - (uint64_t)position));
    goto done;
  }
  tensor->data = malloc(bytes ? bytes : 1);
  if (!tensor->data) {
    fail(error, error_size, "%s: out of memory for %zu bytes", path, bytes);
    goto done;
  }
  if (fread(tensor->data, 1, bytes, file) != bytes)
    goto truncated;
  status = 0;
  goto done;
truncated:
  fail(error, error_size, "%s: file is truncated", path);
done:
  free(header);
  if (status)
    quantc_tensor_free(tensor);
  return status;
}

int quantc_npy_read(const char *path, quantc_tensor *tensor, char *error, size_t error_size) {
  memset(tensor, 0, sizeof *tensor);
  FILE *file = fopen(path, "rb");
  if (!file)
    return fail(error, error_size, "%s: cannot open", path);
  struct stat status;
  if (fstat(fileno(file), &status) || !S_ISREG(status.st_mode)) {
    fclose(file);
    return fail(error, error_size, "%s: not a regular file", path);
  }
  int result = npy_read_stream(file, (uint64_t)status.st_size, path, tensor, error, error_size);
  fclose(file);
  return result;
}

int quantc_npy_read_memory(const void *data, size_t size, const char *name,
                           quantc_tensor *tensor, char *error, size_t error_size) {
  memset(tensor, 0, sizeof *tensor);
  if (size == 0)
    return fail(error, error_size, "%s: not a .npy file (bad magic)", name);
  FILE *file = fmemopen((void *)data, size, "rb");
  if (!file)
    return fail(error, error_size, "%s: cannot open", name);
  int result = npy_read_stream(file, size, name, tensor, error, error_size);
  fclose(file);
  return result;
}

int quantc_npy_write(const char *path, const quantc_tensor *tensor, char *error,
                     size_t error_size) {
  const char *descr = npy_descr(tensor->dtype);
  if (!descr)
    return fail(error, error_size, "%s: cannot write dtype %d", path, tensor->dtype);
  char dict[512];
  int used = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (", descr);
  for (int32_t d = 0; d < tensor->rank; ++d)
    used += snprintf(dict + used, sizeof dict - (size_t)used, "%lld,%s", (long long)tensor->shape[d],
                     (tensor->rank > 1 && d + 1 < tensor->rank) ? " " : "");
  if (tensor->rank > 1)
    --used; /* numpy writes (1, 2) but (3,) */
  used += snprintf(dict + used, sizeof dict - (size_t)used, "), }");
  /* Pad with spaces so the data starts on a 64-byte boundary, newline last. */
  size_t total = 10 + (size_t)used + 1;
  size_t padded = (total + 63) / 64 * 64;
  size_t header_length = padded - 10;

  size_t path_length = strlen(path);
  char *temp = malloc(path_length + 16);
  if (!temp)
    return fail(error, error_size, "out of memory");
  snprintf(temp, path_length + 16, "%s.tmp%d", path, (int)(rand() % 100000));
  FILE *file = fopen(temp, "wb");
  if (!file) {
    free(temp);
    return fail(error, error_size, "%s: cannot write", path);
  }
  unsigned char prefix[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
                              (unsigned char)(header_length & 0xff),
                              (unsigned char)(header_length >> 8)};
  size_t bytes = (size_t)quantc_tensor_numel(tensor) * quantc_dtype_size(tensor->dtype);
  int ok = fwrite(prefix, 1, 10, file) == 10 && fwrite(dict, 1, (size_t)used, file) == (size_t)used;
  for (size_t i = 10 + (size_t)used; ok && i + 1 < padded; ++i)
    ok = fputc(' ', file) != EOF;
  ok = ok && fputc('\n', file) != EOF && fwrite(tensor->data, 1, bytes, file) == bytes;
  ok = (fclose(file) == 0) && ok;
  if (!ok || rename(temp, path) != 0) {
    remove(temp);
    free(temp);
    return fail(error, error_size, "%s: write failed", path);
  }
  free(temp);
  return 0;
}

/* Buffer cache behind the generated code's allocations (memref.alloc lowers to
 * _mlir_memref_to_llvm_alloc/free). A model allocates the same sizes on every
 * call; keeping freed blocks per thread, keyed by exact size, turns the
 * second and later calls' mallocs into list pops instead of fresh mmap'ed,
 * page-faulting memory. Blocks carry a 64-byte header: the size, the next
 * free block, and 64-byte alignment for vector loads. */
#define QUANTC_CACHE_SLOTS 512
typedef struct quantc_block {
  size_t size;
  struct quantc_block *next;
} quantc_block;
typedef struct quantc_slot {
  size_t size;
  quantc_block *free;
} quantc_slot;
static __thread quantc_slot quantc_cache[QUANTC_CACHE_SLOTS];

/* A thread that exits frees its cached blocks: worker threads (quantc's
 * analysis pool, a caller's own) come and go, and their blocks would
 * otherwise leak with their thread-local table. */
static pthread_key_t quantc_cache_key;
static pthread_once_t quantc_cache_once = PTHREAD_ONCE_INIT;
static __thread int quantc_cache_registered;

static void release_at_thread_exit(void *unused) {
  (void)unused;
  quantc_release_buffers();
}

static void create_cache_key(void) { pthread_key_create(&quantc_cache_key, release_at_thread_exit); }

static quantc_slot *cache_slot(size_t size) {
  if (!quantc_cache_registered) {
    pthread_once(&quantc_cache_once, create_cache_key);
    pthread_setspecific(quantc_cache_key, &quantc_cache_registered); /* any non-null value */
    quantc_cache_registered = 1;
  }
  size_t start = (size * 0x9E3779B97F4A7C15ull) >> 55 & (QUANTC_CACHE_SLOTS - 1);
  for (size_t i = 0; i < QUANTC_CACHE_SLOTS; ++i) {
    quantc_slot *slot = &quantc_cache[(start + i) & (QUANTC_CACHE_SLOTS - 1)];
    if (slot->size == size || slot->size == 0) {
      slot->size = size;
      return slot;
    }
  }
  return NULL; /* table full: this size is not cached */
}

void *_mlir_memref_to_llvm_alloc(size_t size) {
  quantc_slot *slot = cache_slot(size);
  if (slot && slot->free) {
    quantc_block *block = slot->free;
    slot->free = block->next;
    return (char *)block + 64;
  }
  void *memory = NULL;
  if (posix_memalign(&memory, 64, size + 64))
    return NULL;
  ((quantc_block *)memory)->size = size;
  return (char *)memory + 64;
}

void *_mlir_memref_to_llvm_aligned_alloc(size_t alignment, size_t size) {
  (void)alignment; /* blocks are 64-byte aligned; the lowering asks for at most that */
  return _mlir_memref_to_llvm_alloc(size);
}

void _mlir_memref_to_llvm_free(void *pointer) {
  if (!pointer)
    return;
  quantc_block *block = (quantc_block *)((char *)pointer - 64);
  quantc_slot *slot = cache_slot(block->size);
  if (!slot) {
    free(block);
    return;
  }
  block->next = slot->free;
  slot->free = block;
}

void quantc_release_buffers(void) {
  for (size_t i = 0; i < QUANTC_CACHE_SLOTS; ++i) {
    while (quantc_cache[i].free) {
      quantc_block *block = quantc_cache[i].free;
      quantc_cache[i].free = block->next;
      free(block);
    }
    quantc_cache[i].size = 0;
  }
}

void quantc_tensor_free(quantc_tensor *tensor) {
  if (!tensor)
    return;
  free(tensor->data);
  tensor->data = NULL;
}

/* The artifact's weights file, mapped once per process (this runtime is
 * linked into each artifact: the state is the artifact's own). */
static pthread_mutex_t quantc_weights_lock = PTHREAD_MUTEX_INITIALIZER;
static int quantc_weights_state; /* 0: not mapped yet, 1: mapped, -1: failed */
static char quantc_weights_error[768];

static int map_weights(const char *file, uint64_t bytes, const uint64_t *offsets, int64_t count,
                       const void **table) {
  Dl_info library;
  char path[4096];
  if (!dladdr((const void *)table, &library) || !library.dli_fname)
    return fail(quantc_weights_error, sizeof quantc_weights_error,
                "weights %s: cannot tell where the model's library is", file);
  const char *slash = strrchr(library.dli_fname, '/');
  int dir = slash ? (int)(slash - library.dli_fname) + 1 : 0;
  snprintf(path, sizeof path, "%.*s%s", dir, library.dli_fname, file);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return fail(quantc_weights_error, sizeof quantc_weights_error, "weights %s: %s", path,
                strerror(errno));
  struct stat info;
  if (fstat(fd, &info) || (uint64_t)info.st_size != bytes) {
    close(fd);
    return fail(quantc_weights_error, sizeof quantc_weights_error,
                "weights %s: %lld bytes, the model expects %llu (a file from another compile?)",
                path, (long long)info.st_size, (unsigned long long)bytes);
  }
  void *base = mmap(NULL, bytes, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (base == MAP_FAILED)
    return fail(quantc_weights_error, sizeof quantc_weights_error, "weights %s: mmap: %s", path,
                strerror(errno));
  for (int64_t i = 0; i < count; ++i)
    table[i] = (const char *)base + offsets[i];
  return 0;
}

int quantc_map_weights(const char *file, uint64_t bytes, const uint64_t *offsets, int64_t count,
                       const void **table) {
  pthread_mutex_lock(&quantc_weights_lock);
  if (quantc_weights_state == 0)
    quantc_weights_state = map_weights(file, bytes, offsets, count, table) ? -1 : 1;
  int state = quantc_weights_state;
  pthread_mutex_unlock(&quantc_weights_lock);
  if (state > 0)
    return 0;
  quantc_fail_call(quantc_weights_error);
  return -1;
}
