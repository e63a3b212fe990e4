// Verifiers and constant folders of the qkernel ops.
#include "dialects/QKernel/QKernelOps.h"
#include "dialects/QNN/QNNShapeUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

using namespace mlir;
using namespace quantc::qkernel;

#define GET_OP_CLASSES
#include "dialects/QKernel/QKernelOps.cpp.inc"

namespace {

/// Folding packs or unpacks a host copy of the whole tensor; past 2^26 codes
/// (64 MiB) the op stays for the lowering, which streams it at run time.
/// convert-qnn-to-qkernel packs weights itself, so only hand-written IR with
/// a huge constant (a fuzzed splat, say) gets here.
constexpr int64_t kMaxFoldCodes = int64_t(1) << 26;

bool foldable(LayoutAttr layout) {
  return layout.paddedK() * layout.paddedN() <= kMaxFoldCodes;
}

std::string typeText(Type type) {
  std::string text;
  llvm::raw_string_ostream(text) << type;
  return text;
}

LogicalResult checkPackedType(Operation *op, Type type, LayoutAttr layout) {
  auto packed = cast<RankedTensorType>(type);
  if (!packed.hasStaticShape() || packed.getDimSize(0) != layout.packedBytes())
    return op->emitOpError() << "packed tensor must hold " << layout.packedBytes()
                             << " bytes for the layout, got " << typeText(type);
  return success();
}

LogicalResult checkCodesType(Operation *op, Type type, LayoutAttr layout) {
  auto codes = cast<RankedTensorType>(type);
  if (codes.getRank() != 2 || codes.getDimSize(0) != layout.getK() ||
      codes.getDimSize(1) != layout.getN())
    return op->emitOpError() << "codes must be " << layout.getK() << "x" << layout.getN()
                             << " (k x n of the layout), got " << typeText(type);
  return success();
}

/// The i8 values of a constant (inline or resource blob), or nullopt.
std::optional<std::vector<int8_t>> constantBytes(Attribute attr) {
  if (auto dense = dyn_cast_or_null<DenseIntElementsAttr>(attr)) {
    std::vector<int8_t> values;
    values.reserve(dense.getNumElements());
    for (const APInt &value : dense.getValues<APInt>())
      values.push_back(int8_t(value.getSExtValue()));
    return values;
  }
  if (auto resource = dyn_cast_or_null<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return std::nullopt;
    ArrayRef<char> data = blob->getData();
    return std::vector<int8_t>(data.begin(), data.end());
  }
  return std::nullopt;
}

OpFoldResult bytesAttr(Type type, const std::vector<int8_t> &values) {
  return DenseElementsAttr::get(cast<ShapedType>(type), ArrayRef<int8_t>(values));
}

} // namespace

LogicalResult PackOp::verify() {
  if (failed(checkCodesType(*this, getCodes().getType(), getLayout())))
    return failure();
  return checkPackedType(*this, getPacked().getType(), getLayout());
}

OpFoldResult PackOp::fold(FoldAdaptor adaptor) {
  if (!foldable(getLayout()))
    return {};
  auto codes = constantBytes(adaptor.getCodes());
  if (!codes || int64_t(codes->size()) != getLayout().getK() * getLayout().getN())
    return {};
  return bytesAttr(getType(), quantc::codegen::pack(toPackedLayout(getLayout()), *codes));
}

LogicalResult UnpackOp::verify() {
  if (failed(checkPackedType(*this, getPacked().getType(), getLayout())))
    return failure();
  return checkCodesType(*this, getCodes().getType(), getLayout());
}

OpFoldResult UnpackOp::fold(FoldAdaptor adaptor) {
  if (!foldable(getLayout()))
    return {};
  auto packed = constantBytes(adaptor.getPacked());
  if (!packed || int64_t(packed->size()) != getLayout().packedBytes())
    return {};
  return bytesAttr(getType(), quantc::codegen::unpack(toPackedLayout(getLayout()), *packed));
}

/// Input [..., M, K] static, output the same with N last, packed bytes of
/// the layout's size: what both matmuls need.
static LogicalResult checkMatmulShapes(Operation *op, RankedTensorType input,
                                       RankedTensorType output, Type packed, LayoutAttr layout) {
  if (input.getRank() < 2 || !input.hasStaticShape() || input.getShape().back() != layout.getK())
    return op->emitOpError() << "input must be a static [..., M, " << layout.getK() << "], got "
                             << typeText(input);
  SmallVector<int64_t> expected(input.getShape());
  expected.back() = layout.getN();
  if (output.getShape() != ArrayRef<int64_t>(expected))
    return op->emitOpError() << "output must be the input's shape with last dim "
                             << layout.getN() << ", got " << typeText(output);
  return checkPackedType(op, packed, layout);
}

/// What qkernel.matmul and qkernel.lut_matmul share: shapes, scale and
/// zero-point tables, bias and activation.
template <typename PackedMatmul> static LogicalResult verifyPackedMatmul(PackedMatmul op) {
  LayoutAttr layout = op.getLayout();
  if (failed(checkMatmulShapes(op, op.getInput().getType(), op.getOutput().getType(),
                               op.getPacked().getType(), layout)))
    return failure();
  SmallVector<int64_t, 2> table = {layout.scaleRows(), layout.paddedN()};
  if (op.getScales().getType().getShape() != ArrayRef<int64_t>(table))
    return op.emitOpError() << "scales must be " << table[0] << "x" << table[1]
                            << " (scale rows x padded n), got "
                            << typeText(op.getScales().getType());
  if (op.getZeroPoint().has_value() == bool(op.getZeroPoints()))
    return op.emitOpError() << "needs exactly one of the zero_point attribute and the zero_points "
                               "operand";
  if (op.getZeroPoint() && (*op.getZeroPoint() < 0 || *op.getZeroPoint() > 255))
    return op.emitOpError() << "zero_point must be in [0, 255], got " << *op.getZeroPoint();
  if (auto zeros = op.getZeroPoints())
    if (cast<RankedTensorType>(zeros.getType()).getShape() != ArrayRef<int64_t>(table))
      return op.emitOpError() << "zero_points must be " << table[0] << "x" << table[1] << ", got "
                              << typeText(zeros.getType());
  if (auto bias = op.getBias())
    if (cast<RankedTensorType>(bias.getType()).getShape() != ArrayRef<int64_t>{layout.getN()})
      return op.emitOpError() << "bias must be [" << layout.getN() << "], got "
                              << typeText(bias.getType());
  if (op.getActivation() != "none" && op.getActivation() != "relu")
    return op.emitOpError() << "activation must be \"none\" or \"relu\", got \""
                            << op.getActivation() << "\"";
  return success();
}

LogicalResult MatmulOp::verify() {
  if (getLayout().getLut())
    return emitOpError() << "takes a dot-kernel layout; a lut layout is for qkernel.lut_matmul";
  if (getActivations() != "int8" && getActivations() != "float")
    return emitOpError() << "activations must be \"int8\" or \"float\", got \"" << getActivations()
                         << "\"";
  return verifyPackedMatmul(*this);
}

LogicalResult LutMatmulOp::verify() {
  if (!getLayout().getLut())
    return emitOpError() << "needs a lut layout (lut = true)";
  return verifyPackedMatmul(*this);
}

/// The epilogue region: (i32 acc, index channel) -> the result's element,
/// through scalar arith/math ops and [N] constant tables read at the channel.
static LogicalResult verifyEpilogue(Operation *kernel, Region &region, Type element,
                                    int64_t channels) {
  auto emitOpError = [&] { return kernel->emitOpError(); };
  if (!region.hasOneBlock())
    return emitOpError() << "epilogue must have one block";
  Block &block = region.front();
  if (block.getNumArguments() != 2 || !block.getArgument(0).getType().isInteger(32) ||
      !block.getArgument(1).getType().isIndex())
    return emitOpError() << "epilogue takes (i32 accumulator, index channel)";
  auto yield = dyn_cast<YieldOp>(block.getTerminator());
  if (!yield || yield.getValue().getType() != element)
    return emitOpError() << "epilogue must yield the result's element type " << element;
  Value channel = block.getArgument(1);
  for (Operation &op : block.without_terminator()) {
    if (auto extract = dyn_cast<tensor::ExtractOp>(op)) {
      auto table = extract.getTensor().getDefiningOp<arith::ConstantOp>();
      if (!table || extract.getIndices().size() != 1 || extract.getIndices()[0] != channel ||
          extract.getTensor().getType().getShape() != ArrayRef<int64_t>{channels})
        return op.emitOpError() << "in an epilogue reads a constant [" << channels
                                << "] table at the channel";
      continue;
    }
    StringRef dialect = op.getDialect() ? op.getDialect()->getNamespace() : "";
    bool scalar = llvm::all_of(op.getResultTypes(), [](Type t) { return t.isIntOrIndexOrFloat(); });
    bool table = isa<arith::ConstantOp>(op) && isa<RankedTensorType>(op.getResult(0).getType());
    if ((dialect != "arith" && dialect != "math") || (!scalar && !table) ||
        op.getNumRegions() != 0)
      return op.emitOpError() << "is not allowed in a kernel epilogue: scalar arith and math "
                                 "ops and constant tables only";
    if (llvm::is_contained(op.getOperands(), channel))
      return op.emitOpError() << "in an epilogue may use the channel only as a table index";
  }
  return success();
}

LogicalResult MatmulIntegerOp::verify() {
  LayoutAttr layout = getLayout();
  if (layout.getLut())
    return emitOpError() << "takes a dot-kernel layout, not a lut one";
  if (layout.getGroup() != 0 || layout.getBinary())
    return emitOpError() << "needs a per-channel, non-binary layout (group = 0), got group = "
                         << layout.getGroup();
  int64_t maxCode = (int64_t(1) << layout.getBits()) - 1;
  int64_t zeroPoint = int64_t(getZeroPoint()); // I64Attr reads back unsigned
  if (zeroPoint < 0 || zeroPoint > maxCode)
    return emitOpError() << "zero_point must be a " << layout.getBits() << "-bit code in [0, "
                         << maxCode << "], got " << zeroPoint;
  if (failed(checkMatmulShapes(*this, getInput().getType(), getOutput().getType(),
                               getPacked().getType(), layout)))
    return failure();
  if (auto bias = getBias())
    if (cast<RankedTensorType>(bias.getType()).getShape() != ArrayRef<int64_t>{layout.getN()})
      return emitOpError() << "bias must be [" << layout.getN() << "], got "
                           << typeText(bias.getType());
  if (hasEpilogue()) {
    if (getMultipliers() || getShifts())
      return emitOpError() << "takes multipliers or an epilogue, not both";
    return verifyEpilogue(*this, getEpilogue(), getOutput().getType().getElementType(),
                          layout.getN());
  }
  return verifyRequantize();
}

/// The fused requantize: qnn.requantize's rules, and an i8 result exactly
/// when it is there.
LogicalResult MatmulIntegerOp::verifyRequantize() {
  bool requantizes = bool(getMultipliers());
  Type element = getOutput().getType().getElementType();
  if (requantizes != element.isInteger(8))
    return emitOpError() << (requantizes ? "with multipliers the result must be i8, got "
                                         : "without multipliers the result must be i32, got ")
                         << typeText(getOutput().getType());
  if (!requantizes)
    return getShifts() ? emitOpError() << "shifts need multipliers" : success();
  ArrayRef<int32_t> multipliers = *getMultipliers();
  size_t channels = multipliers.size();
  if (!getShifts() || getShifts()->size() != channels)
    return emitOpError() << "needs one shift per multiplier";
  if (channels != 1 && int64_t(channels) != getLayout().getN())
    return emitOpError() << "needs 1 or " << getLayout().getN() << " multipliers, got "
                         << channels;
  for (auto [multiplier, shift] : llvm::zip(multipliers, *getShifts()))
    if (multiplier < (1 << 30) || shift < 1 || shift > 62)
      return emitOpError() << "multipliers must be in [2^30, 2^31) and shifts in [1, 62]";
  int64_t zero = getOutputZeroPoint(), lo = getClampMin(), hi = getClampMax();
  if (zero < -128 || zero > 127 || lo < -128 || hi > 127 || lo > hi)
    return emitOpError() << "output_zero_point and the clamp range [" << lo << ", " << hi
                         << "] must be int8 values, with clamp_min <= clamp_max";
  return success();
}

LogicalResult DepthwiseConvIntegerOp::verify() {
  RankedTensorType input = getInput().getType(), weight = getWeight().getType();
  RankedTensorType output = getOutput().getType();
  if (!input.hasStaticShape() || !weight.hasStaticShape() || !output.hasStaticShape())
    return emitOpError() << "needs static shapes";
  if (input.getRank() != 4 || weight.getRank() != 3 || output.getRank() != 4)
    return emitOpError() << "needs an [N, H, W, C] input, a [KH, KW, C] weight and an [N, OH, "
                            "OW, C] result, got "
                         << typeText(input) << ", " << typeText(weight) << " and "
                         << typeText(output);
  int64_t channels = input.getDimSize(3);
  if (weight.getDimSize(2) != channels || output.getDimSize(3) != channels ||
      output.getDimSize(0) != input.getDimSize(0))
    return emitOpError() << "input, weight and result must agree on N and C, got "
                         << typeText(input) << ", " << typeText(weight) << " and "
                         << typeText(output);
  if (auto bias = getBias())
    if (cast<RankedTensorType>(bias.getType()).getShape() != ArrayRef<int64_t>{channels})
      return emitOpError() << "bias must be [" << channels << "], got " << typeText(bias.getType());
  ArrayRef<int64_t> strides = getStrides(), dilations = getDilations(), pads = getPads();
  if (strides.size() != 2 || dilations.size() != 2 || pads.size() != 4)
    return emitOpError() << "needs 2 strides, 2 dilations and 4 pads";
  if (llvm::any_of(strides, [](int64_t v) { return v < 1; }) ||
      llvm::any_of(dilations, [](int64_t v) { return v < 1; }) ||
      llvm::any_of(pads, [](int64_t v) { return v < 0; }))
    return emitOpError() << "strides and dilations must be positive and pads non-negative";
  int64_t zeroPoint = getInputZeroPoint();
  if (zeroPoint < -128 || zeroPoint > 127)
    return emitOpError() << "input_zero_point must be an int8 value, got " << zeroPoint;
  for (int i = 0; i < 2; ++i) {
    // qnn's checked window arithmetic: the attributes may be huge.
    FailureOr<int64_t> size = quantc::qnn::shapes::windowOutputSize(
        input.getDimSize(1 + i), weight.getDimSize(i), strides[i], dilations[i], pads[i],
        pads[2 + i], /*ceilMode=*/false);
    if (failed(size) || *size != output.getDimSize(1 + i))
      return emitOpError() << "result spatial dim " << i << " must be the window's output size ("
                           << (succeeded(size) ? std::to_string(*size)
                                               : std::string("none: the window does not fit"))
                           << "), got " << output.getDimSize(1 + i);
  }
  if (hasEpilogue())
    return verifyEpilogue(*this, getEpilogue(), output.getElementType(), channels);
  if (!output.getElementType().isInteger(32))
    return emitOpError() << "without an epilogue the result must be i32, got "
                         << typeText(output);
  return success();
}

LogicalResult GatherRowsOp::verify() {
  RankedTensorType indices = getIndices().getType(), table = getTable().getType();
  auto scales = cast<RankedTensorType>(getScales().getType());
  RankedTensorType output = getOutput().getType();
  int64_t bits = getBits(), columns = getColumns(), group = getGroup();
  if (bits != 2 && bits != 4 && bits != 8)
    return emitOpError() << "bits must be 2, 4 or 8, got " << bits;
  if (!table.hasStaticShape() || !scales.hasStaticShape() || scales.getRank() != 2 ||
      table.getDimSize(0) == 0)
    return emitOpError() << "needs a static, non-empty table and a static [rows, groups] scale "
                            "table, got "
                         << typeText(table) << " and " << typeText(scales);
  if (columns < 1 || group < 0 || (group && columns % group))
    return emitOpError() << "columns must be positive and group 0 or a divisor of them, got "
                         << columns << " and " << group;
  int64_t rows = table.getDimSize(0), groups = group ? columns / group : 1;
  if (table.getDimSize(1) != (columns * bits + 7) / 8)
    return emitOpError() << "table rows must hold " << columns << " " << bits << "-bit codes in "
                         << (columns * bits + 7) / 8 << " bytes, got " << typeText(table);
  if (scales.getDimSize(0) != rows || scales.getDimSize(1) != groups)
    return emitOpError() << "scales must be [" << rows << ", " << groups << "], got "
                         << typeText(scales);
  if (bool(getZeroPoints()) == bool(getZeroPoint()))
    return emitOpError() << "needs exactly one of the zero_point attribute and the zero_points "
                            "operand";
  if (auto zeros = getZeroPoints())
    if (cast<RankedTensorType>(zeros.getType()).getShape() != scales.getShape())
      return emitOpError() << "zero_points must have the scales' shape, got "
                           << typeText(zeros.getType());
  if (auto zero = getZeroPoint())
    if (int64_t(*zero) < 0 || int64_t(*zero) >= (int64_t(1) << bits))
      return emitOpError() << "zero_point must be a " << bits << "-bit code, got " << int64_t(*zero);
  SmallVector<int64_t> expected(indices.getShape());
  expected.push_back(columns);
  if (output.getShape() != ArrayRef<int64_t>(expected))
    return emitOpError() << "result must be the indices' shape plus [" << columns << "], got "
                         << typeText(output);
  return success();
}

LogicalResult DotOp::verify() {
  auto acc = getAcc().getType();
  if (acc.isScalable() || getWeights().getType().isScalable())
    return emitOpError() << "needs fixed-length vectors (x86 dot instructions)";
  int64_t sums = acc.getNumElements(), bytes = getWeights().getType().getNumElements();
  // vpmaddwd and i16 accumulators keep two pair sums a lane: 2 bytes an
  // accumulator element.
  bool pairSums16 = acc.getElementType().isInteger(16);
  if (pairSums16 && getInstruction() != "vpmaddubsw")
    return emitOpError() << "has i16 pair sums only with vpmaddubsw, not \"" << getInstruction()
                         << "\"";
  int64_t bytesPerSum = getInstruction() == "vpmaddwd" || pairSums16 ? 2 : 4;
  if (bytes % bytesPerSum || bytes / bytesPerSum != sums) // no multiply: sums may be near 2^63
    return emitOpError() << "needs " << bytesPerSum << " bytes per accumulator element, got "
                         << bytes << " bytes for " << sums << " elements";
  VectorType activations = getActivations().getType();
  if (activations.getElementType().isInteger(16)) {
    // One word's 4 activations as i16, repeated over the 32 bytes' half.
    if (getInstruction() != "vpmaddwd" || activations.getNumElements() * 2 != bytes)
      return emitOpError() << "takes i16 activations only with vpmaddwd, as many as half the "
                              "weight bytes";
  } else if (activations != getWeights().getType()) {
    return emitOpError() << "needs i8 activations of the weights' type";
  }
  int64_t lanes = bytes / 4;
  if (getInstruction() == "vpdpbusd" && lanes == 16)
    return success();
  if ((getInstruction() == "vpmaddubsw" || getInstruction() == "vpmaddwd") && lanes == 8)
    return success();
  return emitOpError() << "instruction \"" << getInstruction() << "\" on " << lanes
                       << " lanes is not one of vpdpbusd (16 lanes), vpmaddubsw or vpmaddwd (8 "
                          "lanes)";
}

LogicalResult LookupOp::verify() {
  VectorType indices = getIndices().getType();
  if (indices.isScalable())
    return emitOpError() << "needs fixed-length vectors";
  int64_t lanes = indices.getNumElements();
  if (getInstruction() == "vpshufb" && (lanes == 32 || lanes == 64))
    return success();
  if (getInstruction() == "tbl" && lanes == 16)
    return success();
  return emitOpError() << "instruction \"" << getInstruction() << "\" on " << lanes
                       << " bytes is not one of vpshufb (32 or 64 bytes) or tbl (16 bytes)";
}
