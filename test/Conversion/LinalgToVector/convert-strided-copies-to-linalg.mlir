// RUN: quant-opt %s --pass-pipeline="builtin.module(func.func(convert-strided-copies-to-linalg))" | FileCheck %s

// CHECK-LABEL: func.func @copies
// Contiguous copies stay memref.copy (a memcpy); strided ones become linalg.copy.
// CHECK: memref.copy %{{.*}}, %{{.*}} : memref<8x24xf32> to memref<8x24xf32>
// CHECK: linalg.copy ins(%{{.*}} : memref<8x24xf32>) outs(%{{.*}} : memref<8x24xf32, strided<[26, 1], offset: 27>>)
func.func @copies(%a: memref<8x24xf32>, %b: memref<8x24xf32>, %c: memref<10x26xf32>) {
  memref.copy %a, %b : memref<8x24xf32> to memref<8x24xf32>
  %sub = memref.subview %c[1, 1] [8, 24] [1, 1] : memref<10x26xf32> to memref<8x24xf32, strided<[26, 1], offset: 27>>
  memref.copy %a, %sub : memref<8x24xf32> to memref<8x24xf32, strided<[26, 1], offset: 27>>
  return
}
