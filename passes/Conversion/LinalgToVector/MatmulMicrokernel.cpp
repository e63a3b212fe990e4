// convert-linalg-matmul-to-vector: register-blocked vector microkernel for buffer matmuls.
#include "passes/Conversion/LinalgToVector/BProducer.h"
#include "passes/Conversion/LinalgToVector/Im2colPanel.h"
#include "passes/Conversion/LinalgToVector/MatmulEpilogue.h"
#include "passes/Conversion/LinalgToVector/RowScaledPanel.h"
#include "passes/Conversion/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace quantc {
#define GEN_PASS_DEF_CONVERTLINALGMATMULTOVECTORPASS
#include "passes/Conversion/Passes.h.inc"

using namespace mlir;

namespace {

/// One C[batch] += A[batch] x B[batch] with static M, N, K.
struct Gemm {
  Value a, b, c;
  Value batch; // null for a 2-D matmul
  int64_t m, n, k;
  Type element;      // of C (the accumulator)
  Type inputElement; // of A and B: the same float, or i8 for an i32 accumulator
  /// What C held before, when the op that wrote it whole was folded into
  /// the accumulators' start: one scalar (linalg.fill), one value per row
  /// (a bias broadcast, rowValues[row] or rowValues[row, 0]) or a buffer of
  /// C's shape (a memref.copy's source). Null: load C.
  Value fillValue, rowValues, copiedValues;
  /// An elementwise consumer of C run on each tile before it is stored.
  const MatmulEpilogue *epilogue = nullptr;
  /// Packs B's columns [j0, j0 + width) into a K x width panel, when B is
  /// made per column block (a conv's im2col matrix, rows of x scaled);
  /// `packedB`: b is that panel, read from its column 0.
  function_ref<void(OpBuilder &, Location, Value panel, Value j0, int64_t width)> packPanel =
      nullptr;
  bool packedB = false;
  /// Rows the panel's buffer has past K, for the packing's spills.
  int64_t panelSpareRows = 0;
  /// The global holding B's column blocks (quantc-pack-matmul-weights), or null.
  FlatSymbolRefAttr packedBlocks = {};

  SmallVector<Value> at(Value row, Value col) const {
    SmallVector<Value> index;
    if (batch)
      index.push_back(batch);
    index.append({row, col});
    return index;
  }
};

Value indexConstant(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// C[row, j0 : j0 + width] before the product: what C holds, or what its
/// folded writer would have stored there (the same values).
Value initialAccumulator(OpBuilder &b, Location loc, const Gemm &g, VectorType type, Value row,
                         Value j0) {
  if (g.fillValue)
    return vector::BroadcastOp::create(b, loc, type, g.fillValue);
  if (g.rowValues) {
    SmallVector<Value> index = {row};
    if (cast<MemRefType>(g.rowValues.getType()).getRank() == 2)
      index.push_back(indexConstant(b, loc, 0));
    Value value = memref::LoadOp::create(b, loc, g.rowValues, index);
    return vector::BroadcastOp::create(b, loc, type, value);
  }
  return vector::LoadOp::create(b, loc, type, g.copiedValues ? g.copiedValues : g.c, g.at(row, j0));
}

/// Stores C[row, j0 : j0 + width] = `sums` (a vector of width lanes), or
/// the epilogue's values of them in its output (and C too when something
/// else reads C).
void storeRow(OpBuilder &b, Location loc, const Gemm &g, Value sums, Value row, Value j0) {
  if (!g.epilogue || g.epilogue->keepC)
    vector::StoreOp::create(b, loc, sums, g.c, g.at(row, j0));
  if (g.epilogue)
    vector::StoreOp::create(b, loc, g.epilogue->apply(b, loc, sums, row, j0), g.epilogue->output,
                            ValueRange{row, j0});
}

/// Emits one mr x nr tile at (i0, j0): accumulators live in iter_args across k.
void emitTile(OpBuilder &b, Location loc, const Gemm &g, Value i0, Value j0, int64_t mr,
              int64_t nr) {
  auto vectorType = VectorType::get({nr}, g.element);
  SmallVector<Value> rows, accumulators;
  for (int64_t r = 0; r < mr; ++r) {
    rows.push_back(
        r == 0 ? i0 : arith::AddIOp::create(b, loc, i0, indexConstant(b, loc, r)).getResult());
    accumulators.push_back(initialAccumulator(b, loc, g, vectorType, rows[r], j0));
  }
  auto loop = scf::ForOp::create(
      b, loc, indexConstant(b, loc, 0), indexConstant(b, loc, g.k), indexConstant(b, loc, 1),
      accumulators, [&](OpBuilder &nb, Location l, Value k, ValueRange acc) {
        bool widen = g.inputElement != g.element; // int8 inputs, int32 accumulator
        Value bRow = vector::LoadOp::create(nb, l, VectorType::get({nr}, g.inputElement), g.b,
                                            g.at(k, g.packedB ? indexConstant(nb, l, 0) : j0));
        if (widen)
          bRow = arith::ExtSIOp::create(nb, l, vectorType, bRow);
        SmallVector<Value> next;
        for (int64_t r = 0; r < mr; ++r) {
          Value a = memref::LoadOp::create(nb, l, g.a, g.at(rows[r], k));
          if (widen)
            a = arith::ExtSIOp::create(nb, l, g.element, a);
          Value splat = vector::BroadcastOp::create(nb, l, vectorType, a);
          if (isa<FloatType>(g.element))
            next.push_back(vector::FMAOp::create(nb, l, splat, bRow, acc[r]));
          else
            next.push_back(
                arith::AddIOp::create(nb, l, acc[r], arith::MulIOp::create(nb, l, splat, bRow)));
        }
        scf::YieldOp::create(nb, l, next);
      });
  for (int64_t r = 0; r < mr; ++r)
    storeRow(b, loc, g, loop.getResult(r), rows[r], j0);
}

/// body(start, size) for the full blocks of `step` in [0, total) inside one
/// scf.for (an scf.parallel with `parallel`), then once for the remainder
/// (static sizes both).
void forBlocks(OpBuilder &b, Location loc, int64_t total, int64_t step,
               function_ref<void(OpBuilder &, Location, Value, int64_t)> body,
               bool parallel = false) {
  int64_t full = total - total % step;
  Value lower = indexConstant(b, loc, 0), upper = indexConstant(b, loc, full),
        stride = indexConstant(b, loc, step);
  if (full > 0 && parallel)
    scf::ParallelOp::create(
        b, loc, lower, upper, stride,
        [&](OpBuilder &nb, Location l, ValueRange start) { body(nb, l, start[0], step); });
  else if (full > 0)
    scf::ForOp::create(b, loc, lower, upper, stride, ValueRange{},
                       [&](OpBuilder &nb, Location l, Value start, ValueRange) {
                         body(nb, l, start, step);
                         scf::YieldOp::create(nb, l);
                       });
  if (total % step)
    body(b, loc, upper, total % step);
}

/// C[0, j0 : j0 + width] += x[k..k+rows) . B[k..k+rows, same columns]: one
/// vector of C, `rows` fmas in k order (the element order emitTile uses).
void emitRowStreamStep(OpBuilder &b, Location loc, const Gemm &g, Value k, int64_t rows, Value j0,
                       int64_t width) {
  auto vectorType = VectorType::get({width}, g.element);
  Value zero = indexConstant(b, loc, 0);
  Value acc = vector::LoadOp::create(b, loc, vectorType, g.c, g.at(zero, j0));
  for (int64_t r = 0; r < rows; ++r) {
    Value row = r ? arith::AddIOp::create(b, loc, k, indexConstant(b, loc, r)).getResult() : k;
    Value x = vector::BroadcastOp::create(b, loc, vectorType,
                                          memref::LoadOp::create(b, loc, g.a, g.at(zero, row)));
    Value bRow = vector::LoadOp::create(b, loc, vectorType, g.b, g.at(row, j0));
    acc = vector::FMAOp::create(b, loc, x, bRow, acc);
  }
  vector::StoreOp::create(b, loc, acc, g.c, g.at(zero, j0));
}

/// A float GEMV (M = 1) streams B row by row instead of walking a column
/// panel down K: a panel walk touches a new page per row of B (a TLB miss
/// per load once B outgrows the cache); rows of B are contiguous. Four rows
/// at a time share each load and store of C, which stays in L1. Chunks of
/// kGemvChunk columns are independent (threads take whole chunks); each
/// output still sums its products in k order.
constexpr int64_t kGemvChunk = 512;

bool isRowStream(const Gemm &g) {
  return g.m == 1 && isa<FloatType>(g.element) && g.k * g.n >= 1 << 16;
}

void emitRowStreamGemv(OpBuilder &b, Location loc, const Gemm &g, int64_t nr) {
  forBlocks(
      b, loc, g.n, kGemvChunk,
      [&](OpBuilder &chunkBuilder, Location chunkLoc, Value chunk, int64_t chunkWidth) {
        forBlocks(chunkBuilder, chunkLoc, g.k, 4,
                  [&](OpBuilder &kb, Location kl, Value k, int64_t rows) {
                    forBlocks(kb, kl, chunkWidth, nr,
                              [&](OpBuilder &cb, Location cl, Value j, int64_t width) {
                                Value j0 = arith::AddIOp::create(cb, cl, chunk, j);
                                emitRowStreamStep(cb, cl, g, k, rows, j0, width);
                              });
                  });
      },
      /*parallel=*/true);
}

/// body() in an scf.if on `cond`, otherBody() in its else branch.
void ifElse(OpBuilder &b, Location loc, Value cond, function_ref<void()> body,
            function_ref<void()> otherBody) {
  scf::IfOp::create(
      b, loc, cond,
      [&](OpBuilder &tb, Location tl) {
        body();
        scf::YieldOp::create(tb, tl);
      },
      [&](OpBuilder &eb, Location el) {
        otherBody();
        scf::YieldOp::create(eb, el);
      });
}

/// body(size) for iteration `iv` of `full` blocks of `step`, then, when
/// `last` is not 0, one more of `last` (an scf.if picks the size when
/// both occur): the edge is an iteration too, and nothing runs after the loop.
void sizedBlock(OpBuilder &b, Location loc, Value iv, int64_t full, int64_t step, int64_t last,
                function_ref<void(int64_t)> body) {
  if (!last)
    return body(step);
  if (!full)
    return body(last);
  Value isFull =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, iv, indexConstant(b, loc, full));
  ifElse(
      b, loc, isFull, [&] { body(step); }, [&] { body(last); });
}

/// A matrix times a column vector (N = 1: a squeeze-and-excitation
/// block's fully connected layers, on pooled channels) as one dot product
/// per row along K, `lanes` products per fma and a masked last vector,
/// then the lanes summed: the tile kernel would run vectors of one lane.
/// Rows go in chunks of kDotRows, the parallel loop's iterations. The sum
/// across lanes costs about as much as 60 scalar products (cls, AVX-512:
/// 200 x 50 took 1.8 us as tiles, 2.7 as dots; 50 x 200 1.9 and 1.0), so
/// shorter rows keep the tile kernel.
constexpr int64_t kDotRows = 8, kMinDotLength = 96;

bool isColumnGemv(const Gemm &g) {
  if (g.n != 1 || !isa<FloatType>(g.element) || g.batch || g.packPanel || g.k < kMinDotLength)
    return false;
  // Both operands contiguous along K: A's rows and B's one column.
  SmallVector<int64_t> aStrides, bStrides;
  int64_t offset;
  return succeeded(cast<MemRefType>(g.a.getType()).getStridesAndOffset(aStrides, offset)) &&
         succeeded(cast<MemRefType>(g.b.getType()).getStridesAndOffset(bStrides, offset)) &&
         aStrides.back() == 1 && bStrides.front() == 1;
}

void emitColumnGemv(OpBuilder &b, Location loc, const Gemm &g, int64_t lanes) {
  while (lanes > 4 && lanes > g.k)
    lanes /= 2;
  auto vectorType = VectorType::get({lanes}, g.element);
  auto scalarType = VectorType::get({1}, g.element);
  // B's column as a vector of K elements.
  Value column =
      memref::CollapseShapeOp::create(b, loc, g.b, SmallVector<ReassociationIndices>{{0, 1}});
  int64_t full = g.k - g.k % lanes;
  auto chunk = [&](OpBuilder &cb, Location cl, Value first, int64_t rows) {
    auto index = [&](int64_t v) { return indexConstant(cb, cl, v); };
    Value zero = arith::ConstantOp::create(cb, cl, vectorType, cb.getZeroAttr(vectorType));
    for (int64_t r = 0; r < rows; ++r) {
      Value row = r ? arith::AddIOp::create(cb, cl, first, index(r)).getResult() : first;
      auto dot = [&](OpBuilder &kb, Location kl, Value k, Value acc, Value mask) {
        auto load = [&](Value buffer, ValueRange at) -> Value {
          if (mask)
            return vector::MaskedLoadOp::create(kb, kl, vectorType, buffer, at, mask, zero);
          return vector::LoadOp::create(kb, kl, vectorType, buffer, at);
        };
        Value a = load(g.a, g.at(row, k)), x = load(column, k);
        return vector::FMAOp::create(kb, kl, a, x, acc).getResult();
      };
      Value acc = zero;
      if (full > 0)
        acc = scf::ForOp::create(cb, cl, index(0), index(full), index(lanes), ValueRange{zero},
                                 [&](OpBuilder &kb, Location kl, Value k, ValueRange sum) {
                                   scf::YieldOp::create(kb, kl, dot(kb, kl, k, sum[0], Value()));
                                 })
                  .getResult(0);
      if (g.k % lanes) {
        Value mask = vector::CreateMaskOp::create(cb, cl, VectorType::get({lanes}, cb.getI1Type()),
                                                  ValueRange{index(g.k % lanes)});
        acc = dot(cb, cl, index(full), acc, mask);
      }
      Value sum = vector::ReductionOp::create(cb, cl, vector::CombiningKind::ADD, acc);
      Value start = initialAccumulator(cb, cl, g, scalarType, row, index(0));
      Value total = arith::AddFOp::create(cb, cl, start,
                                          vector::BroadcastOp::create(cb, cl, scalarType, sum));
      storeRow(cb, cl, g, total, row, index(0));
    }
  };
  // One iteration per chunk, the shorter last one included (picked by
  // scf.if): nothing runs after the loop.
  int64_t fullChunks = g.m / kDotRows, lastRows = g.m % kDotRows;
  Value chunks = indexConstant(b, loc, fullChunks + (lastRows ? 1 : 0));
  scf::ParallelOp::create(b, loc, indexConstant(b, loc, 0), chunks, indexConstant(b, loc, 1),
                          [&](OpBuilder &pb, Location pl, ValueRange ivs) {
                            Value first = arith::MulIOp::create(pb, pl, ivs[0],
                                                                indexConstant(pb, pl, kDotRows));
                            sizedBlock(pb, pl, ivs[0], fullChunks, kDotRows, lastRows,
                                       [&](int64_t rows) { chunk(pb, pl, first, rows); });
                          });
}

/// Rows of one chunk of kGemmChunkTiles row tiles (kept as a unit so a
/// thread reuses a K x nr panel of B across them).
constexpr int64_t kGemmChunkTiles = 4;

/// Iterations a GEMM with packed panels aims for: with this many column
/// blocks, one iteration takes every row of A (resnet18's 128-channel 3x3
/// conv: 3.6 -> 2.7 ms, its panel packed once instead of 6 times); with
/// fewer, each block's rows are split in as few chunks as make this many.
constexpr int64_t kPanelIterations = 16;

/// Rows of each chunk that shares a packed panel: as many as leave
/// kPanelIterations iterations, so a panel is packed a few times, not once
/// per kGemmChunkTiles row tiles (RegNetY's squeeze-and-excitation gates
/// on 336 x 196 B: 13 blocks, 14 packs each -> 2, 10.1 -> 8.6 ms for 17 of
/// its 1x1 convs).
int64_t panelChunkRows(const Gemm &g, int64_t mr, int64_t nr) {
  int64_t blocks = (g.n + nr - 1) / nr, tiles = (g.m + mr - 1) / mr;
  int64_t chunks = std::min((tiles + kGemmChunkTiles - 1) / kGemmChunkTiles,
                            (kPanelIterations + blocks - 1) / blocks);
  return (tiles + chunks - 1) / chunks * mr;
}

/// The largest panel of B packed on a thread's stack (libomp's workers
/// have 4 MB): a K x 16 panel up to K = 8192, so deep convolutions (512
/// channels x 3 x 3: K = 4608) pack theirs too; without one their im2col
/// matrix is written whole and each tile walks its rows a row apart
/// (VGG-11's 512-channel convs at 28 x 28: 322 -> 208 ms for the model).
constexpr int64_t kMaxPanelBytes = 512 * 1024;

/// The most output rows a conv's im2col block may span and be packed as a
/// panel. Blocks over narrow rows (14 x 14 and 7 x 7 maps) copy a masked
/// segment per row a tap: worth it where a single chunk of rows reads each
/// block (a grouped conv's group: RegNetY's 336-channel 3x3 conv of 14
/// groups 0.79 -> 0.46 ms) and the im2col matrix would be read in place,
/// its rows unaligned; not where the matrix's blocks are packed once for
/// many chunks (32 outputs or more: 10-70% slower as panels).
int64_t maxPanelSegments(const Gemm &g, int64_t mr) { return g.m <= kGemmChunkTiles * mr ? 4 : 2; }

/// B's column blocks, each [K, nr] contiguous (0 past N): a constant B's
/// from their global, else copied from B once before a float GEMM whose B
/// rows do not start on a vector's boundary: in place, each tile's loads of B split across cache
/// lines (a [4608, 49] B took 2 of a 512 x 4608 x 49 GEMM's 4.8 ms). Null when B is read in place:
/// its rows aligned, a panel packed per block, a batch, or a single chunk of rows to read it.
Value packBlocksOfB(OpBuilder &b, Location loc, const Gemm &g, int64_t nr, int64_t chunkRows) {
  auto type = cast<MemRefType>(g.b.getType());
  if (g.packedBlocks) { // packed at compile time
    auto blocksType = MemRefType::get({(g.n + nr - 1) / nr, g.k, nr}, g.inputElement);
    return memref::GetGlobalOp::create(b, loc, blocksType, g.packedBlocks);
  }
  SmallVector<int64_t> strides;
  int64_t offset;
  int64_t vectorBytes = nr / 2 * 4;
  if (g.packPanel || g.batch || !g.inputElement.isF32() || g.m <= chunkRows ||
      failed(type.getStridesAndOffset(strides, offset)) || strides.back() != 1 ||
      ShapedType::isDynamic(strides.front()) || strides.front() * 4 % vectorBytes == 0)
    return Value();
  int64_t fullCols = g.n / nr, edgeCols = g.n % nr;
  auto index = [&](int64_t v) { return indexConstant(b, loc, v); };
  auto blocksType = MemRefType::get({fullCols + (edgeCols ? 1 : 0), g.k, nr}, g.inputElement);
  Value blocks = memref::AllocOp::create(b, loc, blocksType, b.getI64IntegerAttr(64));
  auto vectorType = VectorType::get({nr}, g.inputElement);
  scf::ParallelOp::create(
      b, loc, index(0), index(blocksType.getDimSize(0)), index(1),
      [&](OpBuilder &pb, Location pl, ValueRange block) {
        Value j0 = arith::MulIOp::create(pb, pl, block[0], indexConstant(pb, pl, nr));
        sizedBlock(pb, pl, block[0], fullCols, nr, edgeCols, [&](int64_t width) {
          scf::ForOp::create(
              pb, pl, indexConstant(pb, pl, 0), indexConstant(pb, pl, g.k),
              indexConstant(pb, pl, 1), ValueRange{},
              [&](OpBuilder &kb, Location kl, Value k, ValueRange) {
                Value row = vector::LoadOp::create(kb, kl, VectorType::get({width}, g.inputElement),
                                                   g.b, ValueRange{k, j0});
                if (width < nr) // the edge block's columns, then zeros
                  row = vector::InsertStridedSliceOp::create(
                      kb, kl, row,
                      arith::ConstantOp::create(kb, kl, vectorType, kb.getZeroAttr(vectorType)),
                      ArrayRef<int64_t>{0}, ArrayRef<int64_t>{1});
                vector::StoreOp::create(kb, kl, row, blocks,
                                        ValueRange{block[0], k, indexConstant(kb, kl, 0)});
                scf::YieldOp::create(kb, kl);
              });
        });
      });
  return blocks;
}

/// Block `block` of packBlocksOfB's buffer, as [K, nr].
Value blockOfB(OpBuilder &b, Location loc, Value blocks, Value block) {
  auto type = cast<MemRefType>(blocks.getType());
  int64_t k = type.getDimSize(1), nr = type.getDimSize(2);
  SmallVector<OpFoldResult> offsets = {block, b.getIndexAttr(0), b.getIndexAttr(0)};
  SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1), b.getIndexAttr(k), b.getIndexAttr(nr)};
  SmallVector<OpFoldResult> strides(3, b.getIndexAttr(1));
  auto viewType = cast<MemRefType>(
      memref::SubViewOp::inferRankReducedResultType({k, nr}, type, offsets, sizes, strides));
  return memref::SubViewOp::create(b, loc, viewType, blocks, offsets, sizes, strides);
}

/// One scf.parallel over (column block, chunk of rows) pairs: the edge
/// column block and the last, shorter chunk are iterations too (picked by
/// scf.if), so a team balances even a GEMM of a few blocks (an attention
/// head of 40 x 120), and nothing runs after the loop. Consecutive
/// iterations share a column block, whose K x nr panel of B stays in cache.
void emitGemm(OpBuilder &b, Location loc, const Gemm &g, int64_t mr, int64_t nr) {
  if (isRowStream(g))
    return emitRowStreamGemv(b, loc, g, nr);
  if (isColumnGemv(g))
    return emitColumnGemv(b, loc, g, nr);
  int64_t fullCols = g.n / nr, edgeCols = g.n % nr;
  int64_t chunkRows = g.packPanel ? panelChunkRows(g, mr, nr) : kGemmChunkTiles * mr;
  int64_t fullChunks = g.m / chunkRows, lastRows = g.m % chunkRows;
  auto index = [&](int64_t v) { return indexConstant(b, loc, v); };
  Value blocksOfB = packBlocksOfB(b, loc, g, nr, chunkRows);
  Value colBlocks = index(fullCols + (edgeCols ? 1 : 0));
  Value rowChunks = index(fullChunks + (lastRows ? 1 : 0));
  // Every column block reads all of A, every chunk of rows all of B: the
  // outer loop runs over the larger one's parts, so that it streams from
  // memory once and the smaller one is what each part reads again (from
  // cache). Panels are packed per iteration from what the previous one
  // read: their blocks stay outer.
  bool rowsOuter = !g.packPanel && g.m > g.n;
  Value outer = rowsOuter ? rowChunks : colBlocks, inner = rowsOuter ? colBlocks : rowChunks;
  scf::ParallelOp::create(
      b, loc, ValueRange{index(0), index(0)}, ValueRange{outer, inner},
      ValueRange{index(1), index(1)}, [&](OpBuilder &pb, Location pl, ValueRange loopIvs) {
        SmallVector<Value, 2> ivs = {loopIvs[rowsOuter ? 1 : 0], loopIvs[rowsOuter ? 0 : 1]};
        Value first = arith::MulIOp::create(pb, pl, ivs[1], index(chunkRows));
        // The tiles of rows [first, first + rows) in columns [j0, j0 + width).
        auto rowTiles = [&](Value j0, int64_t width, int64_t rows) {
          if (!g.packPanel) {
            Gemm tiles = g;
            if (blocksOfB) { // this block's [K, nr] of them, read from column 0
              tiles.b = blockOfB(pb, pl, blocksOfB, ivs[0]);
              tiles.packedB = true;
            }
            return forBlocks(
                pb, pl, rows, mr, [&](OpBuilder &rb, Location rl, Value i, int64_t size) {
                  emitTile(rb, rl, tiles, arith::AddIOp::create(rb, rl, first, i), j0, size, width);
                });
          }
          // The block's K x width panel of B, packed on the stack (freed
          // when the iteration ends), then its tiles.
          auto scope = memref::AllocaScopeOp::create(pb, pl, TypeRange{});
          OpBuilder::InsertionGuard guard(pb);
          Region &region = scope.getBodyRegion();
          if (region.empty())
            pb.createBlock(&region);
          else
            pb.setInsertionPointToEnd(&region.front());
          Gemm packed = g;
          packed.b = memref::AllocaOp::create(
              pb, pl, MemRefType::get({g.k + g.panelSpareRows, width}, g.inputElement),
              IntegerAttr());
          packed.packedB = true;
          g.packPanel(pb, pl, packed.b, j0, width);
          forBlocks(pb, pl, rows, mr, [&](OpBuilder &rb, Location rl, Value i, int64_t size) {
            emitTile(rb, rl, packed, arith::AddIOp::create(rb, rl, first, i), j0, size, width);
          });
          memref::AllocaScopeReturnOp::create(pb, pl, ValueRange{});
        };
        Value j0 = arith::MulIOp::create(pb, pl, ivs[0], index(nr));
        sizedBlock(pb, pl, ivs[0], fullCols, nr, edgeCols, [&](int64_t width) {
          sizedBlock(pb, pl, ivs[1], fullChunks, chunkRows, lastRows,
                     [&](int64_t rows) { rowTiles(j0, width, rows); });
        });
      });
  if (blocksOfB && !g.packedBlocks)
    memref::DeallocOp::create(b, loc, blocksOfB);
}

bool unitInnerStride(MemRefType type) {
  SmallVector<int64_t> strides;
  int64_t offset;
  return succeeded(type.getStridesAndOffset(strides, offset)) && strides.back() == 1;
}

/// The op that last wrote the whole 2-D C before `matmul`, when C is a
/// fresh allocation and nothing in between touches it: a linalg.fill, or a
/// linalg.generic broadcasting one value per row (conv's bias). The tile
/// kernel starts its accumulators from those values and the writer goes: one
/// pass over C less (a memset, or a broadcast, then a load per tile).
///
///   linalg.fill ins(%zero) outs(%c)            ->  accumulators = splat(%zero)
///   linalg.generic {maps = [(i, j) -> (i, 0), (i, j) -> (i, j)]}
///       ins(%bias : memref<Fx1xf32>) outs(%c)  ->  accumulators = splat(%bias[i, 0])
///   memref.copy %bias, %c                      ->  accumulators = %bias[i, j0 : j0 + nr]
Operation *foldableInit(linalg::LinalgOp matmul, Gemm &g) {
  Value c = g.c;
  if (!c.getDefiningOp<memref::AllocOp>() || cast<MemRefType>(c.getType()).getRank() != 2)
    return nullptr;
  for (Operation *op = matmul->getPrevNode(); op; op = op->getPrevNode()) {
    bool usesC = llvm::is_contained(op->getOperands(), c);
    if (!usesC) {
      bool nestedUse = false;
      op->walk([&](Operation *inner) { nestedUse |= llvm::is_contained(inner->getOperands(), c); });
      if (nestedUse)
        return nullptr;
      continue;
    }
    if (auto fill = dyn_cast<linalg::FillOp>(op)) {
      if (fill.getOutputs().front() != c)
        return nullptr;
      g.fillValue = fill.getInputs().front();
      return fill;
    }
    if (auto copy = dyn_cast<memref::CopyOp>(op)) {
      // A fully connected layer's bias copied in: the tiles load the
      // source, which nothing between the copy and the matmul may write.
      auto source = cast<MemRefType>(copy.getSource().getType());
      bool untouched = true;
      for (Operation *next = copy->getNextNode(); next != matmul.getOperation();
           next = next->getNextNode())
        untouched &= isMemoryEffectFree(next) || isa<memref::AllocOp>(next);
      if (copy.getTarget() != c || source.getShape() != cast<MemRefType>(c.getType()).getShape() ||
          !unitInnerStride(source) || !untouched)
        return nullptr;
      g.copiedValues = copy.getSource();
      return copy;
    }
    auto generic = dyn_cast<linalg::GenericOp>(op);
    if (!generic || generic.getNumDpsInputs() != 1 || generic.getNumDpsInits() != 1 ||
        generic.getDpsInitOperand(0)->get() != c || generic.getNumReductionLoops() != 0)
      return nullptr;
    auto yield = cast<linalg::YieldOp>(generic.getBody()->getTerminator());
    if (yield.getValues().front() != generic.getBody()->getArgument(0))
      return nullptr;
    AffineMap in = generic.getMatchingIndexingMap(generic.getDpsInputOperand(0));
    AffineMap out = generic.getMatchingIndexingMap(generic.getDpsInitOperand(0));
    MLIRContext *ctx = generic.getContext();
    AffineExpr row = getAffineDimExpr(0, ctx), zero = getAffineConstantExpr(0, ctx);
    bool perRow = in.getResults() == ArrayRef<AffineExpr>{row} ||
                  in.getResults() == ArrayRef<AffineExpr>{row, zero};
    Value source = generic.getDpsInputOperand(0)->get();
    if (!out.isIdentity() || !perRow || !isa<MemRefType>(source.getType()))
      return nullptr;
    g.rowValues = source;
    return generic;
  }
  return nullptr;
}

/// Static shapes, contiguous rows of B and C, and one float element type or
/// int8 x int8 into int32 (linalg.matmul's signed extension).
bool supported(linalg::LinalgOp op) {
  SmallVector<MemRefType> types;
  for (Value operand : op->getOperands()) {
    auto type = dyn_cast<MemRefType>(operand.getType());
    if (!type || !type.hasStaticShape())
      return false;
    types.push_back(type);
  }
  if (types.size() != 3)
    return false;
  Type a = types[0].getElementType(), b = types[1].getElementType(), c = types[2].getElementType();
  bool floats = isa<FloatType>(c) && a == c && b == c;
  bool int8 = a.isSignlessInteger(8) && b.isSignlessInteger(8) && c.isSignlessInteger(32);
  if (auto matmul = dyn_cast<linalg::MatmulOp>(op.getOperation());
      int8 && matmul && matmul.getCast() != linalg::TypeFn::cast_signed)
    return false;
  if (auto matmul = dyn_cast<linalg::BatchMatmulOp>(op.getOperation()); int8 && matmul)
    return false; // batch_matmul carries no cast attribute here: keep the generic path
  return (floats || int8) && unitInnerStride(types[1]) && unitInnerStride(types[2]);
}

struct ConvertLinalgMatmulToVectorPass
    : impl::ConvertLinalgMatmulToVectorPassBase<ConvertLinalgMatmulToVectorPass> {
  using Base::Base;

  void runOnOperation() override {
    if (rows < 1 || cols < 1) {
      getOperation().emitError("convert-linalg-matmul-to-vector: rows and cols must be >= 1");
      return signalPassFailure();
    }
    SmallVector<linalg::LinalgOp> targets;
    getOperation().walk([&](linalg::LinalgOp op) {
      auto matmul = dyn_cast<linalg::MatmulOp>(op.getOperation());
      auto batched = dyn_cast<linalg::BatchMatmulOp>(op.getOperation());
      if ((matmul && !matmul.hasUserDefinedMaps()) || (batched && !batched.hasUserDefinedMaps()))
        if (op.hasPureBufferSemantics() && supported(op))
          targets.push_back(op);
    });
    for (linalg::LinalgOp op : targets) {
      OpBuilder b(op);
      Location loc = op.getLoc();
      auto cType = cast<MemRefType>(op->getOperand(2).getType());
      auto aType = cast<MemRefType>(op->getOperand(0).getType());
      bool isBatched = cType.getRank() == 3;
      Gemm g{op->getOperand(0),
             op->getOperand(1),
             op->getOperand(2),
             Value(),
             cType.getDimSize(cType.getRank() - 2),
             cType.getDimSize(cType.getRank() - 1),
             aType.getDimSize(aType.getRank() - 1),
             cType.getElementType(),
             aType.getElementType(),
             Value(),
             Value(),
             Value()};
      if (auto blocks = op->getAttrOfType<FlatSymbolRefAttr>(kPackedBAttr)) {
        auto global = SymbolTable::lookupNearestSymbolFrom<memref::GlobalOp>(op, blocks);
        if (global && global.getType() ==
                          MemRefType::get({(g.n + cols - 1) / cols, g.k, cols}, g.inputElement))
          g.packedBlocks = blocks;
      }
      if (!isBatched) {
        std::optional<MatmulEpilogue> epilogue;
        std::optional<Im2colPanel> im2col;
        std::optional<RowScaledPanel> scaled;
        Value rowsOfX;
        auto packIm2col = [&](OpBuilder &pb, Location pl, Value panel, Value j0, int64_t width) {
          im2col->pack(pb, pl, panel, j0, width);
        };
        auto packScaled = [&](OpBuilder &pb, Location pl, Value panel, Value j0, int64_t width) {
          scaled->pack(pb, pl, rowsOfX, panel, j0, width);
        };
        linalg::GenericOp producerOfB;
        if (!isRowStream(g)) { // the row-stream GEMV accumulates in C itself
          if (Operation *init = foldableInit(op, g))
            init->erase();
          if ((im2col = matchIm2colPanel(op, cols, kMaxPanelBytes, maxPanelSegments(g, rows)))) {
            im2col->prepare(b, loc);
            g.packPanel = packIm2col;
            g.panelSpareRows = im2col->spareRows();
            producerOfB = im2col->generic;
          } else if ((scaled = matchRowScaledPanel(op, cols, kMaxPanelBytes))) {
            rowsOfX = scaled->rowsOfX(b, loc);
            g.packPanel = packScaled;
            producerOfB = scaled->generic;
          }
          if (producerOfB)
            moveDeallocationsAfter(producerOfB, op);
          if ((epilogue = matchMatmulEpilogue(op))) {
            epilogue->prepare(op, b); // the kernel goes where the generic was
            g.epilogue = &*epilogue;
          }
        }
        emitGemm(b, loc, g, rows, cols);
        if (epilogue)
          epilogue->generic.erase();
        if (im2col)
          im2col->eraseProducers();
        else if (producerOfB)
          producerOfB.erase();
      } else {
        // Batches (attention heads) are independent: the outer parallel loop.
        scf::ParallelOp::create(
            b, loc, indexConstant(b, loc, 0), indexConstant(b, loc, cType.getDimSize(0)),
            indexConstant(b, loc, 1), [&](OpBuilder &nb, Location l, ValueRange batch) {
              Gemm inner = g;
              inner.batch = batch[0];
              emitGemm(nb, l, inner, rows, cols);
            });
      }
      op->erase();
    }
  }
};

} // namespace
} // namespace quantc
