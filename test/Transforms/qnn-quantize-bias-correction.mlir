// RUN: quant-opt %s -split-input-file --qnn-quantize="bits=2 clip-search=false bias-correction=true" | FileCheck %s
// RUN: quant-opt %s -split-input-file --qnn-quantize="bits=2 clip-search=false" | FileCheck %s --check-prefix=OFF

// Column 0 of B, [1, 0.3, -0.6, 0.2], rounds to [1, 0, -1, 0] (scale 1): its
// error [0, -0.3, -0.4, -0.2] against the input means [1, 2, 3, 4] shifts the
// output by -2.6, so the bias 0.5 becomes 3.1. Column 1, [0.5, 0.5, 0.5,
// -0.2], rounds to [0.5, 0.5, 0.5, 0]: +0.8, so -1 becomes -1.8.
// CHECK-LABEL: func.func @gemm
// CHECK-NOT: qnn.input_mean
// CHECK: %[[C:.*]] = qnn.constant dense_resource<bias_corrected> : tensor<2xf32>
// CHECK: qnn.gemm %{{.*}}, %{{.*}}, %[[C]]
// CHECK: bias_corrected: "0x{{[0-9A-F]+}}666646406666E6BF"
// OFF-LABEL: func.func @gemm
// OFF: qnn.gemm %{{.*}}, %{{.*}}, %{{.*}}
// OFF-NOT: bias_corrected
func.func @gemm(%x: tensor<1x4xf32>) -> tensor<1x2xf32> {
  %b = qnn.constant dense<[[1.0, 0.5], [0.3, 0.5], [-0.6, 0.5], [0.2, -0.2]]> : tensor<4x2xf32>
  %c = qnn.constant dense<[0.5, -1.0]> : tensor<2xf32>
  %y = qnn.gemm %x, %b, %c {qnn.input_mean = array<f64: 1.0, 2.0, 3.0, 4.0>} : (tensor<1x4xf32>, tensor<4x2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

// A convolution without a bias gets one: weight [1, 0.3] (one output
// channel, 1x1 kernel) rounds to [1, 0], error -0.3 on a channel of mean 2.
// CHECK-LABEL: func.func @conv
// CHECK: %[[B:.*]] = qnn.constant dense<6.000000e-01> : tensor<1xf32>
// CHECK: qnn.conv %{{.*}}, %{{.*}}, %[[B]]
func.func @conv(%x: tensor<1x2x4x4xf32>) -> tensor<1x1x4x4xf32> {
  %w = qnn.constant dense<[[[[1.0]], [[0.3]]]]> : tensor<1x2x1x1xf32>
  %y = qnn.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, qnn.input_mean = array<f64: 5.0, 2.0>} : (tensor<1x2x4x4xf32>, tensor<1x2x1x1xf32>) -> tensor<1x1x4x4xf32>
  return %y : tensor<1x1x4x4xf32>
}
