// Writing modules as text or bytecode, atomically.
#include "quantc/Driver/Driver.h"

#include "mlir/Bytecode/BytecodeWriter.h"
#include "mlir/IR/OperationSupport.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

namespace quantc {

static void print(mlir::ModuleOp module, llvm::StringRef path, llvm::raw_ostream &os,
                  std::string &error) {
  if (path.ends_with(".mlirbc")) {
    if (mlir::failed(mlir::writeBytecodeToFile(module, os)))
      error = "cannot encode the module as bytecode";
    return;
  }
  module->print(os, mlir::OpPrintingFlags().enableDebugInfo(false));
  os << "\n"; // as mlir-opt and quant-opt end their output
}

std::string writeModuleAtomically(mlir::ModuleOp module, llvm::StringRef path) {
  std::string error;
  if (path == "-") {
    print(module, path, llvm::outs(), error);
    return error;
  }
  llvm::SmallString<256> temp;
  int fd;
  llvm::SmallString<256> model(path);
  llvm::sys::path::replace_extension(model, "");
  if (std::error_code ec = llvm::sys::fs::createUniqueFile(model + ".%%%%%%.tmp", fd, temp))
    return "cannot create a file next to '" + path.str() + "': " + ec.message();
  {
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    print(module, path, os, error);
    os.flush();
    if (error.empty() && os.has_error())
      error = "cannot write '" + path.str() + "': " + os.error().message();
  }
  if (error.empty())
    if (std::error_code ec = llvm::sys::fs::rename(temp, path))
      error = "cannot write '" + path.str() + "': " + ec.message();
  if (!error.empty())
    llvm::sys::fs::remove(temp);
  return error;
}

} // namespace quantc
