// RUN: rm -rf %t && mkdir -p %t
// RUN: quant-opt %s --qnn-measure-latency="bits=8,4 cache=%t/latency.json repeats=2" | FileCheck %s
// The second run reads the table instead of measuring: identical numbers.
// RUN: quant-opt %s --qnn-measure-latency="bits=4,8 cache=%t/latency.json repeats=2" | grep -o "qnn.latency_ms = [^>]*>" > %t/first.txt
// RUN: quant-opt %s --qnn-measure-latency="bits=4,8 cache=%t/latency.json repeats=2" | grep -o "qnn.latency_ms = [^>]*>" > %t/second.txt
// RUN: diff %t/first.txt %t/second.txt
// RUN: FileCheck %s --check-prefix=TABLE < %t/latency.json
// Integer kernels are other entries.
// RUN: quant-opt %s --qnn-measure-latency="bits=8 act-bits=8 cache=%t/latency.json repeats=2" | FileCheck %s --check-prefix=INT8
// RUN: not quant-opt %s --qnn-measure-latency="act-bits=4" 2>&1 | FileCheck %s --check-prefix=BAD

// One latency per sorted candidate, in milliseconds.
// CHECK: qnn.matmul {{.*}}qnn.latency_ms = array<f64: {{[0-9.eE+-]+}}, {{[0-9.eE+-]+}}>
// TABLE: "quantc-kernels-2|{{.*}}|qnn.matmul|tensor<4x16xf32>,tensor<16x8xf32>,->tensor<4x8xf32>||w4|a0|g0":
// TABLE: "quantc-kernels-2|{{.*}}|qnn.matmul|tensor<4x16xf32>,tensor<16x8xf32>,->tensor<4x8xf32>||w8|a0|g0":
// INT8: qnn.matmul {{.*}}qnn.latency_ms = array<f64: {{[0-9.eE+-]+}}>
// BAD: error: qnn-measure-latency: act-bits must be 0 (float activations) or 8
func.func @main(%x: tensor<4x16xf32>) -> tensor<4x8xf32> {
  %w = qnn.constant dense<0.25> : tensor<16x8xf32>
  %y = qnn.matmul %x, %w : (tensor<4x16xf32>, tensor<16x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}
