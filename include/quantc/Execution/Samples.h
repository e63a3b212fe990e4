// Model input samples for calibration, sensitivity and reports: one buffer
// per graph input, read from .npy/.npz files or sample directories.
#ifndef QUANTC_EXECUTION_SAMPLES_H
#define QUANTC_EXECUTION_SAMPLES_H

#include "quantc/Execution/Execution.h"

#include <cstdint>
#include <string>
#include <vector>

namespace quantc {

/// One sample: a dense buffer per model input, in the input's dtype and shape.
struct Sample {
  std::vector<std::vector<uint8_t>> inputs;
  /// The input buffers in order, for ProbedModel::run.
  std::vector<const void *> buffers() const;
};

/// Reads the samples named by `paths` for a model with `signature`'s inputs.
/// Each path is
///  - an .npz file: one sample, one array per input name;
///  - an .npy file: one sample of a one-input model;
///  - a sample directory holding <input name>.npy for every input;
///  - or a directory of samples: its .npy files (one-input models), .npz
///    files and sample subdirectories, in name order.
/// Every array must have its input's dtype and shape; errors name the file
/// and the input.
llvm::Expected<std::vector<Sample>> readSamples(const ModelSignature &signature,
                                                const std::vector<std::string> &paths);

} // namespace quantc

#endif // QUANTC_EXECUTION_SAMPLES_H
