// RUN: quant-opt %s --convert-qkernel-to-loops="family=vnni" | FileCheck %s --check-prefix=VNNI
// RUN: quant-opt %s --convert-qkernel-to-loops="family=generic" | FileCheck %s --check-prefix=GENERIC

// int8 activations: x is copied to a padded buffer and quantized per block
// of 32 (scale, sum, bytes as i32 words); per block the 4-bit plane is
// unpacked with a mask and a shift and fed to the dot.
// VNNI-LABEL: func.func @int8_w4
// VNNI: bufferization.to_buffer %arg0 {{.*}}read_only{{.*}}strided<[?, ?], offset: ?>
// VNNI: linalg.copy
// VNNI: vector.reduction <maxnumf>
// VNNI: math.roundeven
// VNNI: vector.reduction <add>
// VNNI: scf.for
// VNNI: scf.for {{.*}} step %c4
// VNNI: vector.load {{.*}} : memref<512xi8>, vector<64xi8>
// VNNI: arith.andi {{.*}} : vector<64xi8>
// VNNI: arith.shrui {{.*}} : vector<64xi8>
// VNNI: qkernel.dot {{.*}} {instruction = "vpdpbusd"} : vector<64xi8> -> vector<16xi32>
// VNNI: arith.sitofp {{.*}} : vector<16xi32> to vector<16xf32>
// VNNI: math.fma
// VNNI: vector.transfer_write {{.*}} : vector<16xf32>, memref<5x16xf32>
// VNNI: bufferization.to_tensor {{.*}} restrict writable
// GENERIC-LABEL: func.func @int8_w4
// GENERIC: arith.extui {{.*}} : vector<64xi8> to vector<64xi32>
// GENERIC: arith.muli {{.*}} : vector<64xi32>
// GENERIC: vector.shuffle
func.func @int8_w4(%x: tensor<5x64xf32>, %p: tensor<512xi8>, %s: tensor<1x16xf32>) -> tensor<5x16xf32> {
  %y = qkernel.matmul %x, %p, %s {layout = #qkernel.layout<bits = 4, lanes = 16, k = 64, n = 16, group = 0, binary = false, signed_bytes = false>, zero_point = 8 : i64} : (tensor<5x64xf32>, tensor<512xi8>, tensor<1x16xf32>) -> tensor<5x16xf32>
  return %y : tensor<5x16xf32>
}

