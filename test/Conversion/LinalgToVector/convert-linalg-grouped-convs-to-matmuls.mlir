// RUN: quant-opt %s --pass-pipeline='builtin.module(func.func(convert-linalg-grouped-convs-to-matmuls),canonicalize)' | FileCheck %s

#map = affine_map<(d0, d1, d2, d3, d4) -> (0, d1, d2, 0, 0)>
#map1 = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>
#map2 = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d4, d3 * 2 + d5, d7 * 2 + d6 * 2)>
#map3 = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d1, d2, d4, d5, d6)>
#map4 = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d2, d3, d7)>
#map5 = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, 0, 0)>
#map6 = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d4, d3 * 2 + d5, d7 * 2 + d6)>
#map7 = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d4, d3 + d5, d6 + d7)>

// Two images, two groups of 3 channels, strides of 2 and a dilation of 2
// along the columns: a loop over images and one over groups, each
// iteration the group's window matrix [3, 3, 3, 4, 4] (the strides and
// dilation in its map), its weights [2, 27] and a matmul into its slice
// of the bias-filled sums.
// CHECK-DAG: #[[WINDOW:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d3 * 2 + d1, d4 * 2 + d2 * 2)>
// CHECK-LABEL: func.func @float_grouped
// CHECK: %[[PADDED:.*]] = tensor.expand_shape %padded
// CHECK: %[[W:.*]] = tensor.expand_shape %arg1
// CHECK: %[[BIAS:.*]] = linalg.generic
// CHECK: %[[Y:.*]] = scf.for %[[N:.*]] = %c0 to %c2 step %c1 iter_args(%[[IN:.*]] = %[[BIAS]])
// CHECK:   scf.for %[[G:.*]] = %c0 to %c2 step %c1 iter_args(%[[SUMS:.*]] = %[[IN]])
// CHECK:     %[[IMAGE:.*]] = tensor.extract_slice %[[PADDED]][%[[N]], %[[G]], 0, 0, 0] [1, 1, 3, 9, 11] [1, 1, 1, 1, 1] : tensor<2x2x3x9x11xf32> to tensor<3x9x11xf32>
// CHECK:     %[[COLUMNS:.*]] = linalg.generic {indexing_maps = [#[[WINDOW]], {{.*}}]{{.*}} ins(%[[IMAGE]] : tensor<3x9x11xf32>) outs({{.*}} : tensor<3x3x3x4x4xf32>)
// CHECK:     %[[B:.*]] = tensor.collapse_shape %[[COLUMNS]] {{\[\[}}0, 1, 2], [3, 4]] : tensor<3x3x3x4x4xf32> into tensor<27x16xf32>
// CHECK:     %[[WG:.*]] = tensor.extract_slice %[[W]][%[[G]], 0, 0, 0, 0] [1, 2, 3, 3, 3]
// CHECK:     %[[A:.*]] = tensor.collapse_shape %[[WG]] {{\[\[}}0], [1, 2, 3]] : tensor<2x3x3x3xf32> into tensor<2x27xf32>
// CHECK:     %[[START:.*]] = tensor.extract_slice %[[SUMS]][%[[N]], %[[G]], 0, 0, 0] [1, 1, 2, 4, 4]
// CHECK:     %[[C:.*]] = tensor.collapse_shape %[[START]] {{\[\[}}0], [1, 2]] : tensor<2x4x4xf32> into tensor<2x16xf32>
// CHECK:     %[[MM:.*]] = linalg.matmul ins(%[[A]], %[[B]] : tensor<2x27xf32>, tensor<27x16xf32>) outs(%[[C]] : tensor<2x16xf32>)
// CHECK:     %[[GROUP:.*]] = tensor.expand_shape %[[MM]]
// CHECK:     tensor.insert_slice %[[GROUP]] into %[[SUMS]][%[[N]], %[[G]], 0, 0, 0] [1, 1, 2, 4, 4]
// CHECK: tensor.collapse_shape %[[Y]]
// CHECK-NOT: reduction
func.func @float_grouped(%arg0: tensor<2x6x7x9xf32>, %arg1: tensor<4x3x3x3xf32>, %arg2: tensor<4xf32>) -> tensor<2x4x4x4xf32> {
  %cst = arith.constant 0.000000e+00 : f32
  %padded = tensor.pad %arg0 low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%arg3: index, %arg4: index, %arg5: index, %arg6: index):
    tensor.yield %cst : f32
  } : tensor<2x6x7x9xf32> to tensor<2x6x9x11xf32>
  %expanded = tensor.expand_shape %padded [[0], [1, 2], [3], [4]] output_shape [2, 2, 3, 9, 11] : tensor<2x6x9x11xf32> into tensor<2x2x3x9x11xf32>
  %expanded_0 = tensor.expand_shape %arg1 [[0, 1], [2], [3], [4]] output_shape [2, 2, 3, 3, 3] : tensor<4x3x3x3xf32> into tensor<2x2x3x3x3xf32>
  %expanded_1 = tensor.expand_shape %arg2 [[0, 1, 2, 3, 4]] output_shape [1, 2, 2, 1, 1] : tensor<4xf32> into tensor<1x2x2x1x1xf32>
  %0 = tensor.empty() : tensor<2x2x2x4x4xf32>
  %1 = linalg.generic {indexing_maps = [#map, #map1], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%expanded_1 : tensor<1x2x2x1x1xf32>) outs(%0 : tensor<2x2x2x4x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<2x2x2x4x4xf32>
  %2 = linalg.generic {indexing_maps = [#map2, #map3, #map4], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction", "parallel"]} ins(%expanded, %expanded_0 : tensor<2x2x3x9x11xf32>, tensor<2x2x3x3x3xf32>) outs(%1 : tensor<2x2x2x4x4xf32>) {
  ^bb0(%in: f32, %in_2: f32, %out: f32):
    %3 = arith.mulf %in, %in_2 : f32
    %4 = arith.addf %out, %3 : f32
    linalg.yield %4 : f32
  } -> tensor<2x2x2x4x4xf32>
  %collapsed = tensor.collapse_shape %2 [[0], [1, 2], [3], [4]] : tensor<2x2x2x4x4xf32> into tensor<2x4x4x4xf32>
  return %collapsed : tensor<2x4x4x4xf32>
}

// int8 operands sign-extended into int32 sums (a grouped conv_integer),
// 18 products a sum: every partial sum is an integer f32 holds exactly, so
// the input and the weights are converted to f32 once, each group's GEMM
// runs in f32 from zero, and its sums are added to the int32 start. The
// padding's zero point is in the padded input as before. One image: no
// loop over images.
// CHECK-LABEL: func.func @integer_grouped
// CHECK: %[[START:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<1x2x3x1x1xi32>)
// CHECK: %[[X:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<1x2x2x7x8xi8>) outs(%{{.*}} : tensor<1x2x2x7x8xf32>)
// CHECK:   arith.sitofp %{{.*}} : i8 to f32
// CHECK: %[[W:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<2x3x2x3x3xi8>) outs(%{{.*}} : tensor<2x3x2x3x3xf32>)
// CHECK-NOT: scf.for
// CHECK: scf.for %[[G:.*]] = %c0 to %c2 step %c1 iter_args(%[[SUMS:.*]] = %[[START]])
// CHECK:   tensor.extract_slice %[[X]][0, %[[G]], 0, 0, 0]
// CHECK:   linalg.generic {{.*}} ins({{.*}} : tensor<2x7x8xf32>) outs({{.*}} : tensor<2x3x3x3x3xf32>)
// CHECK:   tensor.extract_slice %[[W]][%[[G]], 0, 0, 0, 0]
// CHECK:   %[[C:.*]] = tensor.collapse_shape {{.*}} : tensor<3x3x3xi32> into tensor<3x9xi32>
// CHECK:   %[[ZEROS:.*]] = linalg.fill ins(%cst : f32)
// CHECK:   %[[F:.*]] = linalg.matmul ins({{.*}} : tensor<3x18xf32>, tensor<18x9xf32>) outs(%[[ZEROS]] : tensor<3x9xf32>)
// CHECK:   linalg.generic {{.*}} ins(%[[F]] : tensor<3x9xf32>) outs(%[[C]] : tensor<3x9xi32>)
// CHECK:     %[[I:.*]] = arith.fptosi %{{.*}} : f32 to i32
// CHECK:     arith.addi %{{.*}}, %[[I]] : i32
// CHECK-NOT: reduction
func.func @integer_grouped(%arg0: tensor<1x4x5x6xi8>, %arg1: tensor<6x2x3x3xi8>, %arg2: tensor<6xi32>) -> tensor<1x6x3x3xi32> {
  %c-5_i8 = arith.constant -5 : i8
  %padded = tensor.pad %arg0 low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%arg3: index, %arg4: index, %arg5: index, %arg6: index):
    tensor.yield %c-5_i8 : i8
  } : tensor<1x4x5x6xi8> to tensor<1x4x7x8xi8>
  %expanded = tensor.expand_shape %padded [[0], [1, 2], [3], [4]] output_shape [1, 2, 2, 7, 8] : tensor<1x4x7x8xi8> into tensor<1x2x2x7x8xi8>
  %expanded_0 = tensor.expand_shape %arg1 [[0, 1], [2], [3], [4]] output_shape [2, 3, 2, 3, 3] : tensor<6x2x3x3xi8> into tensor<2x3x2x3x3xi8>
  %expanded_1 = tensor.expand_shape %arg2 [[0, 1, 2, 3, 4]] output_shape [1, 2, 3, 1, 1] : tensor<6xi32> into tensor<1x2x3x1x1xi32>
  %0 = tensor.empty() : tensor<1x2x3x3x3xi32>
  %1 = linalg.generic {indexing_maps = [#map5, #map1], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%expanded_1 : tensor<1x2x3x1x1xi32>) outs(%0 : tensor<1x2x3x3x3xi32>) {
  ^bb0(%in: i32, %out: i32):
    linalg.yield %in : i32
  } -> tensor<1x2x3x3x3xi32>
  %2 = linalg.generic {indexing_maps = [#map6, #map3, #map4], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction", "parallel"]} ins(%expanded, %expanded_0 : tensor<1x2x2x7x8xi8>, tensor<2x3x2x3x3xi8>) outs(%1 : tensor<1x2x3x3x3xi32>) {
  ^bb0(%in: i8, %in_2: i8, %out: i32):
    %3 = arith.extsi %in : i8 to i32
    %4 = arith.extsi %in_2 : i8 to i32
    %5 = arith.muli %3, %4 : i32
    %6 = arith.addi %out, %5 : i32
    linalg.yield %6 : i32
  } -> tensor<1x2x3x3x3xi32>
  %collapsed = tensor.collapse_shape %2 [[0], [1, 2], [3], [4]] : tensor<1x2x3x3x3xi32> into tensor<1x6x3x3xi32>
  return %collapsed : tensor<1x6x3x3xi32>
}

// 114 channels a group: sums of 1026 products may pass 2^24, past what
// f32 holds exactly, so each group is an int8 x int8 -> int32 matmul into
// its slice of the sums.
// CHECK-LABEL: func.func @integer_deep
// CHECK-NOT: sitofp
// CHECK: scf.for
// CHECK:   linalg.matmul ins({{.*}} : tensor<2x1026xi8>, tensor<1026x1xi8>) outs({{.*}} : tensor<2x1xi32>)
// CHECK-NOT: reduction
func.func @integer_deep(%arg0: tensor<1x228x3x3xi8>, %arg1: tensor<4x114x3x3xi8>, %arg2: tensor<4xi32>) -> tensor<1x4x1x1xi32> {
  %expanded = tensor.expand_shape %arg0 [[0], [1, 2], [3], [4]] output_shape [1, 2, 114, 3, 3] : tensor<1x228x3x3xi8> into tensor<1x2x114x3x3xi8>
  %expanded_0 = tensor.expand_shape %arg1 [[0, 1], [2], [3], [4]] output_shape [2, 2, 114, 3, 3] : tensor<4x114x3x3xi8> into tensor<2x2x114x3x3xi8>
  %expanded_1 = tensor.expand_shape %arg2 [[0, 1, 2, 3, 4]] output_shape [1, 2, 2, 1, 1] : tensor<4xi32> into tensor<1x2x2x1x1xi32>
  %0 = linalg.generic {indexing_maps = [#map7, #map3, #map4], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction", "parallel"]} ins(%expanded, %expanded_0 : tensor<1x2x114x3x3xi8>, tensor<2x2x114x3x3xi8>) outs(%expanded_1 : tensor<1x2x2x1x1xi32>) {
  ^bb0(%in: i8, %in_2: i8, %out: i32):
    %1 = arith.extsi %in : i8 to i32
    %2 = arith.extsi %in_2 : i8 to i32
    %3 = arith.muli %1, %2 : i32
    %4 = arith.addi %out, %3 : i32
    linalg.yield %4 : i32
  } -> tensor<1x2x2x1x1xi32>
  %collapsed = tensor.collapse_shape %0 [[0], [1, 2], [3], [4]] : tensor<1x2x2x1x1xi32> into tensor<1x4x1x1xi32>
  return %collapsed : tensor<1x4x1x1xi32>
}

// One channel a group is a depthwise conv (convert-linalg-depthwise-to-vector's): left alone.
// CHECK-LABEL: func.func @depthwise
// CHECK-NOT: scf.for
// CHECK-NOT: linalg.matmul
// CHECK: "reduction", "reduction", "reduction", "parallel"
func.func @depthwise(%arg0: tensor<1x4x5x6xf32>, %arg1: tensor<4x1x3x3xf32>) -> tensor<1x4x5x6xf32> {
  %cst = arith.constant dense<0.000000e+00> : tensor<1x4x1x1x1xf32>
  %cst_0 = arith.constant 0.000000e+00 : f32
  %padded = tensor.pad %arg0 low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%arg2: index, %arg3: index, %arg4: index, %arg5: index):
    tensor.yield %cst_0 : f32
  } : tensor<1x4x5x6xf32> to tensor<1x4x7x8xf32>
  %expanded = tensor.expand_shape %padded [[0], [1], [2, 3], [4]] output_shape [1, 4, 1, 7, 8] : tensor<1x4x7x8xf32> into tensor<1x4x1x7x8xf32>
  %expanded_1 = tensor.expand_shape %arg1 [[0], [1], [2, 3], [4]] output_shape [4, 1, 1, 3, 3] : tensor<4x1x3x3xf32> into tensor<4x1x1x3x3xf32>
  %0 = tensor.empty() : tensor<1x4x1x5x6xf32>
  %1 = linalg.generic {indexing_maps = [#map5, #map1], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%cst : tensor<1x4x1x1x1xf32>) outs(%0 : tensor<1x4x1x5x6xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x4x1x5x6xf32>
  %2 = linalg.generic {indexing_maps = [#map7, #map3, #map4], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction", "parallel"]} ins(%expanded, %expanded_1 : tensor<1x4x1x7x8xf32>, tensor<4x1x1x3x3xf32>) outs(%1 : tensor<1x4x1x5x6xf32>) {
  ^bb0(%in: f32, %in_2: f32, %out: f32):
    %3 = arith.mulf %in, %in_2 : f32
    %4 = arith.addf %out, %3 : f32
    linalg.yield %4 : f32
  } -> tensor<1x4x1x5x6xf32>
  %collapsed = tensor.collapse_shape %2 [[0], [1], [2, 3], [4]] : tensor<1x4x1x5x6xf32> into tensor<1x4x5x6xf32>
  return %collapsed : tensor<1x4x5x6xf32>
}

// A body that is not a multiply-add (out - x * w) is not a matmul: left alone.
// CHECK-LABEL: func.func @subtracting
// CHECK-NOT: linalg.matmul
// CHECK: arith.subf
func.func @subtracting(%arg0: tensor<2x6x7x9xf32>, %arg1: tensor<4x3x3x3xf32>, %arg2: tensor<4xf32>) -> tensor<2x4x4x4xf32> {
  %cst = arith.constant 0.000000e+00 : f32
  %padded = tensor.pad %arg0 low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%arg3: index, %arg4: index, %arg5: index, %arg6: index):
    tensor.yield %cst : f32
  } : tensor<2x6x7x9xf32> to tensor<2x6x9x11xf32>
  %expanded = tensor.expand_shape %padded [[0], [1, 2], [3], [4]] output_shape [2, 2, 3, 9, 11] : tensor<2x6x9x11xf32> into tensor<2x2x3x9x11xf32>
  %expanded_0 = tensor.expand_shape %arg1 [[0, 1], [2], [3], [4]] output_shape [2, 2, 3, 3, 3] : tensor<4x3x3x3xf32> into tensor<2x2x3x3x3xf32>
  %expanded_1 = tensor.expand_shape %arg2 [[0, 1, 2, 3, 4]] output_shape [1, 2, 2, 1, 1] : tensor<4xf32> into tensor<1x2x2x1x1xf32>
  %0 = tensor.empty() : tensor<2x2x2x4x4xf32>
  %1 = linalg.generic {indexing_maps = [#map, #map1], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%expanded_1 : tensor<1x2x2x1x1xf32>) outs(%0 : tensor<2x2x2x4x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<2x2x2x4x4xf32>
  %2 = linalg.generic {indexing_maps = [#map2, #map3, #map4], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction", "parallel"]} ins(%expanded, %expanded_0 : tensor<2x2x3x9x11xf32>, tensor<2x2x3x3x3xf32>) outs(%1 : tensor<2x2x2x4x4xf32>) {
  ^bb0(%in: f32, %in_2: f32, %out: f32):
    %3 = arith.mulf %in, %in_2 : f32
    %4 = arith.subf %out, %3 : f32
    linalg.yield %4 : f32
  } -> tensor<2x2x2x4x4xf32>
  %collapsed = tensor.collapse_shape %2 [[0], [1, 2], [3], [4]] : tensor<2x2x2x4x4xf32> into tensor<2x4x4x4xf32>
  return %collapsed : tensor<2x4x4x4xf32>
}
