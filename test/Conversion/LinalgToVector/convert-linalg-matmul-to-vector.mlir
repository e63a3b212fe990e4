// RUN: quant-opt %s -split-input-file --pass-pipeline="builtin.module(func.func(convert-linalg-matmul-to-vector{rows=4 cols=8}))" | FileCheck %s

// M=10, N=20 with a 4x8 tile: full tiles in loops (8 rows, 16 columns), then
// 2 edge rows and a 4-wide edge column block, all with static vector sizes.
// CHECK-LABEL: func.func @matmul
// CHECK-NOT: linalg.matmul
// CHECK: scf.for %[[J:.*]] = %{{.*}} to %c16{{.*}} step %c8
// CHECK:   scf.for %[[I:.*]] = %{{.*}} to %c8{{.*}} step %c4
// CHECK:     vector.load %{{.*}} : memref<10x20xf32>, vector<8xf32>
// CHECK:     scf.for {{.*}} iter_args({{.*}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// CHECK:       vector.load %{{.*}} : memref<6x20xf32>, vector<8xf32>
// CHECK:       memref.load %{{.*}} : memref<10x6xf32>
// CHECK:       vector.broadcast
// CHECK:       vector.fma
// CHECK:     vector.store
// CHECK: -> (vector<8xf32>, vector<8xf32>)
// CHECK: -> (vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>)
// CHECK: -> (vector<4xf32>, vector<4xf32>)
func.func @matmul(%a: memref<10x6xf32>, %b: memref<6x20xf32>, %c: memref<10x20xf32>) {
  linalg.matmul ins(%a, %b : memref<10x6xf32>, memref<6x20xf32>) outs(%c : memref<10x20xf32>)
  return
}

// -----

// batch_matmul: an outer loop over the batch, indices carry it.
// CHECK-LABEL: func.func @batch_matmul
// CHECK: scf.for %[[B:.*]] = %c0 to %c3
// CHECK: vector.load %{{.*}}[%[[B]], %{{.*}}, %{{.*}}] : memref<3x4x8xf32>, vector<8xf32>
func.func @batch_matmul(%a: memref<3x4x5xf32>, %b: memref<3x5x8xf32>, %c: memref<3x4x8xf32>) {
  linalg.batch_matmul ins(%a, %b : memref<3x4x5xf32>, memref<3x5x8xf32>) outs(%c : memref<3x4x8xf32>)
  return
}

// -----

// Tensors (not yet bufferized) and column-strided buffers are left alone.
// CHECK-LABEL: func.func @not_buffers
// CHECK: linalg.matmul
func.func @not_buffers(%a: tensor<4x4xf32>, %b: tensor<4x4xf32>, %c: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<4x4xf32>, tensor<4x4xf32>) outs(%c : tensor<4x4xf32>) -> tensor<4x4xf32>
  return %r : tensor<4x4xf32>
}
// CHECK-LABEL: func.func @strided_columns
// CHECK: linalg.matmul
func.func @strided_columns(%a: memref<4x4xf32>, %b: memref<4x4xf32, strided<[1, 4]>>, %c: memref<4x4xf32>) {
  linalg.matmul ins(%a, %b : memref<4x4xf32>, memref<4x4xf32, strided<[1, 4]>>) outs(%c : memref<4x4xf32>)
  return
}

// -----

// int8 x int8 into int32 (qnn.conv_integer's im2col product): B rows and A
// elements are sign-extended, products accumulate with muli/addi.
// CHECK-LABEL: func.func @matmul_int8
// CHECK: scf.for {{.*}} iter_args({{.*}}) -> (vector<8xi32>, vector<8xi32>, vector<8xi32>, vector<8xi32>)
// CHECK:   %[[B:.*]] = vector.load %{{.*}} : memref<6x8xi8>, vector<8xi8>
// CHECK:   %[[BW:.*]] = arith.extsi %[[B]] : vector<8xi8> to vector<8xi32>
// CHECK:   %[[A:.*]] = memref.load %{{.*}} : memref<4x6xi8>
// CHECK:   %[[AW:.*]] = arith.extsi %[[A]] : i8 to i32
// CHECK:   %[[S:.*]] = vector.broadcast %[[AW]] : i32 to vector<8xi32>
// CHECK:   %[[P:.*]] = arith.muli %[[S]], %[[BW]] : vector<8xi32>
// CHECK:   arith.addi %{{.*}}, %[[P]] : vector<8xi32>
func.func @matmul_int8(%a: memref<4x6xi8>, %b: memref<6x8xi8>, %c: memref<4x8xi32>) {
  linalg.matmul ins(%a, %b : memref<4x6xi8>, memref<6x8xi8>) outs(%c : memref<4x8xi32>)
  return
}

// -----

// Unsigned extension is not what the kernel computes: left to the loops.
// CHECK-LABEL: func.func @matmul_unsigned_cast
// CHECK: linalg.matmul
func.func @matmul_unsigned_cast(%a: memref<4x6xi8>, %b: memref<6x8xi8>, %c: memref<4x8xi32>) {
  linalg.matmul {cast = #linalg.type_fn<cast_unsigned>} ins(%a, %b : memref<4x6xi8>, memref<6x8xi8>) outs(%c : memref<4x8xi32>)
  return
}
