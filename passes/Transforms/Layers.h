// What quantization calls a layer: an op with a weight (Conv, ConvTranspose,
// Gemm, MatMul), its name, weight layout and activation inputs.
#ifndef QUANTC_PASSES_TRANSFORMS_LAYERS_H
#define QUANTC_PASSES_TRANSFORMS_LAYERS_H

#include "quantc/Analysis/Hessian.h"
#include "quantc/Analysis/Quantizer.h"

#include "dialects/QNN/QNNDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Operation.h"

#include <optional>
#include <string>
#include <vector>

namespace quantc::qnn {

/// Marks the layer qnn-split-decisive-channels made of a classifier's
/// winning output channels; qnn-allocate-bits gives it its widest candidate.
constexpr llvm::StringLiteral kDecisiveAttr = "qnn.decisive";
/// Marks the same classifier's other channels: they decide no output on the
/// calibration samples, so the final layers' floor (output-min-bits) skips them.
constexpr llvm::StringLiteral kDecisiveRestAttr = "qnn.decisive_rest";

/// Conv, ConvTranspose, Gemm or MatMul.
bool isWeightedLayer(mlir::Operation *op);

/// The module's weighted layers in program order.
llvm::SmallVector<mlir::Operation *> weightedLayers(mlir::ModuleOp module);
/// A 2-D convolution that reads one input channel per group (depthwise,
/// any channel multiplier), with a static NCHW input.
bool isDepthwise(mlir::Operation *op);
/// A grouped (depthwise included) or transposed convolution: calibration
/// measures no X^T X for it, so GPTQ and AdaRound round it to nearest and
/// qnn-refit-weights leaves it.
bool isGroupedOrTransposedConv(mlir::Operation *op);

/// Per layer: whether no layer with a weight reads its output, directly
/// or through other ops (rec's classifier). No later layer's refit can
/// absorb such a layer's rounding error.
std::vector<bool> finalLayers(mlir::ModuleOp module, llvm::ArrayRef<mlir::Operation *> layers);

/// The layer's weight operand when it is a constant f32 tensor (not yet
/// quantized), else null.
mlir::Value floatWeight(mlir::Operation *op);

/// The geometry of a 2-D convolution over an NCHW input of `shape`.
ConvGeometry convGeometryOf(mlir::Operation *conv, llvm::ArrayRef<int64_t> shape);

/// Stores `sum` / `samples` (an n x n X^T X summed over samples) as the
/// layer's `qnn.hessian` (f32 resource blob).
void storeLayerHessian(mlir::Operation *op, const std::vector<double> &sum, double samples);

/// A layer's per-output-channel bias: a Conv's bias, a Gemm's C (with
/// `factor` = alpha / beta bias units per output unit), or the constant a
/// MatMul's only user adds. Null (and no `slot`) where there is none to hold
/// a shift: ConvTranspose, Gemm with beta 0, a MatMul without such an add.
/// A Conv without a bias has a slot but a null value.
struct LayerBias {
  mlir::Value value;
  double factor = 1;
  bool slot = false;
};
LayerBias layerBias(mlir::Operation *op);

/// Subtracts `shift[r]` (output units) from output channel r's bias, as a
/// new constant named `name` (a Conv without one gets one). False, changing nothing,
/// where the layer has no slot or its bias is not a constant of one value
/// per output channel.
bool shiftLayerBias(mlir::Operation *op, llvm::ArrayRef<double> shift,
                    llvm::StringRef name = "bias_shifted");

/// The operands that carry activations (everything but weight and bias that
/// is not a constant).
llvm::SmallVector<mlir::Value> activationInputs(mlir::Operation *op);

/// The ONNX node name (the op's NameLoc), else "<op>#<index in walk order>".
std::string layerName(mlir::Operation *op);

/// The weight axis holding output channels: 0 for Conv, 1 for ConvTranspose
/// and for Gemm/MatMul B[K, N], 0 for Gemm with trans_b.
int weightChannelAxis(mlir::Operation *op);

/// How many weight columns (of WeightLayout::fromAxes) one input channel
/// spans: kh*kw for convolutions, 1 for matrix products.
int64_t columnsPerInputChannel(mlir::Operation *op);

/// Where the input channels of a layer's activation (operand 0) live: the
/// tensor is [outer, channels, inner] (NCHW for convolutions, the last axis
/// for matrix products). nullopt for transposed Gemm inputs and dynamic
/// shapes.
struct ChannelLayout {
  int64_t channels = 0, inner = 1;
};
std::optional<ChannelLayout> inputChannelLayout(mlir::Operation *op);

/// The input channel weight element (row, column) of WeightLayout::fromAxes
/// (shape, weightChannelAxis(op)) multiplies; grouped convolutions offset
/// it by the row's group.
int64_t inputChannelOf(mlir::Operation *op, int64_t row, int64_t column);

/// The scheme a `qnn.weight_format` describes; fields it does not carry
/// (clip search) come from `base`.
WeightScheme weightSchemeOf(WeightFormatAttr format, const WeightScheme &base = {});

/// One entry of qnn-quantize's `bits` option: `regex=N` or a plain default `N`.
struct BitsRule {
  std::string pattern;                // empty: the default
  std::optional<WeightScheme> scheme; // nullopt: keep the layer float
};
mlir::FailureOr<std::vector<BitsRule>> parseBitsRules(llvm::StringRef text,
                                                      const WeightScheme &base,
                                                      std::string &error);
/// The scheme qnn-quantize gives `op`: its `qnn.weight_format` (from bit
/// allocation), else the first rule whose regex matches its node name, else
/// the plain default; nullopt keeps the layer float.
std::optional<WeightScheme> layerScheme(mlir::Operation *op, const std::vector<BitsRule> &rules,
                                        const WeightScheme &base);

/// The group size qnn-quantize applies to `op`'s weight for a requested one:
/// groups that do not tile the input channels become per channel (0);
/// -1 (per tensor) and 0 pass through.
int64_t appliedGroupSize(mlir::Operation *op, int64_t groupSize);

/// A layer's float weight quantized the way qnn-quantize stores it.
struct QuantizedLayerWeight {
  std::vector<int64_t> shape;
  int channelAxis = 0;
  int groupAxis = -1;         // the input-channel axis groups split, or -1
  WeightLayout layout;        // rows = output channels
  WeightScheme scheme;        // as applied: groups that do not tile the input channels
                              // become per channel; groupSize counts input channels
  std::vector<float> original;
  QuantizedWeights quantized;
};

/// Quantizes `op`'s constant float weight with `scheme`: round to nearest
/// without `hessian` (columns x columns), else `method` (GPTQ or AdaRound)
/// with it; nullopt without such a weight. `finalWeights`: the weights the
/// model will keep (AdaRound then also starts from GPTQ's solution), not a
/// sensitivity trial.
std::optional<QuantizedLayerWeight>
quantizeLayerWeight(mlir::Operation *op, const WeightScheme &scheme,
                    const std::vector<double> *hessian = nullptr,
                    WeightMethod method = WeightMethod::GPTQ, bool finalWeights = false);

/// The layer's X^T X from qnn-calibrate{hessians=true} (columns x columns of
/// its weight layout), or nullopt when absent or not that size.
std::optional<std::vector<double>> layerHessian(mlir::Operation *op);

/// Candidate bit-widths "2,3,4,5,6,8": sorted, unique, each 2 to 8; on a bad
/// entry, nullopt and `error` says which.
std::optional<std::vector<unsigned>> parseCandidateBits(llvm::StringRef text, std::string &error);

/// The range calibrated for `value`: `qnn.ranges` on its producer or
/// `qnn.range` on a function argument.
std::optional<std::pair<double, double>> calibratedRange(mlir::Value value);
void setCalibratedRange(mlir::Value value, double min, double max);

} // namespace quantc::qnn

#endif // QUANTC_PASSES_TRANSFORMS_LAYERS_H
