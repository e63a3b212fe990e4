// RUN: quant-opt %s --convert-qkernel-to-loops="family=vnni" | FileCheck %s
// RUN: quant-opt %s --convert-qkernel-to-loops="family=avx2" | FileCheck %s --check-prefix=AVX2

// qkernel.depthwise_conv_integer becomes a pad with the input zero point and
// one parallel loop over (vectors of 16 channels (AVX-512's int32 lanes),
// image, output row), then the row's pixels. The 3x3 weight vectors are
// loaded and sign-extended once per iteration; per pixel the bias, then the
// taps unrolled (load, sign-extend, multiply, add in registers), one store.
// Stride 2 scales the pixel indices; the kernel offsets are constants.
// CHECK-LABEL: func.func @depthwise
// CHECK: %[[Z:.*]] = arith.constant -3 : i8
// CHECK: %[[P:.*]] = tensor.pad %arg0 low[0, 1, 0, 0] high[0, 1, 2, 0]
// CHECK: tensor.yield %[[Z]] : i8
// CHECK: %[[IN:.*]] = bufferization.to_buffer %[[P]] read_only : tensor<1x10x10x16xi8> to memref<1x10x10x16xi8>
// CHECK: %[[OUT:.*]] = memref.alloc() : memref<1x4x4x16xi32>
// CHECK: scf.parallel (%[[BLOCK:.*]], %[[N:.*]], %[[OH:.*]]) = (%{{.*}}, %{{.*}}, %{{.*}}) to (%c1{{.*}}, %c1{{.*}}, %c4{{.*}})
// CHECK: %[[C:.*]] = arith.muli %[[BLOCK]], %c16
// CHECK: %[[W0:.*]] = vector.load %{{.*}}[%{{.*}}, %{{.*}}, %[[C]]] : memref<3x3x16xi8>, vector<16xi8>
// CHECK: %[[WX:.*]] = arith.extsi %[[W0]] : vector<16xi8> to vector<16xi32>
// CHECK-COUNT-8: vector.load %{{.*}} : memref<3x3x16xi8>, vector<16xi8>
// CHECK: %[[ACC0:.*]] = vector.load %{{.*}}[%[[C]]] : memref<16xi32>, vector<16xi32>
// CHECK: scf.for %[[OW:.*]] = 
// CHECK: %[[Y:.*]] = arith.muli %[[OH]], %{{.*}} : index
// CHECK: %[[X:.*]] = arith.muli %[[OW]], %{{.*}} : index
// CHECK: %[[V:.*]] = vector.load %[[IN]][%[[N]], %[[Y]], %[[X]], %[[C]]] : memref<1x10x10x16xi8>, vector<16xi8>
// CHECK: %[[VX:.*]] = arith.extsi %[[V]] : vector<16xi8> to vector<16xi32>
// CHECK: %[[PR:.*]] = arith.muli %[[VX]], %[[WX]] : vector<16xi32>
// CHECK: arith.addi %[[ACC0]], %[[PR]] : vector<16xi32>
// CHECK-COUNT-8: arith.muli %{{.*}} : vector<16xi32>
// CHECK: vector.store %{{.*}}, %[[OUT]][%[[N]], %[[OH]], %[[OW]], %[[C]]] : memref<1x4x4x16xi32>, vector<16xi32>
// CHECK-NOT: vector.maskedstore
// CHECK: bufferization.to_tensor %[[OUT]]
func.func @depthwise(%x: tensor<1x8x8x16xi8>, %w: tensor<3x3x16xi8>, %b: tensor<16xi32>) -> tensor<1x4x4x16xi32> {
  %y = qkernel.depthwise_conv_integer %x, %w bias %b {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 0, 1, 2>, input_zero_point = -3 : i64} : (tensor<1x8x8x16xi8>, tensor<3x3x16xi8>, tensor<16xi32>) -> tensor<1x4x4x16xi32>
  return %y : tensor<1x4x4x16xi32>
}

// 20 channels, no pads, no bias: one full vector of 16, then the 4-channel
// tail through masked loads and a masked store; the accumulator starts at
// zero. On AVX2, vectors of 8 channels: two full, a tail of 4.
// CHECK-LABEL: func.func @tail
// CHECK-NOT: tensor.pad
// CHECK: scf.parallel
// CHECK: vector.store %{{.*}} : memref<1x2x2x20xi32>, vector<16xi32>
// CHECK: %[[M:.*]] = vector.create_mask %{{.*}} : vector<16xi1>
// CHECK: vector.maskedload %{{.*}}, %[[M]], %{{.*}} : memref<1x6x6x20xi8>, vector<16xi1>, vector<16xi8> into vector<16xi8>
// CHECK: vector.maskedstore %{{.*}}, %[[M]], %{{.*}} : memref<1x2x2x20xi32>, vector<16xi1>, vector<16xi32>
// AVX2-LABEL: func.func @tail
// AVX2: vector.store %{{.*}} : memref<1x2x2x20xi32>, vector<8xi32>
// AVX2: vector.create_mask %{{.*}} : vector<8xi1>
// AVX2: vector.maskedstore %{{.*}} : memref<1x2x2x20xi32>, vector<8xi1>, vector<8xi32>
func.func @tail(%x: tensor<1x6x6x20xi8>, %w: tensor<3x3x20xi8>) -> tensor<1x2x2x20xi32> {
  %y = qkernel.depthwise_conv_integer %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x6x6x20xi8>, tensor<3x3x20xi8>) -> tensor<1x2x2x20xi32>
  return %y : tensor<1x2x2x20xi32>
}

// An epilogue region runs on each pixel's accumulators before the store:
// its table, padded to whole vectors of channels (20 -> 32), is read at the
// block's first channel; the full block stores f32 vectors, the 4-channel
// tail a masked f32 store.
// CHECK-LABEL: func.func @depthwise_epilogue
// CHECK: memref.alloc() : memref<1x4x4x20xf32>
// CHECK: arith.constant dense<{{.*}}> : tensor<32xf32>
// CHECK: scf.parallel
// CHECK: %[[S:.*]] = vector.transfer_read %{{.*}} {in_bounds = [true]} : memref<32xf32>, vector<16xf32>
// CHECK: %[[F:.*]] = arith.sitofp %{{.*}} : vector<16xi32> to vector<16xf32>
// CHECK: %[[R:.*]] = arith.mulf %[[F]], %[[S]] : vector<16xf32>
// CHECK: vector.store %[[R]], %{{.*}} : memref<1x4x4x20xf32>, vector<16xf32>
// CHECK: scf.parallel
// CHECK: vector.maskedstore %{{.*}} : memref<1x4x4x20xf32>, vector<16xi1>, vector<16xf32>
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
