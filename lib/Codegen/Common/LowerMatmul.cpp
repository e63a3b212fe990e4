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

#include "Buffers.h"
#include "PackedTiles.h"
#include "dialects/QKernel/QKernelOps.h"
#include "quantc/Codegen/DotInstruction.h"
#include "quantc/Codegen/Packing.h"

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
  void prepareActivations(Value x2d);
  void emitRows(Value tile, Value firstRow, int64_t rows);
  void emitInt8Rows(Value tile, Value firstRow, int64_t rows);
  void emitFloatRows(Value tile, Value firstRow, int64_t rows);
  Value zeroPoints(Value scaleRow, Value firstColumn);
  Value scaleRowOf(Value block);
  void store(Value acc, Value row, Value firstColumn);

  qkernel::MatmulOp op;
  const DotInstruction &dot;
  int64_t m = 0;
  // Buffers (and `packed`, inherited).
  Value scales, zeroTable, bias, out;
  Value xPadded;                          // [m, paddedK] f32
  Value quantized, blockScales, blockSums; // int8 mode: [m, paddedK/4] i32, [m, blocks] f32/i32
};

Value MatmulEmitter::emit() {
  auto inputType = op.getInput().getType();
  int64_t k = layout.k, n = layout.n;
  m = inputType.getNumElements() / k;
  Value x = collapseRows(op.getInput());
  auto f32 = b.getF32Type();
  auto dynamic = StridedLayoutAttr::get(b.getContext(), ShapedType::kDynamic,
                                        {ShapedType::kDynamic, ShapedType::kDynamic});
  Value xBuffer = readOnlyBuffer(b, loc, x, MemRefType::get({m, k}, f32, dynamic));
  packed = readOnlyBuffer(b, loc, op.getPacked());
  scales = readOnlyBuffer(b, loc, op.getScales());
  if (op.getZeroPoints())
    zeroTable = readOnlyBuffer(b, loc, op.getZeroPoints());
  if (op.getBias())
    bias = readOnlyBuffer(b, loc, op.getBias());
  out = memref::AllocOp::create(b, loc, MemRefType::get({m, n}, f32));

  prepareActivations(xBuffer);
  forTilesAndRows(m, 4, [&](Value tile, Value row, int64_t rows) { emitRows(tile, row, rows); });
  return expandRows(writtenTensor(b, loc, out), op.getOutput().getType());
}

/// Copies x into a zero-padded [m, paddedK] buffer; in int8 mode also
/// quantizes it per block of 32: bytes (as i32 words of 4), scale and sum.
void MatmulEmitter::prepareActivations(Value x2d) {
  Type f32 = b.getF32Type(), i32 = b.getI32Type();
  int64_t k = layout.k, paddedK = layout.paddedK();
  xPadded = memref::AllocOp::create(b, loc, MemRefType::get({m, paddedK}, f32));
  Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0f));
  if (paddedK != k)
    linalg::FillOp::create(b, loc, zero, xPadded);
  Value window = memref::SubViewOp::create(b, loc, xPadded, ArrayRef<OpFoldResult>{b.getIndexAttr(0), b.getIndexAttr(0)},
                                           ArrayRef<OpFoldResult>{b.getIndexAttr(m), b.getIndexAttr(k)},
                                           ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
  linalg::CopyOp::create(b, loc, x2d, window);
  if (op.getActivations() != "int8")
    return;

  quantized = memref::AllocOp::create(b, loc, MemRefType::get({m, paddedK / 4}, i32));
  blockScales = memref::AllocOp::create(b, loc, MemRefType::get({m, blocks}, f32));
  blockSums = memref::AllocOp::create(b, loc, MemRefType::get({m, blocks}, i32));
  auto values = vec(kBlockK, f32);
  scf::ForOp::create(b, loc, index(0), index(m), index(1), ValueRange{},
                     [&](OpBuilder &, Location, Value row, ValueRange) {
    scf::ForOp::create(b, loc, index(0), index(blocks), index(1), ValueRange{},
                       [&](OpBuilder &, Location, Value block, ValueRange) {
      Value x = vector::LoadOp::create(b, loc, values, xPadded,
                                       ValueRange{row, mul(block, index(kBlockK))});
      Value magnitude = math::AbsFOp::create(b, loc, x);
      Value maxAbs = vector::ReductionOp::create(b, loc, vector::CombiningKind::MAXNUMF, magnitude);
      maxAbs = arith::MaxNumFOp::create(b, loc, maxAbs, zero); // all-NaN blocks count as 0
      Value limit = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(127.0f));
      Value scale = arith::DivFOp::create(b, loc, maxAbs, limit);
      Value positive = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, maxAbs, zero);
      Value inverse = arith::SelectOp::create(b, loc, positive,
                                              arith::DivFOp::create(b, loc, limit, maxAbs), zero);
      Value scaled = arith::MulFOp::create(b, loc, x, vector::BroadcastOp::create(b, loc, values, inverse));
      scaled = arith::MaxNumFOp::create(b, loc, scaled, splat(values, b.getF32FloatAttr(-127.0f)));
      scaled = arith::MinNumFOp::create(b, loc, scaled, splat(values, b.getF32FloatAttr(127.0f)));
      Value rounded = math::RoundEvenOp::create(b, loc, scaled);
      Value ints = arith::FPToSIOp::create(b, loc, vec(kBlockK, i32), rounded);
      Value sum = vector::ReductionOp::create(b, loc, vector::CombiningKind::ADD, ints);
      Value bytes = arith::TruncIOp::create(b, loc, vec(kBlockK, b.getI8Type()), ints);
      Value words = vector::BitCastOp::create(b, loc, vec(kBlockK / 4, i32), bytes);
      vector::StoreOp::create(b, loc, words, quantized, ValueRange{row, mul(block, index(kBlockK / 4))});
      memref::StoreOp::create(b, loc, scale, blockScales, ValueRange{row, block});
      memref::StoreOp::create(b, loc, sum, blockSums, ValueRange{row, block});
      scf::YieldOp::create(b, loc);
    });
    scf::YieldOp::create(b, loc);
  });
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

/// The tile's zero points as vector<lanes x i32>, minus 128 where 8-bit
/// codes are stored as signed bytes (the dot then sums c - 128).
Value MatmulEmitter::zeroPoints(Value scaleRow, Value firstColumn) {
  auto i32 = b.getI32Type();
  int64_t shift = layout.signedBytes ? 128 : 0;
  if (auto constant = op.getZeroPoint())
    return splat(vec(lanes, i32), b.getI32IntegerAttr(int32_t(*constant - shift)));
  Value bytes = vector::LoadOp::create(b, loc, vec(lanes, b.getI8Type()), zeroTable,
                                       ValueRange{scaleRow, firstColumn});
  Value zeros = arith::ExtUIOp::create(b, loc, vec(lanes, i32), bytes);
  if (shift)
    zeros = arith::SubIOp::create(b, loc, zeros, splat(vec(lanes, i32), b.getI32IntegerAttr(shift)));
  return zeros;
}

void MatmulEmitter::emitInt8Rows(Value tile, Value firstRow, int64_t rows) {
  Type f32 = b.getF32Type(), i32 = b.getI32Type();
  auto accType = vec(lanes, f32), dotType = vec(lanes, i32);
  auto bytesType = vec(4 * lanes, b.getI8Type());
  Value firstColumn = mul(tile, index(lanes));
  // One row alone runs four independent dot chains; several rows run one each.
  int64_t chains = rows == 1 ? 4 : 1;
  SmallVector<Value> init(rows, splat(accType, b.getF32FloatAttr(0.0f)));
  auto loop = scf::ForOp::create(
      b, loc, index(0), index(blocks), index(1), init,
      [&](OpBuilder &, Location, Value block, ValueRange acc) {
        SmallVector<Value> groups = loadAndUnpack(tile, block);
        Value scaleRow = scaleRowOf(block);
        Value weightScales = vector::LoadOp::create(b, loc, accType, scales,
                                                    ValueRange{scaleRow, firstColumn});
        Value zeros = zeroPoints(scaleRow, firstColumn);
        SmallVector<Value> next;
        for (int64_t r = 0; r < rows; ++r) {
          Value row = add(firstRow, index(r));
          SmallVector<Value> partial(chains, splat(dotType, b.getI32IntegerAttr(0)));
          for (int64_t group = 0; group < 8; ++group) {
            Value word = memref::LoadOp::create(
                b, loc, quantized, ValueRange{row, add(mul(block, index(8)), index(group))});
            Value activations = vector::BitCastOp::create(
                b, loc, bytesType, vector::BroadcastOp::create(b, loc, dotType, word));
            Value &sum = partial[group % chains];
            sum = dot.dot(b, loc, sum, groups[group], activations);
          }
          Value sum = partial[0];
          for (int64_t c = 1; c < chains; ++c)
            sum = add(sum, partial[c]);
          Value blockSum = vector::BroadcastOp::create(
              b, loc, dotType, memref::LoadOp::create(b, loc, blockSums, ValueRange{row, block}));
          Value corrected = arith::SubIOp::create(b, loc, sum, mul(zeros, blockSum));
          Value blockScale = vector::BroadcastOp::create(
              b, loc, accType, memref::LoadOp::create(b, loc, blockScales, ValueRange{row, block}));
          Value factor = arith::MulFOp::create(b, loc, blockScale, weightScales);
          Value widened = arith::SIToFPOp::create(b, loc, accType, corrected);
          next.push_back(math::FmaOp::create(b, loc, widened, factor, acc[r]));
        }
        scf::YieldOp::create(b, loc, next);
      });
  for (int64_t r = 0; r < rows; ++r)
    store(loop.getResult(r), add(firstRow, index(r)), firstColumn);
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
        Value weightScales = vector::LoadOp::create(b, loc, accType, scales,
                                                    ValueRange{scaleRow, firstColumn});
        Value zeros = zeroPoints(scaleRow, firstColumn);
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
          nextAcc.push_back(math::FmaOp::create(b, loc, sum, weightScales, acc[r]));
        }
        scf::YieldOp::create(b, loc, nextAcc);
      });
  for (int64_t r = 0; r < rows; ++r)
    store(groupsLoop.getResult(r), add(firstRow, index(r)), firstColumn);
}

/// Bias, activation, and a store that masks the columns past n.
void MatmulEmitter::store(Value acc, Value row, Value firstColumn) {
  auto accType = cast<VectorType>(acc.getType());
  Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0f));
  if (bias) {
    Value values = vector::TransferReadOp::create(b, loc, accType, bias, ValueRange{firstColumn},
                                                  zero, ArrayRef<bool>{false});
    acc = arith::AddFOp::create(b, loc, acc, values);
  }
  if (op.getActivation() == "relu")
    acc = arith::MaxNumFOp::create(b, loc, acc, splat(accType, b.getF32FloatAttr(0.0f)));
  vector::TransferWriteOp::create(b, loc, acc, out, ValueRange{row, firstColumn},
                                  ArrayRef<bool>{false});
}

} // namespace

LogicalResult lowerQKernelOps(ModuleOp module, StringRef family) {
  if (failed((emitEach<qkernel::MatmulOp, MatmulEmitter>(module, family))) ||
      failed(lowerIntegerMatmuls(module, family)))
    return failure();
  return lowerPackOps(module);
}

} // namespace quantc::codegen
