// qnn-fold-batchnorm: inference BatchNormalization folded into the producing
// Conv/ConvTranspose/Gemm/MatMul, or into an unpadded Conv that consumes it.
#include "passes/Transforms/Passes.h"

#include "passes/Transforms/ConstantUtils.h"

#include "dialects/QNN/QNNOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>
#include <cstring>

namespace quantc::qnn {
#define GEN_PASS_DEF_QNNFOLDBATCHNORMPASS
#include "passes/Transforms/Passes.h.inc"

using namespace mlir;

namespace {

/// BatchNorm as a per-channel affine map: y = x * a + c.
struct ChannelAffine {
  std::vector<float> a, c;
};

std::optional<ChannelAffine> channelAffine(BatchNormOp bn) {
  auto scale = readFloats(bn.getScale()), beta = readFloats(bn.getBias());
  auto mean = readFloats(bn.getMean()), variance = readFloats(bn.getVariance());
  if (!scale || !beta || !mean || !variance)
    return std::nullopt;
  ChannelAffine affine;
  double epsilon = bn.getEpsilon().convertToDouble();
  for (size_t i = 0; i < scale->size(); ++i) {
    double a = (*scale)[i] / std::sqrt(double((*variance)[i]) + epsilon);
    affine.a.push_back(float(a));
    affine.c.push_back(float((*beta)[i] - (*mean)[i] * a));
  }
  return affine;
}

/// New bias b' = b * a + c (b = 0 when absent).
std::vector<float> foldedBias(const std::optional<std::vector<float>> &bias,
                              const ChannelAffine &affine) {
  std::vector<float> out(affine.a.size());
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = (bias ? (*bias)[i] : 0.0f) * affine.a[i] + affine.c[i];
  return out;
}

/// Weight scaled per output channel; `channelOf(flat index)` names the channel.
template <typename ChannelFn>
std::vector<float> scaledWeight(std::vector<float> weight, const ChannelAffine &affine,
                                ChannelFn channelOf) {
  for (size_t i = 0; i < weight.size(); ++i)
    weight[i] *= affine.a[channelOf(i)];
  return weight;
}

template <typename ProducerOp>
struct FoldIntoProducer : OpRewritePattern<BatchNormOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(BatchNormOp bn, PatternRewriter &rewriter) const override {
    auto producer = bn.getInput().template getDefiningOp<ProducerOp>();
    if (!producer || !producer->hasOneUse())
      return rewriter.notifyMatchFailure(bn, "input is not a single-use producer");
    auto weight = readFloats(producer.getOperand(1));
    Value biasValue = producer->getNumOperands() > 2 ? producer.getOperand(2) : Value();
    std::optional<std::vector<float>> bias;
    if (biasValue && !(bias = readFloats(biasValue)))
      return rewriter.notifyMatchFailure(bn, "producer bias is not a constant f32 tensor");
    auto affine = channelAffine(bn);
    if (!weight || !affine)
      return rewriter.notifyMatchFailure(bn, "weights or statistics are not constant f32");
    auto weightType = cast<RankedTensorType>(producer.getOperand(1).getType());
    size_t channels = affine->a.size();
    auto channelOf = channelFunction(producer, weightType, channels);
    if (!channelOf)
      return rewriter.notifyMatchFailure(bn, "channel layout not foldable");
    if (bias && bias->size() != channels)
      return rewriter.notifyMatchFailure(bn, "bias is not one value per channel");

    Location loc = producer.getLoc();
    rewriter.setInsertionPoint(producer);
    Value newWeight = makeConstant(rewriter, loc, weightType,
                                   scaledWeight(*weight, *affine, *channelOf), "bn_folded_weight");
    auto biasType = RankedTensorType::get({int64_t(channels)}, rewriter.getF32Type());
    Value newBias = makeConstant(rewriter, loc, biasType, foldedBias(bias, *affine), "bn_folded_bias");
    rewriter.modifyOpInPlace(producer, [&] {
      producer->setOperand(1, newWeight);
      if (biasValue)
        producer->setOperand(2, newBias);
      else
        biasOperand(producer).assign(newBias);
    });
    // What BatchNorm says its output looks like, N(beta, gamma^2) per channel:
    // data-free calibration synthesizes inputs from it.
    auto gamma = readFloats(bn.getScale()), beta = readFloats(bn.getBias());
    if (gamma && beta) {
      std::vector<float> deviation;
      for (float g : *gamma)
        deviation.push_back(std::fabs(g));
      producer->setAttr("qnn.bn_mean", rewriter.getDenseF32ArrayAttr(*beta));
      producer->setAttr("qnn.bn_std", rewriter.getDenseF32ArrayAttr(deviation));
    }
    rewriter.replaceOp(bn, producer->getResult(0));
    return success();
  }

  static MutableOperandRange biasOperand(ConvOp op) { return op.getBiasMutable(); }
  static MutableOperandRange biasOperand(ConvTransposeOp op) { return op.getBiasMutable(); }
  static MutableOperandRange biasOperand(GemmOp op) { return op.getCMutable(); }

  /// Maps a flat weight index to its output channel, or nullopt when the
  /// weight does not have one channel per batch_norm channel.
  static std::optional<std::function<size_t(size_t)>>
  channelFunction(ConvOp, RankedTensorType w, size_t channels) {
    if (size_t(w.getDimSize(0)) != channels)
      return std::nullopt;
    size_t perChannel = w.getNumElements() / channels;
    return [perChannel](size_t i) { return i / perChannel; };
  }
  static std::optional<std::function<size_t(size_t)>>
  channelFunction(ConvTransposeOp op, RankedTensorType w, size_t channels) {
    // W is [C, F/g, k...]; output channel = (c / (C/g)) * (F/g) + f.
    size_t groups = op.getGroup(), c = w.getDimSize(0), fg = w.getDimSize(1);
    if (fg * groups != channels)
      return std::nullopt;
    size_t kernel = w.getNumElements() / (c * fg), cg = c / groups;
    return [=](size_t i) {
      size_t ci = i / (fg * kernel), f = (i / kernel) % fg;
      return (ci / cg) * fg + f;
    };
  }
  static std::optional<std::function<size_t(size_t)>>
  channelFunction(GemmOp op, RankedTensorType w, size_t channels) {
    // The channel is the output column n: B[k, n], or B[n, k] with trans_b.
    if (op.getC() && cast<RankedTensorType>(op.getC().getType()).getRank() > 1)
      return std::nullopt;
    if (op.getAlpha().convertToDouble() != 1.0 || op.getBeta().convertToDouble() != 1.0)
      return std::nullopt;
    size_t n = w.getDimSize(op.getTransB() ? 0 : 1), k = w.getDimSize(op.getTransB() ? 1 : 0);
    if (n != channels)
      return std::nullopt;
    if (op.getTransB())
      return [k](size_t i) { return i / k; };
    return [n](size_t i) { return i % n; };
  }
};

/// BatchNorm over the columns of a 2-D MatMul: x (W a) + c, the shift as a
/// new Add (MatMul has no bias).
struct FoldIntoMatMul : OpRewritePattern<BatchNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(BatchNormOp bn, PatternRewriter &rewriter) const override {
    auto matmul = bn.getInput().getDefiningOp<MatMulOp>();
    if (!matmul || !matmul->hasOneUse())
      return rewriter.notifyMatchFailure(bn, "input is not a single-use MatMul");
    auto resultType = cast<RankedTensorType>(matmul.getType());
    auto weightType = cast<RankedTensorType>(matmul.getB().getType());
    auto weight = readFloats(matmul.getB());
    auto affine = channelAffine(bn);
    // BatchNorm's channel is dim 1: the MatMul's columns only for a 2-D result.
    if (resultType.getRank() != 2 || weightType.getRank() != 2 || !weight || !affine ||
        int64_t(affine->a.size()) != weightType.getDimSize(1))
      return rewriter.notifyMatchFailure(bn, "not a 2-D MatMul with constant weights");
    int64_t columns = weightType.getDimSize(1);
    auto scaled = scaledWeight(*weight, *affine, [columns](size_t i) { return i % columns; });
    rewriter.setInsertionPoint(matmul);
    Location loc = matmul.getLoc();
    Value newWeight = makeConstant(rewriter, loc, weightType, scaled, "bn_folded_weight");
    auto shiftType = RankedTensorType::get({columns}, rewriter.getF32Type());
    Value shift = makeConstant(rewriter, loc, shiftType, affine->c, "bn_folded_bias");
    rewriter.modifyOpInPlace(matmul, [&] { matmul.getBMutable().assign(newWeight); });
    rewriter.setInsertionPoint(bn);
    rewriter.replaceOpWithNewOp<AddOp>(bn, resultType, matmul.getResult(), shift);
    return success();
  }
};

/// BatchNorm feeding an unpadded, ungrouped Conv: conv(x a + c, W) =
/// conv(x, W a) + sum(W c); with padding the border would see c, so no.
struct FoldIntoConsumer : OpRewritePattern<BatchNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(BatchNormOp bn, PatternRewriter &rewriter) const override {
    if (!bn->hasOneUse())
      return failure();
    auto conv = dyn_cast<ConvOp>(*bn->getUsers().begin());
    if (!conv || conv.getInput() != bn.getResult() || conv.getGroup() != 1 ||
        llvm::any_of(conv.getPads(), [](int64_t p) { return p != 0; }))
      return rewriter.notifyMatchFailure(bn, "consumer is not an unpadded single-group Conv");
    auto weight = readFloats(conv.getWeight());
    auto affine = channelAffine(bn);
    auto weightType = cast<RankedTensorType>(conv.getWeight().getType());
    int64_t outputs = weightType.getDimSize(0), inputs = weightType.getDimSize(1);
    if (!weight || !affine || int64_t(affine->a.size()) != inputs)
      return rewriter.notifyMatchFailure(bn, "weights or statistics are not constant f32");
    std::vector<float> bias(outputs, 0.f);
    if (conv.getBias()) {
      auto values = readFloats(conv.getBias());
      if (!values)
        return failure();
      bias = *values;
    }
    int64_t kernel = int64_t(weight->size()) / (outputs * inputs);
    std::vector<float> scaled(*weight);
    for (int64_t o = 0; o < outputs; ++o) {
      double shift = 0;
      for (int64_t i = 0; i < inputs; ++i)
        for (int64_t k = 0; k < kernel; ++k) {
          size_t at = (o * inputs + i) * kernel + k;
          shift += double((*weight)[at]) * affine->c[i];
          scaled[at] = (*weight)[at] * affine->a[i];
        }
      bias[o] = float(bias[o] + shift);
    }
    rewriter.setInsertionPoint(conv);
    Location loc = conv.getLoc();
    Value newWeight = makeConstant(rewriter, loc, weightType, scaled, "bn_folded_weight");
    Value newBias = makeConstant(rewriter, loc, RankedTensorType::get({outputs}, rewriter.getF32Type()),
                                 bias, "bn_folded_bias");
    rewriter.modifyOpInPlace(conv, [&] {
      conv.getInputMutable().assign(bn.getInput());
      conv.getWeightMutable().assign(newWeight);
      conv.getBiasMutable().assign(newBias);
    });
    rewriter.eraseOp(bn);
    return success();
  }
};

struct QNNFoldBatchNormPass : impl::QNNFoldBatchNormPassBase<QNNFoldBatchNormPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldIntoProducer<ConvOp>, FoldIntoProducer<ConvTransposeOp>,
                 FoldIntoProducer<GemmOp>, FoldIntoMatMul>(&getContext(), /*benefit=*/2);
    patterns.add<FoldIntoConsumer>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
} // namespace quantc::qnn
