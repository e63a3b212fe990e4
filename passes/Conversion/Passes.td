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
  let options = [
    Option<"poolTaps", "pool-taps", "bool", "false",
           "A float max pool of static shape and at most 25 taps as one elementwise generic "
           "over its output whose inputs are the taps (strided slices of the padded input), "
           "rather than a reduction generic whose taps loop outside the output row (the host "
           "pipeline's: its rows vectorize)">,
    Option<"topKSelection", "top-k-selection", "bool", "false",
           "TopK of at most a quarter of a row of 64+ elements as k argmax passes (an scf.for, "
           "O(n k)) rather than ranking every element (O(n^2)) (the host pipeline's)">,
  ];
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
    iter_args (the BLIS/GotoBLAS microkernel shape). (column block, chunk
    of 4 row tiles) pairs, the edge block and chunk included (picked by
    scf.if), are one scf.parallel, as are batch_matmul's batches. Its
    outer dimension runs over the larger operand's parts, so that operand
    streams from memory once: column blocks when N >= M (a K x cols panel
    of B stays in cache across row chunks), chunks of rows when M > N.
    When B's rows do not start on a vector's boundary (cols / 2 floats),
    its column blocks are first copied into one aligned [blocks, K, cols]
    buffer (the edge block's columns followed by zeros) that the tiles
    read: loads of B in place would split across cache lines. When a
    panel is packed per block (below) and there are at least 16 blocks,
    each iteration takes every row of A, so the panel is packed once. Edge tiles use the same kernel with smaller
    static sizes. When C is a fresh
    allocation that a linalg.fill or a per-row broadcast (conv's bias)
    wrote whole just before, that op goes and the accumulators start from
    its values. When the next op with effects is an all-parallel
    linalg.generic that reads C (or C expanded into two groups of dims, a
    conv's NCHW output) with identity maps, plus inputs of the same
    contiguous shape, and whose body is arith ops (an activation, a
    residual add), each tile runs that body on its accumulators and stores
    the generic's output: the generic and its pass over memory go, and C is
    stored only when something else reads it. When B is a float conv's
    im2col matrix (a linalg.generic copying a padded image into a fresh
    buffer just before, rows of output pixels at least `cols` wide, a K x
    `cols` panel at most 128 KB), the matrix is never written: each
    iteration packs its column block's panel from the image into a stack
    buffer (memref.alloca in a memref.alloca_scope; two segments per tap
    when the block crosses into the next row, loaded through masks; with a
    stride along the columns, one masked span per segment, every stride-th
    lane kept) and the tiles read that. Each segment is stored whole, by a
    plain store into the panel seen as one row, never a masked one: lanes
    past the segment land on what a later store of the block writes (the
    next segment, the next tap's row) or on the panel's spare row. When that image is itself a zero-padded copy
    (a bufferized tensor.pad: a filled buffer, then a copy into its
    interior) that only the im2col reads, the panels start as the pad
    value and copy, per tap, the lanes whose pixel lies inside the
    unpadded source (a row check, then a range of columns), the pad value
    in the store's other lanes: the padded copy is never made. When B is x times one scale per row (a
    squeeze-and-excitation gate: an elementwise generic multiplying x by a
    tensor broadcast along B's columns, into a buffer only the matmul
    reads), each iteration scales its panel from x the same way. A float
    GEMV streams rows of B in chunks of 512 columns; a matrix times a
    column (N = 1) with K >= 96 runs one vector dot product per row. A
    memref.copy into C before the matmul (a bias) folds into the
    accumulators' start as the fill and the broadcast do.

    Before:
    ```mlir
    linalg.matmul ins(%a, %b : memref<40x120xf32>, memref<120x6625xf32>)
                  outs(%c : memref<40x6625xf32>)
    ```
    After (sketch):
    ```mlir
    scf.parallel (%jb, %chunk) = (%c0, %c0) to (%c208, %c2) step (%c1, %c1) {
      scf.for %i = ... step %c8 {
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

def QuantcPackMatmulWeightsPass
    : Pass<"quantc-pack-matmul-weights", "::mlir::ModuleOp"> {
  let summary = "Copy float matmuls' constant B into the microkernel's column blocks at compile time";
  let description = [{
    For each float linalg.matmul on buffers with more than one row of A
    whose B is a constant [K, N] memref.global, adds a private constant
    global `<B>_blocks` of shape [ceil(N / cols), K, cols]: block b holds
    B's columns [b * cols, b * cols + cols) contiguously, zeros past N.
    The matmul gets `quantc.packed_b = @<B>_blocks`, and
    convert-linalg-matmul-to-vector (with the same `cols`) reads its
    column blocks from there: each tile's walk down K is one contiguous
    run instead of one row of B (and one page, for a wide B) per step,
    and no call copies B. Matmuls sharing B share its blocks; B itself is
    left for symbol-dce once nothing reads it.

    Before:
    ```mlir
    memref.global "private" constant @w : memref<4x18xf32> = dense<...>
    %b = memref.get_global @w : memref<4x18xf32>
    linalg.matmul ins(%a, %b : memref<6x4xf32>, memref<4x18xf32>) outs(%c : memref<6x18xf32>)
    ```
    After (cols = 8):
    ```mlir
    memref.global "private" constant @w_blocks : memref<3x4x8xf32> = dense_resource<w_blocks>
    linalg.matmul {quantc.packed_b = @w_blocks} ins(%a, %b : ...) outs(%c : ...)
    ```
  }];
  let options = [
    Option<"cols", "cols", "int64_t", "32", "Columns of C per register tile (NR)">,
  ];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

def ConvertLinalgGroupedConvsToMatmulsPass
    : Pass<"convert-linalg-grouped-convs-to-matmuls", "::mlir::func::FuncOp"> {
  let summary = "Run a grouped convolution as one im2col GEMM per group";
  let description = [{
    convert-qnn-to-linalg lowers a convolution of one group to an im2col
    matrix and a linalg.matmul, which the host's microkernel runs near the
    core's FMA peak, but a grouped one to a direct generic over (n, g, f,
    oy, c, ky, kx, ox), which runs as scalar loops (ResNeXt, RegNet: their
    grouped 3x3 convolutions were most of their time). This pass rewrites
    such a generic whose groups read at least two channels each (one is a
    depthwise convolution: convert-linalg-depthwise-to-vector's) into an
    scf.for over images and groups whose body is that same form on the
    group's slice: the group's [C/G, KH, KW, OH, OW] window matrix, its
    weights [F/G, C/G * KH * KW] and a linalg.matmul into its slice of the
    sums, which start where the generic's did (a bias broadcast, zeros).
    Float bodies (mulf, addf) become an f32 linalg.matmul, which multiplies
    in the same order. Integer ones (int8 operands sign-extended into int32
    sums: a grouped W8A8 conv) of at most 1024 products a sum run in f32:
    every partial sum is an integer of magnitude at most 1024 * 128 * 128 =
    2^24, which f32 holds exactly, so the input and the weights are
    converted to f32 once a call, each group's GEMM runs on the float
    microkernel from zero, and its sums are added to the int32 start: the
    same bits as int32 arithmetic, at the float kernel's speed (the int8
    microkernel broadcasts and multiplies 32-bit lanes). Longer sums stay an
    int8 x int8 -> int32 linalg.matmul. It runs on the host's ops only: GPU
    targets place their convolutions first.

    Before (sketch):
    ```mlir
    %y = linalg.generic ... ins(%x5, %w5 : tensor<1x5x24x30x30xf32>, tensor<5x24x24x3x3xf32>)
                            outs(%bias : tensor<1x5x24x28x28xf32>)  // mulf, addf
    ```
    After (sketch):
    ```mlir
    %y = scf.for %g = %c0 to %c5 step %c1 iter_args(%s = %bias) -> (tensor<1x5x24x28x28xf32>) {
      %img = tensor.extract_slice %x5[0, %g, 0, 0, 0] [1, 1, 24, 30, 30] [1, 1, 1, 1, 1]
      %col = linalg.generic ... ins(%img) outs(%e : tensor<24x3x3x28x28xf32>)  // im2col
      %wg = tensor.extract_slice %w5[%g, 0, 0, 0, 0] [1, 24, 24, 3, 3] [1, 1, 1, 1, 1]
      %sg = tensor.extract_slice %s[0, %g, 0, 0, 0] [1, 1, 24, 28, 28] [1, 1, 1, 1, 1]
      %mm = linalg.matmul ins(%wg2, %col2 : tensor<24x216xf32>, tensor<216x784xf32>)
                          outs(%sg2 : tensor<24x784xf32>)
      %s2 = tensor.insert_slice %mm3 into %s[0, %g, 0, 0, 0] [1, 1, 24, 28, 28] [1, 1, 1, 1, 1]
      scf.yield %s2
    }
    ```
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect", "::mlir::tensor::TensorDialect",
                           "::mlir::linalg::LinalgDialect", "::mlir::arith::ArithDialect"];
}

def ConvertLinalgDepthwiseToVectorPass
    : Pass<"convert-linalg-depthwise-to-vector", "::mlir::func::FuncOp"> {
  let summary = "Run a float depthwise conv and the activation after it as one loop over output rows";
  let description = [{
    convert-qnn-to-linalg lowers a float depthwise convolution (one input
    channel per group) to a zero-padded copy of the input (tensor.pad), an
    output filled with the bias, and a generic that sums the window into
    it; an activation after it is another generic. Bufferized, that is
    four loops over memory and four barriers on a thread team, and the pad
    writes every padded plane whole before copying its interior. This pass
    replaces that chain, on tensors, with one scf.parallel over (image,
    channel, output row) on buffers. Per row, the taps' weights are loaded
    once; vectors of `lanes` output columns start from the bias, add each
    tap's product in the generic's order (rows of taps that fall in the
    padding are skipped by an scf.if, a strided row keeps every stride-th
    lane of one load), run the elementwise generic that alone reads the
    result (its body arith ops: Relu, HardSwish, a residual add) and are
    stored once. The columns whose taps reach into the padding (the pad's
    width over the stride at each end) are single pixels that check each
    tap's column. The sums are the generic's, less the padding's zero
    products. When the columns that reach into the padding are more than
    an eighth of a row (a 5x5 window padded by 2 on 14 x 14 planes: 4 of
    14), or fewer than 4 columns keep all their taps inside the input (on
    7 x 7 planes: 3), the kernel reads the padded copy instead: every
    column is inside it, and the rows run as vectors. When a global pool (a generic reducing the last two dims of
    its whole input) reads the result, the loop runs over (image, channel)
    only, each iteration a whole plane with its rows an inner loop, as the
    pool's loop is: quantc-fuse-adjacent-parallel-loops then sums each
    plane in the iteration that wrote it.

    Before (sketch):
    ```mlir
    %p = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] { tensor.yield %zero : f32 }
    %acc = linalg.generic ... ins(%p5, %w : ...) outs(%bias_filled : ...)  // mulf, addf
    %y = linalg.generic ... ins(%acc4 : ...) outs(%e : ...)              // maximumf
    ```
    After (sketch):
    ```mlir
    scf.parallel (%c, %oy) = ... {
      scf.for %ox = %c1 to %c95 step %c16 {
        %sum = ... vector.load %xb[%c0, %c, %row, %col] ... arith.mulf, arith.addf ...
        %act = arith.maximumf %sum, %zeros : vector<16xf32>
        vector.store %act, %out[%c0, %c, %oy, %ox] : memref<1x8x12x96xf32>, vector<16xf32>
      }
      // columns 0 and 95: one pixel each, every tap's column checked
    }
    ```
  }];
  let options = [
    Option<"lanes", "lanes", "int64_t", "16", "Output columns per vector: 16 (AVX-512), 8 (AVX2), 4 (SSE, NEON)">,
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect", "::mlir::vector::VectorDialect",
                           "::mlir::memref::MemRefDialect", "::mlir::arith::ArithDialect",
                           "::mlir::bufferization::BufferizationDialect"];
}

def QuantcFuseElementwisePass : Pass<"quantc-fuse-elementwise", "::mlir::func::FuncOp"> {
  let summary = "Fuse chains of elementwise linalg.generic ops (and nothing else)";
  let description = [{
    Upstream linalg-fuse-elementwise-ops also propagates reshapes, which
    turns named ops such as linalg.matmul into generics (so the matmul
    microkernel no longer sees them) and fuses producers into window
    reductions (recomputing an activation once per kernel tap). This pass
    fuses a producer into its consumer only when both are all-parallel
    generics (operands read in place or broadcast along size-1 dims, as a
    per-channel scale is), the producer has no other user, and the consumer
    reads it without broadcasting: each element is computed once and
    intermediate buffers disappear.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def ConvertPaddedCopiesToLoopsPass
    : Pass<"convert-padded-copies-to-loops", "::mlir::func::FuncOp"> {
  let summary = "Write a padded copy (a bufferized tensor.pad) in one pass over its rows";
  let description = [{
    A bufferized tensor.pad is a fill of the whole padded buffer with the
    pad value, then a memref.copy of the source into a window of it: every
    interior element is written twice, and the fill, a small loop that
    reads nothing, ran on one thread before the team forked, so the copy's
    other thread wrote lines the first held. When the copy is the next op
    with effects after a linalg.fill (or a linalg.map yielding one value)
    of a static, contiguous buffer, and its target a static unit-stride
    window of that buffer, both become one scf.parallel over the buffer's
    rows (every dim but the last): a row outside the window gets the pad
    value, a row inside it the pad value around the source's row.

    Before:
    ```mlir
    linalg.fill ins(%zero : f32) outs(%p : memref<3x50x194xf32>)
    %w = memref.subview %p[0, 1, 1] [3, 48, 192] [1, 1, 1]
    memref.copy %x, %w
    ```
    After:
    ```mlir
    scf.parallel (%c, %y) = (%c0, %c0) to (%c3, %c50) step (%c1, %c1) {
      scf.if %y_in_1_to_48 {
        // p[c, y, 0] = 0; p[c, y, 1 + i] = x[c, y - 1, i]; p[c, y, 193] = 0
      } else {
        // p[c, y, 0 .. 193] = 0
      }
    }
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect"];
}

def ConvertLinalgTransposeToVectorPass
    : Pass<"convert-linalg-transpose-to-vector", "::mlir::func::FuncOp"> {
  let summary = "Transpose buffers that move the innermost dim as 8 x 8 register blocks";
  let description = [{
    A linalg.transpose whose output's innermost dim is not the input's
    (NHWC <-> NCHW around the packed kernels) becomes, as loops, a gather of
    one element at a time. Instead, each 8 x 8 block of the two dims is 8
    vector loads along the input's innermost dim, three rounds of shuffles,
    and 8 vector stores along the output's; an scf.parallel runs the
    blocks. The rows and columns past the last whole block stay a
    linalg.transpose on views. Needs static buffers whose innermost dims
    are contiguous; others are left as they are.

    Before:
    ```mlir
    linalg.transpose ins(%x : memref<1x12x160x128xf32>)
        outs(%y : memref<1x128x12x160xf32>) permutation = [0, 3, 1, 2]
    ```
    After: scf.parallel over (1, 128 step 8, 12, 160 step 8), each
    iteration 8 vector.load of vector<8xf32>, 24 vector.shuffle and 8
    vector.store.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect", "::mlir::vector::VectorDialect"];
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
    otherwise. bf16 truncations and extensions become integer arithmetic
    (round to nearest even), the same bits on every target, where LLVM
    would call __truncsfbf2 on CPUs without AVX512-BF16.
  }];
  let dependentDialects = ["::mlir::math::MathDialect", "::mlir::arith::ArithDialect",
                           "::mlir::vector::VectorDialect"];
}

def ConvertQNNToQKernelPass : Pass<"convert-qnn-to-qkernel", "::mlir::ModuleOp"> {
  let summary = "Weight-quantized MatMul/Gemm -> qkernel.matmul on weights packed at compile time";
  let description = [{
    Matches `qnn.matmul` / `qnn.gemm` (alpha 1, no trans_a; beta 1 with a
    per-column C) whose weight is `qnn.dequantize` of a constant, from
    `qnn-quantize` or an imported MatMulNBits/DequantizeLinear. Codes are
    the storage values minus the storage minimum; the code width, a binary
    or ternary format and a scale group along K are read off the quantized
    type. The weight is packed into the dot-kernel layout for `lanes`
    (`#qkernel.layout`), so the module keeps only packed bytes plus f32
    scales (and zero points when they differ per channel). A single Relu
    after the layer becomes the kernel's epilogue. Layers whose groups are
    not multiples of 32 rows, and float layers, keep the float path. With
    `lut-bits`, layers of at most that many bits (and int8 activations)
    become qkernel.lut_matmul on the LUT layout instead.

    Before:
    ```mlir
    %q = qnn.constant dense_resource<w> : tensor<64x16xi8>
    %s = quant.scast %q : tensor<64x16xi8> to tensor<64x16x!quant.uniform<i8<-7:7>:f32:1, {...}>>
    %w = qnn.dequantize %s : ... -> tensor<64x16xf32>
    %y = qnn.matmul %x, %w : (tensor<1x64xf32>, tensor<64x16xf32>) -> tensor<1x16xf32>
    ```
    After:
    ```mlir
    %p = qnn.constant dense_resource<qkernel_packed> : tensor<512xi8>
    %s = qnn.constant dense_resource<qkernel_scales> : tensor<1x16xf32>
    %y = qkernel.matmul %x, %p, %s {layout = #qkernel.layout<bits = 4, lanes = 16, k = 64, n = 16, group = 0, binary = false, signed_bytes = false>, zero_point = 7 : i64, activations = "int8", activation = "none"} : ...
    ```
  }];
  let options = [
    Option<"lanes", "lanes", "unsigned", "16", "Output channels per tile: 16 (AVX-512), 8 (AVX2), 4 (NEON)">,
    Option<"activations", "activations", "std::string", "\"int8\"",
           "How kernels take x: int8 (quantized per block of 32) or float">,
    Option<"signedBytes", "signed-bytes", "bool", "false",
           "Store 8-bit codes as signed bytes (targets whose dot is s8 x s8)">,
    Option<"fuseEpilogues", "fuse-epilogues", "bool", "true",
           "Run the float chain after a W8A8 layer (dequantize, Relu/Clip/HardSwish/"
           "HardSigmoid/LeakyRelu, quantize to int8) in its kernel, as an epilogue region">,
    Option<"lutBits", "lut-bits", "unsigned", "0",
           "Weight-only layers with int8 activations and codes of at most this many bits take "
           "qkernel.lut_matmul (0: none; at most 4)">,
    Option<"lutLanes", "lut-lanes", "unsigned", "64",
           "Output channels per LUT tile: 64 (AVX-512), 32 (AVX2), 16 (NEON, generic)">,
    Option<"halfScales", "half-scales", "bool", "false",
           "Store a layer's scale table in f16 when every scale is an f16 value (targets that "
           "convert f16 in one instruction: F16C, NEON)">,
  ];
  let dependentDialects = ["::quantc::qkernel::QKernelDialect", "::quantc::qnn::QNNDialect",
                           "::mlir::linalg::LinalgDialect", "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect", "::mlir::math::MathDialect"];
}

def ConvertQKernelToLoopsPass : Pass<"convert-qkernel-to-loops", "::mlir::ModuleOp"> {
  let summary = "qkernel ops -> scf/vector loops around the target's dot instruction";
  let description = [{
    Runs on tensors, before bufferization: each qkernel.matmul becomes
    bufferization.to_buffer of its operands, loops on memrefs and a
    to_tensor of the result; qkernel.pack/unpack of non-constant codes
    become scalar loops. `family` picks the instruction the dot kernel is
    built around: `vnni` (qkernel.dot "vpdpbusd"), `avx2` (qkernel.dot
    "vpmaddubsw"; 8-bit codes take the generic dot), `neon`
    (arm_neon.intr.sdot) or `generic` (vector ext/mul/multi_reduction, any
    lanes).

    ```mlir
    %r = scf.for %block = %c0 to %c2 step %c1 iter_args(%acc = %zero) -> (vector<16xf32>) {
      %w = vector.load %packed[%i] : memref<512xi8>, vector<64xi8>
      %lo = arith.andi %w, %c15 : vector<64xi8>
      %d = qkernel.dot %zeros, %lo, %a {instruction = "vpdpbusd"} : vector<64xi8> -> vector<16xi32>
      ...
    }
    ```
  }];
  let options = [
    Option<"family", "family", "std::string", "\"generic\"", "vnni, avx2, neon or generic">,
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect", "::mlir::vector::VectorDialect",
                           "::mlir::memref::MemRefDialect", "::mlir::arm_neon::ArmNeonDialect",
                           "::mlir::math::MathDialect", "::mlir::bufferization::BufferizationDialect",
                           "::mlir::linalg::LinalgDialect", "::mlir::tensor::TensorDialect"];
}

def QuantcExternalizeWeightsPass : Pass<"quantc-externalize-weights", "::mlir::ModuleOp"> {
  let summary = "Large constant globals leave the code: their addresses come from a table filled at run time";
  let description = [{
    Runs on the LLVM dialect, last. Every private constant llvm.mlir.global
    of at least `min-bytes` bytes of data (splats stay) is erased; each
    llvm.mlir.addressof of it becomes an invariant load of its entry in
    `quantc_weights`, an external array of pointers, and its value joins the
    module attribute `quantc.external_weights` in table order. The JIT
    points the table at the values' storage (the importer's blobs); an
    artifact maps them from its weights file, or, when they are few, defines
    them as read-only data of the .so again. Either way LLVM never optimizes
    or emits them, and the JIT's code sections never hold them.

    ```mlir
    %t = llvm.mlir.addressof @quantc_weights : !llvm.ptr
    %e = llvm.getelementptr %t[0, 3] : (!llvm.ptr) -> !llvm.ptr, !llvm.array<5 x ptr>
    %w = llvm.load %e invariant {alignment = 8 : i64} : !llvm.ptr -> !llvm.ptr
    ```
  }];
  let options = [
    Option<"minBytes", "min-bytes", "int64_t", "0",
           "Smallest global (bytes of data) that moves out; 0: none">,
  ];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def ConvertQKernelToGPUPass : Pass<"convert-qkernel-to-gpu", "::mlir::ModuleOp"> {
  let summary = "Packed weight-only matmuls -> launches of NVIDIA GPU kernels (the rest stays on the host)";
  let description = [{
    Runs on tensors, before convert-qkernel-to-loops. Each qkernel.matmul
    and qkernel.lut_matmul whose weights are constant and of at most 8
    bits (binary excepted) becomes a call of the runtime's
    `quantc_gpu_weight_only_gemm` on quantc's weight-only GEMM kernel for
    its shape: the codes repacked at compile time into the kernel's
    preshuffled words (2, 4 or 8 bits; 3 bits in 4, 5 to 7 in 8, with
    their zero points as offsets), f16 scales, and x in f16 (W4A16,
    W8A16, W2A16). Bias and Relu follow on the host. Layers of one shape
    share a kernel; all kernels go through upstream's gpu-module-to-binary
    into one image, the public constant `quantc_gpu_image` (with
    `quantc_gpu_image_size`), which the runtime loads at the first launch.
    What stays on the host is reported in one warning that names the ops
    (and why a matmul could not go). `format`: fatbin (cubin plus PTX,
    needs CUDA's ptxas and fatbinary), bin, isa (PTX only) or none (no
    image: for tests of the rewrite).

    ```mlir
    %x = bufferization.to_buffer %in read_only : tensor<16x64xf32> to memref<16x64xf32>
    call @quantc_gpu_weight_only_gemm(%name, %words, %scales, %scales, %x1, %y1, %c16, ...)
    ```
  }];
  let options = [
    Option<"chip", "chip", "std::string", "\"sm_90\"", "the GPU: sm_80, sm_90, ..., sm_121">,
    Option<"format", "format", "std::string", "\"fatbin\"", "fatbin, bin, isa or none">,
    Option<"gemv", "gemv", "std::string", "\"split-k\"",
           "How a weight-only GEMV (A read straight from x) is launched: split-k (K split "
           "until about 8192 warps) or stream-k (as many blocks as the device runs at once, "
           "equal runs of (N group, K iteration) items; A read in 16-byte runs, K permuted, "
           "where K and the scale group are multiples of 64), then options joined by ':' "
           "(a device's tuning, bench/gpu): target=N warps split-K splits K for, "
           "warps=1|2|4 a block, prefetch=4|8|12|16 K tiles an iteration, stages=2..8 "
           "(weights through shared memory), rows=16..256 (layers of fewer rows run as GEMVs; "
           "16 by default), scale-after-mma, past-l1 (weights loaded past L1, evicted first "
           "from L2), permute-k or no-permute-k; an "
           "option a layer's shape cannot take is left off for that layer">,
    Option<"deterministic", "deterministic", "bool", "true",
           "Split-K GEMMs with f32 sums (weight-only and fp16) store each block's partial "
           "sums in a slice of their own, which a reduction adds in order: the same bits "
           "every run. false: blocks add into y atomically, in whatever order they finish "
           "(stream-K always does)">,
    Option<"hostTwins", "host-twins", "bool", "false",
           "Also emit each linalg kernel's loop nest as quantc_gpu_twin_<kernel> (C interface), "
           "which the emulated CUDA driver runs in the kernel's place (tests)">,
  ];
  let dependentDialects = ["::mlir::func::FuncDialect", "::mlir::memref::MemRefDialect",
                           "::mlir::bufferization::BufferizationDialect",
                           "::mlir::linalg::LinalgDialect", "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect", "::mlir::LLVM::LLVMDialect",
                           "::mlir::scf::SCFDialect"];
}

def ConvertQKernelToLLVMPass : Pass<"convert-qkernel-to-llvm", "::mlir::ModuleOp"> {
  let summary = "qkernel.dot and qkernel.lookup -> LLVM intrinsics (vpdpbusd; vpmaddubsw + vpmaddwd; vpshufb; tbl)";
  let description = [{
    Runs after bufferization and buffer deallocation, which refuse the
    unknown memory effects of `llvm.call_intrinsic`. A `vpshufb` lookup
    first repeats its 16-byte table in every 16-byte lane.

    ```mlir
    %r = llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"(%acc, %w, %a) : (vector<16xi32>, vector<64xi8>, vector<64xi8>) -> vector<16xi32>
    ```
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect", "::mlir::arith::ArithDialect",
                           "::mlir::vector::VectorDialect"];
}

def QuantcScratchArenaPass : Pass<"quantc-scratch-arena", "::mlir::func::FuncOp"> {
  let summary = "Place a function's intermediates in one arena, reusing memory of dead buffers";
  let description = [{
    Runs after bufferization and buffer deallocation, which free every
    intermediate at the end of the function: a model's peak memory was the
    sum of all of them. Each static memref.alloc of the function's body
    block lives from its own position to the last use of any view of it
    (an op nested in a loop counts at the loop's position); buffers whose
    lifetimes overlap get disjoint offsets (64-byte aligned, placed
    largest first at the lowest offset free of every live neighbour), the
    others share memory. One allocation, of the arena's size, replaces them
    (a per-thread cached block of the runtime), freed before the return;
    the function gets `quantc.scratch_bytes`. A buffer that is returned or
    handed to a call keeps its own allocation.

    Before:
    ```mlir
    %a = memref.alloc() {alignment = 64 : i64} : memref<1024xf32>
    linalg.fill ins(%c : f32) outs(%a : memref<1024xf32>)
    %b = memref.alloc() {alignment = 64 : i64} : memref<1024xf32>
    linalg.copy ins(%a : memref<1024xf32>) outs(%out : memref<1024xf32>)
    linalg.fill ins(%c : f32) outs(%b : memref<1024xf32>)
    memref.dealloc %a : memref<1024xf32>
    memref.dealloc %b : memref<1024xf32>
    ```
    After (%b reuses %a's bytes):
    ```mlir
    %arena = memref.alloc() {alignment = 64 : i64} : memref<4096xi8>
    %a = memref.view %arena[%c0][] : memref<4096xi8> to memref<1024xf32>
    %b = memref.view %arena[%c0][] : memref<4096xi8> to memref<1024xf32>
    ...
    memref.dealloc %arena : memref<4096xi8>
    ```
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect", "::mlir::arith::ArithDialect"];
}

def QuantcFuseFillsIntoParallelLoopsPass
    : Pass<"quantc-fuse-fills-into-parallel-loops", "::mlir::func::FuncOp"> {
  let summary = "Move a buffer's fill into the parallel loop that accumulates into it, slice by slice";
  let description = [{
    A reduction lowered to loops fills its accumulator with a constant, then
    accumulates in a loop parallel over the accumulator's rows (a channels-
    last GlobalAveragePool's row sums, a MaxPool's window maxima). As two
    loop nests they are two layers: on a thread team, the fill runs on one
    thread (or shares out) and a barrier separates it from the loop, where
    it costs as much as the fill itself. When every access of the buffer in
    the parallel loop indexes some of its dims with the loop's own induction
    variables, each iteration owns one slice; the fill moves into the loop,
    each iteration filling its slice before it accumulates, and the fill's
    own nest goes. Only pure ops, allocations and deallocations may sit
    between the two. What each element holds is unchanged.

    Before:
    ```mlir
    scf.parallel (%r, %c) = (%c0, %c0) to (%c12, %c8) step (%c1, %c1) {
      memref.store %zero, %acc[%c0, %r, %c0, %c] : memref<1x12x1x8xf32>
    }
    scf.parallel (%r) = (%c0) to (%c12) step (%c1) {
      ... %acc[%c0, %r, %c0, %c] ...
    }
    ```
    After:
    ```mlir
    scf.parallel (%r) = (%c0) to (%c12) step (%c1) {
      scf.for %c = %c0 to %c8 step %c1 {
        memref.store %zero, %acc[%c0, %r, %c0, %c] : memref<1x12x1x8xf32>
      }
      ... %acc[%c0, %r, %c0, %c] ...
    }
    ```
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect", "::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect"];
}

def QuantcFuseProducersIntoRowChunksPass
    : Pass<"quantc-fuse-producers-into-row-chunks", "::mlir::func::FuncOp"> {
  let summary = "Move an elementwise loop into the loop that reads its output chunk of rows by chunk of rows";
  let description = [{
    A packed kernel reads its activations in chunks of rows: iteration i
    of its scf.parallel prepares rows [i * size, min(i * size + size, M))
    of a [M, K] collapse of the buffer, which an elementwise loop just
    before wrote (a squeeze-and-excitation scale and requantize, a
    residual add). On a thread team each is a layer with a barrier after
    it, and the two share their rows out differently. When the elementwise
    loop's body is loads, pure ops and stores of the element its iteration
    owns, only pure ops, allocations and deallocations sit between the
    loops, the kernel reads that
    buffer only through such row loops (an scf.for from i * size to at
    most i * size + size), and nothing else either loop touches conflicts
    (the kernel neither reads nor writes the producer's other outputs nor
    writes what the producer reads), the producer's body moves into the
    kernel's iterations: each first computes its chunk's rows, a row index
    split into the buffer's row dims and scf.for loops over its column
    dims. Every element is computed as before, by the thread that reads it.

    Before:
    ```mlir
    scf.parallel (%h, %w, %c) = (%c0, %c0, %c0) to (%c3, %c96, %c88) step (%c1, %c1, %c1) {
      ... memref.store %q, %x[%c0, %h, %w, %c] : memref<1x3x96x88xi8>
    }
    %rows = memref.collapse_shape %x [[0, 1, 2], [3]] : ... into memref<288x88xi8>
    scf.parallel (%i) = (%c0) to (%c18) step (%c1) {
      %first = arith.muli %i, %c16
      scf.for %r = %first to min(%first + 16, 288) { ... %rows[%r, ...] ... }
      ...
    }
    ```
    After:
    ```mlir
    scf.parallel (%i) = (%c0) to (%c18) step (%c1) {
      scf.for %p = %i * 16 to min(%i * 16 + 16, 288) {
        %w = arith.remui %p, %c96   %h = arith.divui %p, %c96 (and so on)
        scf.for %c = %c0 to %c88 step %c1 { ... memref.store %q, %x[%c0, %h, %w, %c] }
      }
      ...
    }
    ```
  }];
}

def QuantcFuseAdjacentParallelLoopsPass
    : Pass<"quantc-fuse-adjacent-parallel-loops", "::mlir::func::FuncOp"> {
  let summary = "Fuse adjacent parallel loops over the same iterations whose shared elements are per iteration";
  let description = [{
    Two layers that quantc-fuse-elementwise keeps apart (a residual add
    whose float sum a later add reads as well, and the quantize of that
    sum) lower to two parallel loops over the same iterations, the second
    reading the element the first wrote at the same iteration. On a thread
    team each is a layer with a barrier after it. When only pure ops
    (constants, views), allocations and deallocations sit between them
    (allocations move before the first loop, deallocations after the
    second), both have constant and equal
    bounds, and every pair of their accesses with a write among them either
    touches disjoint bytes (different buffers, or disjoint views of the
    scratch arena) or only what one iteration owns, the second loop's body
    runs inside the first's, after it. An iteration owns an element or a
    slice: for every dim of the loops, both accesses hold that dim's
    induction variable at the same index position (not the one a vector
    runs along), on a buffer with distinct addresses for distinct indices;
    other positions may hold anything (inner loops over a channel's plane,
    which a global pool sums after the depthwise conv that wrote it). Each
    element is computed as before.

    Before:
    ```mlir
    scf.parallel (%i) = (%c0) to (%c64) step (%c1) {
      ... memref.store %sum, %s[%i]
    }
    scf.parallel (%i) = (%c0) to (%c64) step (%c1) {
      %v = memref.load %s[%i] ... memref.store %q, %y[%i]
    }
    ```
    After:
    ```mlir
    scf.parallel (%i) = (%c0) to (%c64) step (%c1) {
      ... memref.store %sum, %s[%i]
      %v = memref.load %s[%i] ... memref.store %q, %y[%i]
    }
    ```
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect"];
}

def QuantcPlanParallelLoopsPass : Pass<"quantc-plan-parallel-loops", "::mlir::func::FuncOp"> {
  let summary = "Keep the scf.parallel loops worth a thread team; make the rest sequential";
  let description = [{
    Lowerings emit scf.parallel wherever iterations are independent (linalg's
    parallel dimensions, the N tiles and row chunks of packed kernels, the
    column blocks of the float GEMM). A parallel layer costs a barrier
    (0.15 to 1 microsecond on two cores; a layer outside a shared team
    forks one, about as much), so this pass keeps an outermost scf.parallel
    only when its estimated work (a scalar op is one unit, a vector op one
    per 32 bits, a scalar op in an innermost loop LLVM vectorizes an
    eighth) reaches `min-work`, about a microsecond on one core; below it,
    a layer runs on the team's primary thread instead, which then reads
    what the other threads wrote. Every other loop, and every scf.parallel
    nested in a kept one, becomes a nest of scf.for. A kept loop keeps as parallel the
    outer dimensions whose product first reaches 64 iterations, and runs the
    inner ones as scf.for, so innermost loops still vectorize. An
    elementwise loop whose outer dimensions give fewer than 64 but at least 8
    iterations keeps only those parallel; with fewer than 8, its innermost
    dimension goes in chunks of 256 (32 when shorter than 512), never one
    omp iteration per element. A kept loop of less than 32768 units that
    reads at most 4 KB of buffers other than constant globals (a squeeze-
    and-excitation block's fully connected layers) becomes sequential when
    the op with effects before or after it is: it joins that stretch on
    one thread, which saves the barrier it would add (worth more than half
    its work), repeated until no more join. With
    `enable=false` (targets without an OpenMP runtime) everything becomes
    sequential. Which iterations a thread runs never changes what an
    iteration computes, so results do not depend on the thread count.

    Before:
    ```mlir
    scf.parallel (%c, %h, %w) = (%c0, %c0, %c0) to (%c32, %c48, %c320) step (%c1, %c1, %c1) {
      ...
    }
    ```
    After:
    ```mlir
    scf.parallel (%c, %h) = (%c0, %c0) to (%c32, %c48) step (%c1, %c1) {
      scf.for %w = %c0 to %c320 step %c1 {
        ...
      }
    }
    ```
  }];
  let options = [
    Option<"minWork", "min-work", "int64_t", /*default=*/"2048",
           "Estimated operations below which a loop runs on one thread">,
    Option<"enable", "enable", "bool", /*default=*/"true",
           "Keep any parallel loop at all (false: all sequential)">
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect", "::mlir::arith::ArithDialect"];
}

def QuantcVectorizeHintsPass : Pass<"quantc-vectorize-hints", "::mlir::func::FuncOp"> {
  let summary = "Mark innermost loops over contiguous elements for LLVM's vectorizer";
  let description = [{
    Elementwise layers lower to scalar scf.for nests that rely on LLVM's
    loop vectorizer. In channels-last layouts the innermost loop is often
    short (8 or 16 channels), and LLVM's cost model then keeps it scalar:
    PP-OCR cls's first hardswish ran one element per vdivss. This pass
    gives an innermost loop `vectorize.enable` when its body is scalar
    arithmetic (arith, and math ops with vector instructions) on
    contiguous elements: the induction variable is the last index of every
    store and of any load that uses it, every other index is
    loop-invariant, and the step is 1. Forced, LLVM still picks the vector
    width by cost. Loops with results, stores to one address (reductions
    through memory), gathers and calls are left alone, so float results
    do not change.

    Before:
    ```mlir
    scf.for %c = %c0 to %c8 step %c1 {
      %x = memref.load %in[%h, %w, %c] : memref<24x96x8xf32>
      ...
      memref.store %y, %out[%h, %w, %c] : memref<24x96x8xi8>
    }
    ```
    After:
    ```mlir
    scf.for %c = %c0 to %c8 step %c1 {
      ...
    } {llvm.loop_annotation = #llvm.loop_annotation<vectorize = <disable = false>>}
    ```
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def QuantcVectorizeFloatReductionsPass
    : Pass<"quantc-vectorize-float-reductions", "::mlir::func::FuncOp"> {
  let summary = "Run float reductions through one address on vectors of partial results";
  let description = [{
    A float reduction over the innermost dim (GlobalAveragePool, ReduceMean,
    LayerNorm's moments, a softmax's max and sum) lowers to a scalar scf.for
    nest that loads an accumulator, adds (or takes the max or min of) one
    element's value and stores it back. LLVM keeps that a chain of
    dependent scalar ops, since reordering float adds changes the result:
    PP-OCR cls spent 16% of its float time in GlobalAveragePool. This pass
    rewrites such a nest (scf.for loops holding only the next loop, the
    accumulator's address fixed across all of them, the innermost loop's
    induction variable only the last index of contiguous loads, no load
    reading the accumulator's bytes) to carry 16 (or 8) partial results in
    a vector: vector loads, the body's elementwise ops on vectors, a masked
    tail step, then the lanes combined pairwise (halves, quarters, ...) and
    added to the accumulator once. The order is fixed at compile time, so
    results do not depend on the target or the thread count; sums may
    differ from the sequential order in the last bits (max and min do not).

    Before:
    ```mlir
    scf.for %h = %c0 to %c3 step %c1 {
      scf.for %w = %c0 to %c96 step %c1 {
        %x = memref.load %in[%c, %h, %w] : memref<32x3x96xf32>
        %a = memref.load %acc[%c] : memref<32xf32>
        %s = arith.addf %a, %x : f32
        memref.store %s, %acc[%c] : memref<32xf32>
      }
    }
    ```
    After:
    ```mlir
    %p = scf.for %h = %c0 to %c3 step %c1 iter_args(%ph = %neg_zeros) -> (vector<16xf32>) {
      %pw = scf.for %w = %c0 to %c96 step %c16 iter_args(%q = %ph) -> (vector<16xf32>) {
        %x = vector.load %in[%c, %h, %w] : memref<32x3x96xf32>, vector<16xf32>
        %s = arith.addf %q, %x : vector<16xf32>
        scf.yield %s : vector<16xf32>
      }
      scf.yield %pw : vector<16xf32>
    }
    // halves of %p added down to one lane %t
    %a = memref.load %acc[%c] : memref<32xf32>
    %s = arith.addf %a, %t : f32
    memref.store %s, %acc[%c] : memref<32xf32>
    ```
  }];
  let dependentDialects = ["::mlir::vector::VectorDialect", "::mlir::arith::ArithDialect"];
}

def QuantcExpandAllocaScopesPass
    : Pass<"quantc-expand-alloca-scopes", "::mlir::func::FuncOp"> {
  let summary = "Inline each memref.alloca_scope between llvm.intr.stacksave and stackrestore";
  let description = [{
    A stack buffer in a parallel loop's body (the matmul microkernel's
    im2col panel) is freed after each iteration: convert-scf-to-openmp and
    quantc-plan-parallel-loops wrap such bodies in memref.alloca_scope. The
    scope must hold one block, which convert-scf-to-cf breaks when it
    lowers the loops inside; finalize-memref-to-llvm, which would lower the
    scope, runs later. This pass does that lowering first: the body moves
    in place of the scope, between a stacksave and a stackrestore of the
    stack pointer (scopes with results are an error).

    Before:
    ```mlir
    memref.alloca_scope {
      %panel = memref.alloca() : memref<864x32xf32>
      scf.for ... { ... }
    }
    ```
    After:
    ```mlir
    %sp = llvm.intr.stacksave : !llvm.ptr
    %panel = memref.alloca() : memref<864x32xf32>
    scf.for ... { ... }
    llvm.intr.stackrestore %sp : !llvm.ptr
    ```
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def QuantcApplyLoopAnnotationsPass : Pass<"quantc-apply-loop-annotations", "::mlir::ModuleOp"> {
  let summary = "Make back edges' llvm.loop_annotation attributes their loop_annotation";
  let description = [{
    convert-scf-to-cf moves a loop's `llvm.loop_annotation` to the branch
    of its back edge, and convert-cf-to-llvm keeps it there as a
    discardable attribute, which translation to LLVM IR ignores. This pass
    makes it the branch's `loop_annotation`, which becomes `!llvm.loop`
    metadata.

    Before:
    ```mlir
    llvm.br ^bb1(%next : i64) {llvm.loop_annotation = #annotation}
    ```
    After:
    ```mlir
    llvm.br ^bb1(%next : i64) {loop_annotation = #annotation}
    ```
  }];
}

def QuantcFlattenConstantGlobalsPass : Pass<"quantc-flatten-constant-globals", "::mlir::ModuleOp"> {
  let summary = "Give constant memref.globals of rank 2 or more one dimension; users view them in their shape";
  let description = [{
    Translation to LLVM IR turns a global of shape AxBxCxD into nested
    arrays: one LLVM constant per innermost row (a 1x1 convolution's
    weights become one constant per weight), each uniqued by hashing and
    freed with the context. On PP-OCRv4 rec that was a third of code
    generation. A one-dimensional global is one constant made from the raw
    bytes. The initial value keeps its storage (a reshaped dense attribute,
    or the same resource blob); each memref.get_global becomes a get_global
    of the flat global and a memref.expand_shape to the old type, which
    LLVM lowering turns into the same address.

    Before:
    ```mlir
    memref.global "private" constant @w : memref<8x4xf32> = dense_resource<w>
    %0 = memref.get_global @w : memref<8x4xf32>
    ```
    After:
    ```mlir
    memref.global "private" constant @w : memref<32xf32> = dense_resource<w>
    %1 = memref.get_global @w : memref<32xf32>
    %0 = memref.expand_shape %1 [[0, 1]] output_shape [8, 4] : memref<32xf32> into memref<8x4xf32>
    ```
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

def QuantcOutlineLoopNestsPass : Pass<"quantc-outline-loop-nests", "::mlir::ModuleOp"> {
  let summary = "Move each top-level loop nest of a function into a private function of its own";
  let description = [{
    A model lowers to one function of a few hundred loop nests, and LLVM's
    costs grow faster than linearly with function size: the OpenMP
    outliner scans the whole function for each parallel region, and loop
    strength reduction and scheduling work per function. Outlined, each
    layer is a function of its own (named after the ONNX node in its
    location), which also lets code generation split the module.

    A nest takes as arguments the values it captures that it cannot
    recompute: scalars and memrefs of static shape and identity layout
    (the bare-pointer calling convention). Pure ops it captures (constants,
    global addresses, index arithmetic, views) are cloned into the new
    function, so constant bounds stay visible; a fresh allocation, or a
    view of one (a buffer of the scratch arena), is passed as
    `llvm.noalias`: buffers live at the same time have disjoint bytes, and
    LLVM then vectorizes short loops from one buffer into another without
    runtime overlap checks. The functions are internal and never inlined;
    a call costs nanoseconds per layer. A nest that
    returns values, or captures a value that cannot be passed, stays.

    Before:
    ```mlir
    func.func @main(%x: memref<64xf32>, %y: memref<64xf32>) {
      %c0 = arith.constant 0 : index
      ...
      scf.for %i = %c0 to %c64 step %c1 { ... }
      return
    }
    ```
    After:
    ```mlir
    func.func @main(%x: memref<64xf32>, %y: memref<64xf32>) {
      call @main__Relu_0(%x, %y) : (memref<64xf32>, memref<64xf32>) -> ()
      return
    }
    func.func private @main__Relu_0(%x: memref<64xf32>, %y: memref<64xf32>)
        attributes {llvm.linkage = #llvm.linkage<internal>, passthrough = ["noinline"],
                    quantc.outlined} {
      %c0 = arith.constant 0 : index
      ...
      scf.for %i = %c0 to %c64 step %c1 { ... }
      return
    }
    ```
  }];
  let dependentDialects = ["::mlir::func::FuncDialect", "::mlir::LLVM::LLVMDialect"];
}

def QuantcShareThreadTeamPass : Pass<"quantc-share-thread-team", "::mlir::ModuleOp"> {
  let summary = "Fork one thread team per call; layers share their loops out inside it";
  let description = [{
    Runs after quantc-outline-loop-nests and convert-scf-to-openmp, when
    each parallel layer is a function holding one omp.parallel around one
    omp.wsloop. Forking and joining a team for every layer costs about a
    microsecond each time, as much as a small layer's work on two cores;
    a barrier costs a tenth of that. So the caller's layers, from its
    first parallel layer call to its last, run inside one omp.parallel:

    - a parallel layer loses its own omp.parallel; its loop is shared out
      among the caller's threads by hand: thread t of T (omp_get_thread_num,
      omp_get_num_threads) runs the t-th of T balanced blocks of the
      collapsed iterations, then an omp.barrier orders it before what
      follows. An omp.wsloop would do the same, but Debian's libomp formats
      debug strings on every entry to one (__kmpc_for_static_init: half a
      microsecond per loop and thread, a tenth of a small layer's run);
    - each stretch of other ops with effects (sequential layers, copies)
      runs in an omp.masked (the primary thread: always the same core, so
      what one stretch writes is in that core's cache when the next reads
      it, where omp.single hands each stretch to whichever thread comes
      first), then an omp.barrier orders it before the next layer;
    - constants, views and index arithmetic the team reads are computed by
      each of its threads, at the start of the region: the OpenMP outliner
      then captures only what pure ops cannot make (the arena, the call's
      arguments), where each captured memref descriptor would travel
      through memory (thousands of stores in one block for a model).

    A layer qualifies when its loop has no reductions (their variables
    would be private to each thread), everything else in it is free of
    effects, and it has one caller, which is not a layer. A caller whose
    stretches would pass values to layers, or out of the team, or that
    holds a parallel loop of its own, keeps one team per layer. Every
    layer splits its iterations the same way, so a thread reads back what
    it wrote where one layer's rows are the next one's; what an iteration
    computes never depends on the thread count.

    Before:
    ```mlir
    func.func @main(%x: memref<64xf32>, %y: memref<64xf32>) {
      call @main__Relu_0(%x, %y) : (memref<64xf32>, memref<64xf32>) -> ()
      call @main__Softmax_1(%y) : (memref<64xf32>) -> ()
      call @main__Relu_2(%y, %x) : (memref<64xf32>, memref<64xf32>) -> ()
      return
    }
    func.func private @main__Relu_0(...) attributes {quantc.outlined} {
      omp.parallel { omp.wsloop { ... } omp.terminator }
      return
    }
    ```
    After:
    ```mlir
    func.func @main(%x: memref<64xf32>, %y: memref<64xf32>) {
      omp.parallel {
        func.call @main__Relu_0(%x, %y) : (memref<64xf32>, memref<64xf32>) -> ()
        omp.masked {
          func.call @main__Softmax_1(%y) : (memref<64xf32>) -> ()
          omp.terminator
        }
        omp.barrier
        func.call @main__Relu_2(%y, %x) : (memref<64xf32>, memref<64xf32>) -> ()
        omp.terminator
      }
      return
    }
    func.func private @main__Relu_0(...) attributes {quantc.outlined} {
      %t = call @omp_get_thread_num() : () -> i32
      %n = call @omp_get_num_threads() : () -> i32
      ... // [first, end): thread t's block of the 64 iterations
      scf.for %i = %first to %end step %c1 { ... }
      omp.barrier
      return
    }
    ```
  }];
  let dependentDialects = ["::mlir::omp::OpenMPDialect", "::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect", "::mlir::func::FuncDialect"];
}

def QuantcOpenMPThreadCountPass : Pass<"quantc-openmp-thread-count", "::mlir::ModuleOp"> {
  let summary = "Give every omp.parallel the runtime's thread count (quantc_thread_count())";
  let description = [{
    Runs after convert-scf-to-openmp. The thread count of a call is chosen
    at run time (`quantc run --threads`, the C API's quantc_run_options,
    QUANTC_NUM_THREADS, else every core the process may use), so each team
    asks the runtime for it.

    Before:
    ```mlir
    omp.parallel {
    ```
    After:
    ```mlir
    %n = func.call @quantc_thread_count() : () -> i32
    omp.parallel num_threads(%n : i32) {
    ```
  }];
  let dependentDialects = ["::mlir::func::FuncDialect", "::mlir::omp::OpenMPDialect"];
}

#endif // QUANTC_PASSES_CONVERSION_PASSES_TD
