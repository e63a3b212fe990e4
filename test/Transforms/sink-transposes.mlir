// RUN: quant-opt %s -qnn-sink-transposes -split-input-file | FileCheck %s

// A transpose, an elementwise chain and the inverse transpose: both
// transposes vanish and the chain runs channels last; the scalar operand
// stays as it is.
// CHECK-LABEL: func @cancels
// CHECK-SAME: (%[[X:.*]]: tensor<1x4x5x8xf32>
// CHECK-NOT: qnn.transpose
// CHECK: %[[H:.*]] = qnn.hard_swish %[[X]] : tensor<1x4x5x8xf32>
// CHECK: %[[M:.*]] = qnn.mul %[[H]], %{{.*}} : (tensor<1x4x5x8xf32>, tensor<1xf32>) -> tensor<1x4x5x8xf32>
// CHECK-NOT: qnn.transpose
// CHECK: return %[[M]]
func.func @cancels(%x: tensor<1x4x5x8xf32>) -> tensor<1x4x5x8xf32> {
  %s = qnn.constant dense<2.0> : tensor<1xf32>
  %t = qnn.transpose %x {perm = array<i64: 0, 3, 1, 2>} : tensor<1x4x5x8xf32> -> tensor<1x8x4x5xf32>
  %h = qnn.hard_swish %t : tensor<1x8x4x5xf32>
  %m = qnn.mul %h, %s : (tensor<1x8x4x5xf32>, tensor<1xf32>) -> tensor<1x8x4x5xf32>
  %y = qnn.transpose %m {perm = array<i64: 0, 2, 3, 1>} : tensor<1x8x4x5xf32> -> tensor<1x4x5x8xf32>
  return %y : tensor<1x4x5x8xf32>
}

// -----

// No inverse transpose follows: the transpose moves past the dequantize,
// quantize and storage cast to the int8 tensor (not onto the quantized
// type, which the lowering does not move). The per-axis int32 type's axis 1
// (channels in NCHW) is axis 3 channels last.
// CHECK-LABEL: func @narrows
// CHECK-SAME: (%[[X:.*]]: tensor<1x4x5x2xi32>
// CHECK: %[[C:.*]] = quant.scast %[[X]] : tensor<1x4x5x2xi32> to tensor<1x4x5x2x!quant.uniform<i32:f32:3, {1.000000e-01,2.000000e-01}>>
// CHECK: %[[D:.*]] = qnn.dequantize %[[C]] : tensor<1x4x5x2x!quant.uniform<i32:f32:3, {1.000000e-01,2.000000e-01}>> -> tensor<1x4x5x2xf32>
// CHECK: %[[R:.*]] = qnn.relu %[[D]] : tensor<1x4x5x2xf32>
// CHECK: %[[Q:.*]] = qnn.quantize %[[R]] : tensor<1x4x5x2xf32> -> tensor<1x4x5x2x!quant.uniform<i8:f32, 5.000000e-02:-3>>
// CHECK: %[[I:.*]] = quant.scast %[[Q]] : tensor<1x4x5x2x!quant.uniform<i8:f32, 5.000000e-02:-3>> to tensor<1x4x5x2xi8>
// CHECK: %[[T:.*]] = qnn.transpose %[[I]] {perm = array<i64: 0, 3, 1, 2>} : tensor<1x4x5x2xi8> -> tensor<1x2x4x5xi8>
// CHECK: return %[[T]]
func.func @narrows(%x: tensor<1x4x5x2xi32>) -> tensor<1x2x4x5xi8> {
  %t = qnn.transpose %x {perm = array<i64: 0, 3, 1, 2>} : tensor<1x4x5x2xi32> -> tensor<1x2x4x5xi32>
  %c = quant.scast %t : tensor<1x2x4x5xi32> to tensor<1x2x4x5x!quant.uniform<i32:f32:1, {0.1, 0.2}>>
  %d = qnn.dequantize %c : tensor<1x2x4x5x!quant.uniform<i32:f32:1, {0.1, 0.2}>> -> tensor<1x2x4x5xf32>
  %r = qnn.relu %d : tensor<1x2x4x5xf32>
  %q = qnn.quantize %r : tensor<1x2x4x5xf32> -> tensor<1x2x4x5x!quant.uniform<i8:f32, 0.05:-3>>
  %i = quant.scast %q : tensor<1x2x4x5x!quant.uniform<i8:f32, 0.05:-3>> to tensor<1x2x4x5xi8>
  return %i : tensor<1x2x4x5xi8>
}

// -----

// A per-channel requantize follows its channels; a small per-channel
// operand of a binary op is transposed with the chain.
// CHECK-LABEL: func @requantize_axis
// CHECK: qnn.requantize %{{.*}} {axis = 3 : i64
// CHECK: %[[B:.*]] = qnn.transpose %{{.*}} {perm = array<i64: 0, 2, 3, 1>} : tensor<1x2x1x1xf32> -> tensor<1x1x1x2xf32>
// CHECK: qnn.add %{{.*}}, %[[B]] : (tensor<1x4x5x2xf32>, tensor<1x1x1x2xf32>) -> tensor<1x4x5x2xf32>
// CHECK-NOT: qnn.transpose
func.func @requantize_axis(%x: tensor<1x4x5x2xi32>, %b: tensor<1x2x1x1xf32>) -> tensor<1x4x5x2xf32> {
  %t = qnn.transpose %x {perm = array<i64: 0, 3, 1, 2>} : tensor<1x4x5x2xi32> -> tensor<1x2x4x5xi32>
  %r = qnn.requantize %t {axis = 1 : i64, multipliers = array<i32: 1073741824, 1073741824>, shifts = array<i64: 3, 4>} : tensor<1x2x4x5xi32> -> tensor<1x2x4x5x!quant.uniform<i8:f32, 0.05>>
  %d = qnn.dequantize %r : tensor<1x2x4x5x!quant.uniform<i8:f32, 0.05>> -> tensor<1x2x4x5xf32>
  %a = qnn.add %d, %b : (tensor<1x2x4x5xf32>, tensor<1x2x1x1xf32>) -> tensor<1x2x4x5xf32>
  %y = qnn.transpose %a {perm = array<i64: 0, 2, 3, 1>} : tensor<1x2x4x5xf32> -> tensor<1x4x5x2xf32>
  return %y : tensor<1x4x5x2xf32>
}

// -----

// A layout-dependent op (softmax along an axis) stops the chain: both
// transposes stay.
// CHECK-LABEL: func @stays
// CHECK: qnn.transpose
// CHECK: qnn.softmax
// CHECK: qnn.transpose
func.func @stays(%x: tensor<1x4x5x8xf32>) -> tensor<1x4x5x8xf32> {
  %t = qnn.transpose %x {perm = array<i64: 0, 3, 1, 2>} : tensor<1x4x5x8xf32> -> tensor<1x8x4x5xf32>
  %s = qnn.softmax %t {axis = 1 : i64} : tensor<1x8x4x5xf32>
  %y = qnn.transpose %s {perm = array<i64: 0, 2, 3, 1>} : tensor<1x8x4x5xf32> -> tensor<1x4x5x8xf32>
  return %y : tensor<1x4x5x8xf32>
}

// -----

// A squeeze-and-excitation block: the activation feeds a global average
// pool and the product with its own excitation. The transpose splits over
// both users: the pool becomes a reduce_mean over the channels-last spatial
// dims, whose transpose moves through the sigmoid and cancels against the
// one the product puts on its small operand; the product's own transpose
// cancels against the next layer's. Nothing moves any more.
// CHECK-LABEL: func @squeeze_excitation
// CHECK-SAME: (%[[X:.*]]: tensor<1x4x5x8xf32>
// CHECK-NOT: qnn.transpose
// CHECK: %[[H:.*]] = qnn.hard_swish %[[X]] : tensor<1x4x5x8xf32>
// CHECK: %[[M:.*]] = qnn.reduce_mean %[[H]] {axes = array<i64: 1, 2>} : tensor<1x4x5x8xf32> -> tensor<1x1x1x8xf32>
// CHECK: %[[S:.*]] = qnn.sigmoid %[[M]] : tensor<1x1x1x8xf32>
// CHECK: %[[Y:.*]] = qnn.mul %[[H]], %[[S]] : (tensor<1x4x5x8xf32>, tensor<1x1x1x8xf32>) -> tensor<1x4x5x8xf32>
// CHECK-NOT: qnn.transpose
// CHECK: return %[[Y]]
func.func @squeeze_excitation(%x: tensor<1x4x5x8xf32>) -> tensor<1x4x5x8xf32> {
  %t = qnn.transpose %x {perm = array<i64: 0, 3, 1, 2>} : tensor<1x4x5x8xf32> -> tensor<1x8x4x5xf32>
  %h = qnn.hard_swish %t : tensor<1x8x4x5xf32>
  %p = qnn.global_average_pool %h : tensor<1x8x4x5xf32> -> tensor<1x8x1x1xf32>
  %s = qnn.sigmoid %p : tensor<1x8x1x1xf32>
  %m = qnn.mul %h, %s : (tensor<1x8x4x5xf32>, tensor<1x8x1x1xf32>) -> tensor<1x8x4x5xf32>
  %y = qnn.transpose %m {perm = array<i64: 0, 2, 3, 1>} : tensor<1x8x4x5xf32> -> tensor<1x4x5x8xf32>
  return %y : tensor<1x4x5x8xf32>
}

// -----

// A transpose, then a quantize that two layers read (a classifier split by
// qnn-split-decisive-channels): a fan-out would give each reader a transpose
// of the quantized tensor, which the lowering does not move, so the
// transpose stays before the quantize. A transpose of a quantized tensor
// that nothing narrower follows stays too (measuring its width crashed on
// the quantized element type).
// CHECK-LABEL: func @quantized_fan_out
// CHECK: %[[T:.*]] = qnn.transpose %{{.*}} : tensor<1x4x3xf32> -> tensor<1x3x4xf32>
// CHECK: %[[Q:.*]] = qnn.quantize %[[T]]
// CHECK: quant.scast %[[Q]]
// CHECK: quant.scast %[[Q]]
// CHECK: %[[U:.*]] = qnn.transpose %{{.*}} : tensor<1x4x3x!quant.uniform<i8:f32, 5.000000e-02>> -> tensor<1x3x4x!quant.uniform<i8:f32, 5.000000e-02>>
// CHECK: qnn.dequantize %[[U]]
func.func @quantized_fan_out(%x: tensor<1x4x3xf32>, %z: tensor<1x4x3x!quant.uniform<i8:f32, 0.05>>) -> (tensor<1x3x4xi8>, tensor<1x3x4xi8>, tensor<1x3x4xf32>) {
  %t = qnn.transpose %x {perm = array<i64: 0, 2, 1>} : tensor<1x4x3xf32> -> tensor<1x3x4xf32>
  %q = qnn.quantize %t : tensor<1x3x4xf32> -> tensor<1x3x4x!quant.uniform<i8:f32, 0.05>>
  %a = quant.scast %q : tensor<1x3x4x!quant.uniform<i8:f32, 0.05>> to tensor<1x3x4xi8>
  %b = quant.scast %q : tensor<1x3x4x!quant.uniform<i8:f32, 0.05>> to tensor<1x3x4xi8>
  %u = qnn.transpose %z {perm = array<i64: 0, 2, 1>} : tensor<1x4x3x!quant.uniform<i8:f32, 0.05>> -> tensor<1x3x4x!quant.uniform<i8:f32, 0.05>>
  %d = qnn.dequantize %u : tensor<1x3x4x!quant.uniform<i8:f32, 0.05>> -> tensor<1x3x4xf32>
  return %a, %b, %d : tensor<1x3x4xi8>, tensor<1x3x4xi8>, tensor<1x3x4xf32>
}

// -----

// Residual blocks: two layers' outputs, each transposed back to NCHW, meet
// in an add whose sum feeds both the next block's add and (quantized) the
// next channels-last layer. The adds run on the channels-last tensors (the
// int32 one's per-axis axis 1 becomes 3), every transpose vanishes.
// CHECK-LABEL: func @residual_adds
// CHECK-SAME: (%[[A:.*]]: tensor<1x3x4x8xi32>, %[[B:.*]]: tensor<1x3x4x8xf32>, %[[C:.*]]: tensor<1x3x4x8xf32>
// CHECK-NOT: qnn.transpose
// CHECK: quant.scast %[[A]] : tensor<1x3x4x8xi32> to tensor<1x3x4x8x!quant.uniform<i32:f32:3, {{.*}}>>
// CHECK: %[[D:.*]] = qnn.dequantize %{{.*}} -> tensor<1x3x4x8xf32>
// CHECK: %[[S1:.*]] = qnn.add %[[D]], %[[B]] : (tensor<1x3x4x8xf32>, tensor<1x3x4x8xf32>) -> tensor<1x3x4x8xf32>
// CHECK-DAG: qnn.quantize %[[S1]] : tensor<1x3x4x8xf32>
// CHECK-DAG: %[[S2:.*]] = qnn.add %[[S1]], %[[C]] : (tensor<1x3x4x8xf32>, tensor<1x3x4x8xf32>) -> tensor<1x3x4x8xf32>
// CHECK-NOT: qnn.transpose
// CHECK: return
func.func @residual_adds(%a: tensor<1x3x4x8xi32>, %b: tensor<1x3x4x8xf32>, %c: tensor<1x3x4x8xf32>)
    -> (tensor<1x3x4x8xi8>, tensor<1x3x4x8xf32>) {
  %ta = qnn.transpose %a {perm = array<i64: 0, 3, 1, 2>} : tensor<1x3x4x8xi32> -> tensor<1x8x3x4xi32>
  %qa = quant.scast %ta : tensor<1x8x3x4xi32> to tensor<1x8x3x4x!quant.uniform<i32:f32:1, {0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8}>>
  %da = qnn.dequantize %qa : tensor<1x8x3x4x!quant.uniform<i32:f32:1, {0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8}>> -> tensor<1x8x3x4xf32>
  %tb = qnn.transpose %b {perm = array<i64: 0, 3, 1, 2>} : tensor<1x3x4x8xf32> -> tensor<1x8x3x4xf32>
  %s1 = qnn.add %da, %tb : (tensor<1x8x3x4xf32>, tensor<1x8x3x4xf32>) -> tensor<1x8x3x4xf32>
  %q = qnn.quantize %s1 : tensor<1x8x3x4xf32> -> tensor<1x8x3x4x!quant.uniform<i8:f32, 0.05:-3>>
  %i = quant.scast %q : tensor<1x8x3x4x!quant.uniform<i8:f32, 0.05:-3>> to tensor<1x8x3x4xi8>
  %next = qnn.transpose %i {perm = array<i64: 0, 2, 3, 1>} : tensor<1x8x3x4xi8> -> tensor<1x3x4x8xi8>
  %tc = qnn.transpose %c {perm = array<i64: 0, 3, 1, 2>} : tensor<1x3x4x8xf32> -> tensor<1x8x3x4xf32>
  %s2 = qnn.add %s1, %tc : (tensor<1x8x3x4xf32>, tensor<1x8x3x4xf32>) -> tensor<1x8x3x4xf32>
  %out = qnn.transpose %s2 {perm = array<i64: 0, 2, 3, 1>} : tensor<1x8x3x4xf32> -> tensor<1x3x4x8xf32>
  return %next, %out : tensor<1x3x4x8xi8>, tensor<1x3x4x8xf32>
}

// -----

// A classifier's head: a channels-last convolution's output, transposed
// to NCHW, then a 2-D max pool and a global average pool. The pool runs
// channels last on x, the transpose moves onto its 4x smaller result,
// then on past the global pool onto the [1, 1, 1, 8] means.
// CHECK-LABEL: func @max_pool_channels_last
// CHECK: %[[P:.*]] = qnn.max_pool %arg0 {channels_last = true, {{.*}}} : tensor<1x4x6x8xf32> -> tensor<1x2x3x8xf32>
// CHECK: %[[M:.*]] = qnn.reduce_mean %[[P]] {axes = array<i64: 1, 2>{{.*}}} : tensor<1x2x3x8xf32> -> tensor<1x1x1x8xf32>
// CHECK: qnn.transpose %[[M]] {perm = array<i64: 0, 3, 1, 2>}
// CHECK-NOT: qnn.transpose
func.func @max_pool_channels_last(%x: tensor<1x4x6x8xf32>) -> tensor<1x8x1x1xf32> {
  %t = qnn.transpose %x {perm = array<i64: 0, 3, 1, 2>} : tensor<1x4x6x8xf32> -> tensor<1x8x4x6xf32>
  %p = qnn.max_pool %t {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : tensor<1x8x4x6xf32> -> tensor<1x8x2x3xf32>
  %g = qnn.global_average_pool %p : tensor<1x8x2x3xf32> -> tensor<1x8x1x1xf32>
  return %g : tensor<1x8x1x1xf32>
}

// -----

// Another permutation (x is not [N, H, W, C]), or a quantized pool: the
// pool stays where it is.
// CHECK-LABEL: func @max_pool_stays
// CHECK: qnn.transpose %arg0
// CHECK: qnn.max_pool %{{.*}} {dilations
// CHECK-NOT: channels_last
func.func @max_pool_stays(%x: tensor<1x8x6x4xf32>) -> tensor<1x8x2x3xf32> {
  %t = qnn.transpose %x {perm = array<i64: 0, 1, 3, 2>} : tensor<1x8x6x4xf32> -> tensor<1x8x4x6xf32>
  %p = qnn.max_pool %t {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : tensor<1x8x4x6xf32> -> tensor<1x8x2x3xf32>
  return %p : tensor<1x8x2x3xf32>
}
