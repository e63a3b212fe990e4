// quantc-quantize-pipeline: the driver's quantization flow with its flags as
// options. Weight-only RTN needs no samples; `stages` runs a part of it.
// RUN: quant-opt %s --quantc-quantize-pipeline="bits=4 group-size=-1" | FileCheck %s
// RUN: quant-opt %s --quantc-quantize-pipeline="bits=4 stages=prepare" | FileCheck %s --check-prefix=PREPARE
// RUN: quant-opt %s --quantc-quantize-pipeline="act-bits=auto" -verify-diagnostics -o /dev/null
// RUN: not quant-opt %s --quantc-quantize-pipeline="bits=4 avg-bits=4" 2>&1 | FileCheck %s --check-prefix=EXCLUSIVE
// RUN: not quant-opt %s --quantc-quantize-pipeline="bits=4 stages=prepare,link" 2>&1 | FileCheck %s --check-prefix=STAGES

// CHECK-LABEL: func.func @main
// CHECK: quant.scast {{.*}} to tensor<4x8x!quant.uniform<i8<-7:7>:f32, {{.*}}>>
// CHECK: qnn.gemm {{.*}}qnn.weight_format = #qnn.weight_format<bits = 4, group_size = -1
// PREPARE-NOT: quant.
// PREPARE: qnn.gemm
// EXCLUSIVE: error: quantc-quantize-pipeline: --bits and a bit-allocation budget (--avg-bits, --size-budget, --bops-budget, --latency-budget-ms) exclude each other
// STAGES: error: quantc-quantize-pipeline: stages: expected a comma-separated list of prepare, calibrate, score, quantize, fold; got 'link'

// expected-error@+1 {{--act-bits auto chooses activation widths in the bit allocation}}
module {
  func.func @main(%x: tensor<2x8xf32>) -> tensor<2x4xf32> {
    %w = qnn.constant dense<[[1.0, -2.0, 3.0, 0.5, 1.0, -2.0, 3.0, 0.5], [0.25, 1.5, -1.0, 2.0, 0.25, 1.5, -1.0, 2.0], [-3.0, 0.5, 1.0, 1.0, -3.0, 0.5, 1.0, 1.0], [2.0, 2.0, -0.5, -1.5, 2.0, 2.0, -0.5, -1.5]]> : tensor<4x8xf32>
    %y = qnn.gemm %x, %w {trans_b = true} : (tensor<2x8xf32>, tensor<4x8xf32>) -> tensor<2x4xf32>
    return %y : tensor<2x4xf32>
  }
}
