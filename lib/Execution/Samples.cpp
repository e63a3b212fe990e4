// Calibration samples from .npy, .npz (through libzip) and sample directories.
#include "quantc/Execution/Samples.h"
#include "quantc/Runtime/quantc_runtime.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <algorithm>
#include <zip.h>

namespace quantc {

std::vector<const void *> Sample::buffers() const {
  std::vector<const void *> result;
  for (const auto &input : inputs)
    result.push_back(input.data());
  return result;
}

namespace {

/// Checks one array against its input and copies it out.
llvm::Error takeArray(const TensorSignature &input, quantc_tensor &tensor,
                      const std::string &source, std::vector<uint8_t> &out) {
  quantc_tensor_info info{input.name.c_str(), input.dtype, int32_t(input.shape.size()),
                          input.shape.data()};
  char message[512];
  if (quantc_tensor_check(&info, &tensor, "calibration sample", message, sizeof message)) {
    quantc_tensor_free(&tensor);
    return llvm::createStringError(source + ": " + message);
  }
  auto *bytes = static_cast<const uint8_t *>(tensor.data);
  out.assign(bytes, bytes + input.numel() * quantc_dtype_size(input.dtype));
  quantc_tensor_free(&tensor);
  return llvm::Error::success();
}

llvm::Expected<std::vector<uint8_t>> readNpy(const TensorSignature &input,
                                             const std::string &path) {
  quantc_tensor tensor{};
  char message[512];
  if (quantc_npy_read(path.c_str(), &tensor, message, sizeof message))
    return llvm::createStringError(message);
  std::vector<uint8_t> out;
  if (auto error = takeArray(input, tensor, path, out))
    return std::move(error);
  return out;
}

/// The file in `directory` that holds input `name` (its own name, or the
/// C identifier quantc run -o writes), or "".
std::string inputFile(llvm::StringRef directory, const std::string &name) {
  for (const std::string &stem : {name, sanitizeIdentifier(name)}) {
    llvm::SmallString<256> path(directory);
    llvm::sys::path::append(path, stem + ".npy");
    if (llvm::sys::fs::exists(path))
      return std::string(path);
  }
  return "";
}

bool isSampleDirectory(const ModelSignature &signature, llvm::StringRef directory) {
  return llvm::all_of(signature.inputs, [&](const TensorSignature &input) {
    return !inputFile(directory, input.name).empty();
  });
}

llvm::Expected<Sample> readSampleDirectory(const ModelSignature &signature,
                                           llvm::StringRef directory) {
  Sample sample;
  for (const TensorSignature &input : signature.inputs) {
    auto data = readNpy(input, inputFile(directory, input.name));
    if (!data)
      return data.takeError();
    sample.inputs.push_back(std::move(*data));
  }
  return sample;
}

/// An .npz archive (numpy's savez / savez_compressed): one entry per input,
/// named "<input>.npy"; a one-input model also takes a lone array of any name.
llvm::Expected<Sample> readNpz(const ModelSignature &signature, const std::string &path) {
  int code = 0;
  zip_t *archive = zip_open(path.c_str(), ZIP_RDONLY, &code);
  if (!archive) {
    zip_error_t error;
    zip_error_init_with_code(&error, code);
    std::string message = path + ": not a readable .npz archive: " + zip_error_strerror(&error);
    zip_error_fini(&error);
    return llvm::createStringError(message);
  }
  llvm::scope_exit close([&] { zip_discard(archive); });
  zip_int64_t entries = zip_get_num_entries(archive, 0);
  Sample sample;
  for (const TensorSignature &input : signature.inputs) {
    zip_int64_t index = -1;
    for (const std::string &stem : {input.name, sanitizeIdentifier(input.name)})
      if (index < 0)
        index = zip_name_locate(archive, (stem + ".npy").c_str(), 0);
    if (index < 0 && signature.inputs.size() == 1 && entries == 1)
      index = 0;
    if (index < 0)
      return llvm::createStringError(path + ": no array named '" + input.name +
                                     "' (the archive needs one per model input)");
    zip_stat_t stat;
    zip_file_t *file = nullptr;
    std::vector<uint8_t> bytes;
    if (zip_stat_index(archive, index, 0, &stat) == 0 && (stat.valid & ZIP_STAT_SIZE) &&
        stat.size < (zip_uint64_t(1) << 34) && (file = zip_fopen_index(archive, index, 0))) {
      bytes.resize(stat.size);
      zip_int64_t got = zip_fread(file, bytes.data(), bytes.size());
      zip_fclose(file);
      if (got != zip_int64_t(bytes.size()))
        file = nullptr;
    }
    if (!file)
      return llvm::createStringError(path + ": cannot read the array for '" + input.name +
                                     "': " + zip_strerror(archive));
    std::string label = path + "[" + input.name + "]";
    quantc_tensor tensor{};
    char message[512];
    if (quantc_npy_read_memory(bytes.data(), bytes.size(), label.c_str(), &tensor, message,
                               sizeof message))
      return llvm::createStringError(message);
    sample.inputs.emplace_back();
    if (auto error = takeArray(input, tensor, label, sample.inputs.back()))
      return std::move(error);
  }
  return sample;
}

std::string inputList(const ModelSignature &signature) {
  std::string names;
  for (const TensorSignature &input : signature.inputs)
    names += (names.empty() ? "'" : ", '") + input.name + "'";
  return names;
}

llvm::Error readOne(const ModelSignature &signature, const std::string &path,
                    std::vector<Sample> &samples) {
  if (llvm::sys::path::extension(path) == ".npz") {
    auto sample = readNpz(signature, path);
    if (!sample)
      return sample.takeError();
    samples.push_back(std::move(*sample));
    return llvm::Error::success();
  }
  if (signature.inputs.size() != 1)
    return llvm::createStringError(
        path + ": a .npy file is one array, but the model has " +
        std::to_string(signature.inputs.size()) + " inputs (" + inputList(signature) +
        "); give each sample as an .npz or a directory with one <input name>.npy per input");
  auto data = readNpy(signature.inputs[0], path);
  if (!data)
    return data.takeError();
  samples.emplace_back().inputs.push_back(std::move(*data));
  return llvm::Error::success();
}

} // namespace

llvm::Expected<std::vector<Sample>> readSamples(const ModelSignature &signature,
                                                const std::vector<std::string> &paths) {
  std::vector<Sample> samples;
  for (const std::string &path : paths) {
    if (!llvm::sys::fs::is_directory(path)) {
      if (!llvm::sys::fs::exists(path))
        return llvm::createStringError(path + ": no such calibration file or directory");
      if (auto error = readOne(signature, path, samples))
        return std::move(error);
      continue;
    }
    if (isSampleDirectory(signature, path) && signature.inputs.size() > 1) {
      auto sample = readSampleDirectory(signature, path);
      if (!sample)
        return sample.takeError();
      samples.push_back(std::move(*sample));
      continue;
    }
    std::vector<std::string> entries;
    std::error_code ec;
    for (llvm::sys::fs::directory_iterator it(path, ec), end; it != end && !ec; it.increment(ec))
      entries.push_back(it->path());
    if (ec)
      return llvm::createStringError(path + ": " + ec.message());
    std::sort(entries.begin(), entries.end());
    size_t before = samples.size();
    for (const std::string &entry : entries) {
      llvm::StringRef extension = llvm::sys::path::extension(entry);
      if (llvm::sys::fs::is_directory(entry)) {
        if (!isSampleDirectory(signature, entry))
          continue;
        auto sample = readSampleDirectory(signature, entry);
        if (!sample)
          return sample.takeError();
        samples.push_back(std::move(*sample));
      } else if (extension == ".npz" || (extension == ".npy" && signature.inputs.size() == 1)) {
        if (auto error = readOne(signature, entry, samples))
          return std::move(error);
      }
    }
    if (samples.size() == before)
      return llvm::createStringError(
          path + ": no calibration samples in this directory (expected " +
          (signature.inputs.size() == 1 ? std::string(".npy or .npz files")
                                        : "sample directories with " + inputList(signature) +
                                              " as .npy files, or .npz files") +
          ")");
  }
  return samples;
}

} // namespace quantc
