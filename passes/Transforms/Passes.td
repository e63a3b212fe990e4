// Declarations of the qnn-* transform passes.
#ifndef QUANTC_PASSES_TRANSFORMS_PASSES_TD
#define QUANTC_PASSES_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def QNNFoldConstantsPass : Pass<"qnn-fold-constants", "::mlir::ModuleOp"> {
  let summary = "Fold shape-computation subgraphs and erase dead ops";
  let description = [{
    Runs every qnn folder to a fixed point and erases ops whose results are
    unused (all qnn ops are side-effect free). Once input shapes are static,
    Shape/Gather/Slice/Concat/Cast/Unsqueeze chains that compute reshape
    targets fold to constants, and reshapes of constants share the weight
    blob instead of copying it. Chains of reshape-like ops collapse into one
    reshape, and chains of transposes compose into one transpose.

    Before:
    ```mlir
    %s = qnn.shape %x : tensor<1x8x4xf32> -> tensor<3xi64>
    %i = qnn.constant dense<0> : tensor<1xi64>
    %n = qnn.gather %s, %i : (tensor<3xi64>, tensor<1xi64>) -> tensor<1xi64>
    ```
    After:
    ```mlir
    %n = qnn.constant dense<1> : tensor<1xi64>
    ```
  }];
  let dependentDialects = ["::quantc::qnn::QNNDialect"];
}

def QNNFoldBatchNormPass : Pass<"qnn-fold-batchnorm", "::mlir::ModuleOp"> {
  let summary = "Fold inference BatchNormalization into the preceding Conv, ConvTranspose, Gemm or MatMul, or the following Conv";
  let description = [{
    y = (conv(x, W) + b - mean) * a + beta with a = scale / sqrt(var + eps)
    is conv(x, W') + b' with W' = W * a (per output channel) and
    b' = (b - mean) * a + beta. Applies when the producer's only user is the
    batch_norm and every weight and statistic is a constant f32 tensor; the
    new weights are fresh dense_resource blobs. For Gemm the channel is the
    output column (W scaled per column of op(B), C must be absent or a
    vector). After a 2-D MatMul (channel = column) the weight is scaled and
    the shift becomes an Add. A BatchNorm with no foldable producer folds
    into a consuming Conv when that is exact: one group and no padding
    (W' = W * a per input channel, b' = b + sum(W * c)).

    Before:
    ```mlir
    %c = qnn.conv %x, %w, %b {...}
    %y = qnn.batch_norm %c, %scale, %beta, %mean, %var {epsilon = 1.0e-05 : f32}
    ```
    After:
    ```mlir
    %y = qnn.conv %x, %w_folded, %b_folded {...}
    ```
  }];
  let dependentDialects = ["::quantc::qnn::QNNDialect"];
}

def QNNFusePatternsPass : Pass<"qnn-fuse-patterns", "::mlir::ModuleOp"> {
  let summary = "Recognize HardSwish, GELU and LayerNorm subgraphs; fold scalar affine steps into Conv";
  let description = [{
    Exporters decompose activations and normalizations into elementwise
    chains (paddle2onnx: `x * clip(x + 3, 0, 6) / 6`; PyTorch:
    `0.5 * x * (1 + erf(x / sqrt(2)))` and ReduceMean/Sub/Pow/Sqrt/Div
    LayerNorm). Each becomes one op, which lowers to one loop and is one
    tensor to calibrate. A Conv whose only user multiplies or adds a scalar
    constant absorbs it into its weights and bias (exact up to rounding).

    Before:
    ```mlir
    %a = qnn.add %x, %three : (tensor<1x8xf32>, tensor<f32>) -> tensor<1x8xf32>
    %c = qnn.clip %a {max = 6.0 : f32, min = 0.0 : f32} : tensor<1x8xf32>
    %m = qnn.mul %x, %c : (tensor<1x8xf32>, tensor<1x8xf32>) -> tensor<1x8xf32>
    %y = qnn.div %m, %six : (tensor<1x8xf32>, tensor<f32>) -> tensor<1x8xf32>
    ```
    After:
    ```mlir
    %y = qnn.hard_swish %x : tensor<1x8xf32>
    ```
  }];
  let dependentDialects = ["::quantc::qnn::QNNDialect"];
}

def QNNSinkTransposesPass : Pass<"qnn-sink-transposes", "::mlir::ModuleOp"> {
  let summary = "Move transposes through elementwise chains; cancel inverse pairs";
  let description = [{
    The packed kernels compute convolutions channels last, so
    convert-qnn-to-qkernel wraps each one in NCHW <-> NHWC transposes. The
    elementwise chain between two layers (dequantize, activation, scalar
    affine, quantize) does not care about layout. A transpose followed by
    such a single-use chain and then by the inverse transpose disappears:
    the chain runs in the first layout. Otherwise the transpose moves to
    the point of the chain with the narrowest elements (int8 after a
    quantize rather than int32 before the dequantize). Per-axis quantized
    types and requantize axes follow the permutation; a binary op's other
    operand is transposed when it is small, or must be a one-element
    scalar.

    Before:
    ```mlir
    %t = qnn.transpose %x {perm = array<i64: 0, 3, 1, 2>} : tensor<1x4x5x8xf32> -> tensor<1x8x4x5xf32>
    %h = qnn.hard_swish %t : tensor<1x8x4x5xf32>
    %y = qnn.transpose %h {perm = array<i64: 0, 2, 3, 1>} : tensor<1x8x4x5xf32> -> tensor<1x4x5x8xf32>
    ```
    After:
    ```mlir
    %y = qnn.hard_swish %x : tensor<1x4x5x8xf32>
    ```
  }];
  let dependentDialects = ["::quantc::qnn::QNNDialect", "::mlir::quant::QuantDialect"];
}

def QNNQuantizePass : Pass<"qnn-quantize", "::mlir::ModuleOp"> {
  let summary = "Quantize layer weights and, from calibrated ranges, layer input activations";
  let description = [{
    Every Conv, ConvTranspose, Gemm and MatMul with a constant f32 weight gets
    integer weights (i8 storage, the scheme's range) behind a
    `qnn.dequantize`; the float graph around it is unchanged, so weight-only
    models run as they are. The scheme of a layer comes from its
    `qnn.weight_format` attribute (set by bit allocation), else from the
    first `regex=N` entry of `bits` matching the layer's node name, else from
    the plain `N` entry (`none` keeps a layer float). Rounding is
    round-to-nearest with an MSE-optimal clip search, or GPTQ (`method=gptq`)
    using the `qnn.hessian` X^T X that `qnn-calibrate{hessians=true}` stored,
    or AdaRound (`method=adaround`) with the same matrix.

    Bias correction (`bias-correction`, off by default): where calibration
    recorded the layer's input channel means `qnn.input_mean`, the expected
    output shift of the weight error, (W_q - W) E[x], is subtracted from the
    bias of a Conv (one is added if it has none) or a Gemm with a per-column
    bias. The error then has mean zero, which only lowers its expected square.

    With `embedding-bits` = N, embedding tables (a qnn.gather along axis 0
    of a constant f32 [rows, columns] table of at least 65536 elements) are
    quantized too, per row or in groups of `group-size` columns, and read
    dequantized; convert-qnn-to-qkernel keeps them packed at N bits. A
    decoder's vocabulary table is then 4.5 bits per weight, not 32.

    With `act-bits` = 8 (or 16), each layer's activation inputs get a
    quantize/dequantize pair from the `qnn.ranges` / `qnn.range` that
    `qnn-calibrate` wrote (asymmetric unless `act-symmetric`).

    Before:
    ```mlir
    %w = qnn.constant dense_resource<w> : tensor<8x4xf32>
    %y = qnn.matmul %x, %w : (tensor<1x8xf32>, tensor<8x4xf32>) -> tensor<1x4xf32>
    ```
    After (`bits=8`):
    ```mlir
    %q = qnn.constant dense_resource<qweight> : tensor<8x4xi8>
    %s = quant.scast %q : tensor<8x4xi8> to tensor<8x4x!quant.uniform<i8<-127:127>:f32:1, {...}>>
    %w = qnn.dequantize %s : tensor<8x4x!quant.uniform<...>> -> tensor<8x4xf32>
    %y = qnn.matmul %x, %w {qnn.weight_format = #qnn.weight_format<...>} : ...
    ```
  }];
  let options = [
    Option<"bits", "bits", "std::string", /*default=*/"\"8\"",
           "Weight bits: N | ternary | binary | none, or regex=N entries, comma separated">,
    Option<"groupSize", "group-size", "int64_t", /*default=*/"0",
           "0: per output channel, -1: per tensor, 32/64/128: per group of input channels">,
    Option<"symmetric", "symmetric", "bool", /*default=*/"true", "Symmetric weights (zero point 0)">,
    Option<"clipSearch", "clip-search", "bool", /*default=*/"true",
           "Choose each scale by an MSE-optimal clip search">,
    Option<"method", "method", "std::string", /*default=*/"\"rtn\"",
           "rtn (round to nearest), gptq (error compensation) or adaround (layer-wise rounding search); the last two need qnn.hessian">,
    Option<"actBits", "act-bits", "unsigned", /*default=*/"0",
           "Activation bits: 0 (weight-only), 8 or 16">,
    Option<"actSymmetric", "act-symmetric", "bool", /*default=*/"false",
           "Symmetric activations (int8, zero point 0) instead of asymmetric">,
    Option<"biasCorrection", "bias-correction", "bool", /*default=*/"false",
           "Subtract (W_q - W) E[x] from the bias where qnn.input_mean is known">,
    Option<"embeddingBits", "embedding-bits", "unsigned", /*default=*/"0",
           "Bits (2-8) of embedding tables, round to nearest with group-size and symmetric as for layers; 0 keeps them float">,
  ];
  let dependentDialects = ["::quantc::qnn::QNNDialect", "::mlir::quant::QuantDialect"];
}

def QNNSplitDecisiveChannelsPass : Pass<"qnn-split-decisive-channels", "::mlir::ModuleOp"> {
  let summary = "Split a final classifier's winning output channels into an 8-bit layer of their own";
  let description = [{
    A classifier's output is read through its argmax: only the few classes
    that win somewhere (a CTC model's blank above all) need precise logits,
    yet per-channel rounding gives all of them the same bits. This pass runs
    the float model on the calibration samples and, for each final
    `qnn.matmul` with a constant [K, N] weight (no weighted layer reads its
    output) and at least `min-channels` outputs, collects the channels that
    are the largest logit (after the constant bias the MatMul's only user
    adds) at some position. If they are at most `max-fraction` of N, the
    layer becomes two: `<name>.decisive` over those columns, marked
    `qnn.decisive` (qnn-allocate-bits gives it its widest candidate), and
    `<name>.rest` over the others (marked `qnn.decisive_rest`: the final
    layers' output-min-bits floor skips it), each with its part of the bias, then a
    `qnn.concat` and a `qnn.gather` that restores the channel order. PP-OCRv4
    rec's 6625-class classifier keeps 77 channels at 8 bits (9,240 of its
    795,000 weights).
  }];
  let options = [
    ListOption<"inputs", "inputs", "std::string", "Calibration .npy files or directories">,
    Option<"dataFreeSamples", "data-free-samples", "unsigned", /*default=*/"16",
           "Samples synthesized when no inputs are given">,
    Option<"minChannels", "min-channels", "int64_t", /*default=*/"256",
           "Layers with fewer output channels stay whole">,
    Option<"maxFraction", "max-fraction", "double", /*default=*/"0.25",
           "Layers whose winning channels are more than this share of N stay whole">,
  ];
  let dependentDialects = ["::quantc::qnn::QNNDialect"];
}

def QNNRefitWeightsPass : Pass<"qnn-refit-weights", "::mlir::ModuleOp"> {
  let summary = "Refit each layer's float weight to the inputs the quantized model will feed it";
  let description = [{
    Layer-wise rounding (GPTQ, AdaRound) minimizes each layer's error for its
    float inputs, but in the quantized model a layer reads its predecessors'
    quantized outputs. This pass builds a trial model: the module with
    qnn-quantize's activation quantize/dequantize pairs (`act-bits`) and the
    layer weights as inputs. Layer by layer in program order, it runs the
    trial on the samples with the earlier layers' final weights, gathers
    G = E[x~ x~^T] and D = E[x~ (x~ - x)^T] (x: the float model's input,
    x~: the trial's), replaces the weight rows w by the ridge least-squares
    fit w - (G + lambda I)^-1 D w (lambda = `damping` x mean diag G) and
    `qnn.hessian` by G, and rounds the result as the `qnn-quantize` that
    follows will (`bits`, `method`, ...), for the layers after it. That
    `qnn-quantize` then minimizes E|w.x - w_q.x~|^2: the float output from
    the quantized inputs (Hubara et al. 2021's layer-wise calibration;
    sequential GPTQ). Once the layer's weight is rounded, its bias (a Conv's
    bias, created if absent, a Gemm's C, or the constant a MatMul's only
    user adds) takes b + W E[x] - W_q E[x~], so that the mean output matches
    the float one, and the trial runs the layers after it with that bias
    (biases are trial inputs too). Layers without X^T X (grouped convolutions) run in the
    trial round to nearest and are not refit. Run it after
    qnn-calibrate{hessians=true} and bit allocation.
  }];
  let options = [
    ListOption<"inputs", "inputs", "std::string", "Calibration .npy files or directories">,
    Option<"dataFreeSamples", "data-free-samples", "unsigned", /*default=*/"16",
           "Samples synthesized when no inputs are given">,
    Option<"damping", "damping", "double", /*default=*/"0.1",
           "Ridge weight lambda as a fraction of G's mean diagonal">,
    Option<"bits", "bits", "std::string", /*default=*/"\"8\"", "qnn-quantize's bits">,
    Option<"groupSize", "group-size", "int64_t", /*default=*/"0", "qnn-quantize's group-size">,
    Option<"symmetric", "symmetric", "bool", /*default=*/"true", "qnn-quantize's symmetric">,
    Option<"clipSearch", "clip-search", "bool", /*default=*/"true", "qnn-quantize's clip-search">,
    Option<"method", "method", "std::string", /*default=*/"\"gptq\"",
           "qnn-quantize's method (gptq or adaround)">,
    Option<"actBits", "act-bits", "unsigned", /*default=*/"0", "qnn-quantize's act-bits">,
    Option<"actSymmetric", "act-symmetric", "bool", /*default=*/"false",
           "qnn-quantize's act-symmetric">,
  ];
  let dependentDialects = ["::quantc::qnn::QNNDialect", "::mlir::quant::QuantDialect"];
}

def QNNFoldScalesPass : Pass<"qnn-fold-scales", "::mlir::ModuleOp"> {
  let summary = "Turn dequantize -> conv -> quantize chains into integer convolution and requantization";
  let description = [{
    A 2-D Conv whose input is `dequantize(quantize(x))` (per-tensor int8) and
    whose weight is a dequantized int8 constant with zero point 0 (per tensor
    or per output channel) becomes `qnn.conv_integer` on the int8 values with
    an int32 bias: `round(b / (s_x * s_w)) - z_x * sum(w_q)` (the activation
    zero point folded in; padding reads `z_x`). The int32 accumulator is
    dequantized with scale `s_x * s_w` per channel, or, when a `qnn.quantize`
    consumes it, requantized directly with a fixed-point multiplier and shift
    (`qnn.requantize`). A Relu or Clip in between becomes the requantize's
    clamp (exact). HardSwish, HardSigmoid, Sigmoid or Tanh in between become a
    requantize into the activation's int8 pre-activation domain followed by a
    256-entry `qnn.lookup_table`. A positive constant Mul/Div (scalar or per
    channel) after the integer layer folds into its scales. MatMul and Gemm
    with constant int8 weights become `qnn.matmul_integer` the same way.
    `quantize(dequantize(q))` with q's own type is q.

    Before:
    ```mlir
    %xd = qnn.dequantize %xq : tensor<1x2x4x4x!quant.uniform<i8:f32, 0.1:-3>> -> tensor<1x2x4x4xf32>
    %wd = qnn.dequantize %ws : tensor<4x2x1x1x!quant.uniform<i8<-127:127>:f32:0, {...}>> -> tensor<4x2x1x1xf32>
    %y = qnn.conv %xd, %wd, %b {...}
    ```
    After:
    ```mlir
    %acc = qnn.conv_integer %x8, %w8, %b32 {input_zero_point = -3 : i64, ...}
    %y = qnn.dequantize %acc_q : tensor<1x4x4x4x!quant.uniform<i32:f32:1, {...}>> -> tensor<1x4x4x4xf32>
    ```
  }];
  let dependentDialects = ["::quantc::qnn::QNNDialect", "::mlir::quant::QuantDialect"];
}

def QNNSmoothQuantPass : Pass<"qnn-smooth-quant", "::mlir::ModuleOp"> {
  let summary = "Migrate activation outliers into the weights of LayerNorm-fed matrix products";
  let description = [{
    SmoothQuant (Xiao et al. 2023). For every `qnn.layer_norm` over the last
    axis whose users are all MatMul/Gemm layers reading it as their
    activation, with constant 2-D weights: input channel k is divided by
    s_k = max|x_k|^alpha / max|W_k|^(1 - alpha) (folded into the LayerNorm's
    scale and bias) and weight row k is multiplied by it, so the product is
    unchanged while a per-tensor activation range no longer has to span a
    few outlier channels. max|x_k| is the `qnn.input_absmax` that
    `qnn-calibrate` records on each layer; layers without it are left
    alone. The smoothed layers' statistics are dropped: calibrate again.
  }];
  let options = [
    Option<"alpha", "alpha", "double", /*default=*/"0.5",
           "Migration strength in [0, 1]: 0 leaves activations, 1 moves all into weights">,
  ];
  let dependentDialects = ["::quantc::qnn::QNNDialect"];
}

def QNNCalibratePass : Pass<"qnn-calibrate", "::mlir::ModuleOp"> {
  let summary = "Run the float model on calibration inputs and record activation ranges";
  let description = [{
    Compiles the float graph with the JIT, runs it on every calibration input
    and records, for each tensor that feeds a Conv/ConvTranspose/Gemm/MatMul,
    min/max and a histogram. The range chosen by `method` (minmax,
    percentile, mse, entropy, or layer: the MSE range of a histogram whose
    elements count with the squared norm of the weights their channel
    multiplies in the consuming layers, i.e. the range that least disturbs
    those layers' outputs) is stored as `qnn.ranges` on the producing op
    (`qnn.range` on a function argument). With `hessians`, each such layer
    also gets `qnn.hessian`: X^T X of its im2col'd inputs (for GPTQ and
    sensitivity). With `channel-ranges`, a depthwise convolution whose input
    channels span very different ranges (MobileNet-style blocks after
    BatchNorm) gets `qnn.input_channel_bounds`: one symmetric MSE bound per
    input channel, kept only where the channels' expected squared error at
    `act-bits` is below the tensor range's; qnn-quantize then quantizes that
    input per channel, which a depthwise layer folds exactly into its
    per-channel requantization. Inputs: `inputs` lists .npy files or directories of them
    (one sample per file, shaped like the model's input). With no inputs,
    samples are synthesized (`data-free`): see the README.

    ```mlir
    %y = qnn.relu %x {qnn.ranges = [#qnn.range<0.0, 6.25>]} : tensor<1x8xf32>
    ```
  }];
  let options = [
    ListOption<"inputs", "inputs", "std::string", "Calibration .npy files or directories">,
    Option<"method", "method", "std::string", /*default=*/"\"minmax\"",
           "Range method: minmax, percentile, mse, entropy, layer">,
    Option<"percentile", "percentile", "double", /*default=*/"99.99",
           "Percentile kept by method=percentile">,
    Option<"actBits", "act-bits", "unsigned", /*default=*/"8",
           "Bits the mse/entropy objectives assume">,
    Option<"hessians", "hessians", "bool", /*default=*/"false",
           "Also record X^T X per layer (GPTQ, sensitivity)">,
    Option<"actSensitivity", "act-sensitivity", "bool", /*default=*/"false",
           "Also record each layer's relative output error with its input at 8 and 16 bits "
           "(qnn.act_sensitivity) and the 16-bit range (qnn.act_range16); needs hessians">,
    Option<"dataFreeSamples", "data-free-samples", "unsigned", /*default=*/"16",
           "Samples synthesized when no inputs are given">,
    Option<"hessianBudgetMB", "hessian-budget-mb", "unsigned", /*default=*/"2048",
           "X^T X accumulate in double; when all of them need more than this many MiB they are "
           "accumulated a group of layers at a time, one pass over the samples per group">,
    Option<"captureBudgetMB", "capture-budget-mb", "unsigned", /*default=*/"1024",
           "Over hessian-budget-mb: matrix inputs whose rows over all samples take less room than "
           "their X^T X are kept during the first pass (up to this many MiB) and their X^T X "
           "formed from them, instead of a pass over the samples per group">,
    Option<"channelRanges", "channel-ranges", "bool", /*default=*/"true",
           "Depthwise convolution inputs: also estimate symmetric per-channel ranges and store "
           "them (qnn.input_channel_bounds) where they quantize with less error than the tensor's "
           "range (histogram methods only)">,
  ];
  let dependentDialects = ["::quantc::qnn::QNNDialect"];
}

def QNNSensitivityPass : Pass<"qnn-sensitivity", "::mlir::ModuleOp"> {
  let summary = "Score each layer's sensitivity to every candidate weight bit-width";
  let description = [{
    For every layer with a constant float weight and every bit-width in
    `bits`, quantizes the weight as `qnn-quantize` would (round to nearest
    with MSE clip search or GPTQ, symmetric, `group-size`) and writes the score
    Omega(l, b) as `qnn.sensitivity`, the cost `qnn-allocate-bits` minimizes.
    Metrics:
    - `hessian`: sum_r d_r^T H d_r / sum_r w_r^T H w_r, the weight error d weighted by the
      layer's input second moments H = X^T X from `qnn-calibrate{hessians=true}`
      (full `qnn.hessian`; grouped and transposed convolutions use the
      diagonal from `qnn.input_power`): the relative squared error the
      quantized weight adds to the layer's outputs (OBQ/GPTQ).
    - `output-kl` / `output-mse`: the model-output divergence when only this
      layer is quantized (for each output that is a probability distribution
      over its last axis, KL(p || q) plus, where its mean over the samples
      is positive, log p(y) - log q(y) at the float model's top class y,
      which decides the argmax; else MSE relative to
      the output's mean square; `output-mse` always the latter), averaged
      over the calibration samples (`inputs`, or data-free samples). The
      float model is compiled once with the weights as inputs and each
      (layer, bit-width) is a run.
    - `hessian-kl`: the `hessian` scores of each layer scaled so that its
      score at the width nearest 4 bits equals its `output-kl` there: the
      Hessian's shape across widths, one model-output measurement per layer.
    - `weight-sqnr`: ||d||^2 / ||w||^2, data-free.

    With `monotone` (default) each layer's scores are made non-increasing in
    the bits (running minimum): a b-bit grid with the coarser grid's step
    holds the fewer-bit weights, so a measured increase is the luck of one
    rounding pattern, and the allocation should not pay for it.

    ```mlir
    %y = qnn.conv %x, %w {qnn.sensitivity = #qnn.sensitivity<bits = [2, 4, 8], omega = [0.31, 0.017, 6.1e-05]>, ...}
    ```
  }];
  let options = [
    Option<"metric", "metric", "std::string", /*default=*/"\"hessian\"",
           "hessian, output-kl, output-mse or weight-sqnr">,
    Option<"bits", "bits", "std::string", /*default=*/"\"2,3,4,5,6,8\"",
           "Candidate bit-widths (2 to 8), comma-separated">,
    Option<"groupSize", "group-size", "int64_t", /*default=*/"0",
           "Weight groups as qnn-quantize will use: 0 per channel, -1 per tensor, or 32/64/128">,
    Option<"symmetric", "symmetric", "bool", /*default=*/"true",
           "Score symmetric (zero point 0) or asymmetric weights">,
    Option<"method", "method", "std::string", /*default=*/"\"rtn\"",
           "Quantizer as qnn-quantize will use: rtn, gptq or adaround (layers with a qnn.hessian)">,
    ListOption<"inputs", "inputs", "std::string",
               "Calibration .npy files or directories (output metrics)">,
    Option<"dataFreeSamples", "data-free-samples", "unsigned", /*default=*/"16",
           "Samples synthesized for output metrics when no inputs are given">,
    Option<"monotone", "monotone", "bool", /*default=*/"true",
           "Store the running minimum over increasing bits (raw scores with false)">,
  ];
  let dependentDialects = ["::quantc::qnn::QNNDialect"];
}

def QNNApplyAllocationPass : Pass<"qnn-apply-allocation", "::mlir::ModuleOp"> {
  let summary = "Give each layer the weight and input widths of a saved bit allocation";
  let description = [{
    Reads an allocation file (`quantc compile --save-allocation`: JSON with
    `"quantc_allocation": 1` and one entry per weighted layer, by node name:
    `weight_bits` (2-8, or 32 for float weights), `group_size`, `symmetric`
    and `act_bits` (8 or 16; 0 for float inputs)) and sets each layer's
    `qnn.weight_format` and `qnn.act_bits` as qnn-allocate-bits would have,
    so that qnn-quantize follows it without sensitivity analysis or the
    integer program. Every weighted layer needs an entry and every entry a
    layer: a file saved for another model is an error naming the layer.
  }];
  let options = [
    Option<"file", "file", "std::string", /*default=*/"\"\"", "The allocation file (JSON)">,
  ];
}

def QNNAllocateBitsPass : Pass<"qnn-allocate-bits", "::mlir::ModuleOp"> {
  let summary = "Choose each layer's weight bit-width by integer programming under budgets";
  let description = [{
    Reads every layer's `qnn.sensitivity` (from `qnn-sensitivity`) and
    solves, with COIN-OR CBC, for one bit-width per layer minimizing the
    summed sensitivity subject to the budgets given: `avg-bits` (parameters
    x bits / parameters), `size-budget` (bytes of weights, scales included),
    `bops-budget` (MACs x weight bits x activation bits), `latency-budget-ms`
    (the layers' `qnn.latency_ms` from `qnn-measure-latency`, summed). The first and last
    layers can be pinned to 8 bits, and `pins` pins layers by node-name
    regex. Each layer gets the chosen `qnn.weight_format`, which
    `qnn-quantize` honours; the module gets `qnn.allocation` with the totals.
    An infeasible budget is an error naming the smallest achievable value.
    With `preferred-min-bits`, narrower candidates (but a pin's) enter the
    program only when some budget cannot be met without them;
    `output-min-bits` does the same, first, for the final layers, those
    whose output no layer with a weight reads (a classifier): no later
    layer's refit (`qnn-refit-weights`) absorbs their rounding error.
    `grouped-min-bits` does the same, before that, for grouped (depthwise)
    and transposed convolutions: calibration measures no X^T X for them, so
    GPTQ and AdaRound round them to nearest and the refit leaves them. They
    are few weights (3% of rec's) that narrow badly.

    With `act-bits-auto` (HAWQ-V3's joint widths), every layer whose input
    sensitivity `qnn.act_sensitivity` was measured (`qnn-calibrate
    {act-sensitivity}`, in the units of the Hessian weight sensitivity)
    chooses weight bits and 8 or 16 activation bits together; the choice is
    written as `qnn.act_bits`. 16-bit inputs cost bit operations (and run
    as float kernels): without a `bops-budget`, the weights keep the widths
    of the best all-int8 allocation and 16-bit inputs may add `act-headroom`
    (default 30%: on 2600 held-out rec lines at 4.5 bits, 10% read 7.75% CER
    against A8's 7.62%, 30% 7.13%) to its bit operations; with one, both
    widths trade freely.

    ```mlir
    %y = qnn.conv %x, %w {qnn.weight_format = #qnn.weight_format<bits = 4, group_size = 0, ternary = false, symmetric = true>, ...}
    ```
  }];
  let options = [
    Option<"avgBits", "avg-bits", "double", /*default=*/"0", "Average bits per weight (0: no budget)">,
    Option<"sizeBudget", "size-budget", "double", /*default=*/"0",
           "Weight bytes incl. scales (0: no budget)">,
    Option<"bopsBudget", "bops-budget", "double", /*default=*/"0", "Bit operations (0: no budget)">,
    Option<"latencyBudget", "latency-budget-ms", "double", /*default=*/"0",
           "Summed measured layer latency, ms (needs qnn-measure-latency; 0: no budget)">,
    Option<"actBits", "act-bits", "unsigned", /*default=*/"8",
           "Activation bits the BOPs count (0: float, counted as 32)">,
    Option<"actBitsAuto", "act-bits-auto", "bool", /*default=*/"false",
           "Choose 8 or 16 activation bits per layer too (needs qnn.act_sensitivity)">,
    Option<"actHeadroom", "act-headroom", "double", /*default=*/"0.3",
           "Without a BOPs budget: the share of bit operations 16-bit inputs may add">,
    Option<"preferredMinBits", "preferred-min-bits", "unsigned", /*default=*/"0",
           "Candidate widths below this one are chosen only when a budget cannot be met without "
           "them (0: always candidates)">,
    Option<"outputMinBits", "output-min-bits", "unsigned", /*default=*/"0",
           "The same for the final layers (whose output no layer with a weight reads), tried "
           "before preferred-min-bits alone (0: as the others)">,
    Option<"groupedMinBits", "grouped-min-bits", "unsigned", /*default=*/"0",
           "The same for grouped (depthwise) and transposed convolutions (rounded to nearest "
           "and not refit), tried before output-min-bits alone (0: as the others)">,
    Option<"groupSize", "group-size", "int64_t", /*default=*/"0",
           "Weight groups qnn-quantize will use (scale overhead): 0 per channel, -1 per tensor, or 32/64/128">,
    Option<"symmetric", "symmetric", "bool", /*default=*/"true",
           "The weight scheme the chosen formats record (qnn-quantize's symmetric)">,
    Option<"pinFirstLast", "pin-first-last", "bool", /*default=*/"false",
           "Keep the first and last layer at 8 bits">,
    Option<"pins", "pins", "std::string", /*default=*/"\"\"",
           "Pins by node name: 'regex=bits,...'">,
  ];
  let dependentDialects = ["::quantc::qnn::QNNDialect"];
}

def QNNMeasureLatencyPass : Pass<"qnn-measure-latency", "::mlir::ModuleOp"> {
  let summary = "Measure each layer's latency at every candidate bit-width (cached per target)";
  let description = [{
    For every layer with a constant float weight and every bit-width in
    `bits`, builds a module holding that layer alone, quantizes it as
    `qnn-quantize` would (weights to the bit-width; with `act-bits=8` the
    integer kernels of `qnn-fold-scales`), compiles it for the host and times
    it (median of `repeats` runs after two warm-ups). The result is stored
    as `qnn.latency_ms` (one entry per sorted candidate), which
    `qnn-allocate-bits` uses for `latency-budget-ms` (OHQ / HAWQ-V3 style).

    Measurements are cached in a JSON table (`cache`, default
    `$XDG_CACHE_HOME/quantc/latency.json` or `~/.cache/quantc/latency.json`)
    keyed by kernel version, target triple, CPU and features, the layer's
    op, types and attributes, and the weight / activation formats. An
    entry is invalidated by any change to those: a new quantc kernel
    version, another machine, another shape. Delete the file to measure again.
  }];
  let options = [
    Option<"bits", "bits", "std::string", /*default=*/"\"2,3,4,5,6,8\"",
           "Candidate bit-widths (2 to 8), comma-separated">,
    Option<"actBits", "act-bits", "unsigned", /*default=*/"0",
           "Activations: 0 (float) or 8 (integer kernels)">,
    Option<"groupSize", "group-size", "int64_t", /*default=*/"0",
           "Weight groups as qnn-quantize will use">,
    Option<"cache", "cache", "std::string", /*default=*/"\"\"",
           "Latency table JSON (default: ~/.cache/quantc/latency.json)">,
    Option<"repeats", "repeats", "int", /*default=*/"15", "Timed runs per measurement">,
  ];
  let dependentDialects = ["::quantc::qnn::QNNDialect", "::mlir::func::FuncDialect",
                           "::mlir::quant::QuantDialect"];
}

#endif // QUANTC_PASSES_TRANSFORMS_PASSES_TD
