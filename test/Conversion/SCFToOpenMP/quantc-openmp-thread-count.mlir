// RUN: quant-opt %s -split-input-file -verify-diagnostics --quantc-openmp-thread-count | FileCheck %s

// Every team takes the runtime's count for this call; a team that already
// has one keeps it.
// CHECK-LABEL: func.func private @quantc_thread_count() -> i32
// CHECK-LABEL: func.func @two_teams
// CHECK: %[[N:.*]] = call @quantc_thread_count() : () -> i32
// CHECK: omp.parallel num_threads(%[[N]] : i32) {
// CHECK: %[[M:.*]] = call @quantc_thread_count() : () -> i32
// CHECK: omp.parallel num_threads(%[[M]] : i32) {
// CHECK: omp.parallel num_threads(%arg0 : i32) {
func.func @two_teams(%fixed: i32) {
  omp.parallel {
    omp.terminator
  }
  omp.parallel {
    omp.terminator
  }
  omp.parallel num_threads(%fixed : i32) {
    omp.terminator
  }
  return
}

// -----

// No team, no declaration.
// CHECK-LABEL: func.func @sequential
// CHECK-NOT: quantc_thread_count
func.func @sequential() {
  return
}

// -----

// expected-error @below {{@quantc_thread_count is reserved for the runtime's thread count}}
func.func private @quantc_thread_count(i32) -> i32

func.func @clash() {
  omp.parallel {
    omp.terminator
  }
  return
}
