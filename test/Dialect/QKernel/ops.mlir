// RUN: quant-opt %s | quant-opt | FileCheck %s
// RUN: quant-opt %s -mlir-print-op-generic | quant-opt | FileCheck %s

#w4 = #qkernel.layout<bits = 4, lanes = 16, k = 64, n = 16, group = 0, binary = false, signed_bytes = false>
#w3g = #qkernel.layout<bits = 3, lanes = 4, k = 100, n = 5, group = 32, binary = false, signed_bytes = false>

// CHECK-LABEL: func.func @matmul_epilogue
// CHECK: qkernel.matmul %arg0, %arg1, %arg2 bias %arg3 {activation = "relu", activations = "float", layout = #qkernel.layout<bits = 4, lanes = 16, k = 64, n = 16, group = 0, binary = false, signed_bytes = false>, zero_point = 8 : i64}
func.func @matmul_epilogue(%x: tensor<2x3x64xf32>, %p: tensor<512xi8>, %s: tensor<1x16xf32>, %b: tensor<16xf32>) -> tensor<2x3x16xf32> {
  %y = qkernel.matmul %x, %p, %s bias %b {layout = #w4, zero_point = 8 : i64, activations = "float", activation = "relu"} : (tensor<2x3x64xf32>, tensor<512xi8>, tensor<1x16xf32>, tensor<16xf32>) -> tensor<2x3x16xf32>
  return %y : tensor<2x3x16xf32>
}

// A 3-bit layout with a scale and zero point per 32 rows: K 100 pads to 128
// (4 scale rows), N 5 to 8; 8 x 128 x 3 / 8 = 384 bytes.
// CHECK-LABEL: func.func @matmul_zero_table
// CHECK: qkernel.matmul %arg0, %arg1, %arg2 zero_points %arg3 {layout = #qkernel.layout<bits = 3, lanes = 4, k = 100, n = 5, group = 32, binary = false, signed_bytes = false>}
func.func @matmul_zero_table(%x: tensor<1x100xf32>, %p: tensor<384xi8>, %s: tensor<4x8xf32>, %z: tensor<4x8xi8>) -> tensor<1x5xf32> {
  %y = qkernel.matmul %x, %p, %s zero_points %z {layout = #w3g} : (tensor<1x100xf32>, tensor<384xi8>, tensor<4x8xf32>, tensor<4x8xi8>) -> tensor<1x5xf32>
  return %y : tensor<1x5xf32>
}

// CHECK-LABEL: func.func @pack_unpack
// CHECK: qkernel.pack %arg0 {layout = #qkernel.layout<bits = 4
// CHECK-SAME: tensor<64x16xi8> -> tensor<512xi8>
// CHECK: qkernel.unpack %{{.*}} {layout = #qkernel.layout<bits = 4
// CHECK-SAME: tensor<512xi8> -> tensor<64x16xi8>
func.func @pack_unpack(%codes: tensor<64x16xi8>) -> tensor<64x16xi8> {
  %p = qkernel.pack %codes {layout = #w4} : tensor<64x16xi8> -> tensor<512xi8>
  %c = qkernel.unpack %p {layout = #w4} : tensor<512xi8> -> tensor<64x16xi8>
  return %c : tensor<64x16xi8>
}

// CHECK-LABEL: func.func @pair_sums
// CHECK: qkernel.pair_sums %arg0 : vector<16xi16> -> vector<8xi32>
func.func @pair_sums(%p: vector<16xi16>) -> vector<8xi32> {
  %r = qkernel.pair_sums %p : vector<16xi16> -> vector<8xi32>
  return %r : vector<8xi32>
}

// CHECK-LABEL: func.func @dot
// CHECK: qkernel.dot %arg0, %arg1, %arg2 {instruction = "vpdpbusd"} : vector<64xi8>, vector<64xi8> -> vector<16xi32>
func.func @dot(%acc: vector<16xi32>, %w: vector<64xi8>, %a: vector<64xi8>) -> vector<16xi32> {
  %r = qkernel.dot %acc, %w, %a {instruction = "vpdpbusd"} : vector<64xi8>, vector<64xi8> -> vector<16xi32>
  return %r : vector<16xi32>
}

// A8: int8 x, packed codes w + zero_point, int32 bias and result.
// CHECK-LABEL: func.func @matmul_integer
// CHECK: qkernel.matmul_integer %arg0, %arg1 bias %arg2 {layout = #qkernel.layout<bits = 8, lanes = 16, k = 64, n = 16, group = 0, binary = false, signed_bytes = false>, zero_point = 128 : i64} : (tensor<3x64xi8>, tensor<1024xi8>, tensor<16xi32>) -> tensor<3x16xi32>
// CHECK: qkernel.matmul_integer %arg0, %{{.*}} {layout = #qkernel.layout<bits = 4, {{.*}}>, zero_point = 7 : i64} : (tensor<3x64xi8>, tensor<512xi8>) -> tensor<3x16xi32>
func.func @matmul_integer(%x: tensor<3x64xi8>, %p: tensor<1024xi8>, %b: tensor<16xi32>, %p4: tensor<512xi8>) -> (tensor<3x16xi32>, tensor<3x16xi32>) {
  %y = qkernel.matmul_integer %x, %p bias %b {layout = #qkernel.layout<bits = 8, lanes = 16, k = 64, n = 16, group = 0, binary = false, signed_bytes = false>, zero_point = 128 : i64} : (tensor<3x64xi8>, tensor<1024xi8>, tensor<16xi32>) -> tensor<3x16xi32>
  %y4 = qkernel.matmul_integer %x, %p4 {layout = #qkernel.layout<bits = 4, lanes = 16, k = 64, n = 16, group = 0, binary = false, signed_bytes = false>, zero_point = 7 : i64} : (tensor<3x64xi8>, tensor<512xi8>) -> tensor<3x16xi32>
  return %y, %y4 : tensor<3x16xi32>, tensor<3x16xi32>
}

// The LUT layout: 1-bit planes of nibble indices, 64 channels per tile. K
// 100 pads to 128, N 70 to 128: 128 x 128 x 2 / 8 = 4096 bytes. `lut` is
// printed only when set.
// CHECK-LABEL: func.func @lut_matmul
// CHECK: qkernel.lut_matmul %arg0, %arg1, %arg2 bias %arg3 {activation = "relu", layout = #qkernel.layout<bits = 2, lanes = 64, k = 100, n = 70, group = 0, binary = false, signed_bytes = false, lut = true>, zero_point = 1 : i64} : (tensor<3x100xf32>, tensor<4096xi8>, tensor<1x128xf32>, tensor<70xf32>) -> tensor<3x70xf32>
func.func @lut_matmul(%x: tensor<3x100xf32>, %p: tensor<4096xi8>, %s: tensor<1x128xf32>, %b: tensor<70xf32>) -> tensor<3x70xf32> {
  %y = qkernel.lut_matmul %x, %p, %s bias %b {layout = #qkernel.layout<bits = 2, lanes = 64, k = 100, n = 70, group = 0, binary = false, signed_bytes = false, lut = true>, zero_point = 1 : i64, activation = "relu"} : (tensor<3x100xf32>, tensor<4096xi8>, tensor<1x128xf32>, tensor<70xf32>) -> tensor<3x70xf32>
  return %y : tensor<3x70xf32>
}

// CHECK-LABEL: func.func @lookup
// CHECK: qkernel.lookup %arg0, %arg1 {instruction = "vpshufb"} : vector<16xi8>, vector<64xi8>
// CHECK: qkernel.lookup %arg0, %arg2 {instruction = "tbl"} : vector<16xi8>, vector<16xi8>
func.func @lookup(%t: vector<16xi8>, %i: vector<64xi8>, %j: vector<16xi8>) -> (vector<64xi8>, vector<16xi8>) {
  %r = qkernel.lookup %t, %i {instruction = "vpshufb"} : vector<16xi8>, vector<64xi8>
  %s = qkernel.lookup %t, %j {instruction = "tbl"} : vector<16xi8>, vector<16xi8>
  return %r, %s : vector<64xi8>, vector<16xi8>
}

// A fused requantize to int8 (per channel, a Relu clamp).
// CHECK-LABEL: func.func @matmul_integer_requantize
// CHECK: qkernel.matmul_integer %arg0, %arg1 {clamp_min = -3 : i64, layout = #qkernel.layout<bits = 8, {{.*}}>, multipliers = array<i32: 1073741824, 1200000000, 1300000000>, output_zero_point = -3 : i64, shifts = array<i64: 31, 32, 33>, zero_point = 128 : i64} : (tensor<2x64xi8>, tensor<1024xi8>) -> tensor<2x3xi8>
func.func @matmul_integer_requantize(%x: tensor<2x64xi8>, %p: tensor<1024xi8>) -> tensor<2x3xi8> {
  %y = qkernel.matmul_integer %x, %p {layout = #qkernel.layout<bits = 8, lanes = 16, k = 64, n = 3, group = 0, binary = false, signed_bytes = false>, zero_point = 128 : i64, multipliers = array<i32: 1073741824, 1200000000, 1300000000>, shifts = array<i64: 31, 32, 33>, output_zero_point = -3 : i64, clamp_min = -3 : i64} : (tensor<2x64xi8>, tensor<1024xi8>) -> tensor<2x3xi8>
  return %y : tensor<2x3xi8>
}

// An epilogue region: the accumulator and its channel in, the element out.
// CHECK-LABEL: func.func @matmul_integer_epilogue
// CHECK: qkernel.matmul_integer %arg0, %arg1 {{.*}} -> tensor<2x3xf32> epilogue {
// CHECK-NEXT: ^bb0(%[[ACC:.*]]: i32, %[[CH:.*]]: index):
// CHECK-NEXT: %[[T:.*]] = arith.constant dense<[1.000000e+00, 2.000000e+00, 4.000000e+00]> : tensor<3xf32>
// CHECK-NEXT: %[[S:.*]] = tensor.extract %[[T]][%[[CH]]] : tensor<3xf32>
// CHECK-NEXT: %[[F:.*]] = arith.sitofp %[[ACC]] : i32 to f32
// CHECK-NEXT: %[[R:.*]] = arith.mulf %[[F]], %[[S]] : f32
// CHECK-NEXT: qkernel.yield %[[R]] : f32
func.func @matmul_integer_epilogue(%x: tensor<2x64xi8>, %p: tensor<1024xi8>) -> tensor<2x3xf32> {
  %y = qkernel.matmul_integer %x, %p {layout = #qkernel.layout<bits = 8, lanes = 16, k = 64, n = 3, group = 0, binary = false, signed_bytes = false>, zero_point = 128 : i64} : (tensor<2x64xi8>, tensor<1024xi8>) -> tensor<2x3xf32> epilogue {
  ^bb0(%acc: i32, %c: index):
    %t = arith.constant dense<[1.0, 2.0, 4.0]> : tensor<3xf32>
    %s = tensor.extract %t[%c] : tensor<3xf32>
    %f = arith.sitofp %acc : i32 to f32
    %r = arith.mulf %f, %s : f32
    qkernel.yield %r : f32
  }
  return %y : tensor<2x3xf32>
}

// A channels-last depthwise conv: stride 2, asymmetric pads, bias.
// CHECK-LABEL: func.func @depthwise_conv_integer
// CHECK: qkernel.depthwise_conv_integer %arg0, %arg1 bias %arg2 {dilations = array<i64: 1, 1>, input_zero_point = -3 : i64, pads = array<i64: 1, 0, 1, 2>, strides = array<i64: 2, 2>} : (tensor<1x8x8x16xi8>, tensor<3x3x16xi8>, tensor<16xi32>) -> tensor<1x4x4x16xi32>
func.func @depthwise_conv_integer(%x: tensor<1x8x8x16xi8>, %w: tensor<3x3x16xi8>, %b: tensor<16xi32>) -> tensor<1x4x4x16xi32> {
  %y = qkernel.depthwise_conv_integer %x, %w bias %b {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 0, 1, 2>, input_zero_point = -3 : i64} : (tensor<1x8x8x16xi8>, tensor<3x3x16xi8>, tensor<16xi32>) -> tensor<1x4x4x16xi32>
  return %y : tensor<1x4x4x16xi32>
}

// CHECK-LABEL: func.func @gather_rows
// CHECK: qkernel.gather_rows %arg0, %arg1, %arg2 {bits = 4 : i64, columns = 64 : i64, group = 32 : i64, zero_point = 7 : i64} : (tensor<1x3xi64>, tensor<100x32xi8>, tensor<100x2xf16>) -> tensor<1x3x64xf32>
// CHECK: qkernel.gather_rows %arg3, %arg1, %arg2 zero_points %arg4 {bits = 4 : i64, columns = 64 : i64, group = 32 : i64} : (tensor<5xi32>, tensor<100x32xi8>, tensor<100x2xf16>, tensor<100x2xi8>) -> tensor<5x64xf32>
func.func @gather_rows(%ids: tensor<1x3xi64>, %t: tensor<100x32xi8>, %s: tensor<100x2xf16>, %ids32: tensor<5xi32>, %z: tensor<100x2xi8>) -> (tensor<1x3x64xf32>, tensor<5x64xf32>) {
  %y = qkernel.gather_rows %ids, %t, %s {bits = 4 : i64, columns = 64 : i64, group = 32 : i64, zero_point = 7 : i64} : (tensor<1x3xi64>, tensor<100x32xi8>, tensor<100x2xf16>) -> tensor<1x3x64xf32>
  %u = qkernel.gather_rows %ids32, %t, %s zero_points %z {bits = 4 : i64, columns = 64 : i64, group = 32 : i64} : (tensor<5xi32>, tensor<100x32xi8>, tensor<100x2xf16>, tensor<100x2xi8>) -> tensor<5x64xf32>
  return %y, %u : tensor<1x3x64xf32>, tensor<5x64xf32>
}
