// RUN: quant-opt %s --convert-qkernel-to-loops="family=avx2" | FileCheck %s

// qkernel.gather_rows becomes one linalg.generic over the result: the row
// (negative ids from the end, then clamped into the table), the code's byte
// (column * bits / 8) shifted right by (column * bits) % 8 and masked, minus
// the zero point, as f32 times the group's scale (f16 widened): the
// arithmetic of qnn.dequantize, so the same bits.
// CHECK-LABEL: func.func @gather_rows
// CHECK: linalg.generic {{.*}} ins(%arg0 : tensor<1x3xi64>) outs(%{{.*}} : tensor<1x3x64xf32>)
// CHECK: %[[I:.*]] = arith.index_cast %in : i64 to index
// CHECK: %[[NEG:.*]] = arith.cmpi slt, %[[I]], %[[C0:.*]] : index
// CHECK: %[[WRAP:.*]] = arith.addi %[[I]], %c100 : index
// CHECK: %[[SEL:.*]] = arith.select %[[NEG]], %[[WRAP]], %[[I]] : index
// CHECK: %[[LO:.*]] = arith.maxsi %[[SEL]], %[[C0]] : index
// CHECK: %[[ROW:.*]] = arith.minsi %[[LO]], %c99 : index
// CHECK: %[[COL:.*]] = linalg.index 2 : index
// CHECK: %[[BIT:.*]] = arith.muli %[[COL]], %c4 : index
// CHECK: %[[BYTE:.*]] = arith.divui %[[BIT]], %c8 : index
// CHECK: %[[B:.*]] = tensor.extract %arg1[%[[ROW]], %[[BYTE]]] : tensor<100x32xi8>
// CHECK: %[[W:.*]] = arith.extui %[[B]] : i8 to i32
// CHECK: %[[SH:.*]] = arith.remui %[[BIT]], %{{.*}} : index
// CHECK: %[[SH32:.*]] = arith.index_cast %[[SH]] : index to i32
// CHECK: %[[R:.*]] = arith.shrui %[[W]], %[[SH32]] : i32
// CHECK: %[[CODE:.*]] = arith.andi %[[R]], %c15_i32 : i32
// CHECK: %[[G:.*]] = arith.divui %[[COL]], %c32 : index
// CHECK: %[[S16:.*]] = tensor.extract %arg2[%[[ROW]], %[[G]]] : tensor<100x2xf16>
// CHECK: %[[S:.*]] = arith.extf %[[S16]] : f16 to f32
// CHECK: %[[D:.*]] = arith.subi %[[CODE]], %c7_i32 : i32
// CHECK: %[[F:.*]] = arith.sitofp %[[D]] : i32 to f32
// CHECK: %[[V:.*]] = arith.mulf %[[F]], %[[S]] : f32
// CHECK: linalg.yield %[[V]] : f32
// A zero-point table is read per (row, group), unsigned.
// CHECK: linalg.generic {{.*}} ins(%arg3 : tensor<5xi32>) outs(%{{.*}} : tensor<5x64xf32>)
// CHECK: %[[ZB:.*]] = tensor.extract %arg4[%{{.*}}, %{{.*}}] : tensor<100x2xi8>
// CHECK: %[[Z:.*]] = arith.extui %[[ZB]] : i8 to i32
// CHECK: arith.subi %{{.*}}, %[[Z]] : i32
// CHECK-NOT: qkernel.gather_rows
func.func @gather_rows(%ids: tensor<1x3xi64>, %t: tensor<100x32xi8>, %s: tensor<100x2xf16>, %ids32: tensor<5xi32>, %z: tensor<100x2xi8>) -> (tensor<1x3x64xf32>, tensor<5x64xf32>) {
  %y = qkernel.gather_rows %ids, %t, %s {bits = 4 : i64, columns = 64 : i64, group = 32 : i64, zero_point = 7 : i64} : (tensor<1x3xi64>, tensor<100x32xi8>, tensor<100x2xf16>) -> tensor<1x3x64xf32>
  %u = qkernel.gather_rows %ids32, %t, %s zero_points %z {bits = 4 : i64, columns = 64 : i64, group = 32 : i64} : (tensor<5xi32>, tensor<100x32xi8>, tensor<100x2xf16>, tensor<100x2xi8>) -> tensor<5x64xf32>
  return %y, %u : tensor<1x3x64xf32>, tensor<5x64xf32>
}
