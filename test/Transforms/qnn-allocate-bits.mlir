// RUN: quant-opt %s --qnn-allocate-bits="avg-bits=4" | FileCheck %s
// RUN: quant-opt %s --qnn-allocate-bits="avg-bits=4 pins=b=8" | FileCheck %s --check-prefix=PINNED
// RUN: quant-opt %s --qnn-allocate-bits="size-budget=220" | FileCheck %s --check-prefix=SIZE
// RUN: quant-opt %s --qnn-allocate-bits="avg-bits=4 symmetric=false" | FileCheck %s --check-prefix=ASYM
// RUN: not quant-opt %s --qnn-allocate-bits="avg-bits=1" -mlir-print-op-on-diagnostic=false 2>&1 | FileCheck %s --check-prefix=TOO-SMALL
// RUN: not quant-opt %s --qnn-allocate-bits="avg-bits=4 pin-first-last=true" -mlir-print-op-on-diagnostic=false 2>&1 | FileCheck %s --check-prefix=FIRST-LAST
// RUN: not quant-opt %s --qnn-allocate-bits="avg-bits=4 pins=b=5" -mlir-print-op-on-diagnostic=false 2>&1 | FileCheck %s --check-prefix=NOT-CANDIDATE
// RUN: not quant-opt %s --qnn-allocate-bits="avg-bits=4 pins=b" -mlir-print-op-on-diagnostic=false 2>&1 | FileCheck %s --check-prefix=BAD-PIN

// Three 10x10 layers (100 weights, 10 f32 scales each). At 4 bits per
// weight on average (1200 bits) the least total sensitivity is every layer
// at 4 bits (1 + 0.5 + 2 = 3.5); c at 8 would force a and b to 2 (11).
// CHECK: module attributes {qnn.allocation = {avg_bits = 4.000000e+00 : f64, bops = 9600 : i64, predicted_omega = 3.500000e+00 : f64, size_bytes = 270 : i64}}
// CHECK-LABEL: func.func @main
// CHECK: qnn.matmul {{.*}}qnn.weight_format = #qnn.weight_format<bits = 4, group_size = 0, ternary = false, symmetric = true>
// CHECK: qnn.matmul {{.*}}qnn.weight_format = #qnn.weight_format<bits = 4,
// CHECK: qnn.matmul {{.*}}qnn.weight_format = #qnn.weight_format<bits = 4,
// b pinned to 8 leaves 400 bits for a and c: both 2 bits.
// PINNED: weight_format<bits = 2,
// PINNED: weight_format<bits = 8,
// PINNED: weight_format<bits = 2,
// 220 bytes = 1760 bits, of which 3 x 320 are scales: 800 bits of weights,
// enough for one layer at 4 bits: c, the most sensitive.
// SIZE: qnn.allocation = {avg_bits = 2.66{{[0-9]*}} : f64, bops = 6400 : i64, predicted_omega = 1.300000e+01 : f64, size_bytes = 220 : i64}
// SIZE: weight_format<bits = 2,
// SIZE: weight_format<bits = 2,
// SIZE: weight_format<bits = 4,
// Asymmetric weights: the formats say so, and each scale brings an i8
// zero point (3 x (50 + 10 x 5) bytes).
// ASYM: qnn.allocation = {{{.*}}size_bytes = 300 : i64}
// ASYM-COUNT-3: weight_format<bits = 4, group_size = 0, ternary = false, symmetric = false>
// TOO-SMALL: error: qnn-allocate-bits: avg-bits 1 is infeasible: the smallest achievable is 2 bits per weight
// FIRST-LAST: error: qnn-allocate-bits: avg-bits 4 is infeasible: the smallest achievable is 6 bits per weight with the pinned layers
// NOT-CANDIDATE: error: qnn-allocate-bits: layer 'b' is pinned to 5 bits, which is not a candidate
// BAD-PIN: error: qnn-allocate-bits: pins entries are 'regex=bits' with bits from 2 to 8, got 'b'
func.func @main(%x: tensor<1x10xf32>) -> tensor<1x10xf32> {
  %w = qnn.constant dense<0.5> : tensor<10x10xf32>
  %a = qnn.matmul %x, %w {qnn.sensitivity = #qnn.sensitivity<bits = [2, 4, 8], omega = [10.0, 1.0, 0.0]>} : (tensor<1x10xf32>, tensor<10x10xf32>) -> tensor<1x10xf32> loc("a")
  %b = qnn.matmul %a, %w {qnn.sensitivity = #qnn.sensitivity<bits = [2, 4, 8], omega = [1.0, 0.5, 0.0]>} : (tensor<1x10xf32>, tensor<10x10xf32>) -> tensor<1x10xf32> loc("b")
  %c = qnn.matmul %b, %w {qnn.sensitivity = #qnn.sensitivity<bits = [2, 4, 8], omega = [100.0, 2.0, 0.0]>} : (tensor<1x10xf32>, tensor<10x10xf32>) -> tensor<1x10xf32> loc("c")
  return %c : tensor<1x10xf32>
}
