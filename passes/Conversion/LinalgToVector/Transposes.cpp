// convert-linalg-transpose-to-vector: a transpose that moves the innermost
// dim (NHWC <-> NCHW around the packed kernels) as 8 x 8 register blocks,
// not as loops that gather one element at a time.
#include "passes/Conversion/Passes.h"

#include "passes/Conversion/LoopHints/Contiguity.h"
#include "quantc/Codegen/RegisterBlocks.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace quantc {
#define GEN_PASS_DEF_CONVERTLINALGTRANSPOSETOVECTORPASS
#include "passes/Conversion/Passes.h.inc"

using namespace mlir;

namespace {

constexpr int64_t kBlock = codegen::kTransposeBlock;
using codegen::transposeBlock;

struct BlockedTranspose : OpRewritePattern<linalg::TransposeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::TransposeOp op, PatternRewriter &rewriter) const override {
    auto input = dyn_cast<MemRefType>(op.getInput().getType());
    auto output = dyn_cast<MemRefType>(op.getInit().getType());
    if (!input || !output || !input.hasStaticShape() || !output.hasStaticShape() ||
        !innermostContiguous(input) || !innermostContiguous(output))
      return rewriter.notifyMatchFailure(op, "needs static buffers contiguous innermost");
    if (!VectorType::isValidElementType(output.getElementType()))
      return rewriter.notifyMatchFailure(op, "elements that make no vectors");
    ArrayRef<int64_t> perm = op.getPermutation();
    int64_t rank = output.getRank();
    // Output dim `last` is contiguous in the output, output dim `across`
    // (the input's innermost) in the input: blocks of 8 x 8 over them.
    int64_t last = rank - 1;
    int64_t across = llvm::find(perm, rank - 1) - perm.begin();
    if (across == last)
      return rewriter.notifyMatchFailure(op, "innermost dim stays: rows copy as vectors");
    int64_t acrossSize = output.getDimSize(across), lastSize = output.getDimSize(last);
    int64_t acrossBlocks = acrossSize / kBlock * kBlock, lastBlocks = lastSize / kBlock * kBlock;
    if (!acrossBlocks || !lastBlocks)
      return rewriter.notifyMatchFailure(op, "fewer than 8 elements along a blocked dim");

    Location loc = op.getLoc();
    Value in = op.getInput(), out = op.getInit();
    auto index = [&](int64_t v) -> Value {
      return arith::ConstantIndexOp::create(rewriter, loc, v);
    };
    SmallVector<Value> lower(rank, index(0)), upper, steps(rank, index(1));
    for (int64_t d = 0; d < rank; ++d)
      upper.push_back(index(d == across ? acrossBlocks
                            : d == last ? lastBlocks
                                        : output.getDimSize(d)));
    steps[across] = steps[last] = index(kBlock);
    auto rowType = VectorType::get({kBlock}, output.getElementType());
    scf::ParallelOp::create(
        rewriter, loc, lower, upper, steps, [&](OpBuilder &b, Location, ValueRange ivs) {
          // Input row j: the 8 elements along `across` at output column
          // ivs[last] + j; in input coordinates, dim perm[d] is output dim d.
          SmallVector<Value> rows;
          for (int64_t j = 0; j < kBlock; ++j) {
            SmallVector<Value> at(rank);
            for (int64_t d = 0; d < rank; ++d)
              at[perm[d]] = d == last ? arith::AddIOp::create(b, loc, ivs[d], index(j)) : ivs[d];
            rows.push_back(vector::LoadOp::create(b, loc, rowType, in, at));
          }
          SmallVector<Value> columns = transposeBlock(b, loc, rows);
          for (int64_t i = 0; i < kBlock; ++i) {
            SmallVector<Value> at(ivs.begin(), ivs.end());
            at[across] = arith::AddIOp::create(b, loc, ivs[across], index(i));
            vector::StoreOp::create(b, loc, columns[i], out, at);
          }
          scf::ReduceOp::create(b, loc);
        });
    // What the blocks leave (the last rows along `across`, then the last
    // columns of the blocked rows) stays a linalg.transpose on views, for
    // the loops (fewer than 8 along a blocked dim: never matched again).
    auto remainder = [&](int64_t dim, int64_t from, int64_t size, int64_t otherDim,
                         int64_t otherSize) {
      if (from == size)
        return;
      SmallVector<OpFoldResult> offsets(rank, rewriter.getIndexAttr(0)), sizes,
          strides(rank, rewriter.getIndexAttr(1));
      for (int64_t d = 0; d < rank; ++d)
        sizes.push_back(rewriter.getIndexAttr(output.getDimSize(d)));
      offsets[dim] = rewriter.getIndexAttr(from);
      sizes[dim] = rewriter.getIndexAttr(size - from);
      sizes[otherDim] = rewriter.getIndexAttr(otherSize);
      SmallVector<OpFoldResult> inOffsets(rank), inSizes(rank);
      for (int64_t d = 0; d < rank; ++d) {
        inOffsets[perm[d]] = offsets[d];
        inSizes[perm[d]] = sizes[d];
      }
      Value inView = memref::SubViewOp::create(rewriter, loc, in, inOffsets, inSizes, strides);
      Value outView = memref::SubViewOp::create(rewriter, loc, out, offsets, sizes, strides);
      linalg::TransposeOp::create(rewriter, loc, inView, outView, perm);
    };
    remainder(across, acrossBlocks, acrossSize, last, lastSize);
    remainder(last, lastBlocks, lastSize, across, acrossBlocks);
    rewriter.eraseOp(op);
    return success();
  }
};

struct ConvertLinalgTransposeToVectorPass
    : impl::ConvertLinalgTransposeToVectorPassBase<ConvertLinalgTransposeToVectorPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<BlockedTranspose>(&getContext());
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};

} // namespace
} // namespace quantc
