// RUN: quant-opt %s -split-input-file --qnn-smooth-quant | FileCheck %s
// RUN: not quant-opt %s -split-input-file --qnn-smooth-quant="alpha=1.5" 2>&1 | FileCheck %s --check-prefix=ALPHA

// Channel 0 reaches 16, channel 1 only 1; weight rows peak at 1 and 2. With
// alpha 0.5, s = [sqrt(16 / 1), sqrt(1 / 2)] = [4, 0.7071]: the LayerNorm's
// scale [1, 1] becomes [0.25, 1.4142] and its bias [0.5, 0.5] becomes
// [0.125, 0.7071]; weight rows [1, 0.5] and [2, 1] become [4, 2] and
// [1.4142, 0.7071]. The product is unchanged; the stale statistics go.
// CHECK-LABEL: func.func @smooth
// CHECK-DAG: %[[G:.*]] = qnn.constant dense_resource<smooth_scale> : tensor<2xf32>
// CHECK-DAG: %[[B:.*]] = qnn.constant dense_resource<smooth_bias> : tensor<2xf32>
// CHECK: %[[N:.*]] = qnn.layer_norm %arg0, %[[G]], %[[B]]
// CHECK: %[[W:.*]] = qnn.constant dense_resource<smooth_weight> : tensor<2x2xf32>
// CHECK: qnn.matmul %[[N]], %[[W]] : (
// CHECK-DAG: smooth_scale: "0x{{[0-9A-F]+}}0000803EF304B53F"
// CHECK-DAG: smooth_bias: "0x{{[0-9A-F]+}}0000003EF304353F"
// CHECK-DAG: smooth_weight: "0x{{[0-9A-F]+}}0000804000000040F304B53FF304353F"
func.func @smooth(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %g = qnn.constant dense<1.0> : tensor<2xf32>
  %b = qnn.constant dense<0.5> : tensor<2xf32>
  %n = qnn.layer_norm %x, %g, %b : (tensor<3x2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  %w = qnn.constant dense<[[1.0, 0.5], [2.0, 1.0]]> : tensor<2x2xf32>
  %y = qnn.matmul %n, %w {qnn.input_absmax = array<f64: 16.0, 1.0>} : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// A LayerNorm that also feeds a non-layer op cannot take the division.
// CHECK-LABEL: func.func @shared
// CHECK: qnn.layer_norm %arg0, %{{.*}}, %{{.*}} :
// CHECK-NOT: smooth_
func.func @shared(%x: tensor<3x2xf32>) -> (tensor<3x2xf32>, tensor<3x2xf32>) {
  %g = qnn.constant dense<1.0> : tensor<2xf32>
  %b = qnn.constant dense<0.5> : tensor<2xf32>
  %n = qnn.layer_norm %x, %g, %b : (tensor<3x2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  %w = qnn.constant dense<[[1.0, 0.5], [2.0, 1.0]]> : tensor<2x2xf32>
  %y = qnn.matmul %n, %w {qnn.input_absmax = array<f64: 16.0, 1.0>} : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
  %r = qnn.relu %n : tensor<3x2xf32>
  return %y, %r : tensor<3x2xf32>, tensor<3x2xf32>
}

// ALPHA: error: qnn-smooth-quant: alpha must be in [0, 1], got 1.5
