// Structural checks on a parsed ONNX model, run before the onnx checker and
// shape inference so that malformed files get precise messages and never
// reach code that trusts them (recursion, huge allocations, stray paths).
#ifndef QUANTC_LIB_IMPORT_ONNX_MODELVALIDATOR_H
#define QUANTC_LIB_IMPORT_ONNX_MODELVALIDATOR_H

#include "onnx/onnx_pb.h"

#include <cstdint>
#include <string>

namespace quantc::onnx_import {

/// No single tensor (weight, graph input, op result) may exceed this.
constexpr uint64_t kMaxTensorBytes = uint64_t(32) << 30;
/// No dim may exceed this, not even in an empty tensor: a non-empty tensor
/// cannot anyway (kMaxTensorBytes), and the bound keeps shape arithmetic
/// (sums, products with strides and blocks) far from int64 overflow.
constexpr int64_t kMaxDim = int64_t(1) << 35;
/// If/Loop/Scan bodies may nest this deep.
constexpr int kMaxSubgraphDepth = 16;

/// A node's name for messages: its name, else its first output's.
std::string nodeName(const onnx::NodeProto &node);
/// "node 'name' (OpType)".
std::string nodeLabel(const onnx::NodeProto &node);

/// ir_version, opset_import and the domains nodes use.
std::string validateHeader(const onnx::ModelProto &model);

/// Names (SSA, defined before use, no cycles), graph outputs, model-local
/// function recursion, subgraph depth, and every tensor's type, dims, data
/// fields and external data. Sorts the nodes topologically when the file
/// lists them out of order. `directory` confines external data.
std::string validateGraph(onnx::ModelProto &model, const std::string &directory);

/// One tensor: known type, dims that fit, one data field of the right size,
/// external data confined to `directory`.
std::string validateTensor(const onnx::TensorProto &tensor, const std::string &directory);

/// Bytes of `elements` elements of ONNX `dataType` (4-bit types packed two
/// per byte); false with `error` set on overflow or an unknown type.
bool tensorBytes(int32_t dataType, uint64_t elements, uint64_t &bytes, std::string &error);

/// "3.0 TiB": a byte count for messages.
std::string formatBytes(uint64_t bytes);

} // namespace quantc::onnx_import

#endif // QUANTC_LIB_IMPORT_ONNX_MODELVALIDATOR_H
