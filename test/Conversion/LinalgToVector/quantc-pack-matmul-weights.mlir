// RUN: quant-opt %s -split-input-file --pass-pipeline="builtin.module(quantc-pack-matmul-weights{cols=8})" | FileCheck %s
// RUN: quant-opt %s -split-input-file --pass-pipeline="builtin.module(quantc-pack-matmul-weights{cols=8},func.func(convert-linalg-matmul-to-vector{rows=4 cols=8}),canonicalize,symbol-dce)" | FileCheck %s --check-prefix=TILES

// A 4 x 18 constant B in blocks of 8 columns: [3, 4, 8], block 2 holding
// columns 16 and 17 then zeros. Both matmuls reading it share the blocks;
// the GEMV (one row of A) streams B's rows and is left alone.
// CHECK-LABEL: module
// CHECK: memref.global "private" constant @w : memref<4x18xf32>
// CHECK-NEXT: memref.global "private" constant @w_blocks : memref<3x4x8xf32> = dense_resource<w_blocks> {alignment = 64 : i64}
// CHECK: func.func @two_users
// CHECK: linalg.matmul {quantc.packed_b = @w_blocks}
// CHECK: linalg.matmul {quantc.packed_b = @w_blocks}
// CHECK: func.func @gemv
// CHECK: linalg.matmul ins
// The blob: its alignment (64) in 4 bytes, then block 0's row 0 (0 to 7),
// and so on; block 2's row 0 is 16, 17 and six zeros.
// CHECK: dialect_resources
// CHECK: w_blocks: "0x40000000000000000000803F0000004000004040000080400000A0400000C0400000E040
// The tiles read the blocks' global; @w goes (the GEMV's is another).
// TILES-NOT: @w :
// TILES: memref.global "private" constant @w_blocks : memref<3x4x8xf32>
// TILES: memref.global "private" constant @v : memref<4x18xf32>
// TILES-LABEL: func.func @two_users
// TILES: %[[BLOCKS:.*]] = memref.get_global @w_blocks : memref<3x4x8xf32>
// TILES: scf.parallel
// TILES: %[[OWN:.*]] = memref.subview %[[BLOCKS]]
// TILES: vector.load %[[OWN]]
// TILES-NOT: memref.dealloc %[[BLOCKS]]
// TILES-LABEL: func.func @gemv
// TILES: memref.get_global @v
module {
  memref.global "private" constant @w : memref<4x18xf32> = dense<[
    [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0],
    [18.0, 19.0, 20.0, 21.0, 22.0, 23.0, 24.0, 25.0, 26.0, 27.0, 28.0, 29.0, 30.0, 31.0, 32.0, 33.0, 34.0, 35.0],
    [36.0, 37.0, 38.0, 39.0, 40.0, 41.0, 42.0, 43.0, 44.0, 45.0, 46.0, 47.0, 48.0, 49.0, 50.0, 51.0, 52.0, 53.0],
    [54.0, 55.0, 56.0, 57.0, 58.0, 59.0, 60.0, 61.0, 62.0, 63.0, 64.0, 65.0, 66.0, 67.0, 68.0, 69.0, 70.0, 71.0]]>
  memref.global "private" constant @v : memref<4x18xf32> = dense<1.0>
  func.func @two_users(%a: memref<6x4xf32>, %c: memref<6x18xf32>, %d: memref<6x18xf32>) {
    %b = memref.get_global @w : memref<4x18xf32>
    linalg.matmul ins(%a, %b : memref<6x4xf32>, memref<4x18xf32>) outs(%c : memref<6x18xf32>)
    linalg.matmul ins(%a, %b : memref<6x4xf32>, memref<4x18xf32>) outs(%d : memref<6x18xf32>)
    return
  }
  func.func @gemv(%a: memref<1x4xf32>, %c: memref<1x18xf32>) {
    %b = memref.get_global @v : memref<4x18xf32>
    linalg.matmul ins(%a, %b : memref<1x4xf32>, memref<4x18xf32>) outs(%c : memref<1x18xf32>)
    return
  }
}
