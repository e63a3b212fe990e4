// RUN: quant-opt %s -split-input-file --quantc-lower-to-llvm-pipeline="kernel-family=vnni kernel-activations=int8" | mlir-translate --mlir-to-llvmir -split-input-file | FileCheck %s

// Kernels that read x a vector at a time (int8 quantization per block of
// 32, the W8A8 rows' words) take x as contiguous rows: a strided view
// (here every other column) is copied first, and everything lowers to LLVM.
// CHECK-LABEL: define void @strided_int8_activations
// CHECK: call <16 x i32> @llvm.x86.avx512.vpdpbusd.512
func.func @strided_int8_activations(%x: tensor<4x128xf32>, %p: tensor<512xi8>, %s: tensor<1x16xf32>) -> tensor<4x16xf32> {
  %v = tensor.extract_slice %x[0, 0] [4, 64] [1, 2] : tensor<4x128xf32> to tensor<4x64xf32>
  %y = qkernel.matmul %v, %p, %s {layout = #qkernel.layout<bits = 4, lanes = 16, k = 64, n = 16, group = 0, binary = false, signed_bytes = false>, zero_point = 8 : i64, activations = "int8"} : (tensor<4x64xf32>, tensor<512xi8>, tensor<1x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// CHECK-LABEL: define void @strided_integer
// CHECK: call <16 x i32> @llvm.x86.avx512.vpdpbusd.512
func.func @strided_integer(%x: tensor<4x128xi8>, %p: tensor<1024xi8>) -> tensor<4x16xi32> {
  %v = tensor.extract_slice %x[0, 0] [4, 64] [1, 2] : tensor<4x128xi8> to tensor<4x64xi8>
  %y = qkernel.matmul_integer %v, %p {layout = #qkernel.layout<bits = 8, lanes = 16, k = 64, n = 16, group = 0, binary = false, signed_bytes = false>, zero_point = 128 : i64} : (tensor<4x64xi8>, tensor<1024xi8>) -> tensor<4x16xi32>
  return %y : tensor<4x16xi32>
}
