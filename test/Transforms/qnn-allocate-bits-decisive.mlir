// RUN: quant-opt %s --qnn-allocate-bits="avg-bits=4.5 preferred-min-bits=3" -split-input-file | FileCheck %s
// RUN: quant-opt %s --qnn-allocate-bits="avg-bits=5.5 preferred-min-bits=3 output-min-bits=4" -split-input-file | FileCheck %s --check-prefix=REST

// A classifier split by qnn-split-decisive-channels: its winning channels
// (qnn.decisive, 16 weights) measure as harmless to narrow, yet get the widest
// candidate, 8 bits; the other 128 weights get what is left of 4.5 bits on
// average: (4.5 x 144 - 8 x 16) / 128 = 4.06, so 4.
// CHECK-LABEL: func.func @winners
// CHECK: qnn.matmul %arg0, %{{.*}} {qnn.decisive, {{.*}}weight_format<bits = 8,
// CHECK: qnn.matmul %arg0, %{{.*}} {{{.*}}weight_format<bits = 4,
func.func @winners(%x: tensor<1x4x8xf32>) -> (tensor<1x4x2xf32>, tensor<1x4x16xf32>) {
  %wd = qnn.constant dense<0.5> : tensor<8x2xf32>
  %wr = qnn.constant dense<0.25> : tensor<8x16xf32>
  %d = qnn.matmul %x, %wd {qnn.decisive, qnn.sensitivity = #qnn.sensitivity<bits = [3, 4, 8], omega = [0.0, 0.0, 0.0]>} : (tensor<1x4x8xf32>, tensor<8x2xf32>) -> tensor<1x4x2xf32> loc("head.decisive")
  %r = qnn.matmul %x, %wr {qnn.decisive_rest, qnn.sensitivity = #qnn.sensitivity<bits = [3, 4, 8], omega = [1.0, 0.5, 0.0]>} : (tensor<1x4x8xf32>, tensor<8x16xf32>) -> tensor<1x4x16xf32> loc("head.rest")
  return %d, %r : tensor<1x4x2xf32>, tensor<1x4x16xf32>
}

// -----

// A body layer, then a final one. 5.5 bits on average are 1408 bits for 256
// weights. The final layers' floor of 4 leaves the body 4 bits (Ω = 0.505);
// a split classifier's other channels (qnn.decisive_rest) are not held to it,
// so the body gets 8 bits and they get 3 (Ω = 0.01).
// REST-LABEL: func.func @floor
// REST: qnn.matmul %arg0, %{{.*}} {{{.*}}weight_format<bits = 4,
// REST: qnn.matmul %{{.*}}, %{{.*}} {{{.*}}weight_format<bits = 4,
func.func @floor(%x: tensor<1x4x8xf32>) -> tensor<1x4x8xf32> {
  %wb = qnn.constant dense<0.5> : tensor<8x16xf32>
  %wr = qnn.constant dense<0.25> : tensor<16x8xf32>
  %b = qnn.matmul %x, %wb {qnn.sensitivity = #qnn.sensitivity<bits = [3, 4, 8], omega = [1.0, 0.5, 0.0]>} : (tensor<1x4x8xf32>, tensor<8x16xf32>) -> tensor<1x4x16xf32> loc("body")
  %r = qnn.matmul %b, %wr {qnn.sensitivity = #qnn.sensitivity<bits = [3, 4, 8], omega = [0.01, 0.005, 0.0]>} : (tensor<1x4x16xf32>, tensor<16x8xf32>) -> tensor<1x4x8xf32> loc("head")
  return %r : tensor<1x4x8xf32>
}

// -----

// REST-LABEL: func.func @rest
// REST: qnn.matmul %arg0, %{{.*}} {{{.*}}weight_format<bits = 8,
// REST: qnn.matmul %{{.*}}, %{{.*}} {qnn.decisive_rest, {{.*}}weight_format<bits = 3,
func.func @rest(%x: tensor<1x4x8xf32>) -> tensor<1x4x8xf32> {
  %wb = qnn.constant dense<0.5> : tensor<8x16xf32>
  %wr = qnn.constant dense<0.25> : tensor<16x8xf32>
  %b = qnn.matmul %x, %wb {qnn.sensitivity = #qnn.sensitivity<bits = [3, 4, 8], omega = [1.0, 0.5, 0.0]>} : (tensor<1x4x8xf32>, tensor<8x16xf32>) -> tensor<1x4x16xf32> loc("body")
  %r = qnn.matmul %b, %wr {qnn.decisive_rest, qnn.sensitivity = #qnn.sensitivity<bits = [3, 4, 8], omega = [0.01, 0.005, 0.0]>} : (tensor<1x4x16xf32>, tensor<16x8xf32>) -> tensor<1x4x8xf32> loc("head.rest")
  return %r : tensor<1x4x8xf32>
}
