// RUN: quant-opt %s -split-input-file --convert-qkernel-to-loops="family=generic" | FileCheck %s --check-prefix=GENERIC

// Float activations: each dot group's codes are split into 4 columns by
// shuffles, widened, offset by the zero points and fma'd with x; one scale
// per group of 32 rows.
// GENERIC-LABEL: func.func @float_w3_groups
// GENERIC: scf.for {{.*}} to %c2
// GENERIC: vector.shuffle {{.*}} [0, 4, 8, 12, 16, 20, 24, 28] : vector<32xi8>, vector<32xi8>
// GENERIC: arith.extui {{.*}} : vector<8xi8> to vector<8xi32>
// GENERIC: arith.subi
// GENERIC: arith.sitofp
// GENERIC: math.fma
func.func @float_w3_groups(%x: tensor<1x64xf32>, %p: tensor<192xi8>, %s: tensor<2x8xf32>, %z: tensor<2x8xi8>) -> tensor<1x5xf32> {
  %y = qkernel.matmul %x, %p, %s zero_points %z {layout = #qkernel.layout<bits = 3, lanes = 8, k = 64, n = 5, group = 32, binary = false, signed_bytes = false>, activations = "float"} : (tensor<1x64xf32>, tensor<192xi8>, tensor<2x8xf32>, tensor<2x8xi8>) -> tensor<1x5xf32>
  return %y : tensor<1x5xf32>
}

// -----

// Runtime codes are packed by scalar loops.
// GENERIC-LABEL: func.func @pack_runtime
// GENERIC: linalg.fill
// GENERIC: scf.for
// GENERIC: scf.for
// GENERIC: memref.load
// GENERIC: arith.ori
// GENERIC: memref.store
func.func @pack_runtime(%codes: tensor<32x4xi8>) -> tensor<64xi8> {
  %p = qkernel.pack %codes {layout = #qkernel.layout<bits = 4, lanes = 4, k = 32, n = 4, group = 0, binary = false, signed_bytes = false>} : tensor<32x4xi8> -> tensor<64xi8>
  return %p : tensor<64xi8>
}
