// Where an artifact's external weights go (lib/Execution/ArtifactWeights.cpp).
#ifndef QUANTC_LIB_EXECUTION_ARTIFACTWEIGHTS_H
#define QUANTC_LIB_EXECUTION_ARTIFACTWEIGHTS_H

#include "ExternalWeights.h"

#include "llvm/IR/Module.h"
#include "llvm/Support/Error.h"

#include <string>

namespace quantc {

/// Defines `module`'s quantc_weights table for `weights`: as read-only data
/// of the .so (`placement` embed, or auto below 64 MiB), or in
/// <name>.weights, written to `outDir`, which `run` maps before it computes
/// (file, or auto from 64 MiB). Returns the file's name, empty when none.
llvm::Expected<std::string> placeExternalWeights(llvm::Module &module, llvm::Function &run,
                                                 llvm::ArrayRef<llvm::ArrayRef<char>> weights,
                                                 llvm::StringRef placement, llvm::StringRef name,
                                                 llvm::StringRef outDir);

} // namespace quantc

#endif // QUANTC_LIB_EXECUTION_ARTIFACTWEIGHTS_H
