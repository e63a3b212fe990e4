// RUN: quant-opt %s -split-input-file --pass-pipeline="builtin.module(func.func(quantc-fuse-producers-into-row-chunks))" | FileCheck %s

// A squeeze-and-excitation scale and requantize (NHWC, 3 x 4 pixels of 8
// channels), then a kernel whose iteration i prepares rows [4i, 4i + 4) of
// its [12, 8] collapse. The scale moves into the kernel: each chunk first
// computes its rows, a row split into h and w, a loop over the channels.
// The view and the allocation between the loops stay before the kernel.
// CHECK-LABEL: func.func @scale_then_rows
// CHECK: %[[ROWS:.*]] = memref.collapse_shape
// CHECK: memref.alloc() : memref<12xi32>
// CHECK: scf.parallel (%[[CHUNK:.*]]) = (%c0) to (%c3) step (%c1) {
// CHECK:   %[[FIRST:.*]] = arith.muli %[[CHUNK]], %c4
// CHECK:   %[[NEXT:.*]] = arith.addi %[[FIRST]], %c4
// CHECK:   %[[END:.*]] = arith.minsi %[[NEXT]], %c12
// CHECK:   scf.for %[[P:.*]] = %[[FIRST]] to %[[END]] step %c1
// CHECK:     %[[W:.*]] = arith.remui %[[P]], %c4
// CHECK:     %[[H:.*]] = arith.divui %[[P]], %c4
// CHECK:     scf.for %[[C:.*]] = %c0{{.*}} to %c8{{.*}} step %c1
// CHECK:       memref.load %{{.*}}[%c0, %[[H]], %[[W]], %[[C]]] : memref<1x3x4x8xf32>
// CHECK:       arith.mulf
// CHECK:       memref.store %{{.*}}, %{{.*}}[%c0, %[[H]], %[[W]], %[[C]]] : memref<1x3x4x8xi8>
// CHECK:   scf.for %[[R:.*]] = %{{.*}} to %{{.*}} step %c1
// CHECK:     vector.transfer_read %[[ROWS]][%[[R]], %c0]
// CHECK-NOT: scf.parallel
func.func @scale_then_rows(%x: memref<1x3x4x8xf32>, %scale: memref<8xf32>, %out: memref<12xi32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %c12 = arith.constant 12 : index
  %zero = arith.constant 0 : i8
  %q = memref.alloc() : memref<1x3x4x8xi8>
  scf.parallel (%h, %w, %c) = (%c0, %c0, %c0) to (%c3, %c4, %c8) step (%c1, %c1, %c1) {
    %v = memref.load %x[%c0, %h, %w, %c] : memref<1x3x4x8xf32>
    %s = memref.load %scale[%c] : memref<8xf32>
    %p = arith.mulf %v, %s : f32
    %i = arith.fptosi %p : f32 to i8
    memref.store %i, %q[%c0, %h, %w, %c] : memref<1x3x4x8xi8>
    scf.reduce
  }
  %rows = memref.collapse_shape %q [[0, 1, 2], [3]] : memref<1x3x4x8xi8> into memref<12x8xi8>
  %sums = memref.alloc() : memref<12xi32>
  scf.parallel (%chunk) = (%c0) to (%c3) step (%c1) {
    %first = arith.muli %chunk, %c4 : index
    %next = arith.addi %first, %c4 : index
    %end = arith.minsi %next, %c12 : index
    scf.for %r = %first to %end step %c1 {
      %row = vector.transfer_read %rows[%r, %c0], %zero : memref<12x8xi8>, vector<8xi8>
      %wide = arith.extsi %row : vector<8xi8> to vector<8xi32>
      %sum = vector.reduction <add>, %wide : vector<8xi32> into i32
      memref.store %sum, %sums[%r] : memref<12xi32>
    }
    scf.reduce
  }
  memref.copy %sums, %out : memref<12xi32> to memref<12xi32>
  memref.dealloc %sums : memref<12xi32>
  memref.dealloc %q : memref<1x3x4x8xi8>
  return
}

// -----

// Iteration i reads rows up to 4i + 8, which chunk i + 1 would compute:
// two loops.
// CHECK-LABEL: func.func @reads_next_chunk
// CHECK: scf.parallel
// CHECK: scf.parallel
func.func @reads_next_chunk(%x: memref<12x8xf32>, %out: memref<12xi8>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %c12 = arith.constant 12 : index
  %q = memref.alloc() : memref<1x12x8xi8>
  scf.parallel (%p, %c) = (%c0, %c0) to (%c12, %c8) step (%c1, %c1) {
    %v = memref.load %x[%p, %c] : memref<12x8xf32>
    %i = arith.fptosi %v : f32 to i8
    memref.store %i, %q[%c0, %p, %c] : memref<1x12x8xi8>
    scf.reduce
  }
  %rows = memref.collapse_shape %q [[0, 1], [2]] : memref<1x12x8xi8> into memref<12x8xi8>
  scf.parallel (%chunk) = (%c0) to (%c3) step (%c1) {
    %first = arith.muli %chunk, %c4 : index
    %next = arith.addi %first, %c8 : index
    %end = arith.minsi %next, %c12 : index
    scf.for %r = %first to %end step %c1 {
      %v = memref.load %rows[%r, %c0] : memref<12x8xi8>
      memref.store %v, %out[%r] : memref<12xi8>
    }
    scf.reduce
  }
  return
}

// -----

// The kernel writes the buffer the producer reads: moving the producer
// into it would read values of the wrong time. Two loops.
// CHECK-LABEL: func.func @kernel_writes_producer_input
// CHECK: scf.parallel
// CHECK: scf.parallel
func.func @kernel_writes_producer_input(%x: memref<12x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %c12 = arith.constant 12 : index
  %zero = arith.constant 0.0 : f32
  %q = memref.alloc() : memref<12x8xi8>
  scf.parallel (%p, %c) = (%c0, %c0) to (%c12, %c8) step (%c1, %c1) {
    %v = memref.load %x[%p, %c] : memref<12x8xf32>
    %i = arith.fptosi %v : f32 to i8
    memref.store %i, %q[%p, %c] : memref<12x8xi8>
    scf.reduce
  }
  %rows = memref.collapse_shape %q [[0], [1]] : memref<12x8xi8> into memref<12x8xi8>
  scf.parallel (%chunk) = (%c0) to (%c3) step (%c1) {
    %first = arith.muli %chunk, %c4 : index
    %end = arith.addi %first, %c4 : index
    scf.for %r = %first to %end step %c1 {
      %v = memref.load %rows[%r, %c0] : memref<12x8xi8>
      memref.store %zero, %x[%r, %c0] : memref<12x8xf32>
    }
    scf.reduce
  }
  return
}
