// RUN: quant-opt %s -split-input-file --convert-qnn-to-linalg | FileCheck %s

// Activations are one parallel generic; inputs become read-only for bufferization.
// CHECK-LABEL: func.func @relu
// CHECK-SAME: bufferization.writable = false
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]
// CHECK: arith.maximumf
// CHECK-NOT: qnn.
func.func @relu(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %y = qnn.relu %x : tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// Numpy broadcasting: the rank-1 operand is indexed by the last loop only.
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @add_broadcast
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[ROW]], #{{.*}}]
// CHECK: arith.addf
func.func @add_broadcast(%x: tensor<2x8xf32>, %b: tensor<8xf32>) -> tensor<2x8xf32> {
  %y = qnn.add %x, %b : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// A 3x3 conv is pad + im2col + matmul, the bias broadcast into the accumulator.
// CHECK-LABEL: func.func @conv3x3
// CHECK: tensor.pad %{{.*}} low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<4x64xf32>)
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<3x10x10xf32>) outs(%{{.*}} : tensor<3x3x3x8x8xf32>)
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<4x27xf32>, tensor<27x64xf32>) outs(%{{.*}} : tensor<4x64xf32>)
func.func @conv3x3(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>) -> tensor<1x4x8x8xf32> {
  %y = qnn.conv %x, %w, %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
  return %y : tensor<1x4x8x8xf32>
}

// -----

// A ConvTranspose whose stride is its kernel (2x2, an upsampling head) is one
// GEMM W^T [F*2*2, C] x X [C, H*W] started from the bias per row, then an
// interleaving transpose: no zero-inserted input, no pad, no im2col.
// CHECK-LABEL: func.func @conv_transpose_upsample
// CHECK-NOT: tensor.insert_slice
// CHECK-NOT: tensor.pad
// CHECK: linalg.transpose ins(%{{.*}} : tensor<3x4x2x2xf32>) outs(%{{.*}} : tensor<4x2x2x3xf32>) permutation = [1, 2, 3, 0]
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<16x3xf32>, tensor<3x30xf32>) outs(%{{.*}} : tensor<16x30xf32>)
// CHECK: linalg.transpose ins(%{{.*}} : tensor<4x2x2x5x6xf32>) outs(%{{.*}} : tensor<4x5x2x6x2xf32>) permutation = [0, 3, 1, 4, 2]
func.func @conv_transpose_upsample(%x: tensor<1x3x5x6xf32>, %w: tensor<3x4x2x2xf32>, %b: tensor<4xf32>) -> tensor<1x4x10x12xf32> {
  %y = qnn.conv_transpose %x, %w, %b {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, output_padding = array<i64: 0, 0>, group = 1 : i64} : (tensor<1x3x5x6xf32>, tensor<3x4x2x2xf32>, tensor<4xf32>) -> tensor<1x4x10x12xf32>
  return %y : tensor<1x4x10x12xf32>
}

// -----

// A 1x1 conv needs no im2col: the NCHW image already is the GEMM's rhs.
// CHECK-LABEL: func.func @conv1x1
// CHECK-NOT: tensor.pad
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<16x8xf32>, tensor<8x20xf32>)
func.func @conv1x1(%x: tensor<1x8x4x5xf32>, %w: tensor<16x8x1x1xf32>) -> tensor<1x16x4x5xf32> {
  %y = qnn.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x8x4x5xf32>, tensor<16x8x1x1xf32>) -> tensor<1x16x4x5xf32>
  return %y : tensor<1x16x4x5xf32>
}

// -----

// Depthwise: a direct generic whose innermost loop walks the output row.
// CHECK-LABEL: func.func @depthwise
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction", "parallel"]
// CHECK-NOT: linalg.matmul
func.func @depthwise(%x: tensor<1x8x6x6xf32>, %w: tensor<8x1x3x3xf32>) -> tensor<1x8x3x3xf32> {
  %y = qnn.conv %x, %w {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, group = 8 : i64} : (tensor<1x8x6x6xf32>, tensor<8x1x3x3xf32>) -> tensor<1x8x3x3xf32>
  return %y : tensor<1x8x3x3xf32>
}

// -----

// MatMul with a shared rhs folds the lhs batch into M: one 2-D GEMM.
// CHECK-LABEL: func.func @matmul_shared_rhs
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<80x16xf32>, tensor<16x32xf32>)
func.func @matmul_shared_rhs(%x: tensor<2x40x16xf32>, %w: tensor<16x32xf32>) -> tensor<2x40x32xf32> {
  %y = qnn.matmul %x, %w : (tensor<2x40x16xf32>, tensor<16x32xf32>) -> tensor<2x40x32xf32>
  return %y : tensor<2x40x32xf32>
}

// -----

// Batched operands on both sides: linalg.batch_matmul over the flattened batch.
// CHECK-LABEL: func.func @matmul_batched
// CHECK: linalg.batch_matmul ins(%{{.*}}, %{{.*}} : tensor<8x5x4xf32>, tensor<8x4x6xf32>)
func.func @matmul_batched(%a: tensor<2x4x5x4xf32>, %b: tensor<2x4x4x6xf32>) -> tensor<2x4x5x6xf32> {
  %y = qnn.matmul %a, %b : (tensor<2x4x5x4xf32>, tensor<2x4x4x6xf32>) -> tensor<2x4x5x6xf32>
  return %y : tensor<2x4x5x6xf32>
}

// -----

// Max pool pads with -inf and reduces over a window operand that only carries KH x KW.
// CHECK-LABEL: func.func @max_pool
// CHECK: tensor.pad {{.*}} low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: tensor.yield %{{.*}} : f32
// CHECK: tensor.empty() : tensor<3x3xf32>
// CHECK: linalg.generic {{.*}}["parallel", "parallel", "parallel", "reduction", "reduction", "parallel"]
// CHECK: arith.maximumf
func.func @max_pool(%x: tensor<1x2x6x6xf32>) -> tensor<1x2x3x3xf32> {
  %y = qnn.max_pool %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>} : tensor<1x2x6x6xf32> -> tensor<1x2x3x3xf32>
  return %y : tensor<1x2x3x3xf32>
}

// -----

// Softmax: max, exp(x - max), sum, divide.
// CHECK-LABEL: func.func @softmax
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: arith.addf
// CHECK: arith.divf
func.func @softmax(%x: tensor<4x10xf32>) -> tensor<4x10xf32> {
  %y = qnn.softmax %x {axis = -1 : i64} : tensor<4x10xf32>
  return %y : tensor<4x10xf32>
}

// -----

// Nearest resize reads through a compile-time table of source indices.
// CHECK-LABEL: func.func @resize_nearest
// CHECK: arith.constant dense<[0, 0, 1, 1, 2, 2]> : tensor<6xi64>
// CHECK: tensor.extract
func.func @resize_nearest(%x: tensor<1x1x3x3xf32>) -> tensor<1x1x6x6xf32> {
  %y = qnn.resize %x {scales = array<f32: 1.0, 1.0, 2.0, 2.0>, mode = "nearest", coordinate_transformation_mode = "asymmetric", nearest_mode = "floor"} : tensor<1x1x3x3xf32> -> tensor<1x1x6x6xf32>
  return %y : tensor<1x1x6x6xf32>
}

// -----

// Gather wraps negative indices and extracts.
// CHECK-LABEL: func.func @gather
// CHECK: arith.cmpi slt
// CHECK: arith.select
// CHECK: tensor.extract
func.func @gather(%x: tensor<5x4xf32>, %i: tensor<3xi64>) -> tensor<3x4xf32> {
  %y = qnn.gather %x, %i {axis = 0 : i64} : (tensor<5x4xf32>, tensor<3xi64>) -> tensor<3x4xf32>
  return %y : tensor<3x4xf32>
}

// -----

// Per-axis dequantize: scale and zero-point tables indexed by the channel dim;
// (int32(q) - zp) * scale. The storage cast folds away.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[AXIS:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @dequantize_per_axis
// CHECK-DAG: %[[ZP:.*]] = arith.constant dense<[1, -2]> : tensor<2xi32>
// CHECK-DAG: %[[S:.*]] = arith.constant dense<[5.000000e-01, 2.500000e-01]> : tensor<2xf32>
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[AXIS]], #[[AXIS]], #[[ID]]]{{.*}} ins(%arg0, %[[S]], %[[ZP]] : tensor<3x2xi8>, tensor<2xf32>, tensor<2xi32>)
// CHECK: %[[W:.*]] = arith.extsi %{{.*}} : i8 to i32
// CHECK: %[[C:.*]] = arith.subi %[[W]], %{{.*}} : i32
// CHECK: %[[F:.*]] = arith.sitofp %[[C]] : i32 to f32
// CHECK: arith.mulf %[[F]], %{{.*}} : f32
// CHECK-NOT: quant.scast
func.func @dequantize_per_axis(%q: tensor<3x2xi8>) -> tensor<3x2xf32> {
  %s = quant.scast %q : tensor<3x2xi8> to tensor<3x2x!quant.uniform<i8<-7:7>:f32:1, {0.5:1, 0.25:-2}>>
  %y = qnn.dequantize %s : tensor<3x2x!quant.uniform<i8<-7:7>:f32:1, {0.5:1, 0.25:-2}>> -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// A constant int8 weight (what depthwise convolutions keep) is dequantized
// at compile time: the per-axis products (q - zp) * scale, no loop. Row 0
// holds q = (3, -7) on channels with (scale, zp) = (0.5, 1), (0.25, -2).
// CHECK-LABEL: func.func @dequantize_constant
// CHECK-NOT: linalg.generic
// CHECK: %[[W:.*]] = arith.constant dense<{{\[}}[1.000000e+00, -1.250000e+00], [-5.000000e-01, 5.000000e-01]]> : tensor<2x2xf32>
// CHECK-NOT: linalg.generic
// CHECK: return %[[W]]
func.func @dequantize_constant() -> tensor<2x2xf32> {
  %q = qnn.constant dense<[[3, -7], [0, 0]]> : tensor<2x2xi8>
  %s = quant.scast %q : tensor<2x2xi8> to tensor<2x2x!quant.uniform<i8<-7:7>:f32:1, {0.5:1, 0.25:-2}>>
  %y = qnn.dequantize %s : tensor<2x2x!quant.uniform<i8<-7:7>:f32:1, {0.5:1, 0.25:-2}>> -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// -----

// Sub-channel: blocks of 2 along dim 1 read the tables through floordiv.
// CHECK-DAG: #[[BLOCK:.*]] = affine_map<(d0, d1) -> (d0, d1 floordiv 2)>
// CHECK-LABEL: func.func @dequantize_groups
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[BLOCK]], #[[BLOCK]], #{{.*}}]{{.*}} ins(%arg0, %{{.*}}, %{{.*}} : tensor<2x4xi8>, tensor<2x2xf32>, tensor<2x2xi32>)
func.func @dequantize_groups(%q: tensor<2x4xi8>) -> tensor<2x4xf32> {
  %s = quant.scast %q : tensor<2x4xi8> to tensor<2x4x!quant.uniform<i8:f32:{0:1, 1:2}, {{1.0, 2.0}, {3.0, 4.0}}>>
  %y = qnn.dequantize %s : tensor<2x4x!quant.uniform<i8:f32:{0:1, 1:2}, {{1.0, 2.0}, {3.0, 4.0}}>> -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// Quantize: x / scale, round half to even, + zero point, clamp to the storage
// range, convert; the dequantize reads the i8 result directly.
// CHECK-LABEL: func.func @quantize_round_trip
// CHECK: linalg.generic {{.*}} ins(%arg0 : tensor<4xf32>) outs(%{{.*}} : tensor<4xi8>)
// CHECK: %[[D:.*]] = arith.divf %{{.*}}, %{{.*}} : f32
// CHECK: %[[R:.*]] = math.roundeven %[[D]] : f32
// CHECK: %[[Z:.*]] = arith.addf %[[R]], %{{.*}} : f32
// CHECK: %[[LO:.*]] = arith.maximumf %[[Z]], %{{.*}} : f32
// CHECK: %[[HI:.*]] = arith.minimumf %[[LO]], %{{.*}} : f32
// CHECK: arith.fptosi %[[HI]] : f32 to i8
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<4xi8>) outs(%{{.*}} : tensor<4xf32>)
func.func @quantize_round_trip(%x: tensor<4xf32>) -> tensor<4xf32> {
  %q = qnn.quantize %x : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 0.5:-3>>
  %y = qnn.dequantize %q : tensor<4x!quant.uniform<i8:f32, 0.5:-3>> -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// lookup_table: the table becomes an i8 constant the loop indexes at q + 128.
// CHECK-LABEL: func.func @lookup_table
// CHECK: %[[T:.*]] = arith.constant dense<"0x808182
// CHECK: linalg.generic
// CHECK: ^bb0(%[[Q:.*]]: i8, %{{.*}}: i8):
// CHECK: %[[I:.*]] = arith.index_cast %[[Q]] : i8 to index
// CHECK: %[[J:.*]] = arith.addi %[[I]], %{{.*}} : index
// CHECK: tensor.extract %[[T]][%[[J]]] : tensor<256xi8>
func.func @lookup_table(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %q = qnn.quantize %x : tensor<2x3xf32> -> tensor<2x3x!quant.uniform<i8:f32, 0.1:-5>>
  %y = qnn.lookup_table %q {activation = "hard_swish", table = array<i8: -128, -127, -126, -125, -124, -123, -122, -121, -120, -119, -118, -117, -116, -115, -114, -113, -112, -111, -110, -109, -108, -107, -106, -105, -104, -103, -102, -101, -100, -99, -98, -97, -96, -95, -94, -93, -92, -91, -90, -89, -88, -87, -86, -85, -84, -83, -82, -81, -80, -79, -78, -77, -76, -75, -74, -73, -72, -71, -70, -69, -68, -67, -66, -65, -64, -63, -62, -61, -60, -59, -58, -57, -56, -55, -54, -53, -52, -51, -50, -49, -48, -47, -46, -45, -44, -43, -42, -41, -40, -39, -38, -37, -36, -35, -34, -33, -32, -31, -30, -29, -28, -27, -26, -25, -24, -23, -22, -21, -20, -19, -18, -17, -16, -15, -14, -13, -12, -11, -10, -9, -8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127>} : tensor<2x3x!quant.uniform<i8:f32, 0.1:-5>> -> tensor<2x3x!quant.uniform<i8:f32, 0.05:3>>
  %d = qnn.dequantize %y : tensor<2x3x!quant.uniform<i8:f32, 0.05:3>> -> tensor<2x3xf32>
  return %d : tensor<2x3xf32>
}

// -----

// A mean over the rows and columns of a channels-last tensor sums each row
// first (parallel over the rows: a band of pixels per thread), then the row
// sums, then scales.
// CHECK-LABEL: func.func @reduce_mean_channels_last
// CHECK: %[[ROWS:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction", "parallel"]} ins(%{{.*}} : tensor<1x3x96x8xf32>) outs(%{{.*}} : tensor<1x3x1x8xf32>)
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "reduction", "parallel"]} ins(%[[ROWS]] : tensor<1x3x1x8xf32>) outs(%{{.*}} : tensor<1x1x1x8xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[SUM]] : tensor<1x1x1x8xf32>)
// CHECK: arith.mulf
func.func @reduce_mean_channels_last(%x: tensor<1x3x96x8xf32>) -> tensor<1x1x1x8xf32> {
  %m = qnn.reduce_mean %x {axes = array<i64: 1, 2>} : tensor<1x3x96x8xf32> -> tensor<1x1x1x8xf32>
  return %m : tensor<1x1x1x8xf32>
}

// -----

// Channels first, the reduced dims are innermost: one reduction.
// CHECK-LABEL: func.func @reduce_mean_channels_first
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%{{.*}} : tensor<1x8x3x96xf32>) outs(%{{.*}} : tensor<1x8x1x1xf32>)
// CHECK-NOT: "reduction"
func.func @reduce_mean_channels_first(%x: tensor<1x8x3x96xf32>) -> tensor<1x8x1x1xf32> {
  %m = qnn.reduce_mean %x {axes = array<i64: 2, 3>} : tensor<1x8x3x96xf32> -> tensor<1x8x1x1xf32>
  return %m : tensor<1x8x1x1xf32>
}

// -----

// A channels-last max pool: padded along H and W, one generic over
// (n, oy, ox, ky, kx, c), the channels innermost and contiguous.
// CHECK-LABEL: func.func @max_pool_channels_last
// CHECK: tensor.pad {{.*}} low[0, 1, 1, 0] high[0, 1, 1, 0]
// CHECK: linalg.fill
// CHECK: linalg.generic {indexing_maps = [#[[IN:.*]], #{{.*}}, #[[OUT:.*]]], iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "parallel"]}
// CHECK: arith.maximumf
// CHECK: -> tensor<1x3x3x2xf32>
func.func @max_pool_channels_last(%x: tensor<1x6x6x2xf32>) -> tensor<1x3x3x2xf32> {
  %y = qnn.max_pool %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, channels_last = true} : tensor<1x6x6x2xf32> -> tensor<1x3x3x2xf32>
  return %y : tensor<1x3x3x2xf32>
}

// -----

// GridSample: one generic over the output; the element's x and y come from
// the grid as gathers, are denormalized ((n + 1) W - 1) / 2, and the four
// bilinear taps are read at coordinates clamped into the image (maxnumf and
// minnumf: NaN reads pixel 0), zeros outside it.
// CHECK-LABEL: func.func @grid_sample_linear
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel"]} outs(
// CHECK-DAG: %[[N:.*]] = linalg.index 0
// CHECK-DAG: %[[H:.*]] = linalg.index 2
// CHECK-DAG: %[[W:.*]] = linalg.index 3
// CHECK: tensor.extract %arg1[%[[N]], %[[H]], %[[W]], %c0]
// CHECK: arith.constant 5.000000e+00
// CHECK: tensor.extract %arg1[%[[N]], %[[H]], %[[W]], %c1]
// CHECK: math.floor
// CHECK: arith.maxnumf
// CHECK: arith.minnumf
// CHECK: arith.fptosi
// CHECK: tensor.extract %arg0
// CHECK: arith.select
// CHECK-COUNT-3: tensor.extract %arg0
// CHECK: linalg.yield
func.func @grid_sample_linear(%x: tensor<1x2x4x5xf32>, %g: tensor<1x3x6x2xf32>) -> tensor<1x2x3x6xf32> {
  %y = qnn.grid_sample %x, %g : tensor<1x2x4x5xf32>, tensor<1x3x6x2xf32> -> tensor<1x2x3x6xf32>
  return %y : tensor<1x2x3x6xf32>
}

// -----

// Nearest rounds ties to even and reads one tap; cubic reads sixteen.
// CHECK-LABEL: func.func @grid_sample_nearest_cubic
// CHECK: math.roundeven
// CHECK-COUNT-1: tensor.extract %arg0
// CHECK: linalg.yield
// CHECK: linalg.generic
// CHECK-COUNT-16: tensor.extract %arg0
// CHECK: linalg.yield
func.func @grid_sample_nearest_cubic(%x: tensor<1x2x4x5xf16>, %g: tensor<1x3x6x2xf16>) -> (tensor<1x2x3x6xf16>, tensor<1x2x3x6xf16>) {
  %n = qnn.grid_sample %x, %g {mode = "nearest", padding_mode = "border"} : tensor<1x2x4x5xf16>, tensor<1x3x6x2xf16> -> tensor<1x2x3x6xf16>
  %c = qnn.grid_sample %x, %g {mode = "cubic", padding_mode = "reflection", align_corners = 1 : i64} : tensor<1x2x4x5xf16>, tensor<1x3x6x2xf16> -> tensor<1x2x3x6xf16>
  return %n, %c : tensor<1x2x3x6xf16>, tensor<1x2x3x6xf16>
}

// -----

// TopK: each element's rank (how many come before it: larger, or equal at
// a lower index; NaN above every number) over an extra reduction dim, then
// each of the first k ranks' index.
// CHECK-DAG: #[[OTHER:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[SELF:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @top_k
// CHECK: %[[RANKS:.*]] = linalg.generic {indexing_maps = [#[[OTHER]], #[[SELF]], #[[SELF]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%arg0, %arg0 : tensor<2x5xf32>, tensor<2x5xf32>) outs({{.*}} : tensor<2x5xi64>)
// CHECK: arith.cmpf ogt
// CHECK: arith.cmpf uno
// CHECK: arith.cmpf oeq
// CHECK: arith.cmpi ult
// CHECK: linalg.generic {indexing_maps = [#[[OTHER]], #[[SELF]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[RANKS]] : tensor<2x5xi64>) outs({{.*}} : tensor<2x3xi64>)
// CHECK: arith.cmpi eq
// CHECK: arith.select
func.func @top_k(%x: tensor<2x5xf32>) -> tensor<2x3xi64> {
  %i = qnn.top_k %x {k = 3 : i64} : tensor<2x5xf32> -> tensor<2x3xi64>
  return %i : tensor<2x3xi64>
}

// -----

// A Gemm's transB on constant weights is done at compile time: B is a
// constant already [K, N] (the 2x3 weights' columns as rows), and no
// linalg.transpose runs at every call. transA on the input stays a transpose.
// CHECK-LABEL: func.func @gemm_constant_trans_b
// CHECK: %[[A:.*]] = linalg.transpose ins(%{{.*}} : tensor<3x1xf32>) outs(%{{.*}} : tensor<1x3xf32>) permutation = [1, 0]
// CHECK: %[[B:.*]] = arith.constant dense_resource<transposed> : tensor<3x2xf32>
// CHECK-NOT: linalg.transpose
// CHECK: linalg.matmul ins(%[[A]], %[[B]] : tensor<1x3xf32>, tensor<3x2xf32>)
// CHECK: transposed: "0x{{[0-9A-F]+}}0000803F00008040000000400000A040000040400000C040"
func.func @gemm_constant_trans_b(%x: tensor<3x1xf32>) -> tensor<1x2xf32> {
  %w = qnn.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>
  %y = qnn.gemm %x, %w {trans_a = true, trans_b = true} : (tensor<3x1xf32>, tensor<2x3xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}
