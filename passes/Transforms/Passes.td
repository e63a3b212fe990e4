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
  let summary = "Fold inference BatchNormalization into the preceding Conv, ConvTranspose or Gemm";
  let description = [{
    y = (conv(x, W) + b - mean) * a + beta with a = scale / sqrt(var + eps)
    is conv(x, W') + b' with W' = W * a (per output channel) and
    b' = (b - mean) * a + beta. Applies when the producer's only user is the
    batch_norm and every weight and statistic is a constant f32 tensor; the
    new weights are fresh dense_resource blobs. For Gemm the channel is the
    output column (W scaled per column of op(B), C must be absent or a
    vector).

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

#endif // QUANTC_PASSES_TRANSFORMS_PASSES_TD
