// RUN: quant-opt %s -split-input-file --convert-qkernel-to-loops="family=avx2" | FileCheck %s

// A convolution's im2col rows (QNNToQKernel's gather: stride 2 down,
// dilation 2 across) are quantized from the padded input, not copied into
// a [96, 36] buffer: 8 outputs of an image row at a time, each element of
// their windows (at the offsets of a constant table) one vector<8xf32>
// load across them, the codes assembled into 32-bit words lane by lane
// and sent to their rows by an 8 x 8 transpose. Outputs past the last 8
// of an image row, or of the range, go one at a time through a gather.
// CHECK-LABEL: func.func @window
// CHECK-NOT: bufferization.to_buffer %collapsed
// CHECK: %[[INPUT:.*]] = memref.collapse_shape %{{.*}} {{\[}}[0, 1, 2, 3]] : memref<1x4x13x20xf32> into memref<1040xf32>
// CHECK: arith.constant dense<[0, 2, 4, 20, 22, 24, 40, 42, 44, 260, {{.*}}, 824, 0, {{.*}}]> : tensor<64xi32>
// CHECK-NOT: memref<96x36xf32>
// CHECK: scf.parallel
// CHECK: scf.if
// One full block of 32, then the last 4 of K = 36.
// CHECK: scf.for
// CHECK-COUNT-32: vector.load %[[INPUT]][%{{.*}}] : memref<1040xf32>, vector<8xf32>
// A block of ordinary values (no NaN or infinity, a largest magnitude of 0
// or at least 2^-120 in every lane) takes codes without the NaN rule and
// the clamps; any other block, the full arithmetic.
// CHECK: arith.maxsi {{.*}} : vector<8xi32>
// CHECK: %[[ORDINARY:.*]] = vector.reduction <and>, %{{.*}} : vector<8xi1> into i1
// CHECK: scf.if %[[ORDINARY]] -> (vector<8xi32>
// CHECK: arith.divf {{.*}} : vector<8xf32>
// CHECK-NOT: arith.maxnumf
// CHECK: math.roundeven {{.*}} : vector<8xf32>
// CHECK: } else {
// CHECK: arith.cmpf ord
// CHECK: arith.maxnumf
// CHECK: math.roundeven {{.*}} : vector<8xf32>
// CHECK: arith.shli {{.*}} : vector<8xi32>
// CHECK-COUNT-24: vector.shuffle {{.*}} : vector<8xi32>, vector<8xi32>
// CHECK-COUNT-8: vector.store {{.*}} : memref<96x16xi32>, vector<8xi32>
// CHECK-COUNT-4: vector.load %[[INPUT]][%{{.*}}] : memref<1040xf32>, vector<8xf32>
// CHECK-NOT: vector.load %[[INPUT]]
// CHECK: } else {
// CHECK: vector.gather %[[INPUT]]
// CHECK: qkernel.dot
#gather = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d3, d1 * 2 + d4, d2 + d5 * 2)>
#identity = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3, d4, d5)>
func.func @window(%x: tensor<1x4x13x20xf32>, %p: tensor<256xi8>, %s: tensor<1x8xf32>) -> tensor<1x6x16x8xf32> {
  %e = tensor.empty() : tensor<1x6x16x4x3x3xf32>
  %g = linalg.generic {indexing_maps = [#gather, #identity], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%x : tensor<1x4x13x20xf32>) outs(%e : tensor<1x6x16x4x3x3xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x6x16x4x3x3xf32>
  %rows = tensor.collapse_shape %g [[0], [1], [2], [3, 4, 5]] : tensor<1x6x16x4x3x3xf32> into tensor<1x6x16x36xf32>
  %y = qkernel.matmul %rows, %p, %s {layout = #qkernel.layout<bits = 4, lanes = 8, k = 36, n = 8, group = 0, binary = false, signed_bytes = false>, zero_point = 8 : i64, activations = "int8"} : (tensor<1x6x16x36xf32>, tensor<256xi8>, tensor<1x8xf32>) -> tensor<1x6x16x8xf32>
  return %y : tensor<1x6x16x8xf32>
}

// -----

// Stride 2 across: 16 loaded, the even ones kept; the group's loads must
// end inside the input, which the condition checks.
// CHECK-LABEL: func.func @stride_two
// CHECK: %[[INPUT:.*]] = memref.collapse_shape {{.*}} into memref<2178xf32>
// CHECK: %[[WHOLE:.*]] = arith.andi
// CHECK: %[[INSIDE:.*]] = arith.cmpi sle, %{{.*}}, %c2178
// CHECK: %[[BOTH:.*]] = arith.andi %[[WHOLE]], %[[INSIDE]]
// CHECK: scf.if %[[BOTH]]
// CHECK: %[[LOADED:.*]] = vector.load %[[INPUT]][%{{.*}}] : memref<2178xf32>, vector<16xf32>
// CHECK: vector.shuffle %[[LOADED]], %[[LOADED]] [0, 2, 4, 6, 8, 10, 12, 14] : vector<16xf32>, vector<16xf32>
#gather2 = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d3, d1 * 2 + d4, d2 * 2 + d5)>
#identity2 = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3, d4, d5)>
func.func @stride_two(%x: tensor<1x2x33x33xf32>, %p: tensor<128xi8>, %s: tensor<1x8xf32>) -> tensor<1x16x16x8xf32> {
  %e = tensor.empty() : tensor<1x16x16x2x3x3xf32>
  %g = linalg.generic {indexing_maps = [#gather2, #identity2], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%x : tensor<1x2x33x33xf32>) outs(%e : tensor<1x16x16x2x3x3xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x16x16x2x3x3xf32>
  %rows = tensor.collapse_shape %g [[0], [1], [2], [3, 4, 5]] : tensor<1x16x16x2x3x3xf32> into tensor<1x16x16x18xf32>
  %y = qkernel.matmul %rows, %p, %s {layout = #qkernel.layout<bits = 4, lanes = 8, k = 18, n = 8, group = 0, binary = false, signed_bytes = false>, zero_point = 8 : i64, activations = "int8"} : (tensor<1x16x16x18xf32>, tensor<128xi8>, tensor<1x8xf32>) -> tensor<1x16x16x8xf32>
  return %y : tensor<1x16x16x8xf32>
}

// -----

// Stride 3: one output at a time, each block of its window one gather.
// CHECK-LABEL: func.func @stride_three
// CHECK-NOT: scf.if
// CHECK: vector.gather
// CHECK-NOT: vector.load %{{.*}} : memref<600xf32>
#gather3 = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d3, d1 + d4, d2 * 3 + d5)>
#identity3 = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3, d4, d5)>
func.func @stride_three(%x: tensor<1x3x10x20xf32>, %p: tensor<128xi8>, %s: tensor<1x8xf32>) -> tensor<1x10x6x8xf32> {
  %e = tensor.empty() : tensor<1x10x6x3x1x3xf32>
  %g = linalg.generic {indexing_maps = [#gather3, #identity3], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%x : tensor<1x3x10x20xf32>) outs(%e : tensor<1x10x6x3x1x3xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x10x6x3x1x3xf32>
  %rows = tensor.collapse_shape %g [[0], [1], [2], [3, 4, 5]] : tensor<1x10x6x3x1x3xf32> into tensor<1x10x6x9xf32>
  %y = qkernel.matmul %rows, %p, %s {layout = #qkernel.layout<bits = 4, lanes = 8, k = 9, n = 8, group = 0, binary = false, signed_bytes = false>, zero_point = 8 : i64, activations = "int8"} : (tensor<1x10x6x9xf32>, tensor<128xi8>, tensor<1x8xf32>) -> tensor<1x10x6x8xf32>
  return %y : tensor<1x10x6x8xf32>
}

// -----

// W8A8 (qkernel.matmul_integer): the int8 input's window bytes, 8 outputs
// at a time, added into the rows' sums and sent to their rows' words
// (AVX2's 8-bit dot takes them widened to i16: words of 4 i16 in an i64).
// CHECK-LABEL: func.func @integer
// CHECK: %[[INPUT:.*]] = memref.collapse_shape {{.*}} into memref<1040xi8>
// CHECK: %[[SUMS:.*]] = memref.alloc() : memref<96xi32>
// CHECK: scf.if
// CHECK: vector.store %{{.*}}, %[[SUMS]][%{{.*}}] : memref<96xi32>, vector<8xi32>
// CHECK-COUNT-32: vector.load %[[INPUT]][%{{.*}}] : memref<1040xi8>, vector<8xi8>
// CHECK: vector.load %[[SUMS]]
// CHECK: vector.store %{{.*}}, %[[SUMS]]
// CHECK-COUNT-24: vector.shuffle {{.*}} : vector<8xi32>, vector<8xi32>
// CHECK: %[[BYTES:.*]] = vector.bitcast %{{.*}} : vector<8xi32> to vector<32xi8>
// CHECK: arith.extsi %[[BYTES]] : vector<32xi8> to vector<32xi16>
// CHECK: vector.store %{{.*}} : memref<96x16xi64>, vector<8xi64>
// CHECK: } else {
// CHECK: vector.gather %[[INPUT]]
#gather4 = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d3, d1 * 2 + d4, d2 + d5 * 2)>
#identity4 = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3, d4, d5)>
func.func @integer(%x: tensor<1x4x13x20xi8>, %p: tensor<512xi8>) -> tensor<1x6x16x8xi32> {
  %e = tensor.empty() : tensor<1x6x16x4x3x3xi8>
  %g = linalg.generic {indexing_maps = [#gather4, #identity4], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%x : tensor<1x4x13x20xi8>) outs(%e : tensor<1x6x16x4x3x3xi8>) {
  ^bb0(%in: i8, %out: i8):
    linalg.yield %in : i8
  } -> tensor<1x6x16x4x3x3xi8>
  %rows = tensor.collapse_shape %g [[0], [1], [2], [3, 4, 5]] : tensor<1x6x16x4x3x3xi8> into tensor<1x6x16x36xi8>
  %y = qkernel.matmul_integer %rows, %p {layout = #qkernel.layout<bits = 8, lanes = 8, k = 36, n = 8, group = 0, binary = false, signed_bytes = false>, zero_point = 128 : i64} : (tensor<1x6x16x36xi8>, tensor<512xi8>) -> tensor<1x6x16x8xi32>
  return %y : tensor<1x6x16x8xi32>
}

// -----

// Rows enough for every thread (1024 here): each chunk of 32 prepares its
// own rows into buffers of its own, on the stack, and runs its tiles over
// them; nothing the size of all the rows is allocated but the output.
// CHECK-LABEL: func.func @chunks
// CHECK-NOT: memref.alloc() : memref<1024x{{[0-9]+}}xi32>
// CHECK-NOT: memref.alloc() : memref<1024x1xf32>
// CHECK: memref.alloc() : memref<1024x8xf32>
// CHECK-NOT: memref.alloc() : memref<1024x{{[0-9]+}}xi32>
// CHECK-NOT: memref.alloc() : memref<1024x1xf32>
// CHECK: scf.parallel (%[[CHUNK:.*]]) = (%c0{{.*}}) to (%c32{{.*}}) step
// CHECK: %[[FIRST:.*]] = arith.muli %[[CHUNK]], %c32
// CHECK-DAG: %[[WORDS:.*]] = memref.alloca() : memref<32x8xi32>
// CHECK-DAG: %[[SCALES:.*]] = memref.alloca() : memref<32x1xf32>
// CHECK-DAG: %[[SUMS:.*]] = memref.alloca() : memref<32x1xi32>
// CHECK: %[[AT:.*]] = arith.subi %{{.*}}, %[[FIRST]] : index
// CHECK: vector.store %{{.*}}, %[[WORDS]][%[[AT]], %{{.*}}] : memref<32x8xi32>, vector<8xi32>
// CHECK: qkernel.dot
#gather5 = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d3, d1 + d4, d2 + d5)>
#identity5 = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3, d4, d5)>
func.func @chunks(%x: tensor<1x2x34x34xf32>, %p: tensor<128xi8>, %s: tensor<1x8xf32>) -> tensor<1x32x32x8xf32> {
  %e = tensor.empty() : tensor<1x32x32x2x3x3xf32>
  %g = linalg.generic {indexing_maps = [#gather5, #identity5], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%x : tensor<1x2x34x34xf32>) outs(%e : tensor<1x32x32x2x3x3xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x32x32x2x3x3xf32>
  %rows = tensor.collapse_shape %g [[0], [1], [2], [3, 4, 5]] : tensor<1x32x32x2x3x3xf32> into tensor<1x32x32x18xf32>
  %y = qkernel.matmul %rows, %p, %s {layout = #qkernel.layout<bits = 4, lanes = 8, k = 18, n = 8, group = 0, binary = false, signed_bytes = false>, zero_point = 8 : i64, activations = "int8"} : (tensor<1x32x32x18xf32>, tensor<128xi8>, tensor<1x8xf32>) -> tensor<1x32x32x8xf32>
  return %y : tensor<1x32x32x8xf32>
}
