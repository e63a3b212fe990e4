// Reads, validates and shape-infers an ONNX model with the onnx library.
// This is the only file that sees onnx exceptions: they become messages.
#include "ModelLoader.h"

#include "onnx/checker.h"
#include "onnx/shape_inference/implementation.h"

#include "llvm/Support/MemoryBuffer.h"

#include <limits>
#include <set>

namespace quantc::onnx_import {

/// Maps the file and parses it in place (no copy of the weights).
static std::string parseFile(const std::string &path, google::protobuf::MessageLite &message) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    return "cannot read file: " + buffer.getError().message();
  size_t size = (*buffer)->getBufferSize();
  if (size > static_cast<size_t>(std::numeric_limits<int>::max()))
    return "file is larger than protobuf's 2 GB limit";
  if (!message.ParseFromArray((*buffer)->getBufferStart(), static_cast<int>(size)))
    return "parse failed";
  return "";
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

static bool hasExternalData(const onnx::GraphProto &graph) {
  for (const auto &init : graph.initializer())
    if (init.data_location() == onnx::TensorProto::EXTERNAL)
      return true;
  for (const auto &node : graph.node())
    for (const auto &attr : node.attribute())
      if (attr.has_t() && attr.t().data_location() == onnx::TensorProto::EXTERNAL)
        return true;
  return false;
}

std::string loadModel(const std::string &path,
                      const std::map<std::string, std::vector<int64_t>> &inputShapes,
                      LoadedModel &loaded) {
  if (std::string error = parseFile(path, loaded.model); !error.empty())
    return error == "parse failed" ? "not a valid ONNX model (protobuf parse failed)" : error;
  auto slash = path.find_last_of('/');
  loaded.directory = slash == std::string::npos ? "." : path.substr(0, slash);

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

  for (const auto &init : loaded.model.graph().initializer())
    loaded.initializerNames.insert(init.name());
  if (std::string error = bindInputShapes(*loaded.model.mutable_graph(),
                                          loaded.initializerNames, inputShapes);
      !error.empty())
    return error;

  try {
    // The in-memory checker resolves external data against the working
    // directory; only the path variant knows the model's directory.
    if (hasExternalData(loaded.model.graph()))
      onnx::checker::check_model(path);
    else
      onnx::checker::check_model(loaded.model);
  } catch (const std::exception &e) {
    return std::string("the ONNX checker rejects the model: ") + e.what();
  } catch (...) {
    return "the ONNX checker rejects the model";
  }
  try {
    // Non-strict: our own shape functions are authoritative; ONNX's results
    // only cross-check the declared graph outputs.
    onnx::shape_inference::InferShapes(loaded.model);
  } catch (const std::exception &e) {
    return std::string("ONNX shape inference failed: ") + e.what();
  } catch (...) {
    return "ONNX shape inference failed";
  }
  return "";
}

std::string loadTensorProto(const std::string &path, onnx::TensorProto &tensor) {
  std::string error = parseFile(path, tensor);
  return error == "parse failed" ? "not a serialized ONNX TensorProto" : error;
}

} // namespace quantc::onnx_import
