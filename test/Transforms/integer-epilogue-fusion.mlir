// RUN: quant-opt %s --pass-pipeline="builtin.module(qnn-fold-scales, convert-qnn-to-linalg, func.func(quantc-fuse-elementwise))" | FileCheck %s

// Conv + HardSwish + PP-LCNetV3's scalar affine into the next int8 layer: the
// conv's int32 accumulator goes through dequantize, HardSwish, Mul, Add and
// quantize in ONE loop (an int8 table would be coarser than the output
// here, see qnn-fold-scales.mlir): the activation is fused into the conv's
// epilogue and never round-trips through memory in float.
// CHECK-LABEL: func.func @conv_hardswish_affine
// CHECK: linalg.matmul
// CHECK: %[[OUT:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x2x3x3xi32>, tensor<2xf32>) outs(%{{.*}} : tensor<1x2x3x3xi8>)
// CHECK: arith.sitofp
// CHECK: arith.mulf
// CHECK: arith.minimumf
// CHECK: math.roundeven
// CHECK: arith.fptosi
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @conv_hardswish_affine(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xi8> {
  %q = qnn.quantize %x : tensor<1x2x3x3xf32> -> tensor<1x2x3x3x!quant.uniform<i8:f32, 0.5:-3>>
  %xd = qnn.dequantize %q : tensor<1x2x3x3x!quant.uniform<i8:f32, 0.5:-3>> -> tensor<1x2x3x3xf32>
  %wq = qnn.constant dense<[[[[1]], [[2]]], [[[3]], [[-4]]]]> : tensor<2x2x1x1xi8>
  %ws = quant.scast %wq : tensor<2x2x1x1xi8> to tensor<2x2x1x1x!quant.uniform<i8<-127:127>:f32:0, {0.25, 0.5}>>
  %wd = qnn.dequantize %ws : tensor<2x2x1x1x!quant.uniform<i8<-127:127>:f32:0, {0.25, 0.5}>> -> tensor<2x2x1x1xf32>
  %y = qnn.conv %xd, %wd {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x3x3xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x3x3xf32>
  %h = qnn.hard_swish %y : tensor<1x2x3x3xf32>
  %a = qnn.constant dense<1.5> : tensor<1xf32>
  %b = qnn.constant dense<0.25> : tensor<1xf32>
  %m = qnn.mul %a, %h : (tensor<1xf32>, tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %s = qnn.add %m, %b : (tensor<1x2x3x3xf32>, tensor<1xf32>) -> tensor<1x2x3x3xf32>
  %o = qnn.quantize %s : tensor<1x2x3x3xf32> -> tensor<1x2x3x3x!quant.uniform<i8:f32, 0.02:-110>>
  %i = quant.scast %o : tensor<1x2x3x3x!quant.uniform<i8:f32, 0.02:-110>> to tensor<1x2x3x3xi8>
  return %i : tensor<1x2x3x3xi8>
}
