// qnn-smooth-quant: SmoothQuant (Xiao et al. 2023) for the matrix products a
// LayerNorm feeds. Activation outliers sit in a few channels; dividing
// channel k by s_k = max|x_k|^alpha / max|W_k|^(1 - alpha) and multiplying
// weight row k by it leaves the product unchanged but moves the outliers'
// difficulty into the weights, which are quantized per output channel.
// The division folds into the LayerNorm's scale and bias, so it is free.
#include "passes/Transforms/ConstantUtils.h"
#include "passes/Transforms/Layers.h"
#include "passes/Transforms/Passes.h"

#include "dialects/QNN/QNNOps.h"

#include <algorithm>
#include <cmath>

namespace quantc::qnn {
#define GEN_PASS_DEF_QNNSMOOTHQUANTPASS
#include "passes/Transforms/Passes.h.inc"

using namespace mlir;

namespace {

/// Row k of a [K, N] MatMul/Gemm weight (or column k of a transposed Gemm
/// weight [N, K]) scaled by factors[k].
std::vector<float> scaleInputRows(const std::vector<float> &weight, int64_t k, int64_t n,
                                  bool transposed, const std::vector<double> &factors) {
  std::vector<float> scaled(weight);
  for (int64_t i = 0; i < k; ++i)
    for (int64_t j = 0; j < n; ++j)
      scaled[transposed ? j * k + i : i * n + j] *= float(factors[i]);
  return scaled;
}

struct Consumer {
  Operation *op;
  std::vector<float> weight;
  int64_t k, n;
  bool transposed;
};

struct QNNSmoothQuantPass : impl::QNNSmoothQuantPassBase<QNNSmoothQuantPass> {
  using Base::Base;

  void runOnOperation() override {
    if (!(alpha >= 0.0 && alpha <= 1.0)) {
      getOperation().emitError() << "qnn-smooth-quant: alpha must be in [0, 1], got " << double(alpha);
      return signalPassFailure();
    }
    SmallVector<LayerNormOp> norms;
    getOperation().walk([&](LayerNormOp norm) { norms.push_back(norm); });
    for (LayerNormOp norm : norms)
      smooth(norm);
  }

  /// The MatMul/Gemm users of `value` with a constant 2-D weight, all of
  /// them reading it as their activation input; empty when any user is not.
  std::vector<Consumer> consumers(Value value, int64_t channels) {
    std::vector<Consumer> result;
    for (Operation *user : value.getUsers()) {
      bool isMatrix = isa<MatMulOp>(user) || (isa<GemmOp>(user) && !cast<GemmOp>(user).getTransA());
      Value weight = isMatrix && user->getOperand(0) == value && user->getOperand(1) != value
                         ? floatWeight(user)
                         : Value();
      auto values = weight ? readFloats(weight) : std::nullopt;
      auto type = weight ? cast<RankedTensorType>(weight.getType()) : RankedTensorType();
      if (!values || type.getRank() != 2)
        return {};
      bool transposed = isa<GemmOp>(user) && cast<GemmOp>(user).getTransB();
      int64_t k = type.getDimSize(transposed ? 1 : 0), n = type.getDimSize(transposed ? 0 : 1);
      if (k != channels)
        return {};
      result.push_back({user, std::move(*values), k, n, transposed});
    }
    return result;
  }

  void smooth(LayerNormOp norm) {
    auto type = cast<RankedTensorType>(norm.getType());
    int64_t rank = type.getRank(), axis = norm.getAxis() < 0 ? norm.getAxis() + rank : norm.getAxis();
    if (rank < 2 || axis != rank - 1 || !type.hasStaticShape())
      return; // the scale must be per channel of the products' K axis
    int64_t channels = type.getShape().back();
    auto gamma = readFloats(norm.getScale());
    auto beta = norm.getBias() ? readFloats(norm.getBias()) : std::optional<std::vector<float>>();
    if (!gamma || int64_t(gamma->size()) != channels || (norm.getBias() && (!beta || int64_t(beta->size()) != channels)))
      return;
    std::vector<Consumer> users = consumers(norm.getResult(), channels);
    if (users.empty())
      return;
    auto absMax = users.front().op->getAttrOfType<DenseF64ArrayAttr>("qnn.input_absmax");
    if (!absMax || int64_t(absMax.size()) != channels)
      return; // not calibrated
    std::vector<double> factors(channels, 1.0);
    for (int64_t c = 0; c < channels; ++c) {
      double weightMax = 0;
      for (const Consumer &u : users)
        for (int64_t j = 0; j < u.n; ++j)
          weightMax = std::max(weightMax, double(std::fabs(u.weight[u.transposed ? j * u.k + c : c * u.n + j])));
      double s = std::pow(absMax[c], double(alpha)) / std::pow(weightMax, 1.0 - double(alpha));
      if (std::isfinite(s) && s > 1e-6 && s < 1e6)
        factors[c] = s; // a dead channel or weight row keeps its scale
    }
    OpBuilder b(norm);
    Value oldGamma = norm.getScale(), oldBeta = norm.getBias();
    std::vector<float> newGamma(*gamma), newBeta;
    for (int64_t c = 0; c < channels; ++c)
      newGamma[c] = float(newGamma[c] / factors[c]);
    auto vectorType = cast<RankedTensorType>(norm.getScale().getType());
    norm.getScaleMutable().assign(makeConstant(b, norm.getLoc(), vectorType, newGamma, "smooth_scale"));
    if (beta) {
      newBeta = *beta;
      for (int64_t c = 0; c < channels; ++c)
        newBeta[c] = float(newBeta[c] / factors[c]);
      norm.getBiasMutable().assign(makeConstant(b, norm.getLoc(),
                                                cast<RankedTensorType>(norm.getBias().getType()),
                                                newBeta, "smooth_bias"));
    }
    for (Value old : {oldGamma, oldBeta})
      if (old && old.use_empty())
        old.getDefiningOp()->erase();
    for (Consumer &u : users) {
      OpBuilder ub(u.op);
      Value weight = u.op->getOperand(1);
      u.op->setOperand(1, makeConstant(ub, u.op->getLoc(), cast<RankedTensorType>(weight.getType()),
                                       scaleInputRows(u.weight, u.k, u.n, u.transposed, factors),
                                       "smooth_weight"));
      // The statistics describe the unsmoothed input: calibrate again.
      for (StringRef stat : {"qnn.input_mean", "qnn.input_absmax", "qnn.hessian"})
        u.op->removeAttr(stat);
      if (weight.use_empty())
        weight.getDefiningOp()->erase();
    }
  }
};

} // namespace
} // namespace quantc::qnn
