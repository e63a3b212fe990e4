// Output files that appear only when complete.
#include "quantc/Support/AtomicFile.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

namespace quantc {

llvm::Error writeFileAtomically(llvm::StringRef path, llvm::StringRef bytes) {
  llvm::SmallString<256> temp;
  int fd;
  if (auto ec = llvm::sys::fs::createUniqueFile(path + ".tmp%%%%%%", fd, temp))
    return llvm::createStringError(path + ": cannot write: " + ec.message());
  {
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    os << bytes;
    if (os.has_error()) {
      os.clear_error();
      llvm::sys::fs::remove(temp);
      return llvm::createStringError(path + ": write failed");
    }
  }
  if (auto ec = llvm::sys::fs::rename(temp, path)) {
    llvm::sys::fs::remove(temp);
    return llvm::createStringError(path + ": cannot rename: " + ec.message());
  }
  return llvm::Error::success();
}

} // namespace quantc
