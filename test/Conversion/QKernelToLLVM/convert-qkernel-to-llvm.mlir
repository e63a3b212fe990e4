// RUN: quant-opt %s --convert-qkernel-to-llvm | FileCheck %s

// CHECK-LABEL: func.func @vnni
// CHECK: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"(%arg0, %arg1, %arg2) : (vector<16xi32>, vector<64xi8>, vector<64xi8>) -> vector<16xi32>
func.func @vnni(%acc: vector<16xi32>, %w: vector<64xi8>, %a: vector<64xi8>) -> vector<16xi32> {
  %r = qkernel.dot %acc, %w, %a {instruction = "vpdpbusd"} : vector<64xi8> -> vector<16xi32>
  return %r : vector<16xi32>
}

// vpmaddubsw makes i16 pair sums, vpmaddwd with ones adds the pairs.
// CHECK-LABEL: func.func @avx2
// CHECK: %[[P:.*]] = llvm.call_intrinsic "llvm.x86.avx2.pmadd.ub.sw"(%arg1, %arg2) : (vector<32xi8>, vector<32xi8>) -> vector<16xi16>
// CHECK: %[[ONES:.*]] = arith.constant dense<1> : vector<16xi16>
// CHECK: %[[Q:.*]] = llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"(%[[P]], %[[ONES]]) : (vector<16xi16>, vector<16xi16>) -> vector<8xi32>
// CHECK: arith.addi %arg0, %[[Q]] : vector<8xi32>
func.func @avx2(%acc: vector<8xi32>, %w: vector<32xi8>, %a: vector<32xi8>) -> vector<8xi32> {
  %r = qkernel.dot %acc, %w, %a {instruction = "vpmaddubsw"} : vector<32xi8> -> vector<8xi32>
  return %r : vector<8xi32>
}
