// RUN: quant-opt %s --pass-pipeline='builtin.module(func.func(convert-linalg-depthwise-to-vector{lanes=8}),canonicalize)' | FileCheck %s

#map = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>
#map1 = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d4, d3 + d5, d6 + d7)>
#map2 = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d1, d2, d4, d5, d6)>
#map3 = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d2, d3, d7)>
#map4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#map5 = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, 0, 0)>
#map6 = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d4, d3 * 2 + d5, d7 * 2 + d6)>

// A 3x3 depthwise conv padded by 1, its splat bias and the Relu after it:
// one loop over (channel, row). Rows of taps above and below the image are
// skipped by scf.if; interior columns [1, 18] are two vectors from column
// 1 and one from 11 (overlapping), the border columns 0 and 19 one checked
// pixel each. No padded tensor is left.
// CHECK-LABEL: func.func @relu_splat_bias
// CHECK-NOT: tensor.pad
// CHECK: %[[X:.*]] = bufferization.to_buffer %arg0 read_only : tensor<1x4x6x20xf32> to memref<1x4x6x20xf32>
// CHECK: %[[OUT:.*]] = memref.alloc() : memref<1x4x6x20xf32>
// CHECK: scf.parallel (%[[C:.*]], %[[OY:.*]]) = (%c0, %c0) to (%c4, %c6)
// CHECK: %[[ABOVE:.*]] = arith.addi %[[OY]], %c-1 : index
// CHECK: %[[INSIDE:.*]] = arith.andi
// CHECK: scf.for %[[OX:.*]] = %c1 to %c17 step %c8 {
// CHECK:   scf.if %[[INSIDE]] -> (vector<8xf32>) {
// CHECK:     vector.load %[[X]][%c0, %[[C]], %[[ABOVE]], {{.*}}] : memref<1x4x6x20xf32>, vector<8xf32>
// CHECK:   vector.load %[[X]][%c0, %[[C]], %[[OY]], %[[OX]]] : memref<1x4x6x20xf32>, vector<8xf32>
// CHECK:   %[[RELU:.*]] = arith.maximumf {{.*}} : vector<8xf32>
// CHECK:   vector.store %[[RELU]], %[[OUT]][%c0, %[[C]], %[[OY]], %[[OX]]] : memref<1x4x6x20xf32>, vector<8xf32>
// CHECK: vector.store {{.*}}, %[[OUT]][%c0, %[[C]], %[[OY]], %c11]
// CHECK: scf.for %{{.*}} = %c0 to %c2 step %c1 {
// CHECK:   arith.select {{.*}} : f32
// CHECK:   arith.maximumf {{.*}} : f32
// CHECK:   memref.store {{.*}}, %[[OUT]]
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @relu_splat_bias(%arg0: tensor<1x4x6x20xf32>) -> tensor<1x4x6x20xf32> {
  %cst = arith.constant 2.500000e-01 : f32
  %cst_0 = arith.constant dense<5.000000e-01> : tensor<4x1x1x3x3xf32>
  %cst_1 = arith.constant 0.000000e+00 : f32
  %padded = tensor.pad %arg0 low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%arg1: index, %arg2: index, %arg3: index, %arg4: index):
    tensor.yield %cst_1 : f32
  } : tensor<1x4x6x20xf32> to tensor<1x4x8x22xf32>
  %expanded = tensor.expand_shape %padded [[0], [1], [2, 3], [4]] output_shape [1, 4, 1, 8, 22] : tensor<1x4x8x22xf32> into tensor<1x4x1x8x22xf32>
  %0 = tensor.empty() : tensor<1x4x1x6x20xf32>
  %1 = linalg.generic {indexing_maps = [#map], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} outs(%0 : tensor<1x4x1x6x20xf32>) {
  ^bb0(%out: f32):
    linalg.yield %cst : f32
  } -> tensor<1x4x1x6x20xf32>
  %2 = linalg.generic {indexing_maps = [#map1, #map2, #map3], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction", "parallel"]} ins(%expanded, %cst_0 : tensor<1x4x1x8x22xf32>, tensor<4x1x1x3x3xf32>) outs(%1 : tensor<1x4x1x6x20xf32>) {
  ^bb0(%in: f32, %in_2: f32, %out: f32):
    %5 = arith.mulf %in, %in_2 : f32
    %6 = arith.addf %out, %5 : f32
    linalg.yield %6 : f32
  } -> tensor<1x4x1x6x20xf32>
  %collapsed = tensor.collapse_shape %2 [[0], [1], [2, 3], [4]] : tensor<1x4x1x6x20xf32> into tensor<1x4x6x20xf32>
  %3 = tensor.empty() : tensor<1x4x6x20xf32>
  %4 = linalg.generic {indexing_maps = [#map4, #map4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%collapsed : tensor<1x4x6x20xf32>) outs(%3 : tensor<1x4x6x20xf32>) {
  ^bb0(%in: f32, %out: f32):
    %5 = arith.maximumf %in, %cst_1 : f32
    linalg.yield %5 : f32
  } -> tensor<1x4x6x20xf32>
  return %4 : tensor<1x4x6x20xf32>
}

// Strides of 2, no padding, a per-channel bias: every column is interior
// (two vectors from 0 and one from 11); a column of taps keeps every other
// lane of a 16-lane load; the sums start from the channel's bias.
// CHECK-LABEL: func.func @strided_bias
// CHECK: scf.parallel (%[[C:.*]], %[[OY:.*]]) = (%c0, %c0) to (%c4, %c4)
// CHECK: scf.for %[[OX:.*]] = %c0 to %c16 step %c8 {
// CHECK:   %[[BIAS:.*]] = tensor.extract %{{.*}}[%c0, %[[C]], %c0, %c0, %c0] : tensor<1x4x1x1x1xf32>
// CHECK:   %[[START:.*]] = vector.broadcast %[[BIAS]] : f32 to vector<8xf32>
// CHECK:   %[[COLUMN:.*]] = arith.muli %[[OX]], %c2 : index
// CHECK:   %[[SPAN:.*]] = vector.load %{{.*}}[%c0, %[[C]], %{{.*}}, %[[COLUMN]]] : memref<1x4x9x40xf32>, vector<16xf32>
// CHECK:   vector.shuffle %[[SPAN]], %[[SPAN]] [0, 2, 4, 6, 8, 10, 12, 14] : vector<16xf32>, vector<16xf32>
// CHECK: vector.store {{.*}}[%c0, %[[C]], %[[OY]], %c11] : memref<1x4x4x19xf32>, vector<8xf32>
// CHECK-NOT: scf.for
// CHECK: return
func.func @strided_bias(%arg0: tensor<1x4x9x40xf32>, %arg1: tensor<4x1x3x3xf32>, %arg2: tensor<4xf32>) -> tensor<1x4x4x19xf32> {
  %expanded = tensor.expand_shape %arg0 [[0], [1], [2, 3], [4]] output_shape [1, 4, 1, 9, 40] : tensor<1x4x9x40xf32> into tensor<1x4x1x9x40xf32>
  %expanded_0 = tensor.expand_shape %arg1 [[0], [1], [2, 3], [4]] output_shape [4, 1, 1, 3, 3] : tensor<4x1x3x3xf32> into tensor<4x1x1x3x3xf32>
  %expanded_1 = tensor.expand_shape %arg2 [[0, 1, 2, 3, 4]] output_shape [1, 4, 1, 1, 1] : tensor<4xf32> into tensor<1x4x1x1x1xf32>
  %0 = tensor.empty() : tensor<1x4x1x4x19xf32>
  %1 = linalg.generic {indexing_maps = [#map5, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%expanded_1 : tensor<1x4x1x1x1xf32>) outs(%0 : tensor<1x4x1x4x19xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x4x1x4x19xf32>
  %2 = linalg.generic {indexing_maps = [#map6, #map2, #map3], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction", "parallel"]} ins(%expanded, %expanded_0 : tensor<1x4x1x9x40xf32>, tensor<4x1x1x3x3xf32>) outs(%1 : tensor<1x4x1x4x19xf32>) {
  ^bb0(%in: f32, %in_2: f32, %out: f32):
    %3 = arith.mulf %in, %in_2 : f32
    %4 = arith.addf %out, %3 : f32
    linalg.yield %4 : f32
  } -> tensor<1x4x1x4x19xf32>
  %collapsed = tensor.collapse_shape %2 [[0], [1], [2, 3], [4]] : tensor<1x4x1x4x19xf32> into tensor<1x4x4x19xf32>
  return %collapsed : tensor<1x4x4x19xf32>
}

// A Sigmoid (math.exp) is no arith body: the conv becomes the row kernel,
// the generic stays after it.
// CHECK-LABEL: func.func @sigmoid_after
// CHECK: scf.parallel
// CHECK: vector.store
// CHECK: linalg.generic
// CHECK: math.exp
func.func @sigmoid_after(%arg0: tensor<1x4x6x20xf32>, %arg1: tensor<4x1x3x3xf32>) -> tensor<1x4x6x20xf32> {
  %cst = arith.constant 1.000000e+00 : f32
  %cst_0 = arith.constant 0.000000e+00 : f32
  %padded = tensor.pad %arg0 low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%arg2: index, %arg3: index, %arg4: index, %arg5: index):
    tensor.yield %cst_0 : f32
  } : tensor<1x4x6x20xf32> to tensor<1x4x8x22xf32>
  %expanded = tensor.expand_shape %padded [[0], [1], [2, 3], [4]] output_shape [1, 4, 1, 8, 22] : tensor<1x4x8x22xf32> into tensor<1x4x1x8x22xf32>
  %expanded_1 = tensor.expand_shape %arg1 [[0], [1], [2, 3], [4]] output_shape [4, 1, 1, 3, 3] : tensor<4x1x3x3xf32> into tensor<4x1x1x3x3xf32>
  %0 = tensor.empty() : tensor<1x4x1x6x20xf32>
  %1 = linalg.fill ins(%cst_0 : f32) outs(%0 : tensor<1x4x1x6x20xf32>) -> tensor<1x4x1x6x20xf32>
  %2 = linalg.generic {indexing_maps = [#map1, #map2, #map3], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction", "parallel"]} ins(%expanded, %expanded_1 : tensor<1x4x1x8x22xf32>, tensor<4x1x1x3x3xf32>) outs(%1 : tensor<1x4x1x6x20xf32>) {
  ^bb0(%in: f32, %in_2: f32, %out: f32):
    %5 = arith.mulf %in, %in_2 : f32
    %6 = arith.addf %out, %5 : f32
    linalg.yield %6 : f32
  } -> tensor<1x4x1x6x20xf32>
  %collapsed = tensor.collapse_shape %2 [[0], [1], [2, 3], [4]] : tensor<1x4x1x6x20xf32> into tensor<1x4x6x20xf32>
  %3 = tensor.empty() : tensor<1x4x6x20xf32>
  %4 = linalg.generic {indexing_maps = [#map4, #map4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%collapsed : tensor<1x4x6x20xf32>) outs(%3 : tensor<1x4x6x20xf32>) {
  ^bb0(%in: f32, %out: f32):
    %5 = arith.negf %in : f32
    %6 = math.exp %5 : f32
    %7 = arith.addf %6, %cst : f32
    %8 = arith.divf %cst, %7 : f32
    linalg.yield %8 : f32
  } -> tensor<1x4x6x20xf32>
  return %4 : tensor<1x4x6x20xf32>
}

// Padding with 1.0 is not the zero the kernel leaves out: unchanged.
// CHECK-LABEL: func.func @pad_of_one_stays
// CHECK: tensor.pad
// CHECK: linalg.generic
// CHECK-NOT: scf.parallel
func.func @pad_of_one_stays(%arg0: tensor<1x4x6x20xf32>) -> tensor<1x4x6x20xf32> {
  %cst = arith.constant 2.500000e-01 : f32
  %cst_0 = arith.constant dense<5.000000e-01> : tensor<4x1x1x3x3xf32>
  %cst_1 = arith.constant 0.000000e+00 : f32
  %one = arith.constant 1.000000e+00 : f32
  %padded = tensor.pad %arg0 low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%arg1: index, %arg2: index, %arg3: index, %arg4: index):
    tensor.yield %one : f32
  } : tensor<1x4x6x20xf32> to tensor<1x4x8x22xf32>
  %expanded = tensor.expand_shape %padded [[0], [1], [2, 3], [4]] output_shape [1, 4, 1, 8, 22] : tensor<1x4x8x22xf32> into tensor<1x4x1x8x22xf32>
  %0 = tensor.empty() : tensor<1x4x1x6x20xf32>
  %1 = linalg.generic {indexing_maps = [#map], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} outs(%0 : tensor<1x4x1x6x20xf32>) {
  ^bb0(%out: f32):
    linalg.yield %cst : f32
  } -> tensor<1x4x1x6x20xf32>
  %2 = linalg.generic {indexing_maps = [#map1, #map2, #map3], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction", "parallel"]} ins(%expanded, %cst_0 : tensor<1x4x1x8x22xf32>, tensor<4x1x1x3x3xf32>) outs(%1 : tensor<1x4x1x6x20xf32>) {
  ^bb0(%in: f32, %in_2: f32, %out: f32):
    %5 = arith.mulf %in, %in_2 : f32
    %6 = arith.addf %out, %5 : f32
    linalg.yield %6 : f32
  } -> tensor<1x4x1x6x20xf32>
  %collapsed = tensor.collapse_shape %2 [[0], [1], [2, 3], [4]] : tensor<1x4x1x6x20xf32> into tensor<1x4x6x20xf32>
  %3 = tensor.empty() : tensor<1x4x6x20xf32>
  %4 = linalg.generic {indexing_maps = [#map4, #map4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%collapsed : tensor<1x4x6x20xf32>) outs(%3 : tensor<1x4x6x20xf32>) {
  ^bb0(%in: f32, %out: f32):
    %5 = arith.maximumf %in, %cst_1 : f32
    linalg.yield %5 : f32
  } -> tensor<1x4x6x20xf32>
  return %4 : tensor<1x4x6x20xf32>
}

// A global average pool reads the Relu: an iteration is a whole channel
// plane, its rows an inner loop (quantc-fuse-adjacent-parallel-loops then
// runs the pool's sum of each plane in the same iteration).
// CHECK-LABEL: func.func @pooled_planes
// CHECK: scf.parallel (%[[C:.*]]) = (%c0) to (%c4)
// CHECK:   scf.for %[[OY:.*]] = %c0 to %c6 step %c1 {
// CHECK:     vector.store %{{.*}}, %{{.*}}[%c0, %[[C]], %[[OY]], %{{.*}}] : memref<1x4x6x20xf32>, vector<8xf32>
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel", "reduction", "reduction"]
func.func @pooled_planes(%arg0: tensor<1x4x6x20xf32>) -> (tensor<1x4x6x20xf32>, tensor<1x4x1x1xf32>) {
  %cst = arith.constant 2.500000e-01 : f32
  %cst_0 = arith.constant dense<5.000000e-01> : tensor<4x1x1x3x3xf32>
  %cst_1 = arith.constant 0.000000e+00 : f32
  %padded = tensor.pad %arg0 low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%arg1: index, %arg2: index, %arg3: index, %arg4: index):
    tensor.yield %cst_1 : f32
  } : tensor<1x4x6x20xf32> to tensor<1x4x8x22xf32>
  %expanded = tensor.expand_shape %padded [[0], [1], [2, 3], [4]] output_shape [1, 4, 1, 8, 22] : tensor<1x4x8x22xf32> into tensor<1x4x1x8x22xf32>
  %0 = tensor.empty() : tensor<1x4x1x6x20xf32>
  %1 = linalg.generic {indexing_maps = [#map], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} outs(%0 : tensor<1x4x1x6x20xf32>) {
  ^bb0(%out: f32):
    linalg.yield %cst : f32
  } -> tensor<1x4x1x6x20xf32>
  %2 = linalg.generic {indexing_maps = [#map1, #map2, #map3], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction", "parallel"]} ins(%expanded, %cst_0 : tensor<1x4x1x8x22xf32>, tensor<4x1x1x3x3xf32>) outs(%1 : tensor<1x4x1x6x20xf32>) {
  ^bb0(%in: f32, %in_2: f32, %out: f32):
    %5 = arith.mulf %in, %in_2 : f32
    %6 = arith.addf %out, %5 : f32
    linalg.yield %6 : f32
  } -> tensor<1x4x1x6x20xf32>
  %collapsed = tensor.collapse_shape %2 [[0], [1], [2, 3], [4]] : tensor<1x4x1x6x20xf32> into tensor<1x4x6x20xf32>
  %3 = tensor.empty() : tensor<1x4x6x20xf32>
  %4 = linalg.generic {indexing_maps = [#map4, #map4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%collapsed : tensor<1x4x6x20xf32>) outs(%3 : tensor<1x4x6x20xf32>) {
  ^bb0(%in: f32, %out: f32):
    %5 = arith.maximumf %in, %cst_1 : f32
    linalg.yield %5 : f32
  } -> tensor<1x4x6x20xf32>
  %7 = tensor.empty() : tensor<1x4x1x1xf32>
  %8 = linalg.fill ins(%cst_1 : f32) outs(%7 : tensor<1x4x1x1xf32>) -> tensor<1x4x1x1xf32>
  %9 = linalg.generic {indexing_maps = [#map4, affine_map<(d0, d1, d2, d3) -> (d0, d1, 0, 0)>], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%4 : tensor<1x4x6x20xf32>) outs(%8 : tensor<1x4x1x1xf32>) {
  ^bb0(%in: f32, %out: f32):
    %10 = arith.addf %in, %out : f32
    linalg.yield %10 : f32
  } -> tensor<1x4x1x1xf32>
  return %4, %9 : tensor<1x4x6x20xf32>, tensor<1x4x1x1xf32>
}
