/* How far apart two cores are: the round trip of one cache line between
 * two threads pinned to CPUs A and B, each waiting for the other's write.
 * On a machine whose cores share a cache this is tens of nanoseconds; two
 * vCPUs on different dies or hosts take hundreds, and every barrier and
 * every line one thread writes and another reads pays it, so 2-thread
 * timings of small models swing with it.
 * Usage: core_distance [CPU_A CPU_B]; prints "round trip N ns". */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum { kRounds = 200000 };
static _Alignas(64) atomic_int flag;

static void pin(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

static void *answer(void *cpu) {
  pin(*(int *)cpu);
  for (int i = 0; i < kRounds; i++) {
    while (atomic_load_explicit(&flag, memory_order_acquire) != 2 * i + 1)
      ;
    atomic_store_explicit(&flag, 2 * i + 2, memory_order_release);
  }
  return NULL;
}

int main(int argc, char **argv) {
  int a = argc > 2 ? atoi(argv[1]) : 0, b = argc > 2 ? atoi(argv[2]) : 1;
  pthread_t other;
  pthread_create(&other, NULL, answer, &b);
  pin(a);
  struct timespec start, end;
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (int i = 0; i < kRounds; i++) {
    atomic_store_explicit(&flag, 2 * i + 1, memory_order_release);
    while (atomic_load_explicit(&flag, memory_order_acquire) != 2 * i + 2)
      ;
  }
  clock_gettime(CLOCK_MONOTONIC, &end);
  pthread_join(other, NULL);
  double ns = (end.tv_sec - start.tv_sec) * 1e9 + (end.tv_nsec - start.tv_nsec);
  printf("round trip %.0f ns\n", ns / kRounds);
  return 0;
}
