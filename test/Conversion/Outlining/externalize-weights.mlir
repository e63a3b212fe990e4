// RUN: quant-opt %s --quantc-externalize-weights=min-bytes=16 | FileCheck %s
// RUN: quant-opt %s --quantc-externalize-weights=min-bytes=0 | FileCheck %s --check-prefix=OFF

// Private constants of at least 16 bytes leave the code: their addresses
// come from the quantc_weights table (loads marked invariant), their values
// go to the module's quantc.external_weights in table order. Small
// constants, splats and public globals (found by name from outside) stay.

// CHECK: module attributes {quantc.external_weights = [dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00, 5.000000e+00]> : tensor<5xf32>, dense<[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]> : tensor<16xi8>]}
// CHECK: llvm.mlir.global external @quantc_weights() {addr_space = 0 : i32} : !llvm.array<2 x ptr>
// CHECK-NOT: llvm.mlir.global private constant @big
// CHECK-NOT: llvm.mlir.global private constant @bytes
// CHECK: llvm.mlir.global private constant @small(dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>)
// CHECK: llvm.mlir.global private constant @splat(dense<1.000000e+00> : tensor<64xf32>)
// CHECK: llvm.mlir.global external constant @image(dense<7> : tensor<4xi64>)
// CHECK-LABEL: llvm.func @use
// CHECK: %[[T:.*]] = llvm.mlir.addressof @quantc_weights : !llvm.ptr
// CHECK: %[[E:.*]] = llvm.getelementptr %[[T]][0, 0] : (!llvm.ptr) -> !llvm.ptr, !llvm.array<2 x ptr>
// CHECK: %[[W:.*]] = llvm.load %[[E]] invariant {alignment = 8 : i64} : !llvm.ptr -> !llvm.ptr
// CHECK: %[[T2:.*]] = llvm.mlir.addressof @quantc_weights : !llvm.ptr
// CHECK: llvm.getelementptr %[[T2]][0, 1] : (!llvm.ptr) -> !llvm.ptr, !llvm.array<2 x ptr>
// CHECK: llvm.mlir.addressof @small
// CHECK: llvm.load %[[W]] : !llvm.ptr -> f32

// OFF-NOT: quantc_weights
// OFF: llvm.mlir.global private constant @big
module {
  llvm.mlir.global private constant @big(dense<[1.0, 2.0, 3.0, 4.0, 5.0]> : tensor<5xf32>) {addr_space = 0 : i32, alignment = 64 : i64} : !llvm.array<5 x f32>
  llvm.mlir.global private constant @bytes(dense<[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]> : tensor<16xi8>) {addr_space = 0 : i32} : !llvm.array<16 x i8>
  llvm.mlir.global private constant @small(dense<[1.0, 2.0]> : tensor<2xf32>) {addr_space = 0 : i32} : !llvm.array<2 x f32>
  llvm.mlir.global private constant @splat(dense<1.0> : tensor<64xf32>) {addr_space = 0 : i32} : !llvm.array<64 x f32>
  llvm.mlir.global external constant @image(dense<7> : tensor<4xi64>) {addr_space = 0 : i32} : !llvm.array<4 x i64>
  llvm.func @use() -> f32 {
    %0 = llvm.mlir.addressof @big : !llvm.ptr
    %1 = llvm.mlir.addressof @bytes : !llvm.ptr
    %2 = llvm.mlir.addressof @small : !llvm.ptr
    %3 = llvm.load %0 : !llvm.ptr -> f32
    %4 = llvm.load %1 : !llvm.ptr -> i8
    %5 = llvm.load %2 : !llvm.ptr -> f32
    llvm.return %3 : f32
  }
}
