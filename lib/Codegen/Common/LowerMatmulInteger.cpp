// qkernel.matmul_integer -> scf/vector loops around the target's dot
// instruction: the W8A8 layers (qnn.matmul_integer, qnn.conv_integer).
//
// x is already int8, so there is nothing to quantize: each row is copied
// once into zero-padded 32-bit words (4 bytes each, what the dot broadcasts;
// 64-bit words of 4 i16 for a dot that takes activations widened) and
// summed. For every tile of `lanes` output channels and every 1 or 4
// rows, the K blocks (unpacked like qkernel.matmul's) accumulate their dot
// products in int32; at the end the codes' offset (w + z: z * row sum) is
// subtracted and the bias added. Integer
// sums are exact, so the result is the int32 reference bit for bit. A fused
// requantize turns each row's accumulators into int8 in registers, in
// int64 arithmetic as qnn.requantize's lowering does; an epilogue region
// (the float chain after the layer) runs on them there too.
#include "quantc/Codegen/Lowering.h"

#include "PackedTiles.h"
#include "dialects/QKernel/QKernelOps.h"
#include "quantc/Codegen/Buffers.h"
#include "quantc/Codegen/DotInstruction.h"
#include "quantc/Codegen/KernelEpilogue.h"
#include "quantc/Codegen/RegisterBlocks.h"
#include "quantc/Codegen/Requantize.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace quantc::codegen {
namespace {

class IntegerMatmulEmitter : PackedTileEmitter {
public:
  IntegerMatmulEmitter(OpBuilder &b, qkernel::MatmulIntegerOp op, const DotInstruction &dot)
      : PackedTileEmitter(b, op.getLoc(), qkernel::toPackedLayout(op.getLayout())), op(op),
        dot(dot) {}

  Value emit() {
    // A convolution's im2col rows are prepared from its input, never copied.
    std::optional<ConvWindow> convWindow = matchConvWindow(op.getInput(), layout.k);
    Value x;
    if (convWindow)
      bindWindow(*convWindow);
    else
      x = rowsBuffer(op.getInput(), /*contiguous=*/true);
    packed = readOnlyBuffer(b, loc, op.getPacked());
    if (op.getBias())
      bias = readOnlyBuffer(b, loc, op.getBias());
    out = allocate(MemRefType::get({m, layout.n}, op.getOutput().getType().getElementType()));
    if (op.getMultipliers())
      prepareRequantize();
    if (op.hasEpilogue())
      epilogue.emplace(b, loc, op.getEpilogue(), layout.paddedN());
    // 8 rows per unpacked block: 8 int32 accumulators, and the unpacking
    // (shifts and masks below 8 bits) shared by 64 dots. Dots that keep
    // two partial sums a lane take 4 rows (8 registers of the 16 ymm).
    // With rows enough for every thread, each chunk of them prepares its
    // own rows first.
    int64_t step = dot.accumulatorType(b, lanes).getNumElements() > lanes ? 4 : 8;
    allocateRows();
    auto rowsBody = [&](Value tile, Value row, int64_t rows) { emitRows(tile, row, rows); };
    auto prepare = [&](Value row) { prepareRow(x, row); };
    auto prepareWindow = [&](Value first, Value end) { prepareWindowRows(first, end); };
    if (preparesInChunks(m, step)) {
      SmallVector<Value *> prepared = {&words, &rowSums};
      if (convWindow)
        forChunksPreparedThenTiles(m, step, prepareWindow, rowsBody, prepared);
      else
        forChunksPreparedThenTiles(m, step, prepare, rowsBody, prepared);
    } else {
      if (convWindow)
        forEachRunOfRows(m, kTransposeBlock, prepareWindow);
      else
        forEachRow(m, prepare);
      forTilesAndRows(m, step, rowsBody);
    }
    return expandRows(writtenTensor(b, loc, out), op.getOutput().getType());
  }

private:
  /// The requantize tables as [paddedN] i64 buffers (multiplier, rounding
  /// half 2^(shift - 1), shift), or splats when one pair serves all.
  void prepareRequantize() {
    ArrayRef<int32_t> multipliers = *op.getMultipliers();
    ArrayRef<int64_t> shifts = *op.getShifts();
    auto wide = vec(lanes, b.getI64Type());
    auto constant = [&](auto valueOf) -> Value {
      if (multipliers.size() == 1)
        return splat(wide, b.getI64IntegerAttr(valueOf(0)));
      std::vector<int64_t> values(layout.paddedN(), valueOf(0)); // padding lanes: never stored
      for (size_t c = 0; c < multipliers.size(); ++c)
        values[c] = valueOf(c);
      auto type = RankedTensorType::get({layout.paddedN()}, b.getI64Type());
      return readOnlyBuffer(b, loc, arith::ConstantOp::create(
                                        b, loc, DenseElementsAttr::get(type, ArrayRef(values))));
    };
    requantizeMultipliers = constant([&](size_t c) { return int64_t(multipliers[c]); });
    requantizeHalves = constant([&](size_t c) { return int64_t(1) << (shifts[c] - 1); });
    requantizeShifts = constant([&](size_t c) { return shifts[c]; });
  }

  /// The tile's accumulators requantized to int8 (qnn.requantize's arithmetic).
  Value requantize(Value acc, Value firstColumn) {
    auto tableAt = [&](Value table) -> Value {
      if (isa<VectorType>(table.getType()))
        return table;
      return vector::LoadOp::create(b, loc, vec(lanes, b.getI64Type()), table,
                                    ValueRange{firstColumn});
    };
    return emitRequantize(b, loc, acc, tableAt(requantizeMultipliers), tableAt(requantizeHalves),
                          tableAt(requantizeShifts), op.getOutputZeroPoint(), op.getClampMin(),
                          op.getClampMax(), b.getI8Type());
  }

  /// words [m, paddedK/4] i32: x's bytes, zero past k (i64: each 4 widened
  /// to i16, for a dot that takes them so); rowSums [m] i32.
  void allocateRows() {
    Type word = dot.takesWideActivations() ? b.getI64Type() : b.getI32Type();
    words = memref::AllocOp::create(b, loc, MemRefType::get({m, blocks * kBlockK / 4}, word));
    rowSums = memref::AllocOp::create(b, loc, MemRefType::get({m}, b.getI32Type()));
  }

  /// Row `row` of words and rowSums.
  void prepareRow(Value x, Value row) {
    Type i8 = b.getI8Type(), i32 = b.getI32Type();
    Value zeroByte = arith::ConstantOp::create(b, loc, b.getI8IntegerAttr(0));
    Value zero = arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(0));
    int64_t fullBlocks = layout.k / kBlockK, tail = layout.k % kBlockK;
    auto addBlock = [&](Value bytes, Value block, Value sum) -> Value {
      Value wide = arith::ExtSIOp::create(b, loc, vec(kBlockK, i32), bytes);
      Value blockSum = vector::ReductionOp::create(b, loc, vector::CombiningKind::ADD, wide);
      storeWords(bytes, row, block);
      return add(sum, blockSum);
    };
    auto sums = scf::ForOp::create(
        b, loc, index(0), index(fullBlocks), index(1), ValueRange{zero},
        [&](OpBuilder &, Location, Value block, ValueRange sum) {
          Value bytes = vector::TransferReadOp::create(b, loc, vec(kBlockK, i8), x,
                                                       ValueRange{row, mul(block, index(kBlockK))},
                                                       zeroByte, ArrayRef<bool>{true});
          scf::YieldOp::create(b, loc, ValueRange{addBlock(bytes, block, sum[0])});
        });
    Value sum = sums.getResult(0);
    if (tail) {
      // The last block's k - 32 * fullBlocks bytes, then zeros: AVX2 has no
      // byte-masked load, and a masked read became a test and an insert
      // per byte (cls's 1x1 convs of 88 channels: 3/4 of their time).
      Value bytes = splat(vec(kBlockK, i8), b.getI8IntegerAttr(0));
      int64_t offset = 0;
      for (int64_t size = kBlockK / 2; size > 0; size /= 2) {
        if (!(tail & size))
          continue;
        Value piece = vector::TransferReadOp::create(
            b, loc, vec(size, i8), x, ValueRange{row, index(fullBlocks * kBlockK + offset)},
            zeroByte, ArrayRef<bool>{true});
        bytes = vector::InsertStridedSliceOp::create(
            b, loc, piece, bytes, ArrayRef<int64_t>{offset}, ArrayRef<int64_t>{1});
        offset += size;
      }
      sum = addBlock(bytes, index(fullBlocks), sum);
    }
    memref::StoreOp::create(b, loc, sum, rowSums, ValueRange{preparedRow(row)});
  }

  /// Block `block` of row `row`'s words from its 32 bytes (vector<32xi8>).
  void storeWords(Value bytes, Value row, Value block) {
    Value packedWords =
        dot.takesWideActivations()
            ? vector::BitCastOp::create(
                  b, loc, vec(kBlockK / 4, b.getI64Type()),
                  arith::ExtSIOp::create(b, loc, vec(kBlockK, b.getI16Type()), bytes))
            : vector::BitCastOp::create(b, loc, vec(kBlockK / 4, b.getI32Type()), bytes);
    vector::StoreOp::create(b, loc, packedWords, words,
                            ValueRange{preparedRow(row), mul(block, index(kBlockK / 4))});
  }

  /// Window rows [first, end) of words and rowSums (WindowRows.cpp): 8
  /// rows' bytes at a time, their sums added up in rowSums block by block.
  void prepareWindowRows(Value first, Value end) {
    Type i8 = b.getI8Type(), i32 = b.getI32Type();
    auto group = [&](Value firstRow, Value start) {
      VectorType sumsType = vec(kTransposeBlock, i32);
      Value sumsAt = preparedRow(firstRow);
      vector::StoreOp::create(b, loc, splat(sumsType, b.getI32IntegerAttr(0)), rowSums,
                              ValueRange{sumsAt});
      forEachWindowBlock([&](Value block, int64_t live) {
        SmallVector<Value> codes;
        for (Value column : loadWindowColumns(start, block, live))
          codes.push_back(arith::ExtSIOp::create(b, loc, sumsType, column));
        Value sum = vector::LoadOp::create(b, loc, sumsType, rowSums, ValueRange{sumsAt});
        for (Value code : codes)
          sum = add(sum, code);
        vector::StoreOp::create(b, loc, sum, rowSums, ValueRange{sumsAt});
        SmallVector<Value> rowWords = rowWordsOf(codes);
        for (int64_t r = 0; r < kTransposeBlock; ++r)
          storeWords(vector::BitCastOp::create(b, loc, vec(kBlockK, i8), rowWords[r]),
                     add(firstRow, index(r)), block);
      });
    };
    auto one = [&](Value row) {
      Value sumAt = preparedRow(row);
      memref::StoreOp::create(b, loc, arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(0)),
                              rowSums, ValueRange{sumAt});
      Value rowStart = windowRowStart(row);
      forEachWindowBlock([&](Value block, int64_t live) {
        Value bytes = gatherWindowBlock(rowStart, block, live);
        Value wide = arith::ExtSIOp::create(b, loc, vec(kBlockK, i32), bytes);
        Value blockSum = vector::ReductionOp::create(b, loc, vector::CombiningKind::ADD, wide);
        Value sum = memref::LoadOp::create(b, loc, rowSums, ValueRange{sumAt});
        memref::StoreOp::create(b, loc, add(sum, blockSum), rowSums, ValueRange{sumAt});
        storeWords(bytes, row, block);
      });
    };
    forWindowRows(first, end, group, one);
  }

  void emitRows(Value tile, Value firstRow, int64_t rows) {
    Type i32 = b.getI32Type();
    auto accType = vec(lanes, i32);
    // One row alone runs four independent dot chains; several rows run one each.
    int64_t chains = rows == 1 ? 4 : 1;
    SmallVector<Value> init(rows * chains,
                            splat(dot.accumulatorType(b, lanes), b.getI32IntegerAttr(0)));
    scf::ForOp loop = groupsPerVector() ? sumByVectors(tile, firstRow, rows, chains, init)
                                        : sumByBlocks(tile, firstRow, rows, chains, init);
    Value firstColumn = mul(tile, index(lanes));
    Value zero = arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(0));
    // Codes are w + zero point; signed bytes hold them minus 128.
    int32_t offset = int32_t(op.getZeroPoint()) - (layout.signedBytes ? 128 : 0);
    // The tile's bias, read once for all its rows.
    Value tileBias;
    if (bias)
      tileBias = vector::TransferReadOp::create(b, loc, accType, bias, ValueRange{firstColumn},
                                                zero, ArrayRef<bool>{tilesWhole()});
    IRMapping tileEpilogue; // the epilogue's tables, likewise
    if (epilogue)
      tileEpilogue = epilogue->forTile(b, loc, lanes, firstColumn);
    for (int64_t r = 0; r < rows; ++r) {
      Value row = add(firstRow, index(r));
      Value sum = loop.getResult(r * chains);
      for (int64_t c = 1; c < chains; ++c)
        sum = add(sum, loop.getResult(r * chains + c));
      sum = dot.finish(b, loc, sum);
      if (offset) {
        Value rowSum = vector::BroadcastOp::create(
            b, loc, accType, memref::LoadOp::create(b, loc, rowSums, ValueRange{preparedRow(row)}));
        sum = arith::SubIOp::create(b, loc, sum,
                                    mul(rowSum, splat(accType, b.getI32IntegerAttr(offset))));
      }
      if (tileBias)
        sum = add(sum, tileBias);
      if (op.getMultipliers())
        sum = requantize(sum, firstColumn);
      if (epilogue)
        sum = epilogue->emit(b, sum, tileEpilogue);
      writeColumns(sum, row, firstColumn);
    }
  }

  /// Codes of several planes (3, 5, 6, 7 bits) or binary ones: each K block's 8 groups
  /// unpacked once (the shifts and masks shared by every row), then every
  /// row's 8 dots.
  scf::ForOp sumByBlocks(Value tile, Value firstRow, int64_t rows, int64_t chains,
                         ValueRange init) {
    return scf::ForOp::create(
        b, loc, index(0), index(blocks), index(1), init,
        [&](OpBuilder &, Location, Value block, ValueRange acc) {
          SmallVector<Value> groups = loadAndUnpack(tile, block);
          SmallVector<Value> next(acc.begin(), acc.end());
          for (int64_t r = 0; r < rows; ++r)
            for (int64_t group = 0; group < 8; ++group) {
              Value &sum = next[r * chains + group % chains];
              sum = dotWord(dot, sum, groups[group], words, add(firstRow, index(r)),
                            add(mul(block, index(8)), index(group)));
            }
          scf::YieldOp::create(b, loc, next);
        });
  }

  /// Codes of one plane (8, 4 or 2 bits): the tile's packed vectors are
  /// consecutive, vector v holding groups v * 8/bits on, so one loop steps
  /// over them, enough per step for four chains when one row runs alone,
  /// and stops at the last that holds part of k (padding groups would add
  /// zeros). A body of a few dots instead of 8 per row keeps the IR, and
  /// so compile time, small.
  scf::ForOp sumByVectors(Value tile, Value firstRow, int64_t rows, int64_t chains,
                          ValueRange init) {
    int64_t perVector = 8 / layout.bits;
    int64_t step = (chains + perVector - 1) / perVector;
    int64_t usedGroups = (layout.k + 3) / 4;
    int64_t usedVectors = (usedGroups + perVector - 1) / perVector;
    usedVectors = (usedVectors + step - 1) / step * step; // <= blocks * bits
    return scf::ForOp::create(
        b, loc, index(0), index(usedVectors), index(step), init,
        [&](OpBuilder &, Location, Value first, ValueRange acc) {
          SmallVector<Value> next(acc.begin(), acc.end());
          for (int64_t c = 0; c < step; ++c) {
            Value vector = add(first, index(c));
            // Vector v of the tile is vector v % bits of block v / bits.
            SmallVector<Value> groups = loadVectorGroups(tile, index(0), vector);
            for (int64_t field = 0; field < perVector; ++field) {
              Value word = add(mul(vector, index(perVector)), index(field));
              for (int64_t r = 0; r < rows; ++r) {
                Value &sum = next[r * chains + (c * perVector + field) % chains];
                sum = dotWord(dot, sum, groups[field], words, add(firstRow, index(r)), word);
              }
            }
          }
          scf::YieldOp::create(b, loc, next);
        });
  }

  qkernel::MatmulIntegerOp op;
  const DotInstruction &dot;
  Value words, rowSums;
  // The fused requantize's tables: vector splats or [paddedN] i64 buffers.
  Value requantizeMultipliers, requantizeHalves, requantizeShifts;
  std::optional<KernelEpilogue> epilogue;
};

} // namespace

LogicalResult lowerIntegerMatmuls(ModuleOp module, StringRef family) {
  return emitEach<qkernel::MatmulIntegerOp, IntegerMatmulEmitter>(module, family, dotForLayout);
}

} // namespace quantc::codegen
