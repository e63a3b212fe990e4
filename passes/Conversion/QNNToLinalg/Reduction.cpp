// convert-qnn-to-linalg: the ONNX Reduce* family, ArgMax/ArgMin, TopK, CumSum,
// LogSoftmax and Hardmax as linalg.generic reductions.
#include "passes/Conversion/QNNToLinalg/Lowering.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Transforms/DialectConversion.h"


using namespace mlir;
using namespace quantc::qnn;

namespace quantc::lowering {
namespace {

bool isFloat(Type type) { return isa<FloatType>(type); }

Value unary(OpBuilder &b, Location loc, Value x, function_ref<Value(OpBuilder &, Location, Value)> fn) {
  auto type = cast<RankedTensorType>(x.getType());
  return elementwise(b, loc, type, x,
                     [&](OpBuilder &nb, Location l, ValueRange args) { return fn(nb, l, args[0]); });
}

SmallVector<int64_t> normalizedAxes(ArrayRef<int64_t> axes, int64_t rank) {
  SmallVector<int64_t> result;
  for (int64_t axis : axes)
    result.push_back(axis < 0 ? axis + rank : axis);
  if (result.empty())
    for (int64_t d = 0; d < rank; ++d)
      result.push_back(d);
  return result;
}

struct ReduceLowering : OpConversionPattern<ReduceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ReduceOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    auto type = cast<RankedTensorType>(x.getType());
    Type element = type.getElementType();
    SmallVector<int64_t> axes = normalizedAxes(op.getAxes(), type.getRank());
    StringRef kind = op.getKind();
    OpBuilder &b = rewriter;
    auto sum = [&](Value v) {
      return reduce(b, loc, v, axes, scalarConstant(b, loc, element, 0.0),
                        [](OpBuilder &nb, Location l, Value a, Value e) { return add(nb, l, a, e); });
    };
    Value result;
    if (kind == "sum") {
      result = sum(x);
    } else if (kind == "prod") {
      result = reduce(b, loc, x, axes, scalarConstant(b, loc, element, 1.0),
                          [](OpBuilder &nb, Location l, Value a, Value e) { return mul(nb, l, a, e); });
    } else if (kind == "max" || kind == "min") {
      bool isMax = kind == "max", isUnsigned = hasUnsignedOperands(op);
      result = reduce(b, loc, x, axes, extremeValue(b, loc, element, !isMax, isUnsigned),
                      [&](OpBuilder &nb, Location l, Value a, Value e) {
                        return isMax ? maximum(nb, l, a, e, isUnsigned) : minimum(nb, l, a, e, isUnsigned);
                      });
    } else if (kind == "l1") {
      result = sum(unary(b, loc, x, [](OpBuilder &nb, Location l, Value v) -> Value {
        if (isFloat(v.getType()))
          return math::AbsFOp::create(nb, l, v);
        return math::AbsIOp::create(nb, l, v);
      }));
    } else if (kind == "l2" || kind == "sum_square") {
      result = sum(unary(b, loc, x, [](OpBuilder &nb, Location l, Value v) { return mul(nb, l, v, v); }));
      if (kind == "l2")
        result = unary(b, loc, result, [](OpBuilder &nb, Location l, Value v) -> Value {
          return math::SqrtOp::create(nb, l, v);
        });
    } else if (kind == "log_sum") {
      result = unary(b, loc, sum(x), [](OpBuilder &nb, Location l, Value v) -> Value {
        return math::LogOp::create(nb, l, v);
      });
    } else { // log_sum_exp, stabilized by the maximum
      Value peak = reduce(b, loc, x, axes, extremeValue(b, loc, element, false),
                          [](OpBuilder &nb, Location l, Value a, Value e) { return maximum(nb, l, a, e); });
      Value shifted = elementwise(b, loc, type, {x, peak}, [](OpBuilder &nb, Location l, ValueRange v) -> Value {
        return math::ExpOp::create(nb, l, arith::SubFOp::create(nb, l, v[0], v[1]));
      });
      Value sums = sum(shifted);
      result = elementwise(b, loc, cast<RankedTensorType>(sums.getType()), {sums, peak},
                           [](OpBuilder &nb, Location l, ValueRange v) -> Value {
                             Value logSum = math::LogOp::create(nb, l, v[0]);
                             // An all -inf slice stays -inf instead of NaN.
                             Value finite = arith::CmpFOp::create(nb, l, arith::CmpFPredicate::ONE, v[1],
                                                                  scalarConstant(nb, l, v[1].getType(), -INFINITY));
                             return arith::SelectOp::create(nb, l, finite, arith::AddFOp::create(nb, l, logSum, v[1]), v[1]);
                           });
    }
    rewriter.replaceOp(op, reshape(rewriter, loc, result, op.getType().getShape()));
    return success();
  }
};

/// A reduction of `type` along `axis` keeping it as a size-1 dim: the
/// result's shape, the map from the loops to it, and the loops' kinds.
struct AlongAxis {
  SmallVector<int64_t> shape;
  AffineMap row;
  SmallVector<utils::IteratorType> iterators;
};

AlongAxis alongAxis(RankedTensorType type, int64_t axis) {
  MLIRContext *context = type.getContext();
  AlongAxis along{SmallVector<int64_t>(type.getShape()), AffineMap(), {}};
  along.shape[axis] = 1;
  SmallVector<AffineExpr> exprs;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    exprs.push_back(d == axis ? getAffineConstantExpr(0, context) : getAffineDimExpr(d, context));
    along.iterators.push_back(d == axis ? utils::IteratorType::reduction
                                        : utils::IteratorType::parallel);
  }
  along.row = AffineMap::get(type.getRank(), 0, exprs, context);
  return along;
}

/// The index (i64, size-1 dim kept at `axis`) of the first maximum (or
/// minimum; the last one with `selectLast`) along `axis`.
Value argReduce(OpBuilder &b, Location loc, Value x, int64_t axis, bool isMax, bool selectLast,
                bool isUnsigned = false) {
  auto type = cast<RankedTensorType>(x.getType());
  AlongAxis along = alongAxis(type, axis);
  auto valueType = type.clone(along.shape);
  auto indexType = RankedTensorType::get(along.shape, b.getI64Type());
  Value best = linalg::FillOp::create(b, loc, extremeValue(b, loc, type.getElementType(), !isMax, isUnsigned),
                                      emptyTensor(b, loc, valueType)).getResult(0);
  Value where = filledTensor(b, loc, indexType, -1.0);
  SmallVector<AffineMap> maps = {AffineMap::getMultiDimIdentityMap(type.getRank(), b.getContext()),
                                 along.row, along.row};
  SmallVector<utils::IteratorType> &iterators = along.iterators;
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{valueType, indexType}, x, ValueRange{best, where}, maps, iterators,
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Value v = args[0], acc = args[1], accIndex = args[2];
        Value index = arith::IndexCastOp::create(nb, l, nb.getI64Type(),
                                                 linalg::IndexOp::create(nb, l, axis));
        Value better;
        if (isFloat(v.getType()))
          better = arith::CmpFOp::create(nb, l,
                                         isMax ? (selectLast ? arith::CmpFPredicate::OGE : arith::CmpFPredicate::OGT)
                                               : (selectLast ? arith::CmpFPredicate::OLE : arith::CmpFPredicate::OLT),
                                         v, acc);
        else if (isUnsigned)
          better = arith::CmpIOp::create(nb, l,
                                         isMax ? (selectLast ? arith::CmpIPredicate::uge : arith::CmpIPredicate::ugt)
                                               : (selectLast ? arith::CmpIPredicate::ule : arith::CmpIPredicate::ult),
                                         v, acc);
        else
          better = arith::CmpIOp::create(nb, l,
                                         isMax ? (selectLast ? arith::CmpIPredicate::sge : arith::CmpIPredicate::sgt)
                                               : (selectLast ? arith::CmpIPredicate::sle : arith::CmpIPredicate::slt),
                                         v, acc);
        // The first element always wins, so an all -inf (or NaN) slice gives index 0.
        Value first = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::slt, accIndex,
                                            scalarConstant(nb, l, nb.getI64Type(), 0.0));
        better = arith::OrIOp::create(nb, l, better, first);
        linalg::YieldOp::create(nb, l, ValueRange{arith::SelectOp::create(nb, l, better, v, acc),
                                                  arith::SelectOp::create(nb, l, better, index, accIndex)});
      });
  return generic.getResult(1);
}

struct ArgReduceLowering : OpConversionPattern<ArgReduceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ArgReduceOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(adaptor.getInput().getType());
    int64_t axis = op.getAxis() < 0 ? op.getAxis() + type.getRank() : op.getAxis();
    Value index = argReduce(rewriter, op.getLoc(), adaptor.getInput(), axis, op.getKind() == "max",
                            op.getSelectLastIndex(), hasUnsignedOperands(op));
    rewriter.replaceOp(op, reshape(rewriter, op.getLoc(), index, op.getType().getShape()));
    return success();
  }
};

/// CumSum: out[.., i, ..] = sum over r of x[.., r, ..] where r is before i
/// (or at it, unless exclusive; after it when reverse), one extra reduction dim.
struct CumSumLowering : OpConversionPattern<CumSumOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(CumSumOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    int64_t rank = type.getRank();
    int64_t axis = op.getAxis() < 0 ? op.getAxis() + rank : op.getAxis();
    MLIRContext *context = rewriter.getContext();
    SmallVector<AffineExpr> inExprs;
    for (int64_t d = 0; d < rank; ++d)
      inExprs.push_back(getAffineDimExpr(d == axis ? rank : d, context));
    SmallVector<AffineMap> maps = {AffineMap::get(rank + 1, 0, inExprs, context),
                                   AffineMap::getMultiDimIdentityMap(rank + 1, context).getMajorSubMap(rank)};
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    iterators.push_back(utils::IteratorType::reduction);
    arith::CmpIPredicate predicate =
        op.getReverse() ? (op.getExclusive() ? arith::CmpIPredicate::sgt : arith::CmpIPredicate::sge)
                        : (op.getExclusive() ? arith::CmpIPredicate::slt : arith::CmpIPredicate::sle);
    Value init = filledTensor(rewriter, loc, type, 0.0);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, type, adaptor.getInput(), init, maps, iterators,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value r = linalg::IndexOp::create(b, l, rank), i = linalg::IndexOp::create(b, l, axis);
          Value counts = arith::CmpIOp::create(b, l, predicate, r, i);
          Value term = arith::SelectOp::create(b, l, counts, args[0],
                                               scalarConstant(b, l, args[0].getType(), 0.0));
          linalg::YieldOp::create(b, l, add(b, l, args[1], term));
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

/// Whether element `a` (at index m along the axis) comes before `b` (at i)
/// in TopK's order: larger (smaller without `largest`), or equal at a lower
/// index. NaN is larger than every number and equal to NaN, so the order is
/// total and the ranks are a permutation.
static Value comesBefore(OpBuilder &b, Location l, Value a, Value x, Value m, Value i, bool largest,
                         bool isUnsigned) {
  Value strict, equal;
  if (isa<FloatType>(a.getType())) {
    auto cmp = [&](arith::CmpFPredicate p, Value u, Value v) {
      return arith::CmpFOp::create(b, l, p, u, v).getResult();
    };
    auto isNaN = [&](Value v) { return cmp(arith::CmpFPredicate::UNO, v, v); };
    auto notNaN = [&](Value v) { return cmp(arith::CmpFPredicate::ORD, v, v); };
    // largest: a > x, or a NaN before a number; smallest: a < x, or a number before a NaN.
    Value ordered = cmp(largest ? arith::CmpFPredicate::OGT : arith::CmpFPredicate::OLT, a, x);
    Value nanOrder = largest ? arith::AndIOp::create(b, l, isNaN(a), notNaN(x)).getResult()
                             : arith::AndIOp::create(b, l, notNaN(a), isNaN(x)).getResult();
    strict = arith::OrIOp::create(b, l, ordered, nanOrder);
    equal = arith::OrIOp::create(b, l, cmp(arith::CmpFPredicate::OEQ, a, x),
                                 arith::AndIOp::create(b, l, isNaN(a), isNaN(x)));
  } else {
    bool asUnsigned = isUnsigned || a.getType().isInteger(1);
    arith::CmpIPredicate p =
        largest ? (asUnsigned ? arith::CmpIPredicate::ugt : arith::CmpIPredicate::sgt)
                : (asUnsigned ? arith::CmpIPredicate::ult : arith::CmpIPredicate::slt);
    strict = arith::CmpIOp::create(b, l, p, a, x);
    equal = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, a, x);
  }
  Value lower = arith::CmpIOp::create(b, l, arith::CmpIPredicate::ult, m, i);
  return arith::OrIOp::create(b, l, strict, arith::AndIOp::create(b, l, equal, lower));
}

/// Rows at least this long, of which TopK takes at most a quarter, are
/// selected k times (O(n k)) rather than ranked (O(n^2)): a 32000-token
/// vocabulary's top 50 is 1.6 M comparisons instead of 1 G.
constexpr int64_t kSelectedTopKRow = 64;

/// TopK's indices by selection: k passes over the axis, pass t an argmax
/// (in TopK's order) over the elements that come after pass t - 1's pick,
/// its index inserted at t.
Value selectTopK(OpBuilder &b, Location loc, Value input, int64_t axis, RankedTensorType type,
                 bool largest, bool isUnsigned) {
  auto inType = cast<RankedTensorType>(input.getType());
  int64_t rank = inType.getRank();
  AlongAxis along = alongAxis(inType, axis);
  SmallVector<int64_t> &rowShape = along.shape;
  SmallVector<utils::IteratorType> &iterators = along.iterators;
  Type i64 = b.getI64Type();
  auto pickType = inType.clone(rowShape);
  auto pickIndexType = RankedTensorType::get(rowShape, i64);
  AffineMap row = along.row;
  SmallVector<AffineMap> maps = {AffineMap::getMultiDimIdentityMap(rank, b.getContext()), row, row,
                                 row, row};
  // Index -1: no pick yet (before the first pass; before the first element).
  Value none = filledTensor(b, loc, pickIndexType, -1.0);
  Value anyValue = filledTensor(b, loc, pickType, 0.0);
  auto zero = [&](OpBuilder &nb, Location l) {
    return arith::ConstantIntOp::create(nb, l, i64, 0);
  };
  auto passes = scf::ForOp::create(
      b, loc, arith::ConstantIndexOp::create(b, loc, 0),
      arith::ConstantIndexOp::create(b, loc, type.getDimSize(axis)),
      arith::ConstantIndexOp::create(b, loc, 1),
      ValueRange{emptyTensor(b, loc, type), anyValue, none},
      [&](OpBuilder &fb, Location fl, Value t, ValueRange carried) {
        // The last pick is read from copies, the new one written over it, so
        // the loop carries the same two buffers (bufferization wants them so).
        auto copy = [&](Value v) {
          auto copyType = cast<RankedTensorType>(v.getType());
          return linalg::CopyOp::create(fb, fl, v, emptyTensor(fb, fl, copyType)).getResult(0);
        };
        auto fill = [&](Value v, Value with) {
          return linalg::FillOp::create(fb, fl, with, v).getResult(0);
        };
        Value last = copy(carried[1]), lastAt = copy(carried[2]);
        Value anyInit = fill(carried[1], scalarConstant(fb, fl, pickType.getElementType(), 0.0));
        Value noneInit = fill(carried[2], arith::ConstantIntOp::create(fb, fl, i64, -1));
        auto pick = linalg::GenericOp::create(
            fb, fl, TypeRange{pickType, pickIndexType}, ValueRange{input, last, lastAt},
            ValueRange{anyInit, noneInit}, maps, iterators,
            [&](OpBuilder &nb, Location l, ValueRange args) {
              Value x = args[0], previous = args[1], previousAt = args[2];
              Value best = args[3], bestAt = args[4];
              Value m =
                  arith::IndexCastOp::create(nb, l, i64, linalg::IndexOp::create(nb, l, axis));
              auto isNone = [&](Value at) {
                return arith::CmpIOp::create(nb, l, arith::CmpIPredicate::slt, at, zero(nb, l));
              };
              Value after = arith::OrIOp::create(
                  nb, l, isNone(previousAt),
                  comesBefore(nb, l, previous, x, previousAt, m, largest, isUnsigned));
              Value beats =
                  arith::OrIOp::create(nb, l, isNone(bestAt),
                                       comesBefore(nb, l, x, best, m, bestAt, largest, isUnsigned));
              Value better = arith::AndIOp::create(nb, l, after, beats);
              linalg::YieldOp::create(
                  nb, l,
                  ValueRange{arith::SelectOp::create(nb, l, better, x, best),
                             arith::SelectOp::create(nb, l, better, m, bestAt)});
            });
        SmallVector<OpFoldResult> offsets(rank, fb.getIndexAttr(0)),
            strides(rank, fb.getIndexAttr(1));
        SmallVector<OpFoldResult> sizes;
        for (int64_t size : rowShape)
          sizes.push_back(fb.getIndexAttr(size));
        offsets[axis] = t;
        Value indices = tensor::InsertSliceOp::create(fb, fl, pick.getResult(1), carried[0],
                                                      offsets, sizes, strides);
        scf::YieldOp::create(fb, fl, ValueRange{indices, pick.getResult(0), pick.getResult(1)});
      });
  return passes.getResult(0);
}

/// TopK's indices. Short rows, or most of a row: two generics, each
/// element's rank along the axis (how many elements come before it), then,
/// for each of the first k ranks, the index holding it (O(n^2) comparisons
/// a row of n). A few of a long row, on the host (`selection`): selectTopK.
struct TopKLowering : OpConversionPattern<TopKOp> {
  TopKLowering(MLIRContext *context, bool selection)
      : OpConversionPattern<TopKOp>(context), selection(selection) {}
  bool selection;
  LogicalResult matchAndRewrite(TopKOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    auto inType = cast<RankedTensorType>(input.getType());
    auto type = cast<RankedTensorType>(op.getType());
    if (!inType.hasStaticShape())
      return op.emitError("top_k needs static shapes; use --input-shape");
    int64_t rank = inType.getRank();
    int64_t axis = op.getAxis() < 0 ? op.getAxis() + rank : op.getAxis();
    int64_t n = inType.getDimSize(axis), k = type.getDimSize(axis);
    if (selection && n >= kSelectedTopKRow && k * 4 <= n) {
      rewriter.replaceOp(op, selectTopK(rewriter, loc, input, axis, type, op.getLargest(),
                                        hasUnsignedOperands(op)));
      return success();
    }
    MLIRContext *context = rewriter.getContext();
    // (d..., r) -> (d with the axis replaced by r): the axis' other element.
    SmallVector<AffineExpr> alongR;
    for (int64_t d = 0; d < rank; ++d)
      alongR.push_back(getAffineDimExpr(d == axis ? rank : d, context));
    AffineMap other = AffineMap::get(rank + 1, 0, alongR, context);
    AffineMap self = AffineMap::getMultiDimIdentityMap(rank + 1, context).getMajorSubMap(rank);
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    iterators.push_back(utils::IteratorType::reduction);
    Type i64 = rewriter.getI64Type();
    auto toI64 = [&](OpBuilder &b, Location l, Value index) {
      return arith::IndexCastOp::create(b, l, i64, index).getResult();
    };
    auto rankType = RankedTensorType::get(inType.getShape(), i64);
    bool largest = op.getLargest(), isUnsigned = hasUnsignedOperands(op);
    Value ranks =
        linalg::GenericOp::create(
            rewriter, loc, rankType, ValueRange{input, input},
            filledTensor(rewriter, loc, rankType, 0.0), SmallVector<AffineMap>{other, self, self},
            iterators,
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value m = linalg::IndexOp::create(b, l, rank);
              Value i = linalg::IndexOp::create(b, l, axis);
              Value before = comesBefore(b, l, args[0], args[1], m, i, largest, isUnsigned);
              Value one = arith::ExtUIOp::create(b, l, i64, before);
              linalg::YieldOp::create(b, l, arith::AddIOp::create(b, l, args[2], one).getResult());
            })
            .getResult(0);
    Value indices =
        linalg::GenericOp::create(
            rewriter, loc, type, ValueRange{ranks}, filledTensor(rewriter, loc, type, 0.0),
            SmallVector<AffineMap>{other, self}, iterators,
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value i = linalg::IndexOp::create(b, l, rank);
              Value j = linalg::IndexOp::create(b, l, axis);
              Value holds =
                  arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, args[0], toI64(b, l, j));
              Value term = arith::SelectOp::create(b, l, holds, toI64(b, l, i),
                                                   arith::ConstantIntOp::create(b, l, i64, 0));
              linalg::YieldOp::create(b, l, arith::AddIOp::create(b, l, args[1], term).getResult());
            })
            .getResult(0);
    rewriter.replaceOp(op, indices);
    return success();
  }
};

/// LogSoftmax: x - max - log(sum(exp(x - max))).
struct LogSoftmaxLowering : OpConversionPattern<LogSoftmaxOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(LogSoftmaxOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    int64_t axis = op.getAxis() < 0 ? op.getAxis() + type.getRank() : op.getAxis();
    Value x = adaptor.getInput();
    Type element = type.getElementType();
    Value peak = reduce(rewriter, loc, x, {axis}, extremeValue(rewriter, loc, element, false),
                        [](OpBuilder &b, Location l, Value a, Value e) { return maximum(b, l, a, e); });
    Value shifted = elementwise(rewriter, loc, type, {x, peak}, [](OpBuilder &b, Location l, ValueRange v) -> Value {
      return arith::SubFOp::create(b, l, v[0], v[1]);
    });
    Value exps = unary(rewriter, loc, shifted, [](OpBuilder &b, Location l, Value v) -> Value {
      return math::ExpOp::create(b, l, v);
    });
    Value sums = reduce(rewriter, loc, exps, {axis}, scalarConstant(rewriter, loc, element, 0.0),
                            [](OpBuilder &b, Location l, Value a, Value e) { return add(b, l, a, e); });
    Value y = elementwise(rewriter, loc, type, {shifted, sums}, [](OpBuilder &b, Location l, ValueRange v) -> Value {
      return arith::SubFOp::create(b, l, v[0], math::LogOp::create(b, l, v[1]));
    });
    rewriter.replaceOp(op, y);
    return success();
  }
};

/// Hardmax: 1 where the index along axis is the first maximum's, else 0.
struct HardmaxLowering : OpConversionPattern<HardmaxOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(HardmaxOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    int64_t axis = op.getAxis() < 0 ? op.getAxis() + type.getRank() : op.getAxis();
    Value first = argReduce(rewriter, loc, adaptor.getInput(), axis, true, false);
    Value y = elementwise(rewriter, loc, type, {adaptor.getInput(), first},
                          [&](OpBuilder &b, Location l, ValueRange v) -> Value {
                            Value index = arith::IndexCastOp::create(b, l, b.getI64Type(),
                                                                     linalg::IndexOp::create(b, l, axis));
                            Value hit = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, index, v[1]);
                            return arith::SelectOp::create(b, l, hit, scalarConstant(b, l, v[0].getType(), 1.0),
                                                           scalarConstant(b, l, v[0].getType(), 0.0));
                          });
    rewriter.replaceOp(op, y);
    return success();
  }
};

} // namespace

void populateReductionPatterns(RewritePatternSet &patterns, bool topKSelection) {
  patterns
      .add<ReduceLowering, ArgReduceLowering, CumSumLowering, LogSoftmaxLowering, HardmaxLowering>(
          patterns.getContext());
  patterns.add<TopKLowering>(patterns.getContext(), topKSelection);
}

} // namespace quantc::lowering
