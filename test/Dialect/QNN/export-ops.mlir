// RUN: quant-opt %s -split-input-file | FileCheck %s
// RUN: quant-opt %s -split-input-file -mlir-print-op-generic | quant-opt -split-input-file | FileCheck %s

// The ops added for real exports (issue 13) parse, verify and print back.

// CHECK-LABEL: func @logic
func.func @logic(%a: tensor<2x3xf32>, %b: tensor<3xf32>, %i: tensor<2x3xi64>) -> (tensor<2x3xf32>, tensor<2x3xi1>) {
  // CHECK: qnn.less %{{.*}}, %{{.*}} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
  %lt = qnn.less %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
  // CHECK: qnn.equal
  %eq = qnn.equal %i, %i : (tensor<2x3xi64>, tensor<2x3xi64>) -> tensor<2x3xi1>
  // CHECK: qnn.greater_or_equal
  %ge = qnn.greater_or_equal %a, %a : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xi1>
  // CHECK: qnn.xor
  %x = qnn.xor %lt, %eq : (tensor<2x3xi1>, tensor<2x3xi1>) -> tensor<2x3xi1>
  // CHECK: qnn.not %{{.*}} : tensor<2x3xi1>
  %n = qnn.not %x : tensor<2x3xi1>
  // CHECK: qnn.where %{{.*}}, %{{.*}}, %{{.*}} : (tensor<2x3xi1>, tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %w = qnn.where %n, %a, %b : (tensor<2x3xi1>, tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return %w, %ge : tensor<2x3xf32>, tensor<2x3xi1>
}

// -----

// CHECK-LABEL: func @data_movement
func.func @data_movement(%x: tensor<1x3xf32>, %m: tensor<4x4xf32>, %i: tensor<1x3xi64>, %t: tensor<2x2xi64>)
    -> (tensor<2x4x3xf32>, tensor<2x6xf32>, tensor<4x4xf32>, tensor<1x3xf32>, tensor<2xf32>) {
  // CHECK: qnn.expand %{{.*}} {shape = array<i64: 2, 4, 1>} : tensor<1x3xf32> -> tensor<2x4x3xf32>
  %e = qnn.expand %x {shape = array<i64: 2, 4, 1>} : tensor<1x3xf32> -> tensor<2x4x3xf32>
  // CHECK: qnn.tile %{{.*}} {repeats = array<i64: 2, 2>} : tensor<1x3xf32> -> tensor<2x6xf32>
  %r = qnn.tile %x {repeats = array<i64: 2, 2>} : tensor<1x3xf32> -> tensor<2x6xf32>
  // CHECK: qnn.trilu %{{.*}} {k = -1 : i64, upper = false} : tensor<4x4xf32> -> tensor<4x4xf32>
  %l = qnn.trilu %m {upper = false, k = -1 : i64} : tensor<4x4xf32> -> tensor<4x4xf32>
  // CHECK: qnn.gather_elements %{{.*}}, %{{.*}} {axis = 1 : i64} : (tensor<1x3xf32>, tensor<1x3xi64>) -> tensor<1x3xf32>
  %g = qnn.gather_elements %x, %i {axis = 1 : i64} : (tensor<1x3xf32>, tensor<1x3xi64>) -> tensor<1x3xf32>
  // CHECK: qnn.gather_nd %{{.*}}, %{{.*}} : (tensor<4x4xf32>, tensor<2x2xi64>) -> tensor<2xf32>
  %n = qnn.gather_nd %m, %t : (tensor<4x4xf32>, tensor<2x2xi64>) -> tensor<2xf32>
  // CHECK: qnn.scatter_nd %{{.*}}, %{{.*}}, %{{.*}} {reduction = "max"} : (tensor<4x4xf32>, tensor<2x2xi64>, tensor<2xf32>) -> tensor<4x4xf32>
  %s = qnn.scatter_nd %m, %t, %n {reduction = "max"} : (tensor<4x4xf32>, tensor<2x2xi64>, tensor<2xf32>) -> tensor<4x4xf32>
  // CHECK: qnn.scatter_elements
  %se = qnn.scatter_elements %x, %i, %g {axis = 1 : i64} : (tensor<1x3xf32>, tensor<1x3xi64>, tensor<1x3xf32>) -> tensor<1x3xf32>
  return %e, %r, %l, %g, %n : tensor<2x4x3xf32>, tensor<2x6xf32>, tensor<4x4xf32>, tensor<1x3xf32>, tensor<2xf32>
}

// -----

// CHECK-LABEL: func @reductions
func.func @reductions(%x: tensor<2x5xf32>, %i: tensor<2x5xi32>) -> (tensor<2x1xf32>, tensor<5xi32>, tensor<2xi64>, tensor<2x5xf32>, tensor<2x5xf32>, tensor<2x5xf32>) {
  // CHECK: qnn.reduce %{{.*}} {axes = array<i64: 1>, kind = "log_sum_exp"} : tensor<2x5xf32> -> tensor<2x1xf32>
  %lse = qnn.reduce %x {kind = "log_sum_exp", axes = array<i64: 1>} : tensor<2x5xf32> -> tensor<2x1xf32>
  // CHECK: qnn.reduce %{{.*}} {axes = array<i64: 0>, keepdims = false, kind = "prod"} : tensor<2x5xi32> -> tensor<5xi32>
  %p = qnn.reduce %i {kind = "prod", axes = array<i64: 0>, keepdims = false} : tensor<2x5xi32> -> tensor<5xi32>
  // CHECK: qnn.arg_reduce %{{.*}} {axis = -1 : i64, keepdims = false, kind = "max"} : tensor<2x5xf32> -> tensor<2xi64>
  %a = qnn.arg_reduce %x {kind = "max", axis = -1 : i64, keepdims = false} : tensor<2x5xf32> -> tensor<2xi64>
  // CHECK: qnn.cumsum %{{.*}} {axis = 1 : i64, reverse = true} : tensor<2x5xf32> -> tensor<2x5xf32>
  %c = qnn.cumsum %x {axis = 1 : i64, reverse = true} : tensor<2x5xf32> -> tensor<2x5xf32>
  // CHECK: qnn.log_softmax %{{.*}} {axis = 1 : i64} : tensor<2x5xf32>
  %l = qnn.log_softmax %x {axis = 1 : i64} : tensor<2x5xf32>
  // CHECK: qnn.hardmax
  %h = qnn.hardmax %x : tensor<2x5xf32>
  return %lse, %p, %a, %c, %l, %h : tensor<2x1xf32>, tensor<5xi32>, tensor<2xi64>, tensor<2x5xf32>, tensor<2x5xf32>, tensor<2x5xf32>
}

// -----

// CHECK-LABEL: func @math
func.func @math(%x: tensor<4xf32>, %i: tensor<4xi64>) -> (tensor<4xf32>, tensor<4xi64>) {
  // CHECK: qnn.exp
  %0 = qnn.exp %x : tensor<4xf32>
  // CHECK: qnn.selu %{{.*}} {alpha = 2.000000e+00 : f32}
  %1 = qnn.selu %0 {alpha = 2.0 : f32} : tensor<4xf32>
  // CHECK: qnn.mish
  %2 = qnn.mish %1 : tensor<4xf32>
  // CHECK: qnn.max %{{.*}}, %{{.*}} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %3 = qnn.max %2, %x : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  // CHECK: qnn.mod %{{.*}}, %{{.*}} {fmod = true}
  %4 = qnn.mod %3, %x {fmod = true} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  // CHECK: qnn.abs %{{.*}} : tensor<4xi64>
  %5 = qnn.abs %i : tensor<4xi64>
  return %4, %5 : tensor<4xf32>, tensor<4xi64>
}

// -----

// GridSample: the output takes the input's batch and channels and the
// grid's height and width.
// CHECK-LABEL: func.func @grid_sample
// CHECK: qnn.grid_sample %arg0, %arg1 {align_corners = 1 : i64, mode = "cubic", padding_mode = "reflection"} : tensor<2x3x5x6xf32>, tensor<2x4x7x2xf32> -> tensor<2x3x4x7xf32>
func.func @grid_sample(%x: tensor<2x3x5x6xf32>, %g: tensor<2x4x7x2xf32>) -> tensor<2x3x4x7xf32> {
  %y = qnn.grid_sample %x, %g {align_corners = 1 : i64, mode = "cubic", padding_mode = "reflection"} : tensor<2x3x5x6xf32>, tensor<2x4x7x2xf32> -> tensor<2x3x4x7xf32>
  return %y : tensor<2x3x4x7xf32>
}

// -----

// TopK's indices: the input's shape with k along the axis, i64.
// CHECK-LABEL: func.func @top_k
// CHECK: qnn.top_k %arg0 {axis = 0 : i64, k = 2 : i64, largest = false} : tensor<5x3xf32> -> tensor<2x3xi64>
func.func @top_k(%x: tensor<5x3xf32>) -> tensor<2x3xi64> {
  %i = qnn.top_k %x {axis = 0 : i64, k = 2 : i64, largest = false} : tensor<5x3xf32> -> tensor<2x3xi64>
  return %i : tensor<2x3xi64>
}
