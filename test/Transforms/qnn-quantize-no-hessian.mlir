// RUN: quant-opt %s --qnn-quantize="bits=4 method=gptq" | FileCheck %s
// RUN: quant-opt %s --qnn-quantize="bits=4 method=adaround" | FileCheck %s

// Calibration measures no X^T X for grouped (depthwise) convolutions, so a
// model whose only layers are such rounds them to nearest under GPTQ and
// AdaRound instead of asking for qnn-calibrate{hessians=true} (quantc's
// defaults with --calib once failed on such models).
// CHECK-LABEL: func.func @depthwise_only
// CHECK: qnn.dequantize
// CHECK: qnn.conv {{.*}}group = 2 {{.*}}qnn.weight_format = #qnn.weight_format<bits = 4,
func.func @depthwise_only(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %w = qnn.constant dense<[[[[1.0]]], [[[-0.5]]]]> : tensor<2x1x1x1xf32>
  %y = qnn.conv %x, %w {group = 2 : i64, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x3x3xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x3x3xf32>
  return %y : tensor<1x2x3x3xf32>
}
