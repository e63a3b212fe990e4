// convert-qnn-to-linalg: convolutions (im2col + matmul, or direct for groups) and pools.
#include "passes/Conversion/QNNToLinalg/Lowering.h"

#include "mlir/Transforms/DialectConversion.h"


using namespace mlir;
using namespace quantc::qnn;

namespace quantc::lowering {
namespace {

/// A 2-D window op's geometry (1-D ops are lifted to H = 1).
struct Window {
  int64_t kh, kw, sh, sw, dh, dw;
  int64_t padTop, padLeft, padBottom, padRight;
};

Window makeWindow(ArrayRef<int64_t> kernel, ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations,
                  ArrayRef<int64_t> pads) {
  size_t rank = strides.size();
  auto dil = [&](size_t i) { return dilations.empty() ? 1 : dilations[i]; };
  if (rank == 1)
    return {1, kernel[0], 1, strides[0], 1, dil(0), 0, pads[0], 0, pads[1]};
  return {kernel[0], kernel[1], strides[0], strides[1], dil(0), dil(1),
          pads[0],   pads[1],   pads[2],    pads[3]};
}

/// Reshapes an N x C x L tensor to N x C x 1 x L (identity for rank 4).
Value liftTo2D(OpBuilder &b, Location loc, Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  if (type.getRank() == 4)
    return value;
  return reshape(b, loc, value, {type.getDimSize(0), type.getDimSize(1), 1, type.getDimSize(2)});
}

/// The type liftTo2D gives a value of `type`.
RankedTensorType liftedType(RankedTensorType type) {
  if (type.getRank() == 4)
    return type;
  return type.clone({type.getDimSize(0), type.getDimSize(1), 1, type.getDimSize(2)});
}

/// [F] bias broadcast along the rows of an F x rest tensor.
Value broadcastRows(OpBuilder &b, Location loc, Value bias, RankedTensorType type) {
  int64_t rows = type.getDimSize(0);
  SmallVector<int64_t> biasShape(type.getRank(), 1);
  biasShape[0] = rows;
  return elementwise(b, loc, type, reshape(b, loc, bias, biasShape),
                     [](OpBuilder &, Location, ValueRange args) { return args[0]; });
}

/// im2col of one image: C x Hp x Wp -> (C*KH*KW) x (OH*OW).
Value im2col(OpBuilder &b, Location loc, Value image, const Window &w, int64_t oh, int64_t ow) {
  auto type = cast<RankedTensorType>(image.getType());
  int64_t channels = type.getDimSize(0);
  if (w.kh == 1 && w.kw == 1 && w.sh == 1 && w.sw == 1 && type.getDimSize(1) == oh &&
      type.getDimSize(2) == ow)
    return reshape(b, loc, image, {channels, oh * ow});
  Value matrix = windowMatrix(b, loc, image, {w.kh, w.kw}, {w.sh, w.sw}, {w.dh, w.dw}, {oh, ow});
  return reshape(b, loc, matrix, {channels * w.kh * w.kw, oh * ow});
}

/// Convolution of an already padded N x C x Hp x Wp input with F x C/groups x KH x KW.
Value convPadded(OpBuilder &b, Location loc, Value input, Value weight, Value bias,
                 const Window &w, int64_t groups, RankedTensorType resultType) {
  auto inType = cast<RankedTensorType>(input.getType());
  auto wType = cast<RankedTensorType>(weight.getType());
  int64_t n = inType.getDimSize(0), c = inType.getDimSize(1);
  int64_t f = wType.getDimSize(0), oh = resultType.getDimSize(2), ow = resultType.getDimSize(3);
  Type element = resultType.getElementType();

  if (groups == 1) {
    // im2col + GEMM: Y[n] (F x OH*OW) = W (F x C*KH*KW) * col (C*KH*KW x OH*OW).
    Value w2 = reshape(b, loc, weight, {f, c * w.kh * w.kw});
    auto gemmType = RankedTensorType::get({f, oh * ow}, element);
    Value result;
    if (n > 1)
      result = emptyTensor(b, loc, resultType);
    for (int64_t image = 0; image < n; ++image) {
      auto imageType = RankedTensorType::get(inType.getShape().drop_front(), inType.getElementType());
      Value slice = tensor::ExtractSliceOp::create(
          b, loc, imageType, input, foldResults(b, {image, 0, 0, 0}),
          foldResults(b, {1, c, inType.getDimSize(2), inType.getDimSize(3)}),
          foldResults(b, {1, 1, 1, 1}));
      Value init = bias ? broadcastRows(b, loc, bias, gemmType) : filledTensor(b, loc, gemmType, 0);
      Value y = matmul(b, loc, w2, im2col(b, loc, slice, w, oh, ow), init);
      Value y4 = reshape(b, loc, y, {1, f, oh, ow});
      if (n == 1)
        return y4;
      result = tensor::InsertSliceOp::create(b, loc, y4, result, foldResults(b, {image, 0, 0, 0}),
                                             foldResults(b, {1, f, oh, ow}),
                                             foldResults(b, {1, 1, 1, 1}));
    }
    return result;
  }

  // Grouped/depthwise: a direct generic whose innermost loop walks the output row.
  int64_t cg = c / groups, fg = f / groups;
  Value xg = reshape(b, loc, input,
                     {n, groups, cg, inType.getDimSize(2), inType.getDimSize(3)});
  Value wg = reshape(b, loc, weight, {groups, fg, cg, w.kh, w.kw});
  auto outType = RankedTensorType::get({n, groups, fg, oh, ow}, element);
  Value init = filledTensor(b, loc, outType, 0);
  if (bias) {
    Value biasG = reshape(b, loc, bias, {1, groups, fg, 1, 1});
    init = elementwise(b, loc, outType, biasG,
                       [](OpBuilder &, Location, ValueRange args) { return args[0]; });
  }
  MLIRContext *ctx = b.getContext();
  AffineExpr dn, dg, df, doy, dc, dky, dkx, dox;
  bindDims(ctx, dn, dg, df, doy, dc, dky, dkx, dox);
  SmallVector<AffineMap> maps = {
      AffineMap::get(8, 0, {dn, dg, dc, doy * w.sh + dky * w.dh, dox * w.sw + dkx * w.dw}, ctx),
      AffineMap::get(8, 0, {dg, df, dc, dky, dkx}, ctx),
      AffineMap::get(8, 0, {dn, dg, df, doy, dox}, ctx)};
  using utils::IteratorType;
  SmallVector<IteratorType> iterators = {
      IteratorType::parallel,  IteratorType::parallel,  IteratorType::parallel,
      IteratorType::parallel,  IteratorType::reduction, IteratorType::reduction,
      IteratorType::reduction, IteratorType::parallel};
  auto generic = linalg::GenericOp::create(
      b, loc, outType, ValueRange{xg, wg}, init, maps, iterators,
      [](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        // Integer convolutions multiply int8 operands into an int32 accumulator.
        auto widen = [&](Value v) -> Value {
          if (v.getType() == args[2].getType() || !isa<IntegerType>(v.getType()))
            return v;
          return arith::ExtSIOp::create(nested, nestedLoc, args[2].getType(), v);
        };
        Value product = mul(nested, nestedLoc, widen(args[0]), widen(args[1]));
        linalg::YieldOp::create(nested, nestedLoc, add(nested, nestedLoc, args[2], product));
      });
  return reshape(b, loc, generic.getResult(0), resultType.getShape());
}

struct ConvLowering : OpConversionPattern<ConvOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ConvOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    if (op.getStrides().size() > 2)
      return failure(); // Conv3D.cpp
    Location loc = op.getLoc();
    auto resultType = cast<RankedTensorType>(op.getType());
    auto wType = cast<RankedTensorType>(adaptor.getWeight().getType());
    Window w = makeWindow(wType.getShape().drop_front(2), op.getStrides(), op.getDilations(),
                          op.getPads());
    Value input = liftTo2D(rewriter, loc, adaptor.getInput());
    Value weight = liftTo2D(rewriter, loc, adaptor.getWeight());
    RankedTensorType result4 = liftedType(resultType);
    Value padded = padConstant(rewriter, loc, input, {0, 0, w.padTop, w.padLeft},
                               {0, 0, w.padBottom, w.padRight}, 0.0);
    Value y = convPadded(rewriter, loc, padded, weight, adaptor.getBias(), w, op.getGroup(),
                         result4);
    rewriter.replaceOp(op, reshape(rewriter, loc, y, resultType.getShape()));
    return success();
  }
};

/// Integer conv: padding reads the input zero point; int8 x int8 products
/// accumulate in int32 (linalg.matmul's signed extension, or the generic).
struct ConvIntegerLowering : OpConversionPattern<ConvIntegerOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ConvIntegerOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = cast<RankedTensorType>(op.getType());
    auto wType = cast<RankedTensorType>(adaptor.getWeight().getType());
    Window w = makeWindow(wType.getShape().drop_front(2), op.getStrides(), op.getDilations(),
                          op.getPads());
    Value padded = padConstant(rewriter, loc, adaptor.getInput(), {0, 0, w.padTop, w.padLeft},
                               {0, 0, w.padBottom, w.padRight}, double(op.getInputZeroPoint()));
    rewriter.replaceOp(op, convPadded(rewriter, loc, padded, adaptor.getWeight(),
                                      adaptor.getBias(), w, op.getGroup(), resultType));
    return success();
  }
};

/// ConvTranspose whose stride equals its kernel (an upsampling head: no
/// pads, dilation 1, one group, one image): the taps never overlap, so
///   Y[f, y*KH + i, x*KW + j] = b[f] + sum_c X[c, y, x] W[c, f, i, j]
/// is one GEMM, G[(f, i, j), (y, x)] = W^T[(f, i, j), c] X[c, (y, x)],
/// started from the bias, then an interleaving transpose. The zero-inserted
/// input and its im2col (KH*KW times the output: 157 MB for det's 2x2 head
/// at 640x640) are never built; each sum adds the same nonzero products in
/// the same c order as the general path.
Value convTransposeNonOverlapping(OpBuilder &b, Location loc, Value input, Value weight,
                                  Value bias, int64_t kh, int64_t kw) {
  auto inType = cast<RankedTensorType>(input.getType());
  auto wType = cast<RankedTensorType>(weight.getType());
  int64_t c = inType.getDimSize(1), h = inType.getDimSize(2), wd = inType.getDimSize(3);
  int64_t f = wType.getDimSize(1), rows = f * kh * kw;
  Type element = inType.getElementType();
  Value w2 = reshape(b, loc, transpose(b, loc, weight, {1, 2, 3, 0}), {rows, c});
  auto gemmType = RankedTensorType::get({rows, h * wd}, element);
  Value init = filledTensor(b, loc, gemmType, 0);
  if (bias) { // row (f, i, j) starts from b[f]
    auto tapsType = RankedTensorType::get({f, kh * kw}, element);
    Value taps = elementwise(b, loc, tapsType, reshape(b, loc, bias, {f, 1}),
                             [](OpBuilder &, Location, ValueRange args) { return args[0]; });
    init = broadcastRows(b, loc, reshape(b, loc, taps, {rows}), gemmType);
  }
  Value g = matmul(b, loc, w2, reshape(b, loc, input, {c, h * wd}), init);
  Value interleaved = transpose(b, loc, reshape(b, loc, g, {f, kh, kw, h, wd}), {0, 3, 1, 4, 2});
  return reshape(b, loc, interleaved, {1, f, h * kh, wd * kw});
}

/// ConvTranspose = zero-insertion by the stride, full padding, then a stride-1
/// conv with the kernel flipped and its in/out channel roles swapped.
struct ConvTransposeLowering : OpConversionPattern<ConvTransposeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ConvTransposeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    if (op.getStrides().size() > 2)
      return failure(); // Conv3D.cpp
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto resultType = cast<RankedTensorType>(op.getType());
    Value input = liftTo2D(rewriter, loc, adaptor.getInput());
    Value weight = liftTo2D(rewriter, loc, adaptor.getWeight());
    auto inType = cast<RankedTensorType>(input.getType());
    auto wType = cast<RankedTensorType>(weight.getType());
    Window w = makeWindow(cast<RankedTensorType>(adaptor.getWeight().getType()).getShape().drop_front(2),
                          op.getStrides(), op.getDilations(), op.getPads());
    SmallVector<int64_t> outPad(op.getOutputPadding());
    if (outPad.size() == 1)
      outPad.insert(outPad.begin(), 0);
    outPad.resize(2, 0);
    int64_t groups = op.getGroup(), n = inType.getDimSize(0), c = inType.getDimSize(1);
    int64_t h = inType.getDimSize(2), wd = inType.getDimSize(3);
    int64_t fg = wType.getDimSize(1), cg = c / groups, kh = w.kh, kw = w.kw;
    Type element = inType.getElementType();
    bool noPads = w.padTop == 0 && w.padLeft == 0 && w.padBottom == 0 && w.padRight == 0 &&
                  outPad[0] == 0 && outPad[1] == 0;
    if (w.sh == kh && w.sw == kw && w.dh == 1 && w.dw == 1 && noPads && groups == 1 && n == 1 &&
        isa<FloatType>(element)) {
      Value y = convTransposeNonOverlapping(rewriter, loc, input, weight, adaptor.getBias(), kh, kw);
      rewriter.replaceOp(op, reshape(rewriter, loc, y, resultType.getShape()));
      return success();
    }

    // Zero insertion: input[.., y, x] lands at [.., y*sh, x*sw].
    auto dilatedType = RankedTensorType::get({n, c, (h - 1) * w.sh + 1, (wd - 1) * w.sw + 1}, element);
    Value dilated = input;
    if (w.sh != 1 || w.sw != 1)
      dilated = tensor::InsertSliceOp::create(
          rewriter, loc, input, filledTensor(rewriter, loc, dilatedType, 0),
          foldResults(rewriter, {0, 0, 0, 0}), foldResults(rewriter, inType.getShape()),
          foldResults(rewriter, {1, 1, w.sh, w.sw}));
    int64_t spanH = (kh - 1) * w.dh, spanW = (kw - 1) * w.dw;
    Value padded = padOrCrop(rewriter, loc, dilated, {0, 0, spanH - w.padTop, spanW - w.padLeft},
                             {0, 0, spanH - w.padBottom + outPad[0], spanW - w.padRight + outPad[1]},
                             0.0);

    // W'[g*Fg + f, c, ky, kx] = W[g*Cg + c, f, KH-1-ky, KW-1-kx].
    AffineExpr o, ci, ky, kx;
    bindDims(ctx, o, ci, ky, kx);
    auto flippedType = RankedTensorType::get({groups * fg, cg, kh, kw}, element);
    SmallVector<AffineMap> maps = {
        AffineMap::get(4, 0, {o.floorDiv(fg) * cg + ci, o % fg, kh - 1 - ky, kw - 1 - kx}, ctx),
        AffineMap::getMultiDimIdentityMap(4, ctx)};
    SmallVector<utils::IteratorType> iterators(4, utils::IteratorType::parallel);
    Value flipped = linalg::GenericOp::create(
                        rewriter, loc, flippedType, weight, emptyTensor(rewriter, loc, flippedType),
                        maps, iterators,
                        [](OpBuilder &nested, Location nestedLoc, ValueRange args) {
                          linalg::YieldOp::create(nested, nestedLoc, args[0]);
                        })
                        .getResult(0);
    Window unit = {kh, kw, 1, 1, w.dh, w.dw, 0, 0, 0, 0};
    RankedTensorType result4 = liftedType(resultType);
    Value y = convPadded(rewriter, loc, padded, flipped, adaptor.getBias(), unit, groups, result4);
    rewriter.replaceOp(op, reshape(rewriter, loc, y, resultType.getShape()));
    return success();
  }
};

/// ceil_mode windows may run past the end padding: the rows and columns
/// to pad further so that reads stay in bounds.
static std::pair<int64_t, int64_t> ceilModeExtra(const Window &w, int64_t h, int64_t wd,
                                                 int64_t oh, int64_t ow) {
  return {std::max<int64_t>(0, (oh - 1) * w.sh + (w.kh - 1) * w.dh + 1 -
                                   (h + w.padTop + w.padBottom)),
          std::max<int64_t>(0, (ow - 1) * w.sw + (w.kw - 1) * w.dw + 1 -
                                   (wd + w.padLeft + w.padRight))};
}

/// A pool generic's iterators: three parallel dims, the two window dims,
/// and one more parallel dim innermost.
static SmallVector<utils::IteratorType> poolIterators() {
  using utils::IteratorType;
  return {IteratorType::parallel,  IteratorType::parallel,  IteratorType::parallel,
          IteratorType::reduction, IteratorType::reduction, IteratorType::parallel};
}

/// Max and average pooling as one reduction generic over (n, c, oy, ky, kx, ox).
template <typename PoolOp>
struct PoolLowering : OpConversionPattern<PoolOp> {
  PoolLowering(MLIRContext *context, bool poolTaps)
      : OpConversionPattern<PoolOp>(context), poolTaps(poolTaps) {}
  static constexpr bool isMax = std::is_same_v<PoolOp, MaxPoolOp>;
  /// Max pools as an elementwise generic over their taps (see maxOverTaps).
  bool poolTaps;

  LogicalResult matchAndRewrite(PoolOp op, typename PoolOp::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    if (op.getStrides().size() > 2)
      return failure(); // Conv3D.cpp
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto resultType = cast<RankedTensorType>(op.getType());
    ArrayRef<int64_t> dilations;
    if constexpr (isMax) {
      dilations = op.getDilations();
      if (op.getChannelsLast())
        return lowerChannelsLast(op, adaptor.getInput(), rewriter);
    }
    Window w = makeWindow(op.getKernelShape(), op.getStrides(), dilations, op.getPads());
    Value input = liftTo2D(rewriter, loc, adaptor.getInput());
    auto inType = cast<RankedTensorType>(input.getType());
    RankedTensorType outType = liftedType(resultType);
    int64_t h = inType.getDimSize(2), wd = inType.getDimSize(3);
    int64_t oh = outType.getDimSize(2), ow = outType.getDimSize(3);
    auto [extraH, extraW] = ceilModeExtra(w, h, wd, oh, ow);
    Type element = inType.getElementType();
    Value padScalar = isMax ? extremeValue(rewriter, loc, element, false, hasUnsignedOperands(op))
                            : scalarConstant(rewriter, loc, element, 0.0);
    SmallVector<OpFoldResult> low = {rewriter.getIndexAttr(0), rewriter.getIndexAttr(0),
                                     rewriter.getIndexAttr(w.padTop), rewriter.getIndexAttr(w.padLeft)};
    SmallVector<OpFoldResult> high = {rewriter.getIndexAttr(0), rewriter.getIndexAttr(0),
                                      rewriter.getIndexAttr(w.padBottom + extraH),
                                      rewriter.getIndexAttr(w.padRight + extraW)};
    auto paddedType = inType.clone({inType.getDimSize(0), inType.getDimSize(1),
                                    h + w.padTop + w.padBottom + extraH,
                                    wd + w.padLeft + w.padRight + extraW});
    Value padded = input;
    if (paddedType != inType)
      padded = tensor::PadOp::create(rewriter, loc, paddedType, input, low, high, padScalar);
    Value acc = linalg::FillOp::create(rewriter, loc, padScalar, emptyTensor(rewriter, loc, outType))
                    .getResult(0);

    if constexpr (isMax) {
      if (poolTaps && w.kh * w.kw <= kMaxPoolTaps && paddedType.hasStaticShape() &&
          outType.hasStaticShape()) {
        Value pooled =
            maxOverTaps(rewriter, loc, padded, outType, w, padScalar, hasUnsignedOperands(op));
        rewriter.replaceOp(op, reshape(rewriter, loc, pooled, resultType.getShape()));
        return success();
      }
    }
    AffineExpr dn, dc, doy, dky, dkx, dox;
    bindDims(ctx, dn, dc, doy, dky, dkx, dox);
    // The window operand only carries the KH x KW extent (as linalg's named pools do).
    Value window = tensor::EmptyOp::create(rewriter, loc, ArrayRef<int64_t>{w.kh, w.kw}, element);
    SmallVector<AffineMap> maps = {
        AffineMap::get(6, 0, {dn, dc, doy * w.sh + dky * w.dh, dox * w.sw + dkx * w.dw}, ctx),
        AffineMap::get(6, 0, {dky, dkx}, ctx), AffineMap::get(6, 0, {dn, dc, doy, dox}, ctx)};
    SmallVector<utils::IteratorType> iterators = poolIterators();
    Value pooled = linalg::GenericOp::create(
                       rewriter, loc, outType, ValueRange{padded, window}, acc, maps, iterators,
                       [&](OpBuilder &b, Location l, ValueRange args) {
                         Value r = isMax ? maximum(b, l, args[2], args[0], hasUnsignedOperands(op))
                                         : add(b, l, args[2], args[0]);
                         linalg::YieldOp::create(b, l, r);
                       })
                       .getResult(0);
    if constexpr (!isMax)
      pooled = divideByWindowCounts(rewriter, loc, op, pooled, w, h, wd);
    rewriter.replaceOp(op, reshape(rewriter, loc, pooled, resultType.getShape()));
    return success();
  }

  /// The largest window maxOverTaps takes (5 x 5).
  static constexpr int64_t kMaxPoolTaps = 25;

  /// A max pool as one elementwise generic over the [N, C, OH, OW] output
  /// whose inputs are the window's taps, each a strided slice of the padded
  /// input, maxima taken in the reduction generic's order from `lowest`:
  /// the same values. The reduction generic walks the taps outside the
  /// output row, each loading and storing the row of maxima (a reduction
  /// through memory its loop vectorizer leaves alone); here every row is
  /// one elementwise loop (a 512-channel 14 x 14 3x3 pool: 1.53 -> 0.30 ms).
  static Value maxOverTaps(OpBuilder &b, Location loc, Value padded, RankedTensorType outType,
                           const Window &w, Value lowest, bool isUnsigned) {
    auto attr = [&](int64_t v) -> OpFoldResult { return b.getIndexAttr(v); };
    SmallVector<Value> taps;
    for (int64_t ky = 0; ky < w.kh; ++ky)
      for (int64_t kx = 0; kx < w.kw; ++kx)
        taps.push_back(tensor::ExtractSliceOp::create(
            b, loc, outType, padded, {attr(0), attr(0), attr(ky * w.dh), attr(kx * w.dw)},
            {attr(outType.getDimSize(0)), attr(outType.getDimSize(1)), attr(outType.getDimSize(2)),
             attr(outType.getDimSize(3))},
            {attr(1), attr(1), attr(w.sh), attr(w.sw)}));
    SmallVector<AffineMap> maps(taps.size() + 1,
                                AffineMap::getMultiDimIdentityMap(4, b.getContext()));
    return linalg::GenericOp::create(
               b, loc, outType, taps, emptyTensor(b, loc, outType), maps,
               SmallVector<utils::IteratorType>(4, utils::IteratorType::parallel),
               [&](OpBuilder &nb, Location l, ValueRange args) {
                 Value r = lowest;
                 for (Value tap : args.drop_back())
                   r = maximum(nb, l, r, tap, isUnsigned);
                 linalg::YieldOp::create(nb, l, r);
               })
        .getResult(0);
  }

  /// A channels-last max pool ([N, H, W, C]) as one reduction generic over
  /// (n, oy, ox, ky, kx, c): the output pixels are the parallel loop, and
  /// each window tap runs along the contiguous channels, which vectorize.
  static LogicalResult lowerChannelsLast(MaxPoolOp op, Value input,
                                         ConversionPatternRewriter &rewriter) {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto inType = cast<RankedTensorType>(input.getType());
    auto outType = cast<RankedTensorType>(op.getType());
    Window w = makeWindow(op.getKernelShape(), op.getStrides(), op.getDilations(), op.getPads());
    int64_t h = inType.getDimSize(1), wd = inType.getDimSize(2);
    int64_t oh = outType.getDimSize(1), ow = outType.getDimSize(2);
    auto [extraH, extraW] = ceilModeExtra(w, h, wd, oh, ow);
    Type element = inType.getElementType();
    bool isUnsigned = hasUnsignedOperands(op);
    Value lowest = extremeValue(rewriter, loc, element, false, isUnsigned);
    auto index = [&](int64_t v) -> OpFoldResult { return rewriter.getIndexAttr(v); };
    auto paddedType = inType.clone({inType.getDimSize(0), h + w.padTop + w.padBottom + extraH,
                                    wd + w.padLeft + w.padRight + extraW, inType.getDimSize(3)});
    Value padded = input;
    if (paddedType != inType)
      padded = tensor::PadOp::create(
          rewriter, loc, paddedType, input, {index(0), index(w.padTop), index(w.padLeft), index(0)},
          {index(0), index(w.padBottom + extraH), index(w.padRight + extraW), index(0)}, lowest);
    Value acc = linalg::FillOp::create(rewriter, loc, lowest, emptyTensor(rewriter, loc, outType))
                    .getResult(0);
    AffineExpr dn, doy, dox, dky, dkx, dc;
    bindDims(ctx, dn, doy, dox, dky, dkx, dc);
    Value window = tensor::EmptyOp::create(rewriter, loc, ArrayRef<int64_t>{w.kh, w.kw}, element);
    SmallVector<AffineMap> maps = {
        AffineMap::get(6, 0, {dn, doy * w.sh + dky * w.dh, dox * w.sw + dkx * w.dw, dc}, ctx),
        AffineMap::get(6, 0, {dky, dkx}, ctx), AffineMap::get(6, 0, {dn, doy, dox, dc}, ctx)};
    SmallVector<utils::IteratorType> iterators = poolIterators();
    Value pooled = linalg::GenericOp::create(
                       rewriter, loc, outType, ValueRange{padded, window}, acc, maps, iterators,
                       [&](OpBuilder &b, Location l, ValueRange args) {
                         linalg::YieldOp::create(b, l, maximum(b, l, args[2], args[0], isUnsigned));
                       })
                       .getResult(0);
    rewriter.replaceOp(op, pooled);
    return success();
  }

  /// Average pooling divides by the window size, or by the non-pad part of it.
  static Value divideByWindowCounts(OpBuilder &b, Location loc, AveragePoolOp op, Value sums,
                                    const Window &w, int64_t h, int64_t wd) {
    auto type = cast<RankedTensorType>(sums.getType());
    int64_t oh = type.getDimSize(2), ow = type.getDimSize(3);
    bool includePad = op.getCountIncludePad();
    auto count = [&](int64_t start, int64_t kernel, int64_t size, int64_t padBegin,
                     int64_t padEnd) {
      int64_t low = includePad ? -padBegin : 0, high = includePad ? size + padEnd : size;
      int64_t n = 0;
      for (int64_t k = 0; k < kernel; ++k)
        n += start + k >= low && start + k < high;
      return n;
    };
    SmallVector<float> reciprocals;
    for (int64_t y = 0; y < oh; ++y)
      for (int64_t x = 0; x < ow; ++x) {
        int64_t n = count(y * w.sh - w.padTop, w.kh, h, w.padTop, w.padBottom) *
                    count(x * w.sw - w.padLeft, w.kw, wd, w.padLeft, w.padRight);
        reciprocals.push_back(n ? 1.0f / float(n) : 0.0f);
      }
    auto tableType = RankedTensorType::get({oh, ow}, b.getF32Type());
    Value table = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(tableType, ArrayRef<float>(reciprocals)));
    return elementwise(b, loc, type, {sums, table}, [](OpBuilder &nb, Location l, ValueRange a) {
      Value factor = a[1];
      if (a[0].getType() != factor.getType())
        factor = arith::TruncFOp::create(nb, l, a[0].getType(), factor);
      return mul(nb, l, a[0], factor);
    });
  }
};

struct GlobalAveragePoolLowering : OpConversionPattern<GlobalAveragePoolOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(GlobalAveragePoolOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto inType = cast<RankedTensorType>(adaptor.getInput().getType());
    SmallVector<int64_t> axes;
    int64_t count = 1;
    for (int64_t d = 2; d < inType.getRank(); ++d) {
      axes.push_back(d);
      count *= inType.getDimSize(d);
    }
    Value sums = reduce(rewriter, loc, adaptor.getInput(), axes, 0.0,
                        [](OpBuilder &b, Location l, Value acc, Value x) { return add(b, l, acc, x); });
    auto type = cast<RankedTensorType>(sums.getType());
    Value mean = elementwise(rewriter, loc, type, sums, [&](OpBuilder &b, Location l, ValueRange a) {
      return mul(b, l, a[0], scalarConstant(b, l, a[0].getType(), 1.0 / double(count)));
    });
    rewriter.replaceOp(op, mean);
    return success();
  }
};

} // namespace

void populateConvPatterns(RewritePatternSet &patterns, bool poolTaps) {
  patterns.add<ConvIntegerLowering, ConvLowering, ConvTransposeLowering, GlobalAveragePoolLowering>(
      patterns.getContext());
  patterns.add<PoolLowering<MaxPoolOp>, PoolLowering<AveragePoolOp>>(patterns.getContext(),
                                                                     poolTaps);
}

} // namespace quantc::lowering
