// RUN: quant-opt %s --split-input-file --convert-linalg-transpose-to-vector | FileCheck %s

// NHWC -> NCHW (the packed kernels' output back to a depthwise conv's
// layout): blocks of 8 channels x 8 columns, each 8 loads along the
// input's channels, 24 shuffles, 8 stores along the output's columns.
// CHECK-LABEL: func.func @nhwc_to_nchw
// CHECK: scf.parallel (%[[N:.*]], %[[C:.*]], %[[H:.*]], %[[W:.*]]) = (%c0, %c0, %c0, %c0) to (%c1{{.*}}, %c128, %c12, %c160) step (%c1{{.*}}, %c8, %c1{{.*}}, %c8
// CHECK: %[[W1:.*]] = arith.addi %[[W]], %c1
// CHECK-COUNT-2: vector.load %arg0[%[[N]], %[[H]], %{{.*}}, %[[C]]] : memref<1x12x160x128xf32>, vector<8xf32>
// CHECK: vector.shuffle {{.*}} [0, 8, 1, 9, 4, 12, 5, 13] : vector<8xf32>, vector<8xf32>
// CHECK: vector.shuffle {{.*}} [0, 1, 8, 9, 4, 5, 12, 13] : vector<8xf32>, vector<8xf32>
// CHECK: vector.shuffle {{.*}} [0, 1, 2, 3, 8, 9, 10, 11] : vector<8xf32>, vector<8xf32>
// CHECK-COUNT-8: vector.store {{.*}}, %arg1[%[[N]], %{{.*}}, %[[H]], %[[W]]] : memref<1x128x12x160xf32>, vector<8xf32>
// CHECK-NOT: linalg.transpose
func.func @nhwc_to_nchw(%x: memref<1x12x160x128xf32>, %y: memref<1x128x12x160xf32>) {
  linalg.transpose ins(%x : memref<1x12x160x128xf32>) outs(%y : memref<1x128x12x160xf32>) permutation = [0, 3, 1, 2]
  return
}

// -----

// 19 x 20 outputs: the whole blocks (16 x 16), then what is left as
// linalg.transposes on views: the last 3 rows of channels, the last 4
// columns of the blocked rows.
// CHECK-LABEL: func.func @tails
// CHECK: scf.parallel {{.*}} to (%c1{{.*}}, %c16, %c12, %c16{{.*}}) step
// CHECK: %[[IN_ROWS:.*]] = memref.subview %arg0[0, 0, 0, 16] [1, 12, 20, 3] [1, 1, 1, 1]
// CHECK: %[[OUT_ROWS:.*]] = memref.subview %arg1[0, 16, 0, 0] [1, 3, 12, 20] [1, 1, 1, 1]
// CHECK: linalg.transpose ins(%[[IN_ROWS]] : {{.*}}) outs(%[[OUT_ROWS]] : {{.*}}) permutation = [0, 3, 1, 2]
// CHECK: %[[IN_COLUMNS:.*]] = memref.subview %arg0[0, 0, 16, 0] [1, 12, 4, 16] [1, 1, 1, 1]
// CHECK: %[[OUT_COLUMNS:.*]] = memref.subview %arg1[0, 0, 0, 16] [1, 16, 12, 4] [1, 1, 1, 1]
// CHECK: linalg.transpose ins(%[[IN_COLUMNS]] : {{.*}}) outs(%[[OUT_COLUMNS]] : {{.*}}) permutation = [0, 3, 1, 2]
func.func @tails(%x: memref<1x12x20x19xf32>, %y: memref<1x19x12x20xf32>) {
  linalg.transpose ins(%x : memref<1x12x20x19xf32>) outs(%y : memref<1x19x12x20xf32>) permutation = [0, 3, 1, 2]
  return
}

// -----

// Left as they are: the innermost dim stays (rows copy as vectors
// already), fewer than 8 along a blocked dim, an input whose innermost
// elements are not contiguous, a dynamic shape.
// CHECK-LABEL: func.func @unchanged
// CHECK-NOT: scf.parallel
// CHECK-COUNT-4: linalg.transpose
func.func @unchanged(%a: memref<4x8x16xf32>, %b: memref<8x4x16xf32>,
                     %c: memref<5x16xf32>, %d: memref<16x5xf32>,
                     %e: memref<16x16xf32, strided<[1, 16]>>, %f: memref<16x16xf32>,
                     %g: memref<?x16xf32>, %h: memref<16x?xf32>) {
  linalg.transpose ins(%a : memref<4x8x16xf32>) outs(%b : memref<8x4x16xf32>) permutation = [1, 0, 2]
  linalg.transpose ins(%c : memref<5x16xf32>) outs(%d : memref<16x5xf32>) permutation = [1, 0]
  linalg.transpose ins(%e : memref<16x16xf32, strided<[1, 16]>>) outs(%f : memref<16x16xf32>) permutation = [1, 0]
  linalg.transpose ins(%g : memref<?x16xf32>) outs(%h : memref<16x?xf32>) permutation = [1, 0]
  return
}

// -----

// Elements that make no vectors stay a linalg.transpose.
// CHECK-LABEL: func.func @complex
// CHECK-NOT: vector.load
// CHECK: linalg.transpose
func.func @complex(%x: memref<8x8xcomplex<f32>>, %y: memref<8x8xcomplex<f32>>) {
  linalg.transpose ins(%x : memref<8x8xcomplex<f32>>) outs(%y : memref<8x8xcomplex<f32>>) permutation = [1, 0]
  return
}
