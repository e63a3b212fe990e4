// RUN: quant-opt %s -split-input-file --pass-pipeline="builtin.module(func.func(quantc-plan-parallel-loops))" | FileCheck %s
// RUN: quant-opt %s -split-input-file --pass-pipeline="builtin.module(func.func(quantc-plan-parallel-loops{enable=false}))" | FileCheck %s --check-prefix=OFF
// RUN: quant-opt %s -split-input-file --pass-pipeline="builtin.module(func.func(quantc-plan-parallel-loops{min-work=1}))" | FileCheck %s --check-prefix=ALL

// 32 x 48 x 320 elements, two scalar ops each (vectorized by LLVM: an
// eighth), is worth a team: the outer dims up to 64 iterations (32 x 48)
// stay parallel, the innermost becomes an scf.for that still vectorizes.
// CHECK-LABEL: func.func @large
// CHECK: scf.parallel (%[[C:.*]], %[[H:.*]]) = (%c0, %c0) to (%c32, %c48) step (%c1, %c1) {
// CHECK:   scf.for %[[W:.*]] = %c0 to %c320 step %c1 {
// CHECK:     memref.load %arg0[%[[C]], %[[H]], %[[W]]]
// CHECK:     arith.addf
// CHECK:     memref.store
// CHECK:   }
// CHECK:   scf.reduce
// OFF-LABEL: func.func @large
// OFF-NOT: scf.parallel
// OFF: scf.for %[[C:.*]] = %c0 to %c32 step %c1 {
// OFF:   scf.for %[[H:.*]] = %c0 to %c48 step %c1 {
// OFF:     scf.for %[[W:.*]] = %c0 to %c320 step %c1 {
// OFF:       memref.load %arg0[%[[C]], %[[H]], %[[W]]]
func.func @large(%x: memref<32x48x320xf32>, %y: memref<32x48x320xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  %c48 = arith.constant 48 : index
  %c320 = arith.constant 320 : index
  scf.parallel (%c, %h, %w) = (%c0, %c0, %c0) to (%c32, %c48, %c320) step (%c1, %c1, %c1) {
    %v = memref.load %x[%c, %h, %w] : memref<32x48x320xf32>
    %s = arith.addf %v, %v : f32
    memref.store %s, %y[%c, %h, %w] : memref<32x48x320xf32>
    scf.reduce
  }
  return
}

// -----

// 8 x 64 elements: a team would cost more than the loop. Sequential, in the
// same order; with min-work=1 it stays parallel over its 8 rows (enough to
// share out), each row an scf.for that vectorizes, not one omp iteration
// per element.
// CHECK-LABEL: func.func @small
// CHECK-NOT: scf.parallel
// CHECK: scf.for %[[I:.*]] = %c0 to %c8 step %c1 {
// CHECK:   scf.for %[[J:.*]] = %c0 to %c64 step %c1 {
// CHECK:     memref.load %arg0[%[[I]], %[[J]]]
// ALL-LABEL: func.func @small
// ALL: scf.parallel (%[[I:.*]]) = (%c0) to (%c8) step (%c1) {
// ALL-NEXT: scf.for %[[J:.*]] = %c0 to %c64 step %c1 {
// ALL-NEXT: memref.load %arg0[%[[I]], %[[J]]]
func.func @small(%x: memref<8x64xf32>, %y: memref<8x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c64 = arith.constant 64 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c8, %c64) step (%c1, %c1) {
    %v = memref.load %x[%i, %j] : memref<8x64xf32>
    memref.store %v, %y[%i, %j] : memref<8x64xf32>
    scf.reduce
  }
  return
}

// -----

// One image row of 200000 elements: the outer dims give a single
// iteration, so the innermost dim goes in chunks of 256, each an scf.for
// (the last chunk ends at 200000).
// CHECK-LABEL: func.func @one_long_row
// CHECK: scf.parallel (%[[I:.*]], %[[CHUNK:.*]]) = (%c0, %c0{{.*}}) to (%c1, %c782) step (%c1, %c1{{.*}}) {
// CHECK:   %[[OFFSET:.*]] = arith.muli %[[CHUNK]], %c256
// CHECK:   %[[FIRST:.*]] = arith.addi %{{.*}}, %[[OFFSET]]
// CHECK:   %[[NEXT:.*]] = arith.addi %[[FIRST]], %c256
// CHECK:   %[[END:.*]] = arith.minsi %[[NEXT]], %c200000
// CHECK:   scf.for %[[J:.*]] = %[[FIRST]] to %[[END]] step %c1
// CHECK:     memref.load %arg0[%[[I]], %[[J]]]
func.func @one_long_row(%x: memref<1x200000xf32>, %y: memref<1x200000xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = arith.constant 200000 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c1, %n) step (%c1, %c1) {
    %v = memref.load %x[%i, %j] : memref<1x200000xf32>
    %s = arith.mulf %v, %v : f32
    %t = arith.addf %s, %v : f32
    memref.store %t, %y[%i, %j] : memref<1x200000xf32>
    scf.reduce
  }
  return
}

// -----

// 2 x 96 elements with min-work=1: two rows are too few to share out, so
// the innermost dim is cut in chunks of 32 (it is shorter than 512), each
// an scf.for.
// ALL-LABEL: func.func @short_rows
// ALL: scf.parallel (%[[I:.*]], %[[CHUNK:.*]]) = (%c0, %c0{{.*}}) to (%c2, %c3) step (%c1, %c1{{.*}}) {
// ALL:   %[[OFFSET:.*]] = arith.muli %[[CHUNK]], %c32
// ALL:   scf.for %[[J:.*]] = %{{.*}} to %{{.*}} step %c1
// ALL:     memref.load %arg0[%[[I]], %[[J]]]
func.func @short_rows(%x: memref<2x96xf32>, %y: memref<2x96xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c96 = arith.constant 96 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c2, %c96) step (%c1, %c1) {
    %v = memref.load %x[%i, %j] : memref<2x96xf32>
    memref.store %v, %y[%i, %j] : memref<2x96xf32>
    scf.reduce
  }
  return
}

// -----

// A team runs the outermost loop only: a parallel loop nested in a kept one
// becomes sequential (its iterations stay in one thread's iteration).
// CHECK-LABEL: func.func @nested
// CHECK: scf.parallel (%[[T:.*]]) = (%c0) to (%c64) step (%c1) {
// CHECK-NOT: scf.parallel
// CHECK:   scf.for %[[R:.*]] = %c0 to %c512 step %c1 {
// CHECK:     vector.load %arg0[%[[T]], %[[R]], %c0]
func.func @nested(%x: memref<64x512x16xf32>, %y: memref<64x512x16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %c512 = arith.constant 512 : index
  scf.parallel (%t) = (%c0) to (%c64) step (%c1) {
    scf.parallel (%r) = (%c0) to (%c512) step (%c1) {
      %v = vector.load %x[%t, %r, %c0] : memref<64x512x16xf32>, vector<16xf32>
      %s = arith.addf %v, %v : vector<16xf32>
      vector.store %s, %y[%t, %r, %c0] : memref<64x512x16xf32>, vector<16xf32>
      scf.reduce
    }
    scf.reduce
  }
  return
}

// -----

// A loop with a reduction result is left to convert-scf-to-openmp whole.
// CHECK-LABEL: func.func @reduction
// CHECK: scf.parallel {{.*}} init
// CHECK: scf.reduce
func.func @reduction(%x: memref<4096xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = arith.constant 4096 : index
  %zero = arith.constant 0.0 : f32
  %sum = scf.parallel (%i) = (%c0) to (%n) step (%c1) init (%zero) -> f32 {
    %v = memref.load %x[%i] : memref<4096xf32>
    scf.reduce(%v : f32) {
    ^bb0(%a: f32, %b: f32):
      %r = arith.addf %a, %b : f32
      scf.reduce.return %r : f32
    }
  }
  return %sum : f32
}

// -----

// A squeeze-and-excitation block's fully connected layer: 6 tiles of 16
// lanes over a vector of 24 words (96 bytes other layers wrote), worth a
// team on its own (min-work), but next to a sequential stretch (the
// pool's mean before it) it joins that stretch and saves the barrier it
// would add (with any min-work). The product after it reads 36 KB: it
// stays parallel.
// CHECK-LABEL: func.func @joins_stretch
// CHECK: scf.for %{{.*}} = %c0 to %c8 step %c1 {
// CHECK-NOT: scf.parallel
// CHECK: scf.for %[[T:.*]] = %c0 to %c6 step %c1 {
// CHECK: vector.load %{{.*}}[%[[T]]
// CHECK: scf.parallel (%{{.*}}, %{{.*}}) = (%c0, %c0) to (%c12, %c96) step (%c1, %c1) {
// ALL-LABEL: func.func @joins_stretch
// ALL-NOT: scf.parallel (%{{.*}}) = (%c0) to (%c6)
// ALL: scf.for %{{.*}} = %c0 to %c6 step %c1 {
memref.global "private" constant @weights : memref<6x24x16xi32> = dense<1>
func.func @joins_stretch(%mean: memref<8xf32>, %x: memref<1x24xi32>, %fc: memref<96xi32>,
                         %y: memref<12x96x8xf32>) {
  %weights = memref.get_global @weights : memref<6x24x16xi32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c6 = arith.constant 6 : index
  %c8 = arith.constant 8 : index
  %c12 = arith.constant 12 : index
  %c16 = arith.constant 16 : index
  %c24 = arith.constant 24 : index
  %c96 = arith.constant 96 : index
  %zero = arith.constant dense<0> : vector<16xi32>
  %scale = arith.constant 0.5 : f32
  scf.for %c = %c0 to %c8 step %c1 {
    %m = memref.load %mean[%c] : memref<8xf32>
    %s = arith.mulf %m, %scale : f32
    memref.store %s, %mean[%c] : memref<8xf32>
  }
  scf.parallel (%t) = (%c0) to (%c6) step (%c1) {
    %sum = scf.for %k = %c0 to %c24 step %c1 iter_args(%acc = %zero) -> vector<16xi32> {
      %w = vector.load %weights[%t, %k, %c0] : memref<6x24x16xi32>, vector<16xi32>
      %a = memref.load %x[%c0, %k] : memref<1x24xi32>
      %b = vector.broadcast %a : i32 to vector<16xi32>
      %p = arith.muli %w, %b : vector<16xi32>
      %q = arith.addi %acc, %p : vector<16xi32>
      %r = arith.addi %q, %p : vector<16xi32>
      %u = arith.addi %r, %p : vector<16xi32>
      %v = arith.addi %u, %p : vector<16xi32>
      %z = arith.addi %v, %p : vector<16xi32>
      scf.yield %z : vector<16xi32>
    }
    %o = arith.muli %t, %c16 : index
    vector.store %sum, %fc[%o] : memref<96xi32>, vector<16xi32>
    scf.reduce
  }
  scf.parallel (%r, %p, %c) = (%c0, %c0, %c0) to (%c12, %c96, %c8) step (%c1, %c1, %c1) {
    %v = memref.load %y[%r, %p, %c] : memref<12x96x8xf32>
    %m = memref.load %mean[%c] : memref<8xf32>
    %s = arith.mulf %v, %m : f32
    memref.store %s, %y[%r, %p, %c] : memref<12x96x8xf32>
    scf.reduce
  }
  return
}

// -----

// A padded copy's rows (convert-padded-copies-to-loops) read the image
// through row views made inside the loop: those read the image, 72 KB that
// another layer may have written, so the small loop stays parallel next to
// a sequential op.
// CHECK-LABEL: func.func @reads_through_views
// CHECK: scf.for %{{.*}} = %c0 to %c8 step %c1 {
// CHECK: scf.parallel (%{{.*}}, %{{.*}}) = (%c0, %c0) to (%c3, %c24) step (%c1, %c1) {
func.func @reads_through_views(%mean: memref<8xf32>, %x: memref<3x24x256xf32>, %p: memref<3x24x256xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c8 = arith.constant 8 : index
  %c24 = arith.constant 24 : index
  %c256 = arith.constant 256 : index
  %scale = arith.constant 0.5 : f32
  scf.for %c = %c0 to %c8 step %c1 {
    %m = memref.load %mean[%c] : memref<8xf32>
    %s = arith.mulf %m, %scale : f32
    memref.store %s, %mean[%c] : memref<8xf32>
  }
  scf.parallel (%c, %y) = (%c0, %c0) to (%c3, %c24) step (%c1, %c1) {
    %in = memref.subview %x[%c, %y, 0] [1, 1, 256] [1, 1, 1] : memref<3x24x256xf32> to memref<256xf32, strided<[1], offset: ?>>
    %out = memref.subview %p[%c, %y, 0] [1, 1, 256] [1, 1, 1] : memref<3x24x256xf32> to memref<256xf32, strided<[1], offset: ?>>
    scf.for %i = %c0 to %c256 step %c1 {
      %v = memref.load %in[%i] : memref<256xf32, strided<[1], offset: ?>>
      memref.store %v, %out[%i] : memref<256xf32, strided<[1], offset: ?>>
    }
    scf.reduce
  }
  return
}

// -----

// A stack buffer in the body (the matmul microkernel's im2col panel) is
// freed after each parallel iteration; as scf.for iterations (no OpenMP
// here) the body keeps that in a memref.alloca_scope, so the stack does
// not grow with the trips.
// OFF-LABEL: func.func @stack_panel
// OFF: scf.for %[[B:.*]] = %c0 to %c64 step %c1 {
// OFF-NEXT:   memref.alloca_scope {
// OFF-NEXT:     %[[PANEL:.*]] = memref.alloca() : memref<72x32xf32>
// OFF:          memref.store {{.*}}, %[[PANEL]]
// OFF:        }
// OFF-NEXT: }
func.func @stack_panel(%out: memref<64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %one = arith.constant 1.0 : f32
  scf.parallel (%b) = (%c0) to (%c64) step (%c1) {
    %panel = memref.alloca() : memref<72x32xf32>
    memref.store %one, %panel[%c0, %c0] : memref<72x32xf32>
    %v = memref.load %panel[%c0, %c0] : memref<72x32xf32>
    memref.store %v, %out[%b] : memref<64xf32>
    scf.reduce
  }
  return
}
