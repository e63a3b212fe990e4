// RUN: quant-opt %s -split-input-file --qnn-fuse-patterns | FileCheck %s

// paddle2onnx's HardSwish: x * clip(x + 3, 0, 6) / 6.
// CHECK-LABEL: func.func @hard_swish
// CHECK-NEXT: %[[Y:.*]] = qnn.hard_swish %arg0 : tensor<1x8xf32>
// CHECK-NEXT: return %[[Y]]
func.func @hard_swish(%x: tensor<1x8xf32>) -> tensor<1x8xf32> {
  %three = qnn.constant dense<3.0> : tensor<f32>
  %six = qnn.constant dense<6.0> : tensor<f32>
  %a = qnn.add %x, %three : (tensor<1x8xf32>, tensor<f32>) -> tensor<1x8xf32>
  %c = qnn.clip %a {max = 6.0 : f32, min = 0.0 : f32} : tensor<1x8xf32>
  %m = qnn.mul %x, %c : (tensor<1x8xf32>, tensor<1x8xf32>) -> tensor<1x8xf32>
  %y = qnn.div %m, %six : (tensor<1x8xf32>, tensor<f32>) -> tensor<1x8xf32>
  return %y : tensor<1x8xf32>
}

// -----

// Clip bounds other than [0, 6] are not HardSwish.
// CHECK-LABEL: func.func @not_hard_swish
// CHECK-NOT: qnn.hard_swish
func.func @not_hard_swish(%x: tensor<1x8xf32>) -> tensor<1x8xf32> {
  %three = qnn.constant dense<3.0> : tensor<f32>
  %six = qnn.constant dense<6.0> : tensor<f32>
  %a = qnn.add %x, %three : (tensor<1x8xf32>, tensor<f32>) -> tensor<1x8xf32>
  %c = qnn.clip %a {max = 5.0 : f32, min = 0.0 : f32} : tensor<1x8xf32>
  %m = qnn.mul %x, %c : (tensor<1x8xf32>, tensor<1x8xf32>) -> tensor<1x8xf32>
  %y = qnn.div %m, %six : (tensor<1x8xf32>, tensor<f32>) -> tensor<1x8xf32>
  return %y : tensor<1x8xf32>
}

// -----

// PyTorch's exact GELU: x * 0.5 * (1 + erf(x / sqrt(2))).
// CHECK-LABEL: func.func @gelu
// CHECK-NEXT: %[[Y:.*]] = qnn.gelu %arg0 : tensor<2x4xf32>
// CHECK-NEXT: return %[[Y]]
func.func @gelu(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %sqrt2 = qnn.constant dense<1.41421354> : tensor<f32>
  %one = qnn.constant dense<1.0> : tensor<f32>
  %half = qnn.constant dense<0.5> : tensor<f32>
  %d = qnn.div %x, %sqrt2 : (tensor<2x4xf32>, tensor<f32>) -> tensor<2x4xf32>
  %e = qnn.erf %d : tensor<2x4xf32>
  %a = qnn.add %e, %one : (tensor<2x4xf32>, tensor<f32>) -> tensor<2x4xf32>
  %m = qnn.mul %x, %a : (tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
  %y = qnn.mul %m, %half : (tensor<2x4xf32>, tensor<f32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// A decomposed LayerNorm over the last axis.
// CHECK-LABEL: func.func @layer_norm
// CHECK: %[[G:.*]] = qnn.constant dense<2.000000e+00> : tensor<4xf32>
// CHECK: %[[B:.*]] = qnn.constant dense<1.000000e+00> : tensor<4xf32>
// CHECK: %[[Y:.*]] = qnn.layer_norm %arg0, %[[G]], %[[B]] : (tensor<1x3x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x3x4xf32>
// CHECK-NOT: qnn.reduce_mean
func.func @layer_norm(%x: tensor<1x3x4xf32>) -> tensor<1x3x4xf32> {
  %two = qnn.constant dense<2.0> : tensor<f32>
  %eps = qnn.constant dense<1.0e-5> : tensor<f32>
  %gamma = qnn.constant dense<2.0> : tensor<4xf32>
  %beta = qnn.constant dense<1.0> : tensor<4xf32>
  %mean = qnn.reduce_mean %x {axes = array<i64: -1>} : tensor<1x3x4xf32> -> tensor<1x3x1xf32>
  %c = qnn.sub %x, %mean : (tensor<1x3x4xf32>, tensor<1x3x1xf32>) -> tensor<1x3x4xf32>
  %sq = qnn.pow %c, %two : (tensor<1x3x4xf32>, tensor<f32>) -> tensor<1x3x4xf32>
  %var = qnn.reduce_mean %sq {axes = array<i64: -1>} : tensor<1x3x4xf32> -> tensor<1x3x1xf32>
  %ve = qnn.add %var, %eps : (tensor<1x3x1xf32>, tensor<f32>) -> tensor<1x3x1xf32>
  %sd = qnn.sqrt %ve : tensor<1x3x1xf32>
  %n = qnn.div %c, %sd : (tensor<1x3x4xf32>, tensor<1x3x1xf32>) -> tensor<1x3x4xf32>
  %s = qnn.mul %n, %gamma : (tensor<1x3x4xf32>, tensor<4xf32>) -> tensor<1x3x4xf32>
  %y = qnn.add %s, %beta : (tensor<1x3x4xf32>, tensor<4xf32>) -> tensor<1x3x4xf32>
  return %y : tensor<1x3x4xf32>
}

// -----

// Scalar affine after a conv folds into it: W' = W * 2, b' = b * 2 + 0.5.
// CHECK-LABEL: func.func @conv_affine
// CHECK-NOT: qnn.mul
// CHECK-NOT: qnn.add
// CHECK: %[[B:.*]] = qnn.constant dense<2.500000e+00> : tensor<1xf32>
// CHECK: qnn.conv %arg0, %{{.*}}, %[[B]] {{.*}}qnn.bn_mean = array<f32: 2.500000e+00>, qnn.bn_std = array<f32: 4.000000e+00>
// CHECK: affine_folded_weight: "0x{{[0-9A-F]+}}0000004000008040"
func.func @conv_affine(%x: tensor<1x2x3x3xf32>) -> tensor<1x1x3x3xf32> {
  %w = qnn.constant dense<[[[[1.0]], [[2.0]]]]> : tensor<1x2x1x1xf32>
  %b = qnn.constant dense<1.0> : tensor<1xf32>
  %s = qnn.constant dense<2.0> : tensor<1xf32>
  %c = qnn.constant dense<0.5> : tensor<1xf32>
  %y = qnn.conv %x, %w, %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, qnn.bn_mean = array<f32: 1.0>, qnn.bn_std = array<f32: 2.0>} : (tensor<1x2x3x3xf32>, tensor<1x2x1x1xf32>, tensor<1xf32>) -> tensor<1x1x3x3xf32>
  %m = qnn.mul %y, %s : (tensor<1x1x3x3xf32>, tensor<1xf32>) -> tensor<1x1x3x3xf32>
  %a = qnn.add %m, %c : (tensor<1x1x3x3xf32>, tensor<1xf32>) -> tensor<1x1x3x3xf32>
  return %a : tensor<1x1x3x3xf32>
}
