// Ahead-of-time artifacts: object code + descriptor -> lib<name>.so, <name>.h, quantc_runtime.h.
#include "quantc/Execution/Execution.h"
#include "quantc/Runtime/quantc_runtime.h"
#include "quantc/Support/AtomicFile.h"
#include "ArtifactWeights.h"
#include "ParallelCodegen.h"

#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <set>
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

namespace quantc {

static const char *runtimeHeaderText =
#include "RuntimeHeader.inc"
    ;

std::string sanitizeIdentifier(llvm::StringRef text) {
  std::string id;
  for (char c : text)
    id += (std::isalnum(static_cast<unsigned char>(c)) || c == '_') ? c : '_';
  if (id.empty() || std::isdigit(static_cast<unsigned char>(id[0])))
    id = "m_" + id;
  return id;
}

static const char *cTypeOf(int32_t dtype) {
  switch (dtype) {
  case QUANTC_FLOAT32: return "float";
  case QUANTC_FLOAT64: return "double";
  case QUANTC_FLOAT16: return "uint16_t";
  case QUANTC_INT64: return "int64_t";
  case QUANTC_INT32: return "int32_t";
  case QUANTC_INT16: return "int16_t";
  case QUANTC_INT8: return "int8_t";
  case QUANTC_UINT16: return "uint16_t";
  case QUANTC_BFLOAT16: return "uint16_t"; // raw bits
  case QUANTC_UINT32: return "uint32_t";
  case QUANTC_UINT64: return "uint64_t";
  default: return "uint8_t"; // bool, uint8
  }
}

/// Adds NAME_entry(void **buffers) and the NAME_model descriptor (quantc_model).
static void addDescriptor(llvm::Module &module, llvm::Function &run, llvm::StringRef name,
                          const ModelSignature &signature) {
  llvm::LLVMContext &ctx = module.getContext();
  llvm::IRBuilder<> b(ctx);
  auto *ptr = llvm::PointerType::getUnqual(ctx);
  auto *i32 = b.getInt32Ty();

  auto *entryType = llvm::FunctionType::get(b.getVoidTy(), {ptr}, false);
  auto *entry = llvm::Function::Create(entryType, llvm::GlobalValue::ExternalLinkage,
                                       name + "_entry", module);
  b.SetInsertPoint(llvm::BasicBlock::Create(ctx, "entry", entry));
  llvm::SmallVector<llvm::Value *> args;
  for (unsigned i = 0; i < run.arg_size(); ++i)
    args.push_back(b.CreateLoad(ptr, b.CreateConstInBoundsGEP1_64(ptr, entry->getArg(0), i)));
  b.CreateCall(&run, args);
  b.CreateRetVoid();

  auto *infoType = llvm::StructType::get(ctx, {ptr, i32, i32, ptr});
  auto infos = [&](const std::vector<TensorSignature> &tensors, llvm::StringRef role) {
    std::vector<llvm::Constant *> elements;
    for (auto [index, tensor] : llvm::enumerate(tensors)) {
      std::vector<uint64_t> dims(tensor.shape.begin(), tensor.shape.end());
      auto *shapeInit = llvm::ConstantDataArray::get(ctx, llvm::ArrayRef<uint64_t>(dims));
      auto *shape = new llvm::GlobalVariable(module, shapeInit->getType(), true,
                                             llvm::GlobalValue::PrivateLinkage, shapeInit,
                                             name + "_" + role + std::to_string(index) + "_shape");
      auto *tensorName = b.CreateGlobalString(tensor.name, "", 0, &module);
      elements.push_back(llvm::ConstantStruct::get(
          infoType, {tensorName, llvm::ConstantInt::get(i32, tensor.dtype),
                     llvm::ConstantInt::get(i32, tensor.shape.size()), shape}));
    }
    auto *arrayType = llvm::ArrayType::get(infoType, elements.size());
    return new llvm::GlobalVariable(module, arrayType, true, llvm::GlobalValue::PrivateLinkage,
                                    llvm::ConstantArray::get(arrayType, elements),
                                    name + "_" + role + "s");
  };
  auto *modelType = llvm::StructType::get(ctx, {i32, i32, i32, ptr, ptr, ptr, ptr});
  auto *modelName = b.CreateGlobalString(name, "", 0, &module);
  auto *init = llvm::ConstantStruct::get(
      modelType, {llvm::ConstantInt::get(i32, QUANTC_ABI_VERSION),
                  llvm::ConstantInt::get(i32, signature.inputs.size()),
                  llvm::ConstantInt::get(i32, signature.outputs.size()), modelName,
                  infos(signature.inputs, "input"), infos(signature.outputs, "output"), entry});
  new llvm::GlobalVariable(module, modelType, true, llvm::GlobalValue::ExternalLinkage, init,
                           name + "_model");
}

static std::string shapeText(const TensorSignature &tensor) {
  std::string text = "[";
  for (size_t d = 0; d < tensor.shape.size(); ++d)
    text += (d ? "," : "") + std::to_string(tensor.shape[d]);
  return text + "]";
}

static std::string headerText(llvm::StringRef name, const ModelSignature &signature,
                              const TargetSpec &target, int64_t scratchBytes) {
  std::string guard = llvm::StringRef(name).upper() + "_H";
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "/* " << name << ": generated by quantc for " << target.triple << " (" << target.cpu
     << ")";
  if (!target.gpuChip.empty())
    os << ", its matmuls on an NVIDIA " << target.gpuChip << " GPU (CUDA driver opened at "
       << "the first call; failures in quantc_last_error())";
  os << ". */\n#ifndef " << guard << "\n#define " << guard << "\n\n#include \"quantc_runtime.h\"\n\n"
     << "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
  os << "/* Inputs and outputs (dense, row-major, exactly this many elements):\n";
  for (auto &tensor : signature.inputs)
    os << " *   input  " << tensor.name << ": " << quantc_dtype_name(tensor.dtype)
       << shapeText(tensor) << " (" << tensor.numel() << " elements)\n";
  for (auto &tensor : signature.outputs)
    os << " *   output " << tensor.name << ": " << quantc_dtype_name(tensor.dtype)
       << shapeText(tensor) << " (" << tensor.numel() << " elements)\n";
  os << " *\n * The contract:\n"
     << " * - " << name << "_run does no checking: each pointer must reference a dense buffer\n"
     << " *   of exactly the size above, suitably aligned for its type. Inputs are only\n"
     << " *   read; outputs are overwritten and must not overlap inputs or each other.\n"
     << " * - " << name << "_run_checked takes each buffer's size in bytes and returns -1\n"
     << " *   without running when a pointer is NULL or a size is wrong; 0 after a run.\n"
     << " * - quantc_model_run(&" << name << "_model, ...) checks dtypes, ranks and shapes\n"
     << " *   of quantc_tensor descriptors and reports errors as text.\n"
     << " * - Calls are reentrant and thread-safe: every call allocates its own\n"
     << " *   intermediates. Large loops run on an OpenMP team of\n"
     << " *   quantc_thread_count() threads (quantc_set_thread_count,\n"
     << " *   quantc_run_options, QUANTC_NUM_THREADS; default every core);\n"
     << " *   results are bit-identical for any count. */\n";
  os << "/* Scratch memory of one call: intermediates share one arena of this\n"
     << " * many bytes, planned from their lifetimes (one block per calling\n"
     << " * thread, kept for its next call). */\n"
     << "#define " << llvm::StringRef(name).upper() << "_SCRATCH_BYTES " << scratchBytes
     << "\n\n";
  os << "extern const quantc_model " << name << "_model;\n\nvoid " << name << "_run(";
  std::set<std::string> used;
  auto param = [&](const TensorSignature &tensor, bool isInput) {
    std::string id = sanitizeIdentifier(tensor.name);
    while (!used.insert(id).second)
      id += "_";
    return std::string(isInput ? "const " : "") + cTypeOf(tensor.dtype) + " *" + id;
  };
  bool first = true;
  for (auto &tensor : signature.inputs)
    os << (first ? "" : ", ") << param(tensor, true), first = false;
  for (auto &tensor : signature.outputs)
    os << (first ? "" : ", ") << param(tensor, false), first = false;
  os << ");\n\n";
  // The checked wrapper: each buffer with its byte size, validated first.
  used.clear();
  std::vector<std::pair<std::string, int64_t>> checked; // parameter name, bytes
  os << "static inline int " << name << "_run_checked(";
  first = true;
  auto checkedParam = [&](const TensorSignature &tensor, bool isInput) {
    std::string decl = param(tensor, isInput);
    std::string id = decl.substr(decl.rfind('*') + 1);
    checked.push_back({id, tensor.numel() * int64_t(quantc_dtype_size(tensor.dtype))});
    os << (first ? "" : ", ") << decl << ", size_t " << id << "_bytes";
    first = false;
  };
  for (auto &tensor : signature.inputs)
    checkedParam(tensor, true);
  for (auto &tensor : signature.outputs)
    checkedParam(tensor, false);
  os << ") {\n";
  for (auto &[id, bytes] : checked)
    os << "  if (!" << id << " || " << id << "_bytes != " << bytes << "u) return -1;\n";
  os << "  " << name << "_run(";
  for (size_t i = 0; i < checked.size(); ++i)
    os << (i ? ", " : "") << checked[i].first;
  os << ");\n  return 0;\n}\n\n#ifdef __cplusplus\n}\n#endif\n\n#endif /* " << guard << " */\n";
  return text;
}

/// lib/libquantc_runtime.a next to the quantc binary (lib/<arch>/ for cross targets).
static std::string runtimeLibrary(const TargetSpec &target,
                                  llvm::StringRef file = "libquantc_runtime.a") {
  llvm::SmallString<256> dir;
  if (const char *env = std::getenv("QUANTC_RUNTIME_DIR")) {
    dir = env;
  } else {
    static int anchor;
    dir = llvm::sys::path::parent_path(
        llvm::sys::path::parent_path(llvm::sys::fs::getMainExecutable(nullptr, &anchor)));
    llvm::sys::path::append(dir, "lib");
  }
  llvm::Triple triple(target.triple);
  if (triple.getArch() != llvm::Triple(llvm::sys::getProcessTriple()).getArch())
    llvm::sys::path::append(dir, triple.getArchName());
  llvm::sys::path::append(dir, file);
  return std::string(dir);
}

llvm::Error writeArtifact(mlir::ModuleOp lowered, const ModelSignature &signature,
                          const TargetSpec &target, llvm::StringRef name,
                          llvm::StringRef outDir, llvm::StringRef objectCache,
                          ArtifactTimes *times) {
  ArtifactTimes ignored;
  ArtifactTimes &spent = times ? *times : ignored;
  auto stepStart = std::chrono::steady_clock::now();
  auto endStep = [&](double &seconds) {
    auto now = std::chrono::steady_clock::now();
    seconds += std::chrono::duration<double>(now - stepStart).count();
    stepStart = now;
  };
  auto machine = createTargetMachine(target);
  if (!machine)
    return machine.takeError();
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> module = mlir::translateModuleToLLVMIR(lowered, llvmContext, name);
  if (!module)
    return llvm::createStringError("translation to LLVM IR failed");
  module->setDataLayout((*machine)->createDataLayout());
  module->setTargetTriple((*machine)->getTargetTriple());
  int64_t scratchBytes = 0;
  if (auto main = lowered.lookupSymbol("main"))
    if (auto bytes = main->getAttrOfType<mlir::IntegerAttr>("quantc.scratch_bytes"))
      scratchBytes = bytes.getInt();
  llvm::Function *run = module->getFunction("main");
  if (!run)
    return llvm::createStringError("lowered module has no main function");
  run->setName(name + "_run");
  if (auto ec = llvm::sys::fs::create_directories(outDir))
    return llvm::createStringError(outDir + ": cannot create directory: " + ec.message());
  auto weightsFile = placeExternalWeights(*module, *run, externalWeights(lowered),
                                          target.weightsPlacement, name, outDir);
  if (!weightsFile)
    return weightsFile.takeError();
  addDescriptor(*module, *run, name, signature);
  endStep(spent.translate);
  // -O2: -O3 measured no faster on cls, rec and det, float and quantized,
  // and made twice the code (full unrolls of strided copies into blocks of
  // 8000 instructions) at twice the compile time.
  auto compiled = compileToObjects(std::move(module), target, /*optLevel=*/2, objectCache);
  if (!compiled)
    return compiled.takeError();
  auto &objects = compiled->objects;
  spent.partitions = objects.size();
  spent.cachedPartitions = compiled->cached;
  endStep(spent.compile);

  if (auto ec = llvm::sys::fs::create_directories(outDir))
    return llvm::createStringError(outDir + ": cannot create directory: " + ec.message());
  std::string runtime = runtimeLibrary(target);
  if (!llvm::sys::fs::exists(runtime))
    return llvm::createStringError("runtime library " + runtime + " not found (set QUANTC_RUNTIME_DIR)");

  // Object files and shared library go through temporary names, renamed at the end.
  llvm::SmallVector<llvm::SmallString<256>, 4> objectPaths(objects.size());
  llvm::scope_exit cleanup([&] {
    for (auto &path : objectPaths)
      if (!path.empty())
        llvm::sys::fs::remove(path);
  });
  for (auto [object, path] : llvm::zip(objects, objectPaths)) {
    if (auto ec = llvm::sys::fs::createTemporaryFile("quantc-" + name, "o", path))
      return llvm::createStringError("cannot create a temporary object file: " + ec.message());
    if (auto error = writeFileAtomically(path, llvm::StringRef(object.data(), object.size())))
      return error;
  }
  llvm::SmallString<256> libraryPath(outDir), tempLibrary;
  llvm::sys::path::append(libraryPath, "lib" + name + ".so");
  tempLibrary = libraryPath;
  tempLibrary += ".tmp";

  const char *envCC = std::getenv("QUANTC_CC");
  std::string cc = envCC ? envCC : QUANTC_DEFAULT_CC;
  auto ccPath = llvm::sys::findProgramByName(cc);
  if (!ccPath)
    return llvm::createStringError("linker driver '" + cc + "' not found (set QUANTC_CC)");
  llvm::Triple triple(target.triple);
  std::string linkTarget = "--target=" + triple.getArchName().str() + "-linux-gnu";
  // The whole runtime goes in: C callers use its .npy and checked-call API.
  // -Bsymbolic: the model's code calls its own runtime copy (thread count,
  // buffers), even in a process that has another (quantc itself).
  llvm::SmallVector<llvm::StringRef> argv = {
      *ccPath, linkTarget, "-shared", "-fuse-ld=lld", "-Wl,-Bsymbolic", "-o", tempLibrary};
  for (auto &path : objectPaths)
    argv.push_back(path);
  argv.append({"-Wl,--whole-archive", runtime, "-Wl,--no-whole-archive"});
  // GPU targets: the launches their host code calls, and the launcher,
  // which opens libcuda.so.1 at run time (nothing CUDA is linked).
  std::string gpuRuntime = runtimeLibrary(target, "libquantc_gpu_runtime.a");
  if (!target.gpuChip.empty()) {
    if (!llvm::sys::fs::exists(gpuRuntime))
      return llvm::createStringError("GPU runtime library " + gpuRuntime +
                                     " not found (set QUANTC_RUNTIME_DIR)");
    argv.append({gpuRuntime, "-ldl", "-lpthread"});
  }
  argv.push_back("-lm");
  // Parallel loops call libomp; the artifact then needs libomp.so.5 at run time.
  if (target.openmp)
    argv.push_back(QUANTC_OPENMP_LIBRARY);
  std::string message;
  int status = llvm::sys::ExecuteAndWait(*ccPath, argv, std::nullopt, {}, 0, 0, &message);
  if (status != 0) {
    llvm::sys::fs::remove(tempLibrary);
    return llvm::createStringError("linking " + libraryPath.str().str() + " failed (" + cc +
                                   " exit " + std::to_string(status) + ") " + message);
  }

  endStep(spent.link);
  llvm::SmallString<256> headerPath(outDir), runtimeHeaderPath(outDir);
  llvm::sys::path::append(headerPath, name + ".h");
  llvm::sys::path::append(runtimeHeaderPath, "quantc_runtime.h");
  std::string header = headerText(name, signature, target, scratchBytes);
  if (!weightsFile->empty()) // before the include guard's end
    header.insert(header.find("extern const quantc_model"),
                  "/* Weights: " + *weightsFile + ", beside lib" + name.str() +
                      ".so, mapped at the first call (a missing or wrong file fails that "
                      "call with a message). */\n");
  if (auto error = writeFileAtomically(headerPath, header))
    return llvm::sys::fs::remove(tempLibrary), std::move(error);
  if (auto error = writeFileAtomically(runtimeHeaderPath, runtimeHeaderText))
    return llvm::sys::fs::remove(tempLibrary), std::move(error);
  if (auto ec = llvm::sys::fs::rename(tempLibrary, libraryPath)) {
    llvm::sys::fs::remove(tempLibrary);
    return llvm::createStringError(libraryPath.str().str() + ": cannot rename: " + ec.message());
  }
  return llvm::Error::success();
}

} // namespace quantc
