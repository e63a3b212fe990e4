// qnn -> ONNX: one ONNX node per qnn op (float ops map one to one; the
// quantized ones are in ExportQuantized.cpp), written as an opset-21 model.
#include "Exporter.h"
#include "quantc/Export/ONNX.h"
#include "quantc/Support/AtomicFile.h"

#include "dialects/QNN/QNNOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/ADT/TypeSwitch.h"

namespace quantc {
namespace exporter {

using namespace mlir;

int32_t onnxElementType(Type type) {
  if (type.isF32()) return onnx::TensorProto::FLOAT;
  if (type.isF64()) return onnx::TensorProto::DOUBLE;
  if (type.isF16()) return onnx::TensorProto::FLOAT16;
  if (type.isBF16()) return onnx::TensorProto::BFLOAT16;
  if (type.isUnsignedInteger(64)) return onnx::TensorProto::UINT64;
  if (type.isUnsignedInteger(32)) return onnx::TensorProto::UINT32;
  if (type.isUnsignedInteger(16)) return onnx::TensorProto::UINT16;
  if (type.isUnsignedInteger(8)) return onnx::TensorProto::UINT8;
  if (type.isSignlessInteger(64)) return onnx::TensorProto::INT64;
  if (type.isSignlessInteger(32)) return onnx::TensorProto::INT32;
  if (type.isSignlessInteger(16)) return onnx::TensorProto::INT16;
  if (type.isSignlessInteger(8)) return onnx::TensorProto::INT8;
  if (type.isSignlessInteger(1)) return onnx::TensorProto::BOOL;
  return onnx::TensorProto::UNDEFINED;
}

/// ONNX attribute names that differ from qnn's snake_case.
static std::string onnxAttributeName(StringRef name) {
  if (name == "trans_a") return "transA";
  if (name == "trans_b") return "transB";
  return name.str();
}

std::string Exporter::nameOf(Value value) {
  auto it = names.find(value);
  if (it != names.end())
    return it->second;
  std::string name = "t" + std::to_string(names.size());
  names[value] = name;
  return name;
}

std::string Exporter::addInitializer(const std::string &hint, int32_t elementType,
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

onnx::NodeProto *Exporter::addNode(StringRef opType, ArrayRef<std::string> inputs,
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

void Exporter::addIntAttribute(onnx::NodeProto *node, StringRef name, int64_t value) {
  onnx::AttributeProto *attribute = node->add_attribute();
  attribute->set_name(name.str());
  attribute->set_type(onnx::AttributeProto::INT);
  attribute->set_i(value);
}

static void copyAttribute(onnx::NodeProto *node, StringRef name, Attribute value) {
  onnx::AttributeProto *attribute = node->add_attribute();
  attribute->set_name(onnxAttributeName(name));
  if (auto ints = dyn_cast<DenseI64ArrayAttr>(value)) {
    attribute->set_type(onnx::AttributeProto::INTS);
    for (int64_t v : ints.asArrayRef())
      attribute->add_ints(v);
  } else if (auto boolean = dyn_cast<BoolAttr>(value)) { // before IntegerAttr: i1 is one
    attribute->set_type(onnx::AttributeProto::INT);
    attribute->set_i(boolean.getValue());
  } else if (auto integer = dyn_cast<IntegerAttr>(value)) {
    attribute->set_type(onnx::AttributeProto::INT);
    attribute->set_i(integer.getInt());
  } else if (auto real = dyn_cast<FloatAttr>(value)) {
    attribute->set_type(onnx::AttributeProto::FLOAT);
    attribute->set_f(float(real.getValueAsDouble()));
  } else if (auto text = dyn_cast<StringAttr>(value)) {
    attribute->set_type(onnx::AttributeProto::STRING);
    attribute->set_s(text.str());
  }
}

/// Copies the op's inherent attributes except `skip`.
static void copyAttributes(Operation *op, onnx::NodeProto *node, ArrayRef<StringRef> skip = {}) {
  for (NamedAttribute attribute : op->getAttrs()) {
    StringRef name = attribute.getName().strref();
    if (name.contains('.') || llvm::is_contained(skip, name))
      continue; // discardable (qnn.*, onnx.*) or passed as an input
    copyAttribute(node, name, attribute.getValue());
  }
}

std::vector<std::string> Exporter::operandNames(Operation *op) {
  std::vector<std::string> inputs;
  for (Value operand : op->getOperands())
    inputs.push_back(nameOf(operand));
  return inputs;
}

/// qnn ops whose operands and attributes are the ONNX op's, by qnn name.
static StringRef sameNamedOnnxOp(StringRef name) {
  return llvm::StringSwitch<StringRef>(name)
      .Case("conv", "Conv")
      .Case("conv_transpose", "ConvTranspose")
      .Case("gemm", "Gemm")
      .Case("matmul", "MatMul")
      .Case("batch_norm", "BatchNormalization")
      .Case("layer_norm", "LayerNormalization")
      .Case("max_pool", "MaxPool")
      .Case("average_pool", "AveragePool")
      .Case("global_average_pool", "GlobalAveragePool")
      .Case("relu", "Relu")
      .Case("sigmoid", "Sigmoid")
      .Case("tanh", "Tanh")
      .Case("erf", "Erf")
      .Case("sqrt", "Sqrt")
      .Case("hard_swish", "HardSwish")
      .Case("gelu", "Gelu")
      .Case("leaky_relu", "LeakyRelu")
      .Case("hard_sigmoid", "HardSigmoid")
      .Case("softmax", "Softmax")
      .Case("log_softmax", "LogSoftmax")
      .Case("hardmax", "Hardmax")
      .Case("exp", "Exp")
      .Case("log", "Log")
      .Case("reciprocal", "Reciprocal")
      .Case("floor", "Floor")
      .Case("ceil", "Ceil")
      .Case("round", "Round")
      .Case("softplus", "Softplus")
      .Case("softsign", "Softsign")
      .Case("mish", "Mish")
      .Case("sin", "Sin")
      .Case("cos", "Cos")
      .Case("tan", "Tan")
      .Case("asin", "Asin")
      .Case("acos", "Acos")
      .Case("atan", "Atan")
      .Case("sinh", "Sinh")
      .Case("cosh", "Cosh")
      .Case("asinh", "Asinh")
      .Case("acosh", "Acosh")
      .Case("atanh", "Atanh")
      .Case("elu", "Elu")
      .Case("celu", "Celu")
      .Case("selu", "Selu")
      .Case("thresholded_relu", "ThresholdedRelu")
      .Case("shrink", "Shrink")
      .Case("neg", "Neg")
      .Case("abs", "Abs")
      .Case("sign", "Sign")
      .Case("not", "Not")
      .Case("add", "Add")
      .Case("sub", "Sub")
      .Case("mul", "Mul")
      .Case("div", "Div")
      .Case("pow", "Pow")
      .Case("prelu", "PRelu")
      .Case("min", "Min")
      .Case("max", "Max")
      .Case("mod", "Mod")
      .Case("equal", "Equal")
      .Case("less", "Less")
      .Case("less_or_equal", "LessOrEqual")
      .Case("greater", "Greater")
      .Case("greater_or_equal", "GreaterOrEqual")
      .Case("and", "And")
      .Case("or", "Or")
      .Case("xor", "Xor")
      .Case("where", "Where")
      .Case("transpose", "Transpose")
      .Case("flatten", "Flatten")
      .Case("concat", "Concat")
      .Case("gather", "Gather")
      .Case("gather_elements", "GatherElements")
      .Case("gather_nd", "GatherND")
      .Case("scatter_nd", "ScatterND")
      .Case("scatter_elements", "ScatterElements")
      .Case("shape", "Shape")
      .Case("grid_sample", "GridSample")
      .Default("");
}

static StringRef reduceOnnxOp(StringRef kind) {
  return llvm::StringSwitch<StringRef>(kind)
      .Case("sum", "ReduceSum").Case("prod", "ReduceProd").Case("max", "ReduceMax")
      .Case("min", "ReduceMin").Case("l1", "ReduceL1").Case("l2", "ReduceL2")
      .Case("sum_square", "ReduceSumSquare").Case("log_sum", "ReduceLogSum")
      .Case("log_sum_exp", "ReduceLogSumExp").Default("");
}

LogicalResult Exporter::exportOp(Operation *op) {
    if (isa<qnn::ConstantOp>(op))
      return deferredWeights.contains(op) ? success() : exportConstant(op);
    if (auto cast = dyn_cast<quant::StorageCastOp>(op)) {
      setName(cast.getResult(), nameOf(cast.getInput())); // same bytes, typed view
      return success();
    }
    if (isa<qnn::QuantizeOp, qnn::DequantizeOp>(op))
      return exportQuantizeOrDequantize(op);
    if (nbits.count(op))
      return exportMatMulNBits(op);
    std::string output = nameOf(op->getResult(0));
    auto simple = [&](StringRef onnxOp, ArrayRef<StringRef> skip = {}) {
      copyAttributes(op, addNode(onnxOp, operandNames(op), {output}), skip);
      return success();
    };
    auto withInts = [&](StringRef onnxOp, ArrayRef<std::pair<StringRef, ArrayRef<int64_t>>> inputs,
                        ArrayRef<StringRef> skip) {
      std::vector<std::string> names{nameOf(op->getOperand(0))};
      for (auto [hint, values] : inputs)
        names.push_back(addVector<int64_t>(hint.str(), onnx::TensorProto::INT64, values,
                                           {int64_t(values.size())}));
      copyAttributes(op, addNode(onnxOp, names, {output}), skip);
      return success();
    };
    auto scalarInput = [&](StringRef onnxOp, StringRef hint, int64_t value, StringRef skip) {
      std::vector<std::string> names{nameOf(op->getOperand(0)),
                                     addScalar<int64_t>(hint.str(), onnx::TensorProto::INT64, value)};
      copyAttributes(op, addNode(onnxOp, names, {output}), {skip});
      return success();
    };
    if (auto pool = dyn_cast<qnn::MaxPoolOp>(op)) {
      if (pool.getChannelsLast())
        return op->emitError("export: a channels-last max_pool (qnn-sink-transposes' form) has "
                             "no ONNX MaxPool");
      return simple("MaxPool", {"channels_last"});
    }
    if (StringRef onnxOp = sameNamedOnnxOp(op->getName().stripDialect()); !onnxOp.empty())
      return simple(onnxOp);
    return llvm::TypeSwitch<Operation *, LogicalResult>(op)
        .Case([&](qnn::ReduceMeanOp mean) {
          if (mean.getAxes().empty()) // all axes: opset 18 takes no axes input
            return simple("ReduceMean", {"axes"});
          return withInts("ReduceMean", {{"axes", mean.getAxes()}}, {"axes"});
        })
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
        .Case([&](qnn::ReduceOp reduce) -> LogicalResult {
          StringRef onnxOp = reduceOnnxOp(reduce.getKind());
          if (onnxOp.empty())
            return op->emitError() << "export: unknown reduction '" << reduce.getKind() << "'";
          return withInts(onnxOp, {{"axes", reduce.getAxes()}}, {"axes", "kind"});
        })
        .Case([&](qnn::ArgReduceOp reduce) {
          return simple(reduce.getKind() == "max" ? "ArgMax" : "ArgMin", {"kind"});
        })
        .Case([&](qnn::ExpandOp expand) {
          return withInts("Expand", {{"shape", expand.getShape()}}, {"shape"});
        })
        .Case([&](qnn::TileOp tile) {
          return withInts("Tile", {{"repeats", tile.getRepeats()}}, {"repeats"});
        })
        .Case([&](qnn::TriluOp trilu) { return scalarInput("Trilu", "k", trilu.getK(), "k"); })
        .Case([&](qnn::CumSumOp cumsum) {
          return scalarInput("CumSum", "axis", cumsum.getAxis(), "axis");
        })
        .Case([&](qnn::CastOp cast) {
          onnx::NodeProto *node = addNode("Cast", {nameOf(cast.getInput())}, {output});
          addIntAttribute(node, "to", onnxElementType(cast.getTo()));
          return success();
        })
        .Case([&](qnn::PadOp pad) -> LogicalResult {
          auto type = cast<RankedTensorType>(pad.getInput().getType());
          if (!type.getElementType().isF32())
            return op->emitError("export: only float Pad exports");
          std::vector<std::string> names{
              nameOf(pad.getInput()),
              addVector<int64_t>("pads", onnx::TensorProto::INT64, pad.getPads(),
                                 {int64_t(pad.getPads().size())}),
              addScalar<float>("value", onnx::TensorProto::FLOAT, pad.getValue().convertToFloat())};
          copyAttributes(op, addNode("Pad", names, {output}), {"pads", "value"});
          return success();
        })
        .Case([&](qnn::ResizeOp resize) {
          std::vector<std::string> names{nameOf(resize.getInput()), ""};
          if (auto sizes = resize.getSizes()) {
            names.push_back("");
            names.push_back(addVector<int64_t>("sizes", onnx::TensorProto::INT64, *sizes,
                                               {int64_t(sizes->size())}));
          } else {
            names.push_back(addVector<float>("scales", onnx::TensorProto::FLOAT, resize.getScales(),
                                             {int64_t(resize.getScales().size())}));
          }
          copyAttributes(op, addNode("Resize", names, {output}), {"scales", "sizes"});
          return success();
        })
        .Case([&](qnn::TopKOp topK) {
          // ONNX TopK also gives the values (the import's gather_elements
          // computes them again from the indices).
          std::vector<std::string> names{
              nameOf(topK.getInput()),
              addVector<int64_t>("k", onnx::TensorProto::INT64, {topK.getK()}, {1})};
          onnx::NodeProto *node = addNode("TopK", names, {output + "_values", output});
          copyAttributes(op, node, {"k"});
          return success();
        })
        .Case([&](qnn::ClipOp clip) {
          std::vector<std::string> names{nameOf(clip.getInput())};
          float lo = clip.getMin() ? float(clip.getMin()->convertToDouble()) : -INFINITY;
          float hi = clip.getMax() ? float(clip.getMax()->convertToDouble()) : INFINITY;
          names.push_back(addScalar<float>("min", onnx::TensorProto::FLOAT, lo));
          names.push_back(addScalar<float>("max", onnx::TensorProto::FLOAT, hi));
          addNode("Clip", names, {output});
          return success();
        })
        .Default([&](Operation *) {
          return op->emitError() << "export: '" << op->getName()
                                 << "' has no ONNX counterpart in the exporter";
        });
}

static void setValueInfo(onnx::ValueInfoProto *info, const std::string &name, RankedTensorType type) {
  info->set_name(name);
  auto *tensor = info->mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(onnxElementType(type.getElementType()));
  for (int64_t d : type.getShape())
    tensor->mutable_shape()->add_dim()->set_dim_value(d);
}

} // namespace exporter

using namespace mlir;

llvm::Error exportONNX(ModuleOp module, llvm::StringRef path, const ONNXExportOptions &options) {
  auto main = module.lookupSymbol<func::FuncOp>("main");
  if (!main)
    return llvm::createStringError("export: module has no func.func @main");
  onnx::ModelProto model;
  model.set_ir_version(10); // opset 21: INT4 and blocked DequantizeLinear
  model.set_producer_name("quantc");
  auto *opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(21);
  onnx::GraphProto *graph = model.mutable_graph();
  graph->set_name("main");
  exporter::Exporter exporter(*graph, options.int8Activations ? 4 : 0);
  exporter.plan(main.getBody().front());

  for (BlockArgument argument : main.getArguments()) {
    auto name = main.getArgAttrOfType<StringAttr>(argument.getArgNumber(), "onnx.name");
    std::string text = name ? name.str() : "input" + std::to_string(argument.getArgNumber());
    auto type = dyn_cast<RankedTensorType>(argument.getType());
    if (!type || !type.hasStaticShape())
      return llvm::createStringError("export: graph input '" + text + "' needs a static shape");
    exporter.setName(argument, text);
    exporter::setValueInfo(graph->add_input(), text, type);
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
    exporter::setValueInfo(graph->add_output(), text, cast<RankedTensorType>(value.getType()));
  }
  if (exporter.usesMicrosoftDomain()) {
    auto *microsoft = model.add_opset_import();
    microsoft->set_domain("com.microsoft");
    microsoft->set_version(1);
  }

  std::string bytes;
  if (!model.SerializeToString(&bytes))
    return llvm::createStringError(path + ": cannot serialize the model");
  return writeFileAtomically(path, bytes);
}

} // namespace quantc
