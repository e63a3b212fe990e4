// RUN: quant-opt %s -split-input-file -verify-diagnostics

func.func @conv_channels(%x: tensor<1x3x8x8xf32>, %w: tensor<4x5x3x3xf32>) {
  // expected-error @+2 {{'qnn.conv' op input has 3 channels but weight [4, 5, 3, 3] with group 1 expects 5}}
  // expected-error @+1 {{'qnn.conv' op failed to infer returned types}}
  %0 = qnn.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x3x8x8xf32>, tensor<4x5x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv_pads(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+2 {{'qnn.conv' op expects 4 pads (begins then ends), got 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = qnn.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  return
}

// -----

func.func @conv_bias(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<3xf32>) {
  // expected-error @+2 {{'qnn.conv' op bias must be 1-D with 4 elements, got [3]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = qnn.conv %x, %w, %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv_kernel_too_large(%x: tensor<1x3x2x2xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+2 {{'qnn.conv' op kernel [4, 3, 3, 3] is larger than the padded input [1, 3, 2, 2]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = qnn.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x3x2x2xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x1x1xf32>
  return
}

// -----

func.func @wrong_result_type(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+2 {{'qnn.conv' op inferred type(s) 'tensor<1x4x6x6xf32>' are incompatible with return type(s) of operation 'tensor<1x4x8x8xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = qnn.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  return
}

// -----

func.func @gemm_inner(%a: tensor<2x4xf32>, %b: tensor<5x6xf32>) {
  // expected-error @+2 {{'qnn.gemm' op inner dimensions differ: 4 vs 5}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = qnn.gemm %a, %b : (tensor<2x4xf32>, tensor<5x6xf32>) -> tensor<2x6xf32>
  return
}

// -----

func.func @matmul_inner(%a: tensor<2x4xf32>, %b: tensor<5x6xf32>) {
  // expected-error @+2 {{'qnn.matmul' op inner dimensions differ: [2, 4] x [5, 6]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = qnn.matmul %a, %b : (tensor<2x4xf32>, tensor<5x6xf32>) -> tensor<2x6xf32>
  return
}

// -----

func.func @batch_norm_params(%x: tensor<1x3x4x4xf32>, %p: tensor<4xf32>) {
  // expected-error @+2 {{'qnn.batch_norm' op scale, bias, mean and variance must be 1-D with 3 elements}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = qnn.batch_norm %x, %p, %p, %p, %p : (tensor<1x3x4x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x3x4x4xf32>
  return
}

// -----

func.func @pool_kernel(%x: tensor<1x3x8x8xf32>) {
  // expected-error @+2 {{'qnn.max_pool' op expects 2 kernel_shape entries}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = qnn.max_pool %x {kernel_shape = array<i64: 2>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : tensor<1x3x8x8xf32> -> tensor<1x3x7x7xf32>
  return
}

// -----

func.func @pool_channels_last_3d(%x: tensor<1x4x8x8x3xf32>) {
  // expected-error @+2 {{'qnn.max_pool' op channels_last expects a 2-D pool's [N, H, W, C] input}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = qnn.max_pool %x {kernel_shape = array<i64: 2, 2, 2>, strides = array<i64: 1, 1, 1>, dilations = array<i64: 1, 1, 1>, pads = array<i64: 0, 0, 0, 0, 0, 0>, channels_last = true} : tensor<1x4x8x8x3xf32> -> tensor<1x3x7x7x3xf32>
  return
}

// -----

func.func @broadcast(%a: tensor<2x3xf32>, %b: tensor<4xf32>) {
  // expected-error @+2 {{'qnn.add' op shapes [2, 3] and [4] do not broadcast}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = qnn.add %a, %b : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @element_types(%a: tensor<2xf32>, %b: tensor<2xi64>) {
  // expected-error @+2 {{'qnn.mul' op operand element types differ}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = qnn.mul %a, %b : (tensor<2xf32>, tensor<2xi64>) -> tensor<2xf32>
  return
}

// -----

func.func @prelu_slope(%x: tensor<2xf32>, %s: tensor<3x2xf32>) {
  // expected-error @+2 {{'qnn.prelu' op slope must broadcast to the input shape}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = qnn.prelu %x, %s : (tensor<2xf32>, tensor<3x2xf32>) -> tensor<3x2xf32>
  return
}

// -----

func.func @reshape_count(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{'qnn.reshape' op cannot reshape [2, 3] (6 elements) into [4, 2]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = qnn.reshape %x {shape = array<i64: 4, 2>} : tensor<2x3xf32> -> tensor<4x2xf32>
  return
}

// -----

// Found by fuzz-onnx-structured: the product of the shape overflowed int64.
func.func @reshape_overflow(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{'qnn.reshape' op shape [1177839660570067441, 1079212751, -1] has more elements than 64 bits count}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = qnn.reshape %x {shape = array<i64: 1177839660570067441, 1079212751, -1>} : tensor<2x3xf32> -> tensor<?x?x?xf32>
  return
}

// -----

func.func @reshape_two_inferred(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{'qnn.reshape' op shape has more than one -1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = qnn.reshape %x {shape = array<i64: -1, -1>} : tensor<2x3xf32> -> tensor<6x1xf32>
  return
}

// -----

func.func @transpose_perm(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{'qnn.transpose' op perm [0, 0] is not a permutation}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = qnn.transpose %x {perm = array<i64: 0, 0>} : tensor<2x3xf32> -> tensor<2x2xf32>
  return
}

// -----

func.func @slice_step(%x: tensor<4xf32>) {
  // expected-error @+2 {{'qnn.slice' op steps must be non-zero}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = qnn.slice %x {starts = array<i64: 0>, ends = array<i64: 2>, axes = array<i64: 0>, steps = array<i64: 0>} : tensor<4xf32> -> tensor<2xf32>
  return
}

// -----

func.func @squeeze_non_unit(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{'qnn.squeeze' op dim 1 has size 3, not 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = qnn.squeeze %x {axes = array<i64: 1>} : tensor<2x3xf32> -> tensor<2xf32>
  return
}

// -----

func.func @unsqueeze_duplicate(%x: tensor<2xf32>) {
  // expected-error @+2 {{'qnn.unsqueeze' op axes [0, 0] are invalid for output rank 3}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = qnn.unsqueeze %x {axes = array<i64: 0, 0>} : tensor<2xf32> -> tensor<1x1x2xf32>
  return
}

// -----

func.func @concat_mismatch(%a: tensor<2x3xf32>, %b: tensor<4x4xf32>) {
  // expected-error @+2 {{'qnn.concat' op input shapes [2, 3] and [4, 4] differ outside the concat axis}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = qnn.concat %a, %b {axis = 1 : i64} : (tensor<2x3xf32>, tensor<4x4xf32>) -> tensor<2x7xf32>
  return
}

// -----

func.func @gather_axis(%x: tensor<2x3xf32>, %i: tensor<1xi64>) {
  // expected-error @+2 {{'qnn.gather' op axis 2 is out of range}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = qnn.gather %x, %i {axis = 2 : i64} : (tensor<2x3xf32>, tensor<1xi64>) -> tensor<2x3xf32>
  return
}

// -----

// The importer once folded such a gather before verifying it
// (found by fuzz-onnx-structured).
func.func @gather_float_indices(%x: tensor<2x3xf32>, %i: tensor<1xf64>) {
  // expected-error @+1 {{'qnn.gather' op operand #1 must be ranked tensor of 32-bit signless integer or 64-bit signless integer values, but got 'tensor<1xf64>'}}
  %0 = qnn.gather %x, %i {axis = 0 : i64} : (tensor<2x3xf32>, tensor<1xf64>) -> tensor<1x3xf32>
  return
}

// -----

func.func @pad_mode(%x: tensor<2xf32>) {
  // expected-error @+2 {{'qnn.pad' op mode must be constant, reflect or edge, got 'wrap'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = qnn.pad %x {pads = array<i64: 1, 1>, mode = "wrap"} : tensor<2xf32> -> tensor<4xf32>
  return
}

// -----

func.func @reduce_axis(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{'qnn.reduce_mean' op axis 5 is out of range}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = qnn.reduce_mean %x {axes = array<i64: 5>} : tensor<2x3xf32> -> tensor<2x1xf32>
  return
}

// -----

func.func @resize_mode(%x: tensor<1x1x2x2xf32>) {
  // expected-error @+2 {{'qnn.resize' op mode must be nearest or linear, got 'cubic'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = qnn.resize %x {scales = array<f32: 1.0, 1.0, 2.0, 2.0>, mode = "cubic"} : tensor<1x1x2x2xf32> -> tensor<1x1x4x4xf32>
  return
}

// -----

func.func @resize_scales(%x: tensor<1x1x2x2xf32>) {
  // expected-error @+2 {{'qnn.resize' op expects one scale per dim}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = qnn.resize %x {scales = array<f32: 2.0, 2.0>} : tensor<1x1x2x2xf32> -> tensor<1x1x4x4xf32>
  return
}

// -----

func.func @gelu_mode(%x: tensor<2xf32>) {
  // expected-error @+1 {{'qnn.gelu' op approximate must be "none" or "tanh", got "erf"}}
  %0 = qnn.gelu %x {approximate = "erf"} : tensor<2xf32>
  return
}

// -----

func.func @clip_bounds(%x: tensor<2xf32>) {
  // expected-error @+1 {{'qnn.clip' op min 6.000000e+00 is greater than max 0.000000e+00}}
  %0 = qnn.clip %x {min = 6.0 : f32, max = 0.0 : f32} : tensor<2xf32>
  return
}

// -----

func.func @softmax_axis(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'qnn.softmax' op axis 2 is out of range for rank 2}}
  %0 = qnn.softmax %x {axis = 2 : i64} : tensor<2x3xf32>
  return
}

// -----

func.func @relu_integer(%x: tensor<2xi32>) {
  // expected-error @+1 {{'qnn.relu' op operand #0 must be ranked tensor of floating-point values}}
  %0 = qnn.relu %x : tensor<2xi32>
  return
}

// -----

func.func @quantize_not_quantized(%x: tensor<2xf32>) {
  // expected-error @+1 {{'qnn.quantize' op expects a !quant.uniform element type, got 'i8'}}
  %0 = qnn.quantize %x : tensor<2xf32> -> tensor<2xi8>
  return
}

// -----

func.func @quantize_expressed(%x: tensor<2xf32>) {
  // expected-error @+1 {{'qnn.quantize' op quantized expressed type 'f16' differs from float type 'f32'}}
  %0 = qnn.quantize %x : tensor<2xf32> -> tensor<2x!quant.uniform<i8:f16, 0.1>>
  return
}

// -----

func.func @per_axis_scales(%x: tensor<3x2xf32>) {
  // expected-error @+1 {{'qnn.quantize' op per-axis scales do not match quantized dimension 0}}
  %0 = qnn.quantize %x : tensor<3x2xf32> -> tensor<3x2x!quant.uniform<i8:f32:0, {0.1, 0.2}>>
  return
}

// -----

// expected-error @+1 {{range min 2.000000e+00 is greater than max 1.000000e+00}}
func.func @range_order() attributes {qnn.ranges = [#qnn.range<2.0, 1.0>]} {
  return
}

// -----

// expected-error @+1 {{weight bits must be in [1, 8], got 9}}
func.func @weight_bits() attributes {qnn.weight_format = #qnn.weight_format<bits = 9, group_size = 0, ternary = false, symmetric = true>} {
  return
}

// -----

// expected-error @+1 {{ternary weights are stored in 2 bits, got bits = 4}}
func.func @ternary_bits() attributes {qnn.weight_format = #qnn.weight_format<bits = 4, group_size = 0, ternary = true, symmetric = true>} {
  return
}

// -----

// expected-error @+1 {{sensitivity needs one omega per candidate bit-width}}
func.func @sensitivity_length() attributes {qnn.sensitivity = #qnn.sensitivity<bits = [2, 4], omega = [0.1]>} {
  return
}

// -----

func.func @conv_integer_bad_shape(%x: tensor<1x2x4x4xi8>, %w: tensor<3x2x3x3xi8>) -> tensor<1x3x4x4xi32> {
  // expected-error @below {{'qnn.conv_integer' op result spatial dim 0 is 4, expected 2}}
  %y = qnn.conv_integer %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x4x4xi8>, tensor<3x2x3x3xi8>) -> tensor<1x3x4x4xi32>
  return %y : tensor<1x3x4x4xi32>
}

// -----

func.func @conv_integer_zero_stride(%x: tensor<1x2x4x4xi8>, %w: tensor<3x2x1x1xi8>) -> tensor<1x3x4x4xi32> {
  // Found by fuzz-mlir under UBSan: the output size divided by the stride.
  // expected-error @below {{'qnn.conv_integer' op strides and dilations must be positive}}
  %y = qnn.conv_integer %x, %w {strides = array<i64: 0, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x4x4xi8>, tensor<3x2x1x1xi8>) -> tensor<1x3x4x4xi32>
  return %y : tensor<1x3x4x4xi32>
}

// -----

func.func @conv_integer_huge_dilation(%x: tensor<1x2x4x4xi8>, %w: tensor<3x2x3x3xi8>) -> tensor<1x3x4x4xi32> {
  // expected-error @below {{'qnn.conv_integer' op kernel dim 0 (3) is larger than the padded input}}
  %y = qnn.conv_integer %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 9223372036854775807, 1>, pads = array<i64: 9223372036854775807, 1, 1, 1>} : (tensor<1x2x4x4xi8>, tensor<3x2x3x3xi8>) -> tensor<1x3x4x4xi32>
  return %y : tensor<1x3x4x4xi32>
}

// -----

func.func @conv_integer_zero_point(%x: tensor<1x2x4x4xi8>, %w: tensor<3x2x1x1xi8>) -> tensor<1x3x4x4xi32> {
  // expected-error @below {{'qnn.conv_integer' op input_zero_point must fit in int8}}
  %y = qnn.conv_integer %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, input_zero_point = 300 : i64} : (tensor<1x2x4x4xi8>, tensor<3x2x1x1xi8>) -> tensor<1x3x4x4xi32>
  return %y : tensor<1x3x4x4xi32>
}

// -----

func.func @requantize_shift(%a: tensor<2x3xi32>) -> tensor<2x3x!quant.uniform<i8:f32, 0.5>> {
  // expected-error @below {{'qnn.requantize' op multipliers must be in [2^30, 2^31) and shifts in [1, 62]}}
  %r = qnn.requantize %a {multipliers = array<i32: 1073741824>, shifts = array<i64: 0>} : tensor<2x3xi32> -> tensor<2x3x!quant.uniform<i8:f32, 0.5>>
  return %r : tensor<2x3x!quant.uniform<i8:f32, 0.5>>
}

// -----

func.func @requantize_axis(%a: tensor<2x3xi32>) -> tensor<2x3x!quant.uniform<i8:f32, 0.5>> {
  // expected-error @below {{'qnn.requantize' op multipliers do not match axis 1}}
  %r = qnn.requantize %a {axis = 1 : i64, multipliers = array<i32: 1073741824, 1073741824>, shifts = array<i64: 31, 31>} : tensor<2x3xi32> -> tensor<2x3x!quant.uniform<i8:f32, 0.5>>
  return %r : tensor<2x3x!quant.uniform<i8:f32, 0.5>>
}

// -----

func.func @matmul_integer_k(%a: tensor<2x3xi8>, %b: tensor<4x5xi8>) -> tensor<2x5xi32> {
  // expected-error @below {{'qnn.matmul_integer' op a has K = 3 but b has 4}}
  %y = qnn.matmul_integer %a, %b : (tensor<2x3xi8>, tensor<4x5xi8>) -> tensor<2x5xi32>
  return %y : tensor<2x5xi32>
}

// -----

func.func @lookup_table_size(%x: tensor<2x3x!quant.uniform<i8:f32, 0.1:-5>>) -> tensor<2x3x!quant.uniform<i8:f32, 0.05:3>> {
  // expected-error @below {{'qnn.lookup_table' op table must have 256 entries, got 3}}
  %y = qnn.lookup_table %x {activation = "tanh", table = array<i8: 1, 2, 3>} : tensor<2x3x!quant.uniform<i8:f32, 0.1:-5>> -> tensor<2x3x!quant.uniform<i8:f32, 0.05:3>>
  return %y : tensor<2x3x!quant.uniform<i8:f32, 0.05:3>>
}

// -----

func.func @lookup_table_types(%x: tensor<2x3x!quant.uniform<i8<-127:127>:f32, 0.1>>) -> tensor<2x3x!quant.uniform<i8:f32, 0.05:3>> {
  // expected-error @below {{'qnn.lookup_table' op input and result must be per-tensor !quant.uniform<i8> tensors}}
  %y = qnn.lookup_table %x {activation = "tanh", table = array<i8: -128, -127, -126, -125, -124, -123, -122, -121, -120, -119, -118, -117, -116, -115, -114, -113, -112, -111, -110, -109, -108, -107, -106, -105, -104, -103, -102, -101, -100, -99, -98, -97, -96, -95, -94, -93, -92, -91, -90, -89, -88, -87, -86, -85, -84, -83, -82, -81, -80, -79, -78, -77, -76, -75, -74, -73, -72, -71, -70, -69, -68, -67, -66, -65, -64, -63, -62, -61, -60, -59, -58, -57, -56, -55, -54, -53, -52, -51, -50, -49, -48, -47, -46, -45, -44, -43, -42, -41, -40, -39, -38, -37, -36, -35, -34, -33, -32, -31, -30, -29, -28, -27, -26, -25, -24, -23, -22, -21, -20, -19, -18, -17, -16, -15, -14, -13, -12, -11, -10, -9, -8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127>} : tensor<2x3x!quant.uniform<i8<-127:127>:f32, 0.1>> -> tensor<2x3x!quant.uniform<i8:f32, 0.05:3>>
  return %y : tensor<2x3x!quant.uniform<i8:f32, 0.05:3>>
}

// -----

func.func @compare_types(%a: tensor<3xf32>, %b: tensor<3xi64>) {
  // expected-error @+2 {{'qnn.less' op operand element types differ}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = qnn.less %a, %b : (tensor<3xf32>, tensor<3xi64>) -> tensor<3xi1>
  return
}

// -----

func.func @where_condition(%c: tensor<3xf32>, %a: tensor<3xf32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 1-bit signless integer values}}
  %0 = qnn.where %c, %a, %a : (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return
}

// -----

func.func @expand_shape(%x: tensor<3x4xf32>) {
  // expected-error @+2 {{'qnn.expand' op input shape [3, 4] does not broadcast to [2, 5]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = qnn.expand %x {shape = array<i64: 2, 5>} : tensor<3x4xf32> -> tensor<3x5xf32>
  return
}

// -----

func.func @tile_repeats(%x: tensor<3x4xf32>) {
  // expected-error @+2 {{'qnn.tile' op expects one repeat per dim (2), got 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = qnn.tile %x {repeats = array<i64: 2>} : tensor<3x4xf32> -> tensor<6x4xf32>
  return
}

// -----

func.func @trilu_rank(%x: tensor<4xf32>) {
  // expected-error @+2 {{'qnn.trilu' op expects an input of rank 2 or more}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = qnn.trilu %x : tensor<4xf32> -> tensor<4xf32>
  return
}

// -----

func.func @reduce_kind(%x: tensor<3x4xf32>) {
  // expected-error @+1 {{'qnn.reduce' op unknown reduction kind 'median'}}
  %0 = qnn.reduce %x {kind = "median", axes = array<i64: 1>} : tensor<3x4xf32> -> tensor<3x1xf32>
  return
}

// -----

func.func @reduce_float_only(%x: tensor<3x4xi32>) {
  // expected-error @+1 {{'qnn.reduce' op reduction 'log_sum_exp' needs a float input}}
  %0 = qnn.reduce %x {kind = "log_sum_exp", axes = array<i64: 1>} : tensor<3x4xi32> -> tensor<3x1xi32>
  return
}

// -----

func.func @reduce_axis(%x: tensor<3x4xf32>) {
  // expected-error @+2 {{'qnn.reduce' op axis 2 is out of range for rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = qnn.reduce %x {kind = "sum", axes = array<i64: 2>} : tensor<3x4xf32> -> tensor<3x1xf32>
  return
}

// -----

func.func @arg_reduce_kind(%x: tensor<3x4xf32>) {
  // expected-error @+1 {{'qnn.arg_reduce' op kind must be 'max' or 'min', got 'mean'}}
  %0 = qnn.arg_reduce %x {kind = "mean", axis = 1 : i64} : tensor<3x4xf32> -> tensor<3x1xi64>
  return
}

// -----

func.func @cumsum_axis(%x: tensor<3x4xf32>) {
  // expected-error @+2 {{'qnn.cumsum' op axis 3 is out of range}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = qnn.cumsum %x {axis = 3 : i64} : tensor<3x4xf32> -> tensor<3x4xf32>
  return
}

// -----

func.func @log_softmax_axis(%x: tensor<3x4xf32>) {
  // expected-error @+1 {{'qnn.log_softmax' op axis 2 is out of range for rank 2}}
  %0 = qnn.log_softmax %x {axis = 2 : i64} : tensor<3x4xf32>
  return
}

// -----

func.func @gather_elements_rank(%x: tensor<3x4xf32>, %i: tensor<3xi64>) {
  // expected-error @+2 {{'qnn.gather_elements' op expects input and indices of the same non-zero rank}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = qnn.gather_elements %x, %i : (tensor<3x4xf32>, tensor<3xi64>) -> tensor<3xf32>
  return
}

// -----

func.func @gather_nd_depth(%x: tensor<3x4xf32>, %i: tensor<2x3xi64>) {
  // expected-error @+2 {{'qnn.gather_nd' op index tuples of length 3 do not fit an input of rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = qnn.gather_nd %x, %i : (tensor<3x4xf32>, tensor<2x3xi64>) -> tensor<2xf32>
  return
}

// -----

func.func @scatter_nd_updates(%x: tensor<3x4xf32>, %i: tensor<2x1xi64>, %u: tensor<2x3xf32>) {
  // expected-error @+2 {{'qnn.scatter_nd' op updates must be [2, 4] of the data's type}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = qnn.scatter_nd %x, %i, %u : (tensor<3x4xf32>, tensor<2x1xi64>, tensor<2x3xf32>) -> tensor<3x4xf32>
  return
}

// -----

func.func @scatter_reduction(%x: tensor<3x4xf32>, %i: tensor<3x4xi64>) {
  // expected-error @+1 {{'qnn.scatter_elements' op reduction must be none, add, mul, max or min, got 'mean'}}
  %0 = qnn.scatter_elements %x, %i, %x {reduction = "mean"} : (tensor<3x4xf32>, tensor<3x4xi64>, tensor<3x4xf32>) -> tensor<3x4xf32>
  return
}

// -----

// Weight channels times a huge group overflowed int64 (found by
// fuzz-onnx-structured under UBSan in the float conv's shape function).
func.func @conv_integer_huge_group(%x: tensor<1x2x4x4xi8>, %w: tensor<2x2x1x1xi8>) -> tensor<1x2x4x4xi32> {
  // expected-error @below {{'qnn.conv_integer' op channels do not match the weight and group 9223372036854775807}}
  %y = qnn.conv_integer %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, group = 9223372036854775807 : i64} : (tensor<1x2x4x4xi8>, tensor<2x2x1x1xi8>) -> tensor<1x2x4x4xi32>
  return %y : tensor<1x2x4x4xi32>
}

// -----

func.func @conv_transpose_huge_group(%x: tensor<1x2x4x4xf32>, %w: tensor<2x2x1x1xf32>) {
  // expected-error @+2 {{'qnn.conv_transpose' op weight [2, 2, 1, 1] with group 9223372036854775807 has more than 2^63 output channels}}
  // expected-error @+1 {{'qnn.conv_transpose' op failed to infer returned types}}
  %y = qnn.conv_transpose %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, output_padding = array<i64: 0, 0>, group = 9223372036854775807 : i64} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x?x?x?xf32>
  return
}

// -----

func.func @conv_huge_group(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+2 {{'qnn.conv' op input has 3 channels but weight [4, 3, 3, 3] with group 9223372036854775807 expects more than 2^63}}
  // expected-error @+1 {{'qnn.conv' op failed to infer returned types}}
  %y = qnn.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, group = 9223372036854775807 : i64} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  return
}

// -----

func.func @grid_sample_grid_rank(%x: tensor<1x1x4x4xf32>, %g: tensor<1x3x2xf32>) {
  // expected-error @+2 {{'qnn.grid_sample' op expects a 4-D input [N, C, H, W] and a 4-D grid [N, H', W', 2]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = qnn.grid_sample %x, %g : tensor<1x1x4x4xf32>, tensor<1x3x2xf32> -> tensor<1x1x3x2xf32>
  return
}

// -----

func.func @grid_sample_coordinates(%x: tensor<1x1x4x4xf32>, %g: tensor<1x3x2x3xf32>) {
  // expected-error @+2 {{'qnn.grid_sample' op the grid's last dim must be 2 (x, y), got 3}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = qnn.grid_sample %x, %g : tensor<1x1x4x4xf32>, tensor<1x3x2x3xf32> -> tensor<1x1x3x2xf32>
  return
}

// -----

func.func @grid_sample_batch(%x: tensor<2x1x4x4xf32>, %g: tensor<3x3x2x2xf32>) {
  // expected-error @+2 {{'qnn.grid_sample' op input batch 2 and grid batch 3 differ}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = qnn.grid_sample %x, %g : tensor<2x1x4x4xf32>, tensor<3x3x2x2xf32> -> tensor<2x1x3x2xf32>
  return
}

// -----

func.func @grid_sample_mode(%x: tensor<1x1x4x4xf32>, %g: tensor<1x3x2x2xf32>) {
  // expected-error @+2 {{'qnn.grid_sample' op mode must be linear, nearest or cubic, got 'bilinear'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = qnn.grid_sample %x, %g {mode = "bilinear"} : tensor<1x1x4x4xf32>, tensor<1x3x2x2xf32> -> tensor<1x1x3x2xf32>
  return
}

// -----

func.func @grid_sample_padding(%x: tensor<1x1x4x4xf32>, %g: tensor<1x3x2x2xf32>) {
  // expected-error @+2 {{'qnn.grid_sample' op padding_mode must be zeros, border or reflection, got 'edge'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = qnn.grid_sample %x, %g {padding_mode = "edge"} : tensor<1x1x4x4xf32>, tensor<1x3x2x2xf32> -> tensor<1x1x3x2xf32>
  return
}

// -----

func.func @top_k_too_many(%x: tensor<2x5xf32>) {
  // expected-error @+2 {{'qnn.top_k' op k = 6 is not within the axis' 5 elements}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = qnn.top_k %x {k = 6 : i64} : tensor<2x5xf32> -> tensor<2x6xi64>
  return
}

// -----

func.func @top_k_axis(%x: tensor<2x5xf32>) {
  // expected-error @+2 {{'qnn.top_k' op axis 2 is out of range}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = qnn.top_k %x {k = 1 : i64, axis = 2 : i64} : tensor<2x5xf32> -> tensor<2x1xi64>
  return
}
