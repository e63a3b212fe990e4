// RUN: quant-opt %s --convert-qkernel-to-loops="family=avx2" | FileCheck %s

// W8A8 with 8-bit codes on AVX2 (vpmaddwd): the accumulators keep each
// lane's two pair sums (vector<16xi32>, two ymm) through the K loop and add
// them once after it, so the loop holds dots and nothing else. Four rows
// a step (8 accumulator registers of 16), the rest one by one with four
// chains. Each row is widened to i16 once, as it is prepared (words of 4
// i16 in an i64), so a dot broadcasts a word and needs no widening.
// CHECK-LABEL: func.func @w8a8
// CHECK: %[[WORDS:.*]] = memref.alloc() : memref<9x16xi64>
// CHECK: %[[WIDE:.*]] = arith.extsi %{{.*}} : vector<32xi8> to vector<32xi16>
// CHECK: %[[PACKED:.*]] = vector.bitcast %[[WIDE]] : vector<32xi16> to vector<8xi64>
// CHECK: vector.store %[[PACKED]], %[[WORDS]]
// CHECK: scf.for {{.*}} step %c4
// CHECK: scf.for {{.*}} iter_args({{.*}}) -> (vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>)
// CHECK: %[[WORD:.*]] = memref.load %[[WORDS]]
// CHECK: %[[REPEATED:.*]] = vector.broadcast %[[WORD]] : i64 to vector<4xi64>
// CHECK: %[[ACTIVATIONS:.*]] = vector.bitcast %[[REPEATED]] : vector<4xi64> to vector<16xi16>
// CHECK: qkernel.dot %{{.*}}, %{{.*}}, %[[ACTIVATIONS]] {instruction = "vpmaddwd"} : vector<32xi8>, vector<16xi16> -> vector<16xi32>
// CHECK-COUNT-3: qkernel.dot {{.*}} {instruction = "vpmaddwd"} : vector<32xi8>, vector<16xi16> -> vector<16xi32>
// CHECK-NOT: vector.shuffle
// CHECK: scf.yield
// CHECK: vector.shuffle %{{.*}} [0, 2, 4, 6, 8, 10, 12, 14] : vector<16xi32>, vector<16xi32>
// CHECK: vector.shuffle %{{.*}} [1, 3, 5, 7, 9, 11, 13, 15] : vector<16xi32>, vector<16xi32>
// CHECK: arith.subi {{.*}} : vector<8xi32>
// n is a multiple of the lanes: plain stores, no masks (vmaskmovps).
// CHECK: vector.transfer_write {{.*}} {in_bounds = [true]} : vector<8xi32>, memref<9x8xi32>
// The last row alone: four chains, added up before the pair sums are.
// CHECK: scf.for {{.*}} iter_args({{.*}}) -> (vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>)
// CHECK-COUNT-4: qkernel.dot {{.*}} {instruction = "vpmaddwd"}
// CHECK: scf.yield
// CHECK-COUNT-3: arith.addi {{.*}} : vector<16xi32>
// CHECK: vector.shuffle
func.func @w8a8(%x: tensor<9x64xi8>, %p: tensor<512xi8>, %b: tensor<8xi32>) -> tensor<9x8xi32> {
  %y = qkernel.matmul_integer %x, %p bias %b {layout = #qkernel.layout<bits = 8, lanes = 8, k = 64, n = 8, group = 0, binary = false, signed_bytes = false>, zero_point = 128 : i64} : (tensor<9x64xi8>, tensor<512xi8>, tensor<8xi32>) -> tensor<9x8xi32>
  return %y : tensor<9x8xi32>
}

// Weight-only W4 with int8 activations: a block's 8 vpmaddubsw dots of
// 4-bit codes (|pair sum| <= 2 * 15 * 128) cannot overflow 16 bits, so
// they add i16 pair sums (vpaddw), made i32 once per block
// (qkernel.pair_sums: vpmaddwd with ones).
// CHECK-LABEL: func.func @int8_w4
// CHECK: scf.for {{.*}} iter_args({{.*}}) -> (vector<16xi16>, vector<16xi16>, vector<16xi16>, vector<16xi16>)
// CHECK-COUNT-8: qkernel.dot {{.*}} {instruction = "vpmaddubsw"} : vector<32xi8>, vector<32xi8> -> vector<16xi16>
// CHECK: scf.yield
// CHECK-COUNT-4: qkernel.pair_sums %{{.*}} : vector<16xi16> -> vector<8xi32>
// CHECK-NOT: arith.shrsi
func.func @int8_w4(%x: tensor<5x64xf32>, %p: tensor<256xi8>, %s: tensor<1x8xf32>) -> tensor<5x8xf32> {
  %y = qkernel.matmul %x, %p, %s {layout = #qkernel.layout<bits = 4, lanes = 8, k = 64, n = 8, group = 0, binary = false, signed_bytes = false>, zero_point = 8 : i64, activations = "int8"} : (tensor<5x64xf32>, tensor<256xi8>, tensor<1x8xf32>) -> tensor<5x8xf32>
  return %y : tensor<5x8xf32>
}

// 5-bit codes: 8 dots could reach 8 * 2 * 31 * 128 > 2^15, so i32 lanes.
// CHECK-LABEL: func.func @int8_w5
// CHECK-NOT: vector<16xi16>
// CHECK: qkernel.dot {{.*}} {instruction = "vpmaddubsw"} : vector<32xi8>, vector<32xi8> -> vector<8xi32>
// CHECK-NOT: vector<16xi16>
// CHECK: return
func.func @int8_w5(%x: tensor<5x64xf32>, %p: tensor<320xi8>, %s: tensor<1x8xf32>) -> tensor<5x8xf32> {
  %y = qkernel.matmul %x, %p, %s {layout = #qkernel.layout<bits = 5, lanes = 8, k = 64, n = 8, group = 0, binary = false, signed_bytes = false>, zero_point = 16 : i64, activations = "int8"} : (tensor<5x64xf32>, tensor<320xi8>, tensor<1x8xf32>) -> tensor<5x8xf32>
  return %y : tensor<5x8xf32>
}

// n = 12: the tile that reaches past n stores under a mask, the others not.
// CHECK-LABEL: func.func @w8a8_tail
// CHECK: %[[FITS:.*]] = arith.cmpi sle, %{{.*}}, %c12
// CHECK: scf.if %[[FITS]] {
// CHECK: vector.transfer_write {{.*}} {in_bounds = [true]} : vector<8xi32>, memref<4x12xi32>
// CHECK: } else {
// CHECK: vector.transfer_write %{{.*}}, %{{.*}}[%{{.*}}, %{{.*}}] : vector<8xi32>, memref<4x12xi32>
func.func @w8a8_tail(%x: tensor<4x32xi8>, %p: tensor<512xi8>) -> tensor<4x12xi32> {
  %y = qkernel.matmul_integer %x, %p {layout = #qkernel.layout<bits = 8, lanes = 8, k = 32, n = 12, group = 0, binary = false, signed_bytes = false>, zero_point = 128 : i64} : (tensor<4x32xi8>, tensor<512xi8>) -> tensor<4x12xi32>
  return %y : tensor<4x12xi32>
}
