/* The CUDA driver API through dlopen: the few entry points quantc needs,
 * looked up by their versioned names (cuMemAlloc_v2, ...) as cuda.h maps
 * them. No CUDA header is needed to build it. */
#include "quantc/Runtime/quantc_cuda.h"

#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

typedef int CUresult;
typedef int CUdevice;
typedef void *CUcontext, *CUmodule, *CUfunction, *CUstream, *CUevent, *CUgraph, *CUgraphExec;

struct quantc_cuda {
  void *library;
  CUdevice device;
  CUcontext context;
  CUresult (*cuInit)(unsigned);
  CUresult (*cuDeviceGetCount)(int *);
  CUresult (*cuDeviceGet)(CUdevice *, int);
  CUresult (*cuDeviceGetName)(char *, int, CUdevice);
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext *, CUdevice);
  CUresult (*cuDevicePrimaryCtxRelease)(CUdevice);
  CUresult (*cuCtxSetCurrent)(CUcontext);
  CUresult (*cuCtxSynchronize)(void);
  CUresult (*cuModuleLoadData)(CUmodule *, const void *);
  CUresult (*cuModuleGetFunction)(CUfunction *, CUmodule, const char *);
  CUresult (*cuModuleUnload)(CUmodule);
  CUresult (*cuMemAlloc)(quantc_cuda_buffer *, size_t);
  CUresult (*cuMemFree)(quantc_cuda_buffer);
  CUresult (*cuMemcpyHtoD)(quantc_cuda_buffer, const void *, size_t);
  CUresult (*cuMemcpyDtoH)(void *, quantc_cuda_buffer, size_t);
  CUresult (*cuMemcpyDtoD)(quantc_cuda_buffer, quantc_cuda_buffer, size_t);
  CUresult (*cuMemsetD8)(quantc_cuda_buffer, unsigned char, size_t);
  CUresult (*cuLaunchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned,
                             unsigned, unsigned, CUstream, void **, void **);
  CUresult (*cuEventCreate)(CUevent *, unsigned);
  CUresult (*cuEventRecord)(CUevent, CUstream);
  CUresult (*cuEventSynchronize)(CUevent);
  CUresult (*cuEventElapsedTime)(float *, CUevent, CUevent);
  CUresult (*cuEventDestroy)(CUevent);
  CUresult (*cuGetErrorString)(CUresult, const char **);
  CUresult (*cuDeviceGetAttribute)(int *, int, CUdevice);
  CUresult (*cuOccupancyMaxActiveBlocksPerMultiprocessor)(int *, CUfunction, int, size_t);
  /* CUDA graphs (quantc_cuda_capture_begin): all or none. */
  CUresult (*cuStreamCreate)(CUstream *, unsigned);
  CUresult (*cuStreamDestroy)(CUstream);
  CUresult (*cuStreamBeginCapture)(CUstream, int);
  CUresult (*cuStreamEndCapture)(CUstream, CUgraph *);
  CUresult (*cuGraphInstantiateWithFlags)(CUgraphExec *, CUgraph, unsigned long long);
  CUresult (*cuGraphLaunch)(CUgraphExec, CUstream);
  CUresult (*cuGraphExecDestroy)(CUgraphExec);
  CUresult (*cuGraphDestroy)(CUgraph);
  CUresult (*cuMemsetD8Async)(quantc_cuda_buffer, unsigned char, size_t, CUstream);
  CUresult (*cuMemcpyDtoDAsync)(quantc_cuda_buffer, quantc_cuda_buffer, size_t, CUstream);
  int graphs;         /* 1: every graph entry point was found */
  CUstream capture;   /* the stream graphs are captured on (created at the first capture) */
  CUstream capturing; /* `capture` while a capture is under way, else NULL */
  CUevent timer[2];   /* quantc_cuda_timer_begin's and _end's (created at the first) */
};

static int fail(char *error, size_t size, const char *format, ...) {
  if (error && size) {
    va_list args;
    va_start(args, format);
    vsnprintf(error, size, format, args);
    va_end(args);
  }
  return -1;
}

/* 0 on CUDA_SUCCESS, else -1 with "what: the driver's message". */
static int check(quantc_cuda *cuda, CUresult result, const char *what, char *error, size_t size) {
  if (result == 0)
    return 0;
  const char *message = NULL;
  if (cuda->cuGetErrorString)
    cuda->cuGetErrorString(result, &message);
  return fail(error, size, "%s: %s (CUDA error %d)", what, message ? message : "unknown error",
              result);
}

#define LOOKUP(field, symbol)                                                                      \
  do {                                                                                             \
    *(void **)&cuda->field = dlsym(cuda->library, symbol);                                         \
    if (!cuda->field) {                                                                            \
      fail(error, error_size, "libcuda.so.1 lacks %s (driver too old?)", symbol);                  \
      quantc_cuda_close(cuda);                                                                     \
      return -1;                                                                                   \
    }                                                                                              \
  } while (0)

int quantc_cuda_open(int ordinal, quantc_cuda **out, char *name, size_t name_size, char *error,
                     size_t error_size) {
  *out = NULL;
  quantc_cuda *cuda = calloc(1, sizeof *cuda);
  if (!cuda)
    return fail(error, error_size, "out of memory");
  /* QUANTC_CUDA_LIBRARY: another driver library (a non-standard install,
   * or the test suite's emulated one). */
  const char *library = getenv("QUANTC_CUDA_LIBRARY");
  if (!library || !*library)
    library = "libcuda.so.1";
  cuda->library = dlopen(library, RTLD_NOW | RTLD_LOCAL);
  if (!cuda->library) {
    free(cuda);
    return fail(error, error_size,
                "no CUDA driver: %s cannot be loaded (%s); GPU artifacts need an "
                "NVIDIA driver",
                library, dlerror());
  }
  LOOKUP(cuGetErrorString, "cuGetErrorString");
  LOOKUP(cuInit, "cuInit");
  LOOKUP(cuDeviceGetCount, "cuDeviceGetCount");
  LOOKUP(cuDeviceGet, "cuDeviceGet");
  LOOKUP(cuDeviceGetName, "cuDeviceGetName");
  LOOKUP(cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain");
  LOOKUP(cuDevicePrimaryCtxRelease, "cuDevicePrimaryCtxRelease_v2");
  LOOKUP(cuCtxSetCurrent, "cuCtxSetCurrent");
  LOOKUP(cuCtxSynchronize, "cuCtxSynchronize");
  LOOKUP(cuModuleLoadData, "cuModuleLoadData");
  LOOKUP(cuModuleGetFunction, "cuModuleGetFunction");
  LOOKUP(cuModuleUnload, "cuModuleUnload");
  LOOKUP(cuMemAlloc, "cuMemAlloc_v2");
  LOOKUP(cuMemFree, "cuMemFree_v2");
  LOOKUP(cuMemcpyHtoD, "cuMemcpyHtoD_v2");
  LOOKUP(cuMemcpyDtoH, "cuMemcpyDtoH_v2");
  LOOKUP(cuMemcpyDtoD, "cuMemcpyDtoD_v2");
  LOOKUP(cuMemsetD8, "cuMemsetD8_v2");
  LOOKUP(cuLaunchKernel, "cuLaunchKernel");
  LOOKUP(cuEventCreate, "cuEventCreate");
  LOOKUP(cuEventRecord, "cuEventRecord");
  LOOKUP(cuEventSynchronize, "cuEventSynchronize");
  LOOKUP(cuEventElapsedTime, "cuEventElapsedTime_v2");
  LOOKUP(cuEventDestroy, "cuEventDestroy_v2");
  /* Only stream-K launches need these: a driver without them fails those
   * launches alone (quantc_cuda_resident_blocks says why). */
  *(void **)&cuda->cuDeviceGetAttribute = dlsym(cuda->library, "cuDeviceGetAttribute");
  *(void **)&cuda->cuOccupancyMaxActiveBlocksPerMultiprocessor =
      dlsym(cuda->library, "cuOccupancyMaxActiveBlocksPerMultiprocessor");
  /* Graphs replay a model's device work with one launch; without them
   * (an old driver) every kernel is launched on its own. */
  const struct {
    const char *symbol;
    void **entry;
  } graph_api[] = {
      {"cuStreamCreate", (void **)&cuda->cuStreamCreate},
      {"cuStreamDestroy_v2", (void **)&cuda->cuStreamDestroy},
      {"cuStreamBeginCapture_v2", (void **)&cuda->cuStreamBeginCapture},
      {"cuStreamEndCapture", (void **)&cuda->cuStreamEndCapture},
      {"cuGraphInstantiateWithFlags", (void **)&cuda->cuGraphInstantiateWithFlags},
      {"cuGraphLaunch", (void **)&cuda->cuGraphLaunch},
      {"cuGraphExecDestroy", (void **)&cuda->cuGraphExecDestroy},
      {"cuGraphDestroy", (void **)&cuda->cuGraphDestroy},
      {"cuMemsetD8Async", (void **)&cuda->cuMemsetD8Async},
      {"cuMemcpyDtoDAsync_v2", (void **)&cuda->cuMemcpyDtoDAsync},
  };
  cuda->graphs = 1;
  for (size_t i = 0; i < sizeof graph_api / sizeof *graph_api; ++i)
    if (!(*graph_api[i].entry = dlsym(cuda->library, graph_api[i].symbol)))
      cuda->graphs = 0;
  int count = 0;
  if (check(cuda, cuda->cuInit(0), "cuInit", error, error_size) ||
      check(cuda, cuda->cuDeviceGetCount(&count), "cuDeviceGetCount", error, error_size)) {
    quantc_cuda_close(cuda);
    return -1;
  }
  if (ordinal < 0 || ordinal >= count) {
    quantc_cuda_close(cuda);
    return fail(error, error_size, "no CUDA device %d (%d present)", ordinal, count);
  }
  if (check(cuda, cuda->cuDeviceGet(&cuda->device, ordinal), "cuDeviceGet", error, error_size) ||
      check(cuda, cuda->cuDevicePrimaryCtxRetain(&cuda->context, cuda->device),
            "cuDevicePrimaryCtxRetain", error, error_size) ||
      check(cuda, cuda->cuCtxSetCurrent(cuda->context), "cuCtxSetCurrent", error, error_size)) {
    quantc_cuda_close(cuda);
    return -1;
  }
  if (name && name_size)
    cuda->cuDeviceGetName(name, (int)name_size, cuda->device);
  *out = cuda;
  return 0;
}

void quantc_cuda_close(quantc_cuda *cuda) {
  if (!cuda)
    return;
  if (cuda->capture)
    cuda->cuStreamDestroy(cuda->capture);
  for (int i = 0; i < 2; ++i)
    if (cuda->timer[i])
      cuda->cuEventDestroy(cuda->timer[i]);
  if (cuda->context && cuda->cuDevicePrimaryCtxRelease)
    cuda->cuDevicePrimaryCtxRelease(cuda->device);
  if (cuda->library)
    dlclose(cuda->library);
  free(cuda);
}

int quantc_cuda_load(quantc_cuda *cuda, const void *image, void **module, char *error,
                     size_t error_size) {
  return check(cuda, cuda->cuModuleLoadData((CUmodule *)module, image), "cuModuleLoadData", error,
               error_size);
}

void quantc_cuda_unload(quantc_cuda *cuda, void *module) {
  if (module)
    cuda->cuModuleUnload(module);
}

int quantc_cuda_function(quantc_cuda *cuda, void *module, const char *name, void **function,
                         char *error, size_t error_size) {
  if (check(cuda, cuda->cuModuleGetFunction((CUfunction *)function, module, name),
            "cuModuleGetFunction", error, error_size))
    return fail(error, error_size, "the module has no kernel '%s'", name);
  return 0;
}

int quantc_cuda_resident_blocks(quantc_cuda *cuda, void *function, unsigned threads, int *blocks,
                                char *error, size_t error_size) {
  enum { CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16 };
  int processors = 0, per_processor = 0;
  if (!cuda->cuDeviceGetAttribute || !cuda->cuOccupancyMaxActiveBlocksPerMultiprocessor)
    return fail(error, error_size,
                "libcuda.so.1 lacks cuOccupancyMaxActiveBlocksPerMultiprocessor (driver too "
                "old?): stream-K kernels need it");
  if (check(cuda,
            cuda->cuDeviceGetAttribute(&processors, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT,
                                       cuda->device),
            "cuDeviceGetAttribute", error, error_size) ||
      check(cuda,
            cuda->cuOccupancyMaxActiveBlocksPerMultiprocessor(&per_processor, function,
                                                              (int)threads, 0),
            "cuOccupancyMaxActiveBlocksPerMultiprocessor", error, error_size))
    return -1;
  if (processors < 1 || per_processor < 1)
    return fail(error, error_size, "the device holds no block of %u threads of this kernel",
                threads);
  *blocks = processors * per_processor;
  return 0;
}

int quantc_cuda_alloc(quantc_cuda *cuda, size_t bytes, quantc_cuda_buffer *buffer, char *error,
                      size_t error_size) {
  return check(cuda, cuda->cuMemAlloc(buffer, bytes), "cuMemAlloc", error, error_size);
}

void quantc_cuda_free(quantc_cuda *cuda, quantc_cuda_buffer buffer) {
  if (buffer)
    cuda->cuMemFree(buffer);
}

int quantc_cuda_upload(quantc_cuda *cuda, quantc_cuda_buffer to, const void *from, size_t bytes,
                       char *error, size_t error_size) {
  return check(cuda, cuda->cuMemcpyHtoD(to, from, bytes), "cuMemcpyHtoD", error, error_size);
}

int quantc_cuda_download(quantc_cuda *cuda, void *to, quantc_cuda_buffer from, size_t bytes,
                         char *error, size_t error_size) {
  return check(cuda, cuda->cuMemcpyDtoH(to, from, bytes), "cuMemcpyDtoH", error, error_size);
}

/* While a capture is under way, copies, zeroing and launches go to the
 * capturing stream (recorded, not run); else to the default stream. */
int quantc_cuda_copy(quantc_cuda *cuda, quantc_cuda_buffer to, quantc_cuda_buffer from,
                     size_t bytes, char *error, size_t error_size) {
  if (cuda->capturing)
    return check(cuda, cuda->cuMemcpyDtoDAsync(to, from, bytes, cuda->capturing),
                 "cuMemcpyDtoDAsync", error, error_size);
  return check(cuda, cuda->cuMemcpyDtoD(to, from, bytes), "cuMemcpyDtoD", error, error_size);
}

int quantc_cuda_zero(quantc_cuda *cuda, quantc_cuda_buffer buffer, size_t bytes, char *error,
                     size_t error_size) {
  if (cuda->capturing)
    return check(cuda, cuda->cuMemsetD8Async(buffer, 0, bytes, cuda->capturing), "cuMemsetD8Async",
                 error, error_size);
  return check(cuda, cuda->cuMemsetD8(buffer, 0, bytes), "cuMemsetD8", error, error_size);
}

int quantc_cuda_enqueue(quantc_cuda *cuda, void *function, const unsigned grid[3],
                        const unsigned block[3], void **args, char *error, size_t error_size) {
  return check(cuda,
               cuda->cuLaunchKernel(function, grid[0], grid[1], grid[2], block[0], block[1],
                                    block[2], 0, cuda->capturing, args, NULL),
               "cuLaunchKernel", error, error_size);
}

int quantc_cuda_synchronize(quantc_cuda *cuda, char *error, size_t error_size) {
  return check(cuda, cuda->cuCtxSynchronize(), "kernel execution", error, error_size);
}

int quantc_cuda_timer_begin(quantc_cuda *cuda, char *error, size_t error_size) {
  for (int i = 0; i < 2; ++i)
    if (!cuda->timer[i] &&
        check(cuda, cuda->cuEventCreate(&cuda->timer[i], 0), "cuEventCreate", error, error_size))
      return -1;
  return check(cuda, cuda->cuEventRecord(cuda->timer[0], NULL), "cuEventRecord", error, error_size);
}

int quantc_cuda_timer_end(quantc_cuda *cuda, float *milliseconds, char *error, size_t error_size) {
  *milliseconds = 0;
  if (check(cuda, cuda->cuEventRecord(cuda->timer[1], NULL), "cuEventRecord", error, error_size) ||
      check(cuda, cuda->cuEventSynchronize(cuda->timer[1]), "kernel execution", error, error_size))
    return -1;
  return check(cuda, cuda->cuEventElapsedTime(milliseconds, cuda->timer[0], cuda->timer[1]),
               "cuEventElapsedTime", error, error_size);
}

int quantc_cuda_graphs_available(const quantc_cuda *cuda) { return cuda->graphs; }

int quantc_cuda_capture_begin(quantc_cuda *cuda, char *error, size_t error_size) {
  enum { CU_STREAM_NON_BLOCKING = 1, CU_STREAM_CAPTURE_MODE_THREAD_LOCAL = 1 };
  if (!cuda->graphs)
    return fail(error, error_size, "libcuda.so.1 lacks the CUDA graph API (driver too old?)");
  if (cuda->capturing)
    return fail(error, error_size, "a capture is already under way");
  /* Its own stream: the default (legacy) stream cannot capture. */
  if (!cuda->capture && check(cuda, cuda->cuStreamCreate(&cuda->capture, CU_STREAM_NON_BLOCKING),
                              "cuStreamCreate", error, error_size))
    return -1;
  if (check(cuda, cuda->cuStreamBeginCapture(cuda->capture, CU_STREAM_CAPTURE_MODE_THREAD_LOCAL),
            "cuStreamBeginCapture", error, error_size))
    return -1;
  cuda->capturing = cuda->capture;
  return 0;
}

int quantc_cuda_capture_end(quantc_cuda *cuda, void **graph, char *error, size_t error_size) {
  *graph = NULL;
  if (!cuda->capturing)
    return fail(error, error_size, "no capture is under way");
  CUgraph captured = NULL;
  CUresult ended = cuda->cuStreamEndCapture(cuda->capturing, &captured);
  cuda->capturing = NULL;
  if (check(cuda, ended, "cuStreamEndCapture", error, error_size))
    return -1;
  CUresult made = cuda->cuGraphInstantiateWithFlags((CUgraphExec *)graph, captured, 0);
  cuda->cuGraphDestroy(captured);
  if (check(cuda, made, "cuGraphInstantiate", error, error_size)) {
    *graph = NULL;
    return -1;
  }
  return 0;
}

int quantc_cuda_graph_launch(quantc_cuda *cuda, void *graph, char *error, size_t error_size) {
  /* On the default stream: in order with the copies before and after it. */
  return check(cuda, cuda->cuGraphLaunch(graph, NULL), "cuGraphLaunch", error, error_size);
}

void quantc_cuda_graph_free(quantc_cuda *cuda, void *graph) {
  if (graph)
    cuda->cuGraphExecDestroy(graph);
}

int quantc_cuda_launch(quantc_cuda *cuda, void *function, const unsigned grid[3],
                       const unsigned block[3], void **args, int repeats, float *milliseconds,
                       char *error, size_t error_size) {
  if (milliseconds && quantc_cuda_timer_begin(cuda, error, error_size))
    return -1;
  for (int i = 0; i < repeats; ++i)
    if (quantc_cuda_enqueue(cuda, function, grid, block, args, error, error_size))
      return -1;
  if (milliseconds) {
    float total = 0;
    if (quantc_cuda_timer_end(cuda, &total, error, error_size))
      return -1;
    *milliseconds = repeats > 0 ? total / (float)repeats : 0.0f;
  }
  return quantc_cuda_synchronize(cuda, error, error_size);
}
