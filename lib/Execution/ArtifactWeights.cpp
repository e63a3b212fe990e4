// An artifact's external weights (ExternalWeights.h): embedded as read-only
// data of the .so while they are small, else written to <name>.weights
// beside it, which the runtime maps at the first call.
#include "ArtifactWeights.h"

#include "quantc/Support/MappedPages.h"

#include "llvm/IR/IRBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

namespace quantc {

/// Weights below this stay in the .so (one file to ship); above it, a
/// separate file keeps them out of the linker and maps without a copy.
constexpr uint64_t kWeightsFileThreshold = uint64_t(64) << 20;

static uint64_t alignUp(uint64_t offset) {
  return (offset + kExternalWeightAlignment - 1) / kExternalWeightAlignment *
         kExternalWeightAlignment;
}

/// Each weight as private read-only data; the table points at them.
static void embed(llvm::Module &module, llvm::GlobalVariable &table,
                  llvm::ArrayRef<llvm::ArrayRef<char>> weights) {
  llvm::LLVMContext &context = module.getContext();
  std::vector<llvm::Constant *> entries;
  for (auto [index, weight] : llvm::enumerate(weights)) {
    auto *data = llvm::ConstantDataArray::getRaw(llvm::StringRef(weight.data(), weight.size()),
                                                 weight.size(), llvm::Type::getInt8Ty(context));
    auto *global = new llvm::GlobalVariable(module, data->getType(), /*isConstant=*/true,
                                            llvm::GlobalValue::PrivateLinkage, data,
                                            "quantc_weight" + std::to_string(index));
    global->setAlignment(llvm::Align(kExternalWeightAlignment));
    entries.push_back(global);
  }
  table.setInitializer(llvm::ConstantArray::get(
      llvm::cast<llvm::ArrayType>(table.getValueType()), entries));
  table.setConstant(true);
  table.setLinkage(llvm::GlobalValue::PrivateLinkage);
}

/// Writes the file; the run function first maps it (quantc_map_weights),
/// and returns at once when that fails (the call then reports why).
static llvm::Error writeFile(llvm::Module &module, llvm::GlobalVariable &table,
                             llvm::Function &run, llvm::ArrayRef<llvm::ArrayRef<char>> weights,
                             llvm::StringRef fileName, llvm::StringRef outDir) {
  llvm::SmallString<256> path(outDir);
  llvm::sys::path::append(path, fileName);
  std::error_code ec;
  llvm::raw_fd_ostream out(path, ec);
  if (ec)
    return llvm::createStringError(path.str().str() + ": " + ec.message());
  std::vector<uint64_t> offsets;
  uint64_t offset = 0;
  for (llvm::ArrayRef<char> weight : weights) {
    out.write_zeros(alignUp(offset) - offset);
    offset = alignUp(offset);
    offsets.push_back(offset);
    out.write(weight.data(), weight.size());
    releaseMappedPages(weight); // written: a large model's weights pass through one at a time
    offset += weight.size();
  }
  out.close();
  if (out.has_error())
    return llvm::createStringError(path.str().str() + ": " + out.error().message());

  llvm::LLVMContext &context = module.getContext();
  table.setInitializer(llvm::Constant::getNullValue(table.getValueType()));
  table.setLinkage(llvm::GlobalValue::InternalLinkage);
  auto *i64 = llvm::Type::getInt64Ty(context);
  auto *offsetsInit = llvm::ConstantDataArray::get(context, llvm::ArrayRef<uint64_t>(offsets));
  auto *offsetsGlobal = new llvm::GlobalVariable(module, offsetsInit->getType(), true,
                                                 llvm::GlobalValue::PrivateLinkage, offsetsInit,
                                                 "quantc_weight_offsets");
  auto *ptr = llvm::PointerType::getUnqual(context);
  auto *i32 = llvm::Type::getInt32Ty(context);
  llvm::FunctionCallee map = module.getOrInsertFunction(
      "quantc_map_weights", llvm::FunctionType::get(i32, {ptr, i64, ptr, i64, ptr}, false));

  llvm::BasicBlock *body = &run.getEntryBlock();
  auto *check = llvm::BasicBlock::Create(context, "map_weights", &run, body);
  auto *fail = llvm::BasicBlock::Create(context, "no_weights", &run, body);
  llvm::IRBuilder<> b(check);
  llvm::Value *status = b.CreateCall(
      map, {b.CreateGlobalString(fileName, "quantc_weights_file", 0, &module),
            llvm::ConstantInt::get(i64, offset), offsetsGlobal,
            llvm::ConstantInt::get(i64, offsets.size()), &table});
  b.CreateCondBr(b.CreateICmpEQ(status, llvm::ConstantInt::get(i32, 0)), body, fail);
  b.SetInsertPoint(fail);
  b.CreateRetVoid();
  return llvm::Error::success();
}

llvm::Expected<std::string> placeExternalWeights(llvm::Module &module, llvm::Function &run,
                                                 llvm::ArrayRef<llvm::ArrayRef<char>> weights,
                                                 llvm::StringRef placement, llvm::StringRef name,
                                                 llvm::StringRef outDir) {
  llvm::GlobalVariable *table = module.getGlobalVariable("quantc_weights");
  if (!table || weights.empty())
    return "";
  uint64_t total = 0;
  for (llvm::ArrayRef<char> weight : weights)
    total = alignUp(total) + weight.size();
  bool toFile = placement == "file" || (placement == "auto" && total >= kWeightsFileThreshold);
  if (!toFile) {
    embed(module, *table, weights);
    return "";
  }
  if (!run.getReturnType()->isVoidTy())
    return llvm::createStringError("the model's entry returns a value; weights cannot be mapped");
  std::string fileName = name.str() + ".weights";
  if (auto error = writeFile(module, *table, run, weights, fileName, outDir))
    return std::move(error);
  return fileName;
}

} // namespace quantc
