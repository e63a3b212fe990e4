// RUN: quant-opt %s -split-input-file -verify-diagnostics --convert-qnn-to-linalg

func.func @dynamic(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  // expected-error @below {{cannot execute 'qnn.relu': it has a dynamic shape; bind the graph inputs with --input-shape}}
  %y = qnn.relu %x : tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

// -----

func.func @unsigned_storage(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @below {{cannot execute 'qnn.quantize': it has an unsigned or wider than 32-bit storage type, which execution does not support}}
  %q = qnn.quantize %x : tensor<4xf32> -> tensor<4x!quant.uniform<u8:f32, 0.5>>
  // expected-error @below {{cannot execute 'qnn.dequantize': it has an unsigned or wider than 32-bit storage type, which execution does not support}}
  %y = qnn.dequantize %q : tensor<4x!quant.uniform<u8:f32, 0.5>> -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// expected-error @below {{cannot execute function 'quantized_result': graph inputs and outputs must not be quantized (dequantize them)}}
func.func @quantized_result(%x: tensor<4xf32>) -> tensor<4x!quant.uniform<i8:f32, 0.5>> {
  %q = qnn.quantize %x : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 0.5>>
  return %q : tensor<4x!quant.uniform<i8:f32, 0.5>>
}

// -----

func.func @conv4d(%x: tensor<1x1x3x3x3x3xf32>, %w: tensor<1x1x2x2x2x2xf32>) -> tensor<1x1x2x2x2x2xf32> {
  // expected-error @below {{cannot execute 'qnn.conv': it is a convolution over more than 3 spatial dims, which execution does not support}}
  %y = qnn.conv %x, %w {strides = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1, 1, 1>, pads = array<i64: 0, 0, 0, 0, 0, 0, 0, 0>} : (tensor<1x1x3x3x3x3xf32>, tensor<1x1x2x2x2x2xf32>) -> tensor<1x1x2x2x2x2xf32>
  return %y : tensor<1x1x2x2x2x2xf32>
}
