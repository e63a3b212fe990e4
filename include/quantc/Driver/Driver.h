// The quantc driver: the steps the `quantc` tool chains (import, output, reports).
#ifndef QUANTC_DRIVER_DRIVER_H
#define QUANTC_DRIVER_DRIVER_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <string>

namespace quantc {

/// Writes `module` to `path` (bytecode for *.mlirbc, text otherwise, "-" for
/// stdout) through a temporary file renamed on success, so a failure never
/// leaves a partial output. Returns an empty string or the error.
std::string writeModuleAtomically(mlir::ModuleOp module, llvm::StringRef path);

/// What an imported module holds, for `quantc import --stats`.
struct ModuleStats {
  int64_t ops = 0;            // qnn ops other than constants
  int64_t weightTensors = 0;  // distinct dense_resource blobs
  int64_t parameters = 0;     // float elements in those blobs
  int64_t weightBytes = 0;
};
ModuleStats computeModuleStats(mlir::ModuleOp module);
void printModuleStats(const ModuleStats &stats, llvm::raw_ostream &os);

} // namespace quantc

#endif // QUANTC_DRIVER_DRIVER_H
