// Calibration samples shared by qnn-calibrate and the driver's quality report.
#ifndef QUANTC_PASSES_TRANSFORMS_CALIBRATION_H
#define QUANTC_PASSES_TRANSFORMS_CALIBRATION_H

#include "quantc/Execution/Execution.h"
#include "quantc/Execution/Samples.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"

#include <string>
#include <vector>

namespace quantc::qnn {

/// One buffer per model input and sample: read from `paths` (see
/// readSamples), or, when `paths` is empty, `dataFreeCount` synthesized
/// samples: Gaussian floats shaped by the first BatchNorm, all-true masks,
/// and uniform ids over the embedding an integer input indexes. Fails with
/// `error` naming the file, or the input that cannot be synthesized.
mlir::FailureOr<std::vector<Sample>>
calibrationSamples(mlir::ModuleOp module, const ModelSignature &signature,
                   const std::vector<std::string> &paths, unsigned dataFreeCount,
                   std::string &error, bool warnDataFree = true);

/// The float module compiled for this machine, `probes` readable after each run.
llvm::Expected<std::unique_ptr<ProbedModel>> compileProbedOnHost(mlir::ModuleOp module,
                                                                 llvm::ArrayRef<mlir::Value> probes);

} // namespace quantc::qnn

#endif // QUANTC_PASSES_TRANSFORMS_CALIBRATION_H
