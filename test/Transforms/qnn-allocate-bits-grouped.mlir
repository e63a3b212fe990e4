// RUN: quant-opt %s --qnn-allocate-bits="avg-bits=6 preferred-min-bits=3" | FileCheck %s --check-prefix=ALL
// RUN: quant-opt %s --qnn-allocate-bits="avg-bits=6 preferred-min-bits=3 grouped-min-bits=8" | FileCheck %s --check-prefix=GROUPED
// RUN: quant-opt %s --qnn-allocate-bits="avg-bits=5 preferred-min-bits=3 grouped-min-bits=8" | FileCheck %s --check-prefix=YIELDS
// RUN: quant-opt %s --qnn-allocate-bits="avg-bits=6 preferred-min-bits=3 grouped-min-bits=8 output-min-bits=4" | FileCheck %s --check-prefix=GROUPED-FIRST
// RUN: quant-opt %s --qnn-allocate-bits="avg-bits=6.2 preferred-min-bits=3 grouped-min-bits=8 output-min-bits=4" | FileCheck %s --check-prefix=BOTH

// A depthwise conv (72 weights), cheap to narrow as measured, then a
// pointwise one (64 weights, the final layer). The summed sensitivities give
// the depthwise conv 4 bits and the pointwise one 8.
// ALL: predicted_omega = 0.06
// ALL: qnn.conv {{.*}}group = 8 {{.*}}weight_format<bits = 4,
// ALL: qnn.conv %{{.*}}, %{{.*}} {dilations = array<i64: 1, 1>, pads{{.*}}weight_format<bits = 8,
// grouped-min-bits=8 keeps the depthwise conv at 8 bits while the budget
// allows it: 6 bits on average leave the pointwise conv 3.
// GROUPED: predicted_omega = 1.000000e+00
// GROUPED: qnn.conv {{.*}}group = 8 {{.*}}weight_format<bits = 8,
// GROUPED: qnn.conv %{{.*}}, %{{.*}} {dilations = array<i64: 1, 1>, pads{{.*}}weight_format<bits = 3,
// 5 bits on average cannot hold it: the floor yields.
// YIELDS: predicted_omega = 2.500000e-01
// YIELDS: qnn.conv {{.*}}group = 8 {{.*}}weight_format<bits = 4,
// YIELDS: qnn.conv %{{.*}}, %{{.*}} {dilations = array<i64: 1, 1>, pads{{.*}}weight_format<bits = 4,
// Both floors do not fit in 6 bits: the grouped one yields first, and the
// final layer keeps its floor of 4.
// GROUPED-FIRST: predicted_omega = 0.06
// GROUPED-FIRST: qnn.conv {{.*}}group = 8 {{.*}}weight_format<bits = 4,
// GROUPED-FIRST: qnn.conv %{{.*}}, %{{.*}} {dilations = array<i64: 1, 1>, pads{{.*}}weight_format<bits = 8,
// 6.2 bits hold both.
// BOTH: predicted_omega = 2.000000e-01
// BOTH: qnn.conv {{.*}}group = 8 {{.*}}weight_format<bits = 8,
// BOTH: qnn.conv %{{.*}}, %{{.*}} {dilations = array<i64: 1, 1>, pads{{.*}}weight_format<bits = 4,
func.func @main(%x: tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32> {
  %wd = qnn.constant dense<0.5> : tensor<8x1x3x3xf32>
  %wp = qnn.constant dense<0.5> : tensor<8x8x1x1xf32>
  %d = qnn.conv %x, %wd {group = 8 : i64, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, qnn.sensitivity = #qnn.sensitivity<bits = [3, 4, 8], omega = [0.1, 0.05, 0.0]>} : (tensor<1x8x4x4xf32>, tensor<8x1x3x3xf32>) -> tensor<1x8x4x4xf32> loc("dw")
  %p = qnn.conv %d, %wp {group = 1 : i64, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, qnn.sensitivity = #qnn.sensitivity<bits = [3, 4, 8], omega = [1.0, 0.2, 0.01]>} : (tensor<1x8x4x4xf32>, tensor<8x8x1x1xf32>) -> tensor<1x8x4x4xf32> loc("pw")
  return %p : tensor<1x8x4x4xf32>
}
