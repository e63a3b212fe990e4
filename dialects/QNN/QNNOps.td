// qnn ops: ONNX operator semantics on ranked tensors, with inferred result types.
#ifndef QUANTC_QNN_OPS_TD
#define QUANTC_QNN_OPS_TD

include "dialects/QNN/QNNDialect.td"
include "dialects/QNN/QNNAttrs.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def QNN_Tensor : RankedTensorOf<[AnyType]>;
def QNN_FloatTensor : RankedTensorOf<[AnyFloat]>;
def QNN_IndexTensor : RankedTensorOf<[I32, I64]>;
def QNN_BoolTensor : RankedTensorOf<[I1]>;

// A signless i64 attribute read as a signed value: axes may be negative.
def QNN_I64Attr : TypedSignlessIntegerAttrBase<I64, "int64_t",
                                               "64-bit signless integer attribute"> {
  let convertFromStorage = "$_self.getValue().getSExtValue()";
}

// An op whose result type comes from its shape function in QNNShapes.cpp.
class QNN_InferredOp<string mnemonic, list<Trait> traits = []>
    : QNN_Op<mnemonic, !listconcat([Pure, InferTypeOpAdaptor], traits)>;

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

def QNN_ConstantOp : QNN_InferredOp<"constant", [ConstantLike]> {
  let summary = "A constant tensor (weights are dense_resource blobs)";
  let description = [{
    ```mlir
    %w = qnn.constant dense_resource<conv1.w> : tensor<8x3x3x3xf32>
    %s = qnn.constant dense<[1, 96]> : tensor<2xi64>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs QNN_Tensor:$output);
  let assemblyFormat = "attr-dict $value";
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Convolution, matmul and normalization
//===----------------------------------------------------------------------===//

def QNN_ConvOp : QNN_InferredOp<"conv"> {
  let summary = "N-d convolution (ONNX Conv), NCHW layout, explicit pads";
  let description = [{
    `pads` holds the begin pads of every spatial dim, then the end pads
    (ONNX order). The importer resolves `auto_pad` into explicit pads.
  }];
  let arguments = (ins QNN_FloatTensor:$input, QNN_FloatTensor:$weight,
                       Optional<QNN_FloatTensor>:$bias,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$dilations,
                       DenseI64ArrayAttr:$pads, DefaultValuedAttr<QNN_I64Attr, "1">:$group);
  let results = (outs QNN_FloatTensor:$output);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def QNN_ConvTransposeOp : QNN_InferredOp<"conv_transpose"> {
  let summary = "N-d transposed convolution (ONNX ConvTranspose), explicit pads";
  let description = [{
    Weight layout is (C, M/group, k...). The importer turns `output_shape`
    and `auto_pad` into explicit `pads` and `output_padding`.
  }];
  let arguments = (ins QNN_FloatTensor:$input, QNN_FloatTensor:$weight,
                       Optional<QNN_FloatTensor>:$bias,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$dilations,
                       DenseI64ArrayAttr:$pads, DenseI64ArrayAttr:$output_padding,
                       DefaultValuedAttr<QNN_I64Attr, "1">:$group);
  let results = (outs QNN_FloatTensor:$output);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def QNN_GemmOp : QNN_InferredOp<"gemm"> {
  let summary = "alpha * op(A) * op(B) + beta * C (ONNX Gemm)";
  let arguments = (ins QNN_FloatTensor:$a, QNN_FloatTensor:$b,
                       Optional<QNN_FloatTensor>:$c,
                       DefaultValuedAttr<F32Attr, "1.0f">:$alpha,
                       DefaultValuedAttr<F32Attr, "1.0f">:$beta,
                       DefaultValuedAttr<BoolAttr, "false">:$trans_a,
                       DefaultValuedAttr<BoolAttr, "false">:$trans_b);
  let results = (outs QNN_FloatTensor:$output);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def QNN_MatMulOp : QNN_InferredOp<"matmul"> {
  let summary = "numpy-style matrix product with batch broadcasting (ONNX MatMul)";
  let arguments = (ins QNN_FloatTensor:$a, QNN_FloatTensor:$b);
  let results = (outs QNN_FloatTensor:$output);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def QNN_BatchNormOp : QNN_InferredOp<"batch_norm"> {
  let summary = "Inference-mode batch normalization over dim 1 (ONNX BatchNormalization)";
  let arguments = (ins QNN_FloatTensor:$input, QNN_FloatTensor:$scale,
                       QNN_FloatTensor:$bias, QNN_FloatTensor:$mean,
                       QNN_FloatTensor:$variance,
                       DefaultValuedAttr<F32Attr, "1e-5f">:$epsilon);
  let results = (outs QNN_FloatTensor:$output);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def QNN_LayerNormOp : QNN_InferredOp<"layer_norm"> {
  let summary = "Normalization over dims [axis, rank) (ONNX LayerNormalization)";
  let arguments = (ins QNN_FloatTensor:$input, QNN_FloatTensor:$scale,
                       Optional<QNN_FloatTensor>:$bias,
                       DefaultValuedAttr<QNN_I64Attr, "-1">:$axis,
                       DefaultValuedAttr<F32Attr, "1e-5f">:$epsilon);
  let results = (outs QNN_FloatTensor:$output);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

class QNN_PoolOp<string mnemonic> : QNN_InferredOp<mnemonic> {
  let results = (outs QNN_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
}

def QNN_MaxPoolOp : QNN_PoolOp<"max_pool"> {
  let summary = "Max pooling (ONNX MaxPool), explicit pads; float or integer";
  let description = [{
    With `channels_last` (2-D only; qnn-sink-transposes' form, never
    imported), input and output are [N, H, W, C] instead of [N, C, H, W].
  }];
  let arguments = (ins QNN_Tensor:$input,
                       DenseI64ArrayAttr:$kernel_shape, DenseI64ArrayAttr:$strides,
                       DenseI64ArrayAttr:$dilations, DenseI64ArrayAttr:$pads,
                       DefaultValuedAttr<BoolAttr, "false">:$ceil_mode,
                       DefaultValuedAttr<BoolAttr, "false">:$channels_last);
  let results = (outs QNN_Tensor:$output);
}

def QNN_AveragePoolOp : QNN_PoolOp<"average_pool"> {
  let summary = "Average pooling (ONNX AveragePool), explicit pads";
  let arguments = (ins QNN_FloatTensor:$input,
                       DenseI64ArrayAttr:$kernel_shape, DenseI64ArrayAttr:$strides,
                       DenseI64ArrayAttr:$pads,
                       DefaultValuedAttr<BoolAttr, "false">:$ceil_mode,
                       DefaultValuedAttr<BoolAttr, "false">:$count_include_pad);
}

def QNN_GlobalAveragePoolOp : QNN_PoolOp<"global_average_pool"> {
  let summary = "Mean over all spatial dims, keeping them as size 1";
  let arguments = (ins QNN_FloatTensor:$input);
}

//===----------------------------------------------------------------------===//
// Elementwise unary
//===----------------------------------------------------------------------===//

class QNN_UnaryOp<string mnemonic, string onnxName, list<Trait> traits = []>
    : QNN_Op<mnemonic, !listconcat([Pure, SameOperandsAndResultType], traits)> {
  let summary = "Elementwise " # onnxName;
  let results = (outs QNN_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($output)";
}

def QNN_ReluOp : QNN_UnaryOp<"relu", "Relu"> {
  let arguments = (ins QNN_FloatTensor:$input);
}
def QNN_SigmoidOp : QNN_UnaryOp<"sigmoid", "Sigmoid"> {
  let arguments = (ins QNN_FloatTensor:$input);
}
def QNN_TanhOp : QNN_UnaryOp<"tanh", "Tanh"> {
  let arguments = (ins QNN_FloatTensor:$input);
}
def QNN_ErfOp : QNN_UnaryOp<"erf", "Erf"> {
  let arguments = (ins QNN_FloatTensor:$input);
}
def QNN_SqrtOp : QNN_UnaryOp<"sqrt", "Sqrt"> {
  let arguments = (ins QNN_FloatTensor:$input);
}
def QNN_HardSwishOp : QNN_UnaryOp<"hard_swish", "HardSwish: x * max(0, min(1, x/6 + 1/2))"> {
  let arguments = (ins QNN_FloatTensor:$input);
}
def QNN_GeluOp : QNN_UnaryOp<"gelu", "Gelu (approximate = \"none\" or \"tanh\")"> {
  let arguments = (ins QNN_FloatTensor:$input,
                       DefaultValuedAttr<StrAttr, "\"none\"">:$approximate);
  let hasVerifier = 1;
}
def QNN_LeakyReluOp : QNN_UnaryOp<"leaky_relu", "LeakyRelu"> {
  let arguments = (ins QNN_FloatTensor:$input,
                       DefaultValuedAttr<F32Attr, "0.01f">:$alpha);
}
def QNN_HardSigmoidOp : QNN_UnaryOp<"hard_sigmoid", "HardSigmoid: max(0, min(1, alpha*x + beta))"> {
  let arguments = (ins QNN_FloatTensor:$input,
                       DefaultValuedAttr<F32Attr, "0.2f">:$alpha,
                       DefaultValuedAttr<F32Attr, "0.5f">:$beta);
}
def QNN_ClipOp : QNN_UnaryOp<"clip", "Clip to [min, max] (absent bound: unbounded)"> {
  let arguments = (ins QNN_FloatTensor:$input,
                       OptionalAttr<F32Attr>:$min, OptionalAttr<F32Attr>:$max);
  let hasVerifier = 1;
}
def QNN_SoftmaxOp : QNN_UnaryOp<"softmax", "Softmax along one axis (ONNX opset 13 semantics)"> {
  let arguments = (ins QNN_FloatTensor:$input,
                       DefaultValuedAttr<QNN_I64Attr, "-1">:$axis);
  let hasVerifier = 1;
}

def QNN_ExpOp : QNN_UnaryOp<"exp", "Exp"> {
  let arguments = (ins QNN_FloatTensor:$input);
}
def QNN_LogOp : QNN_UnaryOp<"log", "Log"> {
  let arguments = (ins QNN_FloatTensor:$input);
}
def QNN_ReciprocalOp : QNN_UnaryOp<"reciprocal", "Reciprocal"> {
  let arguments = (ins QNN_FloatTensor:$input);
}
def QNN_FloorOp : QNN_UnaryOp<"floor", "Floor"> {
  let arguments = (ins QNN_FloatTensor:$input);
}
def QNN_CeilOp : QNN_UnaryOp<"ceil", "Ceil"> {
  let arguments = (ins QNN_FloatTensor:$input);
}
def QNN_RoundOp : QNN_UnaryOp<"round", "Round (half to even)"> {
  let arguments = (ins QNN_FloatTensor:$input);
}
def QNN_SoftplusOp : QNN_UnaryOp<"softplus", "Softplus: log(1 + exp(x))"> {
  let arguments = (ins QNN_FloatTensor:$input);
}
def QNN_SoftsignOp : QNN_UnaryOp<"softsign", "Softsign: x / (1 + |x|)"> {
  let arguments = (ins QNN_FloatTensor:$input);
}
def QNN_MishOp : QNN_UnaryOp<"mish", "Mish: x * tanh(softplus(x))"> {
  let arguments = (ins QNN_FloatTensor:$input);
}
def QNN_SinOp : QNN_UnaryOp<"sin", "Sin"> {
  let arguments = (ins QNN_FloatTensor:$input);
}
def QNN_CosOp : QNN_UnaryOp<"cos", "Cos"> {
  let arguments = (ins QNN_FloatTensor:$input);
}
def QNN_TanOp : QNN_UnaryOp<"tan", "Tan"> {
  let arguments = (ins QNN_FloatTensor:$input);
}
def QNN_AsinOp : QNN_UnaryOp<"asin", "Asin"> {
  let arguments = (ins QNN_FloatTensor:$input);
}
def QNN_AcosOp : QNN_UnaryOp<"acos", "Acos"> {
  let arguments = (ins QNN_FloatTensor:$input);
}
def QNN_AtanOp : QNN_UnaryOp<"atan", "Atan"> {
  let arguments = (ins QNN_FloatTensor:$input);
}
def QNN_SinhOp : QNN_UnaryOp<"sinh", "Sinh"> {
  let arguments = (ins QNN_FloatTensor:$input);
}
def QNN_CoshOp : QNN_UnaryOp<"cosh", "Cosh"> {
  let arguments = (ins QNN_FloatTensor:$input);
}
def QNN_AsinhOp : QNN_UnaryOp<"asinh", "Asinh"> {
  let arguments = (ins QNN_FloatTensor:$input);
}
def QNN_AcoshOp : QNN_UnaryOp<"acosh", "Acosh"> {
  let arguments = (ins QNN_FloatTensor:$input);
}
def QNN_AtanhOp : QNN_UnaryOp<"atanh", "Atanh"> {
  let arguments = (ins QNN_FloatTensor:$input);
}
def QNN_EluOp : QNN_UnaryOp<"elu", "Elu: x, or alpha * (exp(x) - 1) below 0"> {
  let arguments = (ins QNN_FloatTensor:$input, DefaultValuedAttr<F32Attr, "1.0f">:$alpha);
}
def QNN_CeluOp : QNN_UnaryOp<"celu", "Celu: max(0, x) + min(0, alpha * (exp(x / alpha) - 1))"> {
  let arguments = (ins QNN_FloatTensor:$input, DefaultValuedAttr<F32Attr, "1.0f">:$alpha);
}
def QNN_SeluOp : QNN_UnaryOp<"selu", "Selu: gamma * (x, or alpha * (exp(x) - 1) below 0)"> {
  let arguments = (ins QNN_FloatTensor:$input,
                       DefaultValuedAttr<F32Attr, "1.67326319217681884765625f">:$alpha,
                       DefaultValuedAttr<F32Attr, "1.05070102214813232421875f">:$gamma);
}
def QNN_ThresholdedReluOp : QNN_UnaryOp<"thresholded_relu", "ThresholdedRelu: x where x > alpha, else 0"> {
  let arguments = (ins QNN_FloatTensor:$input, DefaultValuedAttr<F32Attr, "1.0f">:$alpha);
}
def QNN_ShrinkOp : QNN_UnaryOp<"shrink", "Shrink: x - bias above lambd, x + bias below -lambd, else 0"> {
  let arguments = (ins QNN_Tensor:$input, DefaultValuedAttr<F32Attr, "0.0f">:$bias,
                       DefaultValuedAttr<F32Attr, "0.5f">:$lambd);
  let results = (outs QNN_Tensor:$output);
}
def QNN_NegOp : QNN_UnaryOp<"neg", "Neg (float or integer)"> {
  let arguments = (ins QNN_Tensor:$input);
  let results = (outs QNN_Tensor:$output);
  let hasFolder = 1;
}
def QNN_AbsOp : QNN_UnaryOp<"abs", "Abs (float or integer)"> {
  let arguments = (ins QNN_Tensor:$input);
  let results = (outs QNN_Tensor:$output);
  let hasFolder = 1;
}
def QNN_SignOp : QNN_UnaryOp<"sign", "Sign (float or integer)"> {
  let arguments = (ins QNN_Tensor:$input);
  let results = (outs QNN_Tensor:$output);
  let hasFolder = 1;
}
def QNN_NotOp : QNN_UnaryOp<"not", "logical Not"> {
  let arguments = (ins QNN_BoolTensor:$input);
  let results = (outs QNN_BoolTensor:$output);
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise binary (numpy broadcasting)
//===----------------------------------------------------------------------===//

class QNN_BinaryOp<string mnemonic, string onnxName>
    : QNN_InferredOp<mnemonic> {
  let summary = "Elementwise " # onnxName # " with numpy broadcasting";
  let arguments = (ins QNN_Tensor:$lhs, QNN_Tensor:$rhs);
  let results = (outs QNN_Tensor:$output);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def QNN_AddOp : QNN_BinaryOp<"add", "Add"> { let hasFolder = 1; }
def QNN_SubOp : QNN_BinaryOp<"sub", "Sub"> { let hasFolder = 1; }
def QNN_MulOp : QNN_BinaryOp<"mul", "Mul"> { let hasFolder = 1; }
def QNN_DivOp : QNN_BinaryOp<"div", "Div (integer division truncates)"> { let hasFolder = 1; }
def QNN_PowOp : QNN_BinaryOp<"pow", "Pow (exponent may have another element type)"> {
  let hasFolder = 1;
}
def QNN_PReluOp : QNN_BinaryOp<"prelu", "PRelu (slope broadcast to the input)">;
def QNN_MinOp : QNN_BinaryOp<"min", "Min (NaN propagates)"> { let hasFolder = 1; }
def QNN_MaxOp : QNN_BinaryOp<"max", "Max (NaN propagates)"> { let hasFolder = 1; }
def QNN_ModOp : QNN_BinaryOp<"mod", "Mod (fmod = 0: sign of the divisor; fmod = 1: C fmod)"> {
  let arguments = (ins QNN_Tensor:$lhs, QNN_Tensor:$rhs, DefaultValuedAttr<BoolAttr, "false">:$fmod);
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Shape manipulation
//===----------------------------------------------------------------------===//

class QNN_ShapeOp<string mnemonic> : QNN_InferredOp<mnemonic> {
  let results = (outs QNN_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasFolder = 1;
}

def QNN_ReshapeOp : QNN_ShapeOp<"reshape"> {
  let summary = "Reshape (ONNX semantics: 0 copies a dim unless allowzero, -1 is inferred)";
  let arguments = (ins QNN_Tensor:$input, DenseI64ArrayAttr:$shape,
                       DefaultValuedAttr<BoolAttr, "false">:$allowzero);
}
def QNN_TransposeOp : QNN_ShapeOp<"transpose"> {
  let summary = "Permute dims: output dim i is input dim perm[i]";
  let arguments = (ins QNN_Tensor:$input, DenseI64ArrayAttr:$perm);
}
def QNN_SliceOp : QNN_ShapeOp<"slice"> {
  let summary = "Strided slice (ONNX Slice: bounds are clamped, negatives count from the end)";
  let arguments = (ins QNN_Tensor:$input, DenseI64ArrayAttr:$starts,
                       DenseI64ArrayAttr:$ends, DenseI64ArrayAttr:$axes,
                       DenseI64ArrayAttr:$steps);
}
def QNN_SqueezeOp : QNN_ShapeOp<"squeeze"> {
  let summary = "Remove size-1 dims (all of them when axes is empty)";
  let arguments = (ins QNN_Tensor:$input, DenseI64ArrayAttr:$axes);
}
def QNN_UnsqueezeOp : QNN_ShapeOp<"unsqueeze"> {
  let summary = "Insert size-1 dims at the given output positions";
  let arguments = (ins QNN_Tensor:$input, DenseI64ArrayAttr:$axes);
}
def QNN_FlattenOp : QNN_ShapeOp<"flatten"> {
  let summary = "Collapse to 2-D: [prod(dims < axis), prod(dims >= axis)]";
  let arguments = (ins QNN_Tensor:$input, DefaultValuedAttr<QNN_I64Attr, "1">:$axis);
}
def QNN_CastOp : QNN_ShapeOp<"cast"> {
  let summary = "Convert the element type (ONNX Cast)";
  let arguments = (ins QNN_Tensor:$input, TypeAttr:$to);
}
def QNN_ShapeOfOp : QNN_ShapeOp<"shape"> {
  let summary = "The shape of a tensor as a 1-D i64 tensor (dims [start, end))";
  let arguments = (ins QNN_Tensor:$input,
                       DefaultValuedAttr<QNN_I64Attr, "0">:$start,
                       OptionalAttr<QNN_I64Attr>:$end);
}

def QNN_ConcatOp : QNN_InferredOp<"concat"> {
  let summary = "Concatenate along an axis";
  let arguments = (ins Variadic<QNN_Tensor>:$inputs, QNN_I64Attr:$axis);
  let results = (outs QNN_Tensor:$output);
  let assemblyFormat = "$inputs attr-dict `:` functional-type($inputs, results)";
  let hasFolder = 1;
}

def QNN_GatherOp : QNN_InferredOp<"gather"> {
  let summary = "Gather slices along an axis (ONNX Gather; negative indices count from the end)";
  let arguments = (ins QNN_Tensor:$input, QNN_IndexTensor:$indices,
                       DefaultValuedAttr<QNN_I64Attr, "0">:$axis);
  let results = (outs QNN_Tensor:$output);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
}

def QNN_PadOp : QNN_InferredOp<"pad"> {
  let summary = "Pad (ONNX Pad): pads are all begins then all ends";
  let arguments = (ins QNN_Tensor:$input, DenseI64ArrayAttr:$pads,
                       DefaultValuedAttr<StrAttr, "\"constant\"">:$mode,
                       DefaultValuedAttr<F32Attr, "0.0f">:$value);
  let results = (outs QNN_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
}

def QNN_ReduceMeanOp : QNN_InferredOp<"reduce_mean"> {
  let summary = "Mean over axes (all axes when empty)";
  let arguments = (ins QNN_FloatTensor:$input, DenseI64ArrayAttr:$axes,
                       DefaultValuedAttr<BoolAttr, "true">:$keepdims);
  let results = (outs QNN_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
}

def QNN_ResizeOp : QNN_InferredOp<"resize"> {
  let summary = "Resize by per-dim scales (ONNX Resize, nearest and linear modes)";
  let description = [{
    The output size of dim i is `sizes[i]` when `sizes` is given, otherwise
    floor(input[i] * scales[i]). `scales` is what coordinate transformation
    uses, as in ONNX.
  }];
  let arguments = (ins QNN_FloatTensor:$input, DenseF32ArrayAttr:$scales,
                       OptionalAttr<DenseI64ArrayAttr>:$sizes,
                       DefaultValuedAttr<StrAttr, "\"nearest\"">:$mode,
                       DefaultValuedAttr<StrAttr, "\"half_pixel\"">:$coordinate_transformation_mode,
                       DefaultValuedAttr<StrAttr, "\"round_prefer_floor\"">:$nearest_mode);
  let results = (outs QNN_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
}

def QNN_GridSampleOp : QNN_InferredOp<"grid_sample"> {
  let summary = "Samples an image at a grid's coordinates (ONNX GridSample, 2-D)";
  let description = [{
    `output[n, c, h, w]` is `input[n, c]` (H x W) sampled at x =
    `grid[n, h, w, 0]`, y = `grid[n, h, w, 1]`, normalized to [-1, 1]
    (the corner pixels' centers with `align_corners`, else their outer
    edges). `mode`: linear (bilinear), nearest (ties to even) or cubic
    (Keys, a = -0.75); `padding_mode`: what a coordinate or a tap outside
    the image reads: zeros, border (clamped) or reflection (mirrored by the
    border). As the ONNX reference computes it.
  }];
  let arguments = (ins QNN_FloatTensor:$input, QNN_FloatTensor:$grid,
                       DefaultValuedAttr<StrAttr, "\"linear\"">:$mode,
                       DefaultValuedAttr<StrAttr, "\"zeros\"">:$padding_mode,
                       DefaultValuedAttr<I64Attr, "0">:$align_corners);
  let results = (outs QNN_FloatTensor:$output);
  let assemblyFormat = "$input `,` $grid attr-dict `:` type($input) `,` type($grid) `->` type($output)";
}

//===----------------------------------------------------------------------===//
// Quantization
//===----------------------------------------------------------------------===//

def QNN_QuantizeOp : QNN_Op<"quantize", [Pure]> {
  let summary = "float tensor -> tensor of !quant.uniform (round to nearest even, saturate)";
  let arguments = (ins QNN_FloatTensor:$input);
  let results = (outs QNN_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def QNN_DequantizeOp : QNN_Op<"dequantize", [Pure]> {
  let summary = "tensor of !quant.uniform -> float tensor: (q - zero_point) * scale";
  let arguments = (ins QNN_Tensor:$input);
  let results = (outs QNN_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def QNN_ConvIntegerOp : QNN_Op<"conv_integer", [Pure]> {
  let summary = "Integer convolution: int8 input and weight, int32 accumulation and bias";
  let description = [{
    `acc[n, f, y, x] = bias[f] + sum input[n, c, y', x'] * weight[f, c, ky, kx]`
    over the window, in int32. Padding reads `input_zero_point` (the integer
    that represents 0.0), so the zero-point correction folded into the bias
    stays exact at the borders. Written by `qnn-fold-scales`.
  }];
  let arguments = (ins RankedTensorOf<[I8]>:$input, RankedTensorOf<[I8]>:$weight,
                       Optional<RankedTensorOf<[I32]>>:$bias,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$dilations,
                       DenseI64ArrayAttr:$pads, DefaultValuedAttr<QNN_I64Attr, "1">:$group,
                       DefaultValuedAttr<QNN_I64Attr, "0">:$input_zero_point);
  let results = (outs RankedTensorOf<[I32]>:$output);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def QNN_MatMulIntegerOp : QNN_Op<"matmul_integer", [Pure]> {
  let summary = "Integer matrix product: int8 [..., M, K] x int8 [K, N] (+ int32 bias [N]) -> int32";
  let description = [{
    `acc[..., m, n] = bias[n] + sum_k a[..., m, k] * b[k, n]` in int32, the
    activation zero point already folded into the bias. Written by
    `qnn-fold-scales` for MatMul and Gemm with constant weights.
  }];
  let arguments = (ins RankedTensorOf<[I8]>:$a, RankedTensorOf<[I8]>:$b,
                       Optional<RankedTensorOf<[I32]>>:$bias);
  let results = (outs RankedTensorOf<[I32]>:$output);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def QNN_RequantizeOp : QNN_Op<"requantize", [Pure]> {
  let summary = "int32 accumulator -> quantized tensor by a fixed-point multiplier and rounding shift";
  let description = [{
    For each element (channel c along `axis`, or c = 0 when `axis` = -1):
    `v = (int64(acc) * multipliers[c] + 2^(shifts[c] - 1)) >> shifts[c]`
    (arithmetic shift: round half up), then `clamp(v + zero_point)` into the
    result type's storage range; `multipliers[c] * 2^-shifts[c]` is the real
    rescale (TOSA `rescale` with single rounding). Multipliers are in
    [2^30, 2^31), shifts in [1, 62]. `clamp_min` / `clamp_max` narrow the
    saturation range: a fused Relu or Clip (in the quantized domain).
  }];
  let arguments = (ins RankedTensorOf<[I32]>:$input, DenseI32ArrayAttr:$multipliers,
                       DenseI64ArrayAttr:$shifts, DefaultValuedAttr<QNN_I64Attr, "-1">:$axis,
                       OptionalAttr<QNN_I64Attr>:$clamp_min, OptionalAttr<QNN_I64Attr>:$clamp_max);
  let results = (outs QNN_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def QNN_LookupTableOp : QNN_Op<"lookup_table", [Pure]> {
  let summary = "int8 -> int8 through a 256-entry table: output = table[input + 128]";
  let description = [{
    An activation between two int8 layers, tabulated: `qnn-fold-scales`
    requantizes the accumulator into the activation's int8 pre-activation
    domain, and this op maps every pre-activation integer to the activation's
    output integer (quantc/Analysis/ActivationTable.h computes the table).
    `activation` names the function the table holds, for reading only.
  }];
  let arguments = (ins QNN_Tensor:$input, DenseI8ArrayAttr:$table, StrAttr:$activation);
  let results = (outs QNN_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

include "dialects/QNN/QNNLogicOps.td"
include "dialects/QNN/QNNReductionOps.td"

#endif // QUANTC_QNN_OPS_TD
