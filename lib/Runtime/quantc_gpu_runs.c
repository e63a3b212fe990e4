/* Device work held back until the host needs the device, and known runs
 * replayed as CUDA graphs (quantc_gpu_runs.h). */
#include "quantc_gpu_runs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { OP_KERNEL, OP_ZERO, OP_COPY };
enum {
  MAX_ARGUMENTS = QUANTC_GPU_MAX_ARGUMENTS,
  /* Shorter runs launch one by one: a graph saves little on them. */
  MIN_GRAPH_OPERATIONS = 4,
  /* Runs remembered (with their graphs): a model's call has one or a few;
   * more when calls from several threads (each its own scratch) differ. */
  KNOWN_RUNS = 16
};

typedef struct {
  int kind, count;
  const char *name; /* a kernel's */
  void *function;
  unsigned grid[3], block[3];
  /* A kernel's arguments; a zeroing's buffer; a copy's target, source. */
  quantc_cuda_buffer args[MAX_ARGUMENTS];
  size_t bytes;
} device_operation;

typedef struct {
  device_operation *operations;
  size_t count;
  void *graph; /* NULL until the run is seen again */
  unsigned long long used;
} known_run;

static quantc_cuda *cuda;
static int graphs, watch;
static const char *graphs_off = "";
static device_operation *pending;
static size_t pending_count, pending_capacity;
static known_run known[KNOWN_RUNS];
static unsigned long long use_clock;
static long graph_launches, graph_operations;

/* QUANTC_GPU_RUNS_TIME_EACH: device time by kernel. */
typedef struct {
  const char *name;
  unsigned blocks, threads; /* its launch (a kernel is built for one shape) */
  long runs;
  double milliseconds;
} kernel_time;
static kernel_time *times;
static size_t time_count, time_capacity;

int quantc_gpu_reserve(void **array, size_t *capacity, size_t needed, size_t element) {
  if (needed <= *capacity)
    return 0;
  size_t next = *capacity ? *capacity : 16;
  while (next < needed)
    next *= 2;
  void *grown = realloc(*array, next * element);
  if (!grown)
    return -1;
  *array = grown;
  *capacity = next;
  return 0;
}

void quantc_gpu_runs_open(quantc_cuda *opened, int wanted, int watching) {
  cuda = opened;
  watch = watching;
  graphs = wanted && watch != QUANTC_GPU_RUNS_TIME_EACH && quantc_cuda_graphs_available(cuda);
  graphs_off = graphs                               ? ""
               : !wanted                            ? "off (QUANTC_GPU_GRAPHS=0)"
               : watch == QUANTC_GPU_RUNS_TIME_EACH ? "off (QUANTC_GPU_PROFILE=kernels)"
                                                    : "off (the driver has no graph API)";
}

static void add_time(const char *name, const device_operation *op, float milliseconds) {
  size_t i = 0;
  while (i < time_count && times[i].name != name)
    ++i;
  if (i == time_count) {
    if (quantc_gpu_reserve((void **)&times, &time_capacity, time_count + 1, sizeof *times))
      return; /* not counted */
    unsigned blocks = op->grid[0] * op->grid[1] * op->grid[2];
    times[time_count++] = (kernel_time){name, blocks, op->block[0], 0, 0.0};
  }
  ++times[i].runs;
  times[i].milliseconds += milliseconds;
}

static int by_time(const void *a, const void *b) {
  double x = ((const kernel_time *)a)->milliseconds, y = ((const kernel_time *)b)->milliseconds;
  return (x < y) - (x > y);
}

/* The nodes `nodes` names for kernel `name` (up to the line's end), or "". */
static const char *nodes_of(const char *nodes, const char *name, int *length) {
  size_t size = strlen(name);
  for (const char *line = nodes; line && *line;) {
    const char *end = strchr(line, '\n');
    if (!end)
      end = line + strlen(line);
    if (!strncmp(line, name, size) && line[size] == '\t') {
      *length = (int)(end - line - (ptrdiff_t)size - 1);
      return line + size + 1;
    }
    line = *end ? end + 1 : end;
  }
  *length = 0;
  return "";
}

void quantc_gpu_runs_print_kernels(FILE *to, const char *nodes) {
  if (watch != QUANTC_GPU_RUNS_TIME_EACH)
    return;
  qsort(times, time_count, sizeof *times, by_time);
  double total = 0;
  long runs = 0;
  for (size_t i = 0; i < time_count; ++i) {
    total += times[i].milliseconds;
    runs += times[i].runs;
  }
  fprintf(to, "quantc GPU kernels: %.3f ms of device time in %ld operations, by kernel:\n", total,
          runs);
  fprintf(to, "%10s %8s %10s %7s %16s  %s\n", "ms", "runs", "us each", "share", "blocks x threads",
          "kernel: ONNX nodes");
  for (size_t i = 0; i < time_count; ++i) {
    char launch[32] = "";
    if (times[i].threads)
      snprintf(launch, sizeof launch, "%u x %u", times[i].blocks, times[i].threads);
    int length = 0;
    const char *of = nodes_of(nodes, times[i].name, &length);
    /* A kernel many nodes share: the first of them, then how many. */
    enum { SHOWN = 72 };
    fprintf(to, "%10.3f %8ld %10.2f %6.1f%% %16s  %s%s%.*s%s\n", times[i].milliseconds,
            times[i].runs, 1e3 * times[i].milliseconds / (double)times[i].runs,
            total > 0 ? 100.0 * times[i].milliseconds / total : 0.0, launch, times[i].name,
            length ? ": " : "", length < SHOWN ? length : SHOWN, of, length > SHOWN ? "..." : "");
  }
}

static int run_operation(const device_operation *op, char *error, size_t error_size) {
  if (op->kind == OP_ZERO)
    return quantc_cuda_zero(cuda, op->args[0], op->bytes, error, error_size);
  if (op->kind == OP_COPY)
    return quantc_cuda_copy(cuda, op->args[0], op->args[1], op->bytes, error, error_size);
  void *args[MAX_ARGUMENTS];
  for (int i = 0; i < op->count; ++i)
    args[i] = (void *)&op->args[i];
  return quantc_cuda_enqueue(cuda, op->function, op->grid, op->block, args, error, error_size);
}

static const char *operation_name(const device_operation *op) {
  return op->kind == OP_KERNEL ? op->name
         : op->kind == OP_ZERO ? "(memsets zeroing split-K outputs)"
                               : "(device copies)";
}

/* `op` launched, and waited for when profiling (then a failure names it),
 * timed on the device when timing each. */
static int run_now(const device_operation *op, char *error, size_t error_size) {
  float milliseconds = 0;
  int timed = watch == QUANTC_GPU_RUNS_TIME_EACH;
  if ((timed && quantc_cuda_timer_begin(cuda, error, error_size)) ||
      run_operation(op, error, error_size) ||
      (timed && quantc_cuda_timer_end(cuda, &milliseconds, error, error_size)) ||
      (watch == QUANTC_GPU_RUNS_WAIT && quantc_cuda_synchronize(cuda, error, error_size))) {
    size_t used = strlen(error);
    snprintf(error + used, error_size - used, " (in %s)", operation_name(op));
    return -1;
  }
  if (timed)
    add_time(operation_name(op), op, milliseconds);
  return 0;
}

static int run_each(const device_operation *ops, size_t count, char *error, size_t error_size) {
  for (size_t i = 0; i < count; ++i)
    if (run_now(&ops[i], error, error_size))
      return -1;
  return 0;
}

/* Runs `op` now, or queues it when graphs may replay it. */
static int queue(const device_operation *op, char *error, size_t error_size) {
  if (!graphs)
    return run_now(op, error, error_size);
  if (quantc_gpu_reserve((void **)&pending, &pending_capacity, pending_count + 1,
                         sizeof *pending)) {
    snprintf(error, error_size, "out of host memory");
    return -1;
  }
  pending[pending_count++] = *op;
  return 0;
}

int quantc_gpu_runs_kernel(const char *name, void *function, const unsigned grid[3],
                           const unsigned block[3], void **args, int count, char *error,
                           size_t error_size) {
  if (count < 0 || count > MAX_ARGUMENTS) {
    snprintf(error, error_size, "a kernel of %d arguments (at most %d)", count, MAX_ARGUMENTS);
    return -1;
  }
  /* Zero-filled, so that runs compare bytewise. */
  device_operation op;
  memset(&op, 0, sizeof op);
  op.kind = OP_KERNEL;
  op.count = count;
  op.name = name;
  op.function = function;
  memcpy(op.grid, grid, sizeof op.grid);
  memcpy(op.block, block, sizeof op.block);
  for (int i = 0; i < count; ++i)
    op.args[i] = *(const quantc_cuda_buffer *)args[i];
  return queue(&op, error, error_size);
}

int quantc_gpu_runs_zero(quantc_cuda_buffer buffer, size_t bytes, char *error, size_t error_size) {
  device_operation op;
  memset(&op, 0, sizeof op);
  op.kind = OP_ZERO;
  op.args[0] = buffer;
  op.bytes = bytes;
  return queue(&op, error, error_size);
}

int quantc_gpu_runs_copy(quantc_cuda_buffer to, quantc_cuda_buffer from, size_t bytes, char *error,
                         size_t error_size) {
  device_operation op;
  memset(&op, 0, sizeof op);
  op.kind = OP_COPY;
  op.args[0] = to;
  op.args[1] = from;
  op.bytes = bytes;
  return queue(&op, error, error_size);
}

static known_run *find_run(const device_operation *ops, size_t count) {
  for (int i = 0; i < KNOWN_RUNS; ++i)
    if (known[i].count == count && !memcmp(known[i].operations, ops, count * sizeof *ops))
      return &known[i];
  return NULL;
}

static void forget(known_run *run) {
  quantc_cuda_graph_free(cuda, run->graph);
  free(run->operations);
  memset(run, 0, sizeof *run);
}

/* Remembers a run seen for the first time, in place of the least recently
 * used one. */
static void remember(const device_operation *ops, size_t count) {
  known_run *slot = &known[0];
  for (int i = 1; i < KNOWN_RUNS; ++i)
    if (known[i].used < slot->used)
      slot = &known[i];
  forget(slot);
  slot->operations = malloc(count * sizeof *ops);
  if (!slot->operations)
    return; /* not remembered: it runs one by one again */
  memcpy(slot->operations, ops, count * sizeof *ops);
  slot->count = count;
  slot->used = ++use_clock;
}

/* Graphs off for good after the driver refused one (`what`: `error`): runs
 * go one by one from then on; the reason is kept for the profile. */
static void turn_graphs_off(const char *what, const char *error) {
  static char reason[320];
  snprintf(reason, sizeof reason, "off (%s failed: %s)", what, error);
  graphs_off = reason;
  graphs = 0;
}

/* The run's graph, captured from its operations (none after a failure). */
static void capture(known_run *run) {
  char error[256] = "";
  int failed = quantc_cuda_capture_begin(cuda, error, sizeof error);
  if (!failed) {
    for (size_t i = 0; i < run->count && !failed; ++i)
      failed = run_operation(&run->operations[i], error, sizeof error);
    char ended[256] = "";
    if (quantc_cuda_capture_end(cuda, &run->graph, ended, sizeof ended) && !failed) {
      failed = 1;
      snprintf(error, sizeof error, "%s", ended);
    }
  }
  if (failed) {
    quantc_cuda_graph_free(cuda, run->graph);
    run->graph = NULL;
    turn_graphs_off("a capture", error);
  }
}

int quantc_gpu_runs_flush(char *error, size_t error_size) {
  size_t count = pending_count;
  pending_count = 0;
  if (count < MIN_GRAPH_OPERATIONS)
    return run_each(pending, count, error, error_size);
  known_run *run = find_run(pending, count);
  if (!run) {
    remember(pending, count);
    return run_each(pending, count, error, error_size);
  }
  run->used = ++use_clock;
  if (!run->graph)
    capture(run);
  if (!run->graph)
    return run_each(pending, count, error, error_size);
  if (quantc_cuda_graph_launch(cuda, run->graph, error, error_size)) {
    /* Refused at once: not a kernel's fault, which shows later. */
    turn_graphs_off("a graph launch", error);
    return run_each(pending, count, error, error_size);
  }
  ++graph_launches;
  graph_operations += (long)count;
  if (watch == QUANTC_GPU_RUNS_UNWATCHED || !quantc_cuda_synchronize(cuda, error, error_size))
    return 0;
  size_t used = strlen(error);
  snprintf(error + used, error_size - used,
           " (a graph of %zu kernels and copies; QUANTC_GPU_GRAPHS=0 launches them one by one)",
           count);
  return -1;
}

void quantc_gpu_runs_close(void) {
  for (int i = 0; i < KNOWN_RUNS; ++i)
    forget(&known[i]);
  free(pending);
  pending = NULL;
  free(times);
  times = NULL;
  time_count = time_capacity = 0;
  pending_count = pending_capacity = 0;
  graphs = 0;
}

void quantc_gpu_runs_counts(long *launches, long *operations, const char **off) {
  *launches = graph_launches;
  *operations = graph_operations;
  *off = graphs_off;
}
