// qkernel.matmul -> scf/vector loops around the target's dot instruction.
//
// For every tile of `lanes` output channels and every `rows` rows of x, the
// kernel walks K in blocks of 32: it loads the block's `bits` packed
// vectors, unpacks the 8 dot groups with shifts and masks, and either
//  * (int8) feeds them with the block's quantized activations to the dot
//    instruction and scales the corrected integer sum into an f32
//    accumulator, or
//  * (float) widens each group's 4 code columns to f32 and multiplies them
//    with x in four fma chains, scaling once per group.
// The arithmetic order is the one referenceMatmul (Packing.cpp) spells out.
// fmas are math.fma (llvm.fma, always fused), not vector.fma (fmuladd,
// which targets without FMA split into a multiply and an add): the same
// bits on every target.
#include "quantc/Codegen/Lowering.h"

#include "PackedTiles.h"
#include "dialects/QKernel/QKernelOps.h"
#include "quantc/Codegen/Buffers.h"
#include "quantc/Codegen/DotInstruction.h"
#include "quantc/Codegen/Packing.h"
#include "quantc/Codegen/RegisterBlocks.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace quantc::codegen {
namespace {

/// Emits one qkernel.matmul. Holds the builder, the layout and the buffers.
class MatmulEmitter : PackedTileEmitter {
public:
  MatmulEmitter(OpBuilder &b, qkernel::MatmulOp op, const DotInstruction &dot)
      : PackedTileEmitter(b, op.getLoc(), qkernel::toPackedLayout(op.getLayout())), op(op),
        dot(dot) {}

  Value emit();

private:
  void emitRows(Value tile, Value firstRow, int64_t rows);
  void emitInt8Rows(Value tile, Value firstRow, int64_t rows);
  /// The block's integer dot products of `rows` rows (vector<lanes x i32>).
  SmallVector<Value> blockDots(Value tile, Value block, Value firstRow, int64_t rows);
  SmallVector<Value> blockDotsByVector(Value tile, Value block, Value firstRow, int64_t rows);
  void emitFloatRows(Value tile, Value firstRow, int64_t rows);
  Value scaleRowOf(Value block);

  qkernel::MatmulOp op;
  const DotInstruction &dot;
};

Value MatmulEmitter::emit() {
  bool int8 = op.getActivations() == "int8";
  auto rowsBody = [&](Value tile, Value row, int64_t rows) { emitRows(tile, row, rows); };
  // A convolution's im2col rows are quantized from its input, never copied.
  if (std::optional<ConvWindow> convWindow =
          int8 ? matchConvWindow(op.getInput(), layout.k) : std::nullopt) {
    bindWindow(*convWindow);
    bindWeightsAndOutput(op);
    auto prepareRows = [&](Value first, Value end) { quantizeWindowRows(first, end); };
    prepareActivations(Value(), /*quantize=*/true, /*preparedInChunks=*/true);
    if (preparesInChunks(m, 4)) {
      forChunksPreparedThenTiles(m, 4, prepareRows, rowsBody, preparedBuffers());
    } else {
      forEachRunOfRows(m, kTransposeBlock, prepareRows);
      forTilesAndRows(m, 4, rowsBody);
    }
    return expandRows(writtenTensor(b, loc, out), op.getOutput().getType());
  }
  Value xBuffer = bindOperands(op, /*contiguous=*/int8);
  // int8 x with rows enough for every thread: each chunk quantizes its own.
  bool inChunks = int8 && preparesInChunks(m, 4);
  prepareActivations(xBuffer, int8, inChunks);
  if (!inChunks)
    forTilesAndRows(m, 4, rowsBody);
  else
    forChunksPreparedThenTiles(
        m, 4, [&](Value row) { quantizeRow(xBuffer, row); }, rowsBody, preparedBuffers());
  return expandRows(writtenTensor(b, loc, out), op.getOutput().getType());
}

void MatmulEmitter::emitRows(Value tile, Value firstRow, int64_t rows) {
  if (op.getActivations() == "int8")
    emitInt8Rows(tile, firstRow, rows);
  else
    emitFloatRows(tile, firstRow, rows);
}

Value MatmulEmitter::scaleRowOf(Value block) {
  if (layout.group == 0)
    return index(0);
  return arith::DivUIOp::create(b, loc, block, index(layout.group / kBlockK));
}

void MatmulEmitter::emitInt8Rows(Value tile, Value firstRow, int64_t rows) {
  Type f32 = b.getF32Type();
  auto accType = vec(lanes, f32);
  Value firstColumn = mul(tile, index(lanes));
  SmallVector<Value> init(rows, splat(accType, b.getF32FloatAttr(0.0f)));
  auto loop = scf::ForOp::create(
      b, loc, index(0), index(blocks), index(1), init,
      [&](OpBuilder &, Location, Value block, ValueRange acc) {
        Value scaleRow = scaleRowOf(block);
        Value scalesOfRow = weightScales(scaleRow, firstColumn);
        Value zeros = zeroPoints(scaleRow, firstColumn, lanes);
        SmallVector<Value> sums = rows > 1 && groupsPerVector()
                                      ? blockDotsByVector(tile, block, firstRow, rows)
                                      : blockDots(tile, block, firstRow, rows);
        SmallVector<Value> next;
        for (int64_t r = 0; r < rows; ++r)
          next.push_back(accumulateBlock(sums[r], zeros, scalesOfRow, add(firstRow, index(r)),
                                         block, acc[r]));
        scf::YieldOp::create(b, loc, next);
      });
  for (int64_t r = 0; r < rows; ++r)
    store(loop.getResult(r), add(firstRow, index(r)), firstColumn);
}

SmallVector<Value> MatmulEmitter::blockDots(Value tile, Value block, Value firstRow, int64_t rows) {
  // One row alone runs four independent dot chains; several rows run one each.
  int64_t chains = rows == 1 ? 4 : 1;
  // The chains' sums together are the block's 8 dots.
  VectorType accType = dot.accumulatorType(b, lanes, /*dots=*/8);
  Value zero = splat(accType, b.getZeroAttr(accType.getElementType()));
  SmallVector<Value> groups = loadAndUnpack(tile, block);
  SmallVector<Value> sums;
  for (int64_t r = 0; r < rows; ++r) {
    Value row = add(firstRow, index(r));
    SmallVector<Value> partial(chains, zero);
    for (int64_t group = 0; group < 8; ++group)
      partial[group % chains] = dotWord(dot, partial[group % chains], groups[group], quantized,
                                        row, add(mul(block, index(8)), index(group)));
    Value sum = partial[0];
    for (int64_t c = 1; c < chains; ++c)
      sum = add(sum, partial[c]);
    sums.push_back(dot.finish(b, loc, sum));
  }
  return sums;
}

/// One plane's layouts: a loop over the block's `bits` packed vectors,
/// each unpacked into its 8/bits groups, instead of all 8 groups of every
/// row unrolled: a fraction of the IR, so of the compile time.
SmallVector<Value> MatmulEmitter::blockDotsByVector(Value tile, Value block, Value firstRow,
                                                    int64_t rows) {
  int64_t perVector = 8 / layout.bits;
  VectorType accType = dot.accumulatorType(b, lanes, /*dots=*/8);
  SmallVector<Value> init(rows, splat(accType, b.getZeroAttr(accType.getElementType())));
  auto loop = scf::ForOp::create(
      b, loc, index(0), index(layout.bits), index(1), init,
      [&](OpBuilder &, Location, Value vector, ValueRange acc) {
        SmallVector<Value> groups = loadVectorGroups(tile, block, vector);
        Value firstWord = add(mul(block, index(8)), mul(vector, index(perVector)));
        SmallVector<Value> next(acc.begin(), acc.end());
        for (int64_t field = 0; field < perVector; ++field)
          for (int64_t r = 0; r < rows; ++r)
            next[r] = dotWord(dot, next[r], groups[field], quantized, add(firstRow, index(r)),
                              add(firstWord, index(field)));
        scf::YieldOp::create(b, loc, next);
      });
  SmallVector<Value> sums;
  for (Value sum : loop.getResults())
    sums.push_back(dot.finish(b, loc, sum));
  return sums;
}

void MatmulEmitter::emitFloatRows(Value tile, Value firstRow, int64_t rows) {
  Type f32 = b.getF32Type(), i32 = b.getI32Type();
  auto accType = vec(lanes, f32);
  Value firstColumn = mul(tile, index(lanes));
  int64_t blocksPerGroup = layout.group == 0 ? blocks : layout.group / kBlockK;
  Value zeroAcc = splat(accType, b.getF32FloatAttr(0.0f));
  SmallVector<Value> init(rows, zeroAcc);
  auto groupsLoop = scf::ForOp::create(
      b, loc, index(0), index(layout.scaleRows()), index(1), init,
      [&](OpBuilder &, Location, Value scaleRow, ValueRange acc) {
        Value scalesOfRow = weightScales(scaleRow, firstColumn);
        Value zeros = zeroPoints(scaleRow, firstColumn, lanes);
        Value firstBlock = mul(scaleRow, index(blocksPerGroup));
        // Four fma chains per row: chain i takes the rows k = 4j + i.
        SmallVector<Value> partialInit(rows * 4, zeroAcc);
        auto blockLoop = scf::ForOp::create(
            b, loc, firstBlock, add(firstBlock, index(blocksPerGroup)), index(1), partialInit,
            [&](OpBuilder &, Location, Value block, ValueRange partial) {
              SmallVector<Value> groups = loadAndUnpack(tile, block);
              SmallVector<Value> next(partial.begin(), partial.end());
              for (int64_t group = 0; group < 8; ++group)
                for (int64_t i = 0; i < 4; ++i) {
                  SmallVector<int64_t> columns;
                  for (int64_t lane = 0; lane < lanes; ++lane)
                    columns.push_back(4 * lane + i);
                  Value codes = vector::ShuffleOp::create(b, loc, groups[group], groups[group], columns);
                  Value wide = layout.signedBytes
                                   ? Value(arith::ExtSIOp::create(b, loc, vec(lanes, i32), codes))
                                   : Value(arith::ExtUIOp::create(b, loc, vec(lanes, i32), codes));
                  Value weights = arith::SIToFPOp::create(
                      b, loc, accType, arith::SubIOp::create(b, loc, wide, zeros));
                  Value column = add(mul(block, index(kBlockK)), index(4 * group + i));
                  for (int64_t r = 0; r < rows; ++r) {
                    Value x = memref::LoadOp::create(b, loc, xPadded,
                                                     ValueRange{add(firstRow, index(r)), column});
                    Value xs = vector::BroadcastOp::create(b, loc, accType, x);
                    next[r * 4 + i] = math::FmaOp::create(b, loc, xs, weights, next[r * 4 + i]);
                  }
                }
              scf::YieldOp::create(b, loc, next);
            });
        SmallVector<Value> nextAcc;
        for (int64_t r = 0; r < rows; ++r) {
          auto part = [&](int64_t i) { return blockLoop.getResult(r * 4 + i); };
          Value sum = arith::AddFOp::create(b, loc, arith::AddFOp::create(b, loc, part(0), part(1)),
                                            arith::AddFOp::create(b, loc, part(2), part(3)));
          nextAcc.push_back(math::FmaOp::create(b, loc, sum, scalesOfRow, acc[r]));
        }
        scf::YieldOp::create(b, loc, nextAcc);
      });
  for (int64_t r = 0; r < rows; ++r)
    store(groupsLoop.getResult(r), add(firstRow, index(r)), firstColumn);
}

} // namespace

LogicalResult lowerQKernelOps(ModuleOp module, StringRef family) {
  if (failed((emitEach<qkernel::MatmulOp, MatmulEmitter>(module, family, dotForLayout))) ||
      failed(lowerIntegerMatmuls(module, family)) || failed(lowerLutMatmuls(module, family)))
    return failure();
  lowerDepthwiseConvs(module, family);
  lowerGatherRowsOps(module);
  return lowerPackOps(module);
}

} // namespace quantc::codegen
