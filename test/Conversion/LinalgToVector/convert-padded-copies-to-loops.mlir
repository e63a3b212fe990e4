// RUN: quant-opt %s -split-input-file --pass-pipeline="builtin.module(func.func(convert-padded-copies-to-loops))" | FileCheck %s

// A zero-padded copy of a 1x3x4x5 image (one row and column of padding on
// each side): one parallel loop over the padded rows (the unit image dim
// left out). Rows 1..4 get a zero, the source row through 1-D views (so the
// copy loop indexes both by its induction variable), and a zero; rows 0
// and 5 get zeros. The fill and the copy go.
// CHECK-LABEL: func.func @zero_padded
// CHECK-SAME: (%[[X:.*]]: memref<1x3x4x5xf32>, %[[ZERO:.*]]: f32)
// CHECK: %[[P:.*]] = memref.alloc() : memref<1x3x6x7xf32>
// CHECK-NOT: linalg.fill
// CHECK-NOT: memref.copy
// CHECK: scf.parallel (%[[C:.*]], %[[Y:.*]]) = (%{{.*}}, %{{.*}}) to (%c3, %c6)
// CHECK:   %[[TOP:.*]] = arith.cmpi sge, %[[Y]], %c1
// CHECK:   %[[BOTTOM:.*]] = arith.cmpi slt, %[[Y]], %c5
// CHECK:   %[[INSIDE:.*]] = arith.andi %[[TOP]], %[[BOTTOM]]
// CHECK:   scf.if %[[INSIDE]] {
// CHECK:     scf.for %[[L:.*]] = %c0{{.*}} to %c1{{.*}} step
// CHECK:       memref.store %[[ZERO]], %[[P]][%{{.*}}, %[[C]], %[[Y]], %[[L]]]
// CHECK:     %[[FROM:.*]] = arith.subi %[[Y]], %c1
// CHECK:     %[[IN:.*]] = memref.subview %[[X]][0, %[[C]], %[[FROM]], 0] [1, 1, 1, 5] [1, 1, 1, 1] : memref<1x3x4x5xf32> to memref<5xf32, strided<[1], offset: ?>>
// CHECK:     %[[OUT:.*]] = memref.subview %[[P]][0, %[[C]], %[[Y]], 1] [1, 1, 1, 5] [1, 1, 1, 1] : memref<1x3x6x7xf32> to memref<5xf32, strided<[1], offset: ?>>
// CHECK:     scf.for %[[I:.*]] = %c0{{.*}} to %c5{{.*}} step
// CHECK:       %[[V:.*]] = memref.load %[[IN]][%[[I]]]
// CHECK:       memref.store %[[V]], %[[OUT]][%[[I]]]
// CHECK:     scf.for %[[R:.*]] = %c6{{.*}} to %c7{{.*}} step
// CHECK:       memref.store %[[ZERO]], %[[P]][%{{.*}}, %[[C]], %[[Y]], %[[R]]]
// CHECK:   } else {
// CHECK:     scf.for %[[A:.*]] = %c0{{.*}} to %c7{{.*}} step
// CHECK:       memref.store %[[ZERO]], %[[P]][%{{.*}}, %[[C]], %[[Y]], %[[A]]]
// CHECK: return %[[P]]
func.func @zero_padded(%x: memref<1x3x4x5xf32>, %zero: f32) -> memref<1x3x6x7xf32> {
  %p = memref.alloc() : memref<1x3x6x7xf32>
  linalg.fill ins(%zero : f32) outs(%p : memref<1x3x6x7xf32>)
  %w = memref.subview %p[0, 0, 1, 1] [1, 3, 4, 5] [1, 1, 1, 1] : memref<1x3x6x7xf32> to memref<1x3x4x5xf32, strided<[126, 42, 7, 1], offset: 8>>
  memref.copy %x, %w : memref<1x3x4x5xf32> to memref<1x3x4x5xf32, strided<[126, 42, 7, 1], offset: 8>>
  return %p : memref<1x3x6x7xf32>
}

// -----

// tensor.pad bufferizes its fill as a linalg.map yielding the pad value;
// a pad on the columns only (rows all inside) needs no row check.
// CHECK-LABEL: func.func @map_fill_columns_only
// CHECK-NOT: linalg.map
// CHECK: scf.parallel (%{{.*}}) = (%{{.*}}) to (%c4)
// CHECK-NOT: scf.if
// CHECK: memref.store %cst
// CHECK: memref.load
// CHECK-NOT: memref.copy
func.func @map_fill_columns_only(%x: memref<4x5xf32>) -> memref<4x9xf32> {
  %cst = arith.constant -1.0 : f32
  %p = memref.alloc() : memref<4x9xf32>
  linalg.map outs(%p : memref<4x9xf32>)
    (%init: f32) {
      linalg.yield %cst : f32
    }
  %w = memref.subview %p[0, 2] [4, 5] [1, 1] : memref<4x9xf32> to memref<4x5xf32, strided<[9, 1], offset: 2>>
  memref.copy %x, %w : memref<4x5xf32> to memref<4x5xf32, strided<[9, 1], offset: 2>>
  return %p : memref<4x9xf32>
}

// -----

// Left alone: a write to the buffer between the fill and the copy, a copy
// into a strided window, and a fill that reads its output.
// CHECK-LABEL: func.func @not_padded_copies
// CHECK-NOT: scf.parallel
// CHECK: linalg.fill
// CHECK: memref.store
// CHECK: memref.copy
// CHECK: linalg.fill
// CHECK: memref.copy
// CHECK: linalg.map
// CHECK: memref.copy
func.func @not_padded_copies(%x: memref<4x5xf32>, %zero: f32, %i: index) -> (memref<6x7xf32>, memref<8x12xf32>, memref<6x7xf32>) {
  %p = memref.alloc() : memref<6x7xf32>
  linalg.fill ins(%zero : f32) outs(%p : memref<6x7xf32>)
  memref.store %zero, %p[%i, %i] : memref<6x7xf32>
  %w = memref.subview %p[1, 1] [4, 5] [1, 1] : memref<6x7xf32> to memref<4x5xf32, strided<[7, 1], offset: 8>>
  memref.copy %x, %w : memref<4x5xf32> to memref<4x5xf32, strided<[7, 1], offset: 8>>
  %q = memref.alloc() : memref<8x12xf32>
  linalg.fill ins(%zero : f32) outs(%q : memref<8x12xf32>)
  %v = memref.subview %q[0, 0] [4, 5] [2, 2] : memref<8x12xf32> to memref<4x5xf32, strided<[24, 2]>>
  memref.copy %x, %v : memref<4x5xf32> to memref<4x5xf32, strided<[24, 2]>>
  %r = memref.alloc() : memref<6x7xf32>
  linalg.map outs(%r : memref<6x7xf32>)
    (%init: f32) {
      %0 = arith.addf %init, %zero : f32
      linalg.yield %0 : f32
    }
  %u = memref.subview %r[1, 1] [4, 5] [1, 1] : memref<6x7xf32> to memref<4x5xf32, strided<[7, 1], offset: 8>>
  memref.copy %x, %u : memref<4x5xf32> to memref<4x5xf32, strided<[7, 1], offset: 8>>
  return %p, %q, %r : memref<6x7xf32>, memref<8x12xf32>, memref<6x7xf32>
}
