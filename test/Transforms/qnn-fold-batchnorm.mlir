// RUN: quant-opt %s -split-input-file --qnn-fold-batchnorm | FileCheck %s

// a = scale / sqrt(var + eps) = [2, 0.5]; W' = W * a per output channel;
// b' = (b - mean) * a + beta = [(1 - 1) * 2 + 3, (2 - 0) * 0.5 - 1] = [3, 0].
// CHECK-LABEL: func.func @conv
// CHECK-NOT: qnn.batch_norm
// CHECK-DAG: %[[W:.*]] = qnn.constant dense_resource<bn_folded_weight{{.*}}> : tensor<2x1x1x2xf32>
// CHECK-DAG: %[[B:.*]] = qnn.constant dense_resource<bn_folded_bias{{.*}}> : tensor<2xf32>
// CHECK: %[[Y:.*]] = qnn.conv %arg0, %[[W]], %[[B]]
// CHECK: return %[[Y]]
// CHECK: bn_folded_weight: "0x{{[0-9A-F]+}}000000400000804000000040000000BF"
// CHECK: bn_folded_bias: "0x{{[0-9A-F]+}}0000404000000000"
func.func @conv(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x3xf32> {
  %w = qnn.constant dense<[[[[1.0, 2.0]]], [[[4.0, -1.0]]]]> : tensor<2x1x1x2xf32>
  %b = qnn.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %scale = qnn.constant dense<[4.0, 1.0]> : tensor<2xf32>
  %beta = qnn.constant dense<[3.0, -1.0]> : tensor<2xf32>
  %mean = qnn.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %var = qnn.constant dense<[4.0, 4.0]> : tensor<2xf32>
  %c = qnn.conv %x, %w, %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x1x4x4xf32>, tensor<2x1x1x2xf32>, tensor<2xf32>) -> tensor<1x2x4x3xf32>
  %y = qnn.batch_norm %c, %scale, %beta, %mean, %var {epsilon = 0.0 : f32} : (tensor<1x2x4x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x3xf32>
  return %y : tensor<1x2x4x3xf32>
}

// -----

// No bias on the conv: one is added. A producer with another user is left alone.
// CHECK-LABEL: func.func @no_bias_and_shared
// CHECK: qnn.conv %arg0, %{{.*}}, %{{.*}} {
// CHECK: qnn.conv
// CHECK: qnn.batch_norm
func.func @no_bias_and_shared(%x: tensor<1x1x2x2xf32>) -> (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>) {
  %w = qnn.constant dense<[[[[1.0]]], [[[2.0]]]]> : tensor<2x1x1x1xf32>
  %p = qnn.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %z = qnn.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %c0 = qnn.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x2x2xf32>
  %y0 = qnn.batch_norm %c0, %p, %z, %z, %p : (tensor<1x2x2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  %c1 = qnn.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x2x2xf32>
  %y1 = qnn.batch_norm %c1, %p, %z, %z, %p : (tensor<1x2x2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  return %y0, %y1, %c1 : tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>
}

// -----

// Gemm with trans_b: the channel is the row of B.
// CHECK-LABEL: func.func @gemm
// CHECK-NOT: qnn.batch_norm
// CHECK: qnn.gemm
func.func @gemm(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = qnn.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %p = qnn.constant dense<[2.0, 1.0]> : tensor<2xf32>
  %z = qnn.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %one = qnn.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %g = qnn.gemm %x, %w {trans_b = true} : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
  %y = qnn.batch_norm %g, %p, %z, %z, %one : (tensor<3x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}
