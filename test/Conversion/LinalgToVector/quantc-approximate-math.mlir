// RUN: quant-opt %s --quantc-approximate-math | FileCheck %s

// exp, tanh and erf become polynomial arithmetic; sqrt (an instruction) stays.
// CHECK-LABEL: func.func @math
// CHECK-NOT: math.exp
// CHECK-NOT: math.tanh
// CHECK-NOT: math.erf
// CHECK: math.sqrt
func.func @math(%x: f32) -> (f32, f32, f32, f32) {
  %a = math.exp %x : f32
  %b = math.tanh %x : f32
  %c = math.erf %x : f32
  %d = math.sqrt %x : f32
  return %a, %b, %c, %d : f32, f32, f32, f32
}

// bf16 conversions become integer arithmetic (no __truncsfbf2 call on x86
// without AVX512-BF16): truncation rounds to nearest even through i32.
// CHECK-LABEL: func.func @bf16
// CHECK-NOT: arith.truncf
// CHECK-NOT: arith.extf
// CHECK: arith.bitcast {{.*}} : vector<8xf32> to vector<8xi32>
// CHECK: arith.trunci {{.*}} : vector<8xi32> to vector<8xi16>
// CHECK: arith.bitcast {{.*}} : vector<8xi16> to vector<8xbf16>
func.func @bf16(%x: vector<8xf32>) -> vector<8xf32> {
  %h = arith.truncf %x : vector<8xf32> to vector<8xbf16>
  %f = arith.extf %h : vector<8xbf16> to vector<8xf32>
  return %f : vector<8xf32>
}
