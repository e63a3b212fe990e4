// qnn.grid_sample: one parallel generic over the output whose body reads the
// element's grid coordinates and the image's taps as gathers
// (tensor.extract): denormalize, round (nearest), pad the coordinate
// (border, reflection; not for cubic), then interpolate row by row, each
// tap padded again. Every index is clamped into the image
// before it is read, so a NaN or huge coordinate reads in bounds.
#include "Lowering.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace quantc::lowering {
namespace {

/// The scalar arithmetic of one output element, in `compute` (f32, or the
/// image's f64).
class Sampler {
public:
  Sampler(OpBuilder &b, Location loc, qnn::GridSampleOp op, Value image, Type compute)
      : b(b), loc(loc), image(image), compute(compute), padding(op.getPaddingMode()),
        alignCorners(op.getAlignCorners() != 0) {}

  /// grid's normalized coordinate to a pixel coordinate along a dim of `size`.
  Value denormalize(Value normalized, int64_t size) {
    Value plusOne = add(normalized, constant(1.0));
    if (alignCorners) // (n + 1) / 2 * (size - 1)
      return mul(div(plusOne, constant(2.0)), constant(double(size - 1)));
    return div(sub(mul(plusOne, constant(double(size))), constant(1.0)), constant(2.0));
  }

  /// A coordinate past the borders, clamped into the image (border) or
  /// mirrored back (reflection); as it is for zeros.
  Value padCoordinate(Value x, int64_t size) {
    auto [low, high] = borders(size);
    if (padding == "reflection")
      return reflect(x, low, high);
    if (padding != "border")
      return x;
    Value outside = arith::OrIOp::create(b, loc, less(x, constant(low)), less(constant(high), x));
    return arith::SelectOp::create(b, loc, outside, clampInto(x, size), x);
  }

  /// An integral coordinate along a dim of `size`, made an index into the
  /// image once for every pixel that reads it: clamped (or mirrored, then
  /// clamped) into the image, and for zeros padding whether it was inside.
  struct Tap {
    Value index, inside;
  };
  Tap tap(Value x, int64_t size) {
    Tap t;
    if (padding == "zeros")
      t.inside = within(x, size);
    else if (padding == "reflection")
      x = reflect(x, borders(size).first, borders(size).second);
    t.index = toIndex(clampInto(x, size));
    return t;
  }

  /// The image's pixel at (row, column), in `compute`: zero where either
  /// tap fell outside the image under zeros padding.
  Value pixel(Value n, Value c, const Tap &row, const Tap &column) {
    Value value = toCompute(
        tensor::ExtractOp::create(b, loc, image, ValueRange{n, c, row.index, column.index}));
    if (!row.inside)
      return value;
    Value inside = arith::AndIOp::create(b, loc, row.inside, column.inside);
    return arith::SelectOp::create(b, loc, inside, value, constant(0.0));
  }

  /// The taps' offsets from floor(x) and their weights at t = x - floor(x).
  SmallVector<std::pair<int64_t, Value>> taps(StringRef mode, Value t) {
    if (mode == "linear")
      return {{0, sub(constant(1.0), t)}, {1, t}};
    // Keys' cubic convolution, a = -0.75, at the distances 1 + t, t, 1 - t, 2 - t.
    constexpr double a = -0.75;
    auto outer = [&](Value d) { // 1 <= d < 2: ((a d - 5a) d + 8a) d - 4a
      Value r = sub(mul(constant(a), d), constant(5 * a));
      r = add(mul(r, d), constant(8 * a));
      return sub(mul(r, d), constant(4 * a));
    };
    auto inner = [&](Value d) { // d < 1: ((a + 2) d - (a + 3)) d d + 1
      Value r = sub(mul(constant(a + 2), d), constant(a + 3));
      return add(mul(mul(r, d), d), constant(1.0));
    };
    Value oneMinus = sub(constant(1.0), t);
    return {{-1, outer(add(t, constant(1.0)))},
            {0, inner(t)},
            {1, inner(oneMinus)},
            {2, outer(sub(constant(2.0), t))}};
  }

  Value constant(double v) { return arith::ConstantOp::create(b, loc, FloatAttr::get(compute, v)); }
  Value add(Value x, Value y) { return arith::AddFOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubFOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulFOp::create(b, loc, x, y); }
  Value div(Value x, Value y) { return arith::DivFOp::create(b, loc, x, y); }
  Value floor(Value x) { return math::FloorOp::create(b, loc, x); }
  Value offset(Value x, int64_t by) { return by ? add(x, constant(double(by))) : x; }

  /// `value` (the image's or the grid's element type) as `compute`.
  Value toCompute(Value value) {
    unsigned from = value.getType().getIntOrFloatBitWidth();
    unsigned to = compute.getIntOrFloatBitWidth();
    if (value.getType() == compute)
      return value;
    if (from < to)
      return arith::ExtFOp::create(b, loc, compute, value);
    return arith::TruncFOp::create(b, loc, compute, value);
  }

private:
  /// The coordinates the image spans: its corner pixels' centers with
  /// align_corners, else their outer edges.
  std::pair<double, double> borders(int64_t size) const {
    return alignCorners ? std::pair{0.0, double(size - 1)} : std::pair{-0.5, double(size) - 0.5};
  }

  /// x mirrored by the near border until it lies between low and high.
  Value reflect(Value x, double low, double high) {
    double range = high - low;
    if (range <= 0) // a one-pixel dim with align_corners: every coordinate is its center
      return constant(low);
    // dx past the border, in whole ranges n and a remainder r; an even n
    // mirrors once (from the near border), an odd one from the far one.
    auto mirrored = [&](Value dx, double nearBorder, double farBorder) {
      Value n = floor(div(dx, constant(range)));
      Value r = sub(dx, mul(n, constant(range)));
      Value halfN = mul(n, constant(0.5));
      Value even = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, halfN, floor(halfN));
      double towardFar = nearBorder < farBorder ? 1.0 : -1.0;
      Value fromNear = add(constant(nearBorder), mul(constant(towardFar), r));
      Value fromFar = sub(constant(farBorder), mul(constant(towardFar), r));
      return arith::SelectOp::create(b, loc, even, fromNear, fromFar).getResult();
    };
    Value below = mirrored(sub(constant(low), x), low, high);
    Value above = mirrored(sub(x, constant(high)), high, low);
    Value result = arith::SelectOp::create(b, loc, less(constant(high), x), above, x);
    return arith::SelectOp::create(b, loc, less(x, constant(low)), below, result);
  }

  Value less(Value x, Value y) {
    return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x, y);
  }

  /// Whether an integral coordinate is a pixel of a dim of `size` (false for NaN).
  Value within(Value x, int64_t size) {
    Value notBelow = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGE, x, constant(0.0));
    Value notAbove =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLE, x, constant(double(size - 1)));
    return arith::AndIOp::create(b, loc, notBelow, notAbove);
  }

  /// x clamped to [0, size - 1]; NaN to 0 (maxnumf/minnumf take the number).
  Value clampInto(Value x, int64_t size) {
    Value low = arith::MaxNumFOp::create(b, loc, x, constant(0.0));
    return arith::MinNumFOp::create(b, loc, low, constant(double(size - 1)));
  }

  /// An integral coordinate already inside the image as an index.
  Value toIndex(Value x) {
    Value integer = arith::FPToSIOp::create(b, loc, b.getI64Type(), x);
    return arith::IndexCastOp::create(b, loc, b.getIndexType(), integer);
  }

  OpBuilder &b;
  Location loc;
  Value image;
  Type compute;
  StringRef padding;
  bool alignCorners;
};

struct GridSampleLowering : OpConversionPattern<qnn::GridSampleOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(qnn::GridSampleOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto imageType = cast<RankedTensorType>(adaptor.getInput().getType());
    auto type = cast<RankedTensorType>(op.getType());
    if (!imageType.hasStaticShape() || !type.hasStaticShape())
      return op.emitError("grid_sample needs static shapes; use --input-shape");
    int64_t height = imageType.getDimSize(2), width = imageType.getDimSize(3);
    Type element = type.getElementType();
    Type compute = element.isF64() ? element : rewriter.getF32Type();
    StringRef mode = op.getMode();
    Value image = adaptor.getInput(), grid = adaptor.getGrid();
    MLIRContext *context = rewriter.getContext();
    SmallVector<AffineMap> maps{AffineMap::getMultiDimIdentityMap(4, context)};
    SmallVector<utils::IteratorType> iterators(4, utils::IteratorType::parallel);
    rewriter.replaceOpWithNewOp<linalg::GenericOp>(
        op, type, ValueRange{}, emptyTensor(rewriter, op.getLoc(), type), maps, iterators,
        [&](OpBuilder &b, Location loc, ValueRange) {
          Sampler s(b, loc, op, image, compute);
          Value n = linalg::IndexOp::create(b, loc, 0), c = linalg::IndexOp::create(b, loc, 1);
          Value h = linalg::IndexOp::create(b, loc, 2), w = linalg::IndexOp::create(b, loc, 3);
          auto gridAt = [&](int64_t axis) {
            Value axisIndex = arith::ConstantIndexOp::create(b, loc, axis);
            return s.toCompute(
                tensor::ExtractOp::create(b, loc, grid, ValueRange{n, h, w, axisIndex}));
          };
          Value x = s.denormalize(gridAt(0), width), y = s.denormalize(gridAt(1), height);
          if (mode == "nearest") { // ties to even, as PyTorch's nearbyint
            x = math::RoundEvenOp::create(b, loc, x);
            y = math::RoundEvenOp::create(b, loc, y);
          }
          // Cubic pads its sixteen taps alone, as PyTorch and onnxruntime
          // do (the ONNX reference pads the coordinate first: for border
          // padding near the edge, another value). Linear and nearest give
          // the same value either way.
          if (mode != "cubic") {
            x = s.padCoordinate(x, width);
            y = s.padCoordinate(y, height);
          }
          Value result;
          if (mode == "nearest") {
            result = s.pixel(n, c, s.tap(y, height), s.tap(x, width));
          } else {
            // Each tap row interpolated along x, then the rows along y;
            // every row's and column's tap made once.
            Value x0 = s.floor(x), y0 = s.floor(y);
            SmallVector<std::pair<Sampler::Tap, Value>> columns;
            for (auto [dx, wx] : s.taps(mode, s.sub(x, x0)))
              columns.push_back({s.tap(s.offset(x0, dx), width), wx});
            for (auto [dy, wy] : s.taps(mode, s.sub(y, y0))) {
              Sampler::Tap row = s.tap(s.offset(y0, dy), height);
              Value rowValue;
              for (auto &[column, wx] : columns) {
                Value term = s.mul(wx, s.pixel(n, c, row, column));
                rowValue = rowValue ? s.add(rowValue, term) : term;
              }
              Value term = s.mul(wy, rowValue);
              result = result ? s.add(result, term) : term;
            }
          }
          if (result.getType() != element)
            result = arith::TruncFOp::create(b, loc, element, result);
          linalg::YieldOp::create(b, loc, result);
        });
    return success();
  }
};

} // namespace

void populateGridSamplePatterns(RewritePatternSet &patterns) {
  patterns.add<GridSampleLowering>(patterns.getContext());
}

} // namespace quantc::lowering
