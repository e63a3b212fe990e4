// A convolution's im2col rows prepared straight from its padded input
// (PackedTiles.h: ConvWindow): quantized for the int8-activation kernels
// (qkernel.matmul), or widened into words for the W8A8 ones
// (qkernel.matmul_integer, LowerMatmulInteger.cpp).
//
// Materialized, im2col copies each input element kh·kw times, one scalar
// at a time, into a [m, K] buffer the size of kh·kw inputs, which the
// per-row quantization then reads back. Here 8 neighbouring outputs of an
// image row are quantized together: each element of their windows is one
// vector load across them (a stride-2 window: 16 loaded, every other one
// kept), the block's arithmetic runs lane by lane, and the codes go to
// their rows through one 8 x 8 transpose of 32-bit words. The arithmetic
// per element is the row-at-a-time preparation's, so the bytes, scales and
// sums are the same bit for bit.
#include "PackedTiles.h"

#include "quantc/Codegen/Buffers.h"
#include "quantc/Codegen/RegisterBlocks.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace quantc::codegen {

/// The coefficients of a sum of dims times constants (no constant term),
/// or false.
static bool linearCoefficients(AffineExpr expr, SmallVectorImpl<int64_t> &coefficients) {
  if (auto dim = dyn_cast<AffineDimExpr>(expr)) {
    coefficients[dim.getPosition()] += 1;
    return true;
  }
  auto binary = dyn_cast<AffineBinaryOpExpr>(expr);
  if (!binary)
    return false;
  if (expr.getKind() == AffineExprKind::Add)
    return linearCoefficients(binary.getLHS(), coefficients) &&
           linearCoefficients(binary.getRHS(), coefficients);
  auto dim = dyn_cast<AffineDimExpr>(binary.getLHS());
  auto factor = dyn_cast<AffineConstantExpr>(binary.getRHS());
  if (expr.getKind() != AffineExprKind::Mul || !dim || !factor || factor.getValue() <= 0)
    return false;
  coefficients[dim.getPosition()] += factor.getValue();
  return true;
}

std::optional<ConvWindow> matchConvWindow(Value x, int64_t k) {
  auto collapse = x.getDefiningOp<tensor::CollapseShapeOp>();
  if (!collapse || collapse.getReassociationIndices().size() != 4 ||
      collapse.getReassociationIndices()[3].size() != 3)
    return std::nullopt;
  auto gather = collapse.getSrc().getDefiningOp<linalg::GenericOp>();
  if (!gather || gather.getNumDpsInputs() != 1 || gather.getNumDpsInits() != 1 ||
      gather.getNumLoops() != 6 || gather.getNumReductionLoops() != 0)
    return std::nullopt;
  // The body copies the input element.
  Block &body = gather.getRegion().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  if (body.getOperations().size() != 1 || yield.getNumOperands() != 1 ||
      yield.getOperand(0) != body.getArgument(0))
    return std::nullopt;
  Value input = gather.getDpsInputs()[0];
  auto inputType = dyn_cast<RankedTensorType>(input.getType());
  auto outputType = cast<RankedTensorType>(gather.getResult(0).getType());
  if (!inputType || inputType.getRank() != 4 || !inputType.hasStaticShape() ||
      !(inputType.getElementType().isF32() || inputType.getElementType().isInteger(8)) ||
      !outputType.hasStaticShape())
    return std::nullopt;
  // (n, oy, ox, c, ky, kx) -> (n, c, oy·sy + ky·dy, ox·sx + kx·dx), the
  // result written in loop order.
  AffineMap read = gather.getIndexingMapsArray()[0];
  if (!gather.getIndexingMapsArray()[1].isIdentity() || read.getNumResults() != 4 ||
      read.getResult(0) != getAffineDimExpr(0, x.getContext()) ||
      read.getResult(1) != getAffineDimExpr(3, x.getContext()))
    return std::nullopt;
  SmallVector<int64_t> rows(6, 0), columns(6, 0);
  if (!linearCoefficients(read.getResult(2), rows) ||
      !linearCoefficients(read.getResult(3), columns))
    return std::nullopt;
  for (int64_t d : {0, 2, 3, 5})
    if (rows[d] != 0)
      return std::nullopt;
  for (int64_t d : {0, 1, 3, 4})
    if (columns[d] != 0)
      return std::nullopt;
  ArrayRef<int64_t> in = inputType.getShape(), out = outputType.getShape();
  ConvWindow window{input,   in[0],      in[1],   in[2],      in[3],  out[4], out[5],
                    rows[1], columns[2], rows[4], columns[5], out[1], out[2]};
  // Offsets within the input are 32-bit lanes; the window must read it.
  if (out[0] != in[0] || out[3] != in[1] || window.channels * window.kh * window.kw != k ||
      inputType.getNumElements() >= (int64_t(1) << 31) || window.strideY <= 0 ||
      window.strideX <= 0 ||
      (window.outHeight - 1) * window.strideY + (window.kh - 1) * window.dilationY >= in[2] ||
      (window.outWidth - 1) * window.strideX + (window.kw - 1) * window.dilationX >= in[3])
    return std::nullopt;
  return window;
}

void PackedTileEmitter::bindWindow(const ConvWindow &convWindow) {
  window = convWindow;
  m = window->batch * window->outHeight * window->outWidth;
  auto inputType = cast<RankedTensorType>(window->input.getType());
  Value input = readOnlyBuffer(b, loc, window->input);
  windowInput = memref::CollapseShapeOp::create(
      b, loc, MemRefType::get({inputType.getNumElements()}, inputType.getElementType()), input,
      SmallVector<ReassociationIndices>{{0, 1, 2, 3}});
  // Element k = (c, ky, kx) of a row lies this far past the row's first.
  std::vector<int32_t> offsets(layout.paddedK(), 0);
  int64_t plane = window->height * window->width, taps = window->kh * window->kw;
  for (int64_t k = 0; k < layout.k; ++k) {
    int64_t c = k / taps, ky = k % taps / window->kw, kx = k % window->kw;
    offsets[k] =
        int32_t(c * plane + ky * window->dilationY * window->width + kx * window->dilationX);
  }
  auto tableType = RankedTensorType::get({layout.paddedK()}, b.getI32Type());
  Value table = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(tableType, ArrayRef<int32_t>(offsets)));
  windowOffsets = readOnlyBuffer(b, loc, table);
}

/// The offset in the input of the window of output row `row` (n, oy, ox),
/// and ox.
static std::pair<Value, Value> windowStart(OpBuilder &b, Location loc, const ConvWindow &w,
                                           Value row) {
  auto index = [&](int64_t v) -> Value { return arith::ConstantIndexOp::create(b, loc, v); };
  auto mul = [&](Value x, int64_t v) -> Value {
    return arith::MulIOp::create(b, loc, x, index(v));
  };
  Value pixels = index(w.outHeight * w.outWidth);
  Value n = arith::DivUIOp::create(b, loc, row, pixels);
  Value pixel = arith::RemUIOp::create(b, loc, row, pixels);
  Value oy = arith::DivUIOp::create(b, loc, pixel, index(w.outWidth));
  Value ox = arith::RemUIOp::create(b, loc, pixel, index(w.outWidth));
  Value start = arith::AddIOp::create(b, loc, mul(n, w.channels * w.height * w.width),
                                      mul(oy, w.strideY * w.width));
  return {arith::AddIOp::create(b, loc, start, mul(ox, w.strideX)), ox};
}

void PackedTileEmitter::forEachWindowBlock(function_ref<void(Value, int64_t)> body) {
  int64_t full = layout.k / kBlockK;
  if (full)
    scf::ForOp::create(b, loc, index(0), index(full), index(1), ValueRange{},
                       [&](OpBuilder &, Location, Value block, ValueRange) {
                         body(block, kBlockK);
                         scf::YieldOp::create(b, loc);
                       });
  if (layout.k % kBlockK)
    body(index(full), layout.k % kBlockK);
}

SmallVector<Value> PackedTileEmitter::loadWindowColumns(Value start, Value block, int64_t live) {
  constexpr int64_t group = kTransposeBlock;
  int64_t strideX = window->strideX;
  Type element = cast<MemRefType>(windowInput.getType()).getElementType();
  Value blockStart = mul(block, index(kBlockK));
  SmallVector<Value> columns;
  for (int64_t t = 0; t < live; ++t) {
    Value offset =
        memref::LoadOp::create(b, loc, windowOffsets, ValueRange{add(blockStart, index(t))});
    Value at = add(start, arith::IndexCastOp::create(b, loc, b.getIndexType(), offset));
    Value loaded =
        vector::LoadOp::create(b, loc, vec(group * strideX, element), windowInput, ValueRange{at});
    if (strideX > 1) {
      SmallVector<int64_t> kept;
      for (int64_t lane = 0; lane < group; ++lane)
        kept.push_back(lane * strideX);
      loaded = vector::ShuffleOp::create(b, loc, loaded, loaded, kept);
    }
    columns.push_back(loaded);
  }
  return columns;
}

Value PackedTileEmitter::windowRowStart(Value row) {
  return arith::IndexCastOp::create(b, loc, b.getI32Type(),
                                    windowStart(b, loc, *window, row).first);
}

Value PackedTileEmitter::gatherWindowBlock(Value rowStart, Value block, int64_t live) {
  Type i32 = b.getI32Type();
  Type element = cast<MemRefType>(windowInput.getType()).getElementType();
  Value offsets = vector::LoadOp::create(b, loc, vec(kBlockK, i32), windowOffsets,
                                         ValueRange{mul(block, index(kBlockK))});
  offsets = arith::AddIOp::create(b, loc, offsets,
                                  vector::BroadcastOp::create(b, loc, vec(kBlockK, i32), rowStart));
  SmallVector<bool> liveLanes(kBlockK, false);
  std::fill_n(liveLanes.begin(), live, true);
  Value mask = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(vec(kBlockK, b.getI1Type()), ArrayRef<bool>(liveLanes)));
  Value zeros = splat(vec(kBlockK, element), b.getZeroAttr(element));
  return vector::GatherOp::create(b, loc, vec(kBlockK, element), windowInput, ValueRange{index(0)},
                                  offsets, mask, zeros);
}

SmallVector<Value> PackedTileEmitter::rowWordsOf(ArrayRef<Value> codes) {
  VectorType lanesI32 = vec(kTransposeBlock, b.getI32Type());
  Value byteMask = splat(lanesI32, b.getI32IntegerAttr(255));
  // Word j of every lane: bytes 4j .. 4j + 3, the first lowest.
  SmallVector<Value> words;
  for (int64_t j = 0; j < kBlockK / 4; ++j) {
    Value word = splat(lanesI32, b.getI32IntegerAttr(0));
    for (int64_t byte = 0; byte < 4 && 4 * j + byte < int64_t(codes.size()); ++byte) {
      Value part = codes[4 * j + byte];
      if (byte < 3)
        part = arith::AndIOp::create(b, loc, part, byteMask);
      if (byte > 0)
        part = arith::ShLIOp::create(b, loc, part, splat(lanesI32, b.getI32IntegerAttr(8 * byte)));
      word = arith::OrIOp::create(b, loc, word, part);
    }
    words.push_back(word);
  }
  return transposeBlock(b, loc, words);
}

void PackedTileEmitter::forWindowRows(Value first, Value end,
                                      function_ref<void(Value, Value)> group,
                                      function_ref<void(Value)> one) {
  constexpr int64_t size = kTransposeBlock;
  int64_t strideX = window->strideX;
  auto eachOne = [&](Value from, Value to) {
    scf::ForOp::create(b, loc, from, to, index(1), ValueRange{},
                       [&](OpBuilder &, Location, Value row, ValueRange) {
                         one(row);
                         scf::YieldOp::create(b, loc);
                       });
  };
  if (strideX > 2) {
    eachOne(first, end);
    return;
  }
  // The furthest any load of a group reads past its first window's start.
  int64_t furthest = (window->channels - 1) * window->height * window->width +
                     (window->kh - 1) * window->dilationY * window->width +
                     (window->kw - 1) * window->dilationX + size * strideX;
  int64_t inputSize = cast<MemRefType>(windowInput.getType()).getDimSize(0);
  scf::ForOp::create(b, loc, first, end, index(size), ValueRange{},
                     [&](OpBuilder &, Location, Value firstRow, ValueRange) {
                       Value groupEnd = add(firstRow, index(size));
                       auto [startValue, x] = windowStart(b, loc, *window, firstRow);
                       Value start = startValue; // a plain variable the lambdas below can capture
                       auto le = [&](Value lhs, Value rhs) {
                         return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sle, lhs, rhs);
                       };
                       Value whole =
                           arith::AndIOp::create(b, loc, le(groupEnd, end),
                                                 le(add(x, index(size)), index(window->outWidth)));
                       if (strideX > 1) // the last load reads one element past its last lane's
                         whole = arith::AndIOp::create(
                             b, loc, whole, le(add(start, index(furthest)), index(inputSize)));
                       scf::IfOp::create(
                           b, loc, whole,
                           [&](OpBuilder &, Location) {
                             group(firstRow, start);
                             scf::YieldOp::create(b, loc);
                           },
                           [&](OpBuilder &, Location) {
                             eachOne(firstRow, arith::MinSIOp::create(b, loc, groupEnd, end));
                             scf::YieldOp::create(b, loc);
                           });
                       scf::YieldOp::create(b, loc);
                     });
}

/// The sign bits cleared, the largest magnitude of a block is its largest
/// bit pattern. Where every lane's is finite and at least 2^-120 (or 0),
/// no value is NaN, 127 / max is finite and every |x| * inverse rounds to
/// at most 127: the NaN rule and the clamps of codesAt change nothing, and
/// the codes are roundeven(x * inverse), about half the instructions.
std::pair<Value, SmallVector<Value>> PackedTileEmitter::quantizeColumns(ArrayRef<Value> x) {
  auto bitsType = cast<VectorType>(x[0].getType()).clone(b.getI32Type());
  auto bitsSplat = [&](uint32_t v) { return splat(bitsType, b.getI32IntegerAttr(int32_t(v))); };
  Value signCleared = bitsSplat(0x7fffffff);
  Value plainMax;
  for (Value value : x) {
    Value magnitude = arith::AndIOp::create(
        b, loc, vector::BitCastOp::create(b, loc, bitsType, value), signCleared);
    plainMax = plainMax ? arith::MaxSIOp::create(b, loc, plainMax, magnitude) : magnitude;
  }
  auto compare = [&](arith::CmpIPredicate predicate, uint32_t v) -> Value {
    return arith::CmpIOp::create(b, loc, predicate, plainMax, bitsSplat(v));
  };
  Value ordinary = arith::AndIOp::create(
      b, loc, compare(arith::CmpIPredicate::ult, 0x7f800000),
      arith::OrIOp::create(b, loc, compare(arith::CmpIPredicate::uge, 0x03800000),
                           compare(arith::CmpIPredicate::eq, 0)));
  Value allOrdinary = vector::ReductionOp::create(b, loc, vector::CombiningKind::AND, ordinary);
  auto branch = scf::IfOp::create(
      b, loc, allOrdinary, // the result types: the yields'

      [&](OpBuilder &, Location) {
        Value inverse = scaleAndInverse(plainMax).second;
        SmallVector<Value> results = {plainMax};
        for (Value value : x)
          results.push_back(arith::FPToSIOp::create(
              b, loc, bitsType,
              math::RoundEvenOp::create(b, loc, arith::MulFOp::create(b, loc, value, inverse))));
        scf::YieldOp::create(b, loc, results);
      },
      [&](OpBuilder &, Location) {
        Value maxBits = magnitudeBits(x[0]);
        for (Value value : x.drop_front())
          maxBits = arith::MaxSIOp::create(b, loc, maxBits, magnitudeBits(value));
        Value inverse = scaleAndInverse(maxBits).second;
        SmallVector<Value> results = {maxBits};
        for (Value value : x)
          results.push_back(codesAt(value, inverse));
        scf::YieldOp::create(b, loc, results);
      });
  SmallVector<Value> codes(branch.getResults().drop_front());
  return {branch.getResult(0), codes};
}

void PackedTileEmitter::quantizeWindowRows(Value first, Value end) {
  // 8 rows of one image row: lane r is row firstRow + r.
  auto quantizeGroup = [&](Value firstRow, Value start) {
    forEachWindowBlock([&](Value block, int64_t live) {
      SmallVector<Value> x = loadWindowColumns(start, block, live);
      auto [maxBits, codes] = quantizeColumns(x);
      Value scale = scaleAndInverse(maxBits).first;
      Value sum = codes[0];
      for (int64_t t = 1; t < live; ++t)
        sum = arith::AddIOp::create(b, loc, sum, codes[t]);
      sum = blockOffset(sum);
      SmallVector<Value> rowWords = rowWordsOf(codes);
      Value firstWord = mul(block, index(kBlockK / 4));
      for (int64_t r = 0; r < kTransposeBlock; ++r) {
        Value row = preparedRow(add(firstRow, index(r)));
        vector::StoreOp::create(b, loc, rowWords[r], quantized, ValueRange{row, firstWord});
        memref::StoreOp::create(b, loc, vector::ExtractOp::create(b, loc, scale, r), blockScales,
                                ValueRange{row, block});
        memref::StoreOp::create(b, loc, vector::ExtractOp::create(b, loc, sum, r), blockSums,
                                ValueRange{row, block});
      }
    });
  };
  auto quantizeOne = [&](Value row) {
    Value rowStart = windowRowStart(row);
    forEachWindowBlock([&](Value block, int64_t live) {
      quantizeBlock(gatherWindowBlock(rowStart, block, live), row, block);
    });
  };
  forWindowRows(first, end, quantizeGroup, quantizeOne);
}

} // namespace quantc::codegen
