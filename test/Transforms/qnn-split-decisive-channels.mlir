// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/x.npy', np.array([[[1, 0], [0, 1], [1, 1]]], np.float32))"
// RUN: quant-opt %s "-qnn-split-decisive-channels=inputs=%t/x.npy min-channels=8" | FileCheck %s
// Fewer output channels than min-channels, or more winners than max-fraction: whole.
// RUN: quant-opt %s "-qnn-split-decisive-channels=inputs=%t/x.npy min-channels=9" | FileCheck %s --check-prefix=WHOLE
// RUN: quant-opt %s "-qnn-split-decisive-channels=inputs=%t/x.npy min-channels=8 max-fraction=0.2" | FileCheck %s --check-prefix=WHOLE

// Worked by hand. The three positions' logits x W + b have their largest
// entry in channel 2 ([1, 0]: 1.0), 5 ([0, 1]: 1.0) and 2 ([1, 1]: channels
// 2 and 5 tie at 1.0, the first wins). Channels 2 and 5 (2 of 8, at most a
// quarter) become head.decisive, the other six head.rest, each with its part
// of the bias; the gather puts channel c at position[c] of [2, 5, 0, 1, 3,
// 4, 6, 7].
// CHECK-LABEL: func.func @main
// CHECK: %[[DW:.*]] = qnn.constant dense_resource<head.decisive.w> : tensor<2x2xf32>
// CHECK: %[[D:.*]] = qnn.matmul %arg0, %[[DW]] {qnn.decisive} : (tensor<1x3x2xf32>, tensor<2x2xf32>) -> tensor<1x3x2xf32>
// CHECK: %[[DB:.*]] = qnn.constant dense_resource<head.decisive.b> : tensor<2xf32>
// CHECK: %[[DA:.*]] = qnn.add %[[D]], %[[DB]]
// CHECK: %[[RW:.*]] = qnn.constant dense_resource<head.rest.w> : tensor<2x6xf32>
// CHECK: %[[R:.*]] = qnn.matmul %arg0, %[[RW]] {qnn.decisive_rest} : (tensor<1x3x2xf32>, tensor<2x6xf32>) -> tensor<1x3x6xf32>
// CHECK: %[[RB:.*]] = qnn.constant dense_resource<head.rest.b> : tensor<6xf32>
// CHECK: %[[RA:.*]] = qnn.add %[[R]], %[[RB]]
// CHECK: %[[C:.*]] = qnn.concat %[[DA]], %[[RA]] {axis = 2 : i64}
// CHECK: %[[I:.*]] = qnn.constant dense<[2, 3, 0, 4, 5, 1, 6, 7]> : tensor<8xi64>
// CHECK: %[[G:.*]] = qnn.gather %[[C]], %[[I]] {axis = 2 : i64}
// CHECK: qnn.softmax %[[G]]
// Columns 2 and 5 of W (f32 after the 16-byte alignment word): [[1, 0], [0, 1]].
// CHECK: head.decisive.w: "0x100000000000803F00000000000000000000803F"
// CHECK: head.decisive.b: "0x100000000000000000000000"
// Columns 0, 1, 3, 4, 6, 7 and their bias (-1 at channel 3).
// CHECK: head.rest.w: "0x10000000CDCCCC3ECDCCCC3D00000000CDCC4C3E00000000000080BFCDCCCC3E00000000CDCCCC3DCDCC4C3E00000000000080BF"
// CHECK: head.rest.b: "0x100000000000000000000000000080BF000000000000000000000000"

// WHOLE-NOT: qnn.gather
// WHOLE: qnn.matmul %arg0, %{{.*}} : (tensor<1x3x2xf32>, tensor<2x8xf32>) -> tensor<1x3x8xf32>
// WHOLE-NOT: qnn.gather
func.func @main(%x: tensor<1x3x2xf32>) -> tensor<1x3x8xf32> {
  %w = qnn.constant dense<[[0.4, 0.1, 1.0, 0.0, 0.2, 0.0, 0.0, -1.0], [0.4, 0.0, 0.0, 0.1, 0.2, 1.0, 0.0, -1.0]]> : tensor<2x8xf32>
  %b = qnn.constant dense<[0.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0, 0.0]> : tensor<8xf32>
  %m = qnn.matmul %x, %w : (tensor<1x3x2xf32>, tensor<2x8xf32>) -> tensor<1x3x8xf32> loc("head")
  %a = qnn.add %m, %b : (tensor<1x3x8xf32>, tensor<8xf32>) -> tensor<1x3x8xf32>
  %y = qnn.softmax %a {axis = 2 : i64} : tensor<1x3x8xf32>
  return %y : tensor<1x3x8xf32>
}
