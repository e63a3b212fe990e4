// RUN: rm -rf %t && mkdir -p %t
// RUN: echo '{"quantc_allocation": 1, "layers": [{"name": "matmul#0", "weight_bits": 4, "group_size": 0, "symmetric": true, "act_bits": 16}, {"name": "matmul#1", "weight_bits": 32}, {"name": "matmul#2", "weight_bits": 3, "group_size": 32, "symmetric": false, "act_bits": 8}]}' > %t/all.json
// RUN: quant-opt %s --qnn-apply-allocation="file=%t/all.json" | FileCheck %s
// RUN: echo '{"quantc_allocation": 1, "layers": [{"name": "matmul#0", "weight_bits": 4}, {"name": "matmul#2", "weight_bits": 4}]}' > %t/short.json
// RUN: quant-opt %s --qnn-apply-allocation="file=%t/short.json" -verify-diagnostics -o /dev/null
// RUN: echo '{"quantc_allocation": 1, "layers": [{"name": "matmul#0", "weight_bits": 4}, {"name": "matmul#1", "weight_bits": 4}, {"name": "matmul#2", "weight_bits": 4}, {"name": "matmul#3", "weight_bits": 4}]}' > %t/long.json
// RUN: not quant-opt %s --qnn-apply-allocation="file=%t/long.json" -mlir-print-op-on-diagnostic=false 2>&1 | FileCheck %s --check-prefix=EXTRA
// RUN: echo '{"quantc_allocation": 1, "layers": [{"name": "matmul#0", "weight_bits": 4, "act_bits": 12}]}' > %t/act.json
// RUN: not quant-opt %s --qnn-apply-allocation="file=%t/act.json" 2>&1 | FileCheck %s --check-prefix=ACT
// RUN: echo 'not json' > %t/bad.json
// RUN: not quant-opt %s --qnn-apply-allocation="file=%t/bad.json" 2>&1 | FileCheck %s --check-prefix=JSON

// Each layer takes its entry's widths, as qnn-allocate-bits sets them; 32
// bits leaves a layer float.
// CHECK-LABEL: func.func @main
// CHECK: qnn.matmul {{.*}}{qnn.act_bits = 16 : i64, qnn.weight_format = #qnn.weight_format<bits = 4, group_size = 0, ternary = false, symmetric = true>}
// CHECK: qnn.matmul
// CHECK-NOT: qnn.weight_format
// CHECK: qnn.matmul {{.*}}{qnn.weight_format = #qnn.weight_format<bits = 3, group_size = 32, ternary = false, symmetric = false>}
// EXTRA: error: qnn-apply-allocation: '{{.*}}long.json' names layer 'matmul#3', which the model does not have
// ACT: act.json: layer 'matmul#0': act_bits must be 0, 8 or 16, got 12
// JSON: bad.json: not JSON
func.func @main(%x: tensor<1x32xf32>) -> tensor<1x32xf32> {
  %w = qnn.constant dense<0.5> : tensor<32x32xf32>
  %a = qnn.matmul %x, %w : (tensor<1x32xf32>, tensor<32x32xf32>) -> tensor<1x32xf32>
  // expected-error @+1 {{qnn-apply-allocation: layer 'matmul#1' has no entry in}}
  %b = qnn.matmul %a, %w : (tensor<1x32xf32>, tensor<32x32xf32>) -> tensor<1x32xf32>
  %c = qnn.matmul %b, %w : (tensor<1x32xf32>, tensor<32x32xf32>) -> tensor<1x32xf32>
  return %c : tensor<1x32xf32>
}
