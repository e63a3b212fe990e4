// qnn-fuse-patterns: exporter-decomposed HardSwish, GELU and LayerNorm
// subgraphs become single ops; scalar affine steps after a Conv fold into it.
#include "passes/Transforms/ConstantUtils.h"
#include "passes/Transforms/Passes.h"

#include "dialects/QNN/QNNOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace quantc::qnn {
#define GEN_PASS_DEF_QNNFUSEPATTERNSPASS
#include "passes/Transforms/Passes.h.inc"

using namespace mlir;

namespace {

/// The value of a constant holding one f32 (any shape with one element).
std::optional<float> scalarConstant(Value value) {
  auto values = readFloats(value);
  if (!values || values->size() != 1)
    return std::nullopt;
  return (*values)[0];
}

bool isScalar(Value value, float expected, float tolerance = 1e-6f) {
  auto v = scalarConstant(value);
  return v && std::fabs(*v - expected) <= tolerance * std::max(1.f, std::fabs(expected));
}

/// For a commutative binary op, the operand that is not `known` (or null).
Value otherOperand(Operation *op, Value known) {
  if (op->getOperand(0) == known)
    return op->getOperand(1);
  if (op->getOperand(1) == known)
    return op->getOperand(0);
  return {};
}

bool sameType(Value a, Value b) { return a.getType() == b.getType(); }

/// x * clip(x + 3, 0, 6) / 6  (or * (1/6)), as paddle2onnx and PyTorch export it.
struct FuseHardSwish : RewritePattern {
  FuseHardSwish(MLIRContext *context) : RewritePattern(MatchAnyOpTypeTag(), 1, context) {}
  LogicalResult matchAndRewrite(Operation *root, PatternRewriter &rewriter) const override {
    MulOp product;
    if (auto div = dyn_cast<DivOp>(root); div && isScalar(div.getRhs(), 6.f))
      product = div.getLhs().getDefiningOp<MulOp>();
    else if (auto mul = dyn_cast<MulOp>(root); mul && isScalar(mul.getRhs(), 1.f / 6.f, 1e-5f))
      product = mul.getLhs().getDefiningOp<MulOp>();
    if (!product || !product->hasOneUse())
      return failure();
    for (int side = 0; side < 2; ++side) {
      Value x = product->getOperand(side);
      auto clip = product->getOperand(1 - side).getDefiningOp<ClipOp>();
      if (!clip || !clip->hasOneUse() || !clip.getMin() || !clip.getMax() ||
          clip.getMin()->convertToDouble() != 0.0 || clip.getMax()->convertToDouble() != 6.0)
        continue;
      auto shift = clip.getInput().getDefiningOp<AddOp>();
      if (!shift || !shift->hasOneUse() || otherOperand(shift, x) == Value() ||
          !isScalar(otherOperand(shift, x), 3.f) || !sameType(x, root->getResult(0)))
        continue;
      rewriter.replaceOpWithNewOp<HardSwishOp>(root, x);
      return success();
    }
    return failure();
  }
};

/// 0.5 * x * (1 + erf(x / sqrt(2))) in any association of the three factors.
struct FuseGelu : OpRewritePattern<MulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MulOp root, PatternRewriter &rewriter) const override {
    // Flatten root = f0 * f1 [* f2] through one single-use inner mul.
    SmallVector<Value> factors;
    for (Value operand : root->getOperands()) {
      auto inner = operand.getDefiningOp<MulOp>();
      if (inner && inner->hasOneUse() && factors.size() + 2 <= 3 && !isa<ConstantOp>(inner))
        factors.append({inner.getLhs(), inner.getRhs()});
      else
        factors.push_back(operand);
    }
    if (factors.size() != 3)
      return failure();
    Value half, onePlusErf, x;
    for (Value f : factors) {
      if (isScalar(f, 0.5f))
        half = f;
      else if (auto add = f.getDefiningOp<AddOp>(); add && add->hasOneUse())
        onePlusErf = f;
      else
        x = f;
    }
    if (!half || !onePlusErf || !x || !sameType(x, root.getResult()))
      return failure();
    auto add = onePlusErf.getDefiningOp<AddOp>();
    ErfOp erf;
    for (int side = 0; side < 2 && !erf; ++side)
      if (isScalar(add->getOperand(1 - side), 1.f))
        erf = add->getOperand(side).getDefiningOp<ErfOp>();
    if (!erf || !erf->hasOneUse())
      return failure();
    Operation *scaled = erf.getInput().getDefiningOp();
    bool matches = scaled && scaled->hasOneUse() &&
                   ((isa<DivOp>(scaled) && scaled->getOperand(0) == x &&
                     isScalar(scaled->getOperand(1), float(M_SQRT2), 1e-4f)) ||
                    (isa<MulOp>(scaled) && otherOperand(scaled, x) &&
                     isScalar(otherOperand(scaled, x), float(M_SQRT1_2), 1e-4f)));
    if (!matches)
      return failure();
    rewriter.replaceOpWithNewOp<GeluOp>(root, x, rewriter.getStringAttr("none"));
    return success();
  }
};

/// (x - mean(x)) / sqrt(mean((x - mean(x))^2) + eps) * gamma + beta over the last axis.
struct FuseLayerNorm : OpRewritePattern<AddOp> {
  using OpRewritePattern::OpRewritePattern;
  static bool reducesLastAxis(ReduceMeanOp mean) {
    auto type = cast<RankedTensorType>(mean.getInput().getType());
    auto axes = mean.getAxes();
    return axes.size() == 1 && (axes[0] == -1 || axes[0] == type.getRank() - 1);
  }
  LogicalResult matchAndRewrite(AddOp root, PatternRewriter &rewriter) const override {
    auto scaled = root.getLhs().getDefiningOp<MulOp>();
    Value beta = root.getRhs();
    if (!scaled || !scaled->hasOneUse() || !matchPattern(beta, m_Constant()))
      return failure();
    auto normalized = scaled.getLhs().getDefiningOp<DivOp>();
    Value gamma = scaled.getRhs();
    if (!normalized || !normalized->hasOneUse() || !matchPattern(gamma, m_Constant()))
      return failure();
    auto centered = normalized.getLhs().getDefiningOp<SubOp>();
    auto root2 = normalized.getRhs().getDefiningOp<SqrtOp>();
    if (!centered || !root2 || !root2->hasOneUse())
      return failure();
    auto shifted = root2.getInput().getDefiningOp<AddOp>();
    if (!shifted || !shifted->hasOneUse())
      return failure();
    auto epsilon = scalarConstant(shifted.getRhs());
    auto variance = shifted.getLhs().getDefiningOp<ReduceMeanOp>();
    if (!epsilon || !variance || !variance->hasOneUse() || !reducesLastAxis(variance))
      return failure();
    auto square = variance.getInput().getDefiningOp<PowOp>();
    if (!square || !square->hasOneUse() || square.getLhs() != centered.getResult() ||
        !isScalar(square.getRhs(), 2.f))
      return failure();
    Value x = centered.getLhs();
    auto mean = centered.getRhs().getDefiningOp<ReduceMeanOp>();
    if (!mean || mean.getInput() != x || !reducesLastAxis(mean) || !centered->getResult(0).hasNUses(2) ||
        !sameType(x, root.getResult()))
      return failure();
    int64_t width = cast<RankedTensorType>(x.getType()).getShape().back();
    auto isVector = [&](Value v) {
      auto type = cast<RankedTensorType>(v.getType());
      return type.getRank() == 1 && type.getDimSize(0) == width;
    };
    if (!isVector(gamma) || !isVector(beta))
      return failure();
    rewriter.replaceOpWithNewOp<LayerNormOp>(root, root.getType(), x, gamma, beta,
                                             rewriter.getI64IntegerAttr(-1),
                                             rewriter.getF32FloatAttr(*epsilon));
    return success();
  }
};

/// conv(x, W, b) * s -> conv(x, W * s, b * s) and conv(x, W, b) + c -> conv(x, W, b + c)
/// for scalar constants s, c (PP-LCNetV3's learnable affine blocks).
struct FoldScalarAffineIntoConv : RewritePattern {
  FoldScalarAffineIntoConv(MLIRContext *context)
      : RewritePattern(MatchAnyOpTypeTag(), 1, context) {}
  LogicalResult matchAndRewrite(Operation *root, PatternRewriter &rewriter) const override {
    if (!isa<MulOp, AddOp>(root))
      return failure();
    ConvOp conv;
    std::optional<float> scalar;
    for (int side = 0; side < 2 && !conv; ++side) {
      conv = root->getOperand(side).getDefiningOp<ConvOp>();
      scalar = scalarConstant(root->getOperand(1 - side));
      if (!conv || !conv->hasOneUse() || !scalar)
        conv = nullptr;
    }
    if (!conv || !sameType(conv.getResult(), root->getResult(0)))
      return failure();
    auto weight = readFloats(conv.getWeight());
    auto weightType = cast<RankedTensorType>(conv.getWeight().getType());
    int64_t channels = weightType.getDimSize(0);
    std::vector<float> bias(channels, 0.f);
    if (conv.getBias()) {
      auto values = readFloats(conv.getBias());
      if (!values)
        return failure();
      bias = *values;
    }
    if (!weight)
      return failure();
    Location loc = conv.getLoc();
    rewriter.setInsertionPoint(conv);
    auto biasType = RankedTensorType::get({channels}, rewriter.getF32Type());
    if (isa<MulOp>(root)) {
      for (float &w : *weight)
        w *= *scalar;
      for (float &b : bias)
        b *= *scalar;
      Value newWeight = makeConstant(rewriter, loc, weightType, *weight, "affine_folded_weight");
      rewriter.modifyOpInPlace(conv, [&] { conv.getWeightMutable().assign(newWeight); });
    } else {
      for (float &b : bias)
        b += *scalar;
    }
    // Keep the BatchNorm output statistics data-free calibration reads in step.
    auto mean = conv->getAttrOfType<DenseF32ArrayAttr>("qnn.bn_mean");
    auto deviation = conv->getAttrOfType<DenseF32ArrayAttr>("qnn.bn_std");
    if (mean && deviation) {
      std::vector<float> newMean(mean.asArrayRef()), newDeviation(deviation.asArrayRef());
      for (size_t i = 0; i < newMean.size(); ++i) {
        bool multiply = isa<MulOp>(root);
        newMean[i] = multiply ? newMean[i] * *scalar : newMean[i] + *scalar;
        newDeviation[i] *= multiply ? std::fabs(*scalar) : 1.f;
      }
      rewriter.modifyOpInPlace(conv, [&] {
        conv->setAttr("qnn.bn_mean", rewriter.getDenseF32ArrayAttr(newMean));
        conv->setAttr("qnn.bn_std", rewriter.getDenseF32ArrayAttr(newDeviation));
      });
    }
    Value newBias = makeConstant(rewriter, loc, biasType, bias, "affine_folded_bias");
    rewriter.modifyOpInPlace(conv, [&] { conv.getBiasMutable().assign(newBias); });
    rewriter.replaceOp(root, conv.getResult());
    return success();
  }
};

struct QNNFusePatternsPass : impl::QNNFusePatternsPassBase<QNNFusePatternsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseHardSwish, FuseGelu, FuseLayerNorm, FoldScalarAffineIntoConv>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
} // namespace quantc::qnn
