// RUN: quant-opt %s -split-input-file -verify-diagnostics

// expected-error @+1 {{layout bits must be in [1, 8], got 9}}
func.func @bits(%x: tensor<1x8xi8> {test.l = #qkernel.layout<bits = 9, lanes = 16, k = 32, n = 16, group = 0, binary = false, signed_bytes = false>}) { return }

// -----

// expected-error @+1 {{layout lanes must be 4, 8 or 16, got 12}}
func.func @lanes(%x: tensor<1x8xi8> {test.l = #qkernel.layout<bits = 4, lanes = 12, k = 32, n = 16, group = 0, binary = false, signed_bytes = false>}) { return }

// -----

// expected-error @+1 {{layout group must be 0 (per channel) or a positive multiple of 32, got 48}}
func.func @group(%x: tensor<1x8xi8> {test.l = #qkernel.layout<bits = 4, lanes = 16, k = 96, n = 16, group = 48, binary = false, signed_bytes = false>}) { return }

// -----

// expected-error @+1 {{layout group 64 does not divide the padded k}}
func.func @group_divides(%x: tensor<1x8xi8> {test.l = #qkernel.layout<bits = 4, lanes = 16, k = 96, n = 16, group = 64, binary = false, signed_bytes = false>}) { return }

// -----

// expected-error @+1 {{a binary layout has 1-bit codes, got bits = 2}}
func.func @binary(%x: tensor<1x8xi8> {test.l = #qkernel.layout<bits = 2, lanes = 16, k = 32, n = 16, group = 0, binary = true, signed_bytes = false>}) { return }

// -----

// expected-error @+1 {{signed_bytes applies to 8-bit codes only, got bits = 4}}
func.func @signed(%x: tensor<1x8xi8> {test.l = #qkernel.layout<bits = 4, lanes = 4, k = 32, n = 16, group = 0, binary = false, signed_bytes = true>}) { return }

// -----

// expected-error @+1 {{layout of 34359738368 x 34359738368 codes is larger than 2^44}}
func.func @huge(%x: tensor<1x8xi8> {test.l = #qkernel.layout<bits = 4, lanes = 16, k = 34359738368, n = 34359738368, group = 0, binary = false, signed_bytes = false>}) { return }

// -----

#w4 = #qkernel.layout<bits = 4, lanes = 16, k = 64, n = 16, group = 0, binary = false, signed_bytes = false>
func.func @packed_size(%codes: tensor<64x16xi8>) {
  // expected-error @+1 {{'qkernel.pack' op packed tensor must hold 512 bytes for the layout, got tensor<500xi8>}}
  %p = qkernel.pack %codes {layout = #w4} : tensor<64x16xi8> -> tensor<500xi8>
  return
}

// -----

#w4 = #qkernel.layout<bits = 4, lanes = 16, k = 64, n = 16, group = 0, binary = false, signed_bytes = false>
func.func @codes_shape(%p: tensor<512xi8>) {
  // expected-error @+1 {{'qkernel.unpack' op codes must be 64x16 (k x n of the layout), got tensor<16x64xi8>}}
  %c = qkernel.unpack %p {layout = #w4} : tensor<512xi8> -> tensor<16x64xi8>
  return
}

// -----

#w4 = #qkernel.layout<bits = 4, lanes = 16, k = 64, n = 16, group = 0, binary = false, signed_bytes = false>
func.func @input_k(%x: tensor<1x32xf32>, %p: tensor<512xi8>, %s: tensor<1x16xf32>) {
  // expected-error @+1 {{'qkernel.matmul' op input must be a static [..., M, 64], got tensor<1x32xf32>}}
  %y = qkernel.matmul %x, %p, %s {layout = #w4, zero_point = 8 : i64} : (tensor<1x32xf32>, tensor<512xi8>, tensor<1x16xf32>) -> tensor<1x16xf32>
  return
}

// -----

#w4 = #qkernel.layout<bits = 4, lanes = 16, k = 64, n = 16, group = 0, binary = false, signed_bytes = false>
func.func @output_shape(%x: tensor<1x64xf32>, %p: tensor<512xi8>, %s: tensor<1x16xf32>) {
  // expected-error @+1 {{'qkernel.matmul' op output must be the input's shape with last dim 16, got tensor<2x16xf32>}}
  %y = qkernel.matmul %x, %p, %s {layout = #w4, zero_point = 8 : i64} : (tensor<1x64xf32>, tensor<512xi8>, tensor<1x16xf32>) -> tensor<2x16xf32>
  return
}

// -----

#w4 = #qkernel.layout<bits = 4, lanes = 16, k = 64, n = 16, group = 32, binary = false, signed_bytes = false>
func.func @scale_table(%x: tensor<1x64xf32>, %p: tensor<512xi8>, %s: tensor<1x16xf32>) {
  // expected-error @+1 {{'qkernel.matmul' op scales must be 2x16 (scale rows x padded n), got tensor<1x16xf32>}}
  %y = qkernel.matmul %x, %p, %s {layout = #w4, zero_point = 8 : i64} : (tensor<1x64xf32>, tensor<512xi8>, tensor<1x16xf32>) -> tensor<1x16xf32>
  return
}

// -----

#w4 = #qkernel.layout<bits = 4, lanes = 16, k = 64, n = 16, group = 0, binary = false, signed_bytes = false>
func.func @no_zero_point(%x: tensor<1x64xf32>, %p: tensor<512xi8>, %s: tensor<1x16xf32>) {
  // expected-error @+1 {{'qkernel.matmul' op needs exactly one of the zero_point attribute and the zero_points operand}}
  %y = qkernel.matmul %x, %p, %s {layout = #w4} : (tensor<1x64xf32>, tensor<512xi8>, tensor<1x16xf32>) -> tensor<1x16xf32>
  return
}

// -----

#w4 = #qkernel.layout<bits = 4, lanes = 16, k = 64, n = 16, group = 0, binary = false, signed_bytes = false>
func.func @zero_point_range(%x: tensor<1x64xf32>, %p: tensor<512xi8>, %s: tensor<1x16xf32>) {
  // expected-error @+1 {{'qkernel.matmul' op zero_point must be in [0, 255], got 300}}
  %y = qkernel.matmul %x, %p, %s {layout = #w4, zero_point = 300 : i64} : (tensor<1x64xf32>, tensor<512xi8>, tensor<1x16xf32>) -> tensor<1x16xf32>
  return
}

// -----

#w4 = #qkernel.layout<bits = 4, lanes = 16, k = 64, n = 16, group = 0, binary = false, signed_bytes = false>
func.func @bias_shape(%x: tensor<1x64xf32>, %p: tensor<512xi8>, %s: tensor<1x16xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{'qkernel.matmul' op bias must be [16], got tensor<8xf32>}}
  %y = qkernel.matmul %x, %p, %s bias %b {layout = #w4, zero_point = 8 : i64} : (tensor<1x64xf32>, tensor<512xi8>, tensor<1x16xf32>, tensor<8xf32>) -> tensor<1x16xf32>
  return
}

// -----

#w4 = #qkernel.layout<bits = 4, lanes = 16, k = 64, n = 16, group = 0, binary = false, signed_bytes = false>
func.func @modes(%x: tensor<1x64xf32>, %p: tensor<512xi8>, %s: tensor<1x16xf32>) {
  // expected-error @+1 {{'qkernel.matmul' op activations must be "int8" or "float", got "int4"}}
  %y = qkernel.matmul %x, %p, %s {layout = #w4, zero_point = 8 : i64, activations = "int4"} : (tensor<1x64xf32>, tensor<512xi8>, tensor<1x16xf32>) -> tensor<1x16xf32>
  return
}

// -----

#w4 = #qkernel.layout<bits = 4, lanes = 16, k = 64, n = 16, group = 0, binary = false, signed_bytes = false>
func.func @epilogue(%x: tensor<1x64xf32>, %p: tensor<512xi8>, %s: tensor<1x16xf32>) {
  // expected-error @+1 {{'qkernel.matmul' op activation must be "none" or "relu", got "gelu"}}
  %y = qkernel.matmul %x, %p, %s {layout = #w4, zero_point = 8 : i64, activation = "gelu"} : (tensor<1x64xf32>, tensor<512xi8>, tensor<1x16xf32>) -> tensor<1x16xf32>
  return
}

// -----

func.func @dot_lanes(%acc: vector<8xi32>, %w: vector<32xi8>) {
  // expected-error @+1 {{'qkernel.dot' op instruction "vpdpbusd" on 8 lanes is not one of vpdpbusd (16 lanes), vpmaddubsw or vpmaddwd (8 lanes)}}
  %r = qkernel.dot %acc, %w, %w {instruction = "vpdpbusd"} : vector<32xi8>, vector<32xi8> -> vector<8xi32>
  return
}

// -----

func.func @dot_bytes(%acc: vector<16xi32>, %w: vector<32xi8>) {
  // expected-error @+1 {{'qkernel.dot' op needs 4 bytes per accumulator element, got 32 bytes for 16 elements}}
  %r = qkernel.dot %acc, %w, %w {instruction = "vpdpbusd"} : vector<32xi8>, vector<32xi8> -> vector<16xi32>
  return
}

// -----

// i16 pair sums are vpmaddubsw's alone.
func.func @dot_i16_vnni(%acc: vector<32xi16>, %w: vector<64xi8>) {
  // expected-error @+1 {{'qkernel.dot' op has i16 pair sums only with vpmaddubsw, not "vpdpbusd"}}
  %r = qkernel.dot %acc, %w, %w {instruction = "vpdpbusd"} : vector<64xi8>, vector<64xi8> -> vector<32xi16>
  return
}

// -----

// i16 activations are vpmaddwd's alone, half as many as the weight bytes.
func.func @dot_wide_activations_vnni(%acc: vector<16xi32>, %w: vector<64xi8>, %a: vector<32xi16>) {
  // expected-error @+1 {{'qkernel.dot' op takes i16 activations only with vpmaddwd, as many as half the weight bytes}}
  %r = qkernel.dot %acc, %w, %a {instruction = "vpdpbusd"} : vector<64xi8>, vector<32xi16> -> vector<16xi32>
  return
}

// -----

func.func @dot_wide_activations_count(%acc: vector<16xi32>, %w: vector<32xi8>, %a: vector<8xi16>) {
  // expected-error @+1 {{'qkernel.dot' op takes i16 activations only with vpmaddwd, as many as half the weight bytes}}
  %r = qkernel.dot %acc, %w, %a {instruction = "vpmaddwd"} : vector<32xi8>, vector<8xi16> -> vector<16xi32>
  return
}

// -----

func.func @dot_activation_bytes(%acc: vector<16xi32>, %w: vector<64xi8>, %a: vector<32xi8>) {
  // expected-error @+1 {{'qkernel.dot' op needs i8 activations of the weights' type}}
  %r = qkernel.dot %acc, %w, %a {instruction = "vpdpbusd"} : vector<64xi8>, vector<32xi8> -> vector<16xi32>
  return
}

// -----

// vpmaddwd keeps two pair sums a lane: 16 elements for 32 bytes, not 8.
func.func @dot_pair_sums(%acc: vector<8xi32>, %w: vector<32xi8>) {
  // expected-error @+1 {{'qkernel.dot' op needs 2 bytes per accumulator element, got 32 bytes for 8 elements}}
  %r = qkernel.dot %acc, %w, %w {instruction = "vpmaddwd"} : vector<32xi8>, vector<32xi8> -> vector<8xi32>
  return
}

// -----

#w4 = #qkernel.layout<bits = 4, lanes = 16, k = 64, n = 16, group = 0, binary = false, signed_bytes = false>
func.func @dynamic_rows(%x: tensor<?x64xf32>, %p: tensor<512xi8>, %s: tensor<1x16xf32>) {
  // expected-error @+1 {{'qkernel.matmul' op input must be a static [..., M, 64], got tensor<?x64xf32>}}
  %y = qkernel.matmul %x, %p, %s {layout = #w4, zero_point = 8 : i64} : (tensor<?x64xf32>, tensor<512xi8>, tensor<1x16xf32>) -> tensor<?x16xf32>
  return
}

// -----

func.func @dot_scalable(%acc: vector<[16]xi32>, %w: vector<[64]xi8>) {
  // expected-error @+1 {{'qkernel.dot' op needs fixed-length vectors (x86 dot instructions)}}
  %r = qkernel.dot %acc, %w, %w {instruction = "vpdpbusd"} : vector<[64]xi8>, vector<[64]xi8> -> vector<[16]xi32>
  return
}

// -----

func.func @integer_zero_point(%x: tensor<1x64xi8>, %p: tensor<512xi8>) {
  // expected-error @+1 {{'qkernel.matmul_integer' op zero_point must be a 4-bit code in [0, 15], got 128}}
  %y = qkernel.matmul_integer %x, %p {layout = #qkernel.layout<bits = 4, lanes = 16, k = 64, n = 16, group = 0, binary = false, signed_bytes = false>, zero_point = 128 : i64} : (tensor<1x64xi8>, tensor<512xi8>) -> tensor<1x16xi32>
  return
}

// -----

func.func @integer_group(%x: tensor<1x64xi8>, %p: tensor<1024xi8>) {
  // expected-error @+1 {{'qkernel.matmul_integer' op needs a per-channel, non-binary layout (group = 0), got group = 32}}
  %y = qkernel.matmul_integer %x, %p {layout = #qkernel.layout<bits = 8, lanes = 16, k = 64, n = 16, group = 32, binary = false, signed_bytes = false>, zero_point = 128 : i64} : (tensor<1x64xi8>, tensor<1024xi8>) -> tensor<1x16xi32>
  return
}

// -----

func.func @integer_input(%x: tensor<1x60xi8>, %p: tensor<1024xi8>) {
  // expected-error @+1 {{'qkernel.matmul_integer' op input must be a static [..., M, 64], got tensor<1x60xi8>}}
  %y = qkernel.matmul_integer %x, %p {layout = #qkernel.layout<bits = 8, lanes = 16, k = 64, n = 16, group = 0, binary = false, signed_bytes = false>, zero_point = 128 : i64} : (tensor<1x60xi8>, tensor<1024xi8>) -> tensor<1x16xi32>
  return
}

// -----

func.func @integer_packed(%x: tensor<1x64xi8>, %p: tensor<512xi8>) {
  // expected-error @+1 {{'qkernel.matmul_integer' op packed tensor must hold 1024 bytes for the layout, got tensor<512xi8>}}
  %y = qkernel.matmul_integer %x, %p {layout = #qkernel.layout<bits = 8, lanes = 16, k = 64, n = 16, group = 0, binary = false, signed_bytes = false>, zero_point = 128 : i64} : (tensor<1x64xi8>, tensor<512xi8>) -> tensor<1x16xi32>
  return
}

// -----

func.func @integer_bias(%x: tensor<1x64xi8>, %p: tensor<1024xi8>, %b: tensor<15xi32>) {
  // expected-error @+1 {{'qkernel.matmul_integer' op bias must be [16], got tensor<15xi32>}}
  %y = qkernel.matmul_integer %x, %p bias %b {layout = #qkernel.layout<bits = 8, lanes = 16, k = 64, n = 16, group = 0, binary = false, signed_bytes = false>, zero_point = 128 : i64} : (tensor<1x64xi8>, tensor<1024xi8>, tensor<15xi32>) -> tensor<1x16xi32>
  return
}

// -----

// Lanes near 2^62: the byte count check must not overflow (found by
// fuzz-mlir under UBSan).
func.func @dot_huge(%acc: vector<4611686018427387904xi32>, %w: vector<64xi8>) {
  // expected-error @+1 {{'qkernel.dot' op needs 4 bytes per accumulator element, got 64 bytes for 4611686018427387904 elements}}
  %r = qkernel.dot %acc, %w, %w {instruction = "vpdpbusd"} : vector<64xi8>, vector<64xi8> -> vector<4611686018427387904xi32>
  return
}

// -----

// expected-error @+1 {{a lut layout has at most 4 bit planes, got bits = 5}}
func.func @lut_bits(%x: tensor<1x8xi8> {test.l = #qkernel.layout<bits = 5, lanes = 64, k = 32, n = 16, group = 0, binary = false, signed_bytes = false, lut = true>}) { return }

// -----

// expected-error @+1 {{lut layout lanes must be 16, 32 or 64, got 8}}
func.func @lut_lanes(%x: tensor<1x8xi8> {test.l = #qkernel.layout<bits = 2, lanes = 8, k = 32, n = 16, group = 0, binary = false, signed_bytes = false, lut = true>}) { return }

// -----

func.func @lut_layout_on_dot_matmul(%x: tensor<1x32xf32>, %p: tensor<512xi8>, %s: tensor<1x64xf32>) {
  // expected-error @+1 {{'qkernel.matmul' op takes a dot-kernel layout; a lut layout is for qkernel.lut_matmul}}
  %y = qkernel.matmul %x, %p, %s {layout = #qkernel.layout<bits = 2, lanes = 64, k = 32, n = 64, group = 0, binary = false, signed_bytes = false, lut = true>, zero_point = 1 : i64} : (tensor<1x32xf32>, tensor<512xi8>, tensor<1x64xf32>) -> tensor<1x64xf32>
  return
}

// -----

func.func @dot_layout_on_lut_matmul(%x: tensor<1x32xf32>, %p: tensor<128xi8>, %s: tensor<1x16xf32>) {
  // expected-error @+1 {{'qkernel.lut_matmul' op needs a lut layout (lut = true)}}
  %y = qkernel.lut_matmul %x, %p, %s {layout = #qkernel.layout<bits = 2, lanes = 16, k = 32, n = 16, group = 0, binary = false, signed_bytes = false>, zero_point = 1 : i64} : (tensor<1x32xf32>, tensor<128xi8>, tensor<1x16xf32>) -> tensor<1x16xf32>
  return
}

// -----

func.func @lut_matmul_scales(%x: tensor<1x32xf32>, %p: tensor<512xi8>, %s: tensor<1x16xf32>) {
  // expected-error @+1 {{'qkernel.lut_matmul' op scales must be 1x64 (scale rows x padded n), got tensor<1x16xf32>}}
  %y = qkernel.lut_matmul %x, %p, %s {layout = #qkernel.layout<bits = 2, lanes = 64, k = 32, n = 16, group = 0, binary = false, signed_bytes = false, lut = true>, zero_point = 1 : i64} : (tensor<1x32xf32>, tensor<512xi8>, tensor<1x16xf32>) -> tensor<1x16xf32>
  return
}

// -----

func.func @lut_layout_on_integer_matmul(%x: tensor<1x32xi8>, %p: tensor<512xi8>) {
  // expected-error @+1 {{'qkernel.matmul_integer' op takes a dot-kernel layout, not a lut one}}
  %y = qkernel.matmul_integer %x, %p {layout = #qkernel.layout<bits = 2, lanes = 64, k = 32, n = 64, group = 0, binary = false, signed_bytes = false, lut = true>, zero_point = 1 : i64} : (tensor<1x32xi8>, tensor<512xi8>) -> tensor<1x64xi32>
  return
}

// -----

func.func @lookup_lanes(%t: vector<16xi8>, %i: vector<16xi8>) {
  // expected-error @+1 {{'qkernel.lookup' op instruction "vpshufb" on 16 bytes is not one of vpshufb (32 or 64 bytes) or tbl (16 bytes)}}
  %r = qkernel.lookup %t, %i {instruction = "vpshufb"} : vector<16xi8>, vector<16xi8>
  return
}

// -----

func.func @lookup_table(%t: vector<32xi8>, %i: vector<32xi8>) {
  // expected-error @+1 {{'qkernel.lookup' op operand #0 must be vector of 8-bit signless integer values of length 16, but got 'vector<32xi8>'}}
  %r = qkernel.lookup %t, %i {instruction = "vpshufb"} : vector<32xi8>, vector<32xi8>
  return
}

// -----

#w8 = #qkernel.layout<bits = 8, lanes = 16, k = 64, n = 16, group = 0, binary = false, signed_bytes = false>
func.func @requantize_result_type(%x: tensor<1x64xi8>, %p: tensor<1024xi8>) {
  // expected-error @+1 {{'qkernel.matmul_integer' op with multipliers the result must be i8, got tensor<1x16xi32>}}
  %y = qkernel.matmul_integer %x, %p {layout = #w8, zero_point = 128 : i64, multipliers = array<i32: 1073741824>, shifts = array<i64: 31>} : (tensor<1x64xi8>, tensor<1024xi8>) -> tensor<1x16xi32>
  return
}

// -----

#w8 = #qkernel.layout<bits = 8, lanes = 16, k = 64, n = 16, group = 0, binary = false, signed_bytes = false>
func.func @int8_result_without_requantize(%x: tensor<1x64xi8>, %p: tensor<1024xi8>) {
  // expected-error @+1 {{'qkernel.matmul_integer' op without multipliers the result must be i32, got tensor<1x16xi8>}}
  %y = qkernel.matmul_integer %x, %p {layout = #w8, zero_point = 128 : i64} : (tensor<1x64xi8>, tensor<1024xi8>) -> tensor<1x16xi8>
  return
}

// -----

#w8 = #qkernel.layout<bits = 8, lanes = 16, k = 64, n = 16, group = 0, binary = false, signed_bytes = false>
func.func @requantize_channels(%x: tensor<1x64xi8>, %p: tensor<1024xi8>) {
  // expected-error @+1 {{'qkernel.matmul_integer' op needs 1 or 16 multipliers, got 2}}
  %y = qkernel.matmul_integer %x, %p {layout = #w8, zero_point = 128 : i64, multipliers = array<i32: 1073741824, 1073741824>, shifts = array<i64: 31, 31>} : (tensor<1x64xi8>, tensor<1024xi8>) -> tensor<1x16xi8>
  return
}

// -----

#w8 = #qkernel.layout<bits = 8, lanes = 16, k = 64, n = 16, group = 0, binary = false, signed_bytes = false>
func.func @requantize_shift(%x: tensor<1x64xi8>, %p: tensor<1024xi8>) {
  // expected-error @+1 {{'qkernel.matmul_integer' op multipliers must be in [2^30, 2^31) and shifts in [1, 62]}}
  %y = qkernel.matmul_integer %x, %p {layout = #w8, zero_point = 128 : i64, multipliers = array<i32: 1073741824>, shifts = array<i64: 63>} : (tensor<1x64xi8>, tensor<1024xi8>) -> tensor<1x16xi8>
  return
}

// -----

#w8 = #qkernel.layout<bits = 8, lanes = 16, k = 64, n = 16, group = 0, binary = false, signed_bytes = false>
func.func @requantize_clamp(%x: tensor<1x64xi8>, %p: tensor<1024xi8>) {
  // expected-error @+1 {{'qkernel.matmul_integer' op output_zero_point and the clamp range [10, 5] must be int8 values, with clamp_min <= clamp_max}}
  %y = qkernel.matmul_integer %x, %p {layout = #w8, zero_point = 128 : i64, multipliers = array<i32: 1073741824>, shifts = array<i64: 31>, clamp_min = 10 : i64, clamp_max = 5 : i64} : (tensor<1x64xi8>, tensor<1024xi8>) -> tensor<1x16xi8>
  return
}

// -----

#w8 = #qkernel.layout<bits = 8, lanes = 16, k = 64, n = 16, group = 0, binary = false, signed_bytes = false>
func.func @requantize_shifts(%x: tensor<1x64xi8>, %p: tensor<1024xi8>) {
  // expected-error @+1 {{'qkernel.matmul_integer' op needs one shift per multiplier}}
  %y = qkernel.matmul_integer %x, %p {layout = #w8, zero_point = 128 : i64, multipliers = array<i32: 1073741824>} : (tensor<1x64xi8>, tensor<1024xi8>) -> tensor<1x16xi8>
  return
}

// -----

func.func @depthwise_channels(%x: tensor<1x8x8x16xi8>, %w: tensor<3x3x8xi8>) -> tensor<1x8x8x16xi32> {
  // expected-error @+1 {{'qkernel.depthwise_conv_integer' op input, weight and result must agree on N and C, got tensor<1x8x8x16xi8>, tensor<3x3x8xi8> and tensor<1x8x8x16xi32>}}
  %y = qkernel.depthwise_conv_integer %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x8x8x16xi8>, tensor<3x3x8xi8>) -> tensor<1x8x8x16xi32>
  return %y : tensor<1x8x8x16xi32>
}

// -----

func.func @depthwise_rank(%x: tensor<8x8x16xi8>, %w: tensor<3x3x16xi8>) -> tensor<8x8x16xi32> {
  // expected-error @+1 {{'qkernel.depthwise_conv_integer' op needs an [N, H, W, C] input, a [KH, KW, C] weight and an [N, OH, OW, C] result}}
  %y = qkernel.depthwise_conv_integer %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>} : (tensor<8x8x16xi8>, tensor<3x3x16xi8>) -> tensor<8x8x16xi32>
  return %y : tensor<8x8x16xi32>
}

// -----

func.func @depthwise_dynamic(%x: tensor<1x?x8x16xi8>, %w: tensor<3x3x16xi8>) -> tensor<1x8x8x16xi32> {
  // expected-error @+1 {{'qkernel.depthwise_conv_integer' op needs static shapes}}
  %y = qkernel.depthwise_conv_integer %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x?x8x16xi8>, tensor<3x3x16xi8>) -> tensor<1x8x8x16xi32>
  return %y : tensor<1x8x8x16xi32>
}

// -----

func.func @depthwise_bias(%x: tensor<1x8x8x16xi8>, %w: tensor<3x3x16xi8>, %b: tensor<8xi32>) -> tensor<1x8x8x16xi32> {
  // expected-error @+1 {{'qkernel.depthwise_conv_integer' op bias must be [16], got tensor<8xi32>}}
  %y = qkernel.depthwise_conv_integer %x, %w bias %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x8x8x16xi8>, tensor<3x3x16xi8>, tensor<8xi32>) -> tensor<1x8x8x16xi32>
  return %y : tensor<1x8x8x16xi32>
}

// -----

func.func @depthwise_window(%x: tensor<1x8x8x16xi8>, %w: tensor<3x3x16xi8>) -> tensor<1x8x8x16xi32> {
  // expected-error @+1 {{'qkernel.depthwise_conv_integer' op strides and dilations must be positive and pads non-negative}}
  %y = qkernel.depthwise_conv_integer %x, %w {strides = array<i64: 0, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x8x8x16xi8>, tensor<3x3x16xi8>) -> tensor<1x8x8x16xi32>
  return %y : tensor<1x8x8x16xi32>
}

// -----

func.func @depthwise_output(%x: tensor<1x8x8x16xi8>, %w: tensor<3x3x16xi8>) -> tensor<1x8x8x16xi32> {
  // expected-error @+1 {{'qkernel.depthwise_conv_integer' op result spatial dim 0 must be the window's output size (6), got 8}}
  %y = qkernel.depthwise_conv_integer %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 1, 0, 1>} : (tensor<1x8x8x16xi8>, tensor<3x3x16xi8>) -> tensor<1x8x8x16xi32>
  return %y : tensor<1x8x8x16xi32>
}

// -----

func.func @depthwise_huge_dilation(%x: tensor<1x8x8x16xi8>, %w: tensor<3x3x16xi8>) -> tensor<1x8x8x16xi32> {
  // expected-error @+1 {{'qkernel.depthwise_conv_integer' op result spatial dim 0 must be the window's output size (none: the window does not fit), got 8}}
  %y = qkernel.depthwise_conv_integer %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 4611686018427387904, 1>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x8x8x16xi8>, tensor<3x3x16xi8>) -> tensor<1x8x8x16xi32>
  return %y : tensor<1x8x8x16xi32>
}

// -----

func.func @depthwise_zero_point(%x: tensor<1x8x8x16xi8>, %w: tensor<3x3x16xi8>) -> tensor<1x8x8x16xi32> {
  // expected-error @+1 {{'qkernel.depthwise_conv_integer' op input_zero_point must be an int8 value, got 200}}
  %y = qkernel.depthwise_conv_integer %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, input_zero_point = 200 : i64} : (tensor<1x8x8x16xi8>, tensor<3x3x16xi8>) -> tensor<1x8x8x16xi32>
  return %y : tensor<1x8x8x16xi32>
}

// -----

func.func @gather_rows_bits(%i: tensor<2xi64>, %t: tensor<4x3xi8>, %s: tensor<4x1xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{bits must be 2, 4 or 8, got 3}}
  %y = qkernel.gather_rows %i, %t, %s {bits = 3 : i64, columns = 8 : i64, group = 0 : i64, zero_point = 3 : i64} : (tensor<2xi64>, tensor<4x3xi8>, tensor<4x1xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

func.func @gather_rows_bytes(%i: tensor<2xi64>, %t: tensor<4x3xi8>, %s: tensor<4x1xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{table rows must hold 8 4-bit codes in 4 bytes, got tensor<4x3xi8>}}
  %y = qkernel.gather_rows %i, %t, %s {bits = 4 : i64, columns = 8 : i64, group = 0 : i64, zero_point = 7 : i64} : (tensor<2xi64>, tensor<4x3xi8>, tensor<4x1xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

func.func @gather_rows_group(%i: tensor<2xi64>, %t: tensor<4x4xi8>, %s: tensor<4x2xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{columns must be positive and group 0 or a divisor of them, got 8 and 3}}
  %y = qkernel.gather_rows %i, %t, %s {bits = 4 : i64, columns = 8 : i64, group = 3 : i64, zero_point = 7 : i64} : (tensor<2xi64>, tensor<4x4xi8>, tensor<4x2xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

func.func @gather_rows_scales(%i: tensor<2xi64>, %t: tensor<4x4xi8>, %s: tensor<4x1xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{scales must be [4, 2], got tensor<4x1xf32>}}
  %y = qkernel.gather_rows %i, %t, %s {bits = 4 : i64, columns = 8 : i64, group = 4 : i64, zero_point = 7 : i64} : (tensor<2xi64>, tensor<4x4xi8>, tensor<4x1xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

func.func @gather_rows_zero(%i: tensor<2xi64>, %t: tensor<4x4xi8>, %s: tensor<4x1xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{needs exactly one of the zero_point attribute and the zero_points operand}}
  %y = qkernel.gather_rows %i, %t, %s {bits = 4 : i64, columns = 8 : i64, group = 0 : i64} : (tensor<2xi64>, tensor<4x4xi8>, tensor<4x1xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

func.func @gather_rows_zero_range(%i: tensor<2xi64>, %t: tensor<4x2xi8>, %s: tensor<4x1xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{zero_point must be a 2-bit code, got 4}}
  %y = qkernel.gather_rows %i, %t, %s {bits = 2 : i64, columns = 8 : i64, group = 0 : i64, zero_point = 4 : i64} : (tensor<2xi64>, tensor<4x2xi8>, tensor<4x1xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

func.func @gather_rows_zero_table(%i: tensor<2xi64>, %t: tensor<4x4xi8>, %s: tensor<4x2xf32>, %z: tensor<4x1xi8>) -> tensor<2x8xf32> {
  // expected-error @+1 {{zero_points must have the scales' shape, got tensor<4x1xi8>}}
  %y = qkernel.gather_rows %i, %t, %s zero_points %z {bits = 4 : i64, columns = 8 : i64, group = 4 : i64} : (tensor<2xi64>, tensor<4x4xi8>, tensor<4x2xf32>, tensor<4x1xi8>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

func.func @gather_rows_result(%i: tensor<2xi64>, %t: tensor<4x4xi8>, %s: tensor<4x1xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{result must be the indices' shape plus [8], got tensor<2x4xf32>}}
  %y = qkernel.gather_rows %i, %t, %s {bits = 4 : i64, columns = 8 : i64, group = 0 : i64, zero_point = 7 : i64} : (tensor<2xi64>, tensor<4x4xi8>, tensor<4x1xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

func.func @epilogue_and_multipliers(%x: tensor<2x64xi8>, %p: tensor<1024xi8>) -> tensor<2x3xi8> {
  // expected-error @+1 {{'qkernel.matmul_integer' op takes multipliers or an epilogue, not both}}
  %y = qkernel.matmul_integer %x, %p {layout = #qkernel.layout<bits = 8, lanes = 16, k = 64, n = 3, group = 0, binary = false, signed_bytes = false>, zero_point = 128 : i64, multipliers = array<i32: 1073741824>, shifts = array<i64: 31>} : (tensor<2x64xi8>, tensor<1024xi8>) -> tensor<2x3xi8> epilogue {
  ^bb0(%acc: i32, %c: index):
    %q = arith.trunci %acc : i32 to i8
    qkernel.yield %q : i8
  }
  return %y : tensor<2x3xi8>
}

// -----

func.func @epilogue_yield_type(%x: tensor<2x64xi8>, %p: tensor<1024xi8>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'qkernel.matmul_integer' op epilogue must yield the result's element type 'f32'}}
  %y = qkernel.matmul_integer %x, %p {layout = #qkernel.layout<bits = 8, lanes = 16, k = 64, n = 3, group = 0, binary = false, signed_bytes = false>, zero_point = 128 : i64} : (tensor<2x64xi8>, tensor<1024xi8>) -> tensor<2x3xf32> epilogue {
  ^bb0(%acc: i32, %c: index):
    %q = arith.trunci %acc : i32 to i8
    qkernel.yield %q : i8
  }
  return %y : tensor<2x3xf32>
}

// -----

func.func @epilogue_arguments(%x: tensor<2x64xi8>, %p: tensor<1024xi8>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'qkernel.matmul_integer' op epilogue takes (i32 accumulator, index channel)}}
  %y = qkernel.matmul_integer %x, %p {layout = #qkernel.layout<bits = 8, lanes = 16, k = 64, n = 3, group = 0, binary = false, signed_bytes = false>, zero_point = 128 : i64} : (tensor<2x64xi8>, tensor<1024xi8>) -> tensor<2x3xf32> epilogue {
  ^bb0(%acc: i32):
    %f = arith.sitofp %acc : i32 to f32
    qkernel.yield %f : f32
  }
  return %y : tensor<2x3xf32>
}

// -----

func.func @epilogue_table_shape(%x: tensor<2x64xi8>, %p: tensor<1024xi8>) -> tensor<2x3xf32> {
  %y = qkernel.matmul_integer %x, %p {layout = #qkernel.layout<bits = 8, lanes = 16, k = 64, n = 3, group = 0, binary = false, signed_bytes = false>, zero_point = 128 : i64} : (tensor<2x64xi8>, tensor<1024xi8>) -> tensor<2x3xf32> epilogue {
  ^bb0(%acc: i32, %c: index):
    %t = arith.constant dense<1.0> : tensor<4xf32>
    // expected-error @+1 {{'tensor.extract' op in an epilogue reads a constant [3] table at the channel}}
    %s = tensor.extract %t[%c] : tensor<4xf32>
    qkernel.yield %s : f32
  }
  return %y : tensor<2x3xf32>
}

// -----

func.func @epilogue_foreign_op(%x: tensor<2x64xi8>, %p: tensor<1024xi8>) -> tensor<2x3xf32> {
  %y = qkernel.matmul_integer %x, %p {layout = #qkernel.layout<bits = 8, lanes = 16, k = 64, n = 3, group = 0, binary = false, signed_bytes = false>, zero_point = 128 : i64} : (tensor<2x64xi8>, tensor<1024xi8>) -> tensor<2x3xf32> epilogue {
  ^bb0(%acc: i32, %c: index):
    // expected-error @+1 {{'tensor.empty' op is not allowed in a kernel epilogue: scalar arith and math ops and constant tables only}}
    %e = tensor.empty() : tensor<3xf32>
    %s = tensor.extract %e[%c] : tensor<3xf32>
    qkernel.yield %s : f32
  }
  return %y : tensor<2x3xf32>
}

// -----

func.func @epilogue_channel_use(%x: tensor<2x64xi8>, %p: tensor<1024xi8>) -> tensor<2x3xf32> {
  %y = qkernel.matmul_integer %x, %p {layout = #qkernel.layout<bits = 8, lanes = 16, k = 64, n = 3, group = 0, binary = false, signed_bytes = false>, zero_point = 128 : i64} : (tensor<2x64xi8>, tensor<1024xi8>) -> tensor<2x3xf32> epilogue {
  ^bb0(%acc: i32, %c: index):
    // expected-error @+1 {{'arith.index_cast' op in an epilogue may use the channel only as a table index}}
    %i = arith.index_cast %c : index to i32
    %f = arith.sitofp %i : i32 to f32
    qkernel.yield %f : f32
  }
  return %y : tensor<2x3xf32>
}

// -----

func.func @depthwise_without_epilogue_i8(%x: tensor<1x4x4x16xi8>, %w: tensor<3x3x16xi8>) -> tensor<1x4x4x16xi8> {
  // expected-error @+1 {{'qkernel.depthwise_conv_integer' op without an epilogue the result must be i32, got tensor<1x4x4x16xi8>}}
  %y = qkernel.depthwise_conv_integer %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x4x4x16xi8>, tensor<3x3x16xi8>) -> tensor<1x4x4x16xi8>
  return %y : tensor<1x4x4x16xi8>
}

// -----

func.func @pair_sums_length(%p: vector<8xi16>) {
  // expected-error @+1 {{'qkernel.pair_sums' op operand #0 must be vector of 16-bit signless integer values of length 16}}
  %r = qkernel.pair_sums %p : vector<8xi16> -> vector<4xi32>
  return
}
