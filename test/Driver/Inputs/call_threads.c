/* Runs a compiled one-input, one-output model from several threads at once,
 * each call with a team of two threads, and checks every result bit for bit
 * against a one-thread call. Built with -DMODEL=<name>_model and
 * -include <name>.h. Usage: call_threads X.npy
 * With -DSHARED_OUTPUT every caller writes one shared output buffer: a
 * deliberate race, which ThreadSanitizer must report. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define CALLERS 4
#define RUNS 3

static quantc_tensor input, reference;

#ifdef SHARED_OUTPUT
static quantc_tensor shared;
#endif

static int run(int32_t threads, quantc_tensor *output) {
  char error[256];
  quantc_run_options options;
  memset(&options, 0, sizeof options);
  options.num_threads = threads;
  memset(output, 0, sizeof *output);
#ifdef SHARED_OUTPUT
  if (shared.data)
    *output = shared;
#endif
  if (quantc_model_run_with_options(&MODEL, &options, &input, 1, output, 1, error, sizeof error)) {
    fprintf(stderr, "call_threads: %s\n", error);
    return -1;
  }
  return 0;
}

static void *caller(void *unused) {
  (void)unused;
  intptr_t mismatches = 0;
  size_t bytes = (size_t)quantc_tensor_numel(&reference) * quantc_dtype_size(reference.dtype);
  for (int i = 0; i < RUNS; ++i) {
    quantc_tensor output;
    if (run(2, &output))
      return (void *)(intptr_t)1;
    mismatches += memcmp(output.data, reference.data, bytes) != 0;
#ifndef SHARED_OUTPUT
    quantc_tensor_free(&output);
#endif
  }
  return (void *)mismatches;
}

int main(int argc, char **argv) {
  char error[256];
  if (argc != 2 || quantc_npy_read(argv[1], &input, error, sizeof error)) {
    fprintf(stderr, "call_threads: %s\n", argc == 2 ? error : "usage: call_threads X.npy");
    return 1;
  }
  quantc_run_options bad = {-1};
  quantc_tensor unused;
  memset(&unused, 0, sizeof unused);
  if (quantc_model_run_with_options(&MODEL, &bad, &input, 1, &unused, 1, error, sizeof error) == 0) {
    fprintf(stderr, "call_threads: num_threads -1 was accepted\n");
    return 1;
  }
  printf("refused: %s\n", error);
  if (run(1, &reference))
    return 1;
#ifdef SHARED_OUTPUT
  if (run(1, &shared))
    return 1;
#endif
  pthread_t threads[CALLERS];
  for (int t = 0; t < CALLERS; ++t)
    pthread_create(&threads[t], NULL, caller, NULL);
  intptr_t mismatches = 0;
  for (int t = 0; t < CALLERS; ++t) {
    void *result;
    pthread_join(threads[t], &result);
    mismatches += (intptr_t)result;
  }
  printf("%d callers x %d runs, 2 threads each: %s\n", CALLERS, RUNS,
         mismatches ? "DIFFERENT from one thread" : "identical to one thread");
  quantc_tensor_free(&reference);
  quantc_tensor_free(&input);
  return mismatches != 0;
}
