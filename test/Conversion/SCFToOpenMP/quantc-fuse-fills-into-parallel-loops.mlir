// RUN: quant-opt %s -split-input-file --pass-pipeline="builtin.module(func.func(quantc-fuse-fills-into-parallel-loops))" | FileCheck %s

// A GlobalAveragePool's row sums: each of the 12 iterations owns row %r of
// the accumulator, so it zeroes that row (its 8 channels) first, and the
// fill's own nest is gone.
// CHECK-LABEL: func.func @row_sums
// CHECK-NOT: scf.parallel (%{{.*}}, %{{.*}}) = (%c0, %c0) to (%c12, %c8)
// CHECK: scf.parallel (%[[R:.*]]) = (%c0) to (%c12) step (%c1) {
// CHECK-NEXT: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT: %[[C0:.*]] = arith.constant 0 : index
// CHECK:      scf.for %[[C:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK-NEXT:   memref.store %[[ZERO]], %arg1[%[[C0]], %[[R]], %{{.*}}, %[[C]]]
// CHECK-NEXT: }
// CHECK-NEXT: scf.for %[[P:.*]] = %c0 to %c96 step %c1 {
// CHECK:        memref.load %arg0[%c0, %[[R]], %[[P]],
func.func @row_sums(%x: memref<1x12x96x8xf32>, %acc: memref<1x12x1x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c12 = arith.constant 12 : index
  %c96 = arith.constant 96 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%r, %c) = (%c0, %c0) to (%c12, %c8) step (%c1, %c1) {
    memref.store %zero, %acc[%c0, %r, %c0, %c] : memref<1x12x1x8xf32>
    scf.reduce
  }
  scf.parallel (%r) = (%c0) to (%c12) step (%c1) {
    scf.for %p = %c0 to %c96 step %c1 {
      scf.for %c = %c0 to %c8 step %c1 {
        %v = memref.load %x[%c0, %r, %p, %c] : memref<1x12x96x8xf32>
        %s = memref.load %acc[%c0, %r, %c0, %c] : memref<1x12x1x8xf32>
        %t = arith.addf %s, %v : f32
        memref.store %t, %acc[%c0, %r, %c0, %c] : memref<1x12x1x8xf32>
      }
    }
    scf.reduce
  }
  return
}

// -----

// A MaxPool's fill of -inf as a nest of an scf.parallel and an scf.for,
// into a loop over the 200 channels.
// CHECK-LABEL: func.func @window_maxima
// CHECK: scf.parallel (%[[CH:.*]]) = (%c0) to (%c200) step (%c1) {
// CHECK-NEXT: arith.constant 0xFF800000 : f32
// CHECK:      scf.for
// CHECK-NEXT:   memref.store %{{.*}}, %arg1[%{{.*}}, %[[CH]], %{{.*}}, %{{.*}}]
// CHECK-NOT: scf.parallel
func.func @window_maxima(%x: memref<1x200x2x96xf32>, %y: memref<1x200x1x48xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c48 = arith.constant 48 : index
  %c200 = arith.constant 200 : index
  %low = arith.constant 0xFF800000 : f32
  scf.parallel (%ch) = (%c0) to (%c200) step (%c1) {
    scf.for %w = %c0 to %c48 step %c1 {
      memref.store %low, %y[%c0, %ch, %c0, %w] : memref<1x200x1x48xf32>
    }
    scf.reduce
  }
  scf.parallel (%ch) = (%c0) to (%c200) step (%c1) {
    scf.for %h = %c0 to %c2 step %c1 {
      scf.for %w = %c0 to %c48 step %c1 {
        %w2 = arith.muli %w, %c2 : index
        %v = memref.load %x[%c0, %ch, %h, %w2] : memref<1x200x2x96xf32>
        %m = memref.load %y[%c0, %ch, %c0, %w] : memref<1x200x1x48xf32>
        %n = arith.maximumf %m, %v : f32
        memref.store %n, %y[%c0, %ch, %c0, %w] : memref<1x200x1x48xf32>
      }
    }
    scf.reduce
  }
  return
}

// -----

// The loop reads row %r + 1 of the accumulator as well: rows are not owned
// by one iteration, so the fill stays a nest of its own.
// CHECK-LABEL: func.func @neighbour_rows
// CHECK: scf.parallel (%{{.*}}) = (%c0) to (%c12) step (%c1) {
// CHECK-NEXT: memref.store %cst
// CHECK: scf.parallel (%{{.*}}) = (%c0) to (%c11) step (%c1) {
func.func @neighbour_rows(%acc: memref<12xf32>, %y: memref<11xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c11 = arith.constant 11 : index
  %c12 = arith.constant 12 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%r) = (%c0) to (%c12) step (%c1) {
    memref.store %zero, %acc[%r] : memref<12xf32>
    scf.reduce
  }
  scf.parallel (%r) = (%c0) to (%c11) step (%c1) {
    %next = arith.addi %r, %c1 : index
    %a = memref.load %acc[%r] : memref<12xf32>
    %b = memref.load %acc[%next] : memref<12xf32>
    %s = arith.addf %a, %b : f32
    memref.store %s, %y[%r] : memref<11xf32>
    scf.reduce
  }
  return
}

// -----

// A store to another view of the same bytes comes between: the fill stays.
// CHECK-LABEL: func.func @written_between
// CHECK: scf.parallel (%{{.*}}) = (%c0) to (%c8) step (%c1) {
// CHECK-NEXT: memref.store %cst, %[[A:.*]][
// CHECK: memref.store %cst_0
// CHECK: scf.parallel
func.func @written_between(%arena: memref<64xi8>, %y: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %acc = memref.view %arena[%c0][] : memref<64xi8> to memref<8xf32>
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    memref.store %zero, %acc[%i] : memref<8xf32>
    scf.reduce
  }
  %alias = memref.view %arena[%c0][] : memref<64xi8> to memref<8xf32>
  memref.store %one, %alias[%c0] : memref<8xf32>
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    %a = memref.load %acc[%i] : memref<8xf32>
    memref.store %a, %y[%i] : memref<8xf32>
    scf.reduce
  }
  return
}

// -----

// The loop reads the accumulator's bytes through a second view as well:
// those accesses are not checked, so the fill stays. A view of other bytes
// of the same arena does not stop it.
// CHECK-LABEL: func.func @second_view
// CHECK: scf.parallel (%{{.*}}) = (%c0) to (%c8) step (%c1) {
// CHECK-NEXT: memref.store %cst
// CHECK-LABEL: func.func @other_bytes
// CHECK-NOT: scf.parallel (%{{.*}}) = (%c0) to (%c8) step (%c1) {{{$}}
// CHECK: scf.parallel (%[[I:.*]]) = (%c0) to (%c8) step (%c1) {
// CHECK-NEXT: arith.constant 0.0
// CHECK-NEXT: memref.store %{{.*}}, %{{.*}}[%[[I]]]
func.func @second_view(%arena: memref<64xi8>, %y: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f32
  %acc = memref.view %arena[%c0][] : memref<64xi8> to memref<8xf32>
  %alias = memref.view %arena[%c0][] : memref<64xi8> to memref<8xf32>
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    memref.store %zero, %acc[%i] : memref<8xf32>
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    %a = memref.load %alias[%c0] : memref<8xf32>
    %b = memref.load %acc[%i] : memref<8xf32>
    %s = arith.addf %a, %b : f32
    memref.store %s, %acc[%i] : memref<8xf32>
    scf.reduce
  }
  return
}
func.func @other_bytes(%arena: memref<64xi8>, %y: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c32 = arith.constant 32 : index
  %zero = arith.constant 0.0 : f32
  %acc = memref.view %arena[%c0][] : memref<64xi8> to memref<8xf32>
  %other = memref.view %arena[%c32][] : memref<64xi8> to memref<8xf32>
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    memref.store %zero, %acc[%i] : memref<8xf32>
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    %a = memref.load %other[%i] : memref<8xf32>
    %b = memref.load %acc[%i] : memref<8xf32>
    %s = arith.addf %a, %b : f32
    memref.store %s, %acc[%i] : memref<8xf32>
    scf.reduce
  }
  return
}

// -----

// Before the scratch arena: allocating and freeing other buffers between
// the fill and the loop reads nothing, so the fill still moves in.
// CHECK-LABEL: func.func @allocations_between
// CHECK: memref.alloc() : memref<4xf32>
// CHECK: memref.dealloc %arg2
// CHECK: scf.parallel (%[[R:.*]]) = (%c0) to (%c12) step (%c1) {
// CHECK:   memref.store %{{.*}}, %arg1[%[[R]]]
// CHECK-NOT: scf.parallel
func.func @allocations_between(%x: memref<12x8xf32>, %acc: memref<12xf32>, %old: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c12 = arith.constant 12 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%r) = (%c0) to (%c12) step (%c1) {
    memref.store %zero, %acc[%r] : memref<12xf32>
    scf.reduce
  }
  %other = memref.alloc() : memref<4xf32>
  memref.dealloc %old : memref<4xf32>
  scf.parallel (%r) = (%c0) to (%c12) step (%c1) {
    scf.for %c = %c0 to %c8 step %c1 {
      %v = memref.load %x[%r, %c] : memref<12x8xf32>
      %s = memref.load %acc[%r] : memref<12xf32>
      %t = arith.addf %s, %v : f32
      memref.store %t, %acc[%r] : memref<12xf32>
    }
    scf.reduce
  }
  memref.dealloc %other : memref<4xf32>
  return
}
