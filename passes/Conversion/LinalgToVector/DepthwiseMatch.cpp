// Recognizing convert-qnn-to-linalg's float depthwise convolution (see DepthwiseMatch.h).
#include "passes/Conversion/LinalgToVector/DepthwiseMatch.h"
#include "passes/Conversion/LinalgToVector/ElementwiseBody.h"
#include "passes/Conversion/LinalgToVector/WindowMaps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Matchers.h"

namespace quantc {

using namespace mlir;

namespace {

bool isF32Tensor(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  return type && type.hasStaticShape() && type.getElementType().isF32();
}

/// convPadded's generic, with the strides and dilations read off its maps.
bool matchWindow(linalg::GenericOp generic, DepthwiseConv &conv) {
  std::optional<ConvWindow> window = groupedConvWindow(generic);
  if (!window)
    return false;
  conv.strideH = window->strideH, conv.strideW = window->strideW;
  conv.dilationH = window->dilationH, conv.dilationW = window->dilationW;
  return true;
}

/// out + in * weight, and nothing else.
bool multiplyAddBody(linalg::GenericOp generic) {
  Block &body = generic.getRegion().front();
  if (body.getOperations().size() != 3)
    return false;
  auto add = body.getTerminator()->getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add)
    return false;
  Value out = body.getArgument(2);
  Value product = add.getLhs() == out ? add.getRhs() : add.getRhs() == out ? add.getLhs() : Value();
  auto mul = product ? product.getDefiningOp<arith::MulFOp>() : arith::MulFOp();
  if (!mul)
    return false;
  Value x = body.getArgument(0), w = body.getArgument(1);
  return (mul.getLhs() == x && mul.getRhs() == w) || (mul.getLhs() == w && mul.getRhs() == x);
}

/// The unpadded [N, G, H, W] input behind the generic's [N, G, 1, Hp, Wp]
/// operand, with its top and left zero padding.
bool matchInput(Value operand, DepthwiseConv &conv) {
  auto expand = operand.getDefiningOp<tensor::ExpandShapeOp>();
  if (!expand || !isF32Tensor(expand.getSrc()) || expand.getSrcType().getRank() != 4)
    return false;
  Value source = expand.getSrc();
  conv.padTop = conv.padLeft = 0;
  if (auto pad = source.getDefiningOp<tensor::PadOp>()) {
    ArrayRef<int64_t> low = pad.getStaticLow(), high = pad.getStaticHigh();
    Value padValue = pad.getConstantPaddingValue();
    if (ShapedType::isDynamicShape(low) || ShapedType::isDynamicShape(high) || low[0] || low[1] ||
        high[0] || high[1] || !padValue || !matchPattern(padValue, m_AnyZeroFloat()))
      return false;
    conv.padTop = low[2], conv.padLeft = low[3];
    source = pad.getSource();
  }
  conv.input = source;
  return true;
}

/// Each result a dim, in increasing order, or the constant 0 (a broadcast):
/// the last dim, if read, is the last index.
bool orderedBroadcast(AffineMap map) {
  int64_t previous = -1;
  for (AffineExpr result : map.getResults()) {
    if (auto dim = dyn_cast<AffineDimExpr>(result)) {
      if (int64_t(dim.getPosition()) <= previous)
        return false;
      previous = dim.getPosition();
      continue;
    }
    auto constant = dyn_cast<AffineConstantExpr>(result);
    if (!constant || constant.getValue() != 0)
      return false;
  }
  return true;
}

/// Where the sums start: a fill, a per-channel broadcast, or the init itself.
bool matchStart(Value init, DepthwiseConv &conv) {
  if (auto fill = init.getDefiningOp<linalg::FillOp>()) {
    conv.startScalar = fill.getInputs()[0];
    return conv.startScalar.getType().isF32();
  }
  auto broadcast = init.getDefiningOp<linalg::GenericOp>();
  if (broadcast && broadcast.getNumDpsInputs() == 0 && broadcast.getNumReductionLoops() == 0) {
    // A splat bias folds to a generic yielding one scalar from outside.
    Value yielded = broadcast.getRegion().front().getTerminator()->getOperand(0);
    if (yielded.getParentRegion() != &broadcast.getRegion() && yielded.getType().isF32()) {
      conv.startScalar = yielded;
      return true;
    }
  }
  if (broadcast && broadcast.getNumDpsInputs() == 1 && broadcast.getNumReductionLoops() == 0 &&
      broadcast.getRegion().front().getOperations().size() == 1 &&
      broadcast.getRegion().front().getTerminator()->getOperand(0) ==
          broadcast.getRegion().front().getArgument(0)) {
    AffineMap map = broadcast.getIndexingMapsArray()[0];
    if (broadcast.getIndexingMapsArray()[1].isIdentity() && orderedBroadcast(map) &&
        isF32Tensor(broadcast.getDpsInputs()[0])) {
      conv.startTensor = broadcast.getDpsInputs()[0];
      conv.startMap = map;
      return true;
    }
  }
  conv.startTensor = init;
  conv.startMap = AffineMap::getMultiDimIdentityMap(5, init.getContext());
  return true;
}

/// The elementwise generic that alone reads `result` ([N, C, OH, OW]).
linalg::GenericOp matchEpilogue(Value result) {
  if (!result.hasOneUse())
    return {};
  auto generic = dyn_cast<linalg::GenericOp>(*result.getUsers().begin());
  auto type = cast<RankedTensorType>(result.getType());
  if (!generic || generic.getNumDpsInits() != 1 || generic.getNumReductionLoops() != 0 ||
      generic.getNumLoops() != 4 || generic.getStaticLoopRanges() != type.getShape() ||
      !generic.getIndexingMapsArray().back().isIdentity() || !vectorizableBody(generic))
    return {};
  for (OpOperand *input : generic.getDpsInputOperands()) {
    AffineMap map = generic.getMatchingIndexingMap(input);
    bool ok = input->get() == result
                  ? map.isIdentity()
                  : orderedBroadcast(map) && isa<RankedTensorType>(input->get().getType());
    if (!ok)
      return {};
  }
  return generic;
}

/// Whether the columns whose taps reach into the padding, which the row
/// kernel runs one checked pixel at a time, are more than an eighth of a
/// row, or the rest fewer than a vector of 4 (a 5x5 window with a pad of 2:
/// 4 of 14 columns, all but 3 of 7). A single pixel costs about as much as
/// a vector of 8 (each tap's column checked, no lanes to share the loads),
/// where the padded copy (a few KB a plane) lets whole rows run as vectors.
/// MnasNet's 5x5 convs on 14 x 14 planes: 924 -> 256 us each, copy included.
bool borderHeavy(const DepthwiseConv &conv) {
  if (conv.padLeft == 0 || conv.outputColumns < 4)
    return false;
  InsideColumns inside = insideColumns(conv);
  int64_t vectorColumns = inside.lastVector - inside.first + 1;
  return vectorColumns < 4 || (conv.outputColumns - vectorColumns) * 8 > conv.outputColumns;
}

} // namespace

InsideColumns insideColumns(const DepthwiseConv &conv) {
  int64_t columns = conv.outputColumns, stride = conv.strideW;
  int64_t lastInside = conv.inputColumns - 1 - (conv.kernelColumns - 1) * conv.dilationW +
                       conv.padLeft; // the last ox * stride whose taps are all inside
  int64_t first = std::min(columns, (conv.padLeft + stride - 1) / stride);
  int64_t last = std::min(columns - 1, lastInside >= 0 ? lastInside / stride : -1);
  int64_t lastVector = lastInside - (stride - 1) >= 0 ? (lastInside - (stride - 1)) / stride : -1;
  return {first, last, std::min(last, lastVector)};
}

std::optional<DepthwiseConv> matchDepthwiseConv(linalg::GenericOp generic) {
  DepthwiseConv conv;
  conv.conv = generic;
  if (!matchWindow(generic, conv) || !multiplyAddBody(generic))
    return std::nullopt;
  Value weight = generic.getDpsInputs()[1], init = generic.getDpsInits()[0];
  if (!isF32Tensor(weight) || !isF32Tensor(init) || !isF32Tensor(generic.getResult(0)) ||
      generic.getStaticLoopRanges()[4] != 1 || !matchInput(generic.getDpsInputs()[0], conv) ||
      !matchStart(init, conv))
    return std::nullopt;
  conv.weight = weight;
  SmallVector<int64_t> ranges = generic.getStaticLoopRanges();
  conv.images = ranges[0], conv.groups = ranges[1], conv.multiplier = ranges[2];
  conv.outputRows = ranges[3], conv.kernelRows = ranges[5], conv.kernelColumns = ranges[6];
  conv.outputColumns = ranges[7];
  auto inputType = cast<RankedTensorType>(conv.input.getType());
  conv.inputRows = inputType.getDimSize(2), conv.inputColumns = inputType.getDimSize(3);
  if (borderHeavy(conv)) { // read the padded copy: every column is inside
    conv.input = cast<tensor::ExpandShapeOp>(generic.getDpsInputs()[0].getDefiningOp()).getSrc();
    auto paddedType = cast<RankedTensorType>(conv.input.getType());
    conv.padTop = conv.padLeft = 0;
    conv.inputRows = paddedType.getDimSize(2), conv.inputColumns = paddedType.getDimSize(3);
  }

  Value result = generic.getResult(0);
  if (result.hasOneUse())
    if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(*result.getUsers().begin());
        collapse && collapse.getResultType().getShape() ==
                        ArrayRef<int64_t>{conv.images, conv.groups * conv.multiplier,
                                          conv.outputRows, conv.outputColumns}) {
      conv.collapse = collapse;
      conv.epilogue = matchEpilogue(collapse.getResult());
    }
  return conv;
}

} // namespace quantc
