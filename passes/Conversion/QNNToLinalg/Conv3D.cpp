// convert-qnn-to-linalg: 3-D convolutions (video models) as im2col + batched
// matmul, 3-D transposed convolutions through them, and 3-D max/average pools.
#include "passes/Conversion/QNNToLinalg/Lowering.h"

#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace quantc::qnn;

namespace quantc::lowering {
namespace {

using utils::IteratorType;

/// Geometry of a 3-D window: per spatial dim kernel, stride, dilation, pads.
struct Window3D {
  int64_t k[3], s[3], d[3], begin[3], end[3];
};

Window3D makeWindow3D(ArrayRef<int64_t> kernel, ArrayRef<int64_t> strides,
                      ArrayRef<int64_t> dilations, ArrayRef<int64_t> pads) {
  Window3D w;
  for (int i = 0; i < 3; ++i) {
    w.k[i] = kernel[i], w.s[i] = strides[i], w.d[i] = dilations.empty() ? 1 : dilations[i];
    w.begin[i] = pads[i], w.end[i] = pads[3 + i];
  }
  return w;
}

Value pad3D(OpBuilder &b, Location loc, Value input, const Window3D &w, ArrayRef<int64_t> extra,
            double value) {
  return padConstant(b, loc, input, {0, 0, w.begin[0], w.begin[1], w.begin[2]},
                     {0, 0, w.end[0] + extra[0], w.end[1] + extra[1], w.end[2] + extra[2]}, value);
}

/// Input index along spatial dim i for output position o and kernel tap k.
AffineExpr tap(const Window3D &w, int i, AffineExpr o, AffineExpr k) {
  return o * w.s[i] + k * w.d[i];
}

struct Conv3DLowering : OpConversionPattern<ConvOp> {
  Conv3DLowering(MLIRContext *context) : OpConversionPattern(context, /*benefit=*/2) {}
  LogicalResult matchAndRewrite(ConvOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    if (op.getStrides().size() != 3)
      return failure();
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto resultType = cast<RankedTensorType>(op.getType());
    auto wType = cast<RankedTensorType>(adaptor.getWeight().getType());
    Window3D w = makeWindow3D(wType.getShape().drop_front(2), op.getStrides(), op.getDilations(),
                              op.getPads());
    Value padded = pad3D(rewriter, loc, adaptor.getInput(), w, {0, 0, 0}, 0.0);
    auto inType = cast<RankedTensorType>(padded.getType());
    int64_t n = inType.getDimSize(0), c = inType.getDimSize(1), f = wType.getDimSize(0);
    int64_t od = resultType.getDimSize(2), oh = resultType.getDimSize(3), ow = resultType.getDimSize(4);
    int64_t groups = op.getGroup(), cg = c / groups, fg = f / groups;
    Type element = resultType.getElementType();
    int64_t taps = w.k[0] * w.k[1] * w.k[2], positions = od * oh * ow;

    // Groups are folded into the im2col rows: col[g, c, kz, ky, kx, oz, oy, ox].
    AffineExpr e[9];
    bindDimsList(ctx, MutableArrayRef<AffineExpr>(e, 9));
    AffineExpr dn = e[0], dg = e[1], dc = e[2], kz = e[3], ky = e[4], kx = e[5], oz = e[6],
               oy = e[7], ox = e[8];
    auto colType = RankedTensorType::get({n, groups, cg, w.k[0], w.k[1], w.k[2], od, oh, ow},
                                         inType.getElementType());
    Value grouped = reshape(rewriter, loc, padded,
                            {n, groups, cg, inType.getDimSize(2), inType.getDimSize(3),
                             inType.getDimSize(4)});
    SmallVector<AffineMap> maps = {
        AffineMap::get(9, 0, {dn, dg, dc, tap(w, 0, oz, kz), tap(w, 1, oy, ky), tap(w, 2, ox, kx)},
                       ctx),
        AffineMap::getMultiDimIdentityMap(9, ctx)};
    Value col = linalg::GenericOp::create(
                    rewriter, loc, colType, grouped, emptyTensor(rewriter, loc, colType), maps,
                    SmallVector<IteratorType>(9, IteratorType::parallel),
                    [](OpBuilder &b, Location l, ValueRange args) { linalg::YieldOp::create(b, l, args[0]); })
                    .getResult(0);
    // Y[n, g] (Fg x P) = W[g] (Fg x Cg*taps) * col[n, g] (Cg*taps x P), as a batched matmul.
    Value col3 = reshape(rewriter, loc, col, {n * groups, cg * taps, positions});
    Value w3 = reshape(rewriter, loc, adaptor.getWeight(), {groups, fg, cg * taps});
    if (n > 1) { // the same weights for every image
      auto tiled = RankedTensorType::get({n, groups, fg, cg * taps}, element);
      w3 = elementwise(rewriter, loc, tiled, reshape(rewriter, loc, w3, {1, groups, fg, cg * taps}),
                       [](OpBuilder &, Location, ValueRange args) { return args[0]; });
      w3 = reshape(rewriter, loc, w3, {n * groups, fg, cg * taps});
    }
    auto accType = RankedTensorType::get({n * groups, fg, positions}, element);
    Value init = filledTensor(rewriter, loc, accType, 0.0);
    if (adaptor.getBias()) {
      Value bias = reshape(rewriter, loc, adaptor.getBias(), {1, groups, fg, 1});
      auto biasType = RankedTensorType::get({n, groups, fg, positions}, element);
      init = reshape(rewriter, loc,
                     elementwise(rewriter, loc, biasType, bias,
                                 [](OpBuilder &, Location, ValueRange args) { return args[0]; }),
                     {n * groups, fg, positions});
    }
    Value y = linalg::BatchMatmulOp::create(rewriter, loc, ValueRange{w3, col3}, ValueRange{init})
                  .getResult(0);
    rewriter.replaceOp(op, reshape(rewriter, loc, y, resultType.getShape()));
    return success();
  }
};

/// A 3-D ConvTranspose becomes a stride-1 3-D qnn.conv (lowered by
/// Conv3DLowering in the same conversion): the input with stride-1 zeros
/// inserted between elements, padded by (k-1)*d - pad on each side (plus
/// output_padding at the end; negative amounts crop), and the kernel flipped
/// with its channel roles swapped per group:
///   W'[g*Fg + f, c, kz, ky, kx] = W[g*Cg + c, f, KZ-1-kz, KY-1-ky, KX-1-kx].
struct ConvTranspose3DLowering : OpConversionPattern<ConvTransposeOp> {
  ConvTranspose3DLowering(MLIRContext *context) : OpConversionPattern(context, /*benefit=*/2) {}
  LogicalResult matchAndRewrite(ConvTransposeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    if (op.getStrides().size() != 3)
      return failure();
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto inType = cast<RankedTensorType>(adaptor.getInput().getType());
    auto wType = cast<RankedTensorType>(adaptor.getWeight().getType());
    Window3D w = makeWindow3D(wType.getShape().drop_front(2), op.getStrides(), op.getDilations(),
                              op.getPads());
    int64_t groups = op.getGroup(), c = inType.getDimSize(1), cg = c / groups;
    int64_t fg = wType.getDimSize(1);
    Type element = inType.getElementType();

    SmallVector<int64_t> dilatedShape = {inType.getDimSize(0), c};
    for (int i = 0; i < 3; ++i)
      dilatedShape.push_back((inType.getDimSize(2 + i) - 1) * w.s[i] + 1);
    Value dilated = adaptor.getInput();
    if (w.s[0] != 1 || w.s[1] != 1 || w.s[2] != 1)
      dilated = tensor::InsertSliceOp::create(
          rewriter, loc, adaptor.getInput(),
          filledTensor(rewriter, loc, RankedTensorType::get(dilatedShape, element), 0),
          foldResults(rewriter, {0, 0, 0, 0, 0}), foldResults(rewriter, inType.getShape()),
          foldResults(rewriter, {1, 1, w.s[0], w.s[1], w.s[2]}));
    SmallVector<int64_t> begins = {0, 0}, ends = {0, 0};
    for (int i = 0; i < 3; ++i) {
      int64_t span = (w.k[i] - 1) * w.d[i];
      begins.push_back(span - w.begin[i]);
      ends.push_back(span - w.end[i] + op.getOutputPadding()[i]);
    }
    Value padded = padOrCrop(rewriter, loc, dilated, begins, ends, 0.0);

    AffineExpr e[5];
    bindDimsList(ctx, MutableArrayRef<AffineExpr>(e, 5));
    auto flippedType = RankedTensorType::get({groups * fg, cg, w.k[0], w.k[1], w.k[2]}, element);
    SmallVector<AffineMap> maps = {
        AffineMap::get(5, 0, {e[0].floorDiv(fg) * cg + e[1], e[0] % fg, w.k[0] - 1 - e[2],
                              w.k[1] - 1 - e[3], w.k[2] - 1 - e[4]}, ctx),
        AffineMap::getMultiDimIdentityMap(5, ctx)};
    Value flipped = linalg::GenericOp::create(
                        rewriter, loc, flippedType, adaptor.getWeight(),
                        emptyTensor(rewriter, loc, flippedType), maps,
                        SmallVector<IteratorType>(5, IteratorType::parallel),
                        [](OpBuilder &b, Location l, ValueRange args) { linalg::YieldOp::create(b, l, args[0]); })
                        .getResult(0);
    SmallVector<int64_t> ones(3, 1), noPads(6, 0);
    SmallVector<int64_t> dilations = {w.d[0], w.d[1], w.d[2]};
    rewriter.replaceOpWithNewOp<ConvOp>(op, op.getType(), padded, flipped, adaptor.getBias(),
                                        ones, dilations, noPads, groups);
    return success();
  }
};

/// 3-D max and average pools: one reduction generic over (n, c, oz, oy, ox, kz, ky, kx).
template <typename PoolOp> struct Pool3DLowering : OpConversionPattern<PoolOp> {
  static constexpr bool isMax = std::is_same_v<PoolOp, MaxPoolOp>;
  Pool3DLowering(MLIRContext *context) : OpConversionPattern<PoolOp>(context, /*benefit=*/2) {}
  LogicalResult matchAndRewrite(PoolOp op, typename PoolOp::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    if (op.getStrides().size() != 3)
      return failure();
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto resultType = cast<RankedTensorType>(op.getType());
    ArrayRef<int64_t> dilations;
    if constexpr (isMax)
      dilations = op.getDilations();
    Window3D w = makeWindow3D(op.getKernelShape(), op.getStrides(), dilations, op.getPads());
    auto inType = cast<RankedTensorType>(adaptor.getInput().getType());
    Type element = inType.getElementType();
    SmallVector<int64_t> extra;
    for (int i = 0; i < 3; ++i) // ceil_mode windows may run past the end padding
      extra.push_back(std::max<int64_t>(0, (resultType.getDimSize(2 + i) - 1) * w.s[i] +
                                               (w.k[i] - 1) * w.d[i] + 1 -
                                               (inType.getDimSize(2 + i) + w.begin[i] + w.end[i])));
    double padValue = isMax ? -std::numeric_limits<double>::infinity() : 0.0;
    if (isMax && !isa<FloatType>(element))
      return rewriter.notifyMatchFailure(op, "integer 3-D max pool");
    Value padded = pad3D(rewriter, loc, adaptor.getInput(), w, extra, padValue);
    Value acc = filledTensor(rewriter, loc, resultType, padValue);
    AffineExpr e[8];
    bindDimsList(ctx, MutableArrayRef<AffineExpr>(e, 8));
    Value window = tensor::EmptyOp::create(rewriter, loc, ArrayRef<int64_t>{w.k[0], w.k[1], w.k[2]},
                                           element);
    SmallVector<AffineMap> maps = {
        AffineMap::get(8, 0, {e[0], e[1], tap(w, 0, e[2], e[5]), tap(w, 1, e[3], e[6]),
                              tap(w, 2, e[4], e[7])}, ctx),
        AffineMap::get(8, 0, {e[5], e[6], e[7]}, ctx),
        AffineMap::get(8, 0, {e[0], e[1], e[2], e[3], e[4]}, ctx)};
    SmallVector<IteratorType> iterators(5, IteratorType::parallel);
    iterators.append(3, IteratorType::reduction);
    Value pooled = linalg::GenericOp::create(
                       rewriter, loc, resultType, ValueRange{padded, window}, acc, maps, iterators,
                       [&](OpBuilder &b, Location l, ValueRange args) {
                         Value r = isMax ? maximum(b, l, args[2], args[0]) : add(b, l, args[2], args[0]);
                         linalg::YieldOp::create(b, l, r);
                       })
                       .getResult(0);
    if constexpr (!isMax)
      pooled = divideByCounts(rewriter, loc, op, pooled, w, inType);
    rewriter.replaceOp(op, pooled);
    return success();
  }

  /// Average pooling divides by the window size, or by its non-pad part.
  static Value divideByCounts(OpBuilder &b, Location loc, AveragePoolOp op, Value sums,
                              const Window3D &w, RankedTensorType inType) {
    auto type = cast<RankedTensorType>(sums.getType());
    bool includePad = op.getCountIncludePad();
    auto count = [&](int i, int64_t o) {
      int64_t start = o * w.s[i] - w.begin[i], size = inType.getDimSize(2 + i);
      int64_t low = includePad ? -w.begin[i] : 0, high = includePad ? size + w.end[i] : size, n = 0;
      for (int64_t k = 0; k < w.k[i]; ++k)
        n += start + k >= low && start + k < high;
      return n;
    };
    SmallVector<float> reciprocals;
    for (int64_t z = 0; z < type.getDimSize(2); ++z)
      for (int64_t y = 0; y < type.getDimSize(3); ++y)
        for (int64_t x = 0; x < type.getDimSize(4); ++x) {
          int64_t n = count(0, z) * count(1, y) * count(2, x);
          reciprocals.push_back(n ? 1.0f / float(n) : 0.0f);
        }
    auto tableType = RankedTensorType::get(type.getShape().drop_front(2), b.getF32Type());
    Value table = arith::ConstantOp::create(b, loc, DenseElementsAttr::get(tableType, ArrayRef<float>(reciprocals)));
    return elementwise(b, loc, type, {sums, table}, [](OpBuilder &nb, Location l, ValueRange a) {
      Value factor = a[1];
      if (a[0].getType() != factor.getType())
        factor = arith::TruncFOp::create(nb, l, a[0].getType(), factor);
      return mul(nb, l, a[0], factor);
    });
  }
};

} // namespace

void populateConv3DPatterns(RewritePatternSet &patterns) {
  patterns.add<Conv3DLowering, ConvTranspose3DLowering, Pool3DLowering<MaxPoolOp>,
               Pool3DLowering<AveragePoolOp>>(
      patterns.getContext());
}

} // namespace quantc::lowering
