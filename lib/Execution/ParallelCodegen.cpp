// Optimization and code generation on every core: the module is split into
// partitions of about equal size, each optimized and compiled in an
// LLVMContext of its own (contexts are not shared between threads).
#include "ParallelCodegen.h"

#include "quantc/Support/Parallel.h"

#include "mlir/ExecutionEngine/OptUtils.h"
#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/CachePruning.h"
#include "llvm/Support/Caching.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/xxhash.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Transforms/IPO/MergeFunctions.h"
#include "llvm/Transforms/Instrumentation/ThreadSanitizer.h"
#include "llvm/Transforms/Utils/Cloning.h"

namespace quantc {

/// Partitions reference each other's functions and globals: local symbols
/// become hidden externals, which the shared library does not export.
static void externalizeLocals(llvm::Module &module) {
  unsigned unnamed = 0;
  for (llvm::GlobalValue &value : module.global_values()) {
    if (value.isDeclaration())
      continue;
    if (!value.hasName())
      value.setName("quantc.unnamed." + std::to_string(unnamed++));
    if (value.hasLocalLinkage()) {
      value.setLinkage(llvm::GlobalValue::ExternalLinkage);
      value.setVisibility(llvm::GlobalValue::HiddenVisibility);
    }
  }
}

/// Each defined function goes to the partition with the fewest instructions
/// so far, largest first; global variables (the weights: raw bytes, cheap to
/// emit) and aliases go to partition 0. Deterministic: ties keep module
/// order.
static llvm::DenseMap<const llvm::GlobalValue *, unsigned>
assignPartitions(const llvm::Module &module, unsigned partitions) {
  struct Sized {
    size_t size, order;
    const llvm::Function *function;
  };
  llvm::SmallVector<Sized> functions;
  for (const llvm::Function &function : module)
    if (!function.isDeclaration())
      functions.push_back({function.getInstructionCount(), functions.size(), &function});
  llvm::sort(functions, [](const Sized &a, const Sized &b) {
    return a.size != b.size ? a.size > b.size : a.order < b.order;
  });
  llvm::SmallVector<size_t> load(partitions, 0);
  llvm::DenseMap<const llvm::GlobalValue *, unsigned> owner;
  for (auto [size, order, function] : functions) {
    unsigned lightest = std::min_element(load.begin(), load.end()) - load.begin();
    owner[function] = lightest;
    load[lightest] += size + 1;
  }
  for (const llvm::GlobalVariable &global : module.globals())
    owner[&global] = 0;
  for (const llvm::GlobalAlias &alias : module.aliases())
    owner[&alias] = 0;
  for (const llvm::GlobalIFunc &ifunc : module.ifuncs())
    owner[&ifunc] = 0;
  return owner;
}

/// Adds ThreadSanitizer's checks to every function, after optimization as
/// clang does, so that races in generated kernels show in a TSan program.
static void instrumentForThreadSanitizer(llvm::Module &module, llvm::TargetMachine &machine) {
  for (llvm::Function &function : module)
    if (!function.isDeclaration())
      function.addFnAttr(llvm::Attribute::SanitizeThread);
  llvm::LoopAnalysisManager loops;
  llvm::FunctionAnalysisManager functions;
  llvm::CGSCCAnalysisManager cgsccs;
  llvm::ModuleAnalysisManager modules;
  llvm::PassBuilder builder(&machine);
  builder.registerModuleAnalyses(modules);
  builder.registerCGSCCAnalyses(cgsccs);
  builder.registerFunctionAnalyses(functions);
  builder.registerLoopAnalyses(loops);
  builder.crossRegisterProxies(loops, functions, cgsccs, modules);
  llvm::ModulePassManager passes;
  passes.addPass(llvm::ModuleThreadSanitizerPass());
  passes.addPass(llvm::createModuleToFunctionPassAdaptor(llvm::ThreadSanitizerPass()));
  passes.run(module, modules);
}

/// Optimizes and compiles one module; TSan checks go in after optimization.
static llvm::Error compileModule(llvm::Module &module, const TargetSpec &target, unsigned optLevel,
                                 llvm::SmallVectorImpl<char> &object) {
  auto machine = createTargetMachine(target); // the module has its data layout already
  if (!machine)
    return machine.takeError();
  if (auto error = mlir::makeOptimizingTransformer(optLevel, 0, machine->get())(&module))
    return error;
  if (target.sanitizeThread)
    instrumentForThreadSanitizer(module, **machine);
  llvm::raw_svector_ostream os(object);
  llvm::legacy::PassManager codegen;
  if ((*machine)->addPassesToEmitFile(codegen, os, nullptr, llvm::CodeGenFileType::ObjectFile))
    return llvm::createStringError("target " + target.triple + " cannot emit object files");
  codegen.run(module);
  return llvm::Error::success();
}

constexpr size_t kMinPartitionInstructions = 2000, kMaxPartitions = 8;

/// Bumped whenever compileModule's passes or options change: objects cached
/// by an older quantc are compiled again.
constexpr llvm::StringLiteral kObjectCacheVersion = "quantc-objects-1";

/// What an object depends on: the partition's bitcode, the target, the
/// optimization level, the instrumentation and the LLVM that compiles it.
static std::string cacheKey(llvm::ArrayRef<char> bitcode, const TargetSpec &target,
                            unsigned optLevel) {
  std::string settings;
  llvm::raw_string_ostream os(settings);
  os << kObjectCacheVersion << "|" << LLVM_VERSION_STRING << "|" << target.triple << "|"
     << target.cpu << "|" << target.features << "|O" << optLevel << "|tsan"
     << target.sanitizeThread;
  llvm::XXH128_hash_t settingsHash = llvm::xxh3_128bits(llvm::arrayRefFromStringRef(settings));
  llvm::XXH128_hash_t codeHash = llvm::xxh3_128bits(
      llvm::ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(bitcode.data()), bitcode.size()));
  return llvm::formatv("{0:x-16}{1:x-16}{2:x-16}{3:x-16}", settingsHash.high64, settingsHash.low64,
                       codeHash.high64, codeHash.low64)
      .str();
}

/// How many partitions: a function of the module alone, so that the
/// artifact does not depend on how many cores compiled it. Enough to keep
/// a few cores busy; none below a size where splitting costs more than it
/// saves.
static unsigned partitionCount(const llvm::Module &module) {
  size_t instructions = module.getInstructionCount();
  return std::clamp<size_t>(instructions / kMinPartitionInstructions, 1, kMaxPartitions);
}

llvm::Expected<CompiledObjects> compileToObjects(std::unique_ptr<llvm::Module> module,
                                                 const TargetSpec &target, unsigned optLevel,
                                                 llvm::StringRef cacheDirectory) {
  // Layers of one shape outline to identical loop nests (cls W4: 15% of its
  // functions' instructions); each is optimized and emitted once.
  llvm::MergeFunctionsPass::runOnModule(*module);
  unsigned partitions = partitionCount(*module);
  CompiledObjects compiled;
  compiled.objects.resize(partitions);
  auto &objects = compiled.objects;
  std::vector<char> hits(partitions, 0);
  std::optional<llvm::FileCache> cache;
  if (!cacheDirectory.empty()) {
    auto opened = llvm::localCache(
        "quantc objects", "quantc-object", cacheDirectory,
        [&](unsigned part, const llvm::Twine &, std::unique_ptr<llvm::MemoryBuffer> buffer) {
          objects[part].assign(buffer->getBufferStart(), buffer->getBufferEnd());
        });
    if (!opened)
      return opened.takeError();
    cache = std::move(*opened);
  }

  // Partitions travel as bitcode, each to a context of its own; a single
  // one is compiled in place and needs bitcode only for its cache key.
  std::vector<llvm::SmallVector<char, 0>> bitcode(partitions);
  if (partitions > 1) {
    externalizeLocals(*module);
    auto owner = assignPartitions(*module, partitions);
    for (unsigned part = 0; part < partitions; ++part) {
      llvm::ValueToValueMapTy mapping;
      std::unique_ptr<llvm::Module> clone = llvm::CloneModule(
          *module, mapping, [&](const llvm::GlobalValue *value) {
            auto found = owner.find(value);
            return found != owner.end() && found->second == part;
          });
      llvm::raw_svector_ostream os(bitcode[part]);
      llvm::WriteBitcodeToFile(*clone, os);
    }
    module.reset();
  } else if (cache) {
    llvm::raw_svector_ostream os(bitcode[0]);
    llvm::WriteBitcodeToFile(*module, os);
  }

  std::vector<std::string> errors(partitions); // per partition: no shared state
  forEachIndex(partitions, [&](size_t part) {
    llvm::Error error = [&]() -> llvm::Error {
      llvm::AddStreamFn addStream;
      if (cache) {
        auto lookup = (*cache)(part, cacheKey(bitcode[part], target, optLevel), "partition");
        if (!lookup)
          return lookup.takeError();
        if (!*lookup) {
          hits[part] = 1; // the cache filled objects[part]
          return llvm::Error::success();
        }
        addStream = std::move(*lookup);
      }
      llvm::LLVMContext context;
      std::unique_ptr<llvm::Module> parsed;
      if (!module) {
        auto read = llvm::parseBitcodeFile(
            llvm::MemoryBufferRef(llvm::StringRef(bitcode[part].data(), bitcode[part].size()),
                                  "partition"),
            context);
        if (!read)
          return read.takeError();
        parsed = std::move(*read);
      }
      llvm::Module &compiled = module ? *module : *parsed;
      if (auto error = compileModule(compiled, target, optLevel, objects[part]))
        return error;
      if (!addStream)
        return llvm::Error::success();
      auto stream = addStream(part, "partition");
      if (!stream)
        return stream.takeError();
      (*stream)->OS->write(objects[part].data(), objects[part].size());
      return (*stream)->commit();
    }();
    if (error)
      errors[part] = llvm::toString(std::move(error));
  });
  for (const std::string &error : errors)
    if (!error.empty())
      return llvm::createStringError(error);
  if (cache) { // at most once an hour it drops old entries, and the oldest beyond 1 GB
    auto policy = llvm::parseCachePruningPolicy("prune_after=720h:cache_size_bytes=1g");
    if (!policy)
      return policy.takeError();
    llvm::pruneCache(cacheDirectory, *policy);
  }
  compiled.cached = llvm::count(hits, 1);
  return compiled;
}

} // namespace quantc
