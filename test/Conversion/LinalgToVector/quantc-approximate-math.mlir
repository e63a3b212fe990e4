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
