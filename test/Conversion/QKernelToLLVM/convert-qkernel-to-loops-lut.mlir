// RUN: quant-opt %s --convert-qkernel-to-loops="family=vnni" | FileCheck %s --check-prefix=VNNI
// RUN: quant-opt %s --convert-qkernel-to-loops="family=generic" | FileCheck %s --check-prefix=GENERIC
// RUN: quant-opt %s --convert-qkernel-to-loops="family=vnni" --canonicalize | quant-opt --convert-qkernel-to-llvm | FileCheck %s --check-prefix=LLVM

// qkernel.lut_matmul, 2-bit codes on 64-channel tiles (AVX-512 vpshufb).
// x is quantized per block of 32 as in the int8 dot kernel. Per row and
// block, the 8 groups' 16 subset sums are built two groups (32 int16
// entries) at a time from broadcasts of the 4 activations, masked by the
// entry's bits, and stored as T & 15 and T >> 4 byte tables. Per tile and
// plane, the 4 packed vectors give 8 nibble index vectors; per 4 groups
// the lookups add up in bytes, interleave per 16-byte lane into words
// L + 256 H, and become L + 16 H; plane 1 is shifted left by 1; the sum is
// widened to int32 and meets the int8 kernel's epilogue.
// VNNI-LABEL: func.func @lut_w2
// VNNI: math.roundeven
// VNNI: vector.reduction <add>
// VNNI: arith.extsi {{.*}} : vector<32xi8> to vector<32xi16>
// VNNI: vector.shuffle {{.*}} [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4] : vector<32xi16>, vector<32xi16>
// VNNI: arith.andi {{.*}} : vector<32xi16>
// VNNI: arith.shrsi {{.*}} : vector<32xi16>
// VNNI: vector.store {{.*}} : memref<3x256xi8>, vector<32xi8>
// VNNI: scf.for {{.*}} step %c2
// VNNI: scf.for {{.*}} iter_args({{.*}}) -> (vector<64xf32>, vector<64xf32>)
// VNNI: vector.load {{.*}} : memref<1024xi8>, vector<64xi8>
// VNNI: arith.andi {{.*}} : vector<64xi8>
// VNNI: arith.shrui {{.*}} : vector<64xi8>
// VNNI: vector.load {{.*}} : memref<3x256xi8>, vector<16xi8>
// VNNI: qkernel.lookup {{.*}} {instruction = "vpshufb"} : vector<16xi8>, vector<64xi8>
// VNNI: arith.addi {{.*}} : vector<64xi8>
// VNNI: vector.shuffle {{.*}} [0, 64, 1, 65, 2, 66, 3, 67, 4, 68, 5, 69, 6, 70, 7, 71, 16, 80, {{.*}}] : vector<64xi8>, vector<64xi8>
// VNNI: vector.bitcast {{.*}} : vector<64xi8> to vector<32xi16>
// VNNI: arith.shrsi {{.*}} : vector<32xi16>
// VNNI: arith.shli {{.*}} : vector<32xi16>
// VNNI: vector.shuffle {{.*}} [8, 72, 9, 73, {{.*}}] : vector<64xi8>, vector<64xi8>
// VNNI: arith.extsi {{.*}} : vector<32xi16> to vector<32xi32>
// VNNI: arith.sitofp {{.*}} : vector<64xi32> to vector<64xf32>
// VNNI: math.fma {{.*}} : vector<64xf32>
// VNNI: vector.transfer_write {{.*}} : vector<64xf32>, memref<3x64xf32>
// GENERIC-LABEL: func.func @lut_w2
// GENERIC-NOT: qkernel.lookup
// GENERIC: arith.cmpi eq, {{.*}} : vector<64xi8>
// GENERIC: arith.select {{.*}} : vector<64xi1>, vector<64xi8>
// LLVM-LABEL: func.func @lut_w2
// LLVM: vector.shuffle {{.*}} [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, {{.*}}] : vector<16xi8>, vector<16xi8>
// LLVM: llvm.call_intrinsic "llvm.x86.avx512.pshuf.b.512"({{.*}}) : (vector<64xi8>, vector<64xi8>) -> vector<64xi8>
// LLVM-NOT: qkernel.lookup
func.func @lut_w2(%x: tensor<3x64xf32>, %p: tensor<1024xi8>, %s: tensor<1x64xf32>) -> tensor<3x64xf32> {
  %y = qkernel.lut_matmul %x, %p, %s {layout = #qkernel.layout<bits = 2, lanes = 64, k = 64, n = 64, group = 0, binary = false, signed_bytes = false, lut = true>, zero_point = 1 : i64} : (tensor<3x64xf32>, tensor<1024xi8>, tensor<1x64xf32>) -> tensor<3x64xf32>
  return %y : tensor<3x64xf32>
}

// 4-bit codes: planes 0..2 add up in int16, plane 3 is widened on its own
// and shifted by 3 in int32 (7 * 4064 fits int16, 15 * 4064 does not).
// VNNI-LABEL: func.func @lut_w4
// VNNI: arith.shli {{.*}} : vector<64xi32>
// VNNI: arith.addi {{.*}} : vector<64xi32>
func.func @lut_w4(%x: tensor<1x64xf32>, %p: tensor<2048xi8>, %s: tensor<1x64xf32>) -> tensor<1x64xf32> {
  %y = qkernel.lut_matmul %x, %p, %s {layout = #qkernel.layout<bits = 4, lanes = 64, k = 64, n = 64, group = 0, binary = false, signed_bytes = false, lut = true>, zero_point = 8 : i64} : (tensor<1x64xf32>, tensor<2048xi8>, tensor<1x64xf32>) -> tensor<1x64xf32>
  return %y : tensor<1x64xf32>
}
