// Sensitivity scores kept on disk, like the latency table: a second compile
// of the same model with the same calibration data and sensitivity options
// (another budget, another pin) skips qnn-sensitivity.
#ifndef QUANTC_DRIVER_SENSITIVITYCACHE_H
#define QUANTC_DRIVER_SENSITIVITYCACHE_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace quantc {

/// The cache file in `directory` for a calibrated module about to be
/// scored: its name hashes everything qnn-sensitivity reads: the module
/// (structure, weights and calibration's attributes), the sample files'
/// bytes and the pass options (`options`, as printed). Empty when
/// `directory` is.
std::string sensitivityCachePath(llvm::StringRef directory, mlir::ModuleOp module,
                                 const std::vector<std::string> &samples, llvm::StringRef options);

/// Gives every weighted layer its cached qnn.sensitivity (and
/// qnn.act_sensitivity); false, leaving the module as it was, when the file
/// is absent or does not cover every layer.
bool loadSensitivity(mlir::ModuleOp module, llvm::StringRef path);

/// Writes the layers' scores to `path` (created atomically).
llvm::Error saveSensitivity(mlir::ModuleOp module, llvm::StringRef path);

} // namespace quantc

#endif // QUANTC_DRIVER_SENSITIVITYCACHE_H
