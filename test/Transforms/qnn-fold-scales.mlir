// RUN: quant-opt %s -split-input-file --qnn-fold-scales | FileCheck %s

// s_x = 0.5, z_x = -3; s_w = {0.25, 0.5}: accumulator scales {0.125, 0.25}.
// Bias: round(1 / 0.125) - (-3) * (1 + 2) = 17 and round(-2 / 0.25) - (-3) * (3 - 4) = -11.
// CHECK-LABEL: func.func @conv
// CHECK-DAG: %[[B:.*]] = qnn.constant dense<[17, -11]> : tensor<2xi32>
// CHECK-DAG: %[[X:.*]] = quant.scast %{{.*}} : tensor<1x2x3x3x!quant.uniform<i8:f32, 5.000000e-01:-3>> to tensor<1x2x3x3xi8>
// CHECK: %[[ACC:.*]] = qnn.conv_integer %[[X]], %{{.*}}, %[[B]] {dilations = array<i64: 1, 1>, input_zero_point = -3 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x2x3x3xi8>, tensor<2x2x1x1xi8>, tensor<2xi32>) -> tensor<1x2x5x5xi32>
// CHECK: %[[S:.*]] = quant.scast %[[ACC]] : tensor<1x2x5x5xi32> to tensor<1x2x5x5x!quant.uniform<i32:f32:1, {1.250000e-01,2.500000e-01}>>
// CHECK: %[[Y:.*]] = qnn.dequantize %[[S]] {qnn.weight_format = #qnn.weight_format<bits = 8, group_size = 0, ternary = false, symmetric = true>}
// CHECK: return %[[Y]]
// CHECK-NOT: qnn.conv %
func.func @conv(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x5x5xf32> {
  %q = qnn.quantize %x : tensor<1x2x3x3xf32> -> tensor<1x2x3x3x!quant.uniform<i8:f32, 0.5:-3>>
  %xd = qnn.dequantize %q : tensor<1x2x3x3x!quant.uniform<i8:f32, 0.5:-3>> -> tensor<1x2x3x3xf32>
  %wq = qnn.constant dense<[[[[1]], [[2]]], [[[3]], [[-4]]]]> : tensor<2x2x1x1xi8>
  %ws = quant.scast %wq : tensor<2x2x1x1xi8> to tensor<2x2x1x1x!quant.uniform<i8<-127:127>:f32:0, {0.25, 0.5}>>
  %wd = qnn.dequantize %ws : tensor<2x2x1x1x!quant.uniform<i8<-127:127>:f32:0, {0.25, 0.5}>> -> tensor<2x2x1x1xf32>
  %b = qnn.constant dense<[1.0, -2.0]> : tensor<2xf32>
  %y = qnn.conv %xd, %wd, %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, qnn.weight_format = #qnn.weight_format<bits = 8, group_size = 0, ternary = false, symmetric = true>} : (tensor<1x2x3x3xf32>, tensor<2x2x1x1xf32>, tensor<2xf32>) -> tensor<1x2x5x5xf32>
  return %y : tensor<1x2x5x5xf32>
}

// -----

// A conv feeding the next layer's quantize requantizes its accumulator
// directly: 0.125 / 0.25 = 0.5 = 2^30 * 2^-31, 0.25 / 0.25 = 1 = 2^30 * 2^-30.
// CHECK-LABEL: func.func @requantize
// CHECK: %[[ACC:.*]] = qnn.conv_integer
// CHECK: %[[R:.*]] = qnn.requantize %[[ACC]] {axis = 1 : i64, multipliers = array<i32: 1073741824, 1073741824>, shifts = array<i64: 31, 30>} : tensor<1x2x3x3xi32> -> tensor<1x2x3x3x!quant.uniform<i8:f32, 2.500000e-01:4>>
// CHECK: qnn.dequantize %[[R]]
func.func @requantize(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %q = qnn.quantize %x : tensor<1x2x3x3xf32> -> tensor<1x2x3x3x!quant.uniform<i8:f32, 0.5:-3>>
  %xd = qnn.dequantize %q : tensor<1x2x3x3x!quant.uniform<i8:f32, 0.5:-3>> -> tensor<1x2x3x3xf32>
  %wq = qnn.constant dense<[[[[1]], [[2]]], [[[3]], [[-4]]]]> : tensor<2x2x1x1xi8>
  %ws = quant.scast %wq : tensor<2x2x1x1xi8> to tensor<2x2x1x1x!quant.uniform<i8<-127:127>:f32:0, {0.25, 0.5}>>
  %wd = qnn.dequantize %ws : tensor<2x2x1x1x!quant.uniform<i8<-127:127>:f32:0, {0.25, 0.5}>> -> tensor<2x2x1x1xf32>
  %y = qnn.conv %xd, %wd {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x3x3xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x3x3xf32>
  %q2 = qnn.quantize %y : tensor<1x2x3x3xf32> -> tensor<1x2x3x3x!quant.uniform<i8:f32, 0.25:4>>
  %d2 = qnn.dequantize %q2 : tensor<1x2x3x3x!quant.uniform<i8:f32, 0.25:4>> -> tensor<1x2x3x3xf32>
  return %d2 : tensor<1x2x3x3xf32>
}

// -----

// Asymmetric weights (zero point != 0) stay in float; quantize(dequantize(q)) is q.
// CHECK-LABEL: func.func @unchanged
// CHECK-NOT: qnn.conv_integer
// CHECK: qnn.conv
// CHECK: %[[D:.*]] = qnn.dequantize %{{.*}} : tensor<1x2x3x3x!quant.uniform<i8:f32, 5.000000e-01:-3>>
// CHECK-NOT: qnn.quantize %[[D]]
func.func @unchanged(%x: tensor<1x2x3x3xf32>) -> (tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>) {
  %q = qnn.quantize %x : tensor<1x2x3x3xf32> -> tensor<1x2x3x3x!quant.uniform<i8:f32, 0.5:-3>>
  %xd = qnn.dequantize %q : tensor<1x2x3x3x!quant.uniform<i8:f32, 0.5:-3>> -> tensor<1x2x3x3xf32>
  %wq = qnn.constant dense<[[[[1]], [[2]]], [[[3]], [[-4]]]]> : tensor<2x2x1x1xi8>
  %ws = quant.scast %wq : tensor<2x2x1x1xi8> to tensor<2x2x1x1x!quant.uniform<i8:f32:0, {0.25:1, 0.5}>>
  %wd = qnn.dequantize %ws : tensor<2x2x1x1x!quant.uniform<i8:f32:0, {0.25:1, 0.5}>> -> tensor<2x2x1x1xf32>
  %y = qnn.conv %xd, %wd {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x3x3xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x3x3xf32>
  %again = qnn.quantize %xd : tensor<1x2x3x3xf32> -> tensor<1x2x3x3x!quant.uniform<i8:f32, 0.5:-3>>
  %d2 = qnn.dequantize %again : tensor<1x2x3x3x!quant.uniform<i8:f32, 0.5:-3>> -> tensor<1x2x3x3xf32>
  return %y, %d2 : tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>
}

// -----

// Relu and Clip between the conv and the next quantize become the requantize
// clamp: 0 -> the zero point 4, 6 / 0.25 + 4 = 28.
// CHECK-LABEL: func.func @fused_activations
// CHECK: qnn.requantize %{{.*}} {axis = 1 : i64, clamp_min = 4 : i64, multipliers
// CHECK-NOT: clamp_max
// CHECK: qnn.requantize %{{.*}} {axis = 1 : i64, clamp_max = 28 : i64, clamp_min = 4 : i64, multipliers
// CHECK-NOT: qnn.relu
// CHECK-NOT: qnn.clip
func.func @fused_activations(%x: tensor<1x2x3x3xf32>) -> (tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>) {
  %q = qnn.quantize %x : tensor<1x2x3x3xf32> -> tensor<1x2x3x3x!quant.uniform<i8:f32, 0.5:-3>>
  %xd = qnn.dequantize %q : tensor<1x2x3x3x!quant.uniform<i8:f32, 0.5:-3>> -> tensor<1x2x3x3xf32>
  %wq = qnn.constant dense<[[[[1]], [[2]]], [[[3]], [[-4]]]]> : tensor<2x2x1x1xi8>
  %ws = quant.scast %wq : tensor<2x2x1x1xi8> to tensor<2x2x1x1x!quant.uniform<i8<-127:127>:f32:0, {0.25, 0.5}>>
  %wd = qnn.dequantize %ws : tensor<2x2x1x1x!quant.uniform<i8<-127:127>:f32:0, {0.25, 0.5}>> -> tensor<2x2x1x1xf32>
  %y = qnn.conv %xd, %wd {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x3x3xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x3x3xf32>
  %r = qnn.relu %y : tensor<1x2x3x3xf32>
  %q2 = qnn.quantize %r : tensor<1x2x3x3xf32> -> tensor<1x2x3x3x!quant.uniform<i8:f32, 0.25:4>>
  %d2 = qnn.dequantize %q2 : tensor<1x2x3x3x!quant.uniform<i8:f32, 0.25:4>> -> tensor<1x2x3x3xf32>
  %z = qnn.conv %xd, %wd {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x3x3xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x3x3xf32>
  %c = qnn.clip %z {min = 0.0 : f32, max = 6.0 : f32} : tensor<1x2x3x3xf32>
  %q3 = qnn.quantize %c : tensor<1x2x3x3xf32> -> tensor<1x2x3x3x!quant.uniform<i8:f32, 0.25:4>>
  %d3 = qnn.dequantize %q3 : tensor<1x2x3x3x!quant.uniform<i8:f32, 0.25:4>> -> tensor<1x2x3x3xf32>
  return %d2, %d3 : tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>
}

// -----

// MatMul with B[K, N] per column and Gemm with trans_b: qnn.matmul_integer on
// B as [K, N]; bias = round(c / (s_a s_b)) - z_a * column sums ([9, 12]).
// CHECK-LABEL: func.func @matrices
// CHECK-DAG: qnn.constant dense<[27, 36]> : tensor<2xi32>
// CHECK-DAG: qnn.constant dense<[35, 28]> : tensor<2xi32>
// CHECK: %[[M:.*]] = qnn.matmul_integer %{{.*}}, %{{.*}}, %{{.*}} : (tensor<2x3xi8>, tensor<3x2xi8>, tensor<2xi32>) -> tensor<2x2xi32>
// CHECK: quant.scast %[[M]] : tensor<2x2xi32> to tensor<2x2x!quant.uniform<i32:f32:1, {1.250000e-01,2.500000e-01}>>
// CHECK: %[[G:.*]] = qnn.matmul_integer %{{.*}}, %{{.*}}, %{{.*}} : (tensor<2x3xi8>, tensor<3x2xi8>, tensor<2xi32>) -> tensor<2x2xi32>
// CHECK-NOT: qnn.matmul %
// CHECK-NOT: qnn.gemm
// CHECK: qweight_kn: "0x{{[0-9A-F]+}}010203040506"
func.func @matrices(%x: tensor<2x3xf32>) -> (tensor<2x2xf32>, tensor<2x2xf32>) {
  %q = qnn.quantize %x : tensor<2x3xf32> -> tensor<2x3x!quant.uniform<i8:f32, 0.5:-3>>
  %xd = qnn.dequantize %q : tensor<2x3x!quant.uniform<i8:f32, 0.5:-3>> -> tensor<2x3xf32>
  %w = qnn.constant dense<[[1, 2], [3, 4], [5, 6]]> : tensor<3x2xi8>
  %ws = quant.scast %w : tensor<3x2xi8> to tensor<3x2x!quant.uniform<i8<-127:127>:f32:1, {0.25, 0.5}>>
  %wd = qnn.dequantize %ws : tensor<3x2x!quant.uniform<i8<-127:127>:f32:1, {0.25, 0.5}>> -> tensor<3x2xf32>
  %m = qnn.matmul %xd, %wd : (tensor<2x3xf32>, tensor<3x2xf32>) -> tensor<2x2xf32>
  %wt = qnn.constant dense<[[1, 3, 5], [2, 4, 6]]> : tensor<2x3xi8>
  %wts = quant.scast %wt : tensor<2x3xi8> to tensor<2x3x!quant.uniform<i8<-127:127>:f32:0, {0.25, 0.5}>>
  %wtd = qnn.dequantize %wts : tensor<2x3x!quant.uniform<i8<-127:127>:f32:0, {0.25, 0.5}>> -> tensor<2x3xf32>
  %c = qnn.constant dense<[1.0, -2.0]> : tensor<2xf32>
  %g = qnn.gemm %xd, %wtd, %c {trans_b = true} : (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2xf32>) -> tensor<2x2xf32>
  return %m, %g : tensor<2x2xf32>, tensor<2x2xf32>
}
