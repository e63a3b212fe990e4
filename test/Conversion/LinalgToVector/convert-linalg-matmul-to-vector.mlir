// RUN: quant-opt %s -split-input-file --pass-pipeline="builtin.module(func.func(convert-linalg-matmul-to-vector{rows=4 cols=8}))" | FileCheck %s

// M=10, N=20 with a 4x8 tile: one scf.parallel over (column block, chunk of
// 4 row tiles): blocks 0 and 1 are 8 wide, block 2 (scf.if's else) the 4
// columns left; the one chunk has 2 full row tiles and an edge of 2 rows.
// All vector sizes are static.
// CHECK-LABEL: func.func @matmul
// CHECK-NOT: linalg.matmul
// CHECK: scf.parallel (%[[J:.*]], %[[CHUNK:.*]]) = (%c0{{.*}}, %c0{{.*}}) to (%c3{{.*}}, %c1{{.*}})
// CHECK:   %[[FULL:.*]] = arith.cmpi ult, %[[J]], %c2
// CHECK:   scf.if %[[FULL]] {
// CHECK:   scf.for %[[I:.*]] = %{{.*}} to %c8{{.*}} step %c4
// CHECK:     vector.load %{{.*}} : memref<10x20xf32>, vector<8xf32>
// CHECK:     scf.for {{.*}} iter_args({{.*}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// CHECK:       vector.load %{{.*}} : memref<6x20xf32>, vector<8xf32>
// CHECK:       memref.load %{{.*}} : memref<10x6xf32>
// CHECK:       vector.broadcast
// CHECK:       vector.fma
// CHECK:     vector.store
// CHECK: -> (vector<8xf32>, vector<8xf32>)
// CHECK: } else {
// CHECK: -> (vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>)
// CHECK: -> (vector<4xf32>, vector<4xf32>)
func.func @matmul(%a: memref<10x6xf32>, %b: memref<6x20xf32>, %c: memref<10x20xf32>) {
  linalg.matmul ins(%a, %b : memref<10x6xf32>, memref<6x20xf32>) outs(%c : memref<10x20xf32>)
  return
}

// -----

// batch_matmul: an outer parallel loop over the batch, indices carry it.
// CHECK-LABEL: func.func @batch_matmul
// CHECK: scf.parallel (%[[B:.*]]) = (%c0{{.*}}) to (%c3{{.*}})
// CHECK: vector.load %{{.*}}[%[[B]], %{{.*}}, %{{.*}}] : memref<3x4x8xf32>, vector<8xf32>
func.func @batch_matmul(%a: memref<3x4x5xf32>, %b: memref<3x5x8xf32>, %c: memref<3x4x8xf32>) {
  linalg.batch_matmul ins(%a, %b : memref<3x4x5xf32>, memref<3x5x8xf32>) outs(%c : memref<3x4x8xf32>)
  return
}

// -----

// A float GEMV (M = 1, K x N >= 65536) streams rows of B inside chunks of 512
// columns; the full chunks are an scf.parallel, the 76 columns left one more
// chunk. Every output still sums its products in k order.
// CHECK-LABEL: func.func @gemv
// CHECK: scf.parallel (%[[CHUNK:.*]]) = (%c0{{.*}}) to (%c1024{{.*}}) step (%c512
// CHECK:   scf.for %[[K:.*]] = %c0{{.*}} to %c64{{.*}} step %c4
// CHECK:     scf.for %[[J:.*]] = %c0{{.*}} to %c512{{.*}} step %c8
// CHECK:       arith.addi %[[CHUNK]], %[[J]]
// CHECK:       vector.fma
// CHECK: scf.for %{{.*}} = %c0{{.*}} to %c64{{.*}} step %c4
// CHECK:   scf.for %{{.*}} = %c0{{.*}} to %c72{{.*}} step %c8
// CHECK:   vector<4xf32>
func.func @gemv(%a: memref<1x64xf32>, %b: memref<64x1100xf32>, %c: memref<1x1100xf32>) {
  linalg.matmul ins(%a, %b : memref<1x64xf32>, memref<64x1100xf32>) outs(%c : memref<1x1100xf32>)
  return
}

// -----

// A fresh C that a linalg.fill wrote whole right before: the fill goes, the
// accumulators start from the fill value instead of loading C.
// CHECK-LABEL: func.func @fill_folded
// CHECK-SAME: %[[A:.*]]: memref<8x6xf32>, %[[B:.*]]: memref<6x16xf32>, %[[ZERO:.*]]: f32
// CHECK-NOT: linalg.fill
// CHECK: %[[SPLAT:.*]] = vector.broadcast %[[ZERO]] : f32 to vector<8xf32>
// CHECK-NOT: vector.load %{{.*}} : memref<8x16xf32>
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %[[SPLAT]],
func.func @fill_folded(%a: memref<8x6xf32>, %b: memref<6x16xf32>, %zero: f32) -> memref<8x16xf32> {
  %c = memref.alloc() : memref<8x16xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<8x16xf32>)
  linalg.matmul ins(%a, %b : memref<8x6xf32>, memref<6x16xf32>) outs(%c : memref<8x16xf32>)
  return %c : memref<8x16xf32>
}

// -----

// A conv's bias broadcast into C (one value per row), with the im2col
// between: each row's accumulators start from bias[row, 0].
// CHECK-LABEL: func.func @bias_folded
// CHECK-SAME: %[[BIAS:[a-z0-9]*]]: memref<4x1xf32>
// CHECK-NOT: linalg.generic
// CHECK: linalg.copy
// CHECK: %[[V:.*]] = memref.load %[[BIAS]][%{{.*}}, %c0{{.*}}] : memref<4x1xf32>
// CHECK: vector.broadcast %[[V]] : f32 to vector<8xf32>
#row = affine_map<(d0, d1) -> (d0, 0)>
#all = affine_map<(d0, d1) -> (d0, d1)>
func.func @bias_folded(%a: memref<4x6xf32>, %x: memref<6x8xf32>, %bias: memref<4x1xf32>) -> memref<4x8xf32> {
  %c = memref.alloc() : memref<4x8xf32>
  linalg.generic {indexing_maps = [#row, #all], iterator_types = ["parallel", "parallel"]}
      ins(%bias : memref<4x1xf32>) outs(%c : memref<4x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  %col = memref.alloc() : memref<6x8xf32>
  linalg.copy ins(%x : memref<6x8xf32>) outs(%col : memref<6x8xf32>)
  linalg.matmul ins(%a, %col : memref<4x6xf32>, memref<6x8xf32>) outs(%c : memref<4x8xf32>)
  return %c : memref<4x8xf32>
}

// -----

// C read by something between its fill and the matmul: left alone.
// CHECK-LABEL: func.func @fill_read_between
// CHECK: linalg.fill
// CHECK: memref.load %{{.*}} : memref<8x16xf32>
// CHECK: vector.load %{{.*}} : memref<8x16xf32>, vector<8xf32>
func.func @fill_read_between(%a: memref<8x6xf32>, %b: memref<6x16xf32>, %zero: f32) -> f32 {
  %c0 = arith.constant 0 : index
  %c = memref.alloc() : memref<8x16xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<8x16xf32>)
  %v = memref.load %c[%c0, %c0] : memref<8x16xf32>
  linalg.matmul ins(%a, %b : memref<8x6xf32>, memref<6x16xf32>) outs(%c : memref<8x16xf32>)
  return %v : f32
}

// -----

// Tensors (not yet bufferized) and column-strided buffers are left alone.
// CHECK-LABEL: func.func @not_buffers
// CHECK: linalg.matmul
func.func @not_buffers(%a: tensor<4x4xf32>, %b: tensor<4x4xf32>, %c: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<4x4xf32>, tensor<4x4xf32>) outs(%c : tensor<4x4xf32>) -> tensor<4x4xf32>
  return %r : tensor<4x4xf32>
}
// CHECK-LABEL: func.func @strided_columns
// CHECK: linalg.matmul
func.func @strided_columns(%a: memref<4x4xf32>, %b: memref<4x4xf32, strided<[1, 4]>>, %c: memref<4x4xf32>) {
  linalg.matmul ins(%a, %b : memref<4x4xf32>, memref<4x4xf32, strided<[1, 4]>>) outs(%c : memref<4x4xf32>)
  return
}

// -----

// int8 x int8 into int32 (qnn.conv_integer's im2col product): B rows and A
// elements are sign-extended, products accumulate with muli/addi.
// CHECK-LABEL: func.func @matmul_int8
// CHECK: scf.for {{.*}} iter_args({{.*}}) -> (vector<8xi32>, vector<8xi32>, vector<8xi32>, vector<8xi32>)
// CHECK:   %[[B:.*]] = vector.load %{{.*}} : memref<6x8xi8>, vector<8xi8>
// CHECK:   %[[BW:.*]] = arith.extsi %[[B]] : vector<8xi8> to vector<8xi32>
// CHECK:   %[[A:.*]] = memref.load %{{.*}} : memref<4x6xi8>
// CHECK:   %[[AW:.*]] = arith.extsi %[[A]] : i8 to i32
// CHECK:   %[[S:.*]] = vector.broadcast %[[AW]] : i32 to vector<8xi32>
// CHECK:   %[[P:.*]] = arith.muli %[[S]], %[[BW]] : vector<8xi32>
// CHECK:   arith.addi %{{.*}}, %[[P]] : vector<8xi32>
func.func @matmul_int8(%a: memref<4x6xi8>, %b: memref<6x8xi8>, %c: memref<4x8xi32>) {
  linalg.matmul ins(%a, %b : memref<4x6xi8>, memref<6x8xi8>) outs(%c : memref<4x8xi32>)
  return
}

// -----

// Unsigned extension is not what the kernel computes: left to the loops.
// CHECK-LABEL: func.func @matmul_unsigned_cast
// CHECK: linalg.matmul
func.func @matmul_unsigned_cast(%a: memref<4x6xi8>, %b: memref<6x8xi8>, %c: memref<4x8xi32>) {
  linalg.matmul {cast = #linalg.type_fn<cast_unsigned>} ins(%a, %b : memref<4x6xi8>, memref<6x8xi8>) outs(%c : memref<4x8xi32>)
  return
}

// -----

// A conv's activation (C expanded to NCHW, then HardSwish into a fresh
// buffer) runs on each tile in registers: the generic goes, the kernel
// stores only the activation (nothing else reads C), through the output
// collapsed back to [M, N]. The deallocation of B moves after the kernel.
// CHECK-LABEL: func.func @epilogue_hard_swish
// CHECK-NOT: linalg.generic
// CHECK: %[[OUT:.*]] = memref.alloc() : memref<1x4x2x8xf32>
// CHECK: %[[FLAT:.*]] = memref.collapse_shape %[[OUT]] {{\[}}[0, 1], [2, 3]] : memref<1x4x2x8xf32> into memref<4x16xf32>
// CHECK: scf.parallel
// CHECK:   %[[ACC:.*]]:4 = scf.for {{.*}} -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// CHECK:   %[[SCALED:.*]] = arith.mulf %[[ACC]]#0, %{{.*}} : vector<8xf32>
// CHECK:   arith.addf %[[SCALED]], %{{.*}} : vector<8xf32>
// CHECK:   arith.maximumf
// CHECK:   %[[CLIPPED:.*]] = arith.minimumf
// CHECK:   %[[HS:.*]] = arith.mulf %[[ACC]]#0, %[[CLIPPED]] : vector<8xf32>
// CHECK:   vector.store %[[HS]], %[[FLAT]][%{{.*}}, %{{.*}}] : memref<4x16xf32>, vector<8xf32>
// CHECK-NOT: vector.store %[[ACC]]#0
// CHECK: memref.dealloc %[[B:.*]] : memref<6x16xf32>
// CHECK: return %[[OUT]]
func.func @epilogue_hard_swish(%a: memref<4x6xf32>, %x: memref<6x16xf32>) -> memref<1x4x2x8xf32> {
  %scale = arith.constant 0.166666672 : f32
  %half = arith.constant 5.000000e-01 : f32
  %zero = arith.constant 0.000000e+00 : f32
  %one = arith.constant 1.000000e+00 : f32
  %b = memref.alloc() : memref<6x16xf32>
  memref.copy %x, %b : memref<6x16xf32> to memref<6x16xf32>
  %c = memref.alloc() : memref<4x16xf32>
  linalg.matmul ins(%a, %b : memref<4x6xf32>, memref<6x16xf32>) outs(%c : memref<4x16xf32>)
  memref.dealloc %b : memref<6x16xf32>
  %nchw = memref.expand_shape %c [[0, 1], [2, 3]] output_shape [1, 4, 2, 8] : memref<4x16xf32> into memref<1x4x2x8xf32>
  %out = memref.alloc() : memref<1x4x2x8xf32>
  linalg.generic {indexing_maps = [affine_map<(n, c, h, w) -> (n, c, h, w)>, affine_map<(n, c, h, w) -> (n, c, h, w)>],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%nchw : memref<1x4x2x8xf32>) outs(%out : memref<1x4x2x8xf32>) {
  ^bb0(%in: f32, %unused: f32):
    %0 = arith.mulf %in, %scale : f32
    %1 = arith.addf %0, %half : f32
    %2 = arith.maximumf %1, %zero : f32
    %3 = arith.minimumf %2, %one : f32
    %4 = arith.mulf %in, %3 : f32
    linalg.yield %4 : f32
  }
  memref.dealloc %c : memref<4x16xf32>
  return %out : memref<1x4x2x8xf32>
}

// -----

// A residual add: the skip input is loaded at the tile's place. C is also
// returned, so the kernel stores it too.
// CHECK-LABEL: func.func @epilogue_residual_keeps_c
// CHECK-NOT: linalg.generic
// CHECK: %[[ACC:.*]]:4 = scf.for
// CHECK: vector.store %[[ACC]]#0, %[[C:.*]][%{{.*}}, %{{.*}}] : memref<4x8xf32>, vector<8xf32>
// CHECK: %[[SKIP:.*]] = vector.load %{{.*}}[%{{.*}}, %{{.*}}] : memref<4x8xf32>, vector<8xf32>
// CHECK: %[[SUM:.*]] = arith.addf %[[SKIP]], %[[ACC]]#0 : vector<8xf32>
// CHECK: vector.store %[[SUM]]
func.func @epilogue_residual_keeps_c(%a: memref<4x6xf32>, %b: memref<6x8xf32>, %skip: memref<4x8xf32>)
    -> (memref<4x8xf32>, memref<4x8xf32>) {
  %c = memref.alloc() : memref<4x8xf32>
  linalg.matmul ins(%a, %b : memref<4x6xf32>, memref<6x8xf32>) outs(%c : memref<4x8xf32>)
  %out = memref.alloc() : memref<4x8xf32>
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%skip, %c : memref<4x8xf32>, memref<4x8xf32>) outs(%out : memref<4x8xf32>) {
  ^bb0(%s: f32, %in: f32, %unused: f32):
    %0 = arith.addf %s, %in : f32
    linalg.yield %0 : f32
  }
  return %c, %out : memref<4x8xf32>, memref<4x8xf32>
}

// -----

// Not folded: the generic broadcasts C (a map that is not the identity),
// calls a math function, a store to C comes between, or it writes B,
// which later tiles still read.
// CHECK-LABEL: func.func @epilogue_not_folded
// CHECK-COUNT-4: linalg.generic
func.func @epilogue_not_folded(%a: memref<4x6xf32>, %b: memref<6x8xf32>, %row: memref<1x8xf32>,
                               %v: f32, %i: index) -> (memref<8x4xf32>, memref<4x8xf32>, memref<4x8xf32>) {
  %c0 = memref.alloc() : memref<4x8xf32>
  linalg.matmul ins(%a, %b : memref<4x6xf32>, memref<6x8xf32>) outs(%c0 : memref<4x8xf32>)
  %t = memref.alloc() : memref<8x4xf32>
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (j, i)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%c0 : memref<4x8xf32>) outs(%t : memref<8x4xf32>) {
  ^bb0(%in: f32, %unused: f32):
    linalg.yield %in : f32
  }
  %c1 = memref.alloc() : memref<4x8xf32>
  linalg.matmul ins(%a, %b : memref<4x6xf32>, memref<6x8xf32>) outs(%c1 : memref<4x8xf32>)
  %e = memref.alloc() : memref<4x8xf32>
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%c1 : memref<4x8xf32>) outs(%e : memref<4x8xf32>) {
  ^bb0(%in: f32, %unused: f32):
    %0 = math.exp %in : f32
    linalg.yield %0 : f32
  }
  %c2 = memref.alloc() : memref<4x8xf32>
  linalg.matmul ins(%a, %b : memref<4x6xf32>, memref<6x8xf32>) outs(%c2 : memref<4x8xf32>)
  memref.store %v, %c2[%i, %i] : memref<4x8xf32>
  %r = memref.alloc() : memref<4x8xf32>
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%c2 : memref<4x8xf32>) outs(%r : memref<4x8xf32>) {
  ^bb0(%in: f32, %unused: f32):
    %0 = arith.negf %in : f32
    linalg.yield %0 : f32
  }
  %c3 = memref.alloc() : memref<4x8xf32>
  %bsq = memref.alloc() : memref<8x8xf32>
  %asq = memref.alloc() : memref<4x8xf32>
  linalg.matmul ins(%asq, %bsq : memref<4x8xf32>, memref<8x8xf32>) outs(%c3 : memref<4x8xf32>)
  %inplace = memref.reinterpret_cast %bsq to offset: [0], sizes: [4, 8], strides: [8, 1] : memref<8x8xf32> to memref<4x8xf32>
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%c3 : memref<4x8xf32>) outs(%inplace : memref<4x8xf32>) {
  ^bb0(%in: f32, %unused: f32):
    %0 = arith.negf %in : f32
    linalg.yield %0 : f32
  }
  return %t, %e, %r : memref<8x4xf32>, memref<4x8xf32>, memref<4x8xf32>
}

// -----

// B is a 3x3 conv's im2col matrix (2 channels, rows of 16 output columns,
// so each block of 8 columns lies in one row): each iteration packs its
// 18 x 8 panel from the padded image on the stack, in an alloca_scope, and
// the tiles read it from column 0. The im2col generic goes, and the
// image's deallocation moves after the kernel, which reads the image now.
// CHECK-LABEL: func.func @im2col_panels
// CHECK: %[[IMAGE:.*]] = memref.alloc() : memref<2x4x18xf32>
// CHECK-NOT: linalg.generic
// CHECK: scf.parallel (%[[BLOCK:.*]], %{{.*}}) = ({{.*}}) to (%c4, %c1)
// CHECK:   %[[J0:.*]] = arith.muli %[[BLOCK]], %c8
// CHECK:   memref.alloca_scope {
// CHECK:     %[[PANEL:.*]] = memref.alloca() : memref<18x8xf32>
// CHECK:     arith.divui %[[J0]], %c16
// CHECK:     arith.remui %[[J0]], %c16
// CHECK:     %[[LINE:.*]] = memref.collapse_shape %[[PANEL]]
// CHECK:     scf.for %[[CH:.*]] = %{{.*}} to %c2 step
// CHECK:       %[[TAP:.*]] = vector.load %[[IMAGE]][%[[CH]], %{{.*}}, %{{.*}}] : memref<2x4x18xf32>, vector<8xf32>
// CHECK:       vector.store %[[TAP]], %[[LINE]][%{{.*}}] : memref<144xf32>, vector<8xf32>
// CHECK:     vector.load %[[PANEL]][%{{.*}}, %{{.*}}] : memref<18x8xf32>, vector<8xf32>
// CHECK:     vector.fma
// CHECK: memref.dealloc %[[IMAGE]]
func.func @im2col_panels(%w: memref<4x18xf32>, %c: memref<4x32xf32>) {
  %zero = arith.constant 0.0 : f32
  %image = memref.alloc() : memref<2x4x18xf32>
  linalg.fill ins(%zero : f32) outs(%image : memref<2x4x18xf32>)
  %cols = memref.alloc() : memref<2x3x3x2x16xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4) -> (d0, d1 + d3, d2 + d4)>, affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%image : memref<2x4x18xf32>) outs(%cols : memref<2x3x3x2x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  memref.dealloc %image : memref<2x4x18xf32>
  %b = memref.collapse_shape %cols [[0, 1, 2], [3, 4]] : memref<2x3x3x2x16xf32> into memref<18x32xf32>
  linalg.matmul ins(%w, %b : memref<4x18xf32>, memref<18x32xf32>) outs(%c : memref<4x32xf32>)
  memref.dealloc %cols : memref<2x3x3x2x16xf32>
  return
}

// -----

// Rows of 12 output columns: the block from column 8 holds 4 columns of
// row 0 and 4 of row 1. When a block crosses into the next row (an scf.if),
// each tap copies the block's part of its first row through a mask of
// min(8, 12 - ox) lanes, then the rest from the next row's start into the
// panel's columns from there, both by plain stores into the panel seen as
// one row: the head's lanes past its part are overwritten by the tail, the
// tail's spill past the row by the next tap's head, the last one's by the
// panel's spare row (19 rows for K = 18). Blocks within a row copy whole
// vectors.
// CHECK-LABEL: func.func @im2col_blocks_across_rows
// CHECK-NOT: linalg.generic
// CHECK-NOT: vector.maskedstore
// CHECK: scf.parallel
// CHECK:   %[[PANEL:.*]] = memref.alloca() : memref<19x8xf32>
// CHECK:   %[[OY:.*]] = arith.divui %{{.*}}, %c12
// CHECK:   %[[OX:.*]] = arith.remui %{{.*}}, %c12
// CHECK:   %[[LINE:.*]] = memref.collapse_shape %[[PANEL]] {{\[}}[0, 1]] : memref<19x8xf32> into memref<152xf32>
// CHECK:   %[[LEFT:.*]] = arith.subi %c12{{.*}}, %[[OX]]
// CHECK:   %[[FIRST:.*]] = arith.minsi %c8{{.*}}, %[[LEFT]]
// CHECK:   %[[CROSSES:.*]] = arith.cmpi slt, %[[FIRST]], %c8
// CHECK:   scf.if %[[CROSSES]] {
// CHECK:     %[[REST:.*]] = arith.subi %c8{{.*}}, %[[FIRST]]
// CHECK:     %[[MASK:.*]] = vector.create_mask %[[FIRST]] : vector<8xi1>
// CHECK:     %[[NEXT:.*]] = arith.addi %[[OY]], %c1
// CHECK:     %[[MASK2:.*]] = vector.create_mask %[[REST]] : vector<8xi1>
// CHECK:     scf.for
// CHECK:       %[[HEAD:.*]] = vector.maskedload %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}], %[[MASK]], %{{.*}} : memref<2x4x14xf32>, vector<8xi1>, vector<8xf32> into vector<8xf32>
// CHECK:       vector.store %[[HEAD]], %[[LINE]][%{{.*}}] : memref<152xf32>, vector<8xf32>
// CHECK:       %[[TAIL:.*]] = vector.maskedload %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}], %[[MASK2]]
// CHECK:       %[[TAIL_ROW:.*]] = arith.muli
// CHECK:       %[[TAIL_AT:.*]] = arith.addi %[[TAIL_ROW]], %[[FIRST]]
// CHECK:       vector.store %[[TAIL]], %[[LINE]][%[[TAIL_AT]]]
// CHECK:   } else {
// CHECK:     scf.for
// CHECK:       %[[WHOLE:.*]] = vector.load %{{.*}} : memref<2x4x14xf32>, vector<8xf32>
// CHECK:       vector.store %[[WHOLE]], %[[LINE]]
func.func @im2col_blocks_across_rows(%image: memref<2x4x14xf32>, %w: memref<4x18xf32>, %c: memref<4x24xf32>) {
  %cols = memref.alloc() : memref<2x3x3x2x12xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4) -> (d0, d1 + d3, d2 + d4)>, affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%image : memref<2x4x14xf32>) outs(%cols : memref<2x3x3x2x12xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  %b = memref.collapse_shape %cols [[0, 1, 2], [3, 4]] : memref<2x3x3x2x12xf32> into memref<18x24xf32>
  linalg.matmul ins(%w, %b : memref<4x18xf32>, memref<18x24xf32>) outs(%c : memref<4x24xf32>)
  memref.dealloc %cols : memref<2x3x3x2x12xf32>
  return
}

// -----

// Rows of 6 output columns, narrower than a block of 8, which spans up to
// three rows (from column 5: 1 + 6 + 1). With 4 rows of A (one chunk of
// rows reads each block) the block is a panel: each tap copies the head
// (min(8, 6 - ox) lanes), the next row's min(6, rest) from its start, and
// only when the block reaches a third row (an scf.if on its length) the
// rest from that row's start.
// CHECK-LABEL: func.func @im2col_blocks_across_three_rows
// CHECK-NOT: linalg.generic
// CHECK: scf.parallel
// CHECK:   %[[PANEL:.*]] = memref.alloca() : memref<19x8xf32>
// CHECK:   %[[OY:.*]] = arith.divui %{{.*}}, %c6
// CHECK:   %[[OX:.*]] = arith.remui %{{.*}}, %c6
// CHECK:   %[[LEFT:.*]] = arith.subi %c6{{.*}}, %[[OX]]
// CHECK:   %[[FIRST:.*]] = arith.minsi %c8{{.*}}, %[[LEFT]]
// CHECK:   scf.if
// CHECK:     %[[REST:.*]] = arith.subi %c8{{.*}}, %[[FIRST]]
// CHECK:     %[[MASK:.*]] = vector.create_mask %[[FIRST]] : vector<8xi1>
// CHECK:     %[[SECOND:.*]] = arith.minsi %[[REST]], %c6
// CHECK:     %[[MASK2:.*]] = vector.create_mask %[[SECOND]] : vector<8xi1>
// CHECK:     %[[PLACED:.*]] = arith.addi %[[FIRST]], %[[SECOND]]
// CHECK:     %[[THIRD:.*]] = arith.subi %c8{{.*}}, %[[PLACED]]
// CHECK:     %[[MASK3:.*]] = vector.create_mask %[[THIRD]] : vector<8xi1>
// CHECK:     scf.for
// CHECK:       vector.maskedload %{{.*}}, %[[MASK]]
// CHECK:       vector.store
// CHECK:       vector.maskedload %{{.*}}, %[[MASK2]]
// CHECK:       vector.store
// CHECK:       %[[REACHES:.*]] = arith.cmpi sgt, %[[THIRD]], %c0
// CHECK:       scf.if %[[REACHES]] {
// CHECK:         vector.maskedload %{{.*}}, %[[MASK3]]
// CHECK:         vector.store %{{.*}}, %{{.*}}[%{{.*}}] : memref<152xf32>, vector<8xf32>
func.func @im2col_blocks_across_three_rows(%image: memref<2x5x8xf32>, %w: memref<4x18xf32>, %c: memref<4x18xf32>) {
  %cols = memref.alloc() : memref<2x3x3x3x6xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4) -> (d0, d1 + d3, d2 + d4)>, affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%image : memref<2x5x8xf32>) outs(%cols : memref<2x3x3x3x6xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  %b = memref.collapse_shape %cols [[0, 1, 2], [3, 4]] : memref<2x3x3x3x6xf32> into memref<18x18xf32>
  linalg.matmul ins(%w, %b : memref<4x18xf32>, memref<18x18xf32>) outs(%c : memref<4x18xf32>)
  memref.dealloc %cols : memref<2x3x3x3x6xf32>
  return
}

// -----

// The same rows of 6 with 32 rows of A (chunks of 16 rows): the im2col
// matrix is written whole and its blocks packed once for every chunk.
// CHECK-LABEL: func.func @im2col_rows_narrower_than_blocks
// CHECK: linalg.generic
// CHECK-NOT: memref.alloca
// CHECK: scf.parallel
func.func @im2col_rows_narrower_than_blocks(%image: memref<2x5x8xf32>, %w: memref<32x18xf32>, %c: memref<32x18xf32>) {
  %cols = memref.alloc() : memref<2x3x3x3x6xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4) -> (d0, d1 + d3, d2 + d4)>, affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%image : memref<2x5x8xf32>) outs(%cols : memref<2x3x3x3x6xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  %b = memref.collapse_shape %cols [[0, 1, 2], [3, 4]] : memref<2x3x3x3x6xf32> into memref<18x18xf32>
  linalg.matmul ins(%w, %b : memref<32x18xf32>, memref<18x18xf32>) outs(%c : memref<32x18xf32>)
  memref.dealloc %cols : memref<2x3x3x3x6xf32>
  return
}

// -----

// B is x times one scale per channel (a squeeze-and-excitation gate before
// its 1x1 conv), reached through the subview and collapse that drop the
// image dim: each iteration scales its column block's 3 x 8 panel from x on
// the stack, in the generic's operand order, and the tiles read that. The
// generic goes; x's deallocation, between the generic and the matmul,
// moves after the kernel, which reads x now.
// CHECK-LABEL: func.func @row_scaled_panels
// CHECK-SAME: (%[[X:.*]]: memref<1x3x2x8xf32>, %[[S:.*]]: memref<1x3x1x1xf32>
// CHECK-NOT: linalg.generic
// CHECK: %[[XV:.*]] = memref.subview %[[X]][0, 0, 0, 0] [1, 3, 2, 8] [1, 1, 1, 1]
// CHECK: %[[ROWS:.*]] = memref.collapse_shape %[[XV]] {{\[}}[0], [1, 2]]
// CHECK: scf.parallel (%[[BLOCK:.*]], %{{.*}}) = ({{.*}}) to (%c2, %c1)
// CHECK:   %[[J0:.*]] = arith.muli %[[BLOCK]], %c8
// CHECK:   memref.alloca_scope {
// CHECK:     %[[PANEL:.*]] = memref.alloca() : memref<3x8xf32>
// CHECK:     scf.for %[[K:.*]] = %{{.*}} to %c3 step
// CHECK:       %[[SK:.*]] = memref.load %[[S]][%{{.*}}, %[[K]], %{{.*}}, %{{.*}}]
// CHECK:       %[[SPLAT:.*]] = vector.broadcast %[[SK]] : f32 to vector<8xf32>
// CHECK:       %[[XK:.*]] = vector.load %[[ROWS]][%[[K]], %[[J0]]]
// CHECK:       %[[SCALED:.*]] = arith.mulf %[[XK]], %[[SPLAT]] : vector<8xf32>
// CHECK:       vector.store %[[SCALED]], %[[PANEL]][%[[K]], %{{.*}}]
// CHECK:     vector.load %[[PANEL]]
// CHECK:     vector.fma
// CHECK: memref.dealloc %[[X]]
func.func @row_scaled_panels(%x: memref<1x3x2x8xf32>, %s: memref<1x3x1x1xf32>, %w: memref<4x3xf32>, %c: memref<4x16xf32>) {
  %scaled = memref.alloc() : memref<1x3x2x8xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, 0, 0)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%x, %s : memref<1x3x2x8xf32>, memref<1x3x1x1xf32>) outs(%scaled : memref<1x3x2x8xf32>) {
  ^bb0(%in: f32, %gate: f32, %out: f32):
    %0 = arith.mulf %in, %gate : f32
    linalg.yield %0 : f32
  }
  memref.dealloc %x : memref<1x3x2x8xf32>
  %v = memref.subview %scaled[0, 0, 0, 0] [1, 3, 2, 8] [1, 1, 1, 1] : memref<1x3x2x8xf32> to memref<3x2x8xf32, strided<[16, 8, 1]>>
  %b = memref.collapse_shape %v [[0], [1, 2]] : memref<3x2x8xf32, strided<[16, 8, 1]>> into memref<3x16xf32, strided<[16, 1]>>
  linalg.matmul ins(%w, %b : memref<4x3xf32>, memref<3x16xf32, strided<[16, 1]>>) outs(%c : memref<4x16xf32>)
  memref.dealloc %scaled : memref<1x3x2x8xf32>
  return
}

// -----

// 256 rows (64 tiles of 4) and 2 column blocks: the rows are split into as
// few chunks as make 16 iterations (8 of 32 rows), so each block's panel is
// packed 8 times, not once per 4 tiles (16 times).
// CHECK-LABEL: func.func @row_scaled_panels_rows_in_few_chunks
// CHECK: scf.parallel (%{{.*}}, %[[CHUNK:.*]]) = ({{.*}}) to (%c2, %c8)
// CHECK:   arith.muli %[[CHUNK]], %c32
// CHECK:   memref.alloca() : memref<3x8xf32>
func.func @row_scaled_panels_rows_in_few_chunks(%x: memref<3x16xf32>, %s: memref<3x1xf32>, %w: memref<256x3xf32>, %c: memref<256x16xf32>) {
  %scaled = memref.alloc() : memref<3x16xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, 0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x, %s : memref<3x16xf32>, memref<3x1xf32>) outs(%scaled : memref<3x16xf32>) {
  ^bb0(%in: f32, %gate: f32, %out: f32):
    %0 = arith.mulf %in, %gate : f32
    linalg.yield %0 : f32
  }
  linalg.matmul ins(%w, %scaled : memref<256x3xf32>, memref<3x16xf32>) outs(%c : memref<256x16xf32>)
  memref.dealloc %scaled : memref<3x16xf32>
  return
}

// -----

// The scale first in the body, and B the generic's output itself: the
// panel multiplies the scale by x, as the generic did.
// CHECK-LABEL: func.func @row_scaled_scale_first
// CHECK-NOT: linalg.generic
// CHECK: memref.alloca() : memref<3x8xf32>
// CHECK: %[[SPLAT:.*]] = vector.broadcast %{{.*}} : f32 to vector<8xf32>
// CHECK: %[[XK:.*]] = vector.load
// CHECK: arith.mulf %[[SPLAT]], %[[XK]] : vector<8xf32>
func.func @row_scaled_scale_first(%x: memref<3x16xf32>, %s: memref<3xf32>, %w: memref<4x3xf32>, %c: memref<4x16xf32>) {
  %b = memref.alloc() : memref<3x16xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%s, %x : memref<3xf32>, memref<3x16xf32>) outs(%b : memref<3x16xf32>) {
  ^bb0(%gate: f32, %in: f32, %out: f32):
    %0 = arith.mulf %gate, %in : f32
    linalg.yield %0 : f32
  }
  linalg.matmul ins(%w, %b : memref<4x3xf32>, memref<3x16xf32>) outs(%c : memref<4x16xf32>)
  return
}

// -----

// Not folded: a scale per column (the columns' dim is not B's rows), a
// second reader of the product (a load, a generic), and a write to x
// between the generic and the matmul. Each generic stays and B is read as
// written.
// CHECK-LABEL: func.func @row_scaled_not_folded
// CHECK-COUNT-5: linalg.generic
// CHECK-NOT: memref.alloca
func.func @row_scaled_not_folded(%x: memref<3x16xf32>, %s: memref<16xf32>, %r: memref<3xf32>, %w: memref<4x3xf32>, %c: memref<4x16xf32>, %d: memref<4x16xf32>, %e: memref<4x16xf32>) -> f32 {
  %b = memref.alloc() : memref<3x16xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x, %s : memref<3x16xf32>, memref<16xf32>) outs(%b : memref<3x16xf32>) {
  ^bb0(%in: f32, %gate: f32, %out: f32):
    %0 = arith.mulf %in, %gate : f32
    linalg.yield %0 : f32
  }
  linalg.matmul ins(%w, %b : memref<4x3xf32>, memref<3x16xf32>) outs(%c : memref<4x16xf32>)
  %b2 = memref.alloc() : memref<3x16xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x, %r : memref<3x16xf32>, memref<3xf32>) outs(%b2 : memref<3x16xf32>) {
  ^bb0(%in: f32, %gate: f32, %out: f32):
    %0 = arith.mulf %in, %gate : f32
    linalg.yield %0 : f32
  }
  linalg.matmul ins(%w, %b2 : memref<4x3xf32>, memref<3x16xf32>) outs(%d : memref<4x16xf32>)
  %i = arith.constant 0 : index
  %read = memref.load %b2[%i, %i] : memref<3x16xf32>
  %b3 = memref.alloc() : memref<3x16xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x, %r : memref<3x16xf32>, memref<3xf32>) outs(%b3 : memref<3x16xf32>) {
  ^bb0(%in: f32, %gate: f32, %out: f32):
    %0 = arith.mulf %in, %gate : f32
    linalg.yield %0 : f32
  }
  linalg.fill ins(%read : f32) outs(%x : memref<3x16xf32>)
  linalg.matmul ins(%w, %b3 : memref<4x3xf32>, memref<3x16xf32>) outs(%e : memref<4x16xf32>)
  %b4 = memref.alloc() : memref<3x16xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x, %r : memref<3x16xf32>, memref<3xf32>) outs(%b4 : memref<3x16xf32>) {
  ^bb0(%in: f32, %gate: f32, %out: f32):
    %0 = arith.mulf %in, %gate : f32
    linalg.yield %0 : f32
  }
  linalg.matmul ins(%w, %b4 : memref<4x3xf32>, memref<3x16xf32>) outs(%e : memref<4x16xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%b4 : memref<3x16xf32>) outs(%x : memref<3x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  return %read : f32
}

// -----

// A matrix times a column (a squeeze-and-excitation block's fully connected
// layer) after its bias is copied into C: one dot product per row along K,
// 8 products per fma over the first 96 and a masked vector for the last 4,
// the lanes summed onto the bias (read from the copy's source, and the copy
// goes). Rows go in chunks of 8, the short last chunk an iteration too.
// CHECK-LABEL: func.func @column_gemv
// CHECK-SAME: (%[[A:.*]]: memref<10x100xf32>, %[[B:.*]]: memref<100x1xf32, strided<[1, 1]>>, %[[BIAS:.*]]: memref<10x1xf32>)
// CHECK-NOT: memref.copy
// CHECK: %[[COL:.*]] = memref.collapse_shape %[[B]] {{\[}}[0, 1]] : memref<100x1xf32, strided<[1, 1]>> into memref<100xf32, strided<[1]>>
// CHECK: scf.parallel (%[[CHUNK:.*]]) = (%c0) to (%c2) step (%c1) {
// CHECK:   %[[FIRST:.*]] = arith.muli %[[CHUNK]], %c8
// CHECK:   scf.if
// CHECK:     %[[SUM:.*]] = scf.for %[[K:.*]] = %c0{{.*}} to %c96{{.*}} step %c8{{.*}} iter_args(%[[ACC:.*]] = %{{.*}}) -> (vector<8xf32>) {
// CHECK:       %[[AV:.*]] = vector.load %[[A]][%[[FIRST]], %[[K]]] : memref<10x100xf32>, vector<8xf32>
// CHECK:       %[[XV:.*]] = vector.load %[[COL]][%[[K]]] : memref<100xf32, strided<[1]>>, vector<8xf32>
// CHECK:       vector.fma %[[AV]], %[[XV]], %[[ACC]] : vector<8xf32>
// CHECK:     %[[MASK:.*]] = vector.create_mask %c4{{.*}} : vector<8xi1>
// CHECK:     vector.maskedload %[[A]][%[[FIRST]], %c96{{.*}}], %[[MASK]]
// CHECK:     %[[DOT:.*]] = vector.reduction <add>, %{{.*}} : vector<8xf32> into f32
// CHECK:     %[[START:.*]] = vector.load %[[BIAS]][%[[FIRST]], %c0{{.*}}] : memref<10x1xf32>, vector<1xf32>
// CHECK:     %[[SPLAT:.*]] = vector.broadcast %[[DOT]] : f32 to vector<1xf32>
// CHECK:     %[[TOTAL:.*]] = arith.addf %[[START]], %[[SPLAT]] : vector<1xf32>
// CHECK:     vector.store %[[TOTAL]], %{{.*}}[%[[FIRST]], %c0{{.*}}] : memref<10x1xf32>, vector<1xf32>
func.func @column_gemv(%a: memref<10x100xf32>, %b: memref<100x1xf32, strided<[1, 1]>>, %bias: memref<10x1xf32>) -> memref<10x1xf32> {
  %c = memref.alloc() : memref<10x1xf32>
  memref.copy %bias, %c : memref<10x1xf32> to memref<10x1xf32>
  linalg.matmul ins(%a, %b : memref<10x100xf32>, memref<100x1xf32, strided<[1, 1]>>) outs(%c : memref<10x1xf32>)
  return %c : memref<10x1xf32>
}

// -----

// A copy into C is not folded when something between it and the matmul
// may write its source; a column GEMV with K below 96 keeps the tile
// kernel (a sum across lanes would cost more than it saves).
// CHECK-LABEL: func.func @copy_source_written
// CHECK: memref.copy
// CHECK: memref.store
// CHECK: vector.reduction
// CHECK-LABEL: func.func @short_column
// CHECK-NOT: vector.reduction
// CHECK: vector.fma {{.*}} : vector<1xf32>
func.func @copy_source_written(%a: memref<10x100xf32>, %b: memref<100x1xf32>, %bias: memref<10x1xf32>, %v: f32) -> memref<10x1xf32> {
  %i = arith.constant 0 : index
  %c = memref.alloc() : memref<10x1xf32>
  memref.copy %bias, %c : memref<10x1xf32> to memref<10x1xf32>
  memref.store %v, %bias[%i, %i] : memref<10x1xf32>
  linalg.matmul ins(%a, %b : memref<10x100xf32>, memref<100x1xf32>) outs(%c : memref<10x1xf32>)
  return %c : memref<10x1xf32>
}
func.func @short_column(%a: memref<10x90xf32>, %b: memref<90x1xf32>, %c: memref<10x1xf32>) {
  linalg.matmul ins(%a, %b : memref<10x90xf32>, memref<90x1xf32>) outs(%c : memref<10x1xf32>)
  return
}

// -----

// The im2col reads a zero-padded copy of %x (a bufferized tensor.pad) that
// nothing else reads: each panel starts as zeros and every tap copies the
// lanes whose pixel lies inside %x (its row checked, then a range of
// columns from ceil(-column / stride) to the row's end), from %x itself
// through a [C, H, W] view, by a plain store whose lanes past them hold
// the pad value (0: the masked load's). The pad's fill, copy and buffer go.
// CHECK-LABEL: func.func @im2col_implicit_padding
// CHECK-SAME: (%[[X:.*]]: memref<1x2x4x16xf32>
// CHECK-NOT: linalg.map
// CHECK-NOT: memref.copy
// CHECK-NOT: memref<1x2x6x18xf32>
// CHECK: %[[ROWS:.*]] = memref.subview %[[X]][0, 0, 0, 0] [1, 2, 4, 16] [1, 1, 1, 1] : memref<1x2x4x16xf32> to memref<2x4x16xf32, strided<[64, 16, 1]>>
// CHECK: scf.parallel
// CHECK:   %[[PANEL:.*]] = memref.alloca() : memref<19x8xf32>
// CHECK:   scf.for %[[K:.*]] = %c0{{.*}} to %c18{{.*}} step
// CHECK:     vector.store %{{.*}}, %[[PANEL]][%[[K]], %c0{{.*}}] : memref<19x8xf32>, vector<8xf32>
// CHECK:   %[[LINE:.*]] = memref.collapse_shape %[[PANEL]]
// CHECK:   scf.for %[[C:.*]] = %c0{{.*}} to %c2{{.*}} step
// CHECK:     arith.cmpi sge
// CHECK:     arith.ceildivsi
// CHECK:     arith.floordivsi
// CHECK:     scf.if
// CHECK:       %[[MASK:.*]] = vector.create_mask %{{.*}} : vector<8xi1>
// CHECK:       %[[V:.*]] = vector.maskedload %[[ROWS]][%[[C]], %{{.*}}, %{{.*}}], %[[MASK]]
// CHECK:       vector.store %[[V]], %[[LINE]][%{{.*}}] : memref<152xf32>, vector<8xf32>
// CHECK: return
func.func @im2col_implicit_padding(%x: memref<1x2x4x16xf32>, %w: memref<4x18xf32>, %c: memref<4x64xf32>) {
  %zero = arith.constant 0.0 : f32
  %p = memref.alloc() : memref<1x2x6x18xf32>
  linalg.map outs(%p : memref<1x2x6x18xf32>)
    (%init: f32) {
      linalg.yield %zero : f32
    }
  %window = memref.subview %p[0, 0, 1, 1] [1, 2, 4, 16] [1, 1, 1, 1] : memref<1x2x6x18xf32> to memref<1x2x4x16xf32, strided<[216, 108, 18, 1], offset: 19>>
  memref.copy %x, %window : memref<1x2x4x16xf32> to memref<1x2x4x16xf32, strided<[216, 108, 18, 1], offset: 19>>
  %image = memref.subview %p[0, 0, 0, 0] [1, 2, 6, 18] [1, 1, 1, 1] : memref<1x2x6x18xf32> to memref<2x6x18xf32, strided<[108, 18, 1]>>
  %cols = memref.alloc() : memref<2x3x3x4x16xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4) -> (d0, d1 + d3, d2 + d4)>, affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%image : memref<2x6x18xf32, strided<[108, 18, 1]>>) outs(%cols : memref<2x3x3x4x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  %b = memref.collapse_shape %cols [[0, 1, 2], [3, 4]] : memref<2x3x3x4x16xf32> into memref<18x64xf32>
  linalg.matmul ins(%w, %b : memref<4x18xf32>, memref<18x64xf32>) outs(%c : memref<4x64xf32>)
  memref.dealloc %cols : memref<2x3x3x4x16xf32>
  memref.dealloc %p : memref<1x2x6x18xf32>
  return
}

// -----

// B's rows of 18 floats do not start on a vector's boundary (72 bytes, 16
// a vector), so each tile's loads of them would split across cache lines:
// B's column blocks are copied first, each [K, 8] contiguous, the edge's
// 2 columns followed by zeros, and the tiles read their block from column
// 0. With M = 50 > N = 18, A is the larger operand: the parallel loop's
// outer dimension is the chunks of rows (4: 3 of 16, then 2 rows), so
// that A streams from memory once and B is what each chunk reads again.
// CHECK-LABEL: func.func @misaligned_b
// CHECK-SAME: (%[[A:.*]]: memref<50x10xf32>, %[[B:.*]]: memref<10x18xf32>, %[[C:.*]]: memref<50x18xf32>)
// CHECK: %[[BLOCKS:.*]] = memref.alloc() {alignment = 64 : i64} : memref<3x10x8xf32>
// CHECK: scf.parallel (%[[BLOCK:.*]]) = (%c0{{.*}}) to (%c3{{.*}})
// CHECK:   %[[FULL:.*]] = vector.load %[[B]][%{{.*}}, %{{.*}}] : memref<10x18xf32>, vector<8xf32>
// CHECK:   vector.store %[[FULL]], %[[BLOCKS]][%[[BLOCK]], %{{.*}}, %c0{{.*}}] : memref<3x10x8xf32>, vector<8xf32>
// CHECK: } else {
// CHECK:   %[[EDGE:.*]] = vector.load %[[B]][%{{.*}}, %{{.*}}] : memref<10x18xf32>, vector<2xf32>
// CHECK:   %[[PADDED:.*]] = vector.insert_strided_slice %[[EDGE]], %{{.*}} {offsets = [0], strides = [1]} : vector<2xf32> into vector<8xf32>
// CHECK:   vector.store %[[PADDED]], %[[BLOCKS]]
// CHECK: scf.parallel (%[[CHUNK:.*]], %[[COLS:.*]]) = (%c0{{.*}}, %c0{{.*}}) to (%c4{{.*}}, %c3{{.*}})
// CHECK:   arith.muli %[[CHUNK]], %c16
// CHECK:   arith.muli %[[COLS]], %c8
// CHECK:   %[[OWN:.*]] = memref.subview %[[BLOCKS]][%[[COLS]], 0, 0] [1, 10, 8] [1, 1, 1]
// CHECK:   vector.load %[[OWN]][%{{.*}}, %c0{{.*}}] : memref<10x8xf32, strided<[8, 1], offset: ?>>, vector<8xf32>
// CHECK:   vector.fma
// CHECK: memref.dealloc %[[BLOCKS]]
// CHECK-NOT: memref<10x18xf32>, vector<8xf32>
func.func @misaligned_b(%a: memref<50x10xf32>, %b: memref<10x18xf32>, %c: memref<50x18xf32>) {
  linalg.matmul ins(%a, %b : memref<50x10xf32>, memref<10x18xf32>) outs(%c : memref<50x18xf32>)
  return
}

// -----

// 32 column blocks of an im2col panel: enough to share out among threads,
// so each iteration is one block with every row of A (20: five tiles of
// 4), its panel packed once rather than once per chunk of 16 rows.
// CHECK-LABEL: func.func @panels_all_rows
// CHECK: scf.parallel (%[[BLOCK:.*]], %[[CHUNK:.*]]) = (%c0{{.*}}, %c0{{.*}}) to (%c32{{.*}}, %c1{{.*}})
// CHECK:   memref.alloca() : memref<18x8xf32>
// CHECK:   scf.for %{{.*}} = %c0{{.*}} to %c20{{.*}} step %c4
// CHECK-NOT: memref.alloca()
func.func @panels_all_rows(%image: memref<2x4x130xf32>, %w: memref<20x18xf32>, %c: memref<20x256xf32>) {
  %cols = memref.alloc() : memref<2x3x3x2x128xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4) -> (d0, d1 + d3, d2 + d4)>, affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%image : memref<2x4x130xf32>) outs(%cols : memref<2x3x3x2x128xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  %b = memref.collapse_shape %cols [[0, 1, 2], [3, 4]] : memref<2x3x3x2x128xf32> into memref<18x256xf32>
  linalg.matmul ins(%w, %b : memref<20x18xf32>, memref<18x256xf32>) outs(%c : memref<20x256xf32>)
  memref.dealloc %cols : memref<2x3x3x2x128xf32>
  return
}
