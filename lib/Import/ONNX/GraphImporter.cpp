// Builds a qnn module from a loaded ONNX graph: inputs, constants, one op
// per node (via the per-family op importers), outputs, then cleanup.
#include "quantc/Import/ONNX.h"

#include "ModelLoader.h"
#include "ModelValidator.h"
#include "NodeContext.h"
#include "TensorImport.h"

#include "dialects/QNN/QNNOps.h"
#include "passes/Pipelines/Pipelines.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringExtras.h"

#include <map>
#include <unordered_set>

using namespace mlir;

namespace quantc {
namespace onnx_import {
namespace {

/// Importers by domain ("" is ai.onnx).
const llvm::StringMap<OpImporterMap> &importersByDomain() {
  static const llvm::StringMap<OpImporterMap> registry = [] {
    llvm::StringMap<OpImporterMap> map;
    registerConvImporters(map[""]);
    registerMathImporters(map[""]);
    registerShapeImporters(map[""]);
    registerQuantImporters(map[""]);
    registerLogicImporters(map[""]);
    registerReduceImporters(map[""]);
    registerLayoutImporters(map[""]);
    registerMicrosoftImporters(map["com.microsoft"]);
    return map;
  }();
  return registry;
}

std::string normalizeDomain(const std::string &domain) {
  return domain == "ai.onnx" ? "" : domain;
}

bool isSupported(const onnx::NodeProto &node) {
  if (normalizeDomain(node.domain()).empty() && node.op_type() == "Constant")
    return true;
  const auto &registry = importersByDomain();
  auto domain = registry.find(normalizeDomain(node.domain()));
  return domain != registry.end() && domain->second.count(node.op_type());
}

} // namespace

bool hasImporter(const onnx::NodeProto &node) { return isSupported(node); }

namespace {

class GraphImporter {
public:
  GraphImporter(MLIRContext &context, StringRef path, const ONNXImportOptions &options)
      : context(context), builder(&context), options(options),
        fileLoc(FileLineColLoc::get(&context, path, 0, 0)), path(path.str()) {}
  /// A model in memory: `path` only names it; external data lives in `directory`.
  GraphImporter(MLIRContext &context, StringRef bytes, StringRef path, StringRef directory,
                const ONNXImportOptions &options)
      : GraphImporter(context, path, options) {
    this->bytes = bytes;
    this->directory = directory.str();
  }

  OwningOpRef<ModuleOp> run();

private:
  LogicalResult fail(const Twine &message) { return emitError(fileLoc) << message.str(); }
  LogicalResult checkAllOpsSupported();
  LogicalResult importInputs(SmallVectorImpl<Type> &argTypes,
                             SmallVectorImpl<std::string> &argNames);
  LogicalResult importConstant(const onnx::TensorProto &tensor, const std::string &name,
                               Location loc);
  LogicalResult importConstantNode(const onnx::NodeProto &node, Location loc);
  LogicalResult importNodes();
  LogicalResult checkDeclaredOutput(const onnx::ValueInfoProto &output, Type inferred);

  MLIRContext &context;
  OpBuilder builder;
  const ONNXImportOptions &options;
  Location fileLoc;
  std::string path;
  std::optional<StringRef> bytes; // set: import from memory
  std::string directory;
  LoadedModel loaded;
  std::unordered_map<std::string, Value> values;
  std::unordered_set<std::string> usedNames;
};

LogicalResult GraphImporter::checkAllOpsSupported() {
  // (domain, op, opset) -> node names, in first-seen order.
  llvm::MapVector<std::string, SmallVector<std::string>, std::map<std::string, unsigned>>
      unsupported;
  for (const auto &node : loaded.model.graph().node()) {
    if (isSupported(node))
      continue;
    std::string domain = normalizeDomain(node.domain());
    auto opset = loaded.opsets.find(domain);
    std::string key = (domain.empty() ? "ai.onnx" : domain) + "::" + node.op_type() +
                      " (opset " +
                      (opset == loaded.opsets.end() ? "?" : std::to_string(opset->second)) + ")";
    unsupported[key].push_back(nodeName(node));
  }
  if (unsupported.empty())
    return success();
  std::string message = std::to_string(unsupported.size()) + " unsupported op type(s):";
  for (const auto &[key, nodes] : unsupported) {
    message += "\n  " + key + " at node(s) ";
    for (size_t i = 0; i < nodes.size() && i < 8; ++i)
      message += (i ? ", '" : "'") + nodes[i] + "'";
    if (nodes.size() > 8)
      message += " and " + std::to_string(nodes.size() - 8) + " more";
  }
  return fail(message);
}

LogicalResult GraphImporter::importConstant(const onnx::TensorProto &tensor,
                                            const std::string &name, Location loc) {
  std::string error;
  onnx::TensorProto named;
  const onnx::TensorProto *source = &tensor;
  if (tensor.name().empty()) { // Constant nodes often leave the tensor unnamed
    named = tensor;
    named.set_name(name);
    source = &named;
  }
  ElementsAttr attr = convertTensor(*source, loaded.directory, &context, error);
  if (!attr)
    return fail(error);
  values[name] = qnn::ConstantOp::create(builder, loc, attr);
  return success();
}

LogicalResult GraphImporter::importConstantNode(const onnx::NodeProto &node, Location loc) {
  NodeContext ctx(node, loaded.defaultOpset, builder, loc, fileLoc, values, usedNames);
  if (node.output_size() != 1)
    return ctx.error("expects exactly one output");
  const std::string &name = node.output(0);
  if (const auto *a = ctx.attr("value"))
    return importConstant(a->t(), name, loc);
  onnx::TensorProto tensor;
  tensor.set_name(name);
  if (const auto *a = ctx.attr("value_float")) {
    tensor.set_data_type(onnx::TensorProto::FLOAT);
    tensor.add_float_data(a->f());
  } else if (const auto *a = ctx.attr("value_floats")) {
    tensor.set_data_type(onnx::TensorProto::FLOAT);
    tensor.add_dims(a->floats_size());
    tensor.mutable_float_data()->CopyFrom(a->floats());
  } else if (const auto *a = ctx.attr("value_int")) {
    tensor.set_data_type(onnx::TensorProto::INT64);
    tensor.add_int64_data(a->i());
  } else if (const auto *a = ctx.attr("value_ints")) {
    tensor.set_data_type(onnx::TensorProto::INT64);
    tensor.add_dims(a->ints_size());
    tensor.mutable_int64_data()->CopyFrom(a->ints());
  } else {
    return ctx.error("only value, value_float(s) and value_int(s) constants are supported");
  }
  return importConstant(tensor, name, loc);
}

LogicalResult GraphImporter::importInputs(SmallVectorImpl<Type> &argTypes,
                                          SmallVectorImpl<std::string> &argNames) {
  const auto &graph = loaded.model.graph();
  for (const auto &entry : options.inputValues) {
    const std::string &name = entry.first;
    bool found = llvm::any_of(graph.input(), [&](const auto &in) { return in.name() == name; });
    if (!found)
      return fail("--input-value names '" + name + "', which is not a graph input");
  }
  for (const auto &input : graph.input()) {
    if (loaded.initializerNames.count(input.name()) || options.inputValues.count(input.name()))
      continue;
    const auto &type = input.type();
    if (!type.has_tensor_type())
      return fail("graph input '" + input.name() + "' is not a tensor");
    Type element = convertElementType(type.tensor_type().elem_type(), &context);
    if (!element)
      return fail("graph input '" + input.name() + "' has unsupported element type " +
                  dataTypeName(type.tensor_type().elem_type()));
    if (!type.tensor_type().has_shape())
      return fail("graph input '" + input.name() +
                  "' has no shape; give it one with --input-shape " + input.name() + "=...");
    SmallVector<int64_t> shape;
    for (const auto &dim : type.tensor_type().shape().dim())
      shape.push_back(dim.has_dim_value() && dim.dim_value() > 0 ? dim.dim_value()
                                                                  : ShapedType::kDynamic);
    argTypes.push_back(RankedTensorType::get(shape, element));
    argNames.push_back(input.name());
  }
  return success();
}

LogicalResult GraphImporter::importNodes() {
  const auto &registry = importersByDomain();
  for (const auto &node : loaded.model.graph().node()) {
    Location loc = NameLoc::get(StringAttr::get(&context, nodeName(node)), fileLoc);
    std::string domain = normalizeDomain(node.domain());
    if (domain.empty() && node.op_type() == "Constant") {
      if (failed(importConstantNode(node, loc)))
        return failure();
      continue;
    }
    NodeContext ctx(node, loaded.opsets[domain], builder, loc, fileLoc, values, usedNames);
    for (const auto &input : node.input())
      if (!input.empty() && !values.count(input))
        return ctx.error("input '" + input + "' is not produced by any earlier node");
    if (failed(registry.lookup(domain).lookup(node.op_type())(ctx)))
      return failure();
  }
  return success();
}

LogicalResult GraphImporter::checkDeclaredOutput(const onnx::ValueInfoProto &output,
                                                 Type inferred) {
  auto type = cast<RankedTensorType>(inferred);
  if (!output.type().has_tensor_type() || !output.type().tensor_type().has_shape())
    return success();
  const auto &dims = output.type().tensor_type().shape().dim();
  if (dims.size() != type.getRank())
    return success(); // a rank the model declares wrongly is not ours to police
  for (int i = 0; i < dims.size(); ++i) {
    int64_t ours = type.getDimSize(i);
    if (dims[i].has_dim_value() && dims[i].dim_value() > 0 && ours != ShapedType::kDynamic &&
        ours != dims[i].dim_value())
      return fail("graph output '" + output.name() + "': quantc infers dim " +
                  std::to_string(i) + " = " + std::to_string(ours) +
                  ", but the model declares " + std::to_string(dims[i].dim_value()));
  }
  return success();
}

OwningOpRef<ModuleOp> GraphImporter::run() {
  std::string error = bytes ? loadModelFromBytes(*bytes, directory, options.inputShapes, loaded)
                            : loadModel(path, options.inputShapes, loaded);
  if (!error.empty()) {
    (void)fail(error);
    return {};
  }
  if (failed(checkAllOpsSupported()))
    return {};
  if (std::string error = checkWithONNX(loaded); !error.empty()) {
    (void)fail(error);
    return {};
  }
  const auto &graph = loaded.model.graph();

  // Op-level errors carry NameLoc(node); report them as "node 'x': ...".
  ScopedDiagnosticHandler nodeErrors(&context, [&](Diagnostic &diag) {
    auto name = dyn_cast<NameLoc>(diag.getLocation());
    if (!name || diag.getSeverity() != DiagnosticSeverity::Error)
      return failure();
    emitError(fileLoc) << "node '" << name.getName().getValue() << "': " << diag.str();
    return success();
  });

  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  module->getOperation()->setAttr("qnn.onnx_opset", builder.getI64IntegerAttr(loaded.defaultOpset));
  if (!loaded.model.producer_name().empty())
    module->getOperation()->setAttr("qnn.onnx_producer",
                                    builder.getStringAttr(loaded.model.producer_name()));
  builder.setInsertionPointToEnd(module->getBody());

  SmallVector<Type> argTypes;
  SmallVector<std::string> argNames;
  if (failed(importInputs(argTypes, argNames)))
    return {};
  auto func = func::FuncOp::create(builder, fileLoc, "main",
                                   builder.getFunctionType(argTypes, {}));
  Block *entry = func.addEntryBlock();
  builder.setInsertionPointToStart(entry);
  for (auto [i, name] : llvm::enumerate(argNames)) {
    values[name] = entry->getArgument(i);
    func.setArgAttr(i, "onnx.name", builder.getStringAttr(name));
  }

  for (const auto &init : graph.initializer())
    if (failed(importConstant(init, init.name(), NameLoc::get(builder.getStringAttr(init.name()), fileLoc))))
      return {};
  for (const auto &[name, file] : options.inputValues) {
    onnx::TensorProto tensor;
    std::string error = loadTensorProto(file, tensor);
    tensor.set_name(name);
    if (error.empty())
      error = validateTensor(tensor, loaded.directory);
    if (!error.empty()) {
      (void)fail("--input-value " + name + "=" + file + ": " + error);
      return {};
    }
    if (failed(importConstant(tensor, name, NameLoc::get(builder.getStringAttr(name), fileLoc))))
      return {};
  }

  for (const auto &node : graph.node())
    usedNames.insert(node.input().begin(), node.input().end());
  for (const auto &output : graph.output())
    usedNames.insert(output.name());
  if (failed(importNodes()))
    return {};

  SmallVector<Value> results;
  for (const auto &output : graph.output()) {
    auto it = values.find(output.name());
    if (it == values.end()) {
      (void)fail("graph output '" + output.name() + "' is not produced by any node");
      return {};
    }
    if (failed(checkDeclaredOutput(output, it->second.getType())))
      return {};
    results.push_back(it->second);
  }
  func::ReturnOp::create(builder, fileLoc, results);
  func.setFunctionType(builder.getFunctionType(argTypes, ValueRange(results).getTypes()));
  for (auto [i, output] : llvm::enumerate(graph.output()))
    func.setResultAttr(i, "onnx.name", builder.getStringAttr(output.name()));

  if (failed(verify(*module)))
    return {};
  if (options.cleanup) {
    PassManager pm(&context);
    buildImportCleanupPipeline(pm);
    if (failed(pm.run(*module)))
      return {};
  }
  return module;
}

} // namespace
} // namespace onnx_import

std::string parseInputShape(StringRef spec, ONNXImportOptions &options) {
  auto [name, dims] = spec.rsplit('=');
  if (name.empty() || dims.empty() || spec.find('=') == StringRef::npos)
    return "--input-shape expects name=d0,d1,... (e.g. x=1,3,48,320), got '" + spec.str() + "'";
  std::vector<int64_t> shape;
  SmallVector<StringRef> parts;
  dims.split(parts, ',');
  for (StringRef part : parts) {
    int64_t dim;
    if (part.trim().getAsInteger(10, dim) || dim < 1)
      return "--input-shape " + spec.str() + ": '" + part.str() +
             "' is not a positive integer";
    shape.push_back(dim);
  }
  options.inputShapes[name.str()] = shape;
  return "";
}

OwningOpRef<ModuleOp> importONNXModel(StringRef path, MLIRContext &context,
                                      const ONNXImportOptions &options) {
  context.loadDialect<qnn::QNNDialect, func::FuncDialect>();
  return onnx_import::GraphImporter(context, path, options).run();
}

OwningOpRef<ModuleOp> importONNXModelFromBytes(StringRef bytes, StringRef bufferName,
                                               StringRef directory, MLIRContext &context,
                                               const ONNXImportOptions &options) {
  context.loadDialect<qnn::QNNDialect, func::FuncDialect>();
  return onnx_import::GraphImporter(context, bytes, bufferName, directory, options).run();
}

} // namespace quantc
