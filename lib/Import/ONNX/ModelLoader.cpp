// Reads, validates and shape-infers an ONNX model with the onnx library.
// This is the only file that sees onnx exceptions: they become messages.
#include "ModelLoader.h"
#include "ModelValidator.h"
#include "NodeContext.h"

#include "onnx/checker.h"
#include "onnx/defs/schema.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"

#include <limits>
#include <set>
#include <unordered_map>

namespace quantc::onnx_import {

static std::string parseBytes(llvm::StringRef bytes, google::protobuf::MessageLite &message) {
  if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max()))
    return "the model is larger than protobuf's 2 GiB limit";
  if (!message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    return "parse failed";
  return "";
}

/// Maps the file and parses it in place (no copy of the weights). The size
/// is checked before anything is mapped or parsed.
static std::string parseFile(const std::string &path, google::protobuf::MessageLite &message) {
  llvm::sys::fs::file_status status;
  if (auto ec = llvm::sys::fs::status(path, status))
    return "cannot read file: " + ec.message();
  if (llvm::sys::fs::is_directory(status))
    return "this is a directory, not a model file";
  if (status.getSize() == 0)
    return "the file is empty";
  if (status.getSize() > static_cast<uint64_t>(std::numeric_limits<int>::max()))
    return "the file is " + formatBytes(status.getSize()) +
           "; ONNX protobuf files are limited to 2 GiB (larger models keep their weights in "
           "external data files)";
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    return "cannot read file: " + buffer.getError().message();
  return parseBytes(llvm::StringRef((*buffer)->getBufferStart(), (*buffer)->getBufferSize()),
                    message);
}

static std::string formatDims(const std::vector<int64_t> &dims) {
  std::string text;
  for (size_t i = 0; i < dims.size(); ++i)
    text += (i ? "," : "") + std::to_string(dims[i]);
  return text;
}

/// Applies --input-shape bindings to the graph inputs, checking rank and
/// any dims the model already fixes.
static std::string bindInputShapes(
    onnx::GraphProto &graph, const std::set<std::string> &initializers,
    const std::map<std::string, std::vector<int64_t>> &shapes) {
  std::string names;
  for (const auto &input : graph.input())
    if (!initializers.count(input.name()))
      names += (names.empty() ? "" : ", ") + input.name();
  for (const auto &[name, dims] : shapes) {
    onnx::ValueInfoProto *input = nullptr;
    for (auto &candidate : *graph.mutable_input())
      if (candidate.name() == name && !initializers.count(name))
        input = &candidate;
    if (!input)
      return "--input-shape names '" + name + "', but the graph inputs are: " + names;
    if (!input->type().has_tensor_type())
      return "graph input '" + name + "' is not a tensor";
    auto *shape = input->mutable_type()->mutable_tensor_type()->mutable_shape();
    if (shape->dim_size() != 0 && shape->dim_size() != static_cast<int>(dims.size()))
      return "--input-shape " + name + "=" + formatDims(dims) + " has rank " +
             std::to_string(dims.size()) + ", but the model declares rank " +
             std::to_string(shape->dim_size());
    if (shape->dim_size() == 0)
      for (size_t i = 0; i < dims.size(); ++i)
        shape->add_dim();
    for (size_t i = 0; i < dims.size(); ++i) {
      auto *dim = shape->mutable_dim(i);
      if (dims[i] < 1)
        return "--input-shape " + name + "=" + formatDims(dims) +
               ": dims must be positive";
      if (dim->has_dim_value() && dim->dim_value() != dims[i])
        return "--input-shape " + name + "=" + formatDims(dims) + ": dim " +
               std::to_string(i) + " is fixed to " + std::to_string(dim->dim_value()) +
               " by the model";
      dim->set_dim_value(dims[i]);
    }
  }
  return "";
}

static std::string checkGraphInputSizes(const onnx::GraphProto &graph,
                                       const std::set<std::string> &initializers) {
  for (const auto &input : graph.input()) {
    if (initializers.count(input.name()) || !input.type().has_tensor_type())
      continue;
    uint64_t elements = 1, bytes = 0;
    bool overflow = false;
    for (const auto &dim : input.type().tensor_type().shape().dim()) {
      if (dim.has_dim_value() && dim.dim_value() > kMaxDim)
        return "graph input '" + input.name() + "' has dim " + std::to_string(dim.dim_value()) +
               ", above quantc's limit of 2^35";
      if (dim.has_dim_value() && dim.dim_value() > 0)
        overflow |= __builtin_mul_overflow(elements, uint64_t(dim.dim_value()), &elements);
    }
    std::string error;
    int32_t type = input.type().tensor_type().elem_type();
    if (type == onnx::TensorProto::STRING || type == onnx::TensorProto::UNDEFINED)
      continue;
    if (overflow || !tensorBytes(type, elements, bytes, error))
      return "graph input '" + input.name() + "': its size overflows 64 bits";
    if (bytes > kMaxTensorBytes)
      return "graph input '" + input.name() + "' would take " + formatBytes(bytes) +
             ", more than quantc's " + formatBytes(kMaxTensorBytes) + " limit for one tensor";
  }
  return "";
}

/// Everything after parsing: header, structure, tensors, input shapes.
static std::string checkModel(const std::string &path,
                              const std::map<std::string, std::vector<int64_t>> &inputShapes,
                              LoadedModel &loaded) {
  if (std::string error = validateHeader(loaded.model); !error.empty())
    return error;
  for (const auto &opset : loaded.model.opset_import()) {
    std::string domain = opset.domain() == "ai.onnx" ? "" : opset.domain();
    loaded.opsets[domain] = opset.version();
  }
  if (!loaded.opsets.count(""))
    return "the model imports no default-domain (ai.onnx) opset";
  loaded.defaultOpset = loaded.opsets[""];
  if (loaded.defaultOpset < kMinOpset || loaded.defaultOpset > kMaxOpset)
    return "default-domain opset " + std::to_string(loaded.defaultOpset) +
           " is not supported (supported: " + std::to_string(kMinOpset) + " to " +
           std::to_string(kMaxOpset) + ")";

  if (std::string error = validateGraph(loaded.model, loaded.directory); !error.empty())
    return error;
  for (const auto &init : loaded.model.graph().initializer())
    loaded.initializerNames.insert(init.name());
  if (std::string error = bindInputShapes(*loaded.model.mutable_graph(),
                                          loaded.initializerNames, inputShapes);
      !error.empty())
    return error;
  if (std::string error = checkGraphInputSizes(loaded.model.graph(), loaded.initializerNames);
      !error.empty())
    return error;

  return "";
}

std::string loadModel(const std::string &path,
                      const std::map<std::string, std::vector<int64_t>> &inputShapes,
                      LoadedModel &loaded) {
  if (std::string error = parseFile(path, loaded.model); !error.empty())
    return error == "parse failed" ? "not a valid ONNX model (protobuf parse failed)" : error;
  auto slash = path.find_last_of('/');
  loaded.directory = slash == std::string::npos ? "." : path.substr(0, slash);
  if (loaded.directory.empty())
    loaded.directory = "/";
  return checkModel(path, inputShapes, loaded);
}

std::string loadModelFromBytes(llvm::StringRef bytes, const std::string &directory,
                               const std::map<std::string, std::vector<int64_t>> &inputShapes,
                               LoadedModel &loaded) {
  if (std::string error = parseBytes(bytes, loaded.model); !error.empty())
    return error == "parse failed" ? "not a valid ONNX model (protobuf parse failed)" : error;
  loaded.directory = directory;
  return checkModel("", inputShapes, loaded);
}

/// "input N is required" when the node lacks one of the leading inputs that
/// libonnx's newest schema of its op requires; "" otherwise.
static std::string missingRequiredInput(const onnx::NodeProto &node) {
  const onnx::OpSchema *schema = onnx::OpSchemaRegistry::Schema(
      node.op_type(), static_cast<int>(kCheckerMaxOpset), node.domain());
  if (!schema)
    return "";
  for (int i = 0; i < schema->min_input(); ++i)
    if (i >= node.input_size() || node.input(i).empty())
      return "input " + std::to_string(i) + " is required";
  return "";
}

std::string checkWithONNX(LoadedModel &loaded) {
  onnx::checker::CheckerContext context;
  context.set_ir_version(static_cast<int>(
      std::min<int64_t>(loaded.model.ir_version(), onnx::Version::IR_VERSION)));
  std::unordered_map<std::string, int> opsets;
  bool newerThanChecker = false;
  for (const auto &opset : loaded.model.opset_import()) {
    int version = static_cast<int>(opset.version());
    bool isDefault = opset.domain().empty() || opset.domain() == "ai.onnx";
    if (isDefault && version > kCheckerMaxOpset) {
      newerThanChecker = true;
      version = kCheckerMaxOpset;
    }
    opsets[opset.domain()] = version;
  }
  context.set_opset_imports(opsets);
  context.set_model_dir(loaded.directory); // external data resolves here, not in the cwd
  context.set_is_main_graph(true);
  onnx::checker::LexicalScopeContext scope;
  // Node by node first, so that schema errors name the node.
  for (const auto &node : loaded.model.graph().node()) {
    try {
      onnx::checker::check_node(node, context, scope);
    } catch (const std::exception &e) {
      // A newer opset's form of an op quantc imports: its importer checks
      // attributes and shapes; the required inputs are checked here against
      // the newest schema libonnx has (ops new since then check their own).
      if (newerThanChecker && hasImporter(node)) {
        if (std::string missing = missingRequiredInput(node); !missing.empty())
          return nodeLabel(node) + ": " + missing;
        continue;
      }
      return nodeLabel(node) + ": " + e.what();
    }
  }
  if (newerThanChecker)
    return ""; // check_graph would re-check every node against opset 17
  try {
    onnx::checker::check_graph(loaded.model.graph(), context, scope);
    if (loaded.model.functions_size())
      onnx::checker::check_model_local_functions(loaded.model, context, scope);
  } catch (const std::exception &e) {
    return std::string("the ONNX checker rejects the model: ") + e.what();
  } catch (...) {
    return "the ONNX checker rejects the model";
  }
  // No onnx::shape_inference: quantc's own shape functions are authoritative,
  // and libonnx 1.12's (e.g. convPoolShapeInference) dereference null on
  // malformed nodes, which the structure-aware fuzzer found.
  return "";
}

std::string loadTensorProto(const std::string &path, onnx::TensorProto &tensor) {
  std::string error = parseFile(path, tensor);
  return error == "parse failed" ? "not a serialized ONNX TensorProto" : error;
}

} // namespace quantc::onnx_import
