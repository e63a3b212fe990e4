// Layer queries shared by calibration, quantization and reports.
#include "passes/Transforms/Layers.h"
#include "passes/Transforms/ConstantUtils.h"
#include "quantc/Support/MappedPages.h"

#include "dialects/QNN/QNNOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Matchers.h"
#include "llvm/Support/Regex.h"
#include "llvm/ADT/DenseSet.h"

#include "mlir/IR/DialectResourceBlobManager.h"

#include <algorithm>
#include <cmath>

namespace quantc::qnn {

using namespace mlir;

bool isWeightedLayer(Operation *op) { return isa<ConvOp, ConvTransposeOp, GemmOp, MatMulOp>(op); }

bool isGroupedOrTransposedConv(Operation *op) {
  auto conv = dyn_cast<ConvOp>(op);
  return isa<ConvTransposeOp>(op) || (conv && conv.getGroup() != 1);
}

bool isDepthwise(Operation *op) {
  auto conv = dyn_cast<ConvOp>(op);
  if (!conv || conv.getGroup() <= 1)
    return false;
  auto input = dyn_cast<RankedTensorType>(conv.getInput().getType());
  auto weight = dyn_cast<RankedTensorType>(conv.getWeight().getType());
  return input && weight && input.hasStaticShape() && input.getRank() == 4 &&
         weight.getRank() == 4 && weight.getDimSize(1) == 1 &&
         input.getDimSize(1) == conv.getGroup();
}

ConvGeometry convGeometryOf(Operation *op, ArrayRef<int64_t> shape) {
  auto conv = cast<ConvOp>(op);
  auto weightType = cast<RankedTensorType>(conv.getWeight().getType());
  ConvGeometry g{shape[0], shape[1], shape[2], shape[3],
                 weightType.getDimSize(2), weightType.getDimSize(3)};
  auto strides = conv.getStrides(), dilations = conv.getDilations(), pads = conv.getPads();
  g.strideH = strides[0], g.strideW = strides[1];
  g.dilationH = dilations[0], g.dilationW = dilations[1];
  g.padTop = pads[0], g.padLeft = pads[1], g.padBottom = pads[2], g.padRight = pads[3];
  return g;
}

void storeLayerHessian(Operation *op, const std::vector<double> &sum, double samples) {
  std::vector<float> values;
  values.reserve(sum.size());
  for (double h : sum)
    values.push_back(float(h / samples));
  int64_t n = int64_t(std::sqrt(double(values.size())));
  auto type = RankedTensorType::get({n, n}, Float32Type::get(op->getContext()));
  ArrayRef<char> bytes(reinterpret_cast<const char *>(values.data()), values.size() * sizeof(float));
  // A large model's X^T X wait on disk for qnn-quantize (MappedPages.h).
  AsmResourceBlob blob = quantc::spillBlob(bytes, alignof(std::max_align_t));
  op->setAttr("qnn.hessian", DenseResourceElementsAttr::get(type, "hessian", std::move(blob)));
}

static bool isConstant(Value value) { return value && matchPattern(value, m_Constant()); }

Value floatWeight(Operation *op) {
  if (!isWeightedLayer(op) || op->getNumOperands() < 2)
    return {};
  Value weight = op->getOperand(1);
  auto type = dyn_cast<RankedTensorType>(weight.getType());
  if (!type || !type.getElementType().isF32() || !isConstant(weight))
    return {};
  if (auto gemm = dyn_cast<GemmOp>(op); gemm && gemm.getTransA())
    return {};
  return weight;
}

LayerBias layerBias(Operation *op) {
  if (auto conv = dyn_cast<ConvOp>(op))
    return {conv.getBias(), 1, true};
  if (auto gemm = dyn_cast<GemmOp>(op)) {
    if (!gemm.getC() || gemm.getBeta().convertToFloat() == 0.f)
      return {};
    return {gemm.getC(), gemm.getAlpha().convertToDouble() / gemm.getBeta().convertToDouble(), true};
  }
  if (isa<MatMulOp>(op) && op->getResult(0).hasOneUse())
    if (auto add = dyn_cast<AddOp>(*op->getResult(0).getUsers().begin()))
      return {add.getOperand(add.getOperand(0) == op->getResult(0) ? 1 : 0), 1, true};
  return {};
}

bool shiftLayerBias(Operation *op, ArrayRef<double> shift, StringRef name) {
  LayerBias bias = layerBias(op);
  auto rows = int64_t(shift.size());
  if (!bias.slot)
    return false;
  std::vector<float> values(size_t(rows), 0.f);
  if (bias.value) {
    auto type = cast<RankedTensorType>(bias.value.getType());
    auto read = readFloats(bias.value);
    if (!read || type.getRank() == 0 || type.getNumElements() != rows || type.getShape().back() != rows)
      return false;
    values = *read;
  }
  for (int64_t r = 0; r < rows; ++r)
    values[size_t(r)] = float(values[size_t(r)] - bias.factor * shift[size_t(r)]);
  OpBuilder b(op);
  auto type = bias.value ? cast<RankedTensorType>(bias.value.getType())
                         : RankedTensorType::get({rows}, b.getF32Type());
  Value shifted = makeConstant(b, op->getLoc(), type, values, name);
  if (auto conv = dyn_cast<ConvOp>(op))
    conv.getBiasMutable().assign(shifted);
  else if (auto gemm = dyn_cast<GemmOp>(op))
    gemm.getCMutable().assign(shifted);
  else
    for (OpOperand &use : op->getResult(0).getUses())
      use.getOwner()->setOperand(1 - use.getOperandNumber(), shifted);
  return true;
}

SmallVector<Value> activationInputs(Operation *op) {
  SmallVector<Value> inputs;
  unsigned count = isa<MatMulOp>(op) ? 2 : 1; // MatMul may multiply two activations
  for (unsigned i = 0; i < count && i < op->getNumOperands(); ++i) {
    Value operand = op->getOperand(i);
    // Weights are constants, or dequantized integer constants (via a storage cast).
    auto dequantize = operand.getDefiningOp<DequantizeOp>();
    bool isWeight = isConstant(operand) ||
                    (dequantize && dequantize.getInput().getDefiningOp<quant::StorageCastOp>());
    if (!isWeight)
      inputs.push_back(operand);
  }
  return inputs;
}

SmallVector<Operation *> weightedLayers(ModuleOp module) {
  SmallVector<Operation *> layers;
  module.walk([&](Operation *op) {
    if (isWeightedLayer(op))
      layers.push_back(op);
  });
  return layers;
}

std::vector<bool> finalLayers(ModuleOp module, ArrayRef<Operation *> layers) {
  llvm::DenseSet<Operation *> feedsLayer; // ops with a weighted layer downstream
  SmallVector<Operation *> order;
  module.walk([&](Operation *op) { order.push_back(op); });
  // Users follow their producers in the walk (SSA dominance), so one
  // reverse sweep sees every user first.
  for (Operation *op : llvm::reverse(order))
    for (Operation *user : op->getUsers())
      if ((isWeightedLayer(user) && floatWeight(user)) || feedsLayer.contains(user)) {
        feedsLayer.insert(op);
        break;
      }
  std::vector<bool> isFinal;
  for (Operation *op : layers)
    isFinal.push_back(!feedsLayer.contains(op));
  return isFinal;
}

std::string layerName(Operation *op) {
  if (auto name = dyn_cast<NameLoc>(op->getLoc()))
    return name.getName().str();
  unsigned index = 0;
  std::string found;
  if (auto module = op->getParentOfType<ModuleOp>())
    module.walk([&](Operation *other) {
      if (other == op)
        found = op->getName().stripDialect().str() + "#" + std::to_string(index);
      index += isWeightedLayer(other);
    });
  return found.empty() ? op->getName().getStringRef().str() : found;
}

int weightChannelAxis(Operation *op) {
  if (isa<ConvOp>(op))
    return 0;
  if (auto gemm = dyn_cast<GemmOp>(op))
    return gemm.getTransB() ? 0 : 1;
  if (isa<ConvTransposeOp>(op))
    return 1;
  auto type = cast<RankedTensorType>(op->getOperand(1).getType());
  return int(type.getRank()) - 1;
}

int64_t columnsPerInputChannel(Operation *op) {
  if (!isa<ConvOp, ConvTransposeOp>(op))
    return 1;
  auto type = cast<RankedTensorType>(op->getOperand(1).getType());
  int64_t kernel = 1;
  for (int64_t d = 2; d < type.getRank(); ++d)
    kernel *= type.getDimSize(d);
  return kernel;
}

std::optional<ChannelLayout> inputChannelLayout(Operation *op) {
  auto type = dyn_cast<RankedTensorType>(op->getOperand(0).getType());
  if (!type || !type.hasStaticShape() || type.getRank() < 2)
    return std::nullopt;
  int64_t axis = type.getRank() - 1;
  if (isa<ConvOp, ConvTransposeOp>(op))
    axis = 1;
  else if (auto gemm = dyn_cast<GemmOp>(op); gemm && gemm.getTransA())
    return std::nullopt;
  ChannelLayout layout{type.getDimSize(axis), 1};
  for (int64_t d = axis + 1; d < type.getRank(); ++d)
    layout.inner *= type.getDimSize(d);
  return layout;
}

int64_t inputChannelOf(Operation *op, int64_t row, int64_t column) {
  int64_t channel = column / columnsPerInputChannel(op);
  if (auto conv = dyn_cast<ConvOp>(op); conv && conv.getGroup() > 1) {
    auto shape = cast<RankedTensorType>(conv.getWeight().getType()).getShape();
    int64_t outPerGroup = shape[0] / conv.getGroup();
    channel += (row / outPerGroup) * shape[1];
  }
  return channel;
}

WeightScheme weightSchemeOf(WeightFormatAttr format, const WeightScheme &base) {
  WeightScheme scheme = base;
  scheme.bits = format.getBits();
  scheme.groupSize = format.getGroupSize();
  scheme.symmetric = !format.getSymmetric() || format.getSymmetric().getValue();
  scheme.kind = format.getTernary() && format.getTernary().getValue() ? WeightKind::Ternary
                : format.getBits() == 1                               ? WeightKind::Binary
                                                                      : WeightKind::Uniform;
  return scheme;
}

std::optional<std::pair<double, double>> calibratedRange(Value value) {
  RangeAttr range;
  if (auto result = dyn_cast<OpResult>(value)) {
    auto ranges = result.getOwner()->getAttrOfType<ArrayAttr>("qnn.ranges");
    if (ranges && result.getResultNumber() < ranges.size())
      range = dyn_cast<RangeAttr>(ranges[result.getResultNumber()]);
  } else if (auto argument = dyn_cast<BlockArgument>(value)) {
    if (auto func = dyn_cast<func::FuncOp>(argument.getOwner()->getParentOp()))
      range = func.getArgAttrOfType<RangeAttr>(argument.getArgNumber(), "qnn.range");
  }
  if (!range)
    return std::nullopt;
  return std::make_pair(range.getMin().convertToDouble(), range.getMax().convertToDouble());
}

void setCalibratedRange(Value value, double min, double max) {
  MLIRContext *context = value.getContext();
  auto range = RangeAttr::get(context, llvm::APFloat(min), llvm::APFloat(max));
  if (auto result = dyn_cast<OpResult>(value)) {
    Operation *owner = result.getOwner();
    SmallVector<Attribute> ranges;
    if (auto existing = owner->getAttrOfType<ArrayAttr>("qnn.ranges"))
      ranges.assign(existing.begin(), existing.end());
    // Unset entries (other results) are a [0, 0] range.
    auto empty = RangeAttr::get(context, llvm::APFloat(0.0), llvm::APFloat(0.0));
    ranges.resize(std::max<size_t>(ranges.size(), owner->getNumResults()), empty);
    ranges[result.getResultNumber()] = range;
    owner->setAttr("qnn.ranges", ArrayAttr::get(context, ranges));
    return;
  }
  auto argument = cast<BlockArgument>(value);
  if (auto func = dyn_cast<func::FuncOp>(argument.getOwner()->getParentOp()))
    func.setArgAttr(argument.getArgNumber(), "qnn.range", range);
}

namespace {
/// The weight axis and length that groups split (input channels), or -1.
std::pair<int, int64_t> inputChannelAxis(Operation *op, RankedTensorType type) {
  if (isa<ConvOp>(op))
    return {1, type.getDimSize(1)};
  if (type.getRank() != 2 || isa<ConvTransposeOp>(op))
    return {-1, 0};
  int axis = 1 - weightChannelAxis(op);
  return {axis, type.getDimSize(axis)};
}
} // namespace

FailureOr<std::vector<BitsRule>> parseBitsRules(StringRef text, const WeightScheme &base,
                                                std::string &error) {
  std::vector<BitsRule> rules;
  SmallVector<StringRef> entries;
  text.split(entries, ',', -1, false);
  for (StringRef entry : entries) {
    entry = entry.trim();
    BitsRule rule;
    StringRef value = entry;
    if (size_t eq = entry.rfind('='); eq != StringRef::npos) {
      rule.pattern = entry.take_front(eq).str();
      value = entry.drop_front(eq + 1);
      std::string regexError;
      if (!llvm::Regex(rule.pattern).isValid(regexError)) {
        error = "bad regex '" + rule.pattern + "' in bits: " + regexError;
        return failure();
      }
    }
    if (value != "none" && value != "float") {
      WeightScheme scheme = base;
      if (std::string why = parseBitsSpec(value.str(), scheme); !why.empty()) {
        error = why;
        return failure();
      }
      rule.scheme = scheme;
    }
    rules.push_back(rule);
  }
  return rules;
}

std::optional<WeightScheme> layerScheme(Operation *op, const std::vector<BitsRule> &rules,
                                        const WeightScheme &base) {
  if (auto format = op->getAttrOfType<WeightFormatAttr>("qnn.weight_format"))
    return weightSchemeOf(format, base);
  std::string name = layerName(op);
  const BitsRule *fallback = nullptr;
  for (const BitsRule &rule : rules) {
    if (rule.pattern.empty()) {
      fallback = fallback ? fallback : &rule;
      continue;
    }
    if (llvm::Regex("^(" + rule.pattern + ")$").match(name))
      return rule.scheme;
  }
  return fallback ? fallback->scheme : std::nullopt;
}

int64_t appliedGroupSize(Operation *op, int64_t groupSize) {
  if (groupSize <= 0)
    return groupSize;
  auto [axis, inputChannels] = inputChannelAxis(op, cast<RankedTensorType>(op->getOperand(1).getType()));
  bool tiles = axis >= 0 && inputChannels > groupSize && inputChannels % groupSize == 0;
  return tiles ? groupSize : 0;
}

std::optional<QuantizedLayerWeight> quantizeLayerWeight(Operation *op, const WeightScheme &scheme,
                                                        const std::vector<double> *hessian,
                                                        WeightMethod method,
                                                        bool finalWeights) {
  Value weight = floatWeight(op);
  auto values = weight ? readFloats(weight) : std::nullopt;
  if (!values)
    return std::nullopt;
  auto type = cast<RankedTensorType>(weight.getType());
  QuantizedLayerWeight result;
  result.shape.assign(type.getShape().begin(), type.getShape().end());
  result.channelAxis = weightChannelAxis(op);
  result.layout = WeightLayout::fromAxes(result.shape, result.channelAxis);
  result.groupAxis = inputChannelAxis(op, type).first;
  result.scheme = scheme;
  result.scheme.groupSize = appliedGroupSize(op, scheme.groupSize);
  WeightScheme columns = result.scheme;
  if (columns.groupSize > 0)
    columns.groupSize = result.scheme.groupSize * columnsPerInputChannel(op);
  if (!hessian || method == WeightMethod::RTN)
    result.quantized = quantizeWeights(*values, result.layout, columns);
  else if (method == WeightMethod::AdaRound)
    result.quantized =
        quantizeWeightsAdaRound(*values, result.layout, columns, *hessian, finalWeights);
  else
    result.quantized = quantizeWeightsGPTQ(*values, result.layout, columns, *hessian);
  if (result.quantized.groupSize > 0) // grouped: f16 scales (Quantizer.h)
    roundScalesToHalf(result.quantized);
  result.original = std::move(*values);
  return result;
}

std::optional<std::vector<double>> layerHessian(Operation *op) {
  auto attr = op->getAttrOfType<ElementsAttr>("qnn.hessian");
  auto values = attr ? readFloats(attr) : std::nullopt;
  Value weight = floatWeight(op);
  if (!values || !weight)
    return std::nullopt;
  auto type = cast<RankedTensorType>(weight.getType());
  int64_t columns = type.getNumElements() / type.getDimSize(weightChannelAxis(op));
  if (int64_t(values->size()) != columns * columns)
    return std::nullopt;
  return std::vector<double>(values->begin(), values->end());
}

std::optional<std::vector<unsigned>> parseCandidateBits(llvm::StringRef text, std::string &error) {
  std::vector<unsigned> candidates;
  SmallVector<StringRef> entries;
  text.split(entries, ',', -1, false);
  for (StringRef entry : entries) {
    unsigned b = 0;
    if (entry.trim().getAsInteger(10, b) || b < 2 || b > 8) {
      error = "bits must list integers from 2 to 8, got '" + entry.trim().str() + "'";
      return std::nullopt;
    }
    candidates.push_back(b);
  }
  if (candidates.empty()) {
    error = "bits lists no bit-width";
    return std::nullopt;
  }
  llvm::sort(candidates);
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  return candidates;
}

} // namespace quantc::qnn
