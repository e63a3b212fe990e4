// RUN: quant-opt %s --convert-qnn-to-linalg="pool-taps=true" | FileCheck %s
// RUN: quant-opt %s --convert-qnn-to-linalg | FileCheck %s --check-prefix=REDUCTION

// With pool-taps (the host pipeline's), a max pool is one elementwise
// generic over its output whose inputs are the window's taps: strided
// slices of the -inf padded input, maxima taken in the reduction's order
// from -inf. Without (GPU targets), the reduction generic over the window.
// CHECK-LABEL: func.func @max_pool
// CHECK: %[[LOWEST:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[P:.*]] = tensor.pad %arg0 low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: %[[T0:.*]] = tensor.extract_slice %[[P]][0, 0, 0, 0] [1, 2, 3, 3] [1, 1, 2, 2]
// CHECK: tensor.extract_slice %[[P]][0, 0, 0, 1] [1, 2, 3, 3] [1, 1, 2, 2]
// CHECK-COUNT-6: tensor.extract_slice %[[P]]
// CHECK: %[[T8:.*]] = tensor.extract_slice %[[P]][0, 0, 2, 2] [1, 2, 3, 3] [1, 1, 2, 2]
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%[[T0]], {{.*}}, %[[T8]] : {{.*}}) outs(%{{.*}} : tensor<1x2x3x3xf32>)
// CHECK: ^bb0(%[[A0:[^:]*]]: f32,
// CHECK: %[[M0:.*]] = arith.maximumf %[[LOWEST]], %[[A0]] : f32
// CHECK-COUNT-8: arith.maximumf
// CHECK-NOT: arith.maximumf
// CHECK: linalg.yield
// REDUCTION-LABEL: func.func @max_pool
// REDUCTION-NOT: tensor.extract_slice
// REDUCTION: iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "parallel"]
func.func @max_pool(%x: tensor<1x2x6x6xf32>) -> tensor<1x2x3x3xf32> {
  %y = qnn.max_pool %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>} : tensor<1x2x6x6xf32> -> tensor<1x2x3x3xf32>
  return %y : tensor<1x2x3x3xf32>
}
