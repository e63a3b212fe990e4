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

// -----

// HardSwish between the conv and the next quantize becomes a requantize into
// its int8 pre-activation domain plus a 256-entry table. The domain starts at
// -3 (HardSwish is 0 below) and ends where the output saturates at
// 127 * 0.1 = 12.7, so its step of about (12.65 + 3) / 254 times HardSwish's
// largest slope 1.5 is under the output step 0.1: table neighbours differ by
// at most 1. Sigmoid into 1/255 steps is steeper than its pre-activation
// domain's int8 steps allow, so it stays a float epilogue.
// CHECK-LABEL: func.func @tabulated_activations
// CHECK: %[[H:.*]] = qnn.requantize %{{.*}} {axis = 1 : i64, multipliers = {{.*}}} : tensor<1x2x3x3xi32> -> tensor<1x2x3x3x!quant.uniform<i8:f32, 0.06161{{[0-9]*}}:-79>>
// CHECK: qnn.lookup_table %[[H]] {activation = "hard_swish", table = array<i8: 0, 0, -1, -1,
// CHECK-SAME: 126, 126, 127>} : tensor<1x2x3x3x!quant.uniform<i8:f32, 0.06161{{[0-9]*}}:-79>> -> tensor<1x2x3x3x!quant.uniform<i8:f32, 1.000000e-01>>
// CHECK-NOT: qnn.hard_swish
// CHECK: qnn.sigmoid
func.func @tabulated_activations(%x: tensor<1x2x3x3xf32>) -> (tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>) {
  %q = qnn.quantize %x : tensor<1x2x3x3xf32> -> tensor<1x2x3x3x!quant.uniform<i8:f32, 0.5:-3>>
  %xd = qnn.dequantize %q : tensor<1x2x3x3x!quant.uniform<i8:f32, 0.5:-3>> -> tensor<1x2x3x3xf32>
  %wq = qnn.constant dense<[[[[1]], [[2]]], [[[3]], [[-4]]]]> : tensor<2x2x1x1xi8>
  %ws = quant.scast %wq : tensor<2x2x1x1xi8> to tensor<2x2x1x1x!quant.uniform<i8<-127:127>:f32:0, {0.25, 0.5}>>
  %wd = qnn.dequantize %ws : tensor<2x2x1x1x!quant.uniform<i8<-127:127>:f32:0, {0.25, 0.5}>> -> tensor<2x2x1x1xf32>
  %y = qnn.conv %xd, %wd {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x3x3xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x3x3xf32>
  %h = qnn.hard_swish %y : tensor<1x2x3x3xf32>
  %hq = qnn.quantize %h : tensor<1x2x3x3xf32> -> tensor<1x2x3x3x!quant.uniform<i8:f32, 0.1>>
  %hd = qnn.dequantize %hq : tensor<1x2x3x3x!quant.uniform<i8:f32, 0.1>> -> tensor<1x2x3x3xf32>
  %y2 = qnn.conv %xd, %wd {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x3x3xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x3x3xf32>
  %s = qnn.sigmoid %y2 : tensor<1x2x3x3xf32>
  %sq = qnn.quantize %s : tensor<1x2x3x3xf32> -> tensor<1x2x3x3x!quant.uniform<i8:f32, 0.00392156862:-128>>
  %sd = qnn.dequantize %sq : tensor<1x2x3x3x!quant.uniform<i8:f32, 0.00392156862:-128>> -> tensor<1x2x3x3xf32>
  return %hd, %sd : tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>
}

// -----

// A positive constant multiplier (per channel, or a scalar divisor) after an
// integer conv moves into the accumulator scales {0.125, 0.25}: times {2, 0.5},
// then divided by 4, and from there into the next layer's requantize.
// CHECK-LABEL: func.func @constant_scales
// CHECK: %[[ACC:.*]] = qnn.conv_integer
// CHECK: %[[S:.*]] = quant.scast %[[ACC]] : tensor<1x2x3x3xi32> to tensor<1x2x3x3x!quant.uniform<i32:f32:1, {2.500000e-01,1.250000e-01}>>
// CHECK: %[[Y:.*]] = qnn.dequantize %[[S]]
// CHECK: %[[ACC2:.*]] = qnn.conv_integer
// CHECK: qnn.requantize %[[ACC2]] {axis = 1 : i64, multipliers = array<i32: 1073741824, 1073741824>, shifts = array<i64: 33, 32>}
// CHECK-NOT: qnn.mul
// CHECK-NOT: qnn.div
func.func @constant_scales(%x: tensor<1x2x3x3xf32>) -> (tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>) {
  %q = qnn.quantize %x : tensor<1x2x3x3xf32> -> tensor<1x2x3x3x!quant.uniform<i8:f32, 0.5:-3>>
  %xd = qnn.dequantize %q : tensor<1x2x3x3x!quant.uniform<i8:f32, 0.5:-3>> -> tensor<1x2x3x3xf32>
  %wq = qnn.constant dense<[[[[1]], [[2]]], [[[3]], [[-4]]]]> : tensor<2x2x1x1xi8>
  %ws = quant.scast %wq : tensor<2x2x1x1xi8> to tensor<2x2x1x1x!quant.uniform<i8<-127:127>:f32:0, {0.25, 0.5}>>
  %wd = qnn.dequantize %ws : tensor<2x2x1x1x!quant.uniform<i8<-127:127>:f32:0, {0.25, 0.5}>> -> tensor<2x2x1x1xf32>
  %y = qnn.conv %xd, %wd {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x3x3xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x3x3xf32>
  %k = qnn.constant dense<[[[2.0]], [[0.5]]]> : tensor<2x1x1xf32>
  %m = qnn.mul %y, %k : (tensor<1x2x3x3xf32>, tensor<2x1x1xf32>) -> tensor<1x2x3x3xf32>
  %y2 = qnn.conv %xd, %wd {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x3x3xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x3x3xf32>
  %four = qnn.constant dense<4.0> : tensor<f32>
  %d = qnn.div %y2, %four : (tensor<1x2x3x3xf32>, tensor<f32>) -> tensor<1x2x3x3xf32>
  %q2 = qnn.quantize %d : tensor<1x2x3x3xf32> -> tensor<1x2x3x3x!quant.uniform<i8:f32, 0.25:4>>
  %d2 = qnn.dequantize %q2 : tensor<1x2x3x3x!quant.uniform<i8:f32, 0.25:4>> -> tensor<1x2x3x3xf32>
  return %m, %d2 : tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>
}

// -----

// A negative or non-constant factor stays a float multiply.
// CHECK-LABEL: func.func @negative_scale
// CHECK: qnn.conv_integer
// CHECK: qnn.mul
func.func @negative_scale(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %q = qnn.quantize %x : tensor<1x2x3x3xf32> -> tensor<1x2x3x3x!quant.uniform<i8:f32, 0.5:-3>>
  %xd = qnn.dequantize %q : tensor<1x2x3x3x!quant.uniform<i8:f32, 0.5:-3>> -> tensor<1x2x3x3xf32>
  %wq = qnn.constant dense<[[[[1]], [[2]]], [[[3]], [[-4]]]]> : tensor<2x2x1x1xi8>
  %ws = quant.scast %wq : tensor<2x2x1x1xi8> to tensor<2x2x1x1x!quant.uniform<i8<-127:127>:f32:0, {0.25, 0.5}>>
  %wd = qnn.dequantize %ws : tensor<2x2x1x1x!quant.uniform<i8<-127:127>:f32:0, {0.25, 0.5}>> -> tensor<2x2x1x1xf32>
  %y = qnn.conv %xd, %wd {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x3x3xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x3x3xf32>
  %k = qnn.constant dense<-2.0> : tensor<f32>
  %m = qnn.mul %y, %k : (tensor<1x2x3x3xf32>, tensor<f32>) -> tensor<1x2x3x3xf32>
  return %m : tensor<1x2x3x3xf32>
}

// -----

// Scalar Mul/Add after the activation (PP-LCNetV3's learnable affine) go
// into the same table: 0.5 * hard_swish(x) + 0.5.
// CHECK-LABEL: func.func @activation_then_affine
// CHECK: %[[R:.*]] = qnn.requantize
// CHECK: qnn.lookup_table %[[R]] {activation = "hard_swish + scalar affine"
// CHECK-NOT: qnn.mul
// CHECK-NOT: qnn.add
func.func @activation_then_affine(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %q = qnn.quantize %x : tensor<1x2x3x3xf32> -> tensor<1x2x3x3x!quant.uniform<i8:f32, 0.5:-3>>
  %xd = qnn.dequantize %q : tensor<1x2x3x3x!quant.uniform<i8:f32, 0.5:-3>> -> tensor<1x2x3x3xf32>
  %wq = qnn.constant dense<[[[[1]], [[2]]], [[[3]], [[-4]]]]> : tensor<2x2x1x1xi8>
  %ws = quant.scast %wq : tensor<2x2x1x1xi8> to tensor<2x2x1x1x!quant.uniform<i8<-127:127>:f32:0, {0.25, 0.5}>>
  %wd = qnn.dequantize %ws : tensor<2x2x1x1x!quant.uniform<i8<-127:127>:f32:0, {0.25, 0.5}>> -> tensor<2x2x1x1xf32>
  %y = qnn.conv %xd, %wd {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x3x3xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x3x3xf32>
  %h = qnn.hard_swish %y : tensor<1x2x3x3xf32>
  %two = qnn.constant dense<0.5> : tensor<1xf32>
  %half = qnn.constant dense<0.5> : tensor<1xf32>
  %m = qnn.mul %two, %h : (tensor<1xf32>, tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %a = qnn.add %m, %half : (tensor<1x2x3x3xf32>, tensor<1xf32>) -> tensor<1x2x3x3xf32>
  %aq = qnn.quantize %a : tensor<1x2x3x3xf32> -> tensor<1x2x3x3x!quant.uniform<i8:f32, 0.1>>
  %ad = qnn.dequantize %aq : tensor<1x2x3x3x!quant.uniform<i8:f32, 0.1>> -> tensor<1x2x3x3xf32>
  return %ad : tensor<1x2x3x3xf32>
}

// -----

// A dead channel (s_w = 2^-40, bias 1.0): 1 / (0.5 * 2^-40) = 2^41 would not
// fit int32, so the channel is requantized 2^12 times coarser (codes 96 and
// -64 round to 0, s_w = 2^-28) and its bias folds to 2^29; channel 0 is as
// before (17). Without this PP-OCRv4 rec kept four convs in float.
// CHECK-LABEL: func.func @dead_channel
// CHECK-DAG: %[[B:.*]] = qnn.constant dense<[17, 536870912]> : tensor<2xi32>
// CHECK-DAG: %[[W:.*]] = qnn.constant dense_resource<qweight_coarsened> : tensor<2x2x1x1xi8>
// CHECK: qnn.conv_integer %{{.*}}, %[[W]], %[[B]]
// CHECK: quant.uniform<i32:f32:1, {1.250000e-01,1.862645149230957E-9}>
// CHECK: qweight_coarsened: "0x1000000001020000"
func.func @dead_channel(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %q = qnn.quantize %x : tensor<1x2x3x3xf32> -> tensor<1x2x3x3x!quant.uniform<i8:f32, 0.5:-3>>
  %xd = qnn.dequantize %q : tensor<1x2x3x3x!quant.uniform<i8:f32, 0.5:-3>> -> tensor<1x2x3x3xf32>
  %wq = qnn.constant dense<[[[[1]], [[2]]], [[[96]], [[-64]]]]> : tensor<2x2x1x1xi8>
  %ws = quant.scast %wq : tensor<2x2x1x1xi8> to tensor<2x2x1x1x!quant.uniform<i8<-127:127>:f32:0, {0.25, 9.094947017729282e-13}>>
  %wd = qnn.dequantize %ws : tensor<2x2x1x1x!quant.uniform<i8<-127:127>:f32:0, {0.25, 9.094947017729282e-13}>> -> tensor<2x2x1x1xf32>
  %b = qnn.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %y = qnn.conv %xd, %wd, %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x3x3xf32>, tensor<2x2x1x1xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  return %y : tensor<1x2x3x3xf32>
}

// -----

// A depthwise input quantized per channel (s_x = {0.5, 0.25}, zero point 0)
// folds: output channel c accumulates in s_x[c] * s_w[c] = {0.125, 0.125}.
// Bias: round(1 / 0.125) = 8 and round(-2 / 0.125) = -16 (no zero-point term).
// A dense convolution reads every channel in one sum and stays float.
// CHECK-LABEL: func.func @depthwise_channel_input
// CHECK-DAG: %[[B:.*]] = qnn.constant dense<[8, -16]> : tensor<2xi32>
// CHECK: %[[ACC:.*]] = qnn.conv_integer %{{.*}}, %{{.*}}, %[[B]] {dilations = array<i64: 1, 1>, group = 2 : i64, pads
// CHECK: quant.scast %[[ACC]] : tensor<1x2x3x3xi32> to tensor<1x2x3x3x!quant.uniform<i32:f32:1, {1.250000e-01,1.250000e-01}>>
// CHECK: qnn.conv %{{.*}}, %{{.*}} {dilations
// CHECK-NOT: qnn.conv_integer
func.func @depthwise_channel_input(%x: tensor<1x2x3x3xf32>) -> (tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>) {
  %q = qnn.quantize %x : tensor<1x2x3x3xf32> -> tensor<1x2x3x3x!quant.uniform<i8<-127:127>:f32:1, {0.5, 0.25}>>
  %xd = qnn.dequantize %q : tensor<1x2x3x3x!quant.uniform<i8<-127:127>:f32:1, {0.5, 0.25}>> -> tensor<1x2x3x3xf32>
  %wq = qnn.constant dense<[[[[1]]], [[[-2]]]]> : tensor<2x1x1x1xi8>
  %ws = quant.scast %wq : tensor<2x1x1x1xi8> to tensor<2x1x1x1x!quant.uniform<i8<-127:127>:f32:0, {0.25, 0.5}>>
  %wd = qnn.dequantize %ws : tensor<2x1x1x1x!quant.uniform<i8<-127:127>:f32:0, {0.25, 0.5}>> -> tensor<2x1x1x1xf32>
  %b = qnn.constant dense<[1.0, -2.0]> : tensor<2xf32>
  %y = qnn.conv %xd, %wd, %b {group = 2 : i64, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x3x3xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  %dq = qnn.constant dense<[[[[1]], [[2]]], [[[3]], [[-4]]]]> : tensor<2x2x1x1xi8>
  %ds = quant.scast %dq : tensor<2x2x1x1xi8> to tensor<2x2x1x1x!quant.uniform<i8<-127:127>:f32:0, {0.25, 0.5}>>
  %dd = qnn.dequantize %ds : tensor<2x2x1x1x!quant.uniform<i8<-127:127>:f32:0, {0.25, 0.5}>> -> tensor<2x2x1x1xf32>
  %z = qnn.conv %xd, %dd {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x3x3xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x3x3xf32>
  return %y, %z : tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>
}
