// Scale tables in f16 (half-scales, on for the avx2, vnni and neon kernel
// families): only when every scale of the layer is an f16 value, as the
// quantizer leaves grouped weights' scales; anything else keeps f32.
// RUN: quant-opt %s -split-input-file --convert-qnn-to-qkernel="half-scales=true" | FileCheck %s
// RUN: quant-opt %s -split-input-file --convert-qnn-to-qkernel | FileCheck %s --check-prefix=F32

// CHECK-LABEL: func.func @half_exact
// CHECK: %[[S:.*]] = qnn.constant dense_resource<qkernel_scales> : tensor<2x16xf16>
// CHECK: qkernel.matmul %arg0, %{{.*}}, %[[S]] {{.*}}: (tensor<1x64xf32>, tensor<{{[0-9]+}}xi8>, tensor<2x16xf16>) -> tensor<1x1xf32>
// 0.5 is 0x3800, 0.0999755859375 0x2E66 (after the blob's 4-byte alignment word):
// CHECK: qkernel_scales: "0x100000000038{{(0000)+}}662E{{0+}}"
// F32-LABEL: func.func @half_exact
// F32: qnn.constant dense_resource<qkernel_scales> : tensor<2x16xf32>
func.func @half_exact(%x: tensor<1x64xf32>) -> tensor<1x1xf32> {
  %q = qnn.constant dense<1> : tensor<64x1xi8>
  %s = quant.scast %q : tensor<64x1xi8> to tensor<64x1x!quant.uniform<i8<-7:7>:f32:{0:32, 1:1}, {{0.5}, {0.0999755859375}}>>
  %w = qnn.dequantize %s : tensor<64x1x!quant.uniform<i8<-7:7>:f32:{0:32, 1:1}, {{0.5}, {0.0999755859375}}>> -> tensor<64x1xf32>
  %y = qnn.matmul %x, %w : (tensor<1x64xf32>, tensor<64x1xf32>) -> tensor<1x1xf32>
  return %y : tensor<1x1xf32>
}

// -----

// 0.1 is no f16 value: the table stays f32 rather than round a scale.
// CHECK-LABEL: func.func @not_half
// CHECK: qnn.constant dense_resource<qkernel_scales> : tensor<2x16xf32>
func.func @not_half(%x: tensor<1x64xf32>) -> tensor<1x1xf32> {
  %q = qnn.constant dense<1> : tensor<64x1xi8>
  %s = quant.scast %q : tensor<64x1xi8> to tensor<64x1x!quant.uniform<i8<-7:7>:f32:{0:32, 1:1}, {{0.5}, {0.1}}>>
  %w = qnn.dequantize %s : tensor<64x1x!quant.uniform<i8<-7:7>:f32:{0:32, 1:1}, {{0.5}, {0.1}}>> -> tensor<64x1xf32>
  %y = qnn.matmul %x, %w : (tensor<1x64xf32>, tensor<64x1xf32>) -> tensor<1x1xf32>
  return %y : tensor<1x1xf32>
}
