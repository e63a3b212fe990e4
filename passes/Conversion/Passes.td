// Declarations of the conversion passes (convert-x-to-y) on the float execution path.
#ifndef QUANTC_PASSES_CONVERSION_PASSES_TD
#define QUANTC_PASSES_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertQNNToLinalgPass : Pass<"convert-qnn-to-linalg", "::mlir::ModuleOp"> {
  let summary = "Lower float qnn ops to linalg/tensor/arith on tensors";
  let description = [{
    Every float qnn op becomes linalg on tensors: named ops where they exist
    (linalg.matmul, linalg.batch_matmul, linalg.transpose, linalg.fill) and
    linalg.generic otherwise. Conv with one group is im2col + linalg.matmul
    (a 1x1 stride-1 conv needs no im2col: NCHW already is the GEMM's
    right-hand side); grouped and depthwise convs are a direct
    linalg.generic whose innermost loop runs along the output row.
    Shapes must be static: bind graph inputs with --input-shape.

    Before:
    ```mlir
    %y = qnn.relu %x : tensor<1x8xf32>
    ```
    After:
    ```mlir
    %e = tensor.empty() : tensor<1x8xf32>
    %y = linalg.generic {...} ins(%x : tensor<1x8xf32>) outs(%e : tensor<1x8xf32>) {
      ^bb0(%in: f32, %out: f32):
        %r = arith.maxnumf %in, %cst : f32
        linalg.yield %r : f32
    } -> tensor<1x8xf32>
    ```
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect", "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect", "::mlir::math::MathDialect",
                           "::mlir::scf::SCFDialect"];
}

def ConvertLinalgMatmulToVectorPass
    : Pass<"convert-linalg-matmul-to-vector", "::mlir::func::FuncOp"> {
  let summary = "Lower buffer linalg.matmul/batch_matmul to a register-blocked vector microkernel";
  let description = [{
    Replaces each static-shaped linalg.matmul / linalg.batch_matmul on
    memrefs by scf loops around an `rows` x `cols` register tile: per k it
    loads one row segment of B as a vector, broadcasts `rows` scalars of A
    and accumulates with vector.fma into `rows` accumulators held in
    iter_args (the BLIS/GotoBLAS microkernel shape). Column blocks are the
    outer loop so a K x cols panel of B stays in cache across row blocks.
    Edge tiles use the same kernel with smaller static sizes.

    Before:
    ```mlir
    linalg.matmul ins(%a, %b : memref<40x120xf32>, memref<120x6625xf32>)
                  outs(%c : memref<40x6625xf32>)
    ```
    After (sketch):
    ```mlir
    scf.for %j = %c0 to %c6624 step %c32 {
      scf.for %i = %c0 to %c40 step %c8 {
        %acc = scf.for %k ... iter_args(%r0 = ..., %r7 = ...) -> (vector<32xf32>, ...) {
          %b = vector.load %b[%k, %j] : memref<120x6625xf32>, vector<32xf32>
          %a0 = memref.load %a[%i, %k] ...
          %s0 = vector.broadcast %a0 : f32 to vector<32xf32>
          %n0 = vector.fma %s0, %b, %r0 : vector<32xf32>
          ...
    ```
  }];
  let options = [
    Option<"rows", "rows", "int64_t", "8", "Rows of C per register tile (MR)">,
    Option<"cols", "cols", "int64_t", "32", "Columns of C per register tile (NR)">,
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect", "::mlir::vector::VectorDialect",
                           "::mlir::memref::MemRefDialect", "::mlir::arith::ArithDialect"];
}

def QuantcFuseElementwisePass : Pass<"quantc-fuse-elementwise", "::mlir::func::FuncOp"> {
  let summary = "Fuse chains of elementwise linalg.generic ops (and nothing else)";
  let description = [{
    Upstream linalg-fuse-elementwise-ops also propagates reshapes, which
    turns named ops such as linalg.matmul into generics (so the matmul
    microkernel no longer sees them) and fuses producers into window
    reductions (recomputing an activation once per kernel tap). This pass
    fuses a producer into its consumer only when both are all-parallel
    generics and the producer has no other user: each element is computed
    once and intermediate buffers disappear.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def ConvertStridedCopiesToLinalgPass
    : Pass<"convert-strided-copies-to-linalg", "::mlir::func::FuncOp"> {
  let summary = "Turn memref.copy between non-contiguous buffers into linalg.copy";
  let description = [{
    memref.copy lowers to a memcpy only when both sides are contiguous;
    otherwise it becomes a call to the generic `memrefCopy` runtime routine,
    which artifacts would have to link and which walks elements through
    descriptors. As linalg.copy it becomes plain loops instead.

    Before:
    ```mlir
    memref.copy %a, %sub : memref<8x24xf32> to memref<8x24xf32, strided<[26, 1], offset: 27>>
    ```
    After:
    ```mlir
    linalg.copy ins(%a : memref<8x24xf32>) outs(%sub : memref<8x24xf32, strided<[26, 1], offset: 27>>)
    ```
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def QuantcDistinctReturnBuffersPass
    : Pass<"quantc-distinct-return-buffers", "::mlir::func::FuncOp"> {
  let summary = "Give every returned memref a buffer of its own before out-param conversion";
  let description = [{
    buffer-results-to-out-params{hoist-static-allocs} replaces a returned
    memref.alloc by its out-param and erases the alloc; a buffer returned
    twice (a graph output that is also a probe, or two graph outputs of one
    value) is then erased twice (upstream llvm-project#219492), and a
    returned view or global must not be written in place. This pass copies
    every return operand that is not a fresh identity-layout allocation of
    its own into a new allocation, so hoisting sees one alloc per result.

    Before:
    ```mlir
    %a = memref.alloc() : memref<1x40xf32>
    return %a, %a : memref<1x40xf32>, memref<1x40xf32>
    ```
    After:
    ```mlir
    %a = memref.alloc() : memref<1x40xf32>
    %b = memref.alloc() : memref<1x40xf32>
    memref.copy %a, %b : memref<1x40xf32> to memref<1x40xf32>
    return %a, %b : memref<1x40xf32>, memref<1x40xf32>
    ```
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

def QuantcApproximateMathPass : Pass<"quantc-approximate-math", "::mlir::ModuleOp"> {
  let summary = "Replace math.exp/tanh/erf/log/... by vectorizable polynomial approximations";
  let description = [{
    Libm calls block vectorization and tie artifacts to a libm; the
    polynomial forms (upstream MathPolynomialApproximation) are accurate to a
    few ulp for f32 and vectorize like any arithmetic. math.powf is expanded
    through exp/log when the base is known positive, and left to libm
    otherwise.
  }];
  let dependentDialects = ["::mlir::math::MathDialect", "::mlir::arith::ArithDialect",
                           "::mlir::vector::VectorDialect"];
}

#endif // QUANTC_PASSES_CONVERSION_PASSES_TD
