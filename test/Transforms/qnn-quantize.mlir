// RUN: quant-opt %s -split-input-file --qnn-quantize="clip-search=false" | FileCheck %s
// RUN: quant-opt %s -split-input-file --qnn-quantize="clip-search=false group-size=-1" | FileCheck %s --check-prefix=TENSOR
// RUN: quant-opt %s -split-input-file --qnn-quantize="clip-search=false bits=4 group-size=2" | FileCheck %s --check-prefix=GROUP
// RUN: quant-opt %s -split-input-file --qnn-quantize="bits=ternary" | FileCheck %s --check-prefix=TERNARY
// RUN: quant-opt %s -split-input-file --qnn-quantize="bits=binary" | FileCheck %s --check-prefix=BINARY
// RUN: quant-opt %s -split-input-file --qnn-quantize="bits=fc_keep=none,8 act-bits=8" | FileCheck %s --check-prefix=ACT

// Per output channel (B[K, N]: axis 1). Column 0 = {1, 0.5}: scale 1/127,
// q = {127, round_even(63.5) = 64}; column 1 = {-2, 4}: scale 4/127, q = {-64, 127}.
// CHECK-LABEL: func.func @matmul
// CHECK: %[[Q:.*]] = qnn.constant dense_resource<qweight> : tensor<2x2xi8>
// CHECK: %[[S:.*]] = quant.scast %[[Q]] : tensor<2x2xi8> to tensor<2x2x!quant.uniform<i8<-127:127>:f32:1, {0.0078740157186985015,0.031496062874794006}>>
// CHECK: %[[W:.*]] = qnn.dequantize %[[S]]
// CHECK: qnn.matmul %arg0, %[[W]] {qnn.weight_format = #qnn.weight_format<bits = 8, group_size = 0, ternary = false, symmetric = true>}
// CHECK-NOT: qnn.constant dense<
// CHECK: qweight: "0x100000007FC0407F"
// TENSOR-LABEL: func.func @matmul
// TENSOR: !quant.uniform<i8<-127:127>:f32, 0.031496062874794006>
// TERNARY-LABEL: func.func @matmul
// TERNARY: !quant.uniform<i8<-1:1>:f32:1
// TERNARY: qnn.matmul {{.*}}ternary = true
// BINARY-LABEL: func.func @matmul
// BINARY: !quant.uniform<i8<-1:1>:f32:1, {7.500000e-01,3.000000e+00}>
// BINARY: qnn.matmul {{.*}}bits = 1,
func.func @matmul(%x: tensor<1x2xf32> {qnn.range = #qnn.range<-1.0, 1.0>}) -> tensor<1x2xf32> {
  %w = qnn.constant dense<[[1.0, -2.0], [0.5, 4.0]]> : tensor<2x2xf32>
  %y = qnn.matmul %x, %w : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

// Groups of 2 input channels along K of B^T[N, K]: scales [N, K/2], each
// rounded to f16 (2/7 = 0.2857143 -> 0.2856445, 40/7 -> 5.7148438); the codes
// are those of the exact scales.
// GROUP-LABEL: func.func @gemm_groups
// GROUP: !quant.uniform<i8<-7:7>:f32:{0:1, 1:2}, {{[{][{]}}0.285644531, 5.71484375}, {0.142822266, 1.14257813}}>
// GROUP: qnn.gemm {{.*}}group_size = 2
// GROUP: qweight{{.*}}: "0x1000000003070507F90701F9"
func.func @gemm_groups(%x: tensor<1x4xf32> {qnn.range = #qnn.range<-1.0, 1.0>}) -> tensor<1x2xf32> {
  %w = qnn.constant dense<[[1.0, 2.0, 30.0, 40.0], [-1.0, 1.0, 1.0, -8.0]]> : tensor<2x4xf32>
  %y = qnn.gemm %x, %w {trans_b = true} : (tensor<1x4xf32>, tensor<2x4xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

// A layer's own qnn.weight_format wins over the option; conv channels are axis 0.
// CHECK-LABEL: func.func @conv_format
// CHECK: !quant.uniform<i8<-7:7>:f32:0, {0.28571429848670959,0.1428571492433548}>
// CHECK: qnn.conv {{.*}}bits = 4
func.func @conv_format(%x: tensor<1x1x2x2xf32> {qnn.range = #qnn.range<-1.0, 1.0>}) -> tensor<1x2x2x2xf32> {
  %w = qnn.constant dense<[[[[2.0]]], [[[-1.0]]]]> : tensor<2x1x1x1xf32>
  %y = qnn.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, qnn.weight_format = #qnn.weight_format<bits = 4, group_size = 0, ternary = false, symmetric = true>} : (tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}

// -----

// Activations: asymmetric int8 from the calibrated range [-1, 2.5]:
// scale 3.5/255, zero point round(-128 + 1/scale) = -55. The input is shared
// by two layers and quantized once; `fc_keep` keeps float weights.
// ACT-LABEL: func.func @activations
// ACT: %[[Q:.*]] = qnn.quantize %arg0 : tensor<1x2xf32> -> tensor<1x2x!quant.uniform<i8:f32, 0.013725490309298038:-55>>
// ACT: %[[D:.*]] = qnn.dequantize %[[Q]]
// ACT: qnn.relu %arg0
// ACT: qnn.matmul %[[D]], %{{.*}} {qnn.weight_format
// ACT: %[[KEEP:.*]] = qnn.matmul %[[D]], %{{.*}} : (tensor<1x2xf32>, tensor<2x2xf32>)
func.func @activations(%x: tensor<1x2xf32> {qnn.range = #qnn.range<-1.0, 2.5>}) -> (tensor<1x2xf32>, tensor<1x2xf32>, tensor<1x2xf32>) {
  %r = qnn.relu %x : tensor<1x2xf32>
  %w = qnn.constant dense<[[1.0, -2.0], [0.5, 4.0]]> : tensor<2x2xf32>
  %y = qnn.matmul %x, %w : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
  %z = qnn.matmul %x, %w : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32> loc("fc_keep")
  return %r, %y, %z : tensor<1x2xf32>, tensor<1x2xf32>, tensor<1x2xf32>
}
