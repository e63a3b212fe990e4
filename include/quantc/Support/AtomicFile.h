// Output files that appear only when complete: write a temporary file in the
// destination directory, rename it on success, remove it on failure.
#ifndef QUANTC_SUPPORT_ATOMICFILE_H
#define QUANTC_SUPPORT_ATOMICFILE_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>

namespace quantc {

/// Writes `bytes` to `path` through a temporary file in the same directory.
llvm::Error writeFileAtomically(llvm::StringRef path, llvm::StringRef bytes);

/// A directory of outputs that appears only when all of them are complete.
/// Everything is written into a staging directory next to the destination;
/// commit() moves the files into place. Destroyed uncommitted, it removes the
/// staging directory and any parent directories it had to create.
class StagedDirectory {
public:
  static llvm::Expected<StagedDirectory> create(llvm::StringRef destination);
  StagedDirectory(StagedDirectory &&other);
  StagedDirectory &operator=(StagedDirectory &&) = delete;
  ~StagedDirectory();

  /// Where to write the outputs.
  llvm::StringRef path() const { return staging; }
  /// Renames every staged file into the destination (created if missing).
  llvm::Error commit();

private:
  StagedDirectory() = default;
  std::string destination, staging, createdParent;
  bool committed = false;
};

} // namespace quantc

#endif // QUANTC_SUPPORT_ATOMICFILE_H
