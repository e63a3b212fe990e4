// RUN: quant-opt %s --qnn-allocate-bits="avg-bits=4 preferred-min-bits=3" | FileCheck %s --check-prefix=ALL
// RUN: quant-opt %s --qnn-allocate-bits="avg-bits=4 preferred-min-bits=3 output-min-bits=4" | FileCheck %s --check-prefix=FINAL
// RUN: quant-opt %s --qnn-allocate-bits="avg-bits=3 preferred-min-bits=3 output-min-bits=4" | FileCheck %s --check-prefix=NEEDS-THREE
// RUN: quant-opt %s --qnn-allocate-bits="avg-bits=4 preferred-min-bits=3 output-min-bits=4 pins=c=3" | FileCheck %s --check-prefix=PIN

// Three 10x10 layers; c is the final one (only a relu and the return read
// it) and cheap to narrow as measured alone, so the summed sensitivities
// give it 3 bits and a 5.
// ALL: predicted_omega = 2.500000e-01
// ALL: weight_format<bits = 5,
// ALL: weight_format<bits = 4,
// ALL: weight_format<bits = 3,
// output-min-bits=4 keeps the final layer at 4 bits or more while the
// budget allows it.
// FINAL: predicted_omega = 4.050000e-01
// FINAL: weight_format<bits = 4,
// FINAL: weight_format<bits = 4,
// FINAL: weight_format<bits = 4,
// 3 bits on average need c at 3: the final layer's floor yields first,
// then preferred-min-bits would.
// NEEDS-THREE: predicted_omega = 2.010000e+00
// NEEDS-THREE: weight_format<bits = 3,
// NEEDS-THREE: weight_format<bits = 3,
// NEEDS-THREE: weight_format<bits = 3,
// A pin below the floor stands.
// PIN: predicted_omega = 2.500000e-01
// PIN: weight_format<bits = 5,
// PIN: weight_format<bits = 4,
// PIN: weight_format<bits = 3,
func.func @main(%x: tensor<1x10xf32>) -> tensor<1x10xf32> {
  %w = qnn.constant dense<0.5> : tensor<10x10xf32>
  %a = qnn.matmul %x, %w {qnn.sensitivity = #qnn.sensitivity<bits = [3, 4, 5], omega = [1.0, 0.2, 0.04]>} : (tensor<1x10xf32>, tensor<10x10xf32>) -> tensor<1x10xf32> loc("a")
  %b = qnn.matmul %a, %w {qnn.sensitivity = #qnn.sensitivity<bits = [3, 4, 5], omega = [1.0, 0.2, 0.05]>} : (tensor<1x10xf32>, tensor<10x10xf32>) -> tensor<1x10xf32> loc("b")
  %c = qnn.matmul %b, %w {qnn.sensitivity = #qnn.sensitivity<bits = [3, 4, 5], omega = [0.01, 0.005, 0.001]>} : (tensor<1x10xf32>, tensor<10x10xf32>) -> tensor<1x10xf32> loc("c")
  %r = qnn.relu %c : tensor<1x10xf32>
  return %r : tensor<1x10xf32>
}
