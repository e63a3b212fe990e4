// Quantized tensors in ONNX: weights as INT4/INT8 initializers behind
// (blocked) DequantizeLinear, activations as QuantizeLinear/DequantizeLinear,
// and MatMul/Gemm weights at up to 8 bits as com.microsoft MatMulNBits.
#include "Exporter.h"

#include "dialects/QNN/QNNOps.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/IR/DialectResourceBlobManager.h"

namespace quantc::exporter {

using namespace mlir;

/// The raw little-endian bytes of a constant, splats expanded.
static FailureOr<std::string> constantBytes(Operation *op) {
  auto attr = cast<ElementsAttr>(cast<qnn::ConstantOp>(op).getValue());
  auto type = cast<RankedTensorType>(attr.getType());
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return op->emitError("export: weight blob is missing");
    return std::string(blob->getData().data(), blob->getData().size());
  }
  auto dense = dyn_cast<DenseElementsAttr>(attr);
  if (!dense)
    return op->emitError("export: unsupported constant attribute");
  if (!dense.isSplat())
    return std::string(dense.getRawData().data(), dense.getRawData().size());
  size_t bits = type.getElementTypeBitWidth();
  size_t elementBytes = bits == 1 ? 1 : bits / 8;
  std::string bytes;
  for (int64_t i = 0; i < type.getNumElements(); ++i)
    bytes.append(dense.getRawData().data(), elementBytes);
  return bytes;
}

LogicalResult Exporter::exportConstant(Operation *op) {
  auto type = cast<RankedTensorType>(op->getResult(0).getType());
  int32_t elementType = onnxElementType(type.getElementType());
  if (elementType == onnx::TensorProto::UNDEFINED)
    return op->emitError("export: constant element type has no ONNX counterpart");
  FailureOr<std::string> bytes = constantBytes(op);
  if (failed(bytes))
    return failure();
  setName(op->getResult(0), addInitializer("const", elementType, type.getShape(), *bytes));
  return success();
}

/// The integer constant behind `dequantize(scast(constant))`, if deferred.
static Operation *weightConstant(Value quantized, const llvm::DenseSet<Operation *> &deferred) {
  auto cast = quantized.getDefiningOp<quant::StorageCastOp>();
  if (!cast)
    return nullptr;
  Operation *constant = cast.getInput().getDefiningOp<qnn::ConstantOp>();
  return constant && deferred.contains(constant) ? constant : nullptr;
}

static int32_t integerElementType(unsigned width, bool isSigned) {
  switch (width) {
  case 4: return isSigned ? kInt4 : kUInt4;
  case 8: return isSigned ? onnx::TensorProto::INT8 : onnx::TensorProto::UINT8;
  case 16: return isSigned ? onnx::TensorProto::INT16 : onnx::TensorProto::UINT16;
  default: return onnx::TensorProto::UNDEFINED;
  }
}

/// `values` in ONNX's raw layout for an integer type of `width` bits
/// (4-bit elements two per byte, the first in the low nibble).
template <typename T>
static std::string integerBytes(ArrayRef<T> values, unsigned width) {
  std::string bytes;
  if (width == 4) {
    bytes.assign((values.size() + 1) / 2, '\0');
    for (size_t i = 0; i < values.size(); ++i)
      bytes[i / 2] = char(uint8_t(bytes[i / 2]) | ((uint8_t(values[i]) & 0xF) << (4 * (i % 2))));
    return bytes;
  }
  for (T value : values) {
    auto v = int64_t(value);
    bytes.append(reinterpret_cast<const char *>(&v), width / 8); // little-endian
  }
  return bytes;
}

FailureOr<std::string> Exporter::weightInitializer(Operation *constant, unsigned width,
                                                   bool isSigned) {
  FailureOr<std::string> bytes = constantBytes(constant);
  if (failed(bytes))
    return failure();
  auto type = cast<RankedTensorType>(constant->getResult(0).getType());
  if (width == 4) {
    ArrayRef<int8_t> values(reinterpret_cast<const int8_t *>(bytes->data()), bytes->size());
    *bytes = integerBytes(values, 4);
  }
  return addInitializer("weight", integerElementType(width, isSigned), type.getShape(), *bytes);
}

LogicalResult Exporter::exportQuantizeOrDequantize(Operation *op) {
  if (absorbed.contains(op))
    return success();
  bool quantize = isa<qnn::QuantizeOp>(op);
  auto quantizedType =
      cast<RankedTensorType>(quantize ? op->getResult(0).getType() : op->getOperand(0).getType());
  std::optional<QuantLayout> layout = QuantLayout::of(quantizedType);
  if (!layout)
    return op->emitError() << "export: " << quantizedType.getElementType()
                           << " has no ONNX QuantizeLinear/DequantizeLinear form";
  Operation *constant = quantize ? nullptr : weightConstant(op->getOperand(0), deferredWeights);
  // Weights go as narrow as their values allow; activations keep the width
  // they are clamped to.
  unsigned width = layout->isSigned ? layout->signedWidth() : layout->storageWidth;
  if (constant && width != 4)
    width = cast<RankedTensorType>(constant->getResult(0).getType()).getElementTypeBitWidth();
  int32_t elementType = integerElementType(width, layout->isSigned);
  if (elementType == onnx::TensorProto::UNDEFINED)
    return op->emitError() << "export: " << width << "-bit "
                           << (layout->isSigned ? "signed" : "unsigned")
                           << " storage has no ONNX QuantizeLinear/DequantizeLinear form";

  DequantizeForm form = dequantizeForm(*layout);
  std::string scale = addVector<float>("scale", onnx::TensorProto::FLOAT, form.scales, form.paramShape);
  std::string zeroPoint = addInitializer("zero_point", elementType, form.paramShape,
                                         integerBytes(ArrayRef<int64_t>(form.zeroPoints), width));
  std::string input;
  if (constant) {
    FailureOr<std::string> weight = weightInitializer(constant, width, layout->isSigned);
    if (failed(weight))
      return failure();
    input = *weight;
  } else {
    input = nameOf(op->getOperand(0));
  }
  onnx::NodeProto *node = addNode(quantize ? "QuantizeLinear" : "DequantizeLinear",
                                  {input, scale, zeroPoint}, {nameOf(op->getResult(0))});
  if (form.axis)
    addIntAttribute(node, "axis", *form.axis);
  if (form.blockSize)
    addIntAttribute(node, "block_size", form.blockSize);
  return success();
}

/// The packed MatMulNBits weight for a qnn.matmul / qnn.gemm whose B is a
/// dequantized integer constant, or nullopt when ONNX's own ops fit better
/// or MatMulNBits cannot express it.
static std::optional<NBitsWeight> matMulNBitsWeight(Operation *op,
                                                    const llvm::DenseSet<Operation *> &deferred) {
  auto dequantize = op->getOperand(1).getDefiningOp<qnn::DequantizeOp>();
  if (!dequantize)
    return std::nullopt;
  Operation *constant = weightConstant(dequantize.getInput(), deferred);
  auto input = dyn_cast<RankedTensorType>(op->getOperand(0).getType());
  auto weightType = cast<RankedTensorType>(dequantize.getInput().getType());
  if (!constant || !input || input.getRank() < 2 || weightType.getRank() != 2 ||
      !cast<RankedTensorType>(constant->getResult(0).getType()).getElementType().isInteger(8))
    return std::nullopt;
  int64_t kAxis = 0;
  if (auto gemm = dyn_cast<qnn::GemmOp>(op)) {
    auto bias = gemm.getC() ? dyn_cast<RankedTensorType>(gemm.getC().getType()) : nullptr;
    int64_t n = weightType.getDimSize(gemm.getTransB() ? 0 : 1);
    if (gemm.getTransA() || gemm.getAlpha().convertToFloat() != 1.0f ||
        (gemm.getC() && (gemm.getBeta().convertToFloat() != 1.0f || !bias ||
                         bias.getShape() != ArrayRef<int64_t>(n))))
      return std::nullopt;
    kAxis = gemm.getTransB() ? 1 : 0;
  }
  std::optional<QuantLayout> layout = QuantLayout::of(weightType);
  if (!layout)
    return std::nullopt;
  // W8A8 stays QDQ: ORT fuses that into its int8 kernels.
  std::optional<int64_t> bits = matMulNBitsWidth(*layout);
  if (!bits || (*bits == 8 && op->getOperand(0).getDefiningOp<qnn::DequantizeOp>()))
    return std::nullopt;
  FailureOr<std::string> bytes = constantBytes(constant);
  if (failed(bytes))
    return std::nullopt;
  return packForMatMulNBits(
      *layout, ArrayRef<int8_t>(reinterpret_cast<const int8_t *>(bytes->data()), bytes->size()),
      kAxis);
}

void Exporter::plan(Block &body) {
  for (Operation &op : body) {
    if (isa<qnn::ConstantOp>(op) && !op.use_empty() &&
        llvm::all_of(op.getUsers(), [](Operation *cast) {
          return isa<quant::StorageCastOp>(cast) &&
                 llvm::all_of(cast->getUsers(), llvm::IsaPred<qnn::DequantizeOp>);
        }))
      deferredWeights.insert(&op);
    if (isa<qnn::MatMulOp, qnn::GemmOp>(op))
      if (std::optional<NBitsWeight> weight = matMulNBitsWeight(&op, deferredWeights))
        nbits[&op] = std::move(*weight);
  }
  for (auto &[op, weight] : nbits) {
    Operation *dequantize = op->getOperand(1).getDefiningOp();
    if (llvm::all_of(dequantize->getUses(), [&](OpOperand &use) {
          return use.getOperandNumber() == 1 && nbits.count(use.getOwner());
        }))
      absorbed.insert(dequantize);
  }
}

LogicalResult Exporter::exportMatMulNBits(Operation *op) {
  const NBitsWeight &weight = nbits.find(op)->second;
  int64_t blocksK = int64_t(weight.scales.size()) / weight.n;
  std::vector<std::string> inputs{
      nameOf(op->getOperand(0)),
      addVector<uint8_t>("weight", onnx::TensorProto::UINT8, weight.packed,
                         {weight.n, blocksK, weight.blockSize * weight.bits / 8}),
      addVector<float>("scales", onnx::TensorProto::FLOAT, weight.scales,
                       {int64_t(weight.scales.size())})};
  if (!weight.zeroPoints.empty())
    inputs.push_back(addVector<uint8_t>("zero_points", onnx::TensorProto::UINT8, weight.zeroPoints,
                                        {int64_t(weight.zeroPoints.size())}));
  if (auto gemm = dyn_cast<qnn::GemmOp>(op); gemm && gemm.getC()) {
    inputs.resize(5); // zero_points (if absent) and g_idx stay empty
    inputs.push_back(nameOf(gemm.getC()));
  }
  onnx::NodeProto *node = addNode("MatMulNBits", inputs, {nameOf(op->getResult(0))});
  node->set_domain("com.microsoft");
  addIntAttribute(node, "K", weight.k);
  addIntAttribute(node, "N", weight.n);
  addIntAttribute(node, "bits", weight.bits);
  addIntAttribute(node, "block_size", weight.blockSize);
  addIntAttribute(node, "accuracy_level", accuracyLevel);
  return success();
}

} // namespace quantc::exporter
