/* A lean runner for the memory benchmark: loads lib<name>.so with dlopen
 * (nothing else: no LLVM, no quantc), runs <name>_model on one .npy input
 * through the artifact's own runtime, and prints its timing and resident
 * memory as JSON: idle_kb (after loading), peak_kb (getrusage). With a
 * reference .npy it also compares the first output with it: max_abs_diff,
 * and argmax_agree (the share of rows, along the last axis, whose largest
 * element is at the same place: a recognizer's characters). "same_bits"
 * says whether every call's first output had the first call's bits (a
 * GPU artifact's reductions in a fixed order: --gpu-deterministic).
 * Usage: run_artifact LIB.so NAME X.npy THREADS REPEAT [REFERENCE.npy] */
#define _GNU_SOURCE
#include "quantc/Runtime/quantc_runtime.h"

#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static long resident_kb(void) {
  FILE *status = fopen("/proc/self/status", "r");
  char line[256];
  long kb = 0;
  while (status && fgets(line, sizeof line, status))
    if (sscanf(line, "VmRSS: %ld", &kb) == 1)
      break;
  if (status)
    fclose(status);
  return kb;
}

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The bytes of an f32 tensor (0 for another type). */
static size_t f32_bytes(const quantc_tensor *t) {
  size_t count = t->dtype == QUANTC_FLOAT32 ? 1 : 0;
  for (int32_t d = 0; d < t->rank; ++d)
    count *= (size_t)t->shape[d];
  return count * sizeof(float);
}

/* Prints the comparison fields of two f32 tensors of one shape. */
static int compare(const quantc_tensor *output, const quantc_tensor *reference) {
  if (output->dtype != QUANTC_FLOAT32 || reference->dtype != QUANTC_FLOAT32 ||
      output->rank != reference->rank || output->rank < 1) {
    fprintf(stderr, "run_artifact: the reference is not an f32 tensor of the output's rank\n");
    return 1;
  }
  int64_t count = 1;
  for (int32_t d = 0; d < output->rank; ++d) {
    if (output->shape[d] != reference->shape[d]) {
      fprintf(stderr, "run_artifact: the reference's shape differs from the output's\n");
      return 1;
    }
    count *= output->shape[d];
  }
  const float *a = output->data, *b = reference->data;
  int64_t row = output->shape[output->rank - 1], rows = row ? count / row : 0, agree = 0;
  double worst = 0;
  for (int64_t r = 0; r < rows; ++r) {
    int64_t best_a = 0, best_b = 0;
    for (int64_t i = 0; i < row; ++i) {
      double d = fabs((double)a[r * row + i] - (double)b[r * row + i]);
      worst = d > worst ? d : worst;
      best_a = a[r * row + i] > a[r * row + best_a] ? i : best_a;
      best_b = b[r * row + i] > b[r * row + best_b] ? i : best_b;
    }
    agree += best_a == best_b;
  }
  printf(", \"max_abs_diff\": %.3g, \"argmax_agree\": %.4f", worst,
         rows ? (double)agree / (double)rows : 1.0);
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 6 && argc != 7) {
    fprintf(stderr, "usage: run_artifact LIB.so NAME X.npy THREADS REPEAT [REFERENCE.npy]\n");
    return 2;
  }
  void *library = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    fprintf(stderr, "run_artifact: %s\n", dlerror());
    return 1;
  }
  char symbol[256];
  snprintf(symbol, sizeof symbol, "%s_model", argv[2]);
  const quantc_model *model = dlsym(library, symbol);
  int (*run)(const quantc_model *, const quantc_run_options *, const quantc_tensor *, int32_t,
             quantc_tensor *, int32_t, char *, size_t) =
      (int (*)(const quantc_model *, const quantc_run_options *, const quantc_tensor *, int32_t,
               quantc_tensor *, int32_t, char *, size_t))dlsym(library, "quantc_model_run_with_options");
  int (*read_npy)(const char *, quantc_tensor *, char *, size_t) =
      (int (*)(const char *, quantc_tensor *, char *, size_t))dlsym(library, "quantc_npy_read");
  if (!model || !run || !read_npy) {
    fprintf(stderr, "run_artifact: %s lacks %s or the runtime's entry points\n", argv[1], symbol);
    return 1;
  }
  long idle = resident_kb();
  char error[512];
  quantc_tensor input;
  if (read_npy(argv[3], &input, error, sizeof error)) {
    fprintf(stderr, "run_artifact: %s\n", error);
    return 1;
  }
  quantc_run_options options;
  memset(&options, 0, sizeof options);
  options.num_threads = atoi(argv[4]);
  int repeat = atoi(argv[5]);
  quantc_tensor outputs[16];
  if (model->num_outputs > 16)
    return 1;
  memset(outputs, 0, sizeof outputs);
  double *times = calloc(repeat + 1, sizeof *times);
  void *first = NULL; /* the first call's output, bit for bit */
  size_t first_bytes = 0;
  int same_bits = 1;
  for (int i = 0; i <= repeat; ++i) { /* one warm-up */
    double start = now_ms();
    if (run(model, &options, &input, 1, outputs, model->num_outputs, error, sizeof error)) {
      fprintf(stderr, "run_artifact: %s\n", error);
      return 1;
    }
    times[i] = now_ms() - start;
    if (i == 0) {
      first_bytes = f32_bytes(&outputs[0]);
      first = malloc(first_bytes ? first_bytes : 1);
      if (first && first_bytes)
        memcpy(first, outputs[0].data, first_bytes);
    } else if (first) {
      same_bits &=
          f32_bytes(&outputs[0]) == first_bytes && memcmp(first, outputs[0].data, first_bytes) == 0;
    }
  }
  qsort(times + 1, repeat, sizeof *times, by_value);
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  printf("{\"median_ms\": %.3f, \"idle_kb\": %ld, \"peak_kb\": %ld, \"same_bits\": %s",
         repeat ? times[1 + repeat / 2] : times[0], idle, usage.ru_maxrss,
         same_bits ? "true" : "false");
  if (argc == 7) {
    quantc_tensor reference;
    if (read_npy(argv[6], &reference, error, sizeof error)) {
      fprintf(stderr, "run_artifact: %s\n", error);
      return 1;
    }
    if (compare(&outputs[0], &reference))
      return 1;
  }
  printf("}\n");
  return 0;
}
