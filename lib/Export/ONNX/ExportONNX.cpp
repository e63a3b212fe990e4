// qnn -> ONNX QDQ: one ONNX node per qnn op, integer weights as initializers
// behind DequantizeLinear, activation quantize/dequantize as Q/DQ nodes.
#include "quantc/Export/ONNX.h"
#include "quantc/Support/AtomicFile.h"

#include "dialects/QNN/QNNOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/raw_ostream.h"

#include "onnx/onnx_pb.h"


namespace quantc {

using namespace mlir;

namespace {

int32_t onnxElementType(Type type) {
  if (type.isF32()) return onnx::TensorProto::FLOAT;
  if (type.isF64()) return onnx::TensorProto::DOUBLE;
  if (type.isF16()) return onnx::TensorProto::FLOAT16;
  if (type.isSignlessInteger(64)) return onnx::TensorProto::INT64;
  if (type.isSignlessInteger(32)) return onnx::TensorProto::INT32;
  if (type.isSignlessInteger(16)) return onnx::TensorProto::INT16;
  if (type.isSignlessInteger(8)) return onnx::TensorProto::INT8;
  if (type.isSignlessInteger(1)) return onnx::TensorProto::BOOL;
  return onnx::TensorProto::UNDEFINED;
}

/// ONNX attribute names that differ from qnn's snake_case.
std::string onnxAttributeName(StringRef name) {
  if (name == "trans_a") return "transA";
  if (name == "trans_b") return "transB";
  return name.str();
}

class Exporter {
public:
  explicit Exporter(onnx::GraphProto &graph) : graph(graph) {}

  std::string nameOf(Value value) {
    auto it = names.find(value);
    if (it != names.end())
      return it->second;
    std::string name = "t" + std::to_string(names.size());
    names[value] = name;
    return name;
  }
  void setName(Value value, const std::string &name) { names[value] = name; }

  /// An initializer from raw bytes.
  std::string addInitializer(const std::string &hint, int32_t elementType,
                             ArrayRef<int64_t> shape, StringRef bytes) {
    std::string name = hint + "_" + std::to_string(graph.initializer_size());
    onnx::TensorProto *tensor = graph.add_initializer();
    tensor->set_name(name);
    tensor->set_data_type(elementType);
    for (int64_t d : shape)
      tensor->add_dims(d);
    tensor->set_raw_data(bytes.str());
    return name;
  }
  template <typename T>
  std::string addVector(const std::string &hint, int32_t elementType, ArrayRef<T> values,
                        bool scalar = false) {
    SmallVector<int64_t> shape;
    if (!scalar)
      shape.push_back(int64_t(values.size()));
    return addInitializer(hint, elementType, shape,
                          StringRef(reinterpret_cast<const char *>(values.data()),
                                    values.size() * sizeof(T)));
  }

  LogicalResult exportConstant(Operation *op, ElementsAttr attr) {
    auto type = cast<RankedTensorType>(attr.getType());
    int32_t elementType = onnxElementType(type.getElementType());
    if (elementType == onnx::TensorProto::UNDEFINED)
      return op->emitError("export: constant element type has no ONNX counterpart");
    std::string bytes;
    if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
      AsmResourceBlob *blob = resource.getRawHandle().getBlob();
      if (!blob)
        return op->emitError("export: weight blob is missing");
      bytes.assign(blob->getData().data(), blob->getData().size());
    } else if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
      size_t bits = type.getElementTypeBitWidth();
      size_t elementBytes = bits == 1 ? 1 : bits / 8;
      if (dense.isSplat()) {
        ArrayRef<char> one = dense.getRawData();
        for (int64_t i = 0; i < type.getNumElements(); ++i)
          bytes.append(one.data(), elementBytes);
      } else {
        bytes.assign(dense.getRawData().data(), dense.getRawData().size());
      }
    } else {
      return op->emitError("export: unsupported constant attribute");
    }
    setName(op->getResult(0),
            addInitializer("const", elementType, type.getShape(), bytes));
    return success();
  }

  onnx::NodeProto *addNode(StringRef opType, ArrayRef<std::string> inputs,
                           ArrayRef<std::string> outputs) {
    onnx::NodeProto *node = graph.add_node();
    node->set_op_type(opType.str());
    node->set_name(outputs.front());
    for (auto &input : inputs)
      node->add_input(input);
    for (auto &output : outputs)
      node->add_output(output);
    return node;
  }

  static void copyAttribute(onnx::NodeProto *node, StringRef name, Attribute value) {
    onnx::AttributeProto *attribute = node->add_attribute();
    attribute->set_name(onnxAttributeName(name));
    if (auto ints = dyn_cast<DenseI64ArrayAttr>(value)) {
      attribute->set_type(onnx::AttributeProto::INTS);
      for (int64_t v : ints.asArrayRef())
        attribute->add_ints(v);
    } else if (auto integer = dyn_cast<IntegerAttr>(value)) {
      attribute->set_type(onnx::AttributeProto::INT);
      attribute->set_i(integer.getInt());
    } else if (auto boolean = dyn_cast<BoolAttr>(value)) {
      attribute->set_type(onnx::AttributeProto::INT);
      attribute->set_i(boolean.getValue());
    } else if (auto real = dyn_cast<FloatAttr>(value)) {
      attribute->set_type(onnx::AttributeProto::FLOAT);
      attribute->set_f(float(real.getValueAsDouble()));
    } else if (auto text = dyn_cast<StringAttr>(value)) {
      attribute->set_type(onnx::AttributeProto::STRING);
      attribute->set_s(text.str());
    }
  }

  /// Copies the op's inherent attributes except `skip`.
  static void copyAttributes(Operation *op, onnx::NodeProto *node,
                             ArrayRef<StringRef> skip = {}) {
    for (NamedAttribute attribute : op->getAttrs()) {
      StringRef name = attribute.getName().strref();
      if (name.contains('.') || llvm::is_contained(skip, name))
        continue; // discardable (qnn.*, onnx.*) or passed as an input
      copyAttribute(node, name, attribute.getValue());
    }
  }

  std::vector<std::string> operandNames(Operation *op) {
    std::vector<std::string> inputs;
    for (Value operand : op->getOperands())
      inputs.push_back(nameOf(operand));
    return inputs;
  }

  /// Scale / zero-point initializers of a quantized type, and its axis.
  LogicalResult quantParams(Operation *op, quant::QuantizedType type, std::string &scale,
                            std::string &zeroPoint, std::optional<int64_t> &axis) {
    if (type.getStorageTypeIntegralWidth() != 8 || !type.isSigned())
      return op->emitError("export: only int8 storage exports to QDQ");
    if (auto uniform = dyn_cast<quant::UniformQuantizedType>(type)) {
      float s = float(uniform.getScale());
      int8_t z = int8_t(uniform.getZeroPoint());
      scale = addVector<float>("scale", onnx::TensorProto::FLOAT, ArrayRef<float>(s), true);
      zeroPoint =
          addVector<int8_t>("zero_point", onnx::TensorProto::INT8, ArrayRef<int8_t>(z), true);
      return success();
    }
    if (auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(type)) {
      SmallVector<float> scales(perAxis.getScales().begin(), perAxis.getScales().end());
      SmallVector<int8_t> zeros;
      for (int64_t z : perAxis.getZeroPoints())
        zeros.push_back(int8_t(z));
      scale = addVector<float>("scale", onnx::TensorProto::FLOAT, ArrayRef<float>(scales));
      zeroPoint = addVector<int8_t>("zero_point", onnx::TensorProto::INT8, ArrayRef<int8_t>(zeros));
      axis = perAxis.getQuantizedDimension();
      return success();
    }
    return op->emitError("export: sub-channel (per-group) weights need DequantizeLinear's "
                         "block_size (ONNX opset 21); export per-channel or per-tensor weights");
  }

  LogicalResult exportOp(Operation *op) {
    if (auto constant = dyn_cast<qnn::ConstantOp>(op))
      return exportConstant(op, cast<ElementsAttr>(constant.getValue()));
    if (auto cast = dyn_cast<quant::StorageCastOp>(op)) {
      setName(cast.getResult(), nameOf(cast.getInput())); // same bytes, typed view
      return success();
    }
    if (isa<qnn::QuantizeOp, qnn::DequantizeOp>(op)) {
      bool quantize = isa<qnn::QuantizeOp>(op);
      auto quantized = cast<RankedTensorType>(quantize ? op->getResult(0).getType()
                                                       : op->getOperand(0).getType());
      std::string scale, zeroPoint;
      std::optional<int64_t> axis;
      if (failed(quantParams(op, cast<quant::QuantizedType>(quantized.getElementType()), scale,
                             zeroPoint, axis)))
        return failure();
      onnx::NodeProto *node =
          addNode(quantize ? "QuantizeLinear" : "DequantizeLinear",
                  {nameOf(op->getOperand(0)), scale, zeroPoint}, {nameOf(op->getResult(0))});
      if (axis) {
        onnx::AttributeProto *attribute = node->add_attribute();
        attribute->set_name("axis");
        attribute->set_type(onnx::AttributeProto::INT);
        attribute->set_i(*axis);
      }
      return success();
    }
    std::string output = nameOf(op->getResult(0));
    auto simple = [&](StringRef onnxOp, ArrayRef<StringRef> skip = {}) {
      copyAttributes(op, addNode(onnxOp, operandNames(op), {output}), skip);
      return success();
    };
    auto withInts = [&](StringRef onnxOp, ArrayRef<std::pair<StringRef, ArrayRef<int64_t>>> inputs,
                        ArrayRef<StringRef> skip) {
      std::vector<std::string> names{nameOf(op->getOperand(0))};
      for (auto [hint, values] : inputs)
        names.push_back(addVector<int64_t>(hint.str(), onnx::TensorProto::INT64, values));
      copyAttributes(op, addNode(onnxOp, names, {output}), skip);
      return success();
    };
    return llvm::TypeSwitch<Operation *, LogicalResult>(op)
        .Case([&](qnn::ConvOp) { return simple("Conv"); })
        .Case([&](qnn::ConvTransposeOp) { return simple("ConvTranspose"); })
        .Case([&](qnn::GemmOp) { return simple("Gemm"); })
        .Case([&](qnn::MatMulOp) { return simple("MatMul"); })
        .Case([&](qnn::BatchNormOp) { return simple("BatchNormalization"); })
        .Case([&](qnn::LayerNormOp) { return simple("LayerNormalization"); })
        .Case([&](qnn::MaxPoolOp) { return simple("MaxPool"); })
        .Case([&](qnn::AveragePoolOp) { return simple("AveragePool"); })
        .Case([&](qnn::GlobalAveragePoolOp) { return simple("GlobalAveragePool"); })
        .Case([&](qnn::ReluOp) { return simple("Relu"); })
        .Case([&](qnn::SigmoidOp) { return simple("Sigmoid"); })
        .Case([&](qnn::TanhOp) { return simple("Tanh"); })
        .Case([&](qnn::ErfOp) { return simple("Erf"); })
        .Case([&](qnn::SqrtOp) { return simple("Sqrt"); })
        .Case([&](qnn::HardSwishOp) { return simple("HardSwish"); })
        .Case([&](qnn::LeakyReluOp) { return simple("LeakyRelu"); })
        .Case([&](qnn::HardSigmoidOp) { return simple("HardSigmoid"); })
        .Case([&](qnn::SoftmaxOp) { return simple("Softmax"); })
        .Case([&](qnn::AddOp) { return simple("Add"); })
        .Case([&](qnn::SubOp) { return simple("Sub"); })
        .Case([&](qnn::MulOp) { return simple("Mul"); })
        .Case([&](qnn::DivOp) { return simple("Div"); })
        .Case([&](qnn::PowOp) { return simple("Pow"); })
        .Case([&](qnn::PReluOp) { return simple("PRelu"); })
        .Case([&](qnn::TransposeOp) { return simple("Transpose"); })
        .Case([&](qnn::FlattenOp) { return simple("Flatten"); })
        .Case([&](qnn::ConcatOp) { return simple("Concat"); })
        .Case([&](qnn::GatherOp) { return simple("Gather"); })
        .Case([&](qnn::ReduceMeanOp) { return simple("ReduceMean"); })
        .Case([&](qnn::ReshapeOp reshape) {
          return withInts("Reshape", {{"shape", reshape.getShape()}}, {"shape"});
        })
        .Case([&](qnn::SqueezeOp squeeze) {
          return withInts("Squeeze", {{"axes", squeeze.getAxes()}}, {"axes"});
        })
        .Case([&](qnn::UnsqueezeOp unsqueeze) {
          return withInts("Unsqueeze", {{"axes", unsqueeze.getAxes()}}, {"axes"});
        })
        .Case([&](qnn::SliceOp slice) {
          return withInts("Slice",
                          {{"starts", slice.getStarts()}, {"ends", slice.getEnds()},
                           {"axes", slice.getAxes()}, {"steps", slice.getSteps()}},
                          {"starts", "ends", "axes", "steps"});
        })
        .Case([&](qnn::ClipOp clip) {
          std::vector<std::string> names{nameOf(clip.getInput())};
          float lo = clip.getMin() ? float(clip.getMin()->convertToDouble()) : -INFINITY;
          float hi = clip.getMax() ? float(clip.getMax()->convertToDouble()) : INFINITY;
          names.push_back(addVector<float>("min", onnx::TensorProto::FLOAT, ArrayRef<float>(lo), true));
          names.push_back(addVector<float>("max", onnx::TensorProto::FLOAT, ArrayRef<float>(hi), true));
          addNode("Clip", names, {output});
          return success();
        })
        .Default([&](Operation *) {
          return op->emitError() << "export: '" << op->getName()
                                 << "' has no ONNX opset-17 counterpart in the exporter";
        });
  }

private:
  onnx::GraphProto &graph;
  llvm::DenseMap<Value, std::string> names;
};

void setValueInfo(onnx::ValueInfoProto *info, const std::string &name, RankedTensorType type) {
  info->set_name(name);
  auto *tensor = info->mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(onnxElementType(type.getElementType()));
  for (int64_t d : type.getShape())
    tensor->mutable_shape()->add_dim()->set_dim_value(d);
}

} // namespace

llvm::Error exportONNX(ModuleOp module, llvm::StringRef path) {
  auto main = module.lookupSymbol<func::FuncOp>("main");
  if (!main)
    return llvm::createStringError("export: module has no func.func @main");
  onnx::ModelProto model;
  model.set_ir_version(8);
  model.set_producer_name("quantc");
  auto *opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(17);
  onnx::GraphProto *graph = model.mutable_graph();
  graph->set_name("main");
  Exporter exporter(*graph);

  for (BlockArgument argument : main.getArguments()) {
    auto name = main.getArgAttrOfType<StringAttr>(argument.getArgNumber(), "onnx.name");
    std::string text = name ? name.str() : "input" + std::to_string(argument.getArgNumber());
    auto type = dyn_cast<RankedTensorType>(argument.getType());
    if (!type || !type.hasStaticShape())
      return llvm::createStringError("export: graph input '" + text + "' needs a static shape");
    exporter.setName(argument, text);
    setValueInfo(graph->add_input(), text, type);
  }
  for (Operation &op : main.getBody().front()) {
    if (isa<func::ReturnOp>(op))
      continue;
    if (failed(exporter.exportOp(&op)))
      return llvm::createStringError("export failed (see the error above)");
  }
  auto returnOp = cast<func::ReturnOp>(main.getBody().front().getTerminator());
  for (auto [index, value] : llvm::enumerate(returnOp.getOperands())) {
    auto name = main.getResultAttrOfType<StringAttr>(index, "onnx.name");
    std::string text = name ? name.str() : "output" + std::to_string(index);
    // Graph outputs keep their ONNX names: an Identity renames the value.
    exporter.addNode("Identity", {exporter.nameOf(value)}, {text});
    setValueInfo(graph->add_output(), text, cast<RankedTensorType>(value.getType()));
  }

  std::string bytes;
  if (!model.SerializeToString(&bytes))
    return llvm::createStringError(path + ": cannot serialize the model");
  return writeFileAtomically(path, bytes);
}

} // namespace quantc
