// External data is the one place a model makes quantc open other files, so
// every path is confined before it is opened (see ExternalData.h).
#include "ExternalData.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

namespace quantc::onnx_import {

static bool parseCount(llvm::StringRef text, uint64_t &value) {
  // getAsInteger accepts "0x.." and leading '+'; ONNX writes plain decimals.
  return !text.empty() && text.find_first_not_of("0123456789") == llvm::StringRef::npos &&
         !text.getAsInteger(10, value);
}

/// Refuses paths that could name a file outside the model's directory.
static std::string checkLocation(const std::string &location, const std::string &directory) {
  namespace path = llvm::sys::path;
  if (location.empty())
    return "external data has no location";
  if (location.find('\0') != std::string::npos)
    return "external data location contains a NUL byte";
  if (path::is_absolute(location) || location[0] == '/' || location[0] == '~')
    return "external data location '" + location + "' is an absolute path";
  llvm::SmallString<256> walked(directory);
  for (auto component = path::begin(location), end = path::end(location); component != end;
       ++component) {
    if (*component == "..")
      return "external data location '" + location + "' contains '..'";
    if (*component == ".")
      continue;
    path::append(walked, *component);
    llvm::sys::fs::file_status status;
    if (llvm::sys::fs::status(walked, status, /*follow=*/false))
      return "external data file '" + location + "' does not exist";
    if (llvm::sys::fs::is_symlink_file(status)) {
      bool last = std::next(component) == end;
      return last ? "external data file '" + location + "' is a symbolic link"
                  : "external data path '" + location + "' goes through symbolic link '" +
                        std::string(walked.str().substr(directory.size() + 1)) + "'";
    }
  }
  llvm::sys::fs::file_status status;
  if (llvm::sys::fs::status(walked, status, /*follow=*/false) ||
      !llvm::sys::fs::is_regular_file(status))
    return "external data file '" + location + "' is not a regular file";
  if (status.getLinkCount() != 1)
    return "external data file '" + location + "' has " + std::to_string(status.getLinkCount()) +
           " hard links (a link to a file elsewhere is refused)";
  // Belt and braces: the canonical path must still lie below the directory.
  llvm::SmallString<256> realDirectory, realFile;
  if (llvm::sys::fs::real_path(directory, realDirectory) ||
      llvm::sys::fs::real_path(walked, realFile) ||
      !llvm::StringRef(realFile).starts_with((realDirectory + "/").str()))
    return "external data file '" + location + "' is outside the model's directory";
  return "";
}

std::string resolveExternalData(const onnx::TensorProto &tensor, const std::string &directory,
                                uint64_t expectedBytes, ExternalSegment &segment) {
  bool hasLength = false;
  for (const auto &entry : tensor.external_data()) {
    uint64_t *field = entry.key() == "offset"   ? &segment.offset
                      : entry.key() == "length" ? &segment.length
                                                : nullptr;
    if (entry.key() == "location")
      segment.location = entry.value();
    else if (field && !parseCount(entry.value(), *field))
      return "external data " + entry.key() + " '" + entry.value() +
             "' is not a non-negative integer";
    hasLength |= entry.key() == "length";
  }
  if (std::string error = checkLocation(segment.location, directory); !error.empty())
    return error;
  llvm::SmallString<256> path(directory);
  llvm::sys::path::append(path, segment.location);
  segment.path = std::string(path);

  uint64_t size = 0;
  if (llvm::sys::fs::file_size(segment.path, size))
    return "cannot read external data file '" + segment.location + "'";
  if (!hasLength)
    segment.length = expectedBytes;
  if (segment.offset > UINT64_MAX - segment.length)
    return "external data range [" + std::to_string(segment.offset) + ", +" +
           std::to_string(segment.length) + ") overflows";
  if (segment.offset + segment.length > size)
    return "external data range [" + std::to_string(segment.offset) + ", " +
           std::to_string(segment.offset + segment.length) + ") exceeds file '" +
           segment.location + "' (" + std::to_string(size) + " bytes)";
  if (segment.length != expectedBytes)
    return "external data length " + std::to_string(segment.length) +
           " does not match the tensor's " + std::to_string(expectedBytes) + " bytes";
  return "";
}

} // namespace quantc::onnx_import
