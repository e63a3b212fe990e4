// LLVM optimization and object emission, split over analysisThreads() cores.
#ifndef QUANTC_EXECUTION_PARALLELCODEGEN_H
#define QUANTC_EXECUTION_PARALLELCODEGEN_H

#include "quantc/Execution/Execution.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/IR/Module.h"

#include <memory>
#include <vector>

namespace quantc {

struct CompiledObjects {
  std::vector<llvm::SmallVector<char, 0>> objects; // one per partition
  unsigned cached = 0;                             // how many came from the cache
};

/// Optimizes `module` at `optLevel` and emits object files for `target`:
/// one per partition, compiled concurrently on analysisThreads() cores.
/// Functions are spread so that partitions have about as many
/// instructions; local symbols become hidden so partitions link together.
/// The objects depend only on the module, never on timing. With a
/// `cacheDirectory`, each partition's object is looked up there first, by a
/// hash of its bitcode and the compile settings, and stored after a miss.
llvm::Expected<CompiledObjects> compileToObjects(std::unique_ptr<llvm::Module> module,
                                                 const TargetSpec &target, unsigned optLevel,
                                                 llvm::StringRef cacheDirectory);

} // namespace quantc

#endif // QUANTC_EXECUTION_PARALLELCODEGEN_H
