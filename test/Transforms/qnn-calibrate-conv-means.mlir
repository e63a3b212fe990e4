// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as n; n.save('%t/ones.npy', n.ones((1, 1, 2, 2), n.float32))"
// RUN: quant-opt %s --qnn-calibrate="inputs=%t/ones.npy" | FileCheck %s

// Bias correction needs E[x] of each weight column. A 3x3 convolution with
// padding 1 over a 2x2 map of ones: the centre tap always reads a one, an
// edge tap half of the time, a corner tap a quarter: not the channel mean 1.
// CHECK: qnn.conv {{.*}}qnn.input_mean = array<f64: 2.500000e-01, 5.000000e-01, 2.500000e-01, 5.000000e-01, 1.000000e+00, 5.000000e-01, 2.500000e-01, 5.000000e-01, 2.500000e-01>
func.func @main(%x: tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32> {
  %w = qnn.constant dense<1.0> : tensor<1x1x3x3xf32>
  %y = qnn.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x1x2x2xf32>, tensor<1x1x3x3xf32>) -> tensor<1x1x2x2xf32>
  return %y : tensor<1x1x2x2xf32>
}
