// Calibration samples shared by qnn-calibrate and the driver's quality report.
#ifndef QUANTC_PASSES_TRANSFORMS_CALIBRATION_H
#define QUANTC_PASSES_TRANSFORMS_CALIBRATION_H

#include "quantc/Execution/Execution.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"

#include <string>
#include <vector>

namespace quantc::qnn {

/// One f32 buffer per sample for the model input `want`: read from the .npy
/// files (or directories of them) in `paths`, or synthesized data-free from
/// the module's first BatchNorm when `paths` is empty. Errors name the file.
mlir::FailureOr<std::vector<std::vector<float>>>
calibrationSamples(mlir::ModuleOp module, const TensorSignature &want,
                   const std::vector<std::string> &paths, unsigned dataFreeCount,
                   std::string &error, bool warnDataFree = true);

} // namespace quantc::qnn

#endif // QUANTC_PASSES_TRANSFORMS_CALIBRATION_H
