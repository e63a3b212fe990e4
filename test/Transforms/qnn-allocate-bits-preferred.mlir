// RUN: quant-opt %s --qnn-allocate-bits="avg-bits=4" | FileCheck %s --check-prefix=ALL
// RUN: quant-opt %s --qnn-allocate-bits="avg-bits=4 preferred-min-bits=3" | FileCheck %s --check-prefix=WIDE
// RUN: quant-opt %s --qnn-allocate-bits="avg-bits=3 preferred-min-bits=3" | FileCheck %s --check-prefix=NEEDS-TWO
// RUN: quant-opt %s --qnn-allocate-bits="avg-bits=4 preferred-min-bits=3 pins=a=2" | FileCheck %s --check-prefix=PIN

// Three 10x10 layers (100 weights each); c is sensitive. At 4 bits on
// average the summed sensitivities favour a and b at 2 bits so that c gets
// 8 (0.2 against 10.1 for every layer at 4): the additive model's choice,
// which 2-bit layers' compounding errors make a poor one on real models.
// ALL: predicted_omega = 2.000000e-01
// ALL: weight_format<bits = 2,
// ALL: weight_format<bits = 2,
// ALL: weight_format<bits = 8,
// With preferred-min-bits=3, 2 bits stay out while 4 bits on average fit.
// WIDE: predicted_omega = 1.010000e+01
// WIDE: weight_format<bits = 4,
// WIDE: weight_format<bits = 4,
// WIDE: weight_format<bits = 4,
// 3 bits on average cannot be met without 2-bit layers: all widths return.
// NEEDS-TWO: predicted_omega = 1.020000e+01
// NEEDS-TWO: weight_format<bits = 2,
// NEEDS-TWO: weight_format<bits = 2,
// NEEDS-TWO: weight_format<bits = 4,
// A pin to 2 bits keeps that candidate for its layer only.
// PIN: predicted_omega = 1.015000e+01
// PIN: weight_format<bits = 2,
// PIN: weight_format<bits = 4,
// PIN: weight_format<bits = 4,
func.func @main(%x: tensor<1x10xf32>) -> tensor<1x10xf32> {
  %w = qnn.constant dense<0.5> : tensor<10x10xf32>
  %a = qnn.matmul %x, %w {qnn.sensitivity = #qnn.sensitivity<bits = [2, 4, 8], omega = [0.1, 0.05, 0.0]>} : (tensor<1x10xf32>, tensor<10x10xf32>) -> tensor<1x10xf32> loc("a")
  %b = qnn.matmul %a, %w {qnn.sensitivity = #qnn.sensitivity<bits = [2, 4, 8], omega = [0.1, 0.05, 0.0]>} : (tensor<1x10xf32>, tensor<10x10xf32>) -> tensor<1x10xf32> loc("b")
  %c = qnn.matmul %b, %w {qnn.sensitivity = #qnn.sensitivity<bits = [2, 4, 8], omega = [100.0, 10.0, 0.0]>} : (tensor<1x10xf32>, tensor<10x10xf32>) -> tensor<1x10xf32> loc("c")
  return %c : tensor<1x10xf32>
}
