// RUN: quant-opt %s --qnn-quantize="act-bits=8" | FileCheck %s
// RUN: quant-opt %s --qnn-quantize="act-bits=16" | FileCheck %s --check-prefix=WIDE

// qnn-calibrate's per-channel bounds of a depthwise input: int8 per channel
// (axis 1), symmetric, scale bound / 127. At 16 bits the tensor range is
// fine enough and the bounds are not used.
// CHECK: %[[Q:.*]] = qnn.quantize %arg0 : tensor<1x2x2x2xf32> -> tensor<1x2x2x2x!quant.uniform<i8<-127:127>:f32:1, {0.31496062874794006,0.0031496062874794006}>>
// CHECK: %[[X:.*]] = qnn.dequantize %[[Q]]
// CHECK: qnn.conv %[[X]]
// CHECK-NOT: qnn.input_channel_bounds
// WIDE: qnn.quantize %arg0 : tensor<1x2x2x2xf32> -> tensor<1x2x2x2x!quant.uniform<i16<-32767:32767>:f32, {{.*}}>>
func.func @main(%x: tensor<1x2x2x2xf32> {qnn.range = #qnn.range<-40.0, 40.0>}) -> tensor<1x2x2x2xf32> {
  %w = qnn.constant dense<1.0> : tensor<2x1x1x1xf32>
  %y = qnn.conv %x, %w {group = 2 : i64, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, qnn.input_channel_bounds = array<f64: 40.0, 0.4>} : (tensor<1x2x2x2xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}
