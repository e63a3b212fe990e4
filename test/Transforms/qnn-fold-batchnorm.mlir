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

// -----

// After a 2-D MatMul the channel is the column: W' = W * a per column
// (a = [2, 0.5]), and the shift c = [1, -1] becomes an Add.
// CHECK-LABEL: func.func @matmul
// CHECK-NOT: qnn.batch_norm
// CHECK: %[[W:.*]] = qnn.constant dense_resource<bn_folded_weight{{.*}}> : tensor<2x2xf32>
// CHECK: %[[C:.*]] = qnn.constant dense_resource<bn_folded_bias{{.*}}> : tensor<2xf32>
// CHECK: %[[M:.*]] = qnn.matmul %arg0, %[[W]]
// CHECK: %[[Y:.*]] = qnn.add %[[M]], %[[C]]
// CHECK: return %[[Y]]
// CHECK: bn_folded_weight{{.*}}: "0x{{[0-9A-F]+}}000000400000803F0000C04000000040"
// CHECK: bn_folded_bias{{.*}}: "0x{{[0-9A-F]+}}0000803F000080BF"
func.func @matmul(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = qnn.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %scale = qnn.constant dense<[4.0, 1.0]> : tensor<2xf32>
  %beta = qnn.constant dense<[3.0, -1.0]> : tensor<2xf32>
  %mean = qnn.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %var = qnn.constant dense<[4.0, 4.0]> : tensor<2xf32>
  %m = qnn.matmul %x, %w : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
  %y = qnn.batch_norm %m, %scale, %beta, %mean, %var {epsilon = 0.0 : f32} : (tensor<3x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// No producer to absorb it: the BatchNorm folds into the unpadded conv that
// reads it. W' = W * a per input channel = [2, 1]; b' = 1 * 1 + 2 * (-1) = -1.
// CHECK-LABEL: func.func @into_consumer
// CHECK-NOT: qnn.batch_norm
// CHECK: %[[B:.*]] = qnn.constant dense<-1.000000e+00> : tensor<1xf32>
// CHECK: qnn.conv %arg0, %{{.*}}, %[[B]]
// CHECK: bn_folded_weight{{.*}}: "0x{{[0-9A-F]+}}000000400000803F"
func.func @into_consumer(%x: tensor<1x2x3x3xf32>) -> tensor<1x1x3x3xf32> {
  %scale = qnn.constant dense<[4.0, 1.0]> : tensor<2xf32>
  %beta = qnn.constant dense<[3.0, -1.0]> : tensor<2xf32>
  %mean = qnn.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %var = qnn.constant dense<[4.0, 4.0]> : tensor<2xf32>
  %n = qnn.batch_norm %x, %scale, %beta, %mean, %var {epsilon = 0.0 : f32} : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  %w = qnn.constant dense<[[[[1.0]], [[2.0]]]]> : tensor<1x2x1x1xf32>
  %y = qnn.conv %n, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x3x3xf32>, tensor<1x2x1x1xf32>) -> tensor<1x1x3x3xf32>
  return %y : tensor<1x1x3x3xf32>
}

// -----

// A padded consumer would see the shift at its border: left alone.
// CHECK-LABEL: func.func @padded_consumer
// CHECK: qnn.batch_norm
func.func @padded_consumer(%x: tensor<1x2x3x3xf32>) -> tensor<1x1x3x3xf32> {
  %scale = qnn.constant dense<[4.0, 1.0]> : tensor<2xf32>
  %beta = qnn.constant dense<[3.0, -1.0]> : tensor<2xf32>
  %mean = qnn.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %var = qnn.constant dense<[4.0, 4.0]> : tensor<2xf32>
  %n = qnn.batch_norm %x, %scale, %beta, %mean, %var {epsilon = 0.0 : f32} : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  %w = qnn.constant dense<1.0> : tensor<1x2x3x3xf32>
  %y = qnn.conv %n, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>) -> tensor<1x1x3x3xf32>
  return %y : tensor<1x1x3x3xf32>
}
