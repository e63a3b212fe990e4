// RUN: quant-opt %s --convert-qkernel-to-loops="family=vnni" | FileCheck %s --check-prefix=VNNI
// RUN: quant-opt %s --convert-qkernel-to-loops="family=generic" | FileCheck %s --check-prefix=GENERIC

// int8 activations: x is quantized per block of 32 where it lies (scale,
// sum, bytes as i32 words), no padded copy; x is bound as contiguous rows
// (bufferization copies a strided view: strided-input.mlir). Tiles of 16 output channels and
// chunks of 32 rows are the dims of one scf.parallel (here 1 x 1). Four rows
// at a time, a block's 4 packed vectors are a loop: each vector unpacked
// into its 2 groups with a mask and a shift, 2 dots per row.
// VNNI-LABEL: func.func @int8_w4
// VNNI: bufferization.to_buffer %arg0 read_only : tensor<5x64xf32> to memref<5x64xf32>
// VNNI-NOT: linalg.copy
// VNNI: vector.transfer_read %{{.*}} {in_bounds = [true]} : memref<5x64xf32>, vector<32xf32>
// The block's largest magnitude (NaNs as 0) is its largest bit pattern:
// VNNI: math.absf
// VNNI: arith.cmpf ord
// VNNI: vector.bitcast {{.*}} : vector<32xf32> to vector<32xi32>
// VNNI: vector.reduction <maxsi>
// VNNI: math.roundeven
// VNNI: vector.reduction <add>
// VNNI: scf.parallel ({{.*}}, {{.*}}) = (%c0{{.*}}, %c0{{.*}}) to (%c1{{.*}}, %c1{{.*}})
// VNNI: scf.for {{.*}} step %c4
// VNNI: scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// VNNI: scf.for %{{.*}} = %{{.*}} to %c4{{.*}} step %c1{{.*}} iter_args({{.*}}) -> (vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>)
// VNNI: vector.load {{.*}} : memref<512xi8>, vector<64xi8>
// VNNI: arith.andi {{.*}} : vector<64xi8>
// VNNI: arith.shrui {{.*}} : vector<64xi8>
// VNNI-COUNT-8: qkernel.dot {{.*}} {instruction = "vpdpbusd"} : vector<64xi8>, vector<64xi8> -> vector<16xi32>
// VNNI-NOT: qkernel.dot
// VNNI: scf.yield
// VNNI: arith.sitofp {{.*}} : vector<16xi32> to vector<16xf32>
// VNNI: math.fma
// VNNI: vector.transfer_write {{.*}} : vector<16xf32>, memref<5x16xf32>
// VNNI: bufferization.to_tensor {{.*}} restrict writable
// GENERIC-LABEL: func.func @int8_w4
// GENERIC: arith.extui {{.*}} : vector<64xi8> to vector<64xi32>
// GENERIC: arith.muli {{.*}} : vector<64xi32>
// GENERIC: vector.shuffle
func.func @int8_w4(%x: tensor<5x64xf32>, %p: tensor<512xi8>, %s: tensor<1x16xf32>) -> tensor<5x16xf32> {
  %y = qkernel.matmul %x, %p, %s {layout = #qkernel.layout<bits = 4, lanes = 16, k = 64, n = 16, group = 0, binary = false, signed_bytes = false>, zero_point = 8 : i64} : (tensor<5x64xf32>, tensor<512xi8>, tensor<1x16xf32>) -> tensor<5x16xf32>
  return %y : tensor<5x16xf32>
}


// W8A8 (qkernel.matmul_integer): x is already int8. Each row is copied once
// into 32-bit words (K 40: the last block is a masked read, zero past k) and
// summed; the 8-bit codes need no unpacking: the dot loop steps over groups
// of 4 codes, one vector each, and stops at the 10th (k 40; the padding
// groups would add zeros), accumulating in int32; then 128 * row sum
// (codes are w + 128) comes off and the int32 bias goes on. Four rows run
// one group a step; the last row alone, four groups a step in four chains.
// VNNI-LABEL: func.func @integer_w8
// VNNI: bufferization.to_buffer %arg0 read_only : tensor<5x40xi8> to memref<5x40xi8>
// VNNI: vector.transfer_read {{.*}} : memref<5x40xi8>, vector<32xi8>
// VNNI: arith.extsi {{.*}} : vector<32xi8> to vector<32xi32>
// VNNI: vector.reduction <add>
// VNNI: vector.bitcast {{.*}} : vector<32xi8> to vector<8xi32>
// VNNI: scf.for {{.*}} step %c4
// VNNI: scf.for {{.*}} to %c10 step %c1{{.*}} iter_args({{.*}}) -> (vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>)
// VNNI-NOT: arith.andi
// VNNI-COUNT-4: qkernel.dot {{.*}} {instruction = "vpdpbusd"} : vector<64xi8>, vector<64xi8> -> vector<16xi32>
// VNNI-NOT: qkernel.dot
// VNNI: scf.yield
// VNNI: %[[SUM:.*]] = memref.load {{.*}} : memref<5xi32>
// VNNI: %[[SPLAT:.*]] = vector.broadcast %[[SUM]] : i32 to vector<16xi32>
// VNNI: %[[OFFSET:.*]] = arith.muli %[[SPLAT]], %{{.*}} : vector<16xi32>
// VNNI: arith.subi %{{.*}}, %[[OFFSET]] : vector<16xi32>
// VNNI: vector.transfer_read {{.*}} : memref<16xi32>, vector<16xi32>
// VNNI: vector.transfer_write {{.*}} : vector<16xi32>, memref<5x16xi32>
// GENERIC-LABEL: func.func @integer_w8
// GENERIC: arith.extui {{.*}} : vector<64xi8> to vector<64xi32>
func.func @integer_w8(%x: tensor<5x40xi8>, %p: tensor<1024xi8>, %b: tensor<16xi32>) -> tensor<5x16xi32> {
  %y = qkernel.matmul_integer %x, %p bias %b {layout = #qkernel.layout<bits = 8, lanes = 16, k = 40, n = 16, group = 0, binary = false, signed_bytes = false>, zero_point = 128 : i64} : (tensor<5x40xi8>, tensor<1024xi8>, tensor<16xi32>) -> tensor<5x16xi32>
  return %y : tensor<5x16xi32>
}

// A fused requantize: per-channel multipliers, rounding halves and shifts
// are [16] i64 tables (N 3 padded to 16); each row's accumulators go to
// int64, are multiplied, rounded, shifted, offset by the zero point,
// clamped to [4, 127] and stored as int8.
// VNNI-LABEL: func.func @integer_requantize
// VNNI: memref.alloc() : memref<2x3xi8>
// VNNI-DAG: arith.constant dense<[1073741824, 1500000000, 2000000000, 1073741824, {{.*}}]> : tensor<16xi64>
// VNNI-DAG: arith.constant dense<[1073741824, 536870912, 2147483648, 1073741824, {{.*}}]> : tensor<16xi64>
// VNNI-DAG: arith.constant dense<[31, 30, 32, 31, {{.*}}]> : tensor<16xi64>
// VNNI: qkernel.dot
// VNNI: arith.extsi {{.*}} : vector<16xi32> to vector<16xi64>
// VNNI: arith.muli {{.*}} : vector<16xi64>
// VNNI: arith.shrsi {{.*}} : vector<16xi64>
// VNNI: arith.maxsi {{.*}} : vector<16xi64>
// VNNI: arith.minsi {{.*}} : vector<16xi64>
// VNNI: arith.trunci {{.*}} : vector<16xi64> to vector<16xi8>
// VNNI: vector.transfer_write {{.*}} : vector<16xi8>, memref<2x3xi8>
func.func @integer_requantize(%x: tensor<2x64xi8>, %p: tensor<512xi8>) -> tensor<2x3xi8> {
  %y = qkernel.matmul_integer %x, %p {layout = #qkernel.layout<bits = 4, lanes = 16, k = 64, n = 3, group = 0, binary = false, signed_bytes = false>, zero_point = 7 : i64, multipliers = array<i32: 1073741824, 1500000000, 2000000000>, shifts = array<i64: 31, 30, 32>, output_zero_point = 4 : i64, clamp_min = 4 : i64} : (tensor<2x64xi8>, tensor<512xi8>) -> tensor<2x3xi8>
  return %y : tensor<2x3xi8>
}

// An epilogue region runs on each row's accumulators as vectors: its
// channel table becomes a [16] buffer (N 3 padded with zeros) read at the
// tile's first channel, its scalar constants splats, each op the same op
// on vector<16x...>, and the int8 result is stored; no int32 tensor.
// VNNI-LABEL: func.func @integer_epilogue
// VNNI-NOT: xi32>
// VNNI: memref.alloc() : memref<2x3xi8>
// VNNI: arith.constant dense<[1.250000e-01, 2.500000e-01, 5.000000e-01, 0.000000e+00, {{.*}}]> : tensor<16xf32>
// VNNI: qkernel.dot
// VNNI: %[[S:.*]] = vector.transfer_read %{{.*}}[%{{.*}}], %{{.*}} {in_bounds = [true]} : memref<16xf32>, vector<16xf32>
// VNNI: %[[F:.*]] = arith.sitofp %{{.*}} : vector<16xi32> to vector<16xf32>
// VNNI: %[[R:.*]] = arith.mulf %[[F]], %[[S]] : vector<16xf32>
// VNNI: math.roundeven %{{.*}} : vector<16xf32>
// VNNI: %[[Q:.*]] = arith.fptosi %{{.*}} : vector<16xf32> to vector<16xi8>
// VNNI: vector.transfer_write %[[Q]], {{.*}} : vector<16xi8>, memref<2x3xi8>
func.func @integer_epilogue(%x: tensor<2x64xi8>, %p: tensor<512xi8>) -> tensor<2x3xi8> {
  %y = qkernel.matmul_integer %x, %p {layout = #qkernel.layout<bits = 4, lanes = 16, k = 64, n = 3, group = 0, binary = false, signed_bytes = false>, zero_point = 7 : i64} : (tensor<2x64xi8>, tensor<512xi8>) -> tensor<2x3xi8> epilogue {
  ^bb0(%acc: i32, %c: index):
    %t = arith.constant dense<[0.125, 0.25, 0.5]> : tensor<3xf32>
    %s = tensor.extract %t[%c] : tensor<3xf32>
    %f = arith.sitofp %acc : i32 to f32
    %r = arith.mulf %f, %s : f32
    %round = math.roundeven %r : f32
    %q = arith.fptosi %round : f32 to i8
    qkernel.yield %q : i8
  }
  return %y : tensor<2x3xi8>
}

// With chunks of 32 rows for every thread (here 16), one parallel loop
// over the chunks prepares each chunk's rows (x's words and row sums),
// then runs every tile (2 for N 20) over them: no loop of its own for the
// preparation, so no barrier between it and the dots.
// VNNI-LABEL: func.func @integer_prepared_chunks
// VNNI: scf.parallel (%[[CHUNK:.*]]) = (%{{.*}}) to (%c16{{.*}}) step
// VNNI: scf.for %[[ROW:.*]] = %{{.*}} to %{{.*}} step
// VNNI: vector.reduction <add>
// VNNI: scf.for %[[TILE:.*]] = %{{.*}} to %c2{{.*}} step
// VNNI: qkernel.dot
// VNNI-NOT: scf.parallel
// VNNI: return
func.func @integer_prepared_chunks(%x: tensor<512x64xi8>, %p: tensor<2048xi8>) -> tensor<512x20xi32> {
  %y = qkernel.matmul_integer %x, %p {layout = #qkernel.layout<bits = 8, lanes = 16, k = 64, n = 20, group = 0, binary = false, signed_bytes = false>, zero_point = 128 : i64} : (tensor<512x64xi8>, tensor<2048xi8>) -> tensor<512x20xi32>
  return %y : tensor<512x20xi32>
}
