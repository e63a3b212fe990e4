// RUN: quant-opt %s --qnn-calibrate | FileCheck %s

// Data-free: inputs are synthesized from the first conv's BatchNorm
// statistics (qnn.bn_mean/bn_std, written by qnn-fold-batchnorm); values that
// BatchNorm describes get ranges from its statistics, beta +- 6 gamma per
// channel through the activation: relu over [1 - 6 * 0.5, 1 + 6 * 0.5] and
// [-2 - 6 * 0.25, -2 + 6 * 0.25] is [0, 4]; hard_swish of [-2, 4] spans
// [-0.375, 4]. The conv's own input is synthetic: some range around 0.
// CHECK: func.func @main(%arg0: tensor<1x2x4x4xf32> {qnn.range = #qnn.range<-{{.*}}, {{.*}}>})
// CHECK: qnn.relu %{{.*}} {qnn.ranges = [#qnn.range<0.000000e+00, 4.000000e+00>]}
// CHECK: qnn.hard_swish %{{.*}} {qnn.ranges = [#qnn.range<-3.750000e-01, 4.000000e+00>]}
func.func @main(%x: tensor<1x2x4x4xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) {
  %w = qnn.constant dense<[[[[1.0]], [[0.5]]], [[[-1.0]], [[2.0]]]]> : tensor<2x2x1x1xf32>
  %b = qnn.constant dense<[1.0, -2.0]> : tensor<2xf32>
  %y = qnn.conv %x, %w, %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, qnn.bn_mean = array<f32: 1.0, -2.0>, qnn.bn_std = array<f32: 0.5, 0.25>} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %r = qnn.relu %y : tensor<1x2x4x4xf32>
  %w2 = qnn.constant dense<[[[[1.0]], [[1.0]]], [[[1.0]], [[-1.0]]]]> : tensor<2x2x1x1xf32>
  %z = qnn.conv %r, %w2 {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, qnn.bn_mean = array<f32: 1.0, 0.0>, qnn.bn_std = array<f32: 0.5, 0.5>} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %h = qnn.hard_swish %z : tensor<1x2x4x4xf32>
  %w3 = qnn.constant dense<[[[[1.0]], [[1.0]]], [[[1.0]], [[-1.0]]]]> : tensor<2x2x1x1xf32>
  %o = qnn.conv %h, %w3 {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  return %o, %y : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
}
