// What every packed-matmul emitter shares: small builders, and loading one
// K block of a tile of output channels with its codes unpacked in registers.
#ifndef QUANTC_LIB_CODEGEN_COMMON_PACKEDTILES_H
#define QUANTC_LIB_CODEGEN_COMMON_PACKEDTILES_H

#include "quantc/Codegen/Buffers.h"
#include "dialects/QKernel/QKernelOps.h"
#include "quantc/Codegen/DotInstruction.h"
#include "quantc/Codegen/Packing.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"

#include <optional>

namespace quantc::codegen {

/// A convolution's im2col rows: x [N, OH, OW, C*kh*kw] gathered from the
/// padded input [N, C, H, W] at (oy·sy + ky·dy, ox·sx + kx·dx), K ordered
/// (c, ky, kx).
struct ConvWindow {
  mlir::Value input; // the padded NCHW tensor (f32, or i8 for the W8A8 kernels)
  int64_t batch, channels, height, width;
  int64_t kh, kw, strideY, strideX, dilationY, dilationX;
  int64_t outHeight, outWidth;
};

/// The window behind `x` when x (a packed kernel's input, K = k) is the
/// collapsed result of QNNToQKernel's im2col gather (a linalg.generic that
/// copies the padded input at the window's map), else nullopt.
std::optional<ConvWindow> matchConvWindow(mlir::Value x, int64_t k);

class PackedTileEmitter {
protected:
  PackedTileEmitter(mlir::OpBuilder &b, mlir::Location loc, PackedLayout layout)
      : b(b), loc(loc), layout(layout), lanes(layout.lanes),
        blocks(layout.paddedK() / kBlockK), planes(planeWidths(layout.bits)) {}

  mlir::Value index(int64_t v) { return mlir::arith::ConstantIndexOp::create(b, loc, v); }
  mlir::Value add(mlir::Value x, mlir::Value y) { return mlir::arith::AddIOp::create(b, loc, x, y); }
  mlir::Value mul(mlir::Value x, mlir::Value y) { return mlir::arith::MulIOp::create(b, loc, x, y); }
  mlir::Value splat(mlir::VectorType type, mlir::Attribute value);
  mlir::VectorType vec(int64_t n, mlir::Type element) { return mlir::VectorType::get({n}, element); }

  /// The block's 8 dot groups of tile `tile` as vector<4*lanes x i8> codes
  /// (c, or 2c for binary layouts), read from `packed`.
  llvm::SmallVector<mlir::Value> loadAndUnpack(mlir::Value tile, mlir::Value block);

  /// Whether each packed vector of a block holds whole groups (one plane of
  /// 8, 4, 2 or 1 bits, not binary): vector j holds groups j * 8/bits on.
  bool groupsPerVector() const;
  /// The groups of the block's packed vector `vector` (groupsPerVector()
  /// layouts), unpacked: 8/bits of them.
  llvm::SmallVector<mlir::Value> loadVectorGroups(mlir::Value tile, mlir::Value block,
                                                  mlir::Value vector);
  mlir::Value moveField(mlir::Value bytes, unsigned shift, unsigned target, unsigned width);

  /// sum + the dot of one group of `codes` with the activation word
  /// words[row, word] (4 bytes as an i32, or 4 i16 as an i64, broadcast to
  /// every lane).
  mlir::Value dotWord(const DotInstruction &dot, mlir::Value sum, mlir::Value codes,
                      mlir::Value words, mlir::Value row, mlir::Value word);

  /// Runs body(tile, firstRow, rows) over every tile of output channels and
  /// the m rows of x, `step` rows at a time (4 when fewer than `step` rows
  /// exist) while that many remain, then one by one: one unpacked block
  /// serves all the rows of a step. Tiles and chunks of kRowChunk rows are
  /// the dims of one scf.parallel (quantc-plan-parallel-loops decides).
  void forTilesAndRows(int64_t m, int64_t step,
                       llvm::function_ref<void(mlir::Value, mlir::Value, int64_t)> body);
  static constexpr int64_t kRowChunk = 32;

  /// The same rows and tiles as forTilesAndRows, but one scf.parallel over
  /// the chunks alone: each chunk first runs prepare(row) for its rows,
  /// then every tile over them, so x's preparation needs no loop (and no
  /// barrier) of its own and a chunk's prepared rows stay in its core's
  /// cache for all tiles. For when preparesInChunks (with fewer chunks,
  /// their tiles are the parallelism).
  /// The prepared buffers ([m, ...] allocations, rows first) it names
  /// become the chunk's own, of its rows alone, on the stack (when they fit
  /// kMaxChunkStackBytes): nothing the size of x's m rows stays in memory
  /// or goes out to it. Accesses to them go through preparedRow.
  void forChunksPreparedThenTiles(int64_t m, int64_t step,
                                  llvm::function_ref<void(mlir::Value)> prepare,
                                  llvm::function_ref<void(mlir::Value, mlir::Value, int64_t)> body,
                                  llvm::ArrayRef<mlir::Value *> chunkBuffers = {});
  /// The same, each chunk's rows prepared by one prepareRows(first, end).
  void forChunksPreparedThenTiles(int64_t m, int64_t step,
                                  llvm::function_ref<void(mlir::Value, mlir::Value)> prepareRows,
                                  llvm::function_ref<void(mlir::Value, mlir::Value, int64_t)> body,
                                  llvm::ArrayRef<mlir::Value *> chunkBuffers = {});
  static constexpr int64_t kMaxChunkStackBytes = 256 * 1024;
  /// The int8 mode's prepared buffers, for chunkBuffers.
  llvm::SmallVector<mlir::Value *> preparedBuffers() {
    return {&quantized, &blockScales, &blockSums};
  }
  /// Row `row` of x in the prepared buffers: row itself, or its place in
  /// a chunk's own buffers.
  mlir::Value preparedRow(mlir::Value row) {
    return preparedFirstRow ? mlir::arith::SubIOp::create(b, loc, row, preparedFirstRow) : row;
  }
  static constexpr int64_t kMinPreparedChunks = 8;
  /// Whether m rows, `step` at a time, make kMinPreparedChunks chunks (of
  /// kRowChunk rows, or half that).
  static bool preparesInChunks(int64_t m, int64_t step);

  /// body(row) for every row in [0, rows) of an scf.parallel: for the
  /// per-row preparation of x, independent from row to row.
  void forEachRow(int64_t rows, llvm::function_ref<void(mlir::Value)> body);
  /// body(first, end) for every run of `size` rows (the last may be
  /// shorter) of an scf.parallel.
  void forEachRunOfRows(int64_t rows, int64_t size,
                        llvm::function_ref<void(mlir::Value, mlir::Value)> body);

  /// x [..., M, K] -> [m, K] (and back for results): collapse the batch dims.
  mlir::Value collapseRows(mlir::Value tensor);
  mlir::Value expandRows(mlir::Value tensor, mlir::RankedTensorType type);

  /// For the f32 matmuls (qkernel.matmul, qkernel.lut_matmul): binds the
  /// packed, scale, zero-point and bias buffers, allocates the [m, n]
  /// output and returns x as an [m, k] buffer (rowsBuffer's `contiguous`).
  template <typename PackedMatmul> mlir::Value bindOperands(PackedMatmul op, bool contiguous) {
    mlir::Value x = rowsBuffer(op.getInput(), contiguous);
    bindWeightsAndOutput(op);
    return x;
  }
  /// bindOperands without x (m already set).
  template <typename PackedMatmul> void bindWeightsAndOutput(PackedMatmul op) {
    packed = readOnlyBuffer(b, loc, op.getPacked());
    scales = readOnlyBuffer(b, loc, op.getScales());
    if (op.getZeroPoints())
      zeroTable = readOnlyBuffer(b, loc, op.getZeroPoints());
    else
      zeroConstant = op.getZeroPoint();
    if (op.getBias())
      bias = readOnlyBuffer(b, loc, op.getBias());
    relu = op.getActivation() == "relu";
    out = allocate(mlir::MemRefType::get({m, layout.n}, b.getF32Type()));
  }

  /// x [..., M, K] as an [m, k] buffer, setting m: `contiguous` rows (a
  /// copy where x is a strided view) for loops that read x a vector at a
  /// time, which strided memory cannot feed; any strides otherwise (for a
  /// copy loop).
  mlir::Value rowsBuffer(mlir::Value input, bool contiguous);

  /// Copies x into the zero-padded [m, paddedK] `xPadded`, or with
  /// `quantize` quantizes it per block of 32 instead (ORT accuracy_level
  /// 4): bytes as i32 words of 4 in `quantized`, `blockScales`, `blockSums`;
  /// `preparedInChunks` only allocates those, for quantizeRow in the chunks
  /// of forChunksPreparedThenTiles.
  void prepareActivations(mlir::Value x2d, bool quantize, bool preparedInChunks = false);
  /// One row of the quantized activations.
  void quantizeRow(mlir::Value x2d, mlir::Value row);
  /// Quantizes block `block` of row `row`, its 32 values `x` (vector<32 x
  /// f32>, zeros past k): bytes, scale and sum into the prepared buffers.
  void quantizeBlock(mlir::Value x, mlir::Value row, mlir::Value block);

  /// The per-block quantization's steps, element by element on any f32
  /// vector shape (a block's values, or one value of 8 rows): the magnitude
  /// as bits (NaN: 0), the scale and inverse of a largest magnitude, and the
  /// codes of values at an inverse.
  mlir::Value magnitudeBits(mlir::Value x);
  std::pair<mlir::Value, mlir::Value> scaleAndInverse(mlir::Value maxBits);
  mlir::Value codesAt(mlir::Value x, mlir::Value inverse);

  /// x as the rows of a convolution's window (what im2col would gather):
  /// binds `window` and its input, sets m. The rows are then prepared
  /// straight from the input (WindowRows.cpp).
  void bindWindow(const ConvWindow &convWindow);
  /// Over the window rows [first, end): group(firstRow, start) for each 8
  /// outputs of one image row that a stride of 1 or 2 lets one vector load
  /// read across (start: the first one's window in the input), one(row)
  /// for every other row.
  void forWindowRows(mlir::Value first, mlir::Value end,
                     llvm::function_ref<void(mlir::Value, mlir::Value)> group,
                     llvm::function_ref<void(mlir::Value)> one);
  /// body(block, live) over the K blocks: the full ones in a loop (live =
  /// 32), then the last alone where K is not a multiple of 32.
  void forEachWindowBlock(llvm::function_ref<void(mlir::Value, int64_t)> body);
  /// The first `live` elements of block `block` of 8 outputs' windows from
  /// `start`: one vector<8 x element> across the outputs each.
  llvm::SmallVector<mlir::Value> loadWindowColumns(mlir::Value start, mlir::Value block,
                                                   int64_t live);
  /// Where row `row`'s window starts in the input, as gatherWindowBlock
  /// takes it (i32), computed once for all of the row's blocks.
  mlir::Value windowRowStart(mlir::Value row);
  /// Block `block` of the window from `rowStart` (windowRowStart),
  /// gathered: vector<32 x element>, zeros past the first `live`.
  mlir::Value gatherWindowBlock(mlir::Value rowStart, mlir::Value block, int64_t live);
  /// The codes of 8 rows (`codes[t]`: element t of each, vector<8 x i32>
  /// with the byte in its low 8 bits; fewer than 32: zeros after) as each
  /// row's block of 32 bytes: 8 vector<8 x i32> words, row r's r-th.
  llvm::SmallVector<mlir::Value> rowWordsOf(llvm::ArrayRef<mlir::Value> codes);
  /// The int8 mode's block quantization of 8 rows at once, `x[t]` their
  /// element t (vector<8 x f32>): each row's largest magnitude as bits,
  /// and the codes of each x[t].
  std::pair<mlir::Value, llvm::SmallVector<mlir::Value>>
  quantizeColumns(llvm::ArrayRef<mlir::Value> x);
  /// The int8 mode's quantization of window rows [first, end).
  void quantizeWindowRows(mlir::Value first, mlir::Value end);

  /// What blockSums holds for a block's code sum (i32, or a vector of
  /// them): the sum, times the zero point when one serves every channel,
  /// so that the block epilogue of each tile and row subtracts it as it is
  /// (a broadcast load) instead of multiplying it again.
  mlir::Value blockOffset(mlir::Value sum);

  /// The scales of `lanes` channels from `firstColumn` as vector<lanes x
  /// f32> (an f16 table converts on load).
  mlir::Value weightScales(mlir::Value scaleRow, mlir::Value firstColumn);

  /// The zero points of `width` channels from `firstColumn` as
  /// vector<width x i32>, minus 128 where 8-bit codes are signed bytes.
  mlir::Value zeroPoints(mlir::Value scaleRow, mlir::Value firstColumn, int64_t width);

  /// The int8 mode's block epilogue: acc + float(dot - zeros * blockSum) *
  /// (blockScale * weightScales), for the block's integer dot products of
  /// one row (vector<width x i32>). With one zero point for all, blockSums
  /// holds zeros * blockSum already (blockOffset).
  mlir::Value accumulateBlock(mlir::Value dot, mlir::Value zeros, mlir::Value weightScales,
                              mlir::Value row, mlir::Value block, mlir::Value acc);

  /// Bias, activation, and a store of one output row's channels from
  /// `firstColumn` that masks the columns past n.
  void store(mlir::Value acc, mlir::Value row, mlir::Value firstColumn);

  /// Whether n is a multiple of lanes: no tile reaches past it.
  bool tilesWhole() const;
  /// Writes one row's tile of `values` to `out` at firstColumn: a plain
  /// store, masked only in the last tile where n is not a multiple of lanes
  /// (a masked store, vmaskmovps, costs many plain ones on AMD Zen).
  void writeColumns(mlir::Value values, mlir::Value row, mlir::Value firstColumn);

  mlir::Value allocate(mlir::MemRefType type);

  mlir::OpBuilder &b;
  mlir::Location loc;
  PackedLayout layout;
  int64_t lanes, blocks;
  std::vector<unsigned> planes;
  int64_t m = 0;
  mlir::Value packed; // the packed bytes as a buffer
  // The f32 matmuls' operands and results as buffers.
  mlir::Value scales, zeroTable, bias, out;
  std::optional<int64_t> zeroConstant;
  bool relu = false;
  mlir::Value xPadded;                          // [m, paddedK] f32, float mode
  std::optional<ConvWindow> window;
  mlir::Value windowInput;   // the padded input as one f32 dim
  mlir::Value windowOffsets; // [paddedK] i32: element k's offset in a row's window (0 past k)
  mlir::Value quantized, blockScales, blockSums; // [m, paddedK/4] i32, [m, blocks] f32/i32
  mlir::Value preparedFirstRow; // the chunk's first row while its own buffers stand in
};

/// The family's dot for `op`'s layout, or null after a diagnostic on `op`.
std::unique_ptr<DotInstruction> dotForLayout(mlir::Operation *op, qkernel::LayoutAttr layout,
                                             llvm::StringRef family);

/// The family's lookup for `op`'s LUT layout, or null after a diagnostic.
std::unique_ptr<TableLookup> lookupForLayout(mlir::Operation *op, qkernel::LayoutAttr layout,
                                             llvm::StringRef family);

/// Replaces every OpT in `module` by what Emitter(b, op, *instruction).emit()
/// builds, the instruction (a dot or a lookup) from makeInstruction(op, layout,
/// family); fails when that is null.
template <typename OpT, typename Emitter, typename MakeInstruction>
mlir::LogicalResult emitEach(mlir::ModuleOp module, llvm::StringRef family,
                             MakeInstruction makeInstruction) {
  llvm::SmallVector<OpT> ops;
  module.walk([&](OpT op) { ops.push_back(op); });
  for (OpT op : ops) {
    auto instruction = makeInstruction(op, op.getLayout(), family);
    if (!instruction)
      return mlir::failure();
    mlir::OpBuilder b(op);
    mlir::Value result = Emitter(b, op, *instruction).emit();
    op.getOutput().replaceAllUsesWith(result);
    op.erase();
  }
  return mlir::success();
}

/// Lowers every qkernel.matmul_integer (LowerMatmulInteger.cpp).
mlir::LogicalResult lowerIntegerMatmuls(mlir::ModuleOp module, llvm::StringRef family);
/// Lowers every qkernel.lut_matmul (LowerLutMatmul.cpp).
mlir::LogicalResult lowerLutMatmuls(mlir::ModuleOp module, llvm::StringRef family);

} // namespace quantc::codegen

#endif // QUANTC_LIB_CODEGEN_COMMON_PACKEDTILES_H
