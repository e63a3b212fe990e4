// RUN: quant-opt %s --canonicalize | FileCheck %s

#w4 = #qkernel.layout<bits = 4, lanes = 16, k = 64, n = 16, group = 0, binary = false, signed_bytes = false>
#w3 = #qkernel.layout<bits = 3, lanes = 4, k = 32, n = 4, group = 0, binary = false, signed_bytes = false>

// Constant codes fold to packed bytes (compile-time packing): 4-bit code 3
// at every position is 0x33 in every byte; unpacking folds back.
// CHECK-LABEL: func.func @fold
// CHECK: %[[P:.*]] = arith.constant dense<51> : tensor<512xi8>
// CHECK: %[[C:.*]] = arith.constant dense<3> : tensor<64x16xi8>
// CHECK: return %[[P]], %[[C]]
func.func @fold() -> (tensor<512xi8>, tensor<64x16xi8>) {
  %codes = arith.constant dense<3> : tensor<64x16xi8>
  %p = qkernel.pack %codes {layout = #w4} : tensor<64x16xi8> -> tensor<512xi8>
  %c = qkernel.unpack %p {layout = #w4} : tensor<512xi8> -> tensor<64x16xi8>
  return %p, %c : tensor<512xi8>, tensor<64x16xi8>
}

// 3-bit code 5 = 0b101: the 2-bit plane (2 vectors of 16 bytes) holds 01 in
// each of its 4 slots (0x55), the 1-bit plane (1 vector) 1 in all 8 (0xFF).
// CHECK-LABEL: func.func @fold_planes
// CHECK: arith.constant dense<[85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1]> : tensor<48xi8>
func.func @fold_planes() -> tensor<48xi8> {
  %codes = arith.constant dense<5> : tensor<32x4xi8>
  %p = qkernel.pack %codes {layout = #w3} : tensor<32x4xi8> -> tensor<48xi8>
  return %p : tensor<48xi8>
}

// A constant past 2^26 codes is not folded (that would copy it on the host:
// 32 GiB here); the op stays for the lowering.
#huge = #qkernel.layout<bits = 4, lanes = 16, k = 4194304, n = 8192, group = 0, binary = false, signed_bytes = false>
// CHECK-LABEL: func.func @no_fold_huge
// CHECK: qkernel.pack
// CHECK: qkernel.unpack
func.func @no_fold_huge() -> (tensor<17179869184xi8>, tensor<4194304x8192xi8>) {
  %codes = arith.constant dense<3> : tensor<4194304x8192xi8>
  %p = qkernel.pack %codes {layout = #huge} : tensor<4194304x8192xi8> -> tensor<17179869184xi8>
  %bytes = arith.constant dense<1> : tensor<17179869184xi8>
  %c = qkernel.unpack %bytes {layout = #huge} : tensor<17179869184xi8> -> tensor<4194304x8192xi8>
  return %p, %c : tensor<17179869184xi8>, tensor<4194304x8192xi8>
}
