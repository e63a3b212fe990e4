// Attribute access, constant-parameter extraction and auto_pad resolution for op importers.
#include "NodeContext.h"

#include "llvm/Support/CheckedArithmetic.h"

#include "ModelValidator.h"

#include "dialects/QNN/QNNOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/Verifier.h"

using namespace mlir;

namespace quantc::onnx_import {

const onnx::AttributeProto *NodeContext::attr(llvm::StringRef name) const {
  for (const auto &attribute : node.attribute())
    if (attribute.name() == name)
      return &attribute;
  return nullptr;
}

int64_t NodeContext::getInt(llvm::StringRef name, int64_t defaultValue) const {
  const auto *a = attr(name);
  return a ? a->i() : defaultValue;
}

float NodeContext::getFloat(llvm::StringRef name, float defaultValue) const {
  const auto *a = attr(name);
  return a ? a->f() : defaultValue;
}

std::string NodeContext::getString(llvm::StringRef name, llvm::StringRef defaultValue) const {
  const auto *a = attr(name);
  return a ? a->s() : defaultValue.str();
}

std::optional<SmallVector<int64_t>> NodeContext::getInts(llvm::StringRef name) const {
  const auto *a = attr(name);
  if (!a)
    return std::nullopt;
  return SmallVector<int64_t>(a->ints().begin(), a->ints().end());
}

std::optional<SmallVector<float>> NodeContext::getFloats(llvm::StringRef name) const {
  const auto *a = attr(name);
  if (!a)
    return std::nullopt;
  return SmallVector<float>(a->floats().begin(), a->floats().end());
}

LogicalResult NodeContext::error(const Twine &message) const {
  return emitError(fileLoc) << nodeLabel(node) << ": " << message.str();
}

/// The DenseElementsAttr behind input `index`, or an error naming the input.
static FailureOr<DenseElementsAttr> constantInput(NodeContext &ctx, int index,
                                                  StringRef what) {
  ElementsAttr attr;
  if (!ctx.hasInput(index))
    return ctx.error("missing input " + Twine(index) + " (" + what + ")");
  // Small float vectors (Resize scales) may be resource blobs: read their bytes.
  if (matchPattern(ctx.input(index), m_Constant(&attr)))
    if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr))
      if (bool splat; DenseElementsAttr::isValidRawBuffer(resource.getType(), resource.getData(), splat))
        return DenseElementsAttr::getFromRawBuffer(resource.getType(), resource.getData());
  if (!attr || !isa<DenseElementsAttr>(attr))
    return ctx.error("input " + Twine(index) + " (" + what + ", '" +
                     ctx.node.input(index) +
                     "') must be a constant once input shapes are bound; bind dynamic "
                     "dims with --input-shape or freeze graph inputs with --input-value");
  return cast<DenseElementsAttr>(attr);
}

FailureOr<SmallVector<int64_t>> NodeContext::constantInts(int index, StringRef what) {
  auto attr = constantInput(*this, index, what);
  if (failed(attr))
    return failure();
  if (!isa<IntegerType>(attr->getElementType()))
    return error("input " + Twine(index) + " (" + what + ") must be an integer tensor");
  SmallVector<int64_t> values;
  for (const APInt &v : attr->getValues<APInt>())
    values.push_back(v.getSExtValue());
  return values;
}

FailureOr<SmallVector<float>> NodeContext::constantFloats(int index, StringRef what) {
  auto attr = constantInput(*this, index, what);
  if (failed(attr))
    return failure();
  if (!isa<FloatType>(attr->getElementType()))
    return error("input " + Twine(index) + " (" + what + ") must be a float tensor");
  SmallVector<float> values;
  for (APFloat v : attr->getValues<APFloat>()) {
    bool losesInfo;
    v.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven, &losesInfo);
    values.push_back(v.convertToFloat());
  }
  return values;
}

FailureOr<SmallVector<int64_t>> NodeContext::windowPads(RankedTensorType input,
                                                        ArrayRef<int64_t> kernel,
                                                        ArrayRef<int64_t> strides,
                                                        ArrayRef<int64_t> dilations) {
  size_t spatial = kernel.size();
  std::string autoPad = getString("auto_pad", "NOTSET");
  if (autoPad == "NOTSET") {
    SmallVector<int64_t> pads = getInts("pads").value_or(SmallVector<int64_t>(2 * spatial, 0));
    if (pads.size() != 2 * spatial)
      return error("pads has " + Twine(pads.size()) + " entries, expected " +
                   Twine(2 * spatial));
    return pads;
  }
  if (autoPad == "VALID")
    return SmallVector<int64_t>(2 * spatial, 0);
  if (autoPad != "SAME_UPPER" && autoPad != "SAME_LOWER")
    return error("unknown auto_pad '" + autoPad + "'");
  if (static_cast<size_t>(input.getRank()) != spatial + 2 || strides.size() != spatial ||
      dilations.size() != spatial)
    return error("kernel, strides and dilations must have one entry per spatial dim");
  SmallVector<int64_t> pads(2 * spatial, 0);
  for (size_t i = 0; i < spatial; ++i) {
    int64_t in = input.getDimSize(2 + i);
    if (in == ShapedType::kDynamic)
      return error("auto_pad " + autoPad + " needs static spatial dims; bind them with --input-shape");
    if (strides[i] < 1 || kernel[i] < 1 || dilations[i] < 1)
      return error("auto_pad " + autoPad + " needs positive kernel, strides and dilations");
    // SAME: output = ceil(in / stride); the extra pad goes at the end (UPPER) or begin (LOWER).
    int64_t out = in / strides[i] + (in % strides[i] != 0);
    std::optional<int64_t> span = llvm::checkedMul(kernel[i] - 1, dilations[i]);
    std::optional<int64_t> covered =
        span ? llvm::checkedMul(out - 1, strides[i]) : std::nullopt;
    std::optional<int64_t> reach = covered ? llvm::checkedAdd(*covered, *span) : std::nullopt;
    if (!reach)
      return error("auto_pad " + autoPad + " window overflows int64");
    int64_t total = std::max<int64_t>(0, *reach - in + 1);
    int64_t small = total / 2, large = total - total / 2;
    pads[i] = autoPad == "SAME_UPPER" ? small : large;
    pads[spatial + i] = autoPad == "SAME_UPPER" ? large : small;
  }
  return pads;
}

FailureOr<Value> NodeContext::foldOrKeep(Operation *op) {
  // Folders trust the op's invariants (operand types, attributes): check
  // them first, as the verifier would after import.
  if (failed(mlir::verify(op, /*verifyRecursively=*/false))) {
    op->erase();
    return failure();
  }
  SmallVector<OpFoldResult, 1> folded;
  if (failed(op->fold(folded)) || folded.size() != 1)
    return op->getResult(0);
  Value result;
  if (auto value = dyn_cast<Value>(folded.front())) {
    result = value;
  } else {
    auto attr = dyn_cast<ElementsAttr>(cast<Attribute>(folded.front()));
    if (!attr || attr.getType() != op->getResult(0).getType())
      return op->getResult(0);
    result = qnn::ConstantOp::create(builder, op->getLoc(), attr);
  }
  op->erase();
  return result;
}

LogicalResult NodeContext::setOutputs(ArrayRef<Value> results) {
  for (int i = 0; i < node.output_size(); ++i) {
    const std::string &name = node.output(i);
    if (name.empty())
      continue;
    if (i < static_cast<int>(results.size())) {
      values[name] = results[i];
      continue;
    }
    if (usedNames.count(name))
      return error("output " + Twine(i) + " ('" + name +
                   "') is used, but only the first " + Twine(results.size()) +
                   " output(s) of this op are supported");
  }
  return success();
}

} // namespace quantc::onnx_import
