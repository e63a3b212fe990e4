// libFuzzer: the ONNX importer on structurally mutated models. Seeds are
// valid models (the test generators' output); the custom mutator edits them
// as protobufs (dims, types, data, names, edges, attributes, opsets,
// external data) so most inputs get past the parser into the importer.
#include "ImportOne.h"

#include "onnx/onnx_pb.h"

#include <cstring>
#include <random>

extern "C" size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t maxSize);

namespace {

using Rng = std::mt19937_64;

int64_t interestingInt(Rng &rng) {
  static const int64_t values[] = {-1, 0, 1, 2, 3, 4, 7, 8, 16, 255, 256, 65536, INT32_MAX,
                                   int64_t(1) << 40, INT64_MAX, INT64_MIN, -2};
  return values[rng() % (sizeof values / sizeof values[0])];
}

template <typename Field> int pick(const Field &field, Rng &rng) {
  return field.size() ? int(rng() % field.size()) : -1;
}

/// Every value name in the graph, to rewire edges with.
std::vector<std::string> valueNames(const onnx::GraphProto &graph) {
  std::vector<std::string> names;
  for (const auto &input : graph.input()) names.push_back(input.name());
  for (const auto &init : graph.initializer()) names.push_back(init.name());
  for (const auto &node : graph.node())
    for (const auto &output : node.output()) names.push_back(output);
  return names;
}

void mutateTensor(onnx::TensorProto &tensor, Rng &rng) {
  switch (rng() % 6) {
  case 0:
    if (tensor.dims_size()) tensor.set_dims(pick(tensor.dims(), rng), interestingInt(rng));
    break;
  case 1:
    if (rng() % 2 || !tensor.dims_size()) tensor.add_dims(interestingInt(rng));
    else tensor.mutable_dims()->RemoveLast();
    break;
  case 2: tensor.set_data_type(int32_t(rng() % 26)); break;
  case 3: {
    std::string raw = tensor.raw_data();
    raw.resize(rng() % 2 ? raw.size() / 2 : raw.size() + 1 + rng() % 16);
    tensor.set_raw_data(raw);
    break;
  }
  case 4: tensor.add_float_data(1.0f); break;
  default: {
    tensor.set_data_location(onnx::TensorProto::EXTERNAL);
    auto *entry = tensor.add_external_data();
    static const char *locations[] = {"w.bin", "../w.bin", "/etc/passwd", "", "a/../../b"};
    entry->set_key(rng() % 3 ? "location" : rng() % 2 ? "offset" : "length");
    entry->set_value(entry->key() == "location" ? locations[rng() % 5]
                                                : std::to_string(interestingInt(rng)));
    break;
  }
  }
}

void mutateAttribute(onnx::AttributeProto &attr, Rng &rng) {
  switch (rng() % 5) {
  case 0: attr.set_i(interestingInt(rng)); break;
  case 1:
    if (attr.ints_size()) attr.set_ints(pick(attr.ints(), rng), interestingInt(rng));
    else attr.add_ints(interestingInt(rng));
    break;
  case 2: attr.set_type(onnx::AttributeProto::AttributeType(rng() % 15)); break;
  case 3: attr.set_f(rng() % 2 ? -1.0f : 1e30f); break;
  default:
    if (attr.has_t()) mutateTensor(*attr.mutable_t(), rng);
    else attr.add_ints(interestingInt(rng));
    break;
  }
}

void mutateModel(onnx::ModelProto &model, Rng &rng) {
  static const char *ops[] = {"Conv", "Relu", "MatMul", "Gemm", "Add", "Mul", "Reshape",
                              "Transpose", "Concat", "Slice", "Softmax", "BatchNormalization",
                              "MaxPool", "AveragePool", "Resize", "QuantizeLinear",
                              "DequantizeLinear", "Gather", "Squeeze", "Unsqueeze", "Flatten",
                              "ConvTranspose", "LayerNormalization", "HardSwish", "Clip",
                              // folded when their inputs are constants
                              "Mod", "Pow", "ScatterND", "Where", "Equal", "GridSample"};
  auto &graph = *model.mutable_graph();
  int node = pick(graph.node(), rng);
  switch (rng() % 14) {
  case 0:
  case 1:
    if (int i = pick(graph.initializer(), rng); i >= 0)
      mutateTensor(*graph.mutable_initializer(i), rng);
    break;
  case 2:
    if (node >= 0 && graph.node(node).input_size()) {
      auto names = valueNames(graph);
      auto &n = *graph.mutable_node(node);
      bool ghost = names.empty() || rng() % 8 == 0;
      n.set_input(pick(n.input(), rng), ghost ? "ghost" : names[rng() % names.size()]);
    }
    break;
  case 3:
    if (node >= 0 && graph.node(node).output_size()) {
      auto names = valueNames(graph);
      if (!names.empty())
        graph.mutable_node(node)->set_output(0, names[rng() % names.size()]);
    }
    break;
  case 4:
    if (node >= 0) graph.mutable_node()->DeleteSubrange(node, 1);
    break;
  case 5:
    if (node >= 0) *graph.add_node() = graph.node(node);
    break;
  case 6:
    if (node >= 0) graph.mutable_node(node)->set_op_type(ops[rng() % (sizeof ops / sizeof *ops)]);
    break;
  case 7:
  case 8:
    if (node >= 0 && graph.node(node).attribute_size()) {
      auto &n = *graph.mutable_node(node);
      int a = pick(n.attribute(), rng);
      if (rng() % 4) mutateAttribute(*n.mutable_attribute(a), rng);
      else n.mutable_attribute()->DeleteSubrange(a, 1);
    }
    break;
  case 9:
    if (int i = pick(graph.input(), rng); i >= 0) {
      auto *shape = graph.mutable_input(i)->mutable_type()->mutable_tensor_type()->mutable_shape();
      if (shape->dim_size()) shape->mutable_dim(pick(shape->dim(), rng))->set_dim_value(interestingInt(rng));
    }
    break;
  case 10:
    if (int i = pick(model.opset_import(), rng); i >= 0)
      model.mutable_opset_import(i)->set_version(rng() % 2 ? interestingInt(rng) : 7 + rng() % 12);
    break;
  case 11:
    if (graph.node_size() > 1) graph.mutable_node()->SwapElements(0, graph.node_size() - 1);
    break;
  case 12:
    if (node >= 0) {
      auto &n = *graph.mutable_node(node);
      if (rng() % 2 && n.input_size()) n.mutable_input()->RemoveLast();
      else n.add_input(rng() % 2 ? "" : n.input_size() ? n.input(0) : "x");
    }
    break;
  default: model.set_ir_version(rng() % 2 ? interestingInt(rng) : 3 + rng() % 7); break;
  }
}

} // namespace

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t maxSize,
                                          unsigned int seed) {
  Rng rng(seed);
  onnx::ModelProto model;
  if (rng() % 8 == 0 || !model.ParseFromArray(data, int(size)))
    return LLVMFuzzerMutate(data, size, maxSize);
  for (int edits = 1 + int(rng() % 3); edits > 0; --edits)
    mutateModel(model, rng);
  std::string bytes = model.SerializeAsString();
  if (bytes.size() > maxSize)
    return LLVMFuzzerMutate(data, size, maxSize);
  memcpy(data, bytes.data(), bytes.size());
  return bytes.size();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return importOne(data, size);
}
