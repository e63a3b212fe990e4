// RUN: quant-opt %s --convert-qkernel-to-loops="family=neon" | FileCheck %s --check-prefix=NEON

// On NEON the dot is sdot on 4 lanes; 8-bit codes are signed bytes, so the zero
// point 128 becomes 0 (128 - 128) in the correction.
// NEON-LABEL: func.func @neon_w8
// NEON: arith.constant dense<0> : vector<4xi32>
// NEON: arm_neon.intr.sdot {{.*}} : vector<16xi8>, vector<16xi8> to vector<4xi32>
func.func @neon_w8(%x: tensor<1x32xf32>, %p: tensor<128xi8>, %s: tensor<1x4xf32>) -> tensor<1x4xf32> {
  %y = qkernel.matmul %x, %p, %s {layout = #qkernel.layout<bits = 8, lanes = 4, k = 32, n = 4, group = 0, binary = false, signed_bytes = true>, zero_point = 128 : i64} : (tensor<1x32xf32>, tensor<128xi8>, tensor<1x4xf32>) -> tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}

// W8A8 with NEON sdot: signed bytes are w itself, so sdot sums x * w and
// no row-sum correction follows.
// NEON-LABEL: func.func @neon_integer
// NEON: arm_neon.intr.sdot {{.*}} : vector<16xi8>, vector<16xi8> to vector<4xi32>
// NEON-NOT: arith.subi
// NEON: vector.transfer_write {{.*}} : vector<4xi32>, memref<1x4xi32>
func.func @neon_integer(%x: tensor<1x32xi8>, %p: tensor<128xi8>) -> tensor<1x4xi32> {
  %y = qkernel.matmul_integer %x, %p {layout = #qkernel.layout<bits = 8, lanes = 4, k = 32, n = 4, group = 0, binary = false, signed_bytes = true>, zero_point = 128 : i64} : (tensor<1x32xi8>, tensor<128xi8>) -> tensor<1x4xi32>
  return %y : tensor<1x4xi32>
}
