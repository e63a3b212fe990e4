// RUN: quant-opt %s -split-input-file --convert-qnn-to-qkernel | FileCheck %s
// RUN: quant-opt %s -split-input-file --convert-qnn-to-qkernel="lanes=4 activations=float signed-bytes=true" | FileCheck %s --check-prefix=NEON
// RUN: quant-opt %s -split-input-file --convert-qnn-to-qkernel="lut-bits=3 lut-lanes=32" | FileCheck %s --check-prefix=LUT
// RUN: not quant-opt %s --convert-qnn-to-qkernel="lut-bits=5" 2>&1 | FileCheck %s --check-prefix=LUT-BITS
// RUN: not quant-opt %s --convert-qnn-to-qkernel="lut-lanes=8" 2>&1 | FileCheck %s --check-prefix=LUT-LANES
// RUN: quant-opt %s -split-input-file --convert-qnn-to-qkernel="fuse-epilogues=false" | FileCheck %s --check-prefix=OFF
// RUN: not quant-opt %s --convert-qnn-to-qkernel="lanes=5" 2>&1 | FileCheck %s --check-prefix=LANES
// LANES: error: convert-qnn-to-qkernel: lanes must be 4, 8 or 16, got 5{{$}}
// LUT-BITS: error: convert-qnn-to-qkernel: lut-bits must be at most 4 (0: no LUT kernels), got 5{{$}}
// LUT-LANES: error: convert-qnn-to-qkernel: lut-lanes must be 16, 32 or 64, got 8

// Per-channel 4-bit (qnn-quantize's form): codes are storage - (-7), the
// zero point 7 is one number; the float chain is gone.
// CHECK-LABEL: func.func @matmul_w4
// CHECK-DAG: %[[P:.*]] = qnn.constant dense_resource<qkernel_packed> : tensor<256xi8>
// CHECK-DAG: %[[S:.*]] = qnn.constant dense_resource<qkernel_scales> : tensor<1x16xf32>
// CHECK: qkernel.matmul %arg0, %[[P]], %[[S]] {layout = #qkernel.layout<bits = 4, lanes = 16, k = 4, n = 2, group = 0, binary = false, signed_bytes = false>, zero_point = 7 : i64}
// CHECK-NOT: qnn.dequantize
// NEON-LABEL: func.func @matmul_w4
// NEON: tensor<64xi8>
// With lut-bits=3 a 4-bit layer keeps the dot kernel.
// LUT-LABEL: func.func @matmul_w4
// LUT: qkernel.matmul %arg0
// NEON: qkernel.matmul {{.*}}activations = "float", layout = #qkernel.layout<bits = 4, lanes = 4, k = 4, n = 2
func.func @matmul_w4(%x: tensor<3x4xf32>) -> tensor<3x2xf32> {
  %q = qnn.constant dense<[[7, -7], [1, 0], [-3, 5], [0, 2]]> : tensor<4x2xi8>
  %s = quant.scast %q : tensor<4x2xi8> to tensor<4x2x!quant.uniform<i8<-7:7>:f32:1, {0.5, 0.25}>>
  %w = qnn.dequantize %s : tensor<4x2x!quant.uniform<i8<-7:7>:f32:1, {0.5, 0.25}>> -> tensor<4x2xf32>
  %y = qnn.matmul %x, %w : (tensor<3x4xf32>, tensor<4x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// Gemm with trans_b ([N, K] storage), a [1, N] bias and a Relu after it:
// the bias is reshaped to [N] and the Relu becomes the epilogue.
// CHECK-LABEL: func.func @gemm_bias_relu
// CHECK: %[[B:.*]] = qnn.reshape %arg1 {shape = array<i64: 2>} : tensor<1x2xf32> -> tensor<2xf32>
// CHECK: %[[Y:.*]] = qkernel.matmul %arg0, %{{.*}}, %{{.*}} bias %[[B]] {activation = "relu"
// CHECK-NOT: qnn.relu
// CHECK: return %[[Y]]
func.func @gemm_bias_relu(%x: tensor<1x4xf32>, %c: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %q = qnn.constant dense<[[7, -7, 1, 0], [-3, 5, 0, 2]]> : tensor<2x4xi8>
  %s = quant.scast %q : tensor<2x4xi8> to tensor<2x4x!quant.uniform<i8<-7:7>:f32:0, {0.5, 0.25}>>
  %w = qnn.dequantize %s : tensor<2x4x!quant.uniform<i8<-7:7>:f32:0, {0.5, 0.25}>> -> tensor<2x4xf32>
  %g = qnn.gemm %x, %w, %c {trans_b = true} : (tensor<1x4xf32>, tensor<2x4xf32>, tensor<1x2xf32>) -> tensor<1x2xf32>
  %r = qnn.relu %g : tensor<1x2xf32>
  return %r : tensor<1x2xf32>
}

// -----

// MatMulNBits' form: a scale and zero point per 32 rows of K (sub-channel);
// zero points differ, so they become a table.
// CHECK-LABEL: func.func @subchannel_zero_points
// CHECK: %[[Z:.*]] = qnn.constant dense_resource<qkernel_zero_points> : tensor<2x16xi8>
// CHECK: qkernel.matmul %arg0, %{{.*}}, %{{.*}} zero_points %[[Z]] {{.*}}layout = #qkernel.layout<bits = 4, lanes = 16, k = 64, n = 1, group = 32, binary = false, signed_bytes = false>}
func.func @subchannel_zero_points(%x: tensor<1x64xf32>) -> tensor<1x1xf32> {
  %q = qnn.constant dense<1> : tensor<64x1xi8>
  %s = quant.scast %q : tensor<64x1xi8> to tensor<64x1x!quant.uniform<i8<-8:7>:f32:{0:32, 1:1}, {{0.5:1}, {0.25:-2}}>>
  %w = qnn.dequantize %s : tensor<64x1x!quant.uniform<i8<-8:7>:f32:{0:32, 1:1}, {{0.5:1}, {0.25:-2}}>> -> tensor<64x1xf32>
  %y = qnn.matmul %x, %w : (tensor<1x64xf32>, tensor<64x1xf32>) -> tensor<1x1xf32>
  return %y : tensor<1x1xf32>
}

// -----

// Binary weights (storage -1 / +1 in i8<-1:1>) are 1-bit codes standing for
// {0, 2} with zero point 1.
// CHECK-LABEL: func.func @binary
// CHECK: layout = #qkernel.layout<bits = 1, lanes = 16, k = 4, n = 2, group = 0, binary = true, signed_bytes = false>, zero_point = 1 : i64
// Ternary weights (-1, 0, +1) are 2-bit codes with zero point 1.
// CHECK-LABEL: func.func @ternary
// CHECK: layout = #qkernel.layout<bits = 2, lanes = 16, k = 4, n = 2, group = 0, binary = false, signed_bytes = false>, zero_point = 1 : i64
func.func @binary(%x: tensor<1x4xf32>) -> tensor<1x2xf32> {
  %q = qnn.constant dense<[[1, -1], [-1, -1], [1, 1], [-1, 1]]> : tensor<4x2xi8>
  %s = quant.scast %q : tensor<4x2xi8> to tensor<4x2x!quant.uniform<i8<-1:1>:f32:1, {0.5, 0.25}>>
  %w = qnn.dequantize %s : tensor<4x2x!quant.uniform<i8<-1:1>:f32:1, {0.5, 0.25}>> -> tensor<4x2xf32>
  %y = qnn.matmul %x, %w : (tensor<1x4xf32>, tensor<4x2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}
func.func @ternary(%x: tensor<1x4xf32>) -> tensor<1x2xf32> {
  %q = qnn.constant dense<[[1, 0], [-1, -1], [1, 1], [0, 1]]> : tensor<4x2xi8>
  %s = quant.scast %q : tensor<4x2xi8> to tensor<4x2x!quant.uniform<i8<-1:1>:f32:1, {0.5, 0.25}>>
  %w = qnn.dequantize %s : tensor<4x2x!quant.uniform<i8<-1:1>:f32:1, {0.5, 0.25}>> -> tensor<4x2xf32>
  %y = qnn.matmul %x, %w : (tensor<1x4xf32>, tensor<4x2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

// 8-bit codes: signed bytes when the target's dot is s8 x s8.
// CHECK-LABEL: func.func @w8
// CHECK: layout = #qkernel.layout<bits = 8, lanes = 16, k = 4, n = 2, group = 0, binary = false, signed_bytes = false>, zero_point = 127 : i64
// NEON-LABEL: func.func @w8
// NEON: layout = #qkernel.layout<bits = 8, lanes = 4, k = 4, n = 2, group = 0, binary = false, signed_bytes = true>, zero_point = 127 : i64
func.func @w8(%x: tensor<1x4xf32>) -> tensor<1x2xf32> {
  %q = qnn.constant dense<[[127, -127], [1, 0], [-3, 5], [0, 2]]> : tensor<4x2xi8>
  %s = quant.scast %q : tensor<4x2xi8> to tensor<4x2x!quant.uniform<i8<-127:127>:f32:1, {0.5, 0.25}>>
  %w = qnn.dequantize %s : tensor<4x2x!quant.uniform<i8<-127:127>:f32:1, {0.5, 0.25}>> -> tensor<4x2xf32>
  %y = qnn.matmul %x, %w : (tensor<1x4xf32>, tensor<4x2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

// Kept on the float path: groups of 16 rows (not a multiple of 32), float
// weights, and a Gemm with alpha != 1.
// CHECK-LABEL: func.func @stays_float
// CHECK-NOT: qkernel.matmul
// CHECK: qnn.matmul
// CHECK: qnn.matmul
// CHECK: qnn.gemm
func.func @stays_float(%x: tensor<1x32xf32>, %f: tensor<32x2xf32>) -> (tensor<1x1xf32>, tensor<1x2xf32>, tensor<1x2xf32>) {
  %q = qnn.constant dense<1> : tensor<32x1xi8>
  %s = quant.scast %q : tensor<32x1xi8> to tensor<32x1x!quant.uniform<i8<-8:7>:f32:{0:16, 1:1}, {{0.5}, {0.25}}>>
  %w = qnn.dequantize %s : tensor<32x1x!quant.uniform<i8<-8:7>:f32:{0:16, 1:1}, {{0.5}, {0.25}}>> -> tensor<32x1xf32>
  %y = qnn.matmul %x, %w : (tensor<1x32xf32>, tensor<32x1xf32>) -> tensor<1x1xf32>
  %z = qnn.matmul %x, %f : (tensor<1x32xf32>, tensor<32x2xf32>) -> tensor<1x2xf32>
  %q2 = qnn.constant dense<1> : tensor<32x2xi8>
  %s2 = quant.scast %q2 : tensor<32x2xi8> to tensor<32x2x!quant.uniform<i8<-7:7>:f32:1, {0.5, 0.25}>>
  %w2 = qnn.dequantize %s2 : tensor<32x2x!quant.uniform<i8<-7:7>:f32:1, {0.5, 0.25}>> -> tensor<32x2xf32>
  %g = qnn.gemm %x, %w2 {alpha = 2.0 : f32} : (tensor<1x32xf32>, tensor<32x2xf32>) -> tensor<1x2xf32>
  return %y, %z, %g : tensor<1x1xf32>, tensor<1x2xf32>, tensor<1x2xf32>
}

// -----

// A 1x1 conv (stride 1, no pads, one group) is a matmul over channels: x
// goes to [batch, H, W, C], the kernel (bias and Relu fused) produces
// [batch, H, W, C_out], transposed back to NCHW. A depthwise conv (groups)
// stays float.
// CHECK-LABEL: func.func @conv1x1
// CHECK: %[[X:.*]] = qnn.transpose %arg0 {perm = array<i64: 0, 2, 3, 1>} : tensor<1x4x3x5xf32> -> tensor<1x3x5x4xf32>
// CHECK: %[[Y:.*]] = qkernel.matmul %[[X]], %{{.*}}, %{{.*}} bias %arg1 {activation = "relu", layout = #qkernel.layout<bits = 4, lanes = 16, k = 4, n = 2, group = 0, binary = false, signed_bytes = false>, zero_point = 7 : i64} : (tensor<1x3x5x4xf32>, tensor<256xi8>, tensor<1x16xf32>, tensor<2xf32>) -> tensor<1x3x5x2xf32>
// CHECK: %[[T:.*]] = qnn.transpose %[[Y]] {perm = array<i64: 0, 3, 1, 2>} : tensor<1x3x5x2xf32> -> tensor<1x2x3x5xf32>
// CHECK: qnn.conv
// CHECK: return %[[T]]
func.func @conv1x1(%x: tensor<1x4x3x5xf32>, %b: tensor<2xf32>) -> (tensor<1x2x3x5xf32>, tensor<1x4x1x3xf32>) {
  %q = qnn.constant dense<[[[[7]], [[-7]], [[1]], [[0]]], [[[-3]], [[5]], [[0]], [[2]]]]> : tensor<2x4x1x1xi8>
  %s = quant.scast %q : tensor<2x4x1x1xi8> to tensor<2x4x1x1x!quant.uniform<i8<-7:7>:f32:0, {0.5, 0.25}>>
  %w = qnn.dequantize %s : tensor<2x4x1x1x!quant.uniform<i8<-7:7>:f32:0, {0.5, 0.25}>> -> tensor<2x4x1x1xf32>
  %c = qnn.conv %x, %w, %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x4x3x5xf32>, tensor<2x4x1x1xf32>, tensor<2xf32>) -> tensor<1x2x3x5xf32>
  %r = qnn.relu %c : tensor<1x2x3x5xf32>
  %q3 = qnn.constant dense<1> : tensor<4x1x3x3xi8>
  %s3 = quant.scast %q3 : tensor<4x1x3x3xi8> to tensor<4x1x3x3x!quant.uniform<i8<-7:7>:f32, 0.5>>
  %w3 = qnn.dequantize %s3 : tensor<4x1x3x3x!quant.uniform<i8<-7:7>:f32, 0.5>> -> tensor<4x1x3x3xf32>
  %c3 = qnn.conv %x, %w3 {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, group = 4 : i64} : (tensor<1x4x3x5xf32>, tensor<4x1x3x3xf32>) -> tensor<1x4x1x3xf32>
  return %r, %c3 : tensor<1x2x3x5xf32>, tensor<1x4x1x3xf32>
}

// -----

// A kxk conv is a matmul of im2col(x) and the weight flattened to
// [C_out, C_in*kh*kw]: x padded (here top 1 and right 2), then one gather
// loop over [N, OH, OW, C, kh, kw] (2x3, stride (2, 1), dilation (1, 2))
// reading x at (oy*2 + ky, ox + 2*kx), flattened in the weight's (c, ky, kx)
// order.
// CHECK-DAG: #[[READ:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d3, d1 * 2 + d4, d2 + d5 * 2)>
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3, d4, d5)>
// CHECK-LABEL: func.func @conv_im2col
// CHECK: %[[P:.*]] = qnn.pad %arg0 {pads = array<i64: 0, 0, 1, 0, 0, 0, 0, 2>} : tensor<1x2x5x6xf32> -> tensor<1x2x6x8xf32>
// CHECK: %[[E:.*]] = tensor.empty() : tensor<1x3x4x2x2x3xf32>
// CHECK: %[[G:.*]] = linalg.generic {indexing_maps = [#[[READ]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%[[P]] : tensor<1x2x6x8xf32>) outs(%[[E]] : tensor<1x3x4x2x2x3xf32>)
// CHECK-NEXT: ^bb0(%[[IN:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: linalg.yield %[[IN]]
// CHECK: %[[C:.*]] = tensor.collapse_shape %[[G]] {{\[}}[0], [1], [2], [3, 4, 5]] : tensor<1x3x4x2x2x3xf32> into tensor<1x3x4x12xf32>
// CHECK: %[[Y:.*]] = qkernel.matmul %[[C]], {{.*}} {layout = #qkernel.layout<bits = 4, lanes = 16, k = 12, n = 3, group = 0, binary = false, signed_bytes = false>, zero_point = 7 : i64} : (tensor<1x3x4x12xf32>, tensor<256xi8>, tensor<1x16xf32>) -> tensor<1x3x4x3xf32>
// CHECK: %[[T:.*]] = qnn.transpose %[[Y]] {perm = array<i64: 0, 3, 1, 2>} : tensor<1x3x4x3xf32> -> tensor<1x3x3x4xf32>
// CHECK: return %[[T]]
func.func @conv_im2col(%x: tensor<1x2x5x6xf32>) -> tensor<1x3x3x4xf32> {
  %q = qnn.constant dense<3> : tensor<3x2x2x3xi8>
  %s = quant.scast %q : tensor<3x2x2x3xi8> to tensor<3x2x2x3x!quant.uniform<i8<-7:7>:f32:0, {0.5, 0.25, 0.125}>>
  %w = qnn.dequantize %s : tensor<3x2x2x3x!quant.uniform<i8<-7:7>:f32:0, {0.5, 0.25, 0.125}>> -> tensor<3x2x2x3xf32>
  %c = qnn.conv %x, %w {strides = array<i64: 2, 1>, dilations = array<i64: 1, 2>, pads = array<i64: 1, 0, 0, 2>} : (tensor<1x2x5x6xf32>, tensor<3x2x2x3xf32>) -> tensor<1x3x3x4xf32>
  return %c : tensor<1x3x3x4xf32>
}

// -----

// Parameters that vary inside the kernel window (per input channel of a
// 3x3 kernel) have no K-row grouping: the conv stays float.
// CHECK-LABEL: func.func @conv_window_params
// CHECK-NOT: qkernel.matmul
// CHECK: qnn.conv
func.func @conv_window_params(%x: tensor<1x2x5x6xf32>) -> tensor<1x3x3x4xf32> {
  %q = qnn.constant dense<3> : tensor<3x2x3x3xi8>
  %s = quant.scast %q : tensor<3x2x3x3xi8> to tensor<3x2x3x3x!quant.uniform<i8<-7:7>:f32:1, {0.5, 0.25}>>
  %w = qnn.dequantize %s : tensor<3x2x3x3x!quant.uniform<i8<-7:7>:f32:1, {0.5, 0.25}>> -> tensor<3x2x3x3xf32>
  %c = qnn.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x5x6xf32>, tensor<3x2x3x3xf32>) -> tensor<1x3x3x4xf32>
  return %c : tensor<1x3x3x4xf32>
}

// -----

// A8: qnn.matmul_integer and a one-group qnn.conv_integer run on
// qkernel.matmul_integer, their weights packed as codes w + z in as few bits
// as the values need: [-127, 127] is 8 bits with z = 127 (column 0's codes
// 0, 128, 131, 134 are its lane's first 4 bytes), [-7, 7] (a 4-bit layer of
// an allocation) is 4 bits with z = 7. The conv's im2col pads with the
// input zero point, which is what 0.0 is in int8. A depthwise conv (one
// channel per group) runs channels last on qkernel.depthwise_conv_integer,
// its weight [C, 1, KH, KW] stored [KH, KW, C]; a grouped conv with two
// output channels per group stays on the integer loops.
// CHECK-LABEL: func.func @a8
// CHECK: %[[W:.*]] = qnn.constant dense_resource<qkernel_packed> : tensor<512xi8>
// CHECK: qkernel.matmul_integer %arg0, %[[W]] bias %arg2 {layout = #qkernel.layout<bits = 8, lanes = 16, k = 4, n = 3, group = 0, binary = false, signed_bytes = false>, zero_point = 127 : i64} : (tensor<2x4xi8>, tensor<512xi8>, tensor<3xi32>) -> tensor<2x3xi32>
// CHECK: %[[WC:.*]] = qnn.constant dense_resource<qkernel_packed_1> : tensor<256xi8>
// CHECK: qnn.pad %arg1 {pads = array<i64: 0, 0, 0, 1, 0, 0, 0, 1>, value = -5.000000e+00 : f32} : tensor<1x2x4x5xi8> -> tensor<1x2x4x7xi8>
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<1x4x5x2x1x3xi8>)
// CHECK: %[[COLS:.*]] = tensor.collapse_shape {{.*}} : tensor<1x4x5x2x1x3xi8> into tensor<1x4x5x6xi8>
// CHECK: %[[ACC:.*]] = qkernel.matmul_integer %[[COLS]], %[[WC]] {layout = #qkernel.layout<bits = 4, lanes = 16, k = 6, n = 3, group = 0, binary = false, signed_bytes = false>, zero_point = 7 : i64} : (tensor<1x4x5x6xi8>, tensor<256xi8>) -> tensor<1x4x5x3xi32>
// CHECK: %[[C:.*]] = qnn.transpose %[[ACC]] {perm = array<i64: 0, 3, 1, 2>} : tensor<1x4x5x3xi32> -> tensor<1x3x4x5xi32>
// CHECK: %[[WD:.*]] = qnn.constant dense_resource<depthwise_hwc> : tensor<3x3x2xi8>
// CHECK: %[[XD:.*]] = qnn.transpose %arg1 {perm = array<i64: 0, 2, 3, 1>} : tensor<1x2x4x5xi8> -> tensor<1x4x5x2xi8>
// CHECK: %[[DW:.*]] = qkernel.depthwise_conv_integer %[[XD]], %[[WD]] {dilations = array<i64: 1, 1>, input_zero_point = 3 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x4x5x2xi8>, tensor<3x3x2xi8>) -> tensor<1x4x5x2xi32>
// CHECK: %[[D:.*]] = qnn.transpose %[[DW]] {perm = array<i64: 0, 3, 1, 2>} : tensor<1x4x5x2xi32> -> tensor<1x2x4x5xi32>
// CHECK: %[[E:.*]] = qnn.conv_integer %arg1
// CHECK: return {{.*}}, %[[C]], %[[D]], %[[E]]
// CHECK: qkernel_packed: "0x10000000008083867F818487FE82858800
// CHECK: depthwise_hwc: "0x10000000000A010B020C030D040E050F061007110812"
func.func @a8(%a: tensor<2x4xi8>, %x: tensor<1x2x4x5xi8>, %bias: tensor<3xi32>) -> (tensor<2x3xi32>, tensor<1x3x4x5xi32>, tensor<1x2x4x5xi32>, tensor<1x4x4x5xi32>) {
  %w = qnn.constant dense<[[-127, 0, 127], [1, 2, 3], [4, 5, 6], [7, 8, 9]]> : tensor<4x3xi8>
  %y = qnn.matmul_integer %a, %w, %bias : (tensor<2x4xi8>, tensor<4x3xi8>, tensor<3xi32>) -> tensor<2x3xi32>
  %wc = qnn.constant dense<[[[[-7, 7, 1]], [[2, 3, 4]]], [[[0, 1, 2]], [[3, 4, 5]]], [[[6, 7, -1]], [[-2, -3, -4]]]]> : tensor<3x2x1x3xi8>
  %c = qnn.conv_integer %x, %wc {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 1, 0, 1>, input_zero_point = -5 : i64} : (tensor<1x2x4x5xi8>, tensor<3x2x1x3xi8>) -> tensor<1x3x4x5xi32>
  %wd = qnn.constant dense<[[[[0, 1, 2], [3, 4, 5], [6, 7, 8]]], [[[10, 11, 12], [13, 14, 15], [16, 17, 18]]]]> : tensor<2x1x3x3xi8>
  %d = qnn.conv_integer %x, %wd {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, group = 2 : i64, input_zero_point = 3 : i64} : (tensor<1x2x4x5xi8>, tensor<2x1x3x3xi8>) -> tensor<1x2x4x5xi32>
  %we = qnn.constant dense<1> : tensor<4x1x3x3xi8>
  %e = qnn.conv_integer %x, %we {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, group = 2 : i64} : (tensor<1x2x4x5xi8>, tensor<4x1x3x3xi8>) -> tensor<1x4x4x5xi32>
  return %y, %c, %d, %e : tensor<2x3xi32>, tensor<1x3x4x5xi32>, tensor<1x2x4x5xi32>, tensor<1x4x4x5xi32>
}

// -----

// A splat declares any size for free; past 2^26 elements it is not expanded
// (10^10 bytes here), so the layer stays as it is instead of running the
// compiler out of memory.
// CHECK-LABEL: func.func @huge_splat
// CHECK-NOT: qkernel
// CHECK: qnn.matmul
func.func @huge_splat(%x: tensor<1x100000xf32>) -> tensor<1x100000xf32> {
  %q = qnn.constant dense<1> : tensor<100000x100000xi8>
  %s = quant.scast %q : tensor<100000x100000xi8> to tensor<100000x100000x!quant.uniform<i8<-7:7>:f32, 0.5>>
  %w = qnn.dequantize %s : tensor<100000x100000x!quant.uniform<i8<-7:7>:f32, 0.5>> -> tensor<100000x100000xf32>
  %y = qnn.matmul %x, %w : (tensor<1x100000xf32>, tensor<100000x100000xf32>) -> tensor<1x100000xf32>
  return %y : tensor<1x100000xf32>
}

// -----

// A MatMul's batched constant weight [batch, K, N] is not one matrix: it
// stays float (it once became a [K, batch*N] kernel with the wrong shape).
// CHECK-LABEL: func.func @batched_weight
// CHECK-NOT: qkernel
// CHECK: qnn.matmul
func.func @batched_weight(%x: tensor<3x5x3xf32>) -> tensor<3x5x4xf32> {
  %q = qnn.constant dense<1> : tensor<3x3x4xi8>
  %s = quant.scast %q : tensor<3x3x4xi8> to tensor<3x3x4x!quant.uniform<i8<-7:7>:f32, 0.5>>
  %w = qnn.dequantize %s : tensor<3x3x4x!quant.uniform<i8<-7:7>:f32, 0.5>> -> tensor<3x3x4xf32>
  %y = qnn.matmul %x, %w : (tensor<3x5x3xf32>, tensor<3x3x4xf32>) -> tensor<3x5x4xf32>
  return %y : tensor<3x5x4xf32>
}

// -----

// Ternary storage (-1, 0, 1 -> codes 0, 1, 2; zero point 1; all 0 here,
// so not binary) with lut-bits=3: the LUT kernel on
// 32-channel tiles, 2 bit-planes. K 64, N 3 pads to 32: 32 x 64 x 2 / 8 =
// 512 bytes; the scale table is padded to 32 columns.
// CHECK-LABEL: func.func @matmul_ternary
// CHECK: qkernel.matmul
// LUT-LABEL: func.func @matmul_ternary
// LUT-DAG: qnn.constant dense_resource<qkernel_packed> : tensor<512xi8>
// LUT-DAG: qnn.constant dense_resource<qkernel_scales> : tensor<1x32xf32>
// LUT: qkernel.lut_matmul %arg0, %{{.*}}, %{{.*}} {layout = #qkernel.layout<bits = 2, lanes = 32, k = 64, n = 3, group = 0, binary = false, signed_bytes = false, lut = true>, zero_point = 1 : i64}
// LUT-NOT: qkernel.matmul %arg0
func.func @matmul_ternary(%x: tensor<2x64xf32>) -> tensor<2x3xf32> {
  %q = qnn.constant dense<0> : tensor<64x3xi8>
  %s = quant.scast %q : tensor<64x3xi8> to tensor<64x3x!quant.uniform<i8<-1:1>:f32, 0.5>>
  %w = qnn.dequantize %s : tensor<64x3x!quant.uniform<i8<-1:1>:f32, 0.5>> -> tensor<64x3xf32>
  %y = qnn.matmul %x, %w : (tensor<2x64xf32>, tensor<64x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// A requantize to int8 along the output channels (axis 1 of an NCHW conv,
// the last axis of a matmul) becomes the kernel's epilogue: the kernel
// writes int8 channels last, the transpose moves int8, and a storage cast
// gives back the requantize's type. The clamp is the requantize's (a fused
// Relu: 4) or the storage range (the defaults -128 and 127, not printed).
// A requantize along another axis stays.
// CHECK-LABEL: func.func @fused_requantize
// CHECK: %[[ACC:.*]] = qkernel.matmul_integer %{{.*}} {clamp_min = 4 : i64, layout = #qkernel.layout<bits = 4, {{.*}}>, multipliers = array<i32: 1073741824, 1500000000, 2000000000>, output_zero_point = 4 : i64, shifts = array<i64: 31, 30, 32>, zero_point = 7 : i64} : (tensor<1x4x5x6xi8>, tensor<256xi8>) -> tensor<1x4x5x3xi8>
// CHECK: %[[T:.*]] = qnn.transpose %[[ACC]] {perm = array<i64: 0, 3, 1, 2>} : tensor<1x4x5x3xi8> -> tensor<1x3x4x5xi8>
// CHECK: %[[C:.*]] = quant.scast %[[T]] : tensor<1x3x4x5xi8> to tensor<1x3x4x5x!quant.uniform<i8:f32, 2.500000e-01:4>>
// CHECK: %[[M:.*]] = qkernel.matmul_integer %arg0, %{{.*}} {layout = {{.*}}, multipliers = array<i32: 1073741824>, output_zero_point = -3 : i64, shifts = array<i64: 33>, zero_point = 7 : i64} : (tensor<2x4xi8>, tensor<256xi8>) -> tensor<2x3xi8>
// CHECK: quant.scast %[[M]] : tensor<2x3xi8> to tensor<2x3x!quant.uniform<i8:f32, 5.000000e-01:-3>>
// CHECK: %[[K:.*]] = qkernel.matmul_integer %arg0, %{{.*}} {layout = {{.*}}, zero_point = 7 : i64} : (tensor<2x4xi8>, tensor<256xi8>) -> tensor<2x3xi32>
// CHECK: %[[R:.*]] = qnn.requantize %[[K]] {axis = 0 : i64
// CHECK: return %[[C]], %{{.*}}, %[[R]]
// CHECK-NOT: qnn.requantize
func.func @fused_requantize(%a: tensor<2x4xi8>, %x: tensor<1x2x4x5xi8>) -> (tensor<1x3x4x5x!quant.uniform<i8:f32, 0.25:4>>, tensor<2x3x!quant.uniform<i8:f32, 0.5:-3>>, tensor<2x3x!quant.uniform<i8:f32, 0.5:-3>>) {
  %wc = qnn.constant dense<[[[[-7, 7, 1]], [[2, 3, 4]]], [[[0, 1, 2]], [[3, 4, 5]]], [[[6, 7, -1]], [[-2, -3, -4]]]]> : tensor<3x2x1x3xi8>
  %c = qnn.conv_integer %x, %wc {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 1, 0, 1>, input_zero_point = -5 : i64} : (tensor<1x2x4x5xi8>, tensor<3x2x1x3xi8>) -> tensor<1x3x4x5xi32>
  %rc = qnn.requantize %c {axis = 1 : i64, clamp_min = 4 : i64, multipliers = array<i32: 1073741824, 1500000000, 2000000000>, shifts = array<i64: 31, 30, 32>} : tensor<1x3x4x5xi32> -> tensor<1x3x4x5x!quant.uniform<i8:f32, 0.25:4>>
  %w = qnn.constant dense<[[-7, 0, 7], [1, 2, 3], [4, 5, 6], [7, 1, 2]]> : tensor<4x3xi8>
  %y = qnn.matmul_integer %a, %w : (tensor<2x4xi8>, tensor<4x3xi8>) -> tensor<2x3xi32>
  %ry = qnn.requantize %y {multipliers = array<i32: 1073741824>, shifts = array<i64: 33>} : tensor<2x3xi32> -> tensor<2x3x!quant.uniform<i8:f32, 0.5:-3>>
  %z = qnn.matmul_integer %a, %w : (tensor<2x4xi8>, tensor<4x3xi8>) -> tensor<2x3xi32>
  %rz = qnn.requantize %z {axis = 0 : i64, multipliers = array<i32: 1073741824, 1073741824>, shifts = array<i64: 33, 34>} : tensor<2x3xi32> -> tensor<2x3x!quant.uniform<i8:f32, 0.5:-3>>
  return %rc, %ry, %rz : tensor<1x3x4x5x!quant.uniform<i8:f32, 0.25:4>>, tensor<2x3x!quant.uniform<i8:f32, 0.5:-3>>, tensor<2x3x!quant.uniform<i8:f32, 0.5:-3>>
}

// -----

// A depthwise window of more than 81 taps (10x10 here) stays on the integer
// loops: the channels-last kernel unrolls its taps.
// CHECK-LABEL: func.func @large_depthwise_window
// CHECK-NOT: qkernel.depthwise_conv_integer
// CHECK: qnn.conv_integer
func.func @large_depthwise_window(%x: tensor<1x2x12x12xi8>) -> tensor<1x2x3x3xi32> {
  %w = qnn.constant dense<1> : tensor<2x1x10x10xi8>
  %y = qnn.conv_integer %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, group = 2 : i64} : (tensor<1x2x12x12xi8>, tensor<2x1x10x10xi8>) -> tensor<1x2x3x3xi32>
  return %y : tensor<1x2x3x3xi32>
}

// -----

// The float chain after a W8A8 layer runs in its kernel as an epilogue
// region: a conv's dequantize (per channel) -> HardSwish -> quantize (per
// tensor) gives int8 straight from the kernel; a matmul's dequantize (per
// tensor) -> Relu, used twice, gives f32. The region holds the lowering's
// own scalar ops, channel tables read at the channel argument. A chain
// broken by an op with two users stops before it; fuse-epilogues=false
// keeps every chain as it was.
// CHECK-LABEL: func.func @fused_epilogues
// CHECK: %[[CONV:.*]] = qkernel.matmul_integer %{{.*}} : (tensor<1x4x5x6xi8>, tensor<256xi8>) -> tensor<1x4x5x3xi8> epilogue {
// CHECK-NEXT: ^bb0(%[[ACC:.*]]: i32, %[[CH:.*]]: index):
// CHECK: %[[SCALES:.*]] = arith.constant dense<[1.250000e-01, 2.500000e-01, 5.000000e-01]> : tensor<3xf32>
// CHECK-NEXT: %[[SCALE:.*]] = tensor.extract %[[SCALES]][%[[CH]]] : tensor<3xf32>
// CHECK: arith.sitofp
// CHECK: arith.mulf %{{.*}}, %[[SCALE]] : f32
// CHECK: arith.constant 0.166666672 : f32
// CHECK: arith.divf
// CHECK: math.roundeven
// CHECK: %[[Q:.*]] = arith.fptosi %{{.*}} : f32 to i8
// CHECK-NEXT: qkernel.yield %[[Q]] : i8
// CHECK: %[[T:.*]] = qnn.transpose %[[CONV]] {perm = array<i64: 0, 3, 1, 2>} : tensor<1x4x5x3xi8> -> tensor<1x3x4x5xi8>
// CHECK: %[[RELU:.*]] = qkernel.matmul_integer %arg0, %{{.*}} : (tensor<2x4xi8>, tensor<256xi8>) -> tensor<2x3xf32> epilogue {
// CHECK: arith.maximumf
// CHECK-NEXT: qkernel.yield %{{.*}} : f32
// CHECK: %[[PARTIAL:.*]] = qkernel.matmul_integer %arg0, %{{.*}} -> tensor<2x3xf32> epilogue {
// CHECK-NOT: arith.maximumf
// CHECK: qkernel.yield
// CHECK: %[[SHARED:.*]] = qnn.relu %[[PARTIAL]]
// CHECK: return %[[T]], %[[RELU]], %[[RELU]], %[[SHARED]], %[[PARTIAL]]
// CHECK-NOT: qnn.dequantize
// OFF-LABEL: func.func @fused_epilogues
// OFF-NOT: epilogue
// OFF: qnn.hard_swish
// OFF-NOT: epilogue
func.func @fused_epilogues(%a: tensor<2x4xi8>, %x: tensor<1x2x4x5xi8>) -> (tensor<1x3x4x5xi8>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) {
  %wc = qnn.constant dense<[[[[-7, 7, 1]], [[2, 3, 4]]], [[[0, 1, 2]], [[3, 4, 5]]], [[[6, 7, -1]], [[-2, -3, -4]]]]> : tensor<3x2x1x3xi8>
  %c = qnn.conv_integer %x, %wc {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 1, 0, 1>, input_zero_point = -5 : i64} : (tensor<1x2x4x5xi8>, tensor<3x2x1x3xi8>) -> tensor<1x3x4x5xi32>
  %cs = quant.scast %c : tensor<1x3x4x5xi32> to tensor<1x3x4x5x!quant.uniform<i32:f32:1, {0.125, 0.25, 0.5}>>
  %cf = qnn.dequantize %cs : tensor<1x3x4x5x!quant.uniform<i32:f32:1, {0.125, 0.25, 0.5}>> -> tensor<1x3x4x5xf32>
  %ch = qnn.hard_swish %cf : tensor<1x3x4x5xf32>
  %cq = qnn.quantize %ch : tensor<1x3x4x5xf32> -> tensor<1x3x4x5x!quant.uniform<i8:f32, 0.5:-3>>
  %ci = quant.scast %cq : tensor<1x3x4x5x!quant.uniform<i8:f32, 0.5:-3>> to tensor<1x3x4x5xi8>
  %w = qnn.constant dense<[[-7, 0, 7], [1, 2, 3], [4, 5, 6], [7, 1, 2]]> : tensor<4x3xi8>
  %y = qnn.matmul_integer %a, %w : (tensor<2x4xi8>, tensor<4x3xi8>) -> tensor<2x3xi32>
  %ys = quant.scast %y : tensor<2x3xi32> to tensor<2x3x!quant.uniform<i32:f32, 0.5>>
  %yf = qnn.dequantize %ys : tensor<2x3x!quant.uniform<i32:f32, 0.5>> -> tensor<2x3xf32>
  %yr = qnn.relu %yf : tensor<2x3xf32>
  %z = qnn.matmul_integer %a, %w : (tensor<2x4xi8>, tensor<4x3xi8>) -> tensor<2x3xi32>
  %zs = quant.scast %z : tensor<2x3xi32> to tensor<2x3x!quant.uniform<i32:f32, 0.5>>
  %zf = qnn.dequantize %zs : tensor<2x3x!quant.uniform<i32:f32, 0.5>> -> tensor<2x3xf32>
  %zr = qnn.relu %zf : tensor<2x3xf32>
  return %ci, %yr, %yr, %zr, %zf : tensor<1x3x4x5xi8>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// A depthwise conv's per-channel requantize (a Relu clamp) becomes its
// kernel's epilogue region: one-per-channel multiplier, rounding half and
// shift tables read at the channel, int64 arithmetic, int8 out.
// CHECK-LABEL: func.func @depthwise_requantize_epilogue
// CHECK: %[[DW:.*]] = qkernel.depthwise_conv_integer %{{.*}} -> tensor<1x4x5x2xi8> epilogue {
// CHECK: arith.constant dense<[1073741824, 2000000000]> : tensor<2xi64>
// CHECK: tensor.extract
// CHECK: arith.extsi %{{.*}} : i32 to i64
// CHECK: arith.shrsi
// CHECK: arith.trunci %{{.*}} : i64 to i8
// CHECK: qkernel.yield %{{.*}} : i8
// CHECK: %[[T:.*]] = qnn.transpose %[[DW]] {perm = array<i64: 0, 3, 1, 2>} : tensor<1x4x5x2xi8> -> tensor<1x2x4x5xi8>
// CHECK: return %[[T]]
// CHECK-NOT: qnn.requantize
// OFF-LABEL: func.func @depthwise_requantize_epilogue
// OFF: qkernel.depthwise_conv_integer {{.*}} -> tensor<1x4x5x2xi32>
// OFF: qnn.requantize
func.func @depthwise_requantize_epilogue(%x: tensor<1x2x4x5xi8>) -> tensor<1x2x4x5xi8> {
  %w = qnn.constant dense<[[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]], [[[-1, -2, -3], [-4, -5, -6], [-7, -8, -9]]]]> : tensor<2x1x3x3xi8>
  %c = qnn.conv_integer %x, %w {group = 2 : i64, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, input_zero_point = 3 : i64} : (tensor<1x2x4x5xi8>, tensor<2x1x3x3xi8>) -> tensor<1x2x4x5xi32>
  %r = qnn.requantize %c {axis = 1 : i64, clamp_min = -2 : i64, multipliers = array<i32: 1073741824, 2000000000>, shifts = array<i64: 33, 34>} : tensor<1x2x4x5xi32> -> tensor<1x2x4x5x!quant.uniform<i8:f32, 0.5:-2>>
  %s = quant.scast %r : tensor<1x2x4x5x!quant.uniform<i8:f32, 0.5:-2>> to tensor<1x2x4x5xi8>
  return %s : tensor<1x2x4x5xi8>
}
