// RUN: quant-opt %s --qnn-allocate-bits="avg-bits=4 act-bits-auto=true" | FileCheck %s
// RUN: quant-opt %s --qnn-allocate-bits="avg-bits=4 act-bits-auto=true act-headroom=0.6" | FileCheck %s --check-prefix=ROOM
// RUN: quant-opt %s --qnn-allocate-bits="avg-bits=4 bops-budget=9600 act-bits-auto=true" | FileCheck %s --check-prefix=BOPS
// RUN: not quant-opt %s --qnn-allocate-bits="latency-budget-ms=1 act-bits-auto=true" -mlir-print-op-on-diagnostic=false 2>&1 | FileCheck %s --check-prefix=LATENCY

// Three 10x10 layers (10 MACs per output, 100 per run). b's input costs 5
// at 8 bits and nothing at 16; c's costs 3 (a's 0.5). The best all-int8
// allocation is 4 bits each (1.5 + 5.5 + 5 = 12 in 3 x 100 x 4 x 8 = 9600
// BOPs), and without a BOPs budget the weights keep it: a 16-bit input only
// spends the headroom. The default 30% (12480 BOPs) buys none (b's would need 12800);
// 60% (15360) buys b's: 12 - 5 = 7.
// CHECK: qnn.allocation = {act16_layers = 0 : i64, avg_bits = 4.0{{0*}}e+00 : f64, bops = 9600 : i64, predicted_omega = 1.200000e+01 : f64
// CHECK-COUNT-3: qnn.matmul {{.*}}qnn.act_bits = 8 : i64, {{.*}}bits = 4,
// ROOM: qnn.allocation = {act16_layers = 1 : i64, avg_bits = 4.0{{0*}}e+00 : f64, bops = 12800 : i64, predicted_omega = 7.000000e+00 : f64
// ROOM: qnn.matmul {{.*}}qnn.act_bits = 8 : i64, {{.*}}bits = 4,
// ROOM: qnn.matmul {{.*}}qnn.act_bits = 16 : i64, {{.*}}bits = 4,
// ROOM: qnn.matmul {{.*}}qnn.act_bits = 8 : i64, {{.*}}bits = 4,
// A BOPs budget makes the choice joint (HAWQ-V3): within the all-int8
// 9600 BOPs, b drops to 2 weight bits (+0.5) and pays for its 16-bit input
// (-5) with the BOPs that saves: 1.5 + 1 + 5 = 7.5.
// BOPS: qnn.allocation = {act16_layers = 1 : i64, avg_bits = 3.33{{[0-9]*}} : f64, bops = 9600 : i64, predicted_omega = 7.500000e+00 : f64
// BOPS: qnn.matmul {{.*}}qnn.act_bits = 8 : i64, {{.*}}bits = 4,
// BOPS: qnn.matmul {{.*}}qnn.act_bits = 16 : i64, {{.*}}bits = 2,
// BOPS: qnn.matmul {{.*}}qnn.act_bits = 8 : i64, {{.*}}bits = 4,
// LATENCY: error: qnn-allocate-bits: act-bits-auto with a latency budget: latencies are measured for int8 activations only
func.func @main(%x: tensor<1x10xf32>) -> tensor<1x10xf32> {
  %w = qnn.constant dense<0.5> : tensor<10x10xf32>
  %a = qnn.matmul %x, %w {qnn.act_sensitivity = array<f64: 0.5, 0.0>, qnn.sensitivity = #qnn.sensitivity<bits = [2, 4, 8], omega = [10.0, 1.0, 0.0]>} : (tensor<1x10xf32>, tensor<10x10xf32>) -> tensor<1x10xf32> loc("a")
  %b = qnn.matmul %a, %w {qnn.act_sensitivity = array<f64: 5.0, 0.0>, qnn.sensitivity = #qnn.sensitivity<bits = [2, 4, 8], omega = [1.0, 0.5, 0.0]>} : (tensor<1x10xf32>, tensor<10x10xf32>) -> tensor<1x10xf32> loc("b")
  %c = qnn.matmul %b, %w {qnn.act_sensitivity = array<f64: 3.0, 0.0>, qnn.sensitivity = #qnn.sensitivity<bits = [2, 4, 8], omega = [100.0, 2.0, 0.0]>} : (tensor<1x10xf32>, tensor<10x10xf32>) -> tensor<1x10xf32> loc("c")
  return %c : tensor<1x10xf32>
}
