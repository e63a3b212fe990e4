// RUN: quant-opt %s --pass-pipeline="builtin.module(convert-scf-to-openmp,func.func(quantc-expand-alloca-scopes),canonicalize)" | FileCheck %s

// The parallel pipeline's order: alloca scopes become stacksave /
// stackrestore before canonicalize, which would inline a scope whose parent
// is an omp region and leave the panel's alloca in the loop body, growing
// the stack each iteration (resnet18's 7x7 stem, 147 x 32 floats a panel,
// overflowed 8 MB run on one thread).

// CHECK-LABEL: func.func @panel_per_iteration
// CHECK: omp.loop_nest
// CHECK: scf.for
// CHECK: %[[SP:.*]] = llvm.intr.stacksave : !llvm.ptr
// CHECK: memref.alloca() : memref<147x32xf32>
// CHECK: llvm.intr.stackrestore %[[SP]] : !llvm.ptr
// CHECK-NOT: memref.alloca_scope
func.func @panel_per_iteration(%out: memref<392xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c392 = arith.constant 392 : index
  %one = arith.constant 1.0 : f32
  %c2 = arith.constant 2 : index
  scf.parallel (%i) = (%c0) to (%c392) step (%c1) {
    scf.for %j = %c0 to %c2 step %c1 {
      memref.alloca_scope {
        %panel = memref.alloca() : memref<147x32xf32>
        memref.store %one, %panel[%c0, %j] : memref<147x32xf32>
        %v = memref.load %panel[%c0, %c0] : memref<147x32xf32>
        memref.store %v, %out[%i] : memref<392xf32>
      }
    }
    scf.reduce
  }
  return
}
