// RUN: quant-opt %s --qnn-allocate-bits="latency-budget-ms=3" | FileCheck %s
// RUN: not quant-opt %s --qnn-allocate-bits="latency-budget-ms=1" -mlir-print-op-on-diagnostic=false 2>&1 | FileCheck %s --check-prefix=TOO-FAST
// RUN: sed 's/, qnn.latency_ms = [^>]*>//' %s | not quant-opt --qnn-allocate-bits="latency-budget-ms=3" -mlir-print-op-on-diagnostic=false 2>&1 | FileCheck %s --check-prefix=UNMEASURED

// Measured latencies (qnn-measure-latency): within 3 ms, b takes the fast
// 2-bit kernel (1 ms) so a can keep 8 bits (2 ms); the other way round would
// cost 1 + 10 in sensitivity instead of 0 + 5.
// CHECK: module attributes {qnn.allocation = {{{.*}}latency_ms = 3.000000e+00 : f64
// CHECK: weight_format<bits = 8,
// CHECK: weight_format<bits = 2,
// TOO-FAST: error: qnn-allocate-bits: latency-budget-ms 1 is infeasible: the smallest achievable is 2 ms
// UNMEASURED: error: qnn-allocate-bits: layer 'a' has no measured latency; run qnn-measure-latency with the same bit-widths first
func.func @main(%x: tensor<1x10xf32>) -> tensor<1x10xf32> {
  %w = qnn.constant dense<0.5> : tensor<10x10xf32>
  %a = qnn.matmul %x, %w {qnn.sensitivity = #qnn.sensitivity<bits = [2, 8], omega = [10.0, 0.0]>, qnn.latency_ms = array<f64: 1.0, 2.0>} : (tensor<1x10xf32>, tensor<10x10xf32>) -> tensor<1x10xf32> loc("a")
  %b = qnn.matmul %a, %w {qnn.sensitivity = #qnn.sensitivity<bits = [2, 8], omega = [5.0, 0.0]>, qnn.latency_ms = array<f64: 1.0, 2.0>} : (tensor<1x10xf32>, tensor<10x10xf32>) -> tensor<1x10xf32> loc("b")
  return %b : tensor<1x10xf32>
}
