// Output files that appear only when complete: write a temporary file in the
// destination directory, rename it on success, remove it on failure.
#ifndef QUANTC_SUPPORT_ATOMICFILE_H
#define QUANTC_SUPPORT_ATOMICFILE_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace quantc {

/// Writes `bytes` to `path` through a temporary file in the same directory.
llvm::Error writeFileAtomically(llvm::StringRef path, llvm::StringRef bytes);

} // namespace quantc

#endif // QUANTC_SUPPORT_ATOMICFILE_H
