// qkernel ops: packing and the packed matmul.
#ifndef QUANTC_QKERNEL_OPS_TD
#define QUANTC_QKERNEL_OPS_TD

include "dialects/QKernel/QKernelDialect.td"
include "dialects/QKernel/QKernelAttrs.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def QKernel_Bytes : 1DTensorOf<[I8]>;
def QKernel_F32Tensor : RankedTensorOf<[F32]>;
def QKernel_ScaleTable : RankedTensorOf<[F32, F16]>;

def QKernel_PackOp : QKernel_Op<"pack", [Pure]> {
  let summary = "K x N codes (one per i8) -> packed bytes in the given layout";
  let description = [{
    Codes are unsigned b-bit values held in i8 (an 8-bit code above 127
    wraps to a negative i8). Constant operands fold to the packed constant,
    which is how weights are packed at compile time.

    ```mlir
    %p = qkernel.pack %codes {layout = #qkernel.layout<bits = 4, lanes = 16, k = 64, n = 16, group = 0, binary = false, signed_bytes = false>} : tensor<64x16xi8> -> tensor<512xi8>
    ```
  }];
  let arguments = (ins RankedTensorOf<[I8]>:$codes, QKernel_LayoutAttr:$layout);
  let results = (outs QKernel_Bytes:$packed);
  let assemblyFormat = "$codes attr-dict `:` type($codes) `->` type($packed)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def QKernel_UnpackOp : QKernel_Op<"unpack", [Pure]> {
  let summary = "Packed bytes -> K x N codes (the inverse of qkernel.pack)";
  let arguments = (ins QKernel_Bytes:$packed, QKernel_LayoutAttr:$layout);
  let results = (outs RankedTensorOf<[I8]>:$codes);
  let assemblyFormat = "$packed attr-dict `:` type($packed) `->` type($codes)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def QKernel_MatmulOp : QKernel_Op<"matmul", [Pure, AttrSizedOperandSegments]> {
  let summary = "x [..., M, K] times packed W [K, N] with a fused epilogue";
  let description = [{
    y[m, n] = act(sum_k x[m, k] * (c[k, n] - z[g, n]) * s[g, n] + bias[n]),
    g = k / group. `scales` is [scaleRows, paddedN] f32, or f16 (the layout's
    padding columns are ignored). The zero point is the `zero_point`
    attribute when it is one number, else the `zero_points` operand, an
    [scaleRows, paddedN] i8 table read as unsigned.

    `activations` picks how x meets the weights:
    * `int8`: each row of x is quantized per block of 32 to int8
      (symmetric, scale max|x| / 127, round half to even), the block's
      integer dot products run on the target's dot instruction and are
      scaled into an f32 sum per block (ORT MatMulNBits accuracy_level 4,
      llama.cpp q8 blocks);
    * `float`: codes are widened to f32 in registers and multiplied with x
      in f32, one scale per group.

    `activation` is `none` or `relu`, applied after the bias.

    ```mlir
    %y = qkernel.matmul %x, %packed, %scales {layout = #qkernel.layout<...>, zero_point = 8 : i64, activations = "int8", activation = "none"} : (tensor<1x64xf32>, tensor<512xi8>, tensor<1x16xf32>) -> tensor<1x16xf32>
    ```
  }];
  let arguments = (ins QKernel_F32Tensor:$input, QKernel_Bytes:$packed,
                       QKernel_ScaleTable:$scales, Optional<RankedTensorOf<[I8]>>:$zero_points,
                       Optional<QKernel_F32Tensor>:$bias, QKernel_LayoutAttr:$layout,
                       OptionalAttr<I64Attr>:$zero_point,
                       DefaultValuedStrAttr<StrAttr, "int8">:$activations,
                       DefaultValuedStrAttr<StrAttr, "none">:$activation);
  let results = (outs QKernel_F32Tensor:$output);
  let assemblyFormat = [{
    $input `,` $packed `,` $scales (`zero_points` $zero_points^)? (`bias` $bias^)? attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def QKernel_MatmulIntegerOp : QKernel_Op<"matmul_integer", [Pure, IsolatedFromAbove]> {
  let summary = "int8 x [..., M, K] times packed integer W [K, N] -> int32 (+ int32 bias), or int8 through a fused requantize";
  let description = [{
    acc[m, n] = bias[n] + sum_k x[m, k] * w[k, n] in int32: qnn.matmul_integer
    and, through im2col, qnn.conv_integer on the packed layout. The codes
    are w + zero_point (unsigned, `bits` wide: 8 for W8A8, fewer for the
    sub-8-bit layers of an allocation), one per-channel layout (group 0);
    8-bit codes stored as signed bytes hold c - 128. The dot instruction
    takes the codes as its unsigned operand and x as its signed one; x's row
    sum times the zero point is subtracted once per row. Exact: the result
    equals the int32 reference bit for bit (sums wrap modulo 2^32 as qnn's
    do).

    With `multipliers` and `shifts` (one pair, or one per output channel),
    the accumulator is requantized in the kernel as qnn.requantize does:
    `clamp((int64(acc) * multiplier + 2^(shift - 1)) >> shift +
    output_zero_point, clamp_min, clamp_max)`, and the result is int8. This
    is the requantize-to-int8 epilogue of W8A8 layers followed by nothing,
    Relu or Clip: the int32 accumulator never reaches memory.

    With an `epilogue` region instead, each accumulator goes through it in
    the kernel: the region takes the int32 sum (bias included) and its
    output channel, and yields the result element (i8 or f32). It holds
    scalar arith/math ops, `arith.constant` scalars, and `tensor.extract` of
    constant [N] tables at the channel: the elementwise chain that followed
    the layer (dequantize, an activation, quantize), computed where the
    accumulators are still in registers, with the same float operations
    that chain's own loops run, so the result is the same bit for bit.

    ```mlir
    %acc = qkernel.matmul_integer %x, %packed bias %b {layout = #qkernel.layout<bits = 8, lanes = 16, k = 64, n = 16, group = 0, binary = false, signed_bytes = false>, zero_point = 128 : i64} : (tensor<4x64xi8>, tensor<1024xi8>, tensor<16xi32>) -> tensor<4x16xi32>
    %y = qkernel.matmul_integer %x, %packed bias %b {layout = #qkernel.layout<...>, zero_point = 128 : i64} : (tensor<4x64xi8>, tensor<1024xi8>, tensor<16xi32>) -> tensor<4x16xf32> epilogue {
    ^bb0(%acc: i32, %channel: index):
      %scales = arith.constant dense<...> : tensor<16xf32>
      %scale = tensor.extract %scales[%channel] : tensor<16xf32>
      %f = arith.sitofp %acc : i32 to f32
      %r = arith.mulf %f, %scale : f32
      qkernel.yield %r : f32
    }
    ```
  }];
  let arguments = (ins RankedTensorOf<[I8]>:$input, QKernel_Bytes:$packed,
                       Optional<RankedTensorOf<[I32]>>:$bias, QKernel_LayoutAttr:$layout,
                       I64Attr:$zero_point, OptionalAttr<DenseI32ArrayAttr>:$multipliers,
                       OptionalAttr<DenseI64ArrayAttr>:$shifts,
                       DefaultValuedAttr<I64Attr, "0">:$output_zero_point,
                       DefaultValuedAttr<I64Attr, "-128">:$clamp_min,
                       DefaultValuedAttr<I64Attr, "127">:$clamp_max);
  let results = (outs RankedTensorOf<[I32, I8, F32]>:$output);
  let regions = (region AnyRegion:$epilogue);
  let assemblyFormat = [{
    $input `,` $packed (`bias` $bias^)? attr-dict `:` functional-type(operands, results)
    (`epilogue` $epilogue^)?
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    ::llvm::LogicalResult verifyRequantize();
    bool hasEpilogue() { return !getEpilogue().empty(); }
  }];
}

def QKernel_YieldOp : QKernel_Op<"yield", [Pure, Terminator,
    ParentOneOf<["MatmulIntegerOp", "DepthwiseConvIntegerOp"]>]> {
  let summary = "The element a kernel epilogue computes";
  let arguments = (ins AnyTypeOf<[I8, F32]>:$value);
  let assemblyFormat = "$value attr-dict `:` type($value)";
}

def QKernel_DepthwiseConvIntegerOp : QKernel_Op<"depthwise_conv_integer",
    [Pure, IsolatedFromAbove]> {
  let summary = "Channels-last int8 depthwise convolution -> int32 (+ int32 bias), or through an epilogue";
  let description = [{
    `acc[n, y, x, c] = bias[c] + sum input[n, y', x', c] * weight[ky, kx, c]`
    over the window (y' = y * stride + ky * dilation - pad_top, likewise x')
    in int32. Padding reads `input_zero_point`, as in qnn.conv_integer, whose
    bias holds the zero-point correction. This is qnn.conv_integer with
    group = channels, moved channels last so that the
    channels are the innermost, contiguous loop and the activations between
    the channels-last matmul kernels need no transposes. `pads` are [top,
    left, bottom, right]. An `epilogue` region, as qkernel.matmul_integer's,
    turns each accumulator into the result element (i8 or f32) where it is
    computed.

    ```mlir
    %acc = qkernel.depthwise_conv_integer %x, %w bias %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, input_zero_point = -3 : i64} : (tensor<1x8x8x16xi8>, tensor<3x3x16xi8>, tensor<16xi32>) -> tensor<1x8x8x16xi32>
    ```
  }];
  let arguments = (ins RankedTensorOf<[I8]>:$input, RankedTensorOf<[I8]>:$weight,
                       Optional<RankedTensorOf<[I32]>>:$bias,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$dilations,
                       DenseI64ArrayAttr:$pads, DefaultValuedAttr<I64Attr, "0">:$input_zero_point);
  let results = (outs RankedTensorOf<[I32, I8, F32]>:$output);
  let regions = (region AnyRegion:$epilogue);
  let assemblyFormat = [{
    $input `,` $weight (`bias` $bias^)? attr-dict `:` functional-type(operands, results)
    (`epilogue` $epilogue^)?
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    bool hasEpilogue() { return !getEpilogue().empty(); }
  }];
}

def QKernel_GatherRowsOp : QKernel_Op<"gather_rows", [Pure]> {
  let summary = "Rows of a packed low-bit table, dequantized (a quantized embedding lookup)";
  let description = [{
    `out[i..., c] = (code(table[row], c) - z[row, g]) * s[row, g]` with
    `row = indices[i...]` (negative rows count from the end, as ONNX Gather
    does; rows outside the table are clamped into it) and `g = c / group`
    (group 0: one parameter per row). The table holds `rows` rows of
    `columns` unsigned `bits`-wide codes (2, 4 or 8), packed little end first
    into bytes: code c of a row sits in byte c * bits / 8 at bit
    (c * bits) % 8. `scales` is [rows, groups] f32 or f16. The zero point is
    the `zero_point` attribute when it is one number, else the
    `zero_points` operand, a [rows, groups] i8 table read as unsigned. It
    is qnn.gather of a dequantized weight along axis 0 with the table kept
    at its bit width: a decoder's vocabulary table then takes 4.5 bits per
    weight instead of 32, and a step reads only the rows it looks up.

    ```mlir
    %y = qkernel.gather_rows %ids, %table, %scales {bits = 4 : i64, columns = 64 : i64, group = 32 : i64, zero_point = 7 : i64} : (tensor<1x3xi64>, tensor<100x32xi8>, tensor<100x2xf16>) -> tensor<1x3x64xf32>
    ```
  }];
  let arguments = (ins RankedTensorOf<[I32, I64]>:$indices, 2DTensorOf<[I8]>:$table,
                       QKernel_ScaleTable:$scales, Optional<RankedTensorOf<[I8]>>:$zero_points,
                       I64Attr:$bits, I64Attr:$columns, I64Attr:$group,
                       OptionalAttr<I64Attr>:$zero_point);
  let results = (outs QKernel_F32Tensor:$output);
  let assemblyFormat = [{
    $indices `,` $table `,` $scales (`zero_points` $zero_points^)? attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def QKernel_LutMatmulOp : QKernel_Op<"lut_matmul", [Pure, AttrSizedOperandSegments]> {
  let summary = "x [..., M, K] times packed W [K, N] by table lookups (T-MAC style)";
  let description = [{
    The same product and epilogue as qkernel.matmul with `activations =
    "int8"`, bit for bit, computed with table lookups instead of a dot
    instruction; for weights of at most 4 bits (ternary and binary
    included) in the `lut` layout. Each row of x is quantized per block of
    32 to int8; for every group of 4 activations a 16-entry table holds the
    sums of each subset of them (int16, kept as a low-byte and a high-byte
    table). A code bit-plane's nibble indexes that table for `lanes`
    channels at once (`vpshufb`, `tbl`); the planes' sums, shifted by their
    bit, make the block's integer dot product, which is corrected by the
    zero point and scaled into f32 as qkernel.matmul does.

    ```mlir
    %y = qkernel.lut_matmul %x, %packed, %scales {layout = #qkernel.layout<bits = 2, lanes = 64, k = 64, n = 64, group = 0, binary = false, signed_bytes = false, lut = true>, zero_point = 1 : i64, activation = "none"} : (tensor<1x64xf32>, tensor<1024xi8>, tensor<1x64xf32>) -> tensor<1x64xf32>
    ```
  }];
  let arguments = (ins QKernel_F32Tensor:$input, QKernel_Bytes:$packed,
                       QKernel_ScaleTable:$scales, Optional<RankedTensorOf<[I8]>>:$zero_points,
                       Optional<QKernel_F32Tensor>:$bias, QKernel_LayoutAttr:$layout,
                       OptionalAttr<I64Attr>:$zero_point,
                       DefaultValuedStrAttr<StrAttr, "none">:$activation);
  let results = (outs QKernel_F32Tensor:$output);
  let assemblyFormat = [{
    $input `,` $packed `,` $scales (`zero_points` $zero_points^)? (`bias` $bias^)? attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def QKernel_LookupOp : QKernel_Op<"lookup", [Pure, AllTypesMatch<["indices", "result"]>]> {
  let summary = "result[i] = table[indices[i]]: a 16-entry byte table lookup per lane";
  let description = [{
    One table-lookup instruction inside the LUT kernels' loops, turned into
    its intrinsic by convert-qkernel-to-llvm (like qkernel.dot). Indices
    are in [0, 16).
    * `vpshufb` (x86, the table repeated in every 16-byte lane):
      vector<32xi8> (AVX2) or vector<64xi8> (AVX-512BW).
    * `tbl` (AArch64 NEON `tbl v.16b, {t.16b}, i.16b`): vector<16xi8>.

    ```mlir
    %r = qkernel.lookup %table, %idx {instruction = "vpshufb"} : vector<16xi8>, vector<64xi8>
    ```
  }];
  let arguments = (ins VectorOfLengthAndType<[16], [I8]>:$table,
                       VectorOfRankAndType<[1], [I8]>:$indices, StrAttr:$instruction);
  let results = (outs VectorOfRankAndType<[1], [I8]>:$result);
  let assemblyFormat = [{
    $table `,` $indices attr-dict `:` type($table) `,` type($indices)
  }];
  let hasVerifier = 1;
}

def QKernel_DotOp : QKernel_Op<"dot", [Pure, AllTypesMatch<["acc", "result"]>]> {
  let summary = "acc + four u8 (weights) x s8 (activations) products per 32-bit lane";
  let description = [{
    One x86 integer dot instruction on vectors, inside the loops that
    convert-qkernel-to-loops emits. It exists because an
    `llvm.call_intrinsic` has unknown memory effects, which buffer
    deallocation refuses; convert-qkernel-to-llvm turns it into the
    intrinsic once buffers are final.
    * `vpdpbusd` (AVX-512 VNNI): vector<16xi32>, vector<64xi8>.
    * `vpmaddubsw` (AVX2, followed by vpmaddwd with ones and an add):
      vector<8xi32>, vector<32xi8>; exact while weights are below 128. Or
      into vector<16xi16> pair sums (element 2l + p: lane l's bytes 2p and
      2p + 1) by vpaddw alone, for as many dots as cannot overflow them.
    * `vpmaddwd` (AVX2, 8-bit weights): vector<16xi32>, vector<32xi8>.
      Each 16-byte half widened to i16 and multiplied by vpmaddwd; the
      accumulator keeps every lane's two pair sums (element 2l + p: lane
      l's bytes 2p and 2p + 1), added once after the K loop; exact. Its
      activations may come widened already: vector<16xi16>, one word's 4
      activations sign-extended and repeated.

    ```mlir
    %r = qkernel.dot %acc, %w, %a {instruction = "vpdpbusd"} : vector<64xi8>, vector<64xi8> -> vector<16xi32>
    ```
  }];
  let arguments = (ins VectorOfRankAndType<[1], [I16, I32]>:$acc,
                       VectorOfRankAndType<[1], [I8]>:$weights,
                       VectorOfRankAndType<[1], [I8, I16]>:$activations,
                       StrAttr:$instruction);
  let results = (outs VectorOfRankAndType<[1], [I16, I32]>:$result);
  let assemblyFormat = [{
    $acc `,` $weights `,` $activations attr-dict `:` type($weights) `,` type($activations) `->` type($result)
  }];
  let hasVerifier = 1;
}

def QKernel_PairSumsOp : QKernel_Op<"pair_sums", [Pure]> {
  let summary = "i16 pair sums made i32: lane l = sext(x[2l]) + sext(x[2l + 1])";
  let description = [{
    What the i16 pair sums of AVX2's `vpmaddubsw` dots become once a
    block's dots are done: `vpmaddwd` with ones, one instruction where
    shifts and an add take four. Like qkernel.dot, an op until buffers are
    final (convert-qkernel-to-llvm makes it the intrinsic).

    ```mlir
    %s = qkernel.pair_sums %p : vector<16xi16> -> vector<8xi32>
    ```
  }];
  let arguments = (ins VectorOfLengthAndType<[16], [I16]>:$pairs);
  let results = (outs VectorOfLengthAndType<[8], [I32]>:$result);
  let assemblyFormat = "$pairs attr-dict `:` type($pairs) `->` type($result)";
}

#endif // QUANTC_QKERNEL_OPS_TD
