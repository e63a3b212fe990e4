// RUN: quant-opt %s -split-input-file --pass-pipeline="builtin.module(func.func(quantc-expand-alloca-scopes))" -verify-diagnostics | FileCheck %s

// A stack panel in each iteration: the scope's body moves in place between
// a stacksave and a stackrestore, so the loop can become cf blocks.
// CHECK-LABEL: func.func @panel_per_iteration
// CHECK: scf.for
// CHECK-NEXT:   %[[SP:.*]] = llvm.intr.stacksave : !llvm.ptr
// CHECK-NEXT:   %[[PANEL:.*]] = memref.alloca() : memref<4x8xf32>
// CHECK-NEXT:   memref.store %{{.*}}, %[[PANEL]]
// CHECK-NEXT:   memref.load %[[PANEL]]
// CHECK-NEXT:   memref.store
// CHECK-NEXT:   llvm.intr.stackrestore %[[SP]] : !llvm.ptr
// CHECK-NOT: memref.alloca_scope
func.func @panel_per_iteration(%out: memref<16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %one = arith.constant 1.0 : f32
  scf.for %i = %c0 to %c16 step %c1 {
    memref.alloca_scope {
      %panel = memref.alloca() : memref<4x8xf32>
      memref.store %one, %panel[%c0, %c0] : memref<4x8xf32>
      %v = memref.load %panel[%c0, %c0] : memref<4x8xf32>
      memref.store %v, %out[%i] : memref<16xf32>
    }
  }
  return
}

// -----

func.func @scope_with_result() -> f32 {
  // expected-error @+1 {{quantc-expand-alloca-scopes: a scope with results is not supported}}
  %r = memref.alloca_scope -> f32 {
    %one = arith.constant 1.0 : f32
    memref.alloca_scope.return %one : f32
  }
  return %r : f32
}

// -----

// A scope that allocates nothing (SCF to OpenMP wraps every parallel body
// in one) is inlined with no stack pointer to restore.
// CHECK-LABEL: func.func @nothing_allocated
// CHECK: scf.for
// CHECK-NOT: llvm.intr.stacksave
// CHECK: memref.store
// CHECK-NOT: memref.alloca_scope
func.func @nothing_allocated(%out: memref<16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %one = arith.constant 1.0 : f32
  scf.for %i = %c0 to %c16 step %c1 {
    memref.alloca_scope {
      memref.store %one, %out[%i] : memref<16xf32>
    }
  }
  return
}
