// RUN: quant-opt %s -split-input-file --quantc-outline-loop-nests | FileCheck %s
// RUN: quant-opt %s -split-input-file --quantc-outline-loop-nests --convert-scf-to-cf --finalize-memref-to-llvm --convert-arith-to-llvm --convert-func-to-llvm=use-bare-ptr-memref-call-conv --reconcile-unrealized-casts | FileCheck %s --check-prefix=LLVM

// Each top-level loop nest becomes a function named after its layer. The
// constants it uses are cloned in (constant bounds stay visible); buffers
// are passed: each view of the arena, like a fresh allocation, is a buffer
// of its own and `llvm.noalias` (the arena gives buffers live at the same
// time disjoint bytes), the graph's buffers are passed as they are.
// Arguments come in definition order, function arguments first; the calls
// and functions keep the nests' order.
// CHECK-LABEL: func.func @main
// CHECK-SAME: (%[[X:.*]]: memref<64xf32>, %[[Y:.*]]: memref<64xf32>)
// CHECK: %[[ARENA:.*]] = memref.alloc() {alignment = 64 : i64} : memref<512xi8>
// CHECK: %[[T:.*]] = memref.view %[[ARENA]][%{{.*}}][] : memref<512xi8> to memref<64xf32>
// CHECK: %[[U:.*]] = memref.view %[[ARENA]][%{{.*}}][] : memref<512xi8> to memref<64xf32>
// CHECK-NEXT: call @main__Relu_0(%[[X]], %[[T]]) : (memref<64xf32>, memref<64xf32>) -> ()
// CHECK-NEXT: call @main__Neg_1(%[[Y]], %[[T]], %[[U]]) : (memref<64xf32>, memref<64xf32>, memref<64xf32>) -> ()
// CHECK-NEXT: memref.dealloc %[[ARENA]]
// CHECK-NEXT: return
// CHECK: func.func private @main__Relu_0(%[[A0:.*]]: memref<64xf32>, %[[A1:.*]]: memref<64xf32> {llvm.noalias})
// CHECK-SAME: attributes {llvm.linkage = #llvm.linkage<internal>, passthrough = ["noinline"], quantc.outlined}
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C64:.*]] = arith.constant 64 : index
// CHECK: scf.for %{{.*}} = %[[C0]] to %[[C64]]
// CHECK: memref.load %[[A0]]
// CHECK: memref.store %{{.*}}, %[[A1]]
// CHECK: return
// CHECK: func.func private @main__Neg_1(%{{.*}}: memref<64xf32>, %{{.*}}: memref<64xf32> {llvm.noalias}, %{{.*}}: memref<64xf32> {llvm.noalias})
// CHECK: arith.negf
func.func @main(%x: memref<64xf32>, %y: memref<64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %c256 = arith.constant 256 : index
  %zero = arith.constant 0.0 : f32
  %arena = memref.alloc() {alignment = 64 : i64} : memref<512xi8>
  %t = memref.view %arena[%c0][] : memref<512xi8> to memref<64xf32>
  %u = memref.view %arena[%c256][] : memref<512xi8> to memref<64xf32>
  scf.for %i = %c0 to %c64 step %c1 {
    %v = memref.load %x[%i] : memref<64xf32>
    %r = arith.maximumf %v, %zero : f32
    memref.store %r, %t[%i] : memref<64xf32>
  } loc("Relu_0")
  scf.for %i = %c0 to %c64 step %c1 {
    %v = memref.load %t[%i] : memref<64xf32>
    %r = arith.negf %v : f32
    memref.store %r, %u[%i] : memref<64xf32>
    memref.store %r, %y[%i] : memref<64xf32>
  } loc("Neg_1")
  memref.dealloc %arena : memref<512xi8>
  return
}

// The outlined functions are internal and never inlined in LLVM IR; the
// arena's buffers keep noalias.
// LLVM-LABEL: llvm.func @main
// LLVM: llvm.call @main__Relu_0
// LLVM: llvm.func internal @main__Relu_0(%{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr {llvm.noalias})
// LLVM-SAME: passthrough = ["noinline"]

// -----

// A nest that yields values, and one that captures a strided view (the
// bare-pointer convention cannot pass it, and a view of a non-pure source
// is not recomputed), stay where they are; a nest without a layer name is
// a "nest". Names that clash get a suffix.
// CHECK-LABEL: func.func @kept
// CHECK: %[[SUM:.*]] = scf.for
// CHECK: call @kept__nest(
// CHECK: call @kept__nest_0(
// CHECK: scf.for
// CHECK: memref.store %{{.*}}, %[[VIEW:.*]][
// CHECK: return %[[SUM]]
func.func @kept(%x: memref<64xf32>, %strided: memref<8xf32, strided<[8]>>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c64 = arith.constant 64 : index
  %zero = arith.constant 0.0 : f32
  %sum = scf.for %i = %c0 to %c64 step %c1 iter_args(%acc = %zero) -> f32 {
    %v = memref.load %x[%i] : memref<64xf32>
    %s = arith.addf %acc, %v : f32
    scf.yield %s : f32
  }
  scf.for %i = %c0 to %c64 step %c1 {
    memref.store %zero, %x[%i] : memref<64xf32>
  }
  scf.for %i = %c0 to %c8 step %c1 {
    memref.store %sum, %x[%i] : memref<64xf32>
  }
  scf.for %i = %c0 to %c8 step %c1 {
    memref.store %zero, %strided[%i] : memref<8xf32, strided<[8]>>
  }
  return %sum : f32
}

// -----

// Two views of one allocation whose bytes overlap (the same bytes read as
// f32 and i32) are passed without noalias; a third, disjoint one keeps it.
// CHECK-LABEL: func.func private @overlap__nest(
// CHECK-SAME: %{{[a-z0-9]+}}: memref<16xf32>, %{{[a-z0-9]+}}: memref<16xi32>, %{{[a-z0-9]+}}: memref<16xf32> {llvm.noalias})
func.func @overlap() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %c32 = arith.constant 32 : index
  %c128 = arith.constant 128 : index
  %arena = memref.alloc() : memref<256xi8>
  %f = memref.view %arena[%c0][] : memref<256xi8> to memref<16xf32>
  %i = memref.view %arena[%c32][] : memref<256xi8> to memref<16xi32>
  %g = memref.view %arena[%c128][] : memref<256xi8> to memref<16xf32>
  scf.for %k = %c0 to %c16 step %c1 {
    %v = memref.load %f[%k] : memref<16xf32>
    %w = memref.load %i[%k] : memref<16xi32>
    %x = arith.sitofp %w : i32 to f32
    %s = arith.addf %v, %x : f32
    memref.store %s, %g[%k] : memref<16xf32>
  }
  memref.dealloc %arena : memref<256xi8>
  return
}
