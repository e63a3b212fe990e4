// Allocation files (see AllocationFile.h) and qnn-apply-allocation.
#include "passes/Transforms/AllocationFile.h"
#include "passes/Transforms/Layers.h"
#include "passes/Transforms/Passes.h"

#include "quantc/Support/AtomicFile.h"

#include "dialects/QNN/QNNOps.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

namespace quantc::qnn {
#define GEN_PASS_DEF_QNNAPPLYALLOCATIONPASS
#include "passes/Transforms/Passes.h.inc"

using namespace mlir;

namespace {

constexpr int64_t kFormatVersion = 1;

/// One layer's entry.
struct LayerAllocation {
  int64_t weightBits = 32, groupSize = 0, actBits = 8;
  bool symmetric = true;
  bool used = false;
};

/// The file's JSON root, checked to be an allocation file; `path` names it
/// in errors.
llvm::Expected<llvm::json::Object> parseAllocationRoot(llvm::StringRef text, llvm::StringRef path) {
  auto parsed = llvm::json::parse(text);
  if (!parsed)
    return llvm::createStringError(path + ": not JSON: " + llvm::toString(parsed.takeError()));
  llvm::json::Object *root = parsed->getAsObject();
  if (!root || root->getInteger("quantc_allocation") != kFormatVersion)
    return llvm::createStringError(path + ": not a quantc allocation file (no \"quantc_allocation\": " +
                                   std::to_string(kFormatVersion) + ")");
  return std::move(*root);
}

llvm::Expected<std::string> readText(llvm::StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer)
    return llvm::createStringError("cannot read allocation file '" + path + "': " +
                                   buffer.getError().message());
  return (*buffer)->getBuffer().str();
}

/// The entries by layer name, checked.
llvm::Expected<llvm::StringMap<LayerAllocation>> parseLayers(llvm::StringRef text,
                                                              llvm::StringRef path) {
  auto root = parseAllocationRoot(text, path);
  if (!root)
    return root.takeError();
  const llvm::json::Array *entries = root->getArray("layers");
  if (!entries)
    return llvm::createStringError(path + ": no \"layers\" array");
  llvm::StringMap<LayerAllocation> layers;
  for (const llvm::json::Value &value : *entries) {
    const llvm::json::Object *entry = value.getAsObject();
    auto name = entry ? entry->getString("name") : std::nullopt;
    auto bits = entry ? entry->getInteger("weight_bits") : std::nullopt;
    if (!name || !bits)
      return llvm::createStringError(path + ": each layer needs a \"name\" and \"weight_bits\"");
    LayerAllocation layer;
    layer.weightBits = *bits;
    layer.groupSize = entry->getInteger("group_size").value_or(0);
    layer.actBits = entry->getInteger("act_bits").value_or(8);
    layer.symmetric = entry->getBoolean("symmetric").value_or(true);
    std::string where = path.str() + ": layer '" + name->str() + "': ";
    if (!(layer.weightBits == 32 || (layer.weightBits >= 2 && layer.weightBits <= 8)))
      return llvm::createStringError(where + "weight_bits must be 2-8 or 32 (float), got " +
                                     std::to_string(layer.weightBits));
    if (layer.groupSize < -1)
      return llvm::createStringError(where + "group_size must be -1, 0 or positive");
    if (layer.actBits != 0 && layer.actBits != 8 && layer.actBits != 16)
      return llvm::createStringError(where + "act_bits must be 0, 8 or 16, got " +
                                     std::to_string(layer.actBits));
    if (!layers.try_emplace(*name, layer).second)
      return llvm::createStringError(where + "listed twice");
  }
  return layers;
}

llvm::Expected<llvm::StringMap<LayerAllocation>> readLayers(llvm::StringRef path) {
  auto text = readText(path);
  if (!text)
    return text.takeError();
  return parseLayers(*text, path);
}

struct QNNApplyAllocationPass : impl::QNNApplyAllocationPassBase<QNNApplyAllocationPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto entries = readLayers(file);
    if (!entries) {
      module.emitError() << "qnn-apply-allocation: " << llvm::toString(entries.takeError());
      return signalPassFailure();
    }
    MLIRContext *context = &getContext();
    for (Operation *op : weightedLayers(module)) {
      std::string name = layerName(op);
      auto found = entries->find(name);
      if (found == entries->end()) {
        op->emitError() << "qnn-apply-allocation: layer '" << name << "' has no entry in '"
                        << file << "' (was it saved for another model?)";
        return signalPassFailure();
      }
      LayerAllocation &layer = found->second;
      layer.used = true;
      if (layer.weightBits == 32) {
        op->removeAttr("qnn.weight_format");
        continue;
      }
      op->setAttr("qnn.weight_format",
                  WeightFormatAttr::get(context, unsigned(layer.weightBits), layer.groupSize,
                                        BoolAttr::get(context, false),
                                        BoolAttr::get(context, layer.symmetric)));
      if (layer.actBits == 16)
        op->setAttr("qnn.act_bits", IntegerAttr::get(IntegerType::get(context, 64), 16));
      else
        op->removeAttr("qnn.act_bits");
    }
    for (const auto &entry : *entries)
      if (!entry.second.used) {
        module.emitError() << "qnn-apply-allocation: '" << file << "' names layer '"
                           << entry.getKey() << "', which the model does not have";
        return signalPassFailure();
      }
  }
};

} // namespace

llvm::Error writeAllocationFile(ModuleOp module, llvm::StringRef path, llvm::StringRef weightMethod) {
  llvm::json::Array layers;
  double parameters = 0, weightBits = 0;
  for (Operation *op : weightedLayers(module)) {
    auto format = op->getAttrOfType<WeightFormatAttr>("qnn.weight_format");
    auto act = op->getAttrOfType<IntegerAttr>("qnn.act_bits");
    bool ternary = format && format.getTernary() && format.getTernary().getValue();
    if (format && (ternary || format.getBits() < 2))
      return llvm::createStringError("layer '" + layerName(op) +
                                     "' has ternary or binary weights, which allocation files "
                                     "do not hold");
    int64_t bits = format ? int64_t(format.getBits()) : 32;
    double count = double(cast<ShapedType>(op->getOperand(1).getType()).getNumElements());
    parameters += count;
    weightBits += count * double(bits);
    layers.push_back(llvm::json::Object{
        {"name", layerName(op)},
        {"weight_bits", bits},
        {"group_size", format ? format.getGroupSize() : int64_t(0)},
        {"symmetric", !format || !format.getSymmetric() || format.getSymmetric().getValue()},
        {"act_bits", act ? act.getInt() : int64_t(8)},
    });
  }
  llvm::json::Object root{{"quantc_allocation", kFormatVersion},
                          {"weight_method", weightMethod},
                          {"avg_bits", parameters > 0 ? weightBits / parameters : 0.0},
                          {"layers", std::move(layers)}};
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(root))) << "\n";
  return writeFileAtomically(path, text);
}

llvm::Error checkAllocationText(llvm::StringRef text, llvm::StringRef name) {
  auto layers = parseLayers(text, name);
  return layers ? llvm::Error::success() : layers.takeError();
}

llvm::Expected<std::string> allocationFileMethod(llvm::StringRef path) {
  auto text = readText(path);
  if (!text)
    return text.takeError();
  auto root = parseAllocationRoot(*text, path);
  if (!root)
    return root.takeError();
  return root->getString("weight_method").value_or("").str();
}

} // namespace quantc::qnn
