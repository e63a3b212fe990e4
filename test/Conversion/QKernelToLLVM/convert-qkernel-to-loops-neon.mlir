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

// The LUT kernel on AArch64, 16-channel tiles, one tbl per table and group;
// the interleave of one 16-byte lane is zip1/zip2 ([0, 16, 1, 17, ...]).
// NEON-LABEL: func.func @neon_lut
// NEON: vector.load {{.*}} : memref<128xi8>, vector<16xi8>
// NEON: qkernel.lookup {{.*}} {instruction = "tbl"} : vector<16xi8>, vector<16xi8>
// NEON: vector.shuffle {{.*}} [0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23] : vector<16xi8>, vector<16xi8>
// NEON: vector.shuffle {{.*}} [8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31] : vector<16xi8>, vector<16xi8>
// NEON: vector.transfer_write {{.*}} : vector<16xf32>, memref<1x16xf32>
func.func @neon_lut(%x: tensor<1x32xf32>, %p: tensor<128xi8>, %s: tensor<1x16xf32>) -> tensor<1x16xf32> {
  %y = qkernel.lut_matmul %x, %p, %s {layout = #qkernel.layout<bits = 2, lanes = 16, k = 32, n = 16, group = 0, binary = false, signed_bytes = false, lut = true>, zero_point = 1 : i64} : (tensor<1x32xf32>, tensor<128xi8>, tensor<1x16xf32>) -> tensor<1x16xf32>
  return %y : tensor<1x16xf32>
}
