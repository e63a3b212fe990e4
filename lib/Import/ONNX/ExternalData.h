// ONNX external data: where a tensor's bytes live outside the model file,
// resolved only to regular files below the model's directory.
#ifndef QUANTC_LIB_IMPORT_ONNX_EXTERNALDATA_H
#define QUANTC_LIB_IMPORT_ONNX_EXTERNALDATA_H

#include "onnx/onnx_pb.h"

#include <cstdint>
#include <string>

namespace quantc::onnx_import {

/// A checked byte range of a file below the model's directory.
struct ExternalSegment {
  std::string location; // as written in the model
  std::string path;     // directory + location
  uint64_t offset = 0, length = 0;
};

/// Resolves `tensor`'s external_data entries against `directory` and checks
/// them before anything is read: no absolute path, no "..", no symbolic link
/// in any component, one hard link, a regular file, and a range inside it of
/// exactly `expectedBytes`. Returns an empty string, or the error message.
std::string resolveExternalData(const onnx::TensorProto &tensor, const std::string &directory,
                                uint64_t expectedBytes, ExternalSegment &segment);

} // namespace quantc::onnx_import

#endif // QUANTC_LIB_IMPORT_ONNX_EXTERNALDATA_H
