// Reads, validates and shape-infers an ONNX model with the onnx library.
#ifndef QUANTC_LIB_IMPORT_ONNX_MODELLOADER_H
#define QUANTC_LIB_IMPORT_ONNX_MODELLOADER_H

#include "onnx/onnx_pb.h"
#include "llvm/ADT/StringRef.h"

#include <map>
#include <set>
#include <string>
#include <vector>

namespace quantc::onnx_import {

/// Supported default-domain opsets.
constexpr int64_t kMinOpset = 1, kMaxOpset = 21;
/// The newest default-domain opset whose schemas Debian's libonnx (1.12) knows.
/// Nodes of newer models are checked against these schemas where they still
/// apply; the ops whose signature changed since (Reduce* axes inputs, Split
/// num_outputs, Gelu, GroupNormalization, ...) are checked by their importers.
constexpr int64_t kCheckerMaxOpset = 17;

struct LoadedModel {
  onnx::ModelProto model;
  std::string directory;     // external data must live below this directory
  int64_t defaultOpset = 0;  // opset of the default ("" / ai.onnx) domain
  std::map<std::string, int64_t> opsets; // every imported domain
  std::set<std::string> initializerNames; // graph inputs with these names are weights
};

/// Parses `path`, validates it (ModelValidator.h) and binds `inputShapes`.
/// Returns an empty string on success, else the error message.
std::string loadModel(const std::string &path,
                      const std::map<std::string, std::vector<int64_t>> &inputShapes,
                      LoadedModel &loaded);

/// The same for a model already in memory (fuzzing, embedding); external
/// data resolves against `directory`.
std::string loadModelFromBytes(llvm::StringRef bytes, const std::string &directory,
                               const std::map<std::string, std::vector<int64_t>> &inputShapes,
                               LoadedModel &loaded);

/// The onnx library's checker (node by node, then the whole graph), after
/// the importer has confirmed every op is supported.
std::string checkWithONNX(LoadedModel &loaded);

/// Parses a serialized TensorProto file (the ONNX test-data .pb format).
std::string loadTensorProto(const std::string &path, onnx::TensorProto &tensor);

} // namespace quantc::onnx_import

#endif // QUANTC_LIB_IMPORT_ONNX_MODELLOADER_H
