// RUN: quant-opt %s -split-input-file --qnn-quantize="bits=4 group-size=32 embedding-bits=4" | FileCheck %s
// RUN: quant-opt %s -split-input-file --qnn-quantize="bits=4 embedding-bits=8" | FileCheck %s --check-prefix=ROW8
// RUN: quant-opt %s -split-input-file --qnn-quantize="bits=4 group-size=32" | FileCheck %s --check-prefix=OFF
// RUN: not quant-opt %s --qnn-quantize="embedding-bits=9" 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: error: qnn-quantize: embedding-bits must be 0 (float) or 2 to 8, got 9

// An embedding table (a gather along axis 0 of a constant f32 [rows, columns]
// table of 64K weights and more) reads quantized rows: in groups of 32
// columns with f16-exact scales (1.75 in 4 bits: 7 steps of 0.25), or per
// row; embedding-bits=0 (the default) keeps it float.
// CHECK-LABEL: func.func @embedding
// CHECK: %[[Q:.*]] = qnn.constant dense_resource<qembedding> : tensor<256x256xi8>
// CHECK: %[[S:.*]] = quant.scast %[[Q]] : tensor<256x256xi8> to tensor<256x256x!quant.uniform<i8<-7:7>:f32:{0:1, 1:32}, {{[{][{]}}2.500000e-01, 2.500000e-01,
// CHECK: %[[W:.*]] = qnn.dequantize %[[S]]
// CHECK: qnn.gather %[[W]], %arg0 {qnn.weight_format = #qnn.weight_format<bits = 4, group_size = 32, ternary = false, symmetric = true>}
// ROW8-LABEL: func.func @embedding
// ROW8: quant.scast {{.*}} to tensor<256x256x!quant.uniform<i8<-127:127>:f32:0, {0.0137795{{[0-9]*}},
// ROW8: qnn.gather {{.*}}#qnn.weight_format<bits = 8, group_size = 0,
// OFF-LABEL: func.func @embedding
// OFF: %[[T:.*]] = qnn.constant dense<1.750000e+00> : tensor<256x256xf32>
// OFF: qnn.gather %[[T]], %arg0
func.func @embedding(%ids: tensor<1x4xi64>) -> tensor<1x4x256xf32> {
  %t = qnn.constant dense<1.75> : tensor<256x256xf32>
  %y = qnn.gather %t, %ids {axis = 0 : i64} : (tensor<256x256xf32>, tensor<1x4xi64>) -> tensor<1x4x256xf32>
  return %y : tensor<1x4x256xf32>
}

// -----

// Small tables, gathers along another axis and tables that are not
// constants stay as they are.
// CHECK-LABEL: func.func @not_embeddings
// CHECK-NOT: qnn.dequantize
// CHECK: return
func.func @not_embeddings(%ids: tensor<4xi64>, %data: tensor<300x300xf32>) -> (tensor<4x8xf32>, tensor<256x4xf32>, tensor<4x300xf32>) {
  %small = qnn.constant dense<1.0> : tensor<100x8xf32>
  %a = qnn.gather %small, %ids {axis = 0 : i64} : (tensor<100x8xf32>, tensor<4xi64>) -> tensor<4x8xf32>
  %wide = qnn.constant dense<1.0> : tensor<256x256xf32>
  %b = qnn.gather %wide, %ids {axis = 1 : i64} : (tensor<256x256xf32>, tensor<4xi64>) -> tensor<256x4xf32>
  %c = qnn.gather %data, %ids {axis = 0 : i64} : (tensor<300x300xf32>, tensor<4xi64>) -> tensor<4x300xf32>
  return %a, %b, %c : tensor<4x8xf32>, tensor<256x4xf32>, tensor<4x300xf32>
}
