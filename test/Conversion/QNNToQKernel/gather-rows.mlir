// A gather along axis 0 of a dequantized constant table (qnn-quantize's
// embedding-bits) becomes qkernel.gather_rows on the table's codes packed at
// their width, little end first; the float chain is gone. Codes are storage
// minus the storage minimum, and so is the zero point.
// RUN: quant-opt %s -split-input-file --convert-qnn-to-qkernel | FileCheck %s
// RUN: quant-opt %s -split-input-file --convert-qnn-to-qkernel="half-scales=true" | FileCheck %s --check-prefix=HALF

// Per row, 4 bits: codes 14 0 8 7 | 4 12 7 9 | 6 6 13 1 in two bytes a row.
// CHECK-LABEL: func.func @per_row_w4
// CHECK-DAG: %[[T:.*]] = qnn.constant dense_resource<qkernel_table> : tensor<3x2xi8>
// CHECK-DAG: %[[S:.*]] = qnn.constant dense_resource<qkernel_scales> : tensor<3x1xf32>
// CHECK: %[[Y:.*]] = qkernel.gather_rows %arg0, %[[T]], %[[S]] {bits = 4 : i64, columns = 4 : i64, group = 0 : i64, zero_point = 7 : i64} : (tensor<2x2xi64>, tensor<3x2xi8>, tensor<3x1xf32>) -> tensor<2x2x4xf32>
// CHECK-NOT: qnn.dequantize
// CHECK-NOT: qnn.gather
// CHECK: return %[[Y]]
// CHECK: qkernel_table: "0x100000000E78C497661D"
// HALF-LABEL: func.func @per_row_w4
// HALF: qnn.constant dense_resource<qkernel_scales> : tensor<3x1xf16>
func.func @per_row_w4(%ids: tensor<2x2xi64>) -> tensor<2x2x4xf32> {
  %q = qnn.constant dense<[[7, -7, 1, 0], [-3, 5, 0, 2], [-1, -1, 6, -6]]> : tensor<3x4xi8>
  %s = quant.scast %q : tensor<3x4xi8> to tensor<3x4x!quant.uniform<i8<-7:7>:f32:0, {0.5, 0.25, 2.0}>>
  %w = qnn.dequantize %s : tensor<3x4x!quant.uniform<i8<-7:7>:f32:0, {0.5, 0.25, 2.0}>> -> tensor<3x4xf32>
  %y = qnn.gather %w, %ids {axis = 0 : i64} : (tensor<3x4xf32>, tensor<2x2xi64>) -> tensor<2x2x4xf32>
  return %y : tensor<2x2x4xf32>
}

// -----

// Asymmetric groups of 2 columns: zero points -8 and 0 become codes 0 and 8,
// which differ, so they are a [rows, groups] table.
// CHECK-LABEL: func.func @groups_asym
// CHECK-DAG: %[[T:.*]] = qnn.constant dense_resource<qkernel_table> : tensor<2x2xi8>
// CHECK-DAG: %[[S:.*]] = qnn.constant dense_resource<qkernel_scales> : tensor<2x2xf32>
// CHECK-DAG: %[[Z:.*]] = qnn.constant dense_resource<qkernel_zero_points> : tensor<2x2xi8>
// CHECK: qkernel.gather_rows %arg0, %[[T]], %[[S]] zero_points %[[Z]] {bits = 4 : i64, columns = 4 : i64, group = 2 : i64} : (tensor<3xi32>, tensor<2x2xi8>, tensor<2x2xf32>, tensor<2x2xi8>) -> tensor<3x4xf32>
// Codes 15 0 8 9 | 1 2 3 4.
// CHECK: qkernel_table: "0x100000000F982143"
// CHECK: qkernel_zero_points: "0x1000000000080808"
// HALF-LABEL: func.func @groups_asym
// HALF: qnn.constant dense_resource<qkernel_scales> : tensor<2x2xf16>
func.func @groups_asym(%ids: tensor<3xi32>) -> tensor<3x4xf32> {
  %q = qnn.constant dense<[[7, -8, 0, 1], [-7, -6, -5, -4]]> : tensor<2x4xi8>
  %s = quant.scast %q : tensor<2x4xi8> to tensor<2x4x!quant.uniform<i8<-8:7>:f32:{0:1, 1:2}, {{0.5:-8, 0.25:0}, {1.0:0, 0.125:0}}>>
  %w = qnn.dequantize %s : tensor<2x4x!quant.uniform<i8<-8:7>:f32:{0:1, 1:2}, {{0.5:-8, 0.25:0}, {1.0:0, 0.125:0}}>> -> tensor<2x4xf32>
  %y = qnn.gather %w, %ids {axis = 0 : i64} : (tensor<2x4xf32>, tensor<3xi32>) -> tensor<3x4xf32>
  return %y : tensor<3x4xf32>
}

// -----

// 8-bit codes (storage -127..127, per tensor) take a byte each; 2-bit ones
// (storage -1..1) four to a byte.
// CHECK-LABEL: func.func @widths
// CHECK: qkernel.gather_rows %arg0, %{{.*}}, %{{.*}} {bits = 8 : i64, columns = 2 : i64, group = 0 : i64, zero_point = 127 : i64} : (tensor<1xi64>, tensor<2x2xi8>, tensor<2x1xf32>) -> tensor<1x2xf32>
// CHECK: qkernel.gather_rows %arg0, %{{.*}}, %{{.*}} {bits = 2 : i64, columns = 5 : i64, group = 0 : i64, zero_point = 1 : i64} : (tensor<1xi64>, tensor<2x2xi8>, tensor<2x1xf32>) -> tensor<1x5xf32>
// 8 bits: codes 254 0 | 127 128.
// CHECK: "0x10000000FE007F80"
// 2 bits: codes 2 0 1 2 1 | 0 0 0 0 2 -> 0x92 0x01 | 0x00 0x02.
// CHECK: "0x1000000092010002"
func.func @widths(%ids: tensor<1xi64>) -> (tensor<1x2xf32>, tensor<1x5xf32>) {
  %q8 = qnn.constant dense<[[127, -127], [0, 1]]> : tensor<2x2xi8>
  %s8 = quant.scast %q8 : tensor<2x2xi8> to tensor<2x2x!quant.uniform<i8<-127:127>:f32, 0.5>>
  %w8 = qnn.dequantize %s8 : tensor<2x2x!quant.uniform<i8<-127:127>:f32, 0.5>> -> tensor<2x2xf32>
  %y8 = qnn.gather %w8, %ids {axis = 0 : i64} : (tensor<2x2xf32>, tensor<1xi64>) -> tensor<1x2xf32>
  %q2 = qnn.constant dense<[[1, -1, 0, 1, 0], [-1, -1, -1, -1, 1]]> : tensor<2x5xi8>
  %s2 = quant.scast %q2 : tensor<2x5xi8> to tensor<2x5x!quant.uniform<i8<-1:1>:f32:0, {0.5, 0.25}>>
  %w2 = qnn.dequantize %s2 : tensor<2x5x!quant.uniform<i8<-1:1>:f32:0, {0.5, 0.25}>> -> tensor<2x5xf32>
  %y2 = qnn.gather %w2, %ids {axis = -2 : i64} : (tensor<2x5xf32>, tensor<1xi64>) -> tensor<1x5xf32>
  return %y8, %y2 : tensor<1x2xf32>, tensor<1x5xf32>
}

// -----

// Along axis 1 the gather reads columns, not rows: it stays as it is.
// CHECK-LABEL: func.func @columns
// CHECK: qnn.dequantize
// CHECK: qnn.gather
// CHECK-NOT: qkernel.gather_rows
func.func @columns(%ids: tensor<1xi64>) -> tensor<2x1xf32> {
  %q = qnn.constant dense<[[7, -7], [1, 0]]> : tensor<2x2xi8>
  %s = quant.scast %q : tensor<2x2xi8> to tensor<2x2x!quant.uniform<i8<-7:7>:f32:0, {0.5, 0.25}>>
  %w = qnn.dequantize %s : tensor<2x2x!quant.uniform<i8<-7:7>:f32:0, {0.5, 0.25}>> -> tensor<2x2xf32>
  %y = qnn.gather %w, %ids {axis = 1 : i64} : (tensor<2x2xf32>, tensor<1xi64>) -> tensor<2x1xf32>
  return %y : tensor<2x1xf32>
}
