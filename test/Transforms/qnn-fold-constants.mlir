// RUN: quant-opt %s -split-input-file -qnn-fold-constants | FileCheck %s

// paddle2onnx-style reshape target: Shape -> Gather -> Concat folds to a constant,
// and the dead shape ops disappear.
// CHECK-LABEL: func @shape_chain
// CHECK-DAG: %[[TARGET:.*]] = qnn.constant dense<[1, -1]> : tensor<2xi64>
// CHECK-NOT: qnn.shape
// CHECK-NOT: qnn.gather
// CHECK: return %[[TARGET]]
func.func @shape_chain(%x: tensor<1x8x4xf32>) -> tensor<2xi64> {
  %s = qnn.shape %x : tensor<1x8x4xf32> -> tensor<3xi64>
  %i = qnn.constant dense<0> : tensor<1xi64>
  %n = qnn.gather %s, %i : (tensor<3xi64>, tensor<1xi64>) -> tensor<1xi64>
  %m = qnn.constant dense<-1> : tensor<1xi64>
  %t = qnn.concat %n, %m {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  return %t : tensor<2xi64>
}

// -----

// A dynamic dim keeps qnn.shape alive.
// CHECK-LABEL: func @dynamic_shape
// CHECK: qnn.shape
func.func @dynamic_shape(%x: tensor<?x4xf32>) -> tensor<2xi64> {
  %s = qnn.shape %x : tensor<?x4xf32> -> tensor<2xi64>
  return %s : tensor<2xi64>
}

// -----

// CHECK-LABEL: func @shape_range
// CHECK: qnn.constant dense<[8, 4]> : tensor<2xi64>
func.func @shape_range(%x: tensor<1x8x4xf32>) -> tensor<2xi64> {
  %s = qnn.shape %x {start = -2 : i64} : tensor<1x8x4xf32> -> tensor<2xi64>
  return %s : tensor<2xi64>
}

// -----

// Casts through float and back, then integer arithmetic.
// CHECK-LABEL: func @cast_and_arith
// CHECK-DAG: qnn.constant dense<[3, 8]> : tensor<2xi64>
// CHECK-DAG: qnn.constant dense<[1.500000e+00, 3.000000e+00]> : tensor<2xf32>
func.func @cast_and_arith() -> (tensor<2xi64>, tensor<2xf32>) {
  %a = qnn.constant dense<[3, 6]> : tensor<2xi64>
  %f = qnn.cast %a {to = f32} : tensor<2xi64> -> tensor<2xf32>
  %two = qnn.constant dense<2.0> : tensor<1xf32>
  %h = qnn.div %f, %two : (tensor<2xf32>, tensor<1xf32>) -> tensor<2xf32>
  %b = qnn.constant dense<[2, 4]> : tensor<2xi64>
  %sum = qnn.add %a, %b : (tensor<2xi64>, tensor<2xi64>) -> tensor<2xi64>
  %q = qnn.div %sum, %b : (tensor<2xi64>, tensor<2xi64>) -> tensor<2xi64>
  %one = qnn.constant dense<1> : tensor<i64>
  %d = qnn.sub %sum, %q : (tensor<2xi64>, tensor<2xi64>) -> tensor<2xi64>
  %m = qnn.mul %d, %one : (tensor<2xi64>, tensor<i64>) -> tensor<2xi64>
  return %m, %h : tensor<2xi64>, tensor<2xf32>
}

// -----

// Integer division by zero is left alone.
// CHECK-LABEL: func @div_by_zero
// CHECK: qnn.div
func.func @div_by_zero() -> tensor<1xi64> {
  %a = qnn.constant dense<4> : tensor<1xi64>
  %z = qnn.constant dense<0> : tensor<1xi64>
  %q = qnn.div %a, %z : (tensor<1xi64>, tensor<1xi64>) -> tensor<1xi64>
  return %q : tensor<1xi64>
}

// -----

// CHECK-LABEL: func @slice_transpose_unsqueeze
// CHECK-DAG: qnn.constant dense<[4, 2]> : tensor<2xi64>
// CHECK-DAG: qnn.constant dense<{{\[}}[1, 4], [2, 5], [3, 6]]> : tensor<3x2xi64>
// CHECK-DAG: qnn.constant dense<{{\[}}[1, 2, 3]]> : tensor<1x3xi64>
func.func @slice_transpose_unsqueeze() -> (tensor<2xi64>, tensor<3x2xi64>, tensor<1x3xi64>) {
  %a = qnn.constant dense<[1, 2, 3, 4]> : tensor<4xi64>
  %s = qnn.slice %a {starts = array<i64: -1>, ends = array<i64: 0>, axes = array<i64: 0>, steps = array<i64: -2>} : tensor<4xi64> -> tensor<2xi64>
  %m = qnn.constant dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi64>
  %t = qnn.transpose %m {perm = array<i64: 1, 0>} : tensor<2x3xi64> -> tensor<3x2xi64>
  %r = qnn.constant dense<[1, 2, 3]> : tensor<3xi64>
  %u = qnn.unsqueeze %r {axes = array<i64: 0>} : tensor<3xi64> -> tensor<1x3xi64>
  return %s, %t, %u : tensor<2xi64>, tensor<3x2xi64>, tensor<1x3xi64>
}

// -----

// Gather with a negative index along axis 1.
// CHECK-LABEL: func @gather_negative
// CHECK: qnn.constant dense<{{\[}}[3], [6]]> : tensor<2x1xi64>
func.func @gather_negative() -> tensor<2x1xi64> {
  %m = qnn.constant dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi64>
  %i = qnn.constant dense<[-1]> : tensor<1xi64>
  %g = qnn.gather %m, %i {axis = 1 : i64} : (tensor<2x3xi64>, tensor<1xi64>) -> tensor<2x1xi64>
  return %g : tensor<2x1xi64>
}

// -----

// Reshaping a weight shares its blob instead of copying it; identity ops vanish.
// CHECK-LABEL: func @reshape_weight
// CHECK: %[[W:.*]] = qnn.constant dense_resource<w> : tensor<2x3xf32>
// CHECK-NOT: qnn.reshape
// CHECK-NOT: qnn.transpose
// CHECK-NOT: qnn.cast
// CHECK: return %[[W]]
func.func @reshape_weight(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
  %w = qnn.constant dense_resource<w> : tensor<6xf32>
  %r = qnn.reshape %w {shape = array<i64: 2, 3>} : tensor<6xf32> -> tensor<2x3xf32>
  %t = qnn.transpose %x {perm = array<i64: 0, 1>} : tensor<2x3xf32> -> tensor<2x3xf32>
  %c = qnn.cast %t {to = f32} : tensor<2x3xf32> -> tensor<2x3xf32>
  return %r, %c : tensor<2x3xf32>, tensor<2x3xf32>
}

{-#
  dialect_resources: {
    builtin: {
      w: "0x040000000000803F0000004000004040000080400000A0400000C040"
    }
  }
#-}

// -----

// Ops whose results are unused are erased; compute on live values stays.
// CHECK-LABEL: func @dead_code
// CHECK-NOT: qnn.sigmoid
// CHECK: qnn.relu
func.func @dead_code(%x: tensor<4xf32>) -> tensor<4xf32> {
  %dead = qnn.sigmoid %x : tensor<4xf32>
  %live = qnn.relu %x : tensor<4xf32>
  return %live : tensor<4xf32>
}

// -----

// Chains of reshape-like ops collapse (here down to the first flatten, which
// already has the final type); transpose chains compose, and one that composes
// to the identity disappears.
// CHECK-LABEL: func @chains
// CHECK-DAG: %[[R:.*]] = qnn.flatten %arg0 {axis = 2 : i64} : tensor<2x3x4xf32> -> tensor<6x4xf32>
// CHECK-DAG: %[[T:.*]] = qnn.transpose %arg0 {perm = array<i64: 2, 0, 1>} : tensor<2x3x4xf32> -> tensor<4x2x3xf32>
// CHECK-DAG: %[[R3:.*]] = qnn.reshape %arg0 {shape = array<i64: 3, 8>} : tensor<2x3x4xf32> -> tensor<3x8xf32>
// CHECK-NOT: qnn.
// CHECK: return %[[R]], %[[T]], %arg0, %[[R3]]
func.func @chains(%x: tensor<2x3x4xf32>) -> (tensor<6x4xf32>, tensor<4x2x3xf32>, tensor<2x3x4xf32>, tensor<3x8xf32>) {
  %f = qnn.flatten %x {axis = 2 : i64} : tensor<2x3x4xf32> -> tensor<6x4xf32>
  %u = qnn.unsqueeze %f {axes = array<i64: 0>} : tensor<6x4xf32> -> tensor<1x6x4xf32>
  %r = qnn.reshape %u {shape = array<i64: 0, 6, 4>} : tensor<1x6x4xf32> -> tensor<1x6x4xf32>
  %r2 = qnn.reshape %r {shape = array<i64: 6, 4>} : tensor<1x6x4xf32> -> tensor<6x4xf32>
  %r3 = qnn.reshape %r2 {shape = array<i64: 3, 8>} : tensor<6x4xf32> -> tensor<3x8xf32>
  %t1 = qnn.transpose %x {perm = array<i64: 1, 2, 0>} : tensor<2x3x4xf32> -> tensor<3x4x2xf32>
  %t2 = qnn.transpose %t1 {perm = array<i64: 1, 2, 0>} : tensor<3x4x2xf32> -> tensor<4x2x3xf32>
  %t3 = qnn.transpose %t2 {perm = array<i64: 1, 2, 0>} : tensor<4x2x3xf32> -> tensor<2x3x4xf32>
  return %r2, %t2, %t3, %r3 : tensor<6x4xf32>, tensor<4x2x3xf32>, tensor<2x3x4xf32>, tensor<3x8xf32>
}

// -----

// Mod folds with ONNX's two signs: fmod = 0 takes the divisor's (Python's
// %), fmod = 1 the dividend's (C's fmod), as Swin's window padding computes
// (7 - 16 % 7) % 7 = 5; INT64_MIN % -1 is 0, not a trap. Integer Mod by
// zero is left alone.
// CHECK-LABEL: func @mod_signs
// CHECK-DAG: %[[PY:.*]] = qnn.constant dense<[5, 2, -2, 0, 0]> : tensor<5xi64>
// CHECK-DAG: %[[C:.*]] = qnn.constant dense<[5, -1, 1, 0, 0]> : tensor<5xi64>
// CHECK-DAG: %[[F:.*]] = qnn.constant dense<[-1.500000e+00, 2.000000e+00]> : tensor<2xf32>
// CHECK-DAG: %[[Z:.*]] = qnn.mod
// CHECK: return %[[PY]], %[[C]], %[[F]], %[[Z]]
func.func @mod_signs() -> (tensor<5xi64>, tensor<5xi64>, tensor<2xf32>, tensor<1xi64>) {
  %a = qnn.constant dense<[5, -1, 1, -9223372036854775808, 6]> : tensor<5xi64>
  %b = qnn.constant dense<[7, 3, -3, -1, 3]> : tensor<5xi64>
  %py = qnn.mod %a, %b : (tensor<5xi64>, tensor<5xi64>) -> tensor<5xi64>
  %c = qnn.mod %a, %b {fmod = true} : (tensor<5xi64>, tensor<5xi64>) -> tensor<5xi64>
  %x = qnn.constant dense<[-5.5, 6.0]> : tensor<2xf32>
  %y = qnn.constant dense<[-4.0, 4.0]> : tensor<2xf32>
  %f = qnn.mod %x, %y {fmod = true} : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  %one = qnn.constant dense<4> : tensor<1xi64>
  %zero = qnn.constant dense<0> : tensor<1xi64>
  %z = qnn.mod %one, %zero : (tensor<1xi64>, tensor<1xi64>) -> tensor<1xi64>
  return %py, %c, %f, %z : tensor<5xi64>, tensor<5xi64>, tensor<2xf32>, tensor<1xi64>
}

// -----

// A float Pow of constants folds (an attention's scale as torch.onnx writes
// it: 32 ** -0.5); an integer Pow stays for the kernels.
// CHECK-LABEL: func @pow_constants
// CHECK-DAG: %[[S:.*]] = qnn.constant dense<0.176776692> : tensor<f32>
// CHECK-DAG: %[[I:.*]] = qnn.pow
// CHECK: return %[[S]], %[[I]]
func.func @pow_constants() -> (tensor<f32>, tensor<1xi64>) {
  %b = qnn.constant dense<32.0> : tensor<f32>
  %e = qnn.constant dense<-0.5> : tensor<f32>
  %s = qnn.pow %b, %e : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %ib = qnn.constant dense<3> : tensor<1xi64>
  %ie = qnn.constant dense<2> : tensor<1xi64>
  %i = qnn.pow %ib, %ie : (tensor<1xi64>, tensor<1xi64>) -> tensor<1xi64>
  return %s, %i : tensor<f32>, tensor<1xi64>
}

// -----

// ScatterND of constants folds (Swin's shifted-window masks): slices of
// rows (index tuples of depth 1) and single elements (depth 2, a negative
// index counting from the end), later tuples over earlier ones. A
// reduction, or an index out of range, is left alone.
// CHECK-LABEL: func @scatter_nd_constants
// CHECK-DAG: %[[ROWS:.*]] = qnn.constant dense<{{\[}}[5.000000e+00, 6.000000e+00], [0.000000e+00, 0.000000e+00], [1.000000e+00, 9.000000e+00]]> : tensor<3x2xf32>
// CHECK-DAG: %[[ADDED:.*]] = qnn.scatter_nd %{{.*}} {reduction = "add"}
// CHECK-DAG: %[[OUT:.*]] = qnn.scatter_nd
// CHECK: return %[[ROWS]], %[[ADDED]], %[[OUT]]
func.func @scatter_nd_constants() -> (tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>) {
  %zero = qnn.constant dense<0.0> : tensor<3x2xf32>
  %rows = qnn.constant dense<[[2], [0]]> : tensor<2x1xi64>
  %values = qnn.constant dense<[[1.0, 2.0], [5.0, 6.0]]> : tensor<2x2xf32>
  %a = qnn.scatter_nd %zero, %rows, %values : (tensor<3x2xf32>, tensor<2x1xi64>, tensor<2x2xf32>) -> tensor<3x2xf32>
  %points = qnn.constant dense<[[2, 1], [-1, -1]]> : tensor<2x2xi64>
  %nines = qnn.constant dense<[7.0, 9.0]> : tensor<2xf32>
  %b = qnn.scatter_nd %a, %points, %nines : (tensor<3x2xf32>, tensor<2x2xi64>, tensor<2xf32>) -> tensor<3x2xf32>
  %c = qnn.scatter_nd %zero, %rows, %values {reduction = "add"} : (tensor<3x2xf32>, tensor<2x1xi64>, tensor<2x2xf32>) -> tensor<3x2xf32>
  %far = qnn.constant dense<[[3], [0]]> : tensor<2x1xi64>
  %d = qnn.scatter_nd %zero, %far, %values : (tensor<3x2xf32>, tensor<2x1xi64>, tensor<2x2xf32>) -> tensor<3x2xf32>
  return %b, %c, %d : tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>
}
