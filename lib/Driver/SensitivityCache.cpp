// Sensitivity scores on disk (see SensitivityCache.h).
#include "SensitivityCache.h"

#include "quantc/Support/AtomicFile.h"
#include "quantc/Support/CacheDirectory.h"

#include "dialects/QNN/QNNOps.h"
#include "passes/Transforms/Layers.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/xxhash.h"

#include <algorithm>

namespace quantc {

/// Bumped whenever the scores qnn-sensitivity computes change for the same
/// inputs: older entries are then never read.
constexpr llvm::StringLiteral kCacheVersion = "quantc-sensitivity-1";

namespace {

/// The pieces of a cache key: each hashed on its own (xxh3), the key the
/// 128-bit hash of those hashes.
struct Digest {
  std::vector<uint64_t> pieces;
  void add(llvm::ArrayRef<uint8_t> bytes) { pieces.push_back(llvm::xxh3_64bits(bytes)); }
  void add(llvm::StringRef text) { add(llvm::arrayRefFromStringRef(text)); }
  template <typename T> void addRaw(llvm::ArrayRef<T> values) {
    add(llvm::ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(values.data()),
                                values.size() * sizeof(T)));
  }
  template <typename T> void addPrinted(const T &value) {
    std::string text;
    llvm::raw_string_ostream(text) << value;
    add(text);
  }
  std::string hex() const {
    llvm::XXH128_hash_t hash = llvm::xxh3_128bits(llvm::ArrayRef<uint8_t>(
        reinterpret_cast<const uint8_t *>(pieces.data()), pieces.size() * sizeof(uint64_t)));
    return llvm::utohexstr(hash.high64, true, 16) + llvm::utohexstr(hash.low64, true, 16);
  }
};

/// An attribute's content: raw bytes for large constants (printing rec's
/// X^T X attributes would take hundreds of megabytes), text otherwise.
void addAttribute(Digest &digest, mlir::Attribute value) {
  if (auto dense = llvm::dyn_cast<mlir::DenseElementsAttr>(value)) {
    digest.addPrinted(dense.getType());
    digest.addRaw(dense.getRawData());
  } else if (auto resource = llvm::dyn_cast<mlir::DenseResourceElementsAttr>(value)) {
    digest.addPrinted(resource.getType());
    if (mlir::AsmResourceBlob *blob = resource.getRawHandle().getBlob())
      digest.addRaw(blob->getData());
  } else if (auto array = llvm::dyn_cast<mlir::DenseF64ArrayAttr>(value)) {
    digest.addRaw(array.asArrayRef());
  } else {
    digest.addPrinted(value);
  }
}

void addModule(Digest &digest, mlir::ModuleOp module) {
  module.walk([&](mlir::Operation *op) {
    digest.add(op->getName().getStringRef());
    for (mlir::Type type : op->getOperandTypes())
      digest.addPrinted(type);
    for (mlir::Type type : op->getResultTypes())
      digest.addPrinted(type);
    for (mlir::NamedAttribute attribute : op->getAttrs()) {
      digest.add(attribute.getName().strref());
      addAttribute(digest, attribute.getValue());
    }
    if (auto name = llvm::dyn_cast<mlir::NameLoc>(op->getLoc()))
      digest.add(name.getName().strref()); // layer names key the cache file
  });
}

/// Every file a sample path names (directories recursively), in name order.
void addSamples(Digest &digest, const std::vector<std::string> &paths) {
  for (const std::string &path : paths) {
    std::vector<std::string> files;
    if (llvm::sys::fs::is_directory(path)) {
      std::error_code error;
      for (llvm::sys::fs::recursive_directory_iterator it(path, error), end; it != end && !error;
           it.increment(error))
        if (llvm::sys::fs::is_regular_file(it->path()))
          files.push_back(it->path());
      std::sort(files.begin(), files.end());
    } else {
      files.push_back(path);
    }
    for (const std::string &file : files) {
      digest.add(llvm::sys::path::filename(file));
      if (auto buffer = llvm::MemoryBuffer::getFile(file))
        digest.add(llvm::arrayRefFromStringRef((*buffer)->getBuffer()));
    }
  }
}

} // namespace

std::string sensitivityCachePath(llvm::StringRef directory, mlir::ModuleOp module,
                                 const std::vector<std::string> &samples, llvm::StringRef options) {
  if (directory.empty())
    return "";
  Digest digest;
  digest.add(kCacheVersion);
  digest.add(options);
  addModule(digest, module);
  addSamples(digest, samples);
  llvm::SmallString<256> path(directory);
  llvm::sys::path::append(path, digest.hex() + ".json");
  return path.str().str();
}

bool loadSensitivity(mlir::ModuleOp module, llvm::StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer)
    return false;
  auto parsed = llvm::json::parse((*buffer)->getBuffer());
  const llvm::json::Object *root = parsed ? parsed->getAsObject() : nullptr;
  const llvm::json::Object *layers = root ? root->getObject("layers") : nullptr;
  if (!layers) {
    llvm::consumeError(parsed.takeError());
    return false;
  }
  mlir::MLIRContext *context = module.getContext();
  struct Scores {
    mlir::Operation *op;
    mlir::Attribute sensitivity, act;
  };
  std::vector<Scores> found;
  auto numbers = [](const llvm::json::Array *array, auto &out) {
    if (!array)
      return false;
    for (const llvm::json::Value &value : *array) {
      auto number = value.getAsNumber();
      if (!number)
        return false;
      out.push_back(*number);
    }
    return true;
  };
  size_t matched = 0;
  for (mlir::Operation *op : qnn::weightedLayers(module)) {
    // Layers qnn-sensitivity does not score have no entry.
    const llvm::json::Object *entry = layers->getObject(qnn::layerName(op));
    if (!entry)
      continue;
    ++matched;
    llvm::SmallVector<double> bits, omega, act;
    if (!numbers(entry->getArray("bits"), bits) || !numbers(entry->getArray("omega"), omega) ||
        bits.size() != omega.size() || bits.empty())
      return false;
    llvm::SmallVector<int64_t> widths(bits.begin(), bits.end());
    Scores scores{op,
                  qnn::SensitivityAttr::get(context, mlir::DenseI64ArrayAttr::get(context, widths),
                                            mlir::DenseF64ArrayAttr::get(context, omega)),
                  {}};
    if (entry->getArray("act")) {
      if (!numbers(entry->getArray("act"), act))
        return false;
      scores.act = mlir::DenseF64ArrayAttr::get(context, act);
    }
    found.push_back(scores);
  }
  if (matched == 0 || matched != layers->size())
    return false;
  for (const Scores &scores : found) {
    scores.op->setAttr("qnn.sensitivity", scores.sensitivity);
    if (scores.act)
      scores.op->setAttr("qnn.act_sensitivity", scores.act);
  }
  return true;
}

llvm::Error saveSensitivity(mlir::ModuleOp module, llvm::StringRef path) {
  llvm::json::Object layers;
  for (mlir::Operation *op : qnn::weightedLayers(module)) {
    auto sensitivity = op->getAttrOfType<qnn::SensitivityAttr>("qnn.sensitivity");
    if (!sensitivity)
      continue;
    llvm::json::Object entry{{"bits", llvm::json::Array(sensitivity.getBits().asArrayRef())},
                             {"omega", llvm::json::Array(sensitivity.getOmega().asArrayRef())}};
    if (auto act = op->getAttrOfType<mlir::DenseF64ArrayAttr>("qnn.act_sensitivity"))
      entry["act"] = llvm::json::Array(act.asArrayRef());
    layers[qnn::layerName(op)] = std::move(entry);
  }
  if (auto error = llvm::sys::fs::create_directories(llvm::sys::path::parent_path(path)))
    return llvm::createStringError("cannot create " + llvm::sys::path::parent_path(path) + ": " +
                                   error.message());
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::json::Value(llvm::json::Object{{"version", kCacheVersion}, {"layers", std::move(layers)}});
  return writeFileAtomically(path, text);
}

} // namespace quantc
