// RUN: quant-opt %s -split-input-file --pass-pipeline="builtin.module(func.func(quantc-scratch-arena))" | FileCheck %s

// %a dies (its last use, the copy) before %b is allocated: %b reuses its
// bytes at offset 0. %c is live beside %b and gets the next 64-byte slot.
// The 4 KiB buffers' deallocs go; the arena is freed before the return.
// CHECK-LABEL: func.func @reuse
// CHECK-SAME: attributes {quantc.scratch_bytes = 8192 : i64}
// CHECK: %[[ARENA:.*]] = memref.alloc() {alignment = 64 : i64} : memref<8192xi8>
// CHECK: %[[A:.*]] = memref.view %[[ARENA]][%c0{{.*}}][] : memref<8192xi8> to memref<1024xf32>
// CHECK: linalg.copy ins(%[[A]]
// CHECK: %[[B:.*]] = memref.view %[[ARENA]][%c0{{.*}}][] : memref<8192xi8> to memref<1024xf32>
// CHECK: %[[C:.*]] = memref.view %[[ARENA]][%c4096{{.*}}][] : memref<8192xi8> to memref<1024xf32>
// CHECK-NOT: memref.dealloc %[[A]]
// CHECK-NOT: memref.dealloc %[[B]]
// CHECK: memref.dealloc %[[ARENA]] : memref<8192xi8>
// CHECK-NEXT: return
func.func @reuse(%x: memref<1024xf32>, %out: memref<1024xf32>, %v: f32) {
  %a = memref.alloc() {alignment = 64 : i64} : memref<1024xf32>
  linalg.fill ins(%v : f32) outs(%a : memref<1024xf32>)
  linalg.copy ins(%a : memref<1024xf32>) outs(%out : memref<1024xf32>)
  %b = memref.alloc() {alignment = 64 : i64} : memref<1024xf32>
  %c = memref.alloc() {alignment = 64 : i64} : memref<1024xf32>
  linalg.copy ins(%x : memref<1024xf32>) outs(%b : memref<1024xf32>)
  linalg.copy ins(%b : memref<1024xf32>) outs(%c : memref<1024xf32>)
  linalg.copy ins(%c : memref<1024xf32>) outs(%out : memref<1024xf32>)
  memref.dealloc %a : memref<1024xf32>
  memref.dealloc %b : memref<1024xf32>
  memref.dealloc %c : memref<1024xf32>
  return
}

// -----

// A view keeps its buffer alive, and a use inside a loop counts at the
// loop: %a (read through a collapse_shape in the loop) is live while %b is
// written, so they do not share. 2 x 8 x 8 floats = 512 bytes each.
// CHECK-LABEL: func.func @views_and_loops
// CHECK-SAME: quantc.scratch_bytes = 1024
// CHECK: memref.view %{{.*}}[%c0{{.*}}][] : memref<1024xi8> to memref<2x8x8xf32>
// CHECK: memref.view %{{.*}}[%c512{{.*}}][] : memref<1024xi8> to memref<2x8x8xf32>
func.func @views_and_loops(%out: memref<128xf32>, %v: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  %a = memref.alloc() {alignment = 64 : i64} : memref<2x8x8xf32>
  linalg.fill ins(%v : f32) outs(%a : memref<2x8x8xf32>)
  %flat = memref.collapse_shape %a [[0, 1, 2]] : memref<2x8x8xf32> into memref<128xf32>
  %b = memref.alloc() {alignment = 64 : i64} : memref<2x8x8xf32>
  linalg.fill ins(%v : f32) outs(%b : memref<2x8x8xf32>)
  %bflat = memref.collapse_shape %b [[0, 1, 2]] : memref<2x8x8xf32> into memref<128xf32>
  scf.for %i = %c0 to %c128 step %c1 {
    %x = memref.load %flat[%i] : memref<128xf32>
    %y = memref.load %bflat[%i] : memref<128xf32>
    %s = arith.addf %x, %y : f32
    memref.store %s, %out[%i] : memref<128xf32>
  }
  memref.dealloc %a : memref<2x8x8xf32>
  memref.dealloc %b : memref<2x8x8xf32>
  return
}

// -----

// A returned buffer and a dynamically shaped one keep their allocations;
// with nothing else to place there is no arena.
// CHECK-LABEL: func.func @kept
// CHECK-NOT: quantc.scratch_bytes
// CHECK: %[[R:.*]] = memref.alloc() : memref<16xf32>
// CHECK: memref.alloc(%arg0) : memref<?xf32>
// CHECK-NOT: memref.view
// CHECK: return %[[R]]
func.func @kept(%n: index, %v: f32) -> memref<16xf32> {
  %r = memref.alloc() : memref<16xf32>
  linalg.fill ins(%v : f32) outs(%r : memref<16xf32>)
  %d = memref.alloc(%n) : memref<?xf32>
  linalg.fill ins(%v : f32) outs(%d : memref<?xf32>)
  memref.dealloc %d : memref<?xf32>
  return %r : memref<16xf32>
}

// -----

// Elements narrower than a byte take a byte each in memory (the LLVM
// lowering's layout): 100 i1 flags need 100 bytes, rounded to 128.
// CHECK-LABEL: func.func @flags
// CHECK-SAME: quantc.scratch_bytes = 128
// CHECK: memref.view %{{.*}}[%c0{{.*}}][] : memref<128xi8> to memref<100xi1>
func.func @flags(%out: memref<100xi1>, %v: i1) {
  %a = memref.alloc() {alignment = 64 : i64} : memref<100xi1>
  linalg.fill ins(%v : i1) outs(%a : memref<100xi1>)
  linalg.copy ins(%a : memref<100xi1>) outs(%out : memref<100xi1>)
  memref.dealloc %a : memref<100xi1>
  return
}
