// RUN: quant-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(quantc-distinct-return-buffers))' | FileCheck %s
// RUN: quant-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(quantc-distinct-return-buffers),buffer-results-to-out-params{hoist-static-allocs modify-public-functions})' | FileCheck %s --check-prefix=OUT

// A buffer returned twice (a graph output that is also a probe) gets a copy.
// CHECK-LABEL: func.func @returned_twice
// CHECK: %[[A:.*]] = memref.alloc() : memref<1x40xf32>
// CHECK: %[[B:.*]] = memref.alloc() : memref<1x40xf32>
// CHECK: memref.copy %[[A]], %[[B]]
// CHECK: return %[[A]], %[[B]]
// OUT-LABEL: func.func @returned_twice
// OUT-SAME: (%[[X:.*]]: memref<1x40xf32>, %[[Y:.*]]: memref<1x40xf32>)
// OUT: linalg.fill ins(%{{.*}} : f32) outs(%[[X]] : memref<1x40xf32>)
// OUT: memref.copy %[[X]], %[[Y]]
// OUT: return
func.func @returned_twice() -> (memref<1x40xf32>, memref<1x40xf32>) {
  %cst = arith.constant 1.0 : f32
  %a = memref.alloc() : memref<1x40xf32>
  linalg.fill ins(%cst : f32) outs(%a : memref<1x40xf32>)
  return %a, %a : memref<1x40xf32>, memref<1x40xf32>
}

// -----

// A returned view or global is copied into a fresh allocation; a fresh
// allocation returned once is left for hoisting.
// CHECK-LABEL: func.func @views_and_globals
// CHECK: %[[A:.*]] = memref.alloc() : memref<2x3xf32>
// CHECK: %[[V:.*]] = memref.collapse_shape %[[A]]
// CHECK: %[[G:.*]] = memref.get_global @weights
// CHECK: %[[C1:.*]] = memref.alloc() : memref<6xf32>
// CHECK: memref.copy %[[V]], %[[C1]]
// CHECK: %[[C2:.*]] = memref.alloc() : memref<4xf32>
// CHECK: memref.copy %[[G]], %[[C2]]
// CHECK: return %[[A]], %[[C1]], %[[C2]]
memref.global "private" constant @weights : memref<4xf32> = dense<1.0>
func.func @views_and_globals() -> (memref<2x3xf32>, memref<6xf32>, memref<4xf32>) {
  %a = memref.alloc() : memref<2x3xf32>
  %v = memref.collapse_shape %a [[0, 1]] : memref<2x3xf32> into memref<6xf32>
  %g = memref.get_global @weights : memref<4xf32>
  return %a, %v, %g : memref<2x3xf32>, memref<6xf32>, memref<4xf32>
}

// -----

// A returned argument is copied too; dynamic shapes are left to the out-param pass.
// CHECK-LABEL: func.func @arguments
// CHECK: %[[C:.*]] = memref.alloc() : memref<4xf32>
// CHECK: memref.copy %arg0, %[[C]]
// CHECK: return %[[C]], %arg1
func.func @arguments(%arg0: memref<4xf32>, %arg1: memref<?xf32>) -> (memref<4xf32>, memref<?xf32>) {
  return %arg0, %arg1 : memref<4xf32>, memref<?xf32>
}
