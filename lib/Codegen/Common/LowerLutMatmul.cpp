// qkernel.lut_matmul -> scf/vector loops around the target's table lookup
// (T-MAC style).
//
// Each row of x is quantized per block of 32 to int8, as qkernel.matmul's
// int8 mode does. For every group of 4 activations, a 16-entry table holds
// the sum T of each subset of them (entry e: the a_i with bit i of e set),
// kept as two byte tables: L = T & 15 and H = T >> 4 (T = 16 H + L). In the
// kernel, a plane's packed bytes are nibble indices for `lanes` channels;
// one lookup per table and group fetches L or H for all of them, and bytes
// add up over 4 groups without overflow (sum L <= 60, |sum H| <= 128).
// Interleaving the two sums per 16-byte lane gives int16 words
// sum L + 256 sum H in channel order (the layout stores channels in that
// order), from which sum L + 16 sum H is two shifts, a mask and an add.
// Summing the groups and the planes shifted by their bit gives the block's
// integer dot product: the same int32 as the dot kernels, so the f32
// epilogue is theirs, bit for bit.
//
// int16 is exact: |T| <= 4 * 127, a plane over 8 groups <= 4064, and planes
// 0..2 shifted and summed <= 7 * 4064 < 2^15. Plane 3 (4-bit codes) is
// widened on its own.
#include "quantc/Codegen/Buffers.h"
#include "PackedTiles.h"
#include "dialects/QKernel/QKernelOps.h"
#include "quantc/Codegen/DotInstruction.h"
#include "quantc/Codegen/Packing.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace quantc::codegen {
namespace {

/// Table entries per block: 8 groups of 4 rows, 16 entries each.
constexpr int64_t kEntriesPerBlock = 8 * 16;
/// Planes that sum in int16 before widening (see the file comment).
constexpr unsigned kInt16Planes = 3;

class LutMatmulEmitter : PackedTileEmitter {
public:
  LutMatmulEmitter(OpBuilder &b, qkernel::LutMatmulOp op, const TableLookup &lookup)
      : PackedTileEmitter(b, op.getLoc(), qkernel::toPackedLayout(op.getLayout())), op(op),
        lookup(lookup), half(lanes / 2) {}

  Value emit() {
    Value x = bindOperands(op, /*contiguous=*/true);
    prepareActivations(x, /*quantize=*/true);
    buildTables();
    // Rows of a step share the unpacked indices; 64-lane tiles keep two
    // rows' accumulators in registers, narrower ones four.
    forTilesAndRows(m, lanes == 64 ? 2 : 4,
                    [&](Value tile, Value row, int64_t rows) { emitRows(tile, row, rows); });
    return expandRows(writtenTensor(b, loc, out), op.getOutput().getType());
  }

private:
  void buildTables();
  void emitRows(Value tile, Value firstRow, int64_t rows);
  SmallVector<Value> planeIndices(Value tile, Value block, unsigned plane);
  std::pair<Value, Value> lookupBatch(Value row, Value block, int64_t firstGroup,
                                      ArrayRef<Value> indices);
  Value widen(Value lowHalf, Value highHalf);

  qkernel::LutMatmulOp op;
  const TableLookup &lookup;
  int64_t half;
  Value tableLow, tableHigh; // [m, paddedK * 4] i8: 16 entries per group of 4 rows
};

/// Per row and block: the 8 groups' 16 subset sums, two groups (32 int16
/// entries) at a time, split into low and high bytes.
void LutMatmulEmitter::buildTables() {
  Type i8 = b.getI8Type(), i16 = b.getI16Type(), i32 = b.getI32Type();
  auto tableType = MemRefType::get({m, layout.paddedK() * 4}, i8);
  tableLow = allocate(tableType);
  tableHigh = allocate(tableType);
  auto entries = vec(32, i16);
  forEachRow(m, [&](Value row) {
        scf::ForOp::create(
            b, loc, index(0), index(blocks), index(1), ValueRange{},
            [&](OpBuilder &, Location, Value block, ValueRange) {
              Value words = vector::LoadOp::create(b, loc, vec(8, i32), quantized,
                                                   ValueRange{row, mul(block, index(8))});
              Value bytes = vector::BitCastOp::create(b, loc, vec(kBlockK, i8), words);
              Value a = arith::ExtSIOp::create(b, loc, vec(kBlockK, i16), bytes);
              for (int64_t pair = 0; pair < 4; ++pair) {
                Value total;
                for (int64_t i = 0; i < 4; ++i) {
                  SmallVector<int64_t> source;
                  SmallVector<int16_t> keep;
                  for (int64_t e = 0; e < 32; ++e) {
                    source.push_back(4 * (2 * pair + e / 16) + i);
                    keep.push_back(((e % 16) >> i) & 1 ? int16_t(-1) : int16_t(0));
                  }
                  Value picked = vector::ShuffleOp::create(b, loc, a, a, source);
                  Value mask = arith::ConstantOp::create(
                      b, loc, DenseElementsAttr::get(entries, ArrayRef<int16_t>(keep)));
                  Value term = arith::AndIOp::create(b, loc, picked, mask);
                  total = total ? Value(arith::AddIOp::create(b, loc, total, term)) : term;
                }
                Value nibble =
                    arith::AndIOp::create(b, loc, total, splat(entries, b.getI16IntegerAttr(15)));
                Value low = arith::TruncIOp::create(b, loc, vec(32, i8), nibble);
                Value shifted =
                    arith::ShRSIOp::create(b, loc, total, splat(entries, b.getI16IntegerAttr(4)));
                Value high = arith::TruncIOp::create(b, loc, vec(32, i8), shifted);
                Value at = add(mul(block, index(kEntriesPerBlock)), index(32 * pair));
                vector::StoreOp::create(b, loc, low, tableLow, ValueRange{row, at});
                vector::StoreOp::create(b, loc, high, tableHigh, ValueRange{row, at});
              }
              scf::YieldOp::create(b, loc);
            });
      });
}

/// The 8 groups' index vectors of one plane of a tile's block: the low and
/// high nibbles of its 4 packed vectors.
SmallVector<Value> LutMatmulEmitter::planeIndices(Value tile, Value block, unsigned plane) {
  auto bytesType = vec(lanes, b.getI8Type());
  Value first =
      mul(add(mul(add(mul(tile, index(blocks)), block), index(layout.bits)), index(plane)),
          index(4 * lanes));
  Value lowMask = splat(bytesType, b.getI8IntegerAttr(15));
  Value four = splat(bytesType, b.getI8IntegerAttr(4));
  SmallVector<Value> indices;
  for (int64_t p = 0; p < 4; ++p) {
    Value v =
        vector::LoadOp::create(b, loc, bytesType, packed, ValueRange{add(first, index(p * lanes))});
    indices.push_back(arith::AndIOp::create(b, loc, v, lowMask));
    indices.push_back(arith::ShRUIOp::create(b, loc, v, four));
  }
  return indices;
}

/// The sum of T[index] over 4 groups (`firstGroup` on) for all the tile's
/// channels, as two vector<lanes/2 x i16>: channels [0, lanes/2) and
/// [lanes/2, lanes).
std::pair<Value, Value> LutMatmulEmitter::lookupBatch(Value row, Value block, int64_t firstGroup,
                                                      ArrayRef<Value> indices) {
  auto tableType = vec(16, b.getI8Type());
  Value lowSum, highSum;
  for (int64_t group = firstGroup; group < firstGroup + 4; ++group) {
    Value at = add(mul(block, index(kEntriesPerBlock)), index(16 * group));
    Value low = lookup.lookup(
        b, loc, vector::LoadOp::create(b, loc, tableType, tableLow, ValueRange{row, at}),
        indices[group]);
    Value high = lookup.lookup(
        b, loc, vector::LoadOp::create(b, loc, tableType, tableHigh, ValueRange{row, at}),
        indices[group]);
    lowSum = lowSum ? Value(arith::AddIOp::create(b, loc, lowSum, low)) : low;
    highSum = highSum ? Value(arith::AddIOp::create(b, loc, highSum, high)) : high;
  }
  // Interleave the sums per 16-byte lane (punpcklbw/punpckhbw, zip1/zip2):
  // little-endian words w = sum L + 256 sum H, in channel order.
  SmallVector<int64_t> first, second;
  for (int64_t t = 0; t < half; ++t) {
    int64_t byte = 16 * (t / 8) + t % 8;
    first.append({byte, lanes + byte});
    second.append({byte + 8, lanes + byte + 8});
  }
  auto wordsType = vec(half, b.getI16Type());
  auto words = [&](int64_t v) { return splat(wordsType, b.getI16IntegerAttr(int16_t(v))); };
  auto combine = [&](ArrayRef<int64_t> order) {
    Value bytes = vector::ShuffleOp::create(b, loc, lowSum, highSum, order);
    Value w = vector::BitCastOp::create(b, loc, wordsType, bytes);
    // sum L + 16 sum H = (w & 255) + ((w >> 8) << 4), as sum L < 256.
    Value low = arith::AndIOp::create(b, loc, w, words(255));
    Value high =
        arith::ShLIOp::create(b, loc, arith::ShRSIOp::create(b, loc, w, words(8)), words(4));
    return arith::AddIOp::create(b, loc, low, high).getResult();
  };
  return {combine(first), combine(second)};
}

/// Two int16 halves -> vector<lanes x i32> in channel order.
Value LutMatmulEmitter::widen(Value lowHalf, Value highHalf) {
  auto wide = vec(half, b.getI32Type());
  Value a = arith::ExtSIOp::create(b, loc, wide, lowHalf);
  Value c = arith::ExtSIOp::create(b, loc, wide, highHalf);
  SmallVector<int64_t> concat;
  for (int64_t i = 0; i < lanes; ++i)
    concat.push_back(i);
  return vector::ShuffleOp::create(b, loc, a, c, concat);
}

void LutMatmulEmitter::emitRows(Value tile, Value firstRow, int64_t rows) {
  Type f32 = b.getF32Type(), i16 = b.getI16Type(), i32 = b.getI32Type();
  auto accType = vec(lanes, f32), intType = vec(lanes, i32), halfType = vec(half, i16);
  Value firstColumn = mul(tile, index(lanes));
  unsigned binaryShift = layout.binary ? 1 : 0; // binary codes stand for 2c
  SmallVector<Value> init(rows, splat(accType, b.getF32FloatAttr(0.0f)));
  auto loop = scf::ForOp::create(
      b, loc, index(0), index(blocks), index(1), init,
      [&](OpBuilder &, Location, Value block, ValueRange acc) {
        // Per row: [low half, high half] sums of planes 0..2, and of plane 3.
        SmallVector<std::array<Value, 2>> low(rows), top(rows);
        for (unsigned plane = 0; plane < layout.bits; ++plane) {
          SmallVector<Value> indices = planeIndices(tile, block, plane);
          for (int64_t r = 0; r < rows; ++r) {
            Value row = add(firstRow, index(r));
            std::array<Value, 2> sum;
            for (int64_t group = 0; group < 8; group += 4) {
              auto [first, second] = lookupBatch(row, block, group, indices);
              sum[0] = sum[0] ? Value(arith::AddIOp::create(b, loc, sum[0], first)) : first;
              sum[1] = sum[1] ? Value(arith::AddIOp::create(b, loc, sum[1], second)) : second;
            }
            if (plane >= kInt16Planes) {
              top[r] = sum;
              continue;
            }
            for (int h = 0; h < 2; ++h) {
              if (unsigned shift = plane + binaryShift)
                sum[h] = arith::ShLIOp::create(b, loc, sum[h],
                                               splat(halfType, b.getI16IntegerAttr(shift)));
              low[r][h] =
                  low[r][h] ? Value(arith::AddIOp::create(b, loc, low[r][h], sum[h])) : sum[h];
            }
          }
        }
        Value scaleRow =
            layout.group == 0
                ? index(0)
                : Value(arith::DivUIOp::create(b, loc, block, index(layout.group / kBlockK)));
        Value scalesOfRow = weightScales(scaleRow, firstColumn);
        Value zeros = zeroPoints(scaleRow, firstColumn, lanes);
        SmallVector<Value> next;
        for (int64_t r = 0; r < rows; ++r) {
          Value row = add(firstRow, index(r));
          Value dot = widen(low[r][0], low[r][1]);
          if (top[r][0]) {
            Value upper = arith::ShLIOp::create(b, loc, widen(top[r][0], top[r][1]),
                                                splat(intType, b.getI32IntegerAttr(kInt16Planes)));
            dot = arith::AddIOp::create(b, loc, dot, upper);
          }
          next.push_back(accumulateBlock(dot, zeros, scalesOfRow, row, block, acc[r]));
        }
        scf::YieldOp::create(b, loc, next);
      });
  for (int64_t r = 0; r < rows; ++r)
    store(loop.getResult(r), add(firstRow, index(r)), firstColumn);
}

} // namespace

LogicalResult lowerLutMatmuls(ModuleOp module, StringRef family) {
  return emitEach<qkernel::LutMatmulOp, LutMatmulEmitter>(module, family, lookupForLayout);
}

} // namespace quantc::codegen
