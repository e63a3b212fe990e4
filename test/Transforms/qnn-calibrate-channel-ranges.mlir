// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as n; n.save('%t/x.npy', n.array([[[[-40, -10], [10, 40]], [[-0.4, -0.1], [0.1, 0.4]]]], n.float32))"
// RUN: %python -c "import numpy as n; n.save('%t/y.npy', n.array([[[[1, 2], [3, 4]], [[1.5, 2.5], [3.5, 4]]]], n.float32))"
// RUN: quant-opt %s --qnn-calibrate="inputs=%t/x.npy method=mse" | FileCheck %s --check-prefix=APART
// RUN: quant-opt %s --qnn-calibrate="inputs=%t/y.npy method=mse" | FileCheck %s --check-prefix=ALIKE
// RUN: quant-opt %s --qnn-calibrate="inputs=%t/x.npy method=mse channel-ranges=false" | FileCheck %s --check-prefix=ALIKE
// RUN: quant-opt %s --qnn-calibrate="inputs=%t/x.npy method=minmax" | FileCheck %s --check-prefix=ALIKE
// RUN: quant-opt %s --qnn-calibrate="inputs=%t/x.npy method=mse hessians=true act-sensitivity=true" | FileCheck %s --check-prefix=AUTO-APART
// RUN: quant-opt %s --qnn-calibrate="inputs=%t/y.npy method=mse hessians=true act-sensitivity=true" | FileCheck %s --check-prefix=AUTO-ALIKE

// A depthwise input whose channels differ 100-fold: one int8 range over
// [-40, 40] rounds every value of channel 1 to 0, so each channel gets its
// own symmetric bound (about 40 and 0.4).
// APART: qnn.conv {{.*}}qnn.input_channel_bounds = array<f64: 4.000000e+01, 0.4000000{{[0-9]+}}>
// Channels alike and all positive: the tensor's asymmetric range quantizes
// them better than symmetric per-channel ones; nothing is stored.
// ALIKE-NOT: qnn.input_channel_bounds
// With per-channel int8 the input is no candidate for 16 bits (--act-bits
// auto): the 16-bit form is one range per tensor, which measured worse
// downstream on rec. Without channel bounds it is scored at both widths.
// AUTO-APART: qnn.conv
// AUTO-APART-NOT: qnn.act_sensitivity
// AUTO-APART-SAME: qnn.input_channel_bounds
// AUTO-ALIKE: qnn.conv {{.*}}qnn.act_sensitivity = array<f64:
func.func @main(%x: tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32> {
  %w = qnn.constant dense<1.0> : tensor<2x1x1x1xf32>
  %y = qnn.conv %x, %w {group = 2 : i64, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x2x2xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}
