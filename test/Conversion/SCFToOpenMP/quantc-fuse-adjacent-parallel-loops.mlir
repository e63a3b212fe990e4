// RUN: quant-opt %s -split-input-file --pass-pipeline="builtin.module(func.func(quantc-fuse-adjacent-parallel-loops))" | FileCheck %s

// A residual add whose float sum another layer reads too, then its
// quantize: views of the scratch arena at disjoint offsets. The quantize
// reads the element the add wrote at the same iteration: one loop, the
// add's body first. The view between the loops moves before it.
// CHECK-LABEL: func.func @add_then_quantize
// CHECK: %[[SUM:.*]] = memref.view %arg0[%c0]
// CHECK: %[[Q:.*]] = memref.view %arg0[%c64]
// CHECK: scf.parallel (%[[I:.*]], %[[J:.*]]) = (%c0, %c0) to (%c2, %c8) step (%c1, %c1) {
// CHECK:   arith.addf
// CHECK:   memref.store %{{.*}}, %[[SUM]][%c0, %[[I]], %[[J]]]
// CHECK:   %[[V:.*]] = memref.load %[[SUM]][%c0, %[[I]], %[[J]]]
// CHECK:   arith.fptosi
// CHECK:   memref.store %{{.*}}, %[[Q]][%c0, %[[I]], %[[J]]]
// CHECK:   scf.reduce
// CHECK-NOT: scf.parallel
func.func @add_then_quantize(%arena: memref<256xi8>, %a: memref<1x2x8xf32>, %b: memref<1x2x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c8 = arith.constant 8 : index
  %sum = memref.view %arena[%c0][] : memref<256xi8> to memref<1x2x8xf32>
  scf.parallel (%i, %j) = (%c0, %c0) to (%c2, %c8) step (%c1, %c1) {
    %x = memref.load %a[%c0, %i, %j] : memref<1x2x8xf32>
    %y = memref.load %b[%c0, %i, %j] : memref<1x2x8xf32>
    %s = arith.addf %x, %y : f32
    memref.store %s, %sum[%c0, %i, %j] : memref<1x2x8xf32>
    scf.reduce
  }
  %c64 = arith.constant 64 : index
  %q = memref.view %arena[%c64][] : memref<256xi8> to memref<1x2x8xi8>
  scf.parallel (%i, %j) = (%c0, %c0) to (%c2, %c8) step (%c1, %c1) {
    %v = memref.load %sum[%c0, %i, %j] : memref<1x2x8xf32>
    %r = arith.fptosi %v : f32 to i8
    memref.store %r, %q[%c0, %i, %j] : memref<1x2x8xi8>
    scf.reduce
  }
  return
}

// -----

// The second loop reads the neighbouring element, which another iteration
// of the first writes: they stay two loops.
// CHECK-LABEL: func.func @neighbour
// CHECK: scf.parallel
// CHECK: scf.parallel
func.func @neighbour(%s: memref<9xf32>, %y: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %one = arith.constant 1.0 : f32
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    memref.store %one, %s[%i] : memref<9xf32>
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    %n = arith.addi %i, %c1 : index
    %v = memref.load %s[%n] : memref<9xf32>
    memref.store %v, %y[%i] : memref<8xf32>
    scf.reduce
  }
  return
}

// -----

// The second loop writes arena bytes the first reads through another view
// at an overlapping offset: two loops.
// CHECK-LABEL: func.func @overlapping_views
// CHECK: scf.parallel
// CHECK: scf.parallel
func.func @overlapping_views(%arena: memref<256xi8>, %y: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %a = memref.view %arena[%c0][] : memref<256xi8> to memref<8xf32>
  %b = memref.view %arena[%c16][] : memref<256xi8> to memref<8xf32>
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    %v = memref.load %a[%i] : memref<8xf32>
    memref.store %v, %y[%i] : memref<8xf32>
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    %w = memref.load %y[%i] : memref<8xf32>
    memref.store %w, %b[%i] : memref<8xf32>
    scf.reduce
  }
  return
}

// -----

// Different iterations, or a sequential op in between: two loops.
// CHECK-LABEL: func.func @apart
// CHECK: scf.parallel (%{{.*}}) = (%c0) to (%c8)
// CHECK: scf.parallel (%{{.*}}) = (%c0) to (%c4)
// CHECK: memref.store
// CHECK: scf.parallel (%{{.*}}) = (%c0) to (%c4)
func.func @apart(%x: memref<8xf32>, %y: memref<8xf32>, %z: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %one = arith.constant 1.0 : f32
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    memref.store %one, %x[%i] : memref<8xf32>
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    memref.store %one, %y[%i] : memref<8xf32>
    scf.reduce
  }
  memref.store %one, %z[%c0] : memref<8xf32>
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    %v = memref.load %y[%i] : memref<8xf32>
    memref.store %v, %z[%i] : memref<8xf32>
    scf.reduce
  }
  return
}

// -----

// Before the scratch arena, buffers are allocations: one between the loops
// moves before the first, a deallocation (of neither loop's buffers) after
// the fused loop.
// CHECK-LABEL: func.func @allocations_between
// CHECK: %[[Q:.*]] = memref.alloc() : memref<8xi8>
// CHECK: scf.parallel
// CHECK:   memref.store %{{.*}}, %[[Q]]
// CHECK: memref.dealloc %arg2
// CHECK-NOT: scf.parallel
func.func @allocations_between(%s: memref<8xf32>, %y: memref<8xi8>, %old: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %one = arith.constant 1.0 : f32
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    memref.store %one, %s[%i] : memref<8xf32>
    scf.reduce
  }
  memref.dealloc %old : memref<4xf32>
  %q = memref.alloc() : memref<8xi8>
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    %v = memref.load %s[%i] : memref<8xf32>
    %r = arith.fptosi %v : f32 to i8
    memref.store %r, %q[%i] : memref<8xi8>
    scf.reduce
  }
  memref.copy %q, %y : memref<8xi8> to memref<8xi8>
  return
}

// -----

// A depthwise conv writing whole channel planes (rows and vectors of
// columns in inner loops), then the global pool summing each plane: every
// access pins the channel to the loops' one dim, so an iteration owns its
// plane and the pool runs right after the conv in it.
// CHECK-LABEL: func.func @plane_then_pool
// CHECK: scf.parallel (%[[C:.*]]) = (%c0) to (%c8) step (%c1) {
// CHECK:   vector.store %{{.*}}, %{{.*}}[%c0, %[[C]], %{{.*}}, %{{.*}}]
// CHECK:   vector.load %{{.*}}[%c0, %[[C]], %{{.*}}, %{{.*}}]
// CHECK:   memref.store %{{.*}}, %{{.*}}[%c0, %[[C]], %c0, %c0]
// CHECK:   scf.reduce
// CHECK-NOT: scf.parallel
func.func @plane_then_pool(%x: memref<1x8x4x16xf32>, %pooled: memref<1x8x1x1xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %cst = arith.constant dense<0.0> : vector<16xf32>
  %plane = memref.alloc() : memref<1x8x4x16xf32>
  scf.parallel (%c) = (%c0) to (%c8) step (%c1) {
    scf.for %y = %c0 to %c4 step %c1 {
      %v = vector.load %x[%c0, %c, %y, %c0] : memref<1x8x4x16xf32>, vector<16xf32>
      %r = arith.maximumf %v, %cst : vector<16xf32>
      vector.store %r, %plane[%c0, %c, %y, %c0] : memref<1x8x4x16xf32>, vector<16xf32>
    }
    scf.reduce
  }
  scf.parallel (%c) = (%c0) to (%c8) step (%c1) {
    %sum = scf.for %y = %c0 to %c4 step %c1 iter_args(%acc = %cst) -> (vector<16xf32>) {
      %v = vector.load %plane[%c0, %c, %y, %c0] : memref<1x8x4x16xf32>, vector<16xf32>
      %a = arith.addf %acc, %v : vector<16xf32>
      scf.yield %a : vector<16xf32>
    }
    %s = vector.reduction <add>, %sum : vector<16xf32> into f32
    memref.store %s, %pooled[%c0, %c, %c0, %c0] : memref<1x8x1x1xf32>
    scf.reduce
  }
  memref.dealloc %plane : memref<1x8x4x16xf32>
  return
}

// -----

// Slices must pin every dim of the loops, away from the dim a vector runs
// along: a second loop reading another channel's plane, one whose channel
// index is the vector's, and a two-dim loop whose second reads pin only
// the first dim stay apart, as does a pair whose 2-D vectors run along the
// pinned position (a load between the pairs keeps each pair to itself).
// CHECK-LABEL: func.func @slices_not_owned
// CHECK-COUNT-8: scf.parallel
func.func @slices_not_owned(%x: memref<8x16xf32>, %y: memref<8x16xf32>, %z: memref<8x4x16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c7 = arith.constant 7 : index
  %c8 = arith.constant 8 : index
  %cst = arith.constant dense<0.0> : vector<16xf32>
  %cst4 = arith.constant dense<0.0> : vector<4xf32>
  %a = memref.alloc() : memref<8x16xf32>
  scf.parallel (%c) = (%c0) to (%c8) step (%c1) {
    vector.store %cst, %a[%c, %c0] : memref<8x16xf32>, vector<16xf32>
    scf.reduce
  }
  scf.parallel (%c) = (%c0) to (%c8) step (%c1) {
    %n = arith.subi %c7, %c : index
    %v = vector.load %a[%n, %c0] : memref<8x16xf32>, vector<16xf32>
    vector.store %v, %x[%c, %c0] : memref<8x16xf32>, vector<16xf32>
    scf.reduce
  }
  %s0 = memref.load %x[%c0, %c0] : memref<8x16xf32>
  %b = memref.alloc() : memref<8x16xf32>
  scf.parallel (%c) = (%c0) to (%c8) step (%c1) {
    vector.store %cst4, %b[%c0, %c] : memref<8x16xf32>, vector<4xf32>
    scf.reduce
  }
  scf.parallel (%c) = (%c0) to (%c8) step (%c1) {
    %v = vector.load %b[%c0, %c] : memref<8x16xf32>, vector<4xf32>
    vector.store %v, %y[%c, %c0] : memref<8x16xf32>, vector<4xf32>
    scf.reduce
  }
  %s1 = memref.load %y[%c0, %c0] : memref<8x16xf32>
  %d = memref.alloc() : memref<8x4x16xf32>
  scf.parallel (%c, %r) = (%c0, %c0) to (%c8, %c4) step (%c1, %c1) {
    vector.store %cst, %d[%c, %r, %c0] : memref<8x4x16xf32>, vector<16xf32>
    scf.reduce
  }
  scf.parallel (%c, %r) = (%c0, %c0) to (%c8, %c4) step (%c1, %c1) {
    scf.for %k = %c0 to %c4 step %c1 {
      %v = vector.load %d[%c, %k, %c0] : memref<8x4x16xf32>, vector<16xf32>
      vector.store %v, %z[%c, %r, %c0] : memref<8x4x16xf32>, vector<16xf32>
    }
    scf.reduce
  }
  %s2 = memref.load %z[%c0, %c0, %c0] : memref<8x4x16xf32>
  %e = memref.alloc() : memref<8x4x16xf32>
  %cst2 = arith.constant dense<0.0> : vector<2x16xf32>
  %c3 = arith.constant 3 : index
  scf.parallel (%r) = (%c0) to (%c3) step (%c1) {
    vector.store %cst2, %e[%c0, %r, %c0] : memref<8x4x16xf32>, vector<2x16xf32>
    scf.reduce
  }
  scf.parallel (%r) = (%c0) to (%c3) step (%c1) {
    %v = vector.load %e[%c0, %r, %c0] : memref<8x4x16xf32>, vector<2x16xf32>
    vector.store %v, %z[%c1, %r, %c0] : memref<8x4x16xf32>, vector<2x16xf32>
    scf.reduce
  }
  memref.dealloc %a : memref<8x16xf32>
  memref.dealloc %b : memref<8x16xf32>
  memref.dealloc %d : memref<8x4x16xf32>
  memref.dealloc %e : memref<8x4x16xf32>
  return
}
