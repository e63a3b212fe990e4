// RUN: quant-opt %s -split-input-file --convert-qnn-to-linalg | FileCheck %s

// Comparisons give i1 tensors; Where is a select over three broadcast operands.
// CHECK-LABEL: func.func @compare_where
// CHECK: linalg.generic
// CHECK: arith.cmpf olt
// CHECK: -> tensor<2x3xi1>
// CHECK: linalg.generic
// CHECK: arith.select
func.func @compare_where(%a: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<2x3xf32> {
  %lt = qnn.less %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
  %w = qnn.where %lt, %a, %b : (tensor<2x3xi1>, tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return %w : tensor<2x3xf32>
}

// -----

// Integer ops pick signed integer arith.
// CHECK-LABEL: func.func @integer_math
// CHECK: arith.cmpi sgt
// CHECK: arith.remsi
// CHECK: arith.minsi
func.func @integer_math(%a: tensor<4xi64>, %b: tensor<4xi64>) -> (tensor<4xi1>, tensor<4xi64>, tensor<4xi64>) {
  %g = qnn.greater %a, %b : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi1>
  %m = qnn.mod %a, %b : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi64>
  %n = qnn.min %a, %b : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi64>
  return %g, %m, %n : tensor<4xi1>, tensor<4xi64>, tensor<4xi64>
}

// -----

// Tile reads the input at (i mod dim); Expand broadcasts; Trilu compares indices.
// CHECK-DAG: #[[MOD:.*]] = affine_map<(d0, d1) -> (d0 mod 2, d1 mod 3)>
// CHECK-LABEL: func.func @data_movement
// CHECK: linalg.generic {indexing_maps = [#[[MOD]],
// CHECK: linalg.index 0
// CHECK: linalg.index 1
// CHECK: arith.cmpi sge
func.func @data_movement(%x: tensor<2x3xf32>, %m: tensor<4x4xf32>) -> (tensor<4x9xf32>, tensor<4x4xf32>) {
  %t = qnn.tile %x {repeats = array<i64: 2, 3>} : tensor<2x3xf32> -> tensor<4x9xf32>
  %u = qnn.trilu %m {k = 1 : i64} : tensor<4x4xf32> -> tensor<4x4xf32>
  return %t, %u : tensor<4x9xf32>, tensor<4x4xf32>
}

// -----

// GatherElements reads the input with tensor.extract at the wrapped index.
// CHECK-LABEL: func.func @gather_elements
// CHECK: linalg.generic
// CHECK: arith.index_cast
// CHECK: arith.select
// CHECK: tensor.extract %arg0
func.func @gather_elements(%x: tensor<3x4xf32>, %i: tensor<3x2xi64>) -> tensor<3x2xf32> {
  %g = qnn.gather_elements %x, %i {axis = 1 : i64} : (tensor<3x4xf32>, tensor<3x2xi64>) -> tensor<3x2xf32>
  return %g : tensor<3x2xf32>
}

// -----

// LogSumExp is stabilized by the maximum; ArgMax carries value and index.
// CHECK-LABEL: func.func @reductions
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: math.log
// CHECK: linalg.generic {{.*}} outs(%{{.*}}, %{{.*}} : tensor<2x1xf32>, tensor<2x1xi64>)
// CHECK: arith.cmpf ogt
func.func @reductions(%x: tensor<2x5xf32>) -> (tensor<2x1xf32>, tensor<2xi64>) {
  %l = qnn.reduce %x {kind = "log_sum_exp", axes = array<i64: 1>} : tensor<2x5xf32> -> tensor<2x1xf32>
  %a = qnn.arg_reduce %x {kind = "max", axis = 1 : i64, keepdims = false} : tensor<2x5xf32> -> tensor<2xi64>
  return %l, %a : tensor<2x1xf32>, tensor<2xi64>
}

// -----

// CumSum adds one reduction dim that walks the axis.
// CHECK-LABEL: func.func @cumsum
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: linalg.index 2
// CHECK: arith.cmpi sle
func.func @cumsum(%x: tensor<2x5xf32>) -> tensor<2x5xf32> {
  %c = qnn.cumsum %x {axis = 1 : i64} : tensor<2x5xf32> -> tensor<2x5xf32>
  return %c : tensor<2x5xf32>
}

// -----

// A 3-D convolution is pad + im2col + batch matmul; a 3-D pool one generic.
// CHECK-LABEL: func.func @conv3d
// CHECK: tensor.pad
// CHECK: linalg.batch_matmul
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]
// CHECK: arith.maximumf
func.func @conv3d(%x: tensor<1x2x4x6x6xf32>, %w: tensor<3x2x3x3x3xf32>) -> tensor<1x3x2x3x3xf32> {
  %c = qnn.conv %x, %w {strides = array<i64: 1, 1, 1>, dilations = array<i64: 1, 1, 1>, pads = array<i64: 1, 1, 1, 1, 1, 1>} : (tensor<1x2x4x6x6xf32>, tensor<3x2x3x3x3xf32>) -> tensor<1x3x4x6x6xf32>
  %p = qnn.max_pool %c {kernel_shape = array<i64: 2, 2, 2>, strides = array<i64: 2, 2, 2>, dilations = array<i64: 1, 1, 1>, pads = array<i64: 0, 0, 0, 0, 0, 0>} : tensor<1x3x4x6x6xf32> -> tensor<1x3x2x3x3xf32>
  return %p : tensor<1x3x2x3x3xf32>
}

// -----

// ScatterND walks the updates in order with scf.for, carrying the output.
// CHECK-LABEL: func.func @scatter_nd
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %arg0) -> (tensor<3x4xf32>)
// CHECK: tensor.extract %{{.*}} : tensor<2x1xi64>
// CHECK: scf.for
// CHECK: arith.addf
// CHECK: tensor.insert
func.func @scatter_nd(%x: tensor<3x4xf32>, %i: tensor<2x1xi64>, %u: tensor<2x4xf32>) -> tensor<3x4xf32> {
  %y = qnn.scatter_nd %x, %i, %u {reduction = "add"} : (tensor<3x4xf32>, tensor<2x1xi64>, tensor<2x4xf32>) -> tensor<3x4xf32>
  return %y : tensor<3x4xf32>
}
