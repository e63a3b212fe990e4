// RUN: quant-opt %s --convert-qkernel-to-llvm | FileCheck %s

// CHECK-LABEL: func.func @vnni
// CHECK: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"(%arg0, %arg1, %arg2) : (vector<16xi32>, vector<64xi8>, vector<64xi8>) -> vector<16xi32>
func.func @vnni(%acc: vector<16xi32>, %w: vector<64xi8>, %a: vector<64xi8>) -> vector<16xi32> {
  %r = qkernel.dot %acc, %w, %a {instruction = "vpdpbusd"} : vector<64xi8>, vector<64xi8> -> vector<16xi32>
  return %r : vector<16xi32>
}

// vpmaddubsw makes i16 pair sums, vpmaddwd with ones adds the pairs.
// CHECK-LABEL: func.func @avx2
// CHECK: %[[P:.*]] = llvm.call_intrinsic "llvm.x86.avx2.pmadd.ub.sw"(%arg1, %arg2) : (vector<32xi8>, vector<32xi8>) -> vector<16xi16>
// CHECK: %[[ONES:.*]] = arith.constant dense<1> : vector<16xi16>
// CHECK: %[[Q:.*]] = llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"(%[[P]], %[[ONES]]) : (vector<16xi16>, vector<16xi16>) -> vector<8xi32>
// CHECK: arith.addi %arg0, %[[Q]] : vector<8xi32>
func.func @avx2(%acc: vector<8xi32>, %w: vector<32xi8>, %a: vector<32xi8>) -> vector<8xi32> {
  %r = qkernel.dot %acc, %w, %a {instruction = "vpmaddubsw"} : vector<32xi8>, vector<32xi8> -> vector<8xi32>
  return %r : vector<8xi32>
}

// Into i16 pair sums: vpmaddubsw and an add, no vpmaddwd.
// CHECK-LABEL: func.func @avx2_pair_sums
// CHECK: %[[P16:.*]] = llvm.call_intrinsic "llvm.x86.avx2.pmadd.ub.sw"(%arg1, %arg2) : (vector<32xi8>, vector<32xi8>) -> vector<16xi16>
// CHECK-NEXT: arith.addi %arg0, %[[P16]] : vector<16xi16>
func.func @avx2_pair_sums(%acc: vector<16xi16>, %w: vector<32xi8>, %a: vector<32xi8>) -> vector<16xi16> {
  %r = qkernel.dot %acc, %w, %a {instruction = "vpmaddubsw"} : vector<32xi8>, vector<32xi8> -> vector<16xi16>
  return %r : vector<16xi16>
}

// i16 pair sums made i32: vpmaddwd with ones.
// CHECK-LABEL: func.func @pair_sums
// CHECK: %[[ONES:.*]] = arith.constant dense<1> : vector<16xi16>
// CHECK: llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"(%arg0, %[[ONES]]) : (vector<16xi16>, vector<16xi16>) -> vector<8xi32>
func.func @pair_sums(%p: vector<16xi16>) -> vector<8xi32> {
  %r = qkernel.pair_sums %p : vector<16xi16> -> vector<8xi32>
  return %r : vector<8xi32>
}

// vpmaddwd: each 16-byte half widened to i16 (weights zero-, activations
// sign-extended), two vpmaddwd, their pair sums side by side added to the
// accumulator's (vector<16xi32>: lane l's two pair sums at 2l and 2l + 1).
// CHECK-LABEL: func.func @avx2_wide
// CHECK: %[[W0:.*]] = arith.extui {{.*}} : vector<16xi8> to vector<16xi16>
// CHECK: %[[A0:.*]] = arith.extsi {{.*}} : vector<16xi8> to vector<16xi16>
// CHECK: %[[H0:.*]] = llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"(%[[W0]], %[[A0]]) : (vector<16xi16>, vector<16xi16>) -> vector<8xi32>
// CHECK: %[[H1:.*]] = llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"
// CHECK: %[[BOTH:.*]] = vector.shuffle %[[H0]], %[[H1]] [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15] : vector<8xi32>, vector<8xi32>
// CHECK: arith.addi %arg0, %[[BOTH]] : vector<16xi32>
func.func @avx2_wide(%acc: vector<16xi32>, %w: vector<32xi8>, %a: vector<32xi8>) -> vector<16xi32> {
  %r = qkernel.dot %acc, %w, %a {instruction = "vpmaddwd"} : vector<32xi8>, vector<32xi8> -> vector<16xi32>
  return %r : vector<16xi32>
}

// Activations widened already (one word's 4 as i16, repeated): both
// halves' vpmaddwd take them as they are.
// CHECK-LABEL: func.func @avx2_wide_activations
// CHECK-NOT: arith.extsi
// CHECK: llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"(%{{.*}}, %arg2)
// CHECK: llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"(%{{.*}}, %arg2)
func.func @avx2_wide_activations(%acc: vector<16xi32>, %w: vector<32xi8>, %a: vector<16xi16>) -> vector<16xi32> {
  %r = qkernel.dot %acc, %w, %a {instruction = "vpmaddwd"} : vector<32xi8>, vector<16xi16> -> vector<16xi32>
  return %r : vector<16xi32>
}

// vpshufb looks up within each 16-byte lane, so the table is repeated in
// all four lanes of a zmm (two of a ymm); NEON tbl takes it as it is.
// CHECK-LABEL: func.func @lookups
// CHECK: %[[T64:.*]] = vector.shuffle %arg0, %arg0 [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, {{.*}}, 15] : vector<16xi8>, vector<16xi8>
// CHECK: llvm.call_intrinsic "llvm.x86.avx512.pshuf.b.512"(%[[T64]], %arg1) : (vector<64xi8>, vector<64xi8>) -> vector<64xi8>
// CHECK: %[[T32:.*]] = vector.shuffle %arg0, %arg0 {{.*}} : vector<16xi8>, vector<16xi8>
// CHECK: llvm.call_intrinsic "llvm.x86.avx2.pshuf.b"(%[[T32]], %arg2) : (vector<32xi8>, vector<32xi8>) -> vector<32xi8>
// CHECK: llvm.call_intrinsic "llvm.aarch64.neon.tbl1"(%arg0, %arg3) : (vector<16xi8>, vector<16xi8>) -> vector<16xi8>
// CHECK-NOT: qkernel.lookup
func.func @lookups(%t: vector<16xi8>, %i64: vector<64xi8>, %i32: vector<32xi8>, %i16: vector<16xi8>) -> (vector<64xi8>, vector<32xi8>, vector<16xi8>) {
  %a = qkernel.lookup %t, %i64 {instruction = "vpshufb"} : vector<16xi8>, vector<64xi8>
  %b = qkernel.lookup %t, %i32 {instruction = "vpshufb"} : vector<16xi8>, vector<32xi8>
  %c = qkernel.lookup %t, %i16 {instruction = "tbl"} : vector<16xi8>, vector<16xi8>
  return %a, %b, %c : vector<64xi8>, vector<32xi8>, vector<16xi8>
}
