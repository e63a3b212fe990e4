// RUN: quant-opt %s --convert-qkernel-to-loops="family=vnni" | FileCheck %s
// RUN: quant-opt %s --convert-qkernel-to-loops="family=avx2" | FileCheck %s --check-prefix=AVX2

// qkernel.depthwise_conv_integer reads its input in place (no padded copy)
// in one parallel loop over (image, output row, vector of 16 channels
// (AVX-512's int32 lanes)): a thread's share is a band of whole rows. Per
// iteration, each tap row's input row is clamped into the image and
// whether it lies inside is settled once: the 3x3 weight vectors, loaded
// and sign-extended once, are zeroed for rows in the padding, whose zero
// point x weight products start the accumulator (with the bias). Output
// column 3 reaches column 8, in the right padding: the border loop (one
// pixel here, left ones first, then right ones from column 3) checks each
// tap column, clamps it for the load and, outside, adds zero point x
// weight instead. Columns 0-2 read only columns inside the image: one
// scf.for with the taps unrolled (load, sign-extend, multiply, add in
// registers), one store.
// CHECK-LABEL: func.func @depthwise
// CHECK-NOT: tensor.pad
// CHECK: %[[IN:.*]] = bufferization.to_buffer %arg0 read_only : tensor<1x8x8x16xi8> to memref<1x8x8x16xi8>
// CHECK: %[[OUT:.*]] = memref.alloc() : memref<1x4x4x16xi32>
// CHECK: scf.parallel (%[[N:.*]], %[[OH:.*]], %[[BLOCK:.*]]) = (%{{.*}}, %{{.*}}, %{{.*}}) to (%c1{{.*}}, %c4{{.*}}, %c1{{.*}})
// CHECK: %[[C:.*]] = arith.muli %[[BLOCK]], %c16
// CHECK: %[[ZP:.*]] = arith.constant dense<-3> : vector<16xi32>
// CHECK: %[[BIAS:.*]] = vector.load %{{.*}}[%[[C]]] : memref<16xi32>, vector<16xi32>
// CHECK: %[[Y:.*]] = arith.muli %[[OH]], %c2
// CHECK: %[[R0:.*]] = arith.addi %[[Y]], %c-1
// CHECK: %[[GE:.*]] = arith.cmpi sge, %[[R0]]
// CHECK: %[[LT:.*]] = arith.cmpi slt, %[[R0]], %c8
// CHECK: %[[INSIDE:.*]] = arith.andi %[[GE]], %[[LT]] : i1
// CHECK: %[[ROW0:.*]] = arith.select %[[INSIDE]], %[[R0]], %{{.*}} : index
// CHECK: %[[W0:.*]] = vector.load %{{.*}}[%{{.*}}, %{{.*}}, %[[C]]] : memref<3x3x16xi8>, vector<16xi8>
// CHECK: %[[WX:.*]] = arith.extsi %[[W0]] : vector<16xi8> to vector<16xi32>
// CHECK: %[[ZPW:.*]] = arith.muli %[[ZP]], %[[WX]] : vector<16xi32>
// CHECK: %[[WEFF:.*]] = arith.select %[[INSIDE]], %[[WX]], %{{.*}} : vector<16xi32>
// CHECK: %[[PAD0:.*]] = arith.select %[[INSIDE]], %[[ZPW]], %{{.*}} : vector<16xi32>
// CHECK-COUNT-8: vector.load %{{.*}} : memref<3x3x16xi8>, vector<16xi8>
// CHECK: scf.for %[[B:.*]] = %c0{{.*}} to %c1{{.*}} step
// CHECK:   %[[LEFT:.*]] = arith.cmpi slt, %[[B]], %c0
// CHECK:   %[[RIGHT:.*]] = arith.addi %[[B]], %c3
// CHECK:   %[[BC:.*]] = arith.select %[[LEFT]], %[[B]], %[[RIGHT]] : index
// CHECK:   %[[BX0:.*]] = arith.muli %[[BC]], %c2
// CHECK:   %[[BX:.*]] = arith.addi %[[BX0]], %c0
// CHECK:   %[[CGE:.*]] = arith.cmpi sge, %[[BX]]
// CHECK:   %[[CLT:.*]] = arith.cmpi slt, %[[BX]], %c8
// CHECK:   %[[CIN:.*]] = arith.andi %[[CGE]], %[[CLT]] : i1
// CHECK:   %[[COL:.*]] = arith.select %[[CIN]], %[[BX]], %{{.*}} : index
// CHECK:   %[[BV:.*]] = vector.load %[[IN]][%[[N]], %[[ROW0]], %[[COL]], %[[C]]]
// CHECK:   %[[BVX:.*]] = arith.extsi %[[BV]]
// CHECK:   %[[BP:.*]] = arith.muli %[[BVX]], %[[WEFF]]
// CHECK:   arith.select %[[CIN]], %[[BP]], %[[PAD0]] : vector<16xi32>
// CHECK:   vector.store %{{.*}}, %[[OUT]][%[[N]], %[[OH]], %[[BC]], %[[C]]] : memref<1x4x4x16xi32>, vector<16xi32>
// CHECK: }
// CHECK: scf.for %[[OW:.*]] = %c0{{.*}} to %c3{{.*}} step
// CHECK-NOT: arith.cmpi
// CHECK: %[[OX:.*]] = arith.muli %[[OW]], %{{.*}} : index
// CHECK: %[[X:.*]] = arith.addi %[[OX]], %{{.*}} : index
// CHECK: %[[V:.*]] = vector.load %[[IN]][%[[N]], %[[ROW0]], %[[X]], %[[C]]] : memref<1x8x8x16xi8>, vector<16xi8>
// CHECK: %[[VX:.*]] = arith.extsi %[[V]] : vector<16xi8> to vector<16xi32>
// CHECK: %[[PR:.*]] = arith.muli %[[VX]], %[[WEFF]] : vector<16xi32>
// CHECK: arith.addi %{{.*}}, %[[PR]] : vector<16xi32>
// CHECK-COUNT-8: arith.muli %{{.*}} : vector<16xi32>
// CHECK: vector.store %{{.*}}, %[[OUT]][%[[N]], %[[OH]], %[[OW]], %[[C]]] : memref<1x4x4x16xi32>, vector<16xi32>
// CHECK-NOT: vector.maskedstore
// CHECK: bufferization.to_tensor %[[OUT]]
func.func @depthwise(%x: tensor<1x8x8x16xi8>, %w: tensor<3x3x16xi8>, %b: tensor<16xi32>) -> tensor<1x4x4x16xi32> {
  %y = qkernel.depthwise_conv_integer %x, %w bias %b {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 0, 1, 2>, input_zero_point = -3 : i64} : (tensor<1x8x8x16xi8>, tensor<3x3x16xi8>, tensor<16xi32>) -> tensor<1x4x4x16xi32>
  return %y : tensor<1x4x4x16xi32>
}

// 20 channels, no pads, no bias: two blocks of channels, the last (the
// 4-channel tail) through masked loads and a masked store, the first plain;
// the accumulator starts at zero. No row is checked against the image. On
// AVX2, vectors of 8 channels: three blocks, the last a tail of 4.
// CHECK-LABEL: func.func @tail
// CHECK: %[[M:.*]] = vector.create_mask %{{.*}} : vector<16xi1>
// CHECK: scf.parallel (%{{.*}}, %{{.*}}, %[[BLOCK:.*]]) = {{.*}} to (%c1{{.*}}, %c2{{.*}}, %c2{{.*}})
// CHECK-NOT: arith.cmpi sge
// CHECK: %[[TAIL:.*]] = arith.cmpi eq, %[[BLOCK]], %c1
// CHECK: scf.if %[[TAIL]] {
// CHECK: vector.maskedload %{{.*}}, %[[M]], %{{.*}} : memref<1x6x6x20xi8>, vector<16xi1>, vector<16xi8> into vector<16xi8>
// CHECK: vector.maskedstore %{{.*}}, %[[M]], %{{.*}} : memref<1x2x2x20xi32>, vector<16xi1>, vector<16xi32>
// CHECK: } else {
// CHECK: vector.store %{{.*}} : memref<1x2x2x20xi32>, vector<16xi32>
// AVX2-LABEL: func.func @tail
// AVX2: vector.create_mask %{{.*}} : vector<8xi1>
// AVX2: scf.parallel {{.*}} to (%c1{{.*}}, %c2{{.*}}, %c3{{.*}})
// AVX2: vector.maskedstore %{{.*}} : memref<1x2x2x20xi32>, vector<8xi1>, vector<8xi32>
// AVX2: } else {
// AVX2: vector.store %{{.*}} : memref<1x2x2x20xi32>, vector<8xi32>
func.func @tail(%x: tensor<1x6x6x20xi8>, %w: tensor<3x3x20xi8>) -> tensor<1x2x2x20xi32> {
  %y = qkernel.depthwise_conv_integer %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x6x6x20xi8>, tensor<3x3x20xi8>) -> tensor<1x2x2x20xi32>
  return %y : tensor<1x2x2x20xi32>
}

// An epilogue region runs on each pixel's accumulators before the store:
// its table, padded to whole vectors of channels (20 -> 32), is read at the
// block's first channel; the 4-channel tail block ends in a masked f32
// store, the full block in f32 vectors.
// CHECK-LABEL: func.func @depthwise_epilogue
// CHECK: memref.alloc() : memref<1x4x4x20xf32>
// CHECK: arith.constant dense<{{.*}}> : tensor<32xf32>
// CHECK: scf.parallel
// CHECK: scf.if
// CHECK: vector.maskedstore %{{.*}} : memref<1x4x4x20xf32>, vector<16xi1>, vector<16xf32>
// CHECK: } else {
// CHECK: %[[S:.*]] = vector.transfer_read %{{.*}} {in_bounds = [true]} : memref<32xf32>, vector<16xf32>
// CHECK: %[[F:.*]] = arith.sitofp %{{.*}} : vector<16xi32> to vector<16xf32>
// CHECK: %[[R:.*]] = arith.mulf %[[F]], %[[S]] : vector<16xf32>
// CHECK: vector.store %[[R]], %{{.*}} : memref<1x4x4x20xf32>, vector<16xf32>
func.func @depthwise_epilogue(%x: tensor<1x4x4x20xi8>, %w: tensor<3x3x20xi8>) -> tensor<1x4x4x20xf32> {
  %y = qkernel.depthwise_conv_integer %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, input_zero_point = 0 : i64} : (tensor<1x4x4x20xi8>, tensor<3x3x20xi8>) -> tensor<1x4x4x20xf32> epilogue {
  ^bb0(%acc: i32, %c: index):
    %t = arith.constant dense<0.25> : tensor<20xf32>
    %s = tensor.extract %t[%c] : tensor<20xf32>
    %f = arith.sitofp %acc : i32 to f32
    %r = arith.mulf %f, %s : f32
    qkernel.yield %r : f32
  }
  return %y : tensor<1x4x4x20xf32>
}
