// Shared pieces of the packed-matmul emitters (PackedTiles.h).
#include "PackedTiles.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace quantc::codegen {

Value PackedTileEmitter::rowsBuffer(Value input, bool contiguous) {
  auto type = cast<RankedTensorType>(input.getType());
  m = type.getNumElements() / layout.k;
  if (contiguous)
    return readOnlyBuffer(b, loc, collapseRows(input),
                          MemRefType::get({m, layout.k}, type.getElementType()));
  auto anyStrides = StridedLayoutAttr::get(b.getContext(), ShapedType::kDynamic,
                                           {ShapedType::kDynamic, ShapedType::kDynamic});
  return readOnlyBuffer(b, loc, collapseRows(input),
                        MemRefType::get({m, layout.k}, type.getElementType(), anyStrides));
}

Value PackedTileEmitter::allocate(MemRefType type) {
  return memref::AllocOp::create(b, loc, type);
}

Value PackedTileEmitter::splat(VectorType type, Attribute value) {
  return arith::ConstantOp::create(b, loc, DenseElementsAttr::get(type, value));
}

/// Planes are combined with shifts, masks and ors; no i4 types, no shuffles.
SmallVector<Value> PackedTileEmitter::loadAndUnpack(Value tile, Value block) {
  auto bytesType = vec(4 * lanes, b.getI8Type());
  Value first = mul(add(mul(tile, index(blocks)), block), index(layout.bits * 4 * lanes));
  SmallVector<Value> vectors;
  for (unsigned j = 0; j < layout.bits; ++j)
    vectors.push_back(vector::LoadOp::create(b, loc, bytesType, packed,
                                             ValueRange{add(first, index(j * 4 * lanes))}));
  SmallVector<Value> groups;
  for (int64_t group = 0; group < 8; ++group) {
    Value code;
    unsigned vectorBase = 0, codeBit = 0;
    for (unsigned width : planes) {
      int64_t perVector = 8 / width;
      // Binary codes stand for 2c: one bit up.
      Value part = moveField(vectors[vectorBase + group / perVector],
                             unsigned(group % perVector) * width, codeBit + (layout.binary ? 1 : 0),
                             width);
      code = code ? Value(arith::OrIOp::create(b, loc, code, part)) : part;
      vectorBase += width;
      codeBit += width;
    }
    groups.push_back(code);
  }
  return groups;
}

/// Moves the stored bits [shift, shift + width) of every byte straight to
/// bits [target, target + width), the others cleared.
Value PackedTileEmitter::moveField(Value bytes, unsigned shift, unsigned target, unsigned width) {
  auto bytesType = cast<VectorType>(bytes.getType());
  auto byteSplat = [&](int64_t v) { return splat(bytesType, b.getI8IntegerAttr(int8_t(v))); };
  if (shift > target)
    bytes = arith::ShRUIOp::create(b, loc, bytes, byteSplat(shift - target));
  else if (shift < target)
    bytes = arith::ShLIOp::create(b, loc, bytes, byteSplat(target - shift));
  // Neighbouring fields survive the move unless it pushed them out.
  bool bitsBelow = shift > 0 && target > 0, bitsAbove = shift + width < 8 && target + width < 8;
  if (bitsBelow || bitsAbove)
    bytes = arith::AndIOp::create(b, loc, bytes, byteSplat(((1 << width) - 1) << target));
  return bytes;
}

Value PackedTileEmitter::dotWord(const DotInstruction &dot, Value sum, Value codes, Value words,
                                 Value row, Value word) {
  // A word of 4 bytes (i32), or of 4 activations widened to i16 (i64),
  // repeated over the 4 * lanes bytes or 2 * lanes i16 of the codes.
  Type wordType = cast<MemRefType>(words.getType()).getElementType();
  int64_t wordBits = wordType.getIntOrFloatBitWidth();
  Type element = wordBits == 64 ? b.getI16Type() : b.getI8Type();
  int64_t copies = 4 * lanes * 8 / wordBits;
  Value activations = vector::BitCastOp::create(
      b, loc, vec(copies * 4, element),
      vector::BroadcastOp::create(
          b, loc, vec(copies, wordType),
          memref::LoadOp::create(b, loc, words, ValueRange{preparedRow(row), word})));
  return dot.dot(b, loc, sum, codes, activations);
}

bool PackedTileEmitter::groupsPerVector() const {
  return planes.size() == 1 && !layout.binary;
}

SmallVector<Value> PackedTileEmitter::loadVectorGroups(Value tile, Value block, Value vector) {
  unsigned width = layout.bits;
  int64_t vectorBytes = 4 * lanes;
  Value blockStart = mul(add(mul(tile, index(blocks)), block), index(width * vectorBytes));
  Value bytes = vector::LoadOp::create(b, loc, vec(vectorBytes, b.getI8Type()), packed,
                                       ValueRange{add(blockStart, mul(vector, index(vectorBytes)))});
  SmallVector<Value> groups;
  for (unsigned field = 0; field < 8 / width; ++field)
    groups.push_back(moveField(bytes, field * width, 0, width));
  return groups;
}

/// How m rows go `step` at a time (4 when fewer than `step` rows exist):
/// rows per step, chunks of kRowChunk rows rounded up to whole steps.
struct RowPlan {
  int64_t rowsPerStep, rowsInChunk, chunks;
};

static RowPlan planRows(int64_t m, int64_t step, int64_t chunk) {
  int64_t rowsPerStep = m >= step ? step : m >= 4 ? 4 : 1;
  int64_t rowsInChunk = (chunk + rowsPerStep - 1) / rowsPerStep * rowsPerStep;
  return {rowsPerStep, rowsInChunk, (m + rowsInChunk - 1) / rowsInChunk};
}

/// The plan for `iterations` parallel iterations per chunk of rows (the
/// tiles, or 1): with an odd count below 16 the threads' shares differ by a
/// whole iteration (9 chunks on two threads: 5 and 4), so chunks halve
/// while they stay whole steps. Which rows go a step at a time is the same
/// either way: chunks start at multiples of the step.
static RowPlan balancedRows(int64_t m, int64_t step, int64_t chunk, int64_t iterations) {
  RowPlan plan = planRows(m, step, chunk);
  while (plan.chunks * iterations < 16 && plan.chunks * iterations % 2 == 1 &&
         plan.rowsInChunk % (2 * plan.rowsPerStep) == 0)
    plan = planRows(m, step, plan.rowsInChunk / 2);
  return plan;
}

/// body(row, rows) over the rows [first, first + rowsInChunk) ∩ [0, m) of
/// one chunk: rowsPerStep at a time, the rows past the last full step one
/// at a time, the same rows either way as one sequential sweep would.
static void forChunkRows(OpBuilder &b, Location loc, int64_t m, const RowPlan &plan, Value first,
                         function_ref<void(Value, int64_t)> body) {
  auto index = [&](int64_t v) -> Value { return arith::ConstantIndexOp::create(b, loc, v); };
  auto rowLoop = [&](Value from, Value to, int64_t step) {
    scf::ForOp::create(b, loc, from, to, index(step), ValueRange{},
                       [&](OpBuilder &, Location, Value row, ValueRange) {
                         body(row, step);
                         scf::YieldOp::create(b, loc);
                       });
  };
  Value chunkEnd = arith::AddIOp::create(b, loc, first, index(plan.rowsInChunk));
  if (m % plan.rowsInChunk == 0) { // every chunk full
    rowLoop(first, chunkEnd, plan.rowsPerStep);
    return;
  }
  Value end = arith::MinSIOp::create(b, loc, chunkEnd, index(m));
  // first is a multiple of rowsPerStep, so the full steps end at
  // first + (end - first) / rowsPerStep * rowsPerStep.
  Value count = arith::DivUIOp::create(b, loc, arith::SubIOp::create(b, loc, end, first),
                                       index(plan.rowsPerStep));
  Value stepsEnd = arith::AddIOp::create(
      b, loc, first, arith::MulIOp::create(b, loc, count, index(plan.rowsPerStep)));
  rowLoop(first, stepsEnd, plan.rowsPerStep);
  if (plan.rowsPerStep > 1)
    rowLoop(stepsEnd, end, 1);
}

/// One parallel loop over (tile, chunk of kRowChunk rows): the chunks give
/// GEMM-shaped layers (few tiles, many rows) work for every thread.
void PackedTileEmitter::forTilesAndRows(int64_t m, int64_t step,
                                        function_ref<void(Value, Value, int64_t)> body) {
  int64_t tiles = layout.paddedN() / lanes;
  RowPlan plan = balancedRows(m, step, kRowChunk, tiles);
  scf::ParallelOp::create(
      b, loc, ValueRange{index(0), index(0)}, ValueRange{index(tiles), index(plan.chunks)},
      ValueRange{index(1), index(1)}, [&](OpBuilder &, Location, ValueRange ivs) {
        forChunkRows(b, loc, m, plan, mul(ivs[1], index(plan.rowsInChunk)),
                     [&](Value row, int64_t rows) { body(ivs[0], row, rows); });
      });
}

/// The rows of forChunksPreparedThenTiles: chunks of kRowChunk rows, or of
/// half that where they would be too few to share out (128 to 255 rows: a
/// loop of its own for the preparation, then a barrier, would cost more
/// than the tiles' parallelism gives), balanced.
static RowPlan preparedRows(int64_t m, int64_t step, int64_t chunk, int64_t minChunks) {
  if (planRows(m, step, chunk).chunks < minChunks)
    chunk /= 2;
  return balancedRows(m, step, chunk, 1);
}

bool PackedTileEmitter::preparesInChunks(int64_t m, int64_t step) {
  return preparedRows(m, step, kRowChunk, kMinPreparedChunks).chunks >= kMinPreparedChunks;
}

void PackedTileEmitter::forChunksPreparedThenTiles(int64_t m, int64_t step,
                                                   function_ref<void(Value)> prepare,
                                                   function_ref<void(Value, Value, int64_t)> body,
                                                   ArrayRef<Value *> chunkBuffers) {
  forChunksPreparedThenTiles(
      m, step,
      [&](Value first, Value end) {
        scf::ForOp::create(b, loc, first, end, index(1), ValueRange{},
                           [&](OpBuilder &, Location, Value row, ValueRange) {
                             prepare(row);
                             scf::YieldOp::create(b, loc);
                           });
      },
      body, chunkBuffers);
}

void PackedTileEmitter::forChunksPreparedThenTiles(int64_t m, int64_t step,
                                                   function_ref<void(Value, Value)> prepareRows,
                                                   function_ref<void(Value, Value, int64_t)> body,
                                                   ArrayRef<Value *> chunkBuffers) {
  int64_t tiles = layout.paddedN() / lanes;
  RowPlan plan = preparedRows(m, step, kRowChunk, kMinPreparedChunks);
  // A chunk's rows of each buffer: its type with rowsInChunk rows.
  SmallVector<MemRefType> chunkTypes;
  int64_t chunkBytes = 0;
  for (Value *buffer : chunkBuffers) {
    auto type = cast<MemRefType>(buffer->getType());
    SmallVector<int64_t> shape(type.getShape());
    shape[0] = plan.rowsInChunk;
    chunkTypes.push_back(MemRefType::get(shape, type.getElementType()));
    chunkBytes += chunkTypes.back().getNumElements() *
                  int64_t(type.getElementType().getIntOrFloatBitWidth() / 8);
  }
  bool onStack = !chunkBuffers.empty() && chunkBytes <= kMaxChunkStackBytes;
  SmallVector<Value> whole;
  for (Value *buffer : chunkBuffers)
    whole.push_back(*buffer);
  scf::ParallelOp::create(
      b, loc, ValueRange{index(0)}, ValueRange{index(plan.chunks)}, ValueRange{index(1)},
      [&](OpBuilder &, Location, ValueRange ivs) {
        Value first = mul(ivs[0], index(plan.rowsInChunk));
        Value end = arith::MinSIOp::create(b, loc, add(first, index(plan.rowsInChunk)), index(m));
        if (onStack) {
          for (auto [buffer, type] : llvm::zip(chunkBuffers, chunkTypes))
            *buffer = memref::AllocaOp::create(b, loc, type);
          preparedFirstRow = first;
        }
        prepareRows(first, end);
        scf::ForOp::create(b, loc, index(0), index(tiles), index(1), ValueRange{},
                           [&](OpBuilder &, Location, Value tile, ValueRange) {
                             forChunkRows(b, loc, m, plan, first, [&](Value row, int64_t rows) {
                               body(tile, row, rows);
                             });
                             scf::YieldOp::create(b, loc);
                           });
      });
  if (!onStack)
    return;
  preparedFirstRow = Value();
  for (auto [buffer, wholeBuffer] : llvm::zip(chunkBuffers, whole)) {
    *buffer = wholeBuffer;
    if (wholeBuffer.use_empty())
      wholeBuffer.getDefiningOp()->erase();
  }
}

static SmallVector<ReassociationIndices> rowGroups(int64_t rank) {
  SmallVector<ReassociationIndices> groups(2);
  for (int64_t d = 0; d + 1 < rank; ++d)
    groups[0].push_back(d);
  groups[1].push_back(rank - 1);
  return groups;
}

Value PackedTileEmitter::collapseRows(Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  if (type.getRank() == 2)
    return tensor;
  return tensor::CollapseShapeOp::create(b, loc, tensor, rowGroups(type.getRank()));
}

Value PackedTileEmitter::expandRows(Value tensor, RankedTensorType type) {
  if (type.getRank() == 2)
    return tensor;
  return tensor::ExpandShapeOp::create(b, loc, type, tensor, rowGroups(type.getRank()));
}

/// Float mode: copies x into a zero-padded [m, paddedK] buffer. Int8 mode:
/// quantizes x per block of 32 straight from x (the last block read masked,
/// zeros past k): bytes (as i32 words of 4), scale and sum.
void PackedTileEmitter::prepareActivations(Value x2d, bool quantize, bool preparedInChunks) {
  Type f32 = b.getF32Type(), i32 = b.getI32Type();
  int64_t k = layout.k, paddedK = layout.paddedK();
  Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0f));
  if (!quantize) {
    xPadded = memref::AllocOp::create(b, loc, MemRefType::get({m, paddedK}, f32));
    if (paddedK != k)
      linalg::FillOp::create(b, loc, zero, xPadded);
    Value window = memref::SubViewOp::create(
        b, loc, xPadded, ArrayRef<OpFoldResult>{b.getIndexAttr(0), b.getIndexAttr(0)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(m), b.getIndexAttr(k)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
    linalg::CopyOp::create(b, loc, x2d, window);
    return;
  }

  quantized = memref::AllocOp::create(b, loc, MemRefType::get({m, paddedK / 4}, i32));
  blockScales = memref::AllocOp::create(b, loc, MemRefType::get({m, blocks}, f32));
  blockSums = memref::AllocOp::create(b, loc, MemRefType::get({m, blocks}, i32));
  if (!preparedInChunks)
    forEachRow(m, [&](Value row) { quantizeRow(x2d, row); });
}

void PackedTileEmitter::quantizeRow(Value x2d, Value row) {
  Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0f));
  int64_t k = layout.k;
  scf::ForOp::create(b, loc, index(0), index(blocks), index(1), ValueRange{},
                     [&](OpBuilder &, Location, Value block, ValueRange) {
                       Value x = vector::TransferReadOp::create(
                           b, loc, vec(kBlockK, b.getF32Type()), x2d,
                           ValueRange{row, mul(block, index(kBlockK))}, zero,
                           ArrayRef<bool>{k % kBlockK == 0});
                       quantizeBlock(x, row, block);
                       scf::YieldOp::create(b, loc);
                     });
}

/// The largest magnitude is found as the largest bit pattern, NaNs ignored
/// (0 for an all-NaN block): non-negative floats order as their bits do,
/// and an integer max reduction is a few instructions where maxnumf's NaN
/// rules cost compares and blends at every step.
Value PackedTileEmitter::magnitudeBits(Value x) {
  auto type = cast<VectorType>(x.getType());
  Value magnitude = math::AbsFOp::create(b, loc, x);
  Value isNumber = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::ORD, x, x);
  magnitude =
      arith::SelectOp::create(b, loc, isNumber, magnitude, splat(type, b.getF32FloatAttr(0.0f)));
  return vector::BitCastOp::create(b, loc, type.clone(b.getI32Type()), magnitude);
}

std::pair<Value, Value> PackedTileEmitter::scaleAndInverse(Value maxBits) {
  Type type = b.getF32Type();
  if (auto vector = dyn_cast<VectorType>(maxBits.getType()))
    type = vector.clone(type);
  auto constant = [&](float v) -> Value {
    if (auto vector = dyn_cast<VectorType>(type))
      return splat(vector, b.getF32FloatAttr(v));
    return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
  };
  Value maxAbs = arith::BitcastOp::create(b, loc, type, maxBits);
  Value limit = constant(127.0f), zero = constant(0.0f);
  Value scale = arith::DivFOp::create(b, loc, maxAbs, limit);
  Value positive = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, maxAbs, zero);
  Value inverse =
      arith::SelectOp::create(b, loc, positive, arith::DivFOp::create(b, loc, limit, maxAbs), zero);
  return {scale, inverse};
}

Value PackedTileEmitter::codesAt(Value x, Value inverse) {
  auto type = cast<VectorType>(x.getType());
  Value scaled = arith::MulFOp::create(b, loc, x, inverse);
  scaled = arith::MaxNumFOp::create(b, loc, scaled, splat(type, b.getF32FloatAttr(-127.0f)));
  scaled = arith::MinNumFOp::create(b, loc, scaled, splat(type, b.getF32FloatAttr(127.0f)));
  Value rounded = math::RoundEvenOp::create(b, loc, scaled);
  return arith::FPToSIOp::create(b, loc, type.clone(b.getI32Type()), rounded);
}

void PackedTileEmitter::quantizeBlock(Value x, Value row, Value block) {
  auto values = cast<VectorType>(x.getType());
  Value maxBits =
      vector::ReductionOp::create(b, loc, vector::CombiningKind::MAXSI, magnitudeBits(x));
  auto [scale, inverse] = scaleAndInverse(maxBits);
  Value ints = codesAt(x, vector::BroadcastOp::create(b, loc, values, inverse));
  Value sum = vector::ReductionOp::create(b, loc, vector::CombiningKind::ADD, ints);
  Value bytes = arith::TruncIOp::create(b, loc, vec(kBlockK, b.getI8Type()), ints);
  Value words = vector::BitCastOp::create(b, loc, vec(kBlockK / 4, b.getI32Type()), bytes);
  sum = blockOffset(sum);
  row = preparedRow(row);
  vector::StoreOp::create(b, loc, words, quantized,
                          ValueRange{row, mul(block, index(kBlockK / 4))});
  memref::StoreOp::create(b, loc, scale, blockScales, ValueRange{row, block});
  memref::StoreOp::create(b, loc, sum, blockSums, ValueRange{row, block});
}

void PackedTileEmitter::forEachRow(int64_t rows, function_ref<void(Value)> body) {
  scf::ParallelOp::create(b, loc, ValueRange{index(0)}, ValueRange{index(rows)},
                          ValueRange{index(1)},
                          [&](OpBuilder &, Location, ValueRange ivs) { body(ivs[0]); });
}

void PackedTileEmitter::forEachRunOfRows(int64_t rows, int64_t size,
                                         function_ref<void(Value, Value)> body) {
  scf::ParallelOp::create(
      b, loc, ValueRange{index(0)}, ValueRange{index(rows)}, ValueRange{index(size)},
      [&](OpBuilder &, Location, ValueRange ivs) {
        body(ivs[0], arith::MinSIOp::create(b, loc, add(ivs[0], index(size)), index(rows)));
      });
}

/// The tile's zero points as vector<width x i32>, minus 128 where 8-bit
/// codes are stored as signed bytes (the dot then sums c - 128).
Value PackedTileEmitter::zeroPoints(Value scaleRow, Value firstColumn, int64_t width) {
  auto i32 = b.getI32Type();
  int64_t shift = layout.signedBytes ? 128 : 0;
  if (zeroConstant)
    return splat(vec(width, i32), b.getI32IntegerAttr(int32_t(*zeroConstant - shift)));
  Value bytes = vector::LoadOp::create(b, loc, vec(width, b.getI8Type()), zeroTable,
                                       ValueRange{scaleRow, firstColumn});
  Value zeros = arith::ExtUIOp::create(b, loc, vec(width, i32), bytes);
  if (shift)
    zeros = arith::SubIOp::create(b, loc, zeros, splat(vec(width, i32), b.getI32IntegerAttr(shift)));
  return zeros;
}

Value PackedTileEmitter::blockOffset(Value sum) {
  if (!zeroConstant)
    return sum;
  int32_t zero = int32_t(*zeroConstant - (layout.signedBytes ? 128 : 0));
  Value factor = arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(zero));
  if (auto type = dyn_cast<VectorType>(sum.getType()))
    factor = vector::BroadcastOp::create(b, loc, type, factor);
  return mul(sum, factor);
}

Value PackedTileEmitter::weightScales(Value scaleRow, Value firstColumn) {
  Type element = cast<MemRefType>(scales.getType()).getElementType();
  Value loaded = vector::LoadOp::create(b, loc, vec(lanes, element), scales,
                                        ValueRange{scaleRow, firstColumn});
  if (element.isF32())
    return loaded;
  return arith::ExtFOp::create(b, loc, vec(lanes, b.getF32Type()), loaded);
}

Value PackedTileEmitter::accumulateBlock(Value dot, Value zeros, Value weightScales, Value row,
                                         Value block, Value acc) {
  auto intType = cast<VectorType>(dot.getType());
  auto accType = cast<VectorType>(acc.getType());
  Value blockSum = vector::BroadcastOp::create(
      b, loc, intType,
      memref::LoadOp::create(b, loc, blockSums, ValueRange{preparedRow(row), block}));
  Value correction = zeroConstant ? blockSum : mul(zeros, blockSum);
  Value corrected = arith::SubIOp::create(b, loc, dot, correction);
  Value blockScale = vector::BroadcastOp::create(
      b, loc, accType,
      memref::LoadOp::create(b, loc, blockScales, ValueRange{preparedRow(row), block}));
  Value factor = arith::MulFOp::create(b, loc, blockScale, weightScales);
  Value widened = arith::SIToFPOp::create(b, loc, accType, corrected);
  return math::FmaOp::create(b, loc, widened, factor, acc);
}

/// Bias, activation, and a store that masks the columns past n.
void PackedTileEmitter::store(Value acc, Value row, Value firstColumn) {
  auto accType = cast<VectorType>(acc.getType());
  Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0f));
  if (bias) {
    Value values = vector::TransferReadOp::create(b, loc, accType, bias, ValueRange{firstColumn},
                                                  zero, ArrayRef<bool>{tilesWhole()});
    acc = arith::AddFOp::create(b, loc, acc, values);
  }
  if (relu)
    acc = arith::MaxNumFOp::create(b, loc, acc, splat(accType, b.getF32FloatAttr(0.0f)));
  writeColumns(acc, row, firstColumn);
}

bool PackedTileEmitter::tilesWhole() const { return layout.n % lanes == 0; }

void PackedTileEmitter::writeColumns(Value values, Value row, Value firstColumn) {
  auto write = [&](bool inBounds) {
    vector::TransferWriteOp::create(b, loc, values, out, ValueRange{row, firstColumn},
                                    ArrayRef<bool>{inBounds});
  };
  if (tilesWhole())
    return write(true);
  Value whole = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sle,
                                      add(firstColumn, index(lanes)), index(layout.n));
  scf::IfOp::create(
      b, loc, whole,
      [&](OpBuilder &, Location) {
        write(true);
        scf::YieldOp::create(b, loc);
      },
      [&](OpBuilder &, Location) {
        write(false);
        scf::YieldOp::create(b, loc);
      });
}

std::unique_ptr<DotInstruction> dotForLayout(Operation *op, qkernel::LayoutAttr layout,
                                             StringRef family) {
  auto dot = createDotInstruction(family, layout.getBits(), layout.getLanes(),
                                  layout.getSignedBytes());
  if (!dot)
    op->emitOpError() << "layout of " << layout.getLanes() << " lanes does not fit kernel family '"
                      << family << "' (vnni: 16, avx2: 8, neon: 4, generic: any)";
  return dot;
}

std::unique_ptr<TableLookup> lookupForLayout(Operation *op, qkernel::LayoutAttr layout,
                                             StringRef family) {
  auto lookup = createTableLookup(family, layout.getLanes());
  if (!lookup)
    op->emitOpError() << "lut layout of " << layout.getLanes()
                      << " lanes does not fit kernel family '" << family
                      << "' (vnni: 64, avx2: 32, neon: 16, generic: any)";
  return lookup;
}

} // namespace quantc::codegen
