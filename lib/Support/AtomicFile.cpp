// Output files that appear only when complete.
#include "quantc/Support/AtomicFile.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
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

llvm::Expected<StagedDirectory> StagedDirectory::create(llvm::StringRef destination) {
  namespace fs = llvm::sys::fs;
  StagedDirectory staged;
  staged.destination = destination.str();
  if (fs::exists(destination) && !fs::is_directory(destination))
    return llvm::createStringError(destination + ": exists and is not a directory");
  llvm::SmallString<256> parent(llvm::sys::path::parent_path(destination));
  if (parent.empty())
    parent = ".";
  // Remember the outermost parent created here, to remove it on failure.
  llvm::SmallString<256> missing;
  for (llvm::StringRef p = parent; !p.empty() && !fs::exists(p); p = llvm::sys::path::parent_path(p))
    missing = p;
  if (auto ec = fs::create_directories(parent))
    return llvm::createStringError(destination + ": cannot create directory: " + ec.message());
  staged.createdParent = missing.str().str();
  // createUniqueDirectory puts a relative model under the system temp
  // directory: stage beside the destination instead.
  if (auto ec = fs::make_absolute(parent))
    return llvm::createStringError(destination + ": " + ec.message());
  llvm::SmallString<256> staging;
  if (auto ec = fs::createUniqueDirectory(
          parent + "/." + llvm::sys::path::filename(destination) + ".partial", staging)) {
    if (!staged.createdParent.empty())
      fs::remove_directories(staged.createdParent);
    return llvm::createStringError(destination + ": cannot create directory: " + ec.message());
  }
  staged.staging = staging.str().str();
  return std::move(staged);
}

StagedDirectory::StagedDirectory(StagedDirectory &&other)
    : destination(std::move(other.destination)), staging(std::move(other.staging)),
      createdParent(std::move(other.createdParent)), committed(other.committed) {
  other.committed = true; // the moved-from object owns nothing
}

StagedDirectory::~StagedDirectory() {
  if (committed)
    return;
  llvm::sys::fs::remove_directories(staging);
  if (!createdParent.empty())
    llvm::sys::fs::remove_directories(createdParent);
}

llvm::Error StagedDirectory::commit() {
  namespace fs = llvm::sys::fs;
  if (!fs::exists(destination)) {
    // The common case: one rename publishes the whole directory.
    if (!fs::rename(staging, destination)) {
      committed = true;
      return llvm::Error::success();
    }
  }
  std::error_code ec;
  for (fs::directory_iterator it(staging, ec), end; it != end && !ec; it.increment(ec)) {
    llvm::SmallString<256> target(destination);
    llvm::sys::path::append(target, llvm::sys::path::filename(it->path()));
    if (auto renameError = fs::rename(it->path(), target))
      return llvm::createStringError(target + ": cannot rename: " + renameError.message());
  }
  if (ec)
    return llvm::createStringError(staging + ": cannot list: " + ec.message());
  fs::remove_directories(staging);
  committed = true;
  return llvm::Error::success();
}

} // namespace quantc
