// Structural validation of ONNX models (see ModelValidator.h).
#include "ModelValidator.h"

#include "ExternalData.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <functional>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

namespace quantc::onnx_import {

namespace {

using T = onnx::TensorProto;

std::string quoted(const std::vector<std::string> &names) {
  std::string text;
  for (size_t i = 0; i < names.size() && i < 8; ++i)
    text += (i ? ", '" : "'") + names[i] + "'";
  if (names.size() > 8)
    text += " and " + std::to_string(names.size() - 8) + " more";
  return text;
}

/// Bits one element of an ONNX data type occupies in raw_data; 0 if unknown.
unsigned elementBits(int32_t dataType) {
  switch (dataType) {
  case T::UINT8: case T::INT8: case T::BOOL: return 8;
  case 17: case 18: case 19: case 20: return 8; // float8 variants
  case T::UINT16: case T::INT16: case T::FLOAT16: case T::BFLOAT16: return 16;
  case T::FLOAT: case T::INT32: case T::UINT32: return 32;
  case T::INT64: case T::UINT64: case T::DOUBLE: case T::COMPLEX64: return 64;
  case T::COMPLEX128: return 128;
  case 21: case 22: case 23: return 4; // uint4, int4, float4e2m1
  default: return 0;
  }
}

/// The data fields a tensor sets, by name.
std::vector<std::string> dataFields(const T &tensor) {
  std::vector<std::string> fields;
  if (tensor.float_data_size()) fields.push_back("float_data");
  if (tensor.int32_data_size()) fields.push_back("int32_data");
  if (tensor.string_data_size()) fields.push_back("string_data");
  if (tensor.int64_data_size()) fields.push_back("int64_data");
  if (tensor.double_data_size()) fields.push_back("double_data");
  if (tensor.uint64_data_size()) fields.push_back("uint64_data");
  if (tensor.has_raw_data()) fields.push_back("raw_data");
  if (tensor.data_location() == T::EXTERNAL) fields.push_back("external_data");
  return fields;
}

/// Values a typed field must hold for `elements` elements.
uint64_t typedFieldCount(int32_t dataType, uint64_t elements) {
  if (dataType == T::COMPLEX64 || dataType == T::COMPLEX128)
    return 2 * elements;
  if (elementBits(dataType) == 4)
    return (elements + 1) / 2;
  return elements;
}

} // namespace

std::string validateTensor(const T &tensor, const std::string &directory) {
  std::string label = "tensor '" + tensor.name() + "'";
  if (tensor.data_type() == T::UNDEFINED)
    return label + " has data type UNDEFINED";
  if (!T::DataType_IsValid(tensor.data_type()) && !elementBits(tensor.data_type()))
    return label + " has unknown data type " + std::to_string(tensor.data_type());
  // MLIR shapes are int64: the product of the non-zero dims must fit one,
  // even where a zero dim makes the tensor empty.
  uint64_t elements = 1;
  bool overflow = false, empty = false;
  for (int64_t dim : tensor.dims()) {
    if (dim < 0)
      return label + " has a negative dim (" + std::to_string(dim) + ")";
    if (dim > kMaxDim)
      return label + " has dim " + std::to_string(dim) + ", above quantc's limit of 2^35";
    if (dim == 0)
      empty = true;
    else
      overflow |= __builtin_mul_overflow(elements, static_cast<uint64_t>(dim), &elements);
  }
  if (overflow || elements > static_cast<uint64_t>(INT64_MAX))
    return label + ": its element count overflows 64 bits";
  if (empty)
    elements = 0;
  uint64_t bytes = 0;
  std::string error;
  if (tensor.data_type() != T::STRING && !tensorBytes(tensor.data_type(), elements, bytes, error))
    return label + error;
  if (bytes > kMaxTensorBytes)
    return label + " would take " + formatBytes(bytes) + ", more than quantc's " +
           formatBytes(kMaxTensorBytes) + " limit for one tensor";

  std::vector<std::string> fields = dataFields(tensor);
  if (fields.size() > 1) {
    std::sort(fields.begin(), fields.end());
    std::string list;
    for (const auto &field : fields)
      list += (list.empty() ? "" : ", ") + field;
    return label + " sets more than one data field (" + list + ")";
  }
  if (fields.empty())
    return elements == 0 ? "" : label + " has no data";
  if (fields[0] == "raw_data") {
    if (tensor.raw_data().size() != bytes)
      return label + " holds " + std::to_string(tensor.raw_data().size()) +
             " bytes of data, but its shape and type need " + std::to_string(bytes);
    return "";
  }
  if (fields[0] == "external_data") {
    ExternalSegment segment;
    if (std::string error = resolveExternalData(tensor, directory, bytes, segment); !error.empty())
      return label + ": " + error;
    return "";
  }
  uint64_t count = tensor.float_data_size() + tensor.int32_data_size() +
                   tensor.string_data_size() + tensor.int64_data_size() +
                   tensor.double_data_size() + tensor.uint64_data_size();
  if (count != typedFieldCount(tensor.data_type(), elements))
    return label + " holds " + std::to_string(count) + " values in " + fields[0] +
           ", but its shape needs " + std::to_string(typedFieldCount(tensor.data_type(), elements));
  return "";
}

namespace {

/// Every tensor in `graph` and its subgraphs; subgraph nesting is bounded
/// here, before anything else recurses into it.
std::string validateTensorsAndDepth(const onnx::GraphProto &graph, const std::string &directory,
                                    int depth, const onnx::NodeProto *outermost) {
  for (const auto &init : graph.initializer())
    if (std::string error = validateTensor(init, directory); !error.empty())
      return error;
  for (const auto &node : graph.node()) {
    const onnx::NodeProto *top = outermost ? outermost : &node;
    for (const auto &attr : node.attribute()) {
      if (attr.has_t())
        if (std::string error = validateTensor(attr.t(), directory); !error.empty())
          return nodeLabel(node) + ": " + error;
      for (const auto &tensor : attr.tensors())
        if (std::string error = validateTensor(tensor, directory); !error.empty())
          return nodeLabel(node) + ": " + error;
      if (!attr.has_g() && !attr.graphs_size())
        continue;
      if (depth + 1 > kMaxSubgraphDepth)
        return nodeLabel(*top) + ": subgraphs are nested deeper than " +
               std::to_string(kMaxSubgraphDepth) + " levels";
      if (attr.has_g())
        if (std::string error = validateTensorsAndDepth(attr.g(), directory, depth + 1, top);
            !error.empty())
          return error;
      for (const auto &subgraph : attr.graphs())
        if (std::string error = validateTensorsAndDepth(subgraph, directory, depth + 1, top);
            !error.empty())
          return error;
    }
  }
  return "";
}

/// SSA names, definitions before use (sorting the nodes if needed), no cycles.
std::string validateNames(onnx::GraphProto &graph) {
  std::unordered_set<std::string> defined, initializers;
  for (int i = 0; i < graph.initializer_size(); ++i) {
    const std::string &name = graph.initializer(i).name();
    if (name.empty())
      return "initializer #" + std::to_string(i + 1) + " has an empty name";
    if (!initializers.insert(name).second)
      return "initializer '" + name + "' is defined twice";
  }
  defined = initializers;
  std::unordered_set<std::string> inputs;
  for (const auto &input : graph.input()) {
    if (input.name().empty())
      return "a graph input has an empty name";
    if (!inputs.insert(input.name()).second)
      return "graph input '" + input.name() + "' is declared twice";
    defined.insert(input.name());
  }

  // Producer of every node output.
  std::unordered_map<std::string, int> producer;
  for (int i = 0; i < graph.node_size(); ++i)
    for (const auto &output : graph.node(i).output()) {
      if (output.empty())
        continue;
      if (auto it = producer.find(output); it != producer.end())
        return "value '" + output + "' is produced twice (by node '" +
               nodeName(graph.node(it->second)) + "' and by node '" + nodeName(graph.node(i)) +
               "')";
      if (defined.count(output))
        return nodeLabel(graph.node(i)) + " overwrites '" + output +
               "', which is a graph input or initializer";
      producer[output] = i;
    }
  for (const auto &node : graph.node())
    for (const auto &input : node.input())
      if (!input.empty() && !defined.count(input) && !producer.count(input))
        return nodeLabel(node) + ": input '" + input +
               "' is not produced by any node, initializer or graph input";
  for (const auto &output : graph.output())
    if (!defined.count(output.name()) && !producer.count(output.name()))
      return "graph output '" + output.name() +
             "' is not produced by any node, initializer or graph input";

  // Kahn's algorithm in file order; nodes left over sit on a cycle.
  int n = graph.node_size();
  std::vector<int> pending(n, 0);
  std::vector<std::vector<int>> users(n);
  for (int i = 0; i < n; ++i)
    for (const auto &input : graph.node(i).input())
      if (auto it = producer.find(input); it != producer.end() && !defined.count(input)) {
        ++pending[i];
        users[it->second].push_back(i);
      }
  std::deque<int> ready;
  for (int i = 0; i < n; ++i)
    if (!pending[i])
      ready.push_back(i);
  std::vector<int> order;
  while (!ready.empty()) {
    int i = ready.front();
    ready.pop_front();
    order.push_back(i);
    for (int user : users[i])
      if (--pending[user] == 0)
        ready.push_back(user);
  }
  if (static_cast<int>(order.size()) != n) {
    std::vector<std::string> cyclic;
    for (int i = 0; i < n; ++i)
      if (pending[i])
        cyclic.push_back(nodeName(graph.node(i)));
    return "the graph has a cycle through node(s) " + quoted(cyclic);
  }
  bool sorted = true; // file order already defines every value before use
  for (int i = 0; i < n; ++i)
    for (const auto &input : graph.node(i).input())
      if (auto it = producer.find(input); it != producer.end() && !defined.count(input))
        sorted &= it->second < i;
  if (!sorted) { // ONNX requires topological order; accept and fix it
    google::protobuf::RepeatedPtrField<onnx::NodeProto> nodes;
    for (int i : order)
      *nodes.Add() = graph.node(i);
    graph.mutable_node()->Swap(&nodes);
  }
  return "";
}

/// Model-local functions may call each other but not recursively (the onnx
/// library would expand them forever).
std::string validateFunctions(const onnx::ModelProto &model) {
  std::map<std::pair<std::string, std::string>, const onnx::FunctionProto *> functions;
  for (const auto &function : model.functions())
    functions[{function.domain(), function.name()}] = &function;
  std::map<const onnx::FunctionProto *, int> state; // 1: on the stack, 2: done
  std::vector<std::string> stack;
  std::function<std::string(const onnx::FunctionProto *)> visit =
      [&](const onnx::FunctionProto *function) -> std::string {
    stack.push_back(function->name());
    state[function] = 1;
    for (const auto &node : function->node()) {
      auto callee = functions.find({node.domain(), node.op_type()});
      if (callee == functions.end())
        continue;
      if (state[callee->second] == 1) {
        std::string chain;
        auto start = std::find(stack.begin(), stack.end(), callee->second->name());
        for (auto it = start; it != stack.end(); ++it)
          chain += *it + " -> ";
        return "model-local function '" + callee->second->domain() + "::" +
               callee->second->name() + "' is recursive (" + chain + callee->second->name() + ")";
      }
      if (state[callee->second] == 0)
        if (std::string error = visit(callee->second); !error.empty())
          return error;
    }
    state[function] = 2;
    stack.pop_back();
    return "";
  };
  for (const auto &function : model.functions())
    if (!state[&function])
      if (std::string error = visit(&function); !error.empty())
        return error;
  return "";
}

} // namespace

std::string nodeName(const onnx::NodeProto &node) {
  if (!node.name().empty())
    return node.name();
  return node.output_size() ? node.output(0) : std::string("<unnamed>");
}

std::string nodeLabel(const onnx::NodeProto &node) {
  return "node '" + nodeName(node) + "' (" + node.op_type() + ")";
}

bool tensorBytes(int32_t dataType, uint64_t elements, uint64_t &bytes, std::string &error) {
  unsigned bits = elementBits(dataType);
  if (!bits) {
    error = " has data type " + std::to_string(dataType) + ", which has no fixed size";
    return false;
  }
  if (bits == 4) {
    bytes = elements / 2 + elements % 2;
    return true;
  }
  if (__builtin_mul_overflow(elements, uint64_t(bits / 8), &bytes)) {
    error = ": its byte size overflows 64 bits";
    return false;
  }
  return true;
}

std::string formatBytes(uint64_t bytes) {
  const char *units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 6)
    value /= 1024, ++unit;
  char text[32];
  if (unit == 0)
    snprintf(text, sizeof text, "%llu bytes", static_cast<unsigned long long>(bytes));
  else if (value == static_cast<double>(static_cast<uint64_t>(value)) && value >= 10)
    snprintf(text, sizeof text, "%.0f %s", value, units[unit]);
  else
    snprintf(text, sizeof text, "%.1f %s", value, units[unit]);
  return text;
}

std::string validateHeader(const onnx::ModelProto &model) {
  if (model.ir_version() <= 0)
    return "the model has no ir_version";
  // IR 9 and 10 (ONNX 1.14 / 1.16, opsets 19-21) add float8 and 4-bit types,
  // which quantc reads itself; libonnx 1.12 checks such models as IR 8.
  constexpr int64_t kMaxIrVersion = 10;
  if (model.ir_version() > kMaxIrVersion)
    return "ir_version " + std::to_string(model.ir_version()) +
           " is newer than quantc supports (3 to " + std::to_string(kMaxIrVersion) + ")";
  if (model.opset_import_size() == 0)
    return "the model has no opset_import";
  std::set<std::string> imported;
  for (const auto &opset : model.opset_import()) {
    std::string domain = opset.domain() == "ai.onnx" ? "" : opset.domain();
    imported.insert(domain);
    if (domain == "com.microsoft" && opset.version() != 1)
      return "com.microsoft opset " + std::to_string(opset.version()) +
             " is not supported (supported: 1)";
  }
  for (const auto &node : model.graph().node()) {
    std::string domain = node.domain() == "ai.onnx" ? "" : node.domain();
    if (!imported.count(domain))
      return nodeLabel(node) + " uses domain '" + node.domain() +
             "', which the model does not import";
  }
  return "";
}

std::string validateGraph(onnx::ModelProto &model, const std::string &directory) {
  if (std::string error = validateTensorsAndDepth(model.graph(), directory, 0, nullptr);
      !error.empty())
    return error;
  if (std::string error = validateFunctions(model); !error.empty())
    return error;
  return validateNames(*model.mutable_graph());
}

} // namespace quantc::onnx_import
