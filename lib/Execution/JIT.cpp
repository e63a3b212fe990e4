// In-process execution through MLIR's ExecutionEngine (calibration and `quantc run`).
#include "quantc/Execution/Execution.h"
#include "ExternalWeights.h"
#include "JITCodeArena.h"
#include "quantc/Runtime/quantc_runtime.h"

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "llvm/IR/Module.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Transforms/IPO/MergeFunctions.h"

#include <cstring>

namespace quantc {

JITModel::~JITModel() = default;

llvm::Expected<std::unique_ptr<JITModel>> JITModel::compile(mlir::ModuleOp lowered,
                                                            const TargetSpec &target,
                                                            unsigned optLevel) {
  if (!target.isHost)
    return llvm::createStringError("the JIT runs on the host only; --target=" + target.name +
                                   " needs `quantc compile`");
  auto machine = createTargetMachine(target);
  if (!machine)
    return machine.takeError();
  auto optimize = mlir::makeOptimizingTransformer(optLevel, 0, machine->get());
  // Identical outlined loop nests (layers of one shape) compile once.
  auto mergeAndOptimize = [&optimize](llvm::Module *module) {
    llvm::MergeFunctionsPass::runOnModule(*module);
    return optimize(module);
  };
  auto arena = std::make_unique<JITCodeArena>();
  mlir::ExecutionEngineOptions options;
  options.sectionMemoryMapper = arena.get();
  options.transformer = mergeAndOptimize; // used by create() only
  options.jitCodeGenOptLevel =
      optLevel >= 2 ? llvm::CodeGenOptLevel::Aggressive : llvm::CodeGenOptLevel::Less;
  options.enableGDBNotificationListener = false;
  options.enablePerfNotificationListener = false;
  // Large weights are not in the code (quantc-externalize-weights): the
  // table points at the context's own storage, copied only where it is
  // less aligned than the code assumes.
  std::unique_ptr<JITModel> model(new JITModel());
  for (llvm::ArrayRef<char> weight : externalWeights(lowered)) {
    if (weight.empty() && !weight.data())
      return llvm::createStringError("a weight moved out of the code has no data (a released blob)");
    if (reinterpret_cast<uintptr_t>(weight.data()) % kExternalWeightAlignment) {
      auto copy = std::make_unique<char[]>(weight.size() + kExternalWeightAlignment);
      char *aligned = copy.get() + (kExternalWeightAlignment -
                                    reinterpret_cast<uintptr_t>(copy.get()) % kExternalWeightAlignment);
      std::memcpy(aligned, weight.data(), weight.size());
      model->weightTable.push_back(aligned);
      model->alignedCopies.push_back(std::move(copy));
    } else {
      model->weightTable.push_back(weight.data());
    }
  }
  auto engine = mlir::ExecutionEngine::create(lowered, options, std::move(*machine));
  if (!engine)
    return engine.takeError();
  const void *const *table = model->weightTable.data();
  // Intermediates are allocated through the runtime's buffer cache.
  (*engine)->registerSymbols([table](llvm::orc::MangleAndInterner interner) {
    llvm::orc::SymbolMap symbols;
    auto add = [&](const char *name, void *address) {
      symbols[interner(name)] = {llvm::orc::ExecutorAddr::fromPtr(address),
                                 llvm::JITSymbolFlags::Exported};
    };
    add("_mlir_memref_to_llvm_alloc", reinterpret_cast<void *>(&_mlir_memref_to_llvm_alloc));
    add("_mlir_memref_to_llvm_aligned_alloc",
        reinterpret_cast<void *>(&_mlir_memref_to_llvm_aligned_alloc));
    add("_mlir_memref_to_llvm_free", reinterpret_cast<void *>(&_mlir_memref_to_llvm_free));
    // Parallel loops ask the calling thread's count; libomp's entry points
    // (__kmpc_fork_call, ...) resolve in the process, which links libomp.
    add("quantc_thread_count", reinterpret_cast<void *>(&quantc_thread_count));
    add("quantc_weights", const_cast<void *>(static_cast<const void *>(table)));
    return symbols;
  });
  auto entry = (*engine)->lookupPacked("main");
  if (!entry)
    return entry.takeError();
  model->arena = std::move(arena);
  model->engine = std::move(*engine);
  model->entry = *entry;
  return model;
}

llvm::Error JITModel::run(llvm::ArrayRef<void *> buffers) const {
  // The packed wrapper takes a pointer to each (bare pointer) argument.
  llvm::SmallVector<void *> arguments(buffers.begin(), buffers.end());
  llvm::SmallVector<void *> packed;
  for (void *&argument : arguments)
    packed.push_back(&argument);
  entry(packed.data());
  return llvm::Error::success();
}

} // namespace quantc
