// RUN: quant-opt %s -split-input-file | FileCheck %s
// RUN: quant-opt %s -split-input-file -mlir-print-op-generic | quant-opt -split-input-file | FileCheck %s
// RUN: quant-opt %s -emit-bytecode | quant-opt | FileCheck %s

// Every qnn op parses, verifies (result types are re-inferred) and prints back.

// CHECK-LABEL: func @conv_family
func.func @conv_family(%x: tensor<1x4x9x9xf32>, %w: tensor<8x2x3x3xf32>, %b: tensor<8xf32>,
                       %wt: tensor<8x2x2x2xf32>) -> (tensor<1x8x5x5xf32>, tensor<1x4x10x10xf32>) {
  // CHECK: qnn.conv %{{.*}}, %{{.*}}, %{{.*}} {dilations = array<i64: 1, 1>, group = 2 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x4x9x9xf32>, tensor<8x2x3x3xf32>, tensor<8xf32>) -> tensor<1x8x5x5xf32>
  %0 = qnn.conv %x, %w, %b {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, group = 2 : i64} : (tensor<1x4x9x9xf32>, tensor<8x2x3x3xf32>, tensor<8xf32>) -> tensor<1x8x5x5xf32>
  // CHECK: qnn.conv_transpose
  %1 = qnn.conv_transpose %0, %wt {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, output_padding = array<i64: 0, 0>, group = 2 : i64} : (tensor<1x8x5x5xf32>, tensor<8x2x2x2xf32>) -> tensor<1x4x10x10xf32>
  return %0, %1 : tensor<1x8x5x5xf32>, tensor<1x4x10x10xf32>
}

// -----

// CHECK-LABEL: func @matmul_family
func.func @matmul_family(%a: tensor<2x4xf32>, %b: tensor<6x4xf32>, %c: tensor<6xf32>,
                         %x: tensor<3x1x5x4xf32>, %y: tensor<7x4x2xf32>, %v: tensor<4xf32>)
    -> (tensor<2x6xf32>, tensor<3x7x5x2xf32>, tensor<3x1x5xf32>) {
  // CHECK: qnn.gemm {{.*}} -> tensor<2x6xf32>
  %0 = qnn.gemm %a, %b, %c {trans_b = true, alpha = 5.0e-01 : f32} : (tensor<2x4xf32>, tensor<6x4xf32>, tensor<6xf32>) -> tensor<2x6xf32>
  // CHECK: qnn.matmul {{.*}} -> tensor<3x7x5x2xf32>
  %1 = qnn.matmul %x, %y : (tensor<3x1x5x4xf32>, tensor<7x4x2xf32>) -> tensor<3x7x5x2xf32>
  // CHECK: qnn.matmul {{.*}} -> tensor<3x1x5xf32>
  %2 = qnn.matmul %x, %v : (tensor<3x1x5x4xf32>, tensor<4xf32>) -> tensor<3x1x5xf32>
  return %0, %1, %2 : tensor<2x6xf32>, tensor<3x7x5x2xf32>, tensor<3x1x5xf32>
}

// -----

// CHECK-LABEL: func @normalization
func.func @normalization(%x: tensor<2x3x4x4xf32>, %p: tensor<3xf32>, %s: tensor<4x4xf32>)
    -> (tensor<2x3x4x4xf32>, tensor<2x3x4x4xf32>) {
  // CHECK: qnn.batch_norm {{.*}} {epsilon = 1.000000e-03 : f32}
  %0 = qnn.batch_norm %x, %p, %p, %p, %p {epsilon = 1.0e-03 : f32} : (tensor<2x3x4x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x3x4x4xf32>
  // CHECK: qnn.layer_norm {{.*}} {axis = 2 : i64}
  %1 = qnn.layer_norm %0, %s {axis = 2 : i64} : (tensor<2x3x4x4xf32>, tensor<4x4xf32>) -> tensor<2x3x4x4xf32>
  return %0, %1 : tensor<2x3x4x4xf32>, tensor<2x3x4x4xf32>
}

// -----

// CHECK-LABEL: func @pooling
func.func @pooling(%x: tensor<1x3x10x10xf32>) -> (tensor<1x3x6x6xf32>, tensor<1x3x5x5xf32>, tensor<1x3x1x1xf32>) {
  // CHECK: qnn.max_pool {{.*}} -> tensor<1x3x6x6xf32>
  %0 = qnn.max_pool %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, ceil_mode = true} : tensor<1x3x10x10xf32> -> tensor<1x3x6x6xf32>
  // CHECK: qnn.average_pool {{.*}} -> tensor<1x3x5x5xf32>
  %1 = qnn.average_pool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>} : tensor<1x3x10x10xf32> -> tensor<1x3x5x5xf32>
  // CHECK: qnn.global_average_pool {{.*}} -> tensor<1x3x1x1xf32>
  %2 = qnn.global_average_pool %x : tensor<1x3x10x10xf32> -> tensor<1x3x1x1xf32>
  return %0, %1, %2 : tensor<1x3x6x6xf32>, tensor<1x3x5x5xf32>, tensor<1x3x1x1xf32>
}

// -----

// CHECK-LABEL: func @activations
func.func @activations(%x: tensor<2x8xf32>, %slope: tensor<8xf32>) -> tensor<2x8xf32> {
  // CHECK: qnn.relu
  %0 = qnn.relu %x : tensor<2x8xf32>
  // CHECK: qnn.sigmoid
  %1 = qnn.sigmoid %0 : tensor<2x8xf32>
  // CHECK: qnn.tanh
  %2 = qnn.tanh %1 : tensor<2x8xf32>
  // CHECK: qnn.erf
  %3 = qnn.erf %2 : tensor<2x8xf32>
  // CHECK: qnn.sqrt
  %4 = qnn.sqrt %3 : tensor<2x8xf32>
  // CHECK: qnn.hard_swish
  %5 = qnn.hard_swish %4 : tensor<2x8xf32>
  // CHECK: qnn.gelu %{{.*}} {approximate = "tanh"}
  %6 = qnn.gelu %5 {approximate = "tanh"} : tensor<2x8xf32>
  // CHECK: qnn.leaky_relu %{{.*}} {alpha = 1.000000e-01 : f32}
  %7 = qnn.leaky_relu %6 {alpha = 0.1 : f32} : tensor<2x8xf32>
  // CHECK: qnn.hard_sigmoid
  %8 = qnn.hard_sigmoid %7 {alpha = 0.1666 : f32, beta = 0.5 : f32} : tensor<2x8xf32>
  // CHECK: qnn.clip %{{.*}} {max = 6.000000e+00 : f32, min = 0.000000e+00 : f32}
  %9 = qnn.clip %8 {min = 0.0 : f32, max = 6.0 : f32} : tensor<2x8xf32>
  // CHECK: qnn.softmax %{{.*}} {axis = 1 : i64}
  %10 = qnn.softmax %9 {axis = 1 : i64} : tensor<2x8xf32>
  // CHECK: qnn.prelu
  %11 = qnn.prelu %10, %slope : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  return %11 : tensor<2x8xf32>
}

// -----

// CHECK-LABEL: func @broadcasting
func.func @broadcasting(%a: tensor<2x1x4xf32>, %b: tensor<3x1xf32>, %d: tensor<?x4xf32>, %i: tensor<3xi64>)
    -> (tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x?x4xf32>, tensor<3xi64>) {
  // CHECK: qnn.add {{.*}} -> tensor<2x3x4xf32>
  %0 = qnn.add %a, %b : (tensor<2x1x4xf32>, tensor<3x1xf32>) -> tensor<2x3x4xf32>
  // CHECK: qnn.sub
  %1 = qnn.sub %0, %b : (tensor<2x3x4xf32>, tensor<3x1xf32>) -> tensor<2x3x4xf32>
  // CHECK: qnn.mul
  %2 = qnn.mul %1, %a : (tensor<2x3x4xf32>, tensor<2x1x4xf32>) -> tensor<2x3x4xf32>
  // CHECK: qnn.div
  %3 = qnn.div %2, %a : (tensor<2x3x4xf32>, tensor<2x1x4xf32>) -> tensor<2x3x4xf32>
  // CHECK: qnn.pow
  %4 = qnn.pow %3, %b : (tensor<2x3x4xf32>, tensor<3x1xf32>) -> tensor<2x3x4xf32>
  // A dynamic dim against 1 stays dynamic.
  // CHECK: qnn.add {{.*}} -> tensor<2x?x4xf32>
  %5 = qnn.add %a, %d : (tensor<2x1x4xf32>, tensor<?x4xf32>) -> tensor<2x?x4xf32>
  // CHECK: qnn.add {{.*}} : (tensor<3xi64>, tensor<3xi64>) -> tensor<3xi64>
  %6 = qnn.add %i, %i : (tensor<3xi64>, tensor<3xi64>) -> tensor<3xi64>
  return %0, %1, %2, %3, %4, %5, %6 : tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x?x4xf32>, tensor<3xi64>
}

// -----

// CHECK-LABEL: func @shapes
func.func @shapes(%x: tensor<2x3x4xf32>, %idx: tensor<2xi64>)
    -> (tensor<4x6xf32>, tensor<4x3x2xf32>, tensor<2x3x2xf32>, tensor<2x3x4xf32>, tensor<1x2x3x4x1xf32>, tensor<2x12xf32>, tensor<2x3x4xi32>, tensor<1xi64>, tensor<2x6x4xf32>, tensor<2x2x4xf32>, tensor<2x5x4xf32>, tensor<2x1x1xf32>, tensor<2x3x8xf32>) {
  // CHECK: qnn.reshape {{.*}} -> tensor<4x6xf32>
  %0 = qnn.reshape %x {shape = array<i64: 4, -1>} : tensor<2x3x4xf32> -> tensor<4x6xf32>
  // CHECK: qnn.transpose {{.*}} -> tensor<4x3x2xf32>
  %1 = qnn.transpose %x {perm = array<i64: 2, 1, 0>} : tensor<2x3x4xf32> -> tensor<4x3x2xf32>
  // CHECK: qnn.slice {{.*}} -> tensor<2x3x2xf32>
  %2 = qnn.slice %x {starts = array<i64: -1>, ends = array<i64: -9223372036854775807>, axes = array<i64: 2>, steps = array<i64: -2>} : tensor<2x3x4xf32> -> tensor<2x3x2xf32>
  %u = qnn.unsqueeze %x {axes = array<i64: 0, -1>} : tensor<2x3x4xf32> -> tensor<1x2x3x4x1xf32>
  // CHECK: qnn.squeeze {{.*}} -> tensor<2x3x4xf32>
  %3 = qnn.squeeze %u {axes = array<i64>} : tensor<1x2x3x4x1xf32> -> tensor<2x3x4xf32>
  // CHECK: qnn.flatten {{.*}} -> tensor<2x12xf32>
  %4 = qnn.flatten %x : tensor<2x3x4xf32> -> tensor<2x12xf32>
  // CHECK: qnn.cast %{{.*}} {to = i32}
  %5 = qnn.cast %x {to = i32} : tensor<2x3x4xf32> -> tensor<2x3x4xi32>
  // CHECK: qnn.shape %{{.*}} {end = -1 : i64, start = 1 : i64} : tensor<2x3x4xf32> -> tensor<1xi64>
  %6 = qnn.shape %x {start = 1 : i64, end = -1 : i64} : tensor<2x3x4xf32> -> tensor<1xi64>
  // CHECK: qnn.concat {{.*}} {axis = 1 : i64}
  %7 = qnn.concat %x, %x {axis = 1 : i64} : (tensor<2x3x4xf32>, tensor<2x3x4xf32>) -> tensor<2x6x4xf32>
  // CHECK: qnn.gather {{.*}} {axis = 1 : i64} : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<2x2x4xf32>
  %8 = qnn.gather %x, %idx {axis = 1 : i64} : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<2x2x4xf32>
  // CHECK: qnn.pad %{{.*}} {mode = "reflect", pads = array<i64: 0, 1, 0, 0, 1, 0>}
  %9 = qnn.pad %x {pads = array<i64: 0, 1, 0, 0, 1, 0>, mode = "reflect"} : tensor<2x3x4xf32> -> tensor<2x5x4xf32>
  // CHECK: qnn.reduce_mean {{.*}} -> tensor<2x1x1xf32>
  %10 = qnn.reduce_mean %x {axes = array<i64: 1, -1>} : tensor<2x3x4xf32> -> tensor<2x1x1xf32>
  // CHECK: qnn.resize {{.*}} -> tensor<2x3x8xf32>
  %11 = qnn.resize %x {scales = array<f32: 1.0, 1.0, 2.0>, mode = "linear"} : tensor<2x3x4xf32> -> tensor<2x3x8xf32>
  return %0, %1, %2, %3, %u, %4, %5, %6, %7, %8, %9, %10, %11 : tensor<4x6xf32>, tensor<4x3x2xf32>, tensor<2x3x2xf32>, tensor<2x3x4xf32>, tensor<1x2x3x4x1xf32>, tensor<2x12xf32>, tensor<2x3x4xi32>, tensor<1xi64>, tensor<2x6x4xf32>, tensor<2x2x4xf32>, tensor<2x5x4xf32>, tensor<2x1x1xf32>, tensor<2x3x8xf32>
}

// -----

// CHECK-LABEL: func @quantization
func.func @quantization(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8x!quant.uniform<i4:f32:0, {0.1,0.2,0.3,0.4}>>) {
  // CHECK: qnn.quantize %{{.*}} : tensor<4x8xf32> -> tensor<4x8x!quant.uniform<i8:f32, 5.000000e-02:-3>>
  %q = qnn.quantize %x : tensor<4x8xf32> -> tensor<4x8x!quant.uniform<i8:f32, 0.05:-3>>
  // CHECK: qnn.dequantize
  %d = qnn.dequantize %q : tensor<4x8x!quant.uniform<i8:f32, 0.05:-3>> -> tensor<4x8xf32>
  // Per-axis, sub-byte storage.
  %p = qnn.quantize %x : tensor<4x8xf32> -> tensor<4x8x!quant.uniform<i4:f32:0, {0.1,0.2,0.3,0.4}>>
  return %d, %p : tensor<4x8xf32>, tensor<4x8x!quant.uniform<i4:f32:0, {0.1,0.2,0.3,0.4}>>
}

// -----

// CHECK-LABEL: func @attributes
// CHECK-SAME: qnn.ranges = [#qnn.range<-1.500000e+00, 6.250000e+00>]
// CHECK-SAME: qnn.sensitivity = #qnn.sensitivity<bits = [2, 4, 8], omega = [3.000000e-01, 2.000000e-02, 1.000000e-03]>
// CHECK-SAME: qnn.weight_format = #qnn.weight_format<bits = 2, group_size = 32, ternary = true, symmetric = true>
func.func @attributes() attributes {
    qnn.ranges = [#qnn.range<-1.5, 6.25>],
    qnn.weight_format = #qnn.weight_format<bits = 2, group_size = 32, ternary = true, symmetric = true>,
    qnn.sensitivity = #qnn.sensitivity<bits = [2, 4, 8], omega = [0.3, 0.02, 0.001]>} {
  return
}

// -----

// CHECK-LABEL: func.func @integer_ops
// CHECK: qnn.conv_integer %arg0, %arg1, %arg2 {dilations = array<i64: 1, 1>, input_zero_point = -3 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>}
// CHECK: qnn.requantize %{{.*}} {axis = 1 : i64, multipliers = array<i32: 1073741824, 1073741824, 1073741824>, shifts = array<i64: 31, 30, 29>}
func.func @integer_ops(%x: tensor<1x2x4x4xi8>, %w: tensor<3x2x1x1xi8>, %b: tensor<3xi32>) -> tensor<1x3x4x4x!quant.uniform<i8:f32, 0.5:2>> {
  %acc = qnn.conv_integer %x, %w, %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, input_zero_point = -3 : i64} : (tensor<1x2x4x4xi8>, tensor<3x2x1x1xi8>, tensor<3xi32>) -> tensor<1x3x4x4xi32>
  %r = qnn.requantize %acc {axis = 1 : i64, multipliers = array<i32: 1073741824, 1073741824, 1073741824>, shifts = array<i64: 31, 30, 29>} : tensor<1x3x4x4xi32> -> tensor<1x3x4x4x!quant.uniform<i8:f32, 0.5:2>>
  return %r : tensor<1x3x4x4x!quant.uniform<i8:f32, 0.5:2>>
}

// -----

// A 256-entry int8 table (here the identity).
// CHECK-LABEL: func.func @lookup_table
// CHECK: qnn.lookup_table %{{.*}} {activation = "hard_swish", table = array<i8: -128, -127,
func.func @lookup_table(%x: tensor<2x3x!quant.uniform<i8:f32, 0.1:-5>>) -> tensor<2x3x!quant.uniform<i8:f32, 0.05:3>> {
  %y = qnn.lookup_table %x {activation = "hard_swish", table = array<i8: -128, -127, -126, -125, -124, -123, -122, -121, -120, -119, -118, -117, -116, -115, -114, -113, -112, -111, -110, -109, -108, -107, -106, -105, -104, -103, -102, -101, -100, -99, -98, -97, -96, -95, -94, -93, -92, -91, -90, -89, -88, -87, -86, -85, -84, -83, -82, -81, -80, -79, -78, -77, -76, -75, -74, -73, -72, -71, -70, -69, -68, -67, -66, -65, -64, -63, -62, -61, -60, -59, -58, -57, -56, -55, -54, -53, -52, -51, -50, -49, -48, -47, -46, -45, -44, -43, -42, -41, -40, -39, -38, -37, -36, -35, -34, -33, -32, -31, -30, -29, -28, -27, -26, -25, -24, -23, -22, -21, -20, -19, -18, -17, -16, -15, -14, -13, -12, -11, -10, -9, -8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127>} : tensor<2x3x!quant.uniform<i8:f32, 0.1:-5>> -> tensor<2x3x!quant.uniform<i8:f32, 0.05:3>>
  return %y : tensor<2x3x!quant.uniform<i8:f32, 0.05:3>>
}

// -----

// A channels-last max pool's shapes are [N, H, W, C]: the window runs over
// dims 1 and 2.
// CHECK-LABEL: func @max_pool_channels_last
// CHECK: qnn.max_pool {{.*}} : tensor<1x10x8x3xf32> -> tensor<1x6x4x3xf32>
func.func @max_pool_channels_last(%x: tensor<1x10x8x3xf32>) -> tensor<1x6x4x3xf32> {
  %0 = qnn.max_pool %x {kernel_shape = array<i64: 3, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 0, 1, 0>, ceil_mode = true, channels_last = true} : tensor<1x10x8x3xf32> -> tensor<1x6x4x3xf32>
  return %0 : tensor<1x6x4x3xf32>
}
