// RUN: quant-opt %s --qnn-allocate-bits="avg-bits=5" | FileCheck %s --check-prefix=BITS
// RUN: quant-opt %s --qnn-allocate-bits="latency-budget-ms=3" | FileCheck %s --check-prefix=TIME

// Two layers of the same size, latencies as qnn-measure-latency records them
// for the packed kernels. An average of 5 bits allows one layer at 8 and one
// at 2: the sensitivities favour a at 8 (5 instead of 10). Its 8-bit kernel
// is slow (a is latency-bound at 8 bits: 5 ms), so within 3 ms the same
// average of 5 bits goes the other way round: a at 2 (1 ms), b at 8 (2 ms).
// BITS: module attributes {qnn.allocation = {avg_bits = 5.000000e+00
// BITS: qnn.matmul {{.*}}weight_format<bits = 8,
// BITS: qnn.matmul {{.*}}weight_format<bits = 2,
// TIME: module attributes {qnn.allocation = {avg_bits = 5.000000e+00 : f64, bops = {{[0-9]+}} : i64, latency_ms = 3.000000e+00
// TIME: qnn.matmul {{.*}}weight_format<bits = 2,
// TIME: qnn.matmul {{.*}}weight_format<bits = 8,
func.func @main(%x: tensor<1x10xf32>) -> tensor<1x10xf32> {
  %w = qnn.constant dense<0.5> : tensor<10x10xf32>
  %a = qnn.matmul %x, %w {qnn.sensitivity = #qnn.sensitivity<bits = [2, 8], omega = [10.0, 0.0]>, qnn.latency_ms = array<f64: 1.0, 5.0>} : (tensor<1x10xf32>, tensor<10x10xf32>) -> tensor<1x10xf32> loc("a")
  %b = qnn.matmul %a, %w {qnn.sensitivity = #qnn.sensitivity<bits = [2, 8], omega = [5.0, 0.0]>, qnn.latency_ms = array<f64: 1.0, 2.0>} : (tensor<1x10xf32>, tensor<10x10xf32>) -> tensor<1x10xf32> loc("b")
  return %b : tensor<1x10xf32>
}
