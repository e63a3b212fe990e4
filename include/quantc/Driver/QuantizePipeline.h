// The quantization flow as one pass, `quantc-quantize-pipeline`: prepare
// (fold BatchNorm, fuse patterns), calibrate (SmoothQuant first when asked),
// score (sensitivity, through the on-disk cache), quantize (latency table,
// bit allocation or a saved allocation, refit, rounding) and fold scales.
// Its options are the driver's flags, so `quantc compile` and
// `quant-opt --quantc-quantize-pipeline=...` build the same IR; the driver
// runs it in stages to tag layers, sweep the Pareto frontier and report.
#ifndef QUANTC_DRIVER_QUANTIZEPIPELINE_H
#define QUANTC_DRIVER_QUANTIZEPIPELINE_H

#include "quantc/Driver/Driver.h"

#include "mlir/Pass/Pass.h"

#include <memory>
#include <string>

namespace quantc {

/// The flow's stages, in order; a set of them is a bit mask.
enum QuantizeStage : unsigned {
  kPrepareStage = 1,
  kCalibrateStage = 2,
  kScoreStage = 4,
  kQuantizeStage = 8,
  kFoldStage = 16,
  kAllStages = 31,
};

/// Combinations of options that no single flag's syntax rules out (empty,
/// or the message).
std::string checkQuantizeOptions(const QuantizeOptions &options);

/// `requested` with its defaults resolved for `module`: the weight method
/// (a saved allocation's, else the one that measured best, issue 15), the
/// refit and the sensitivity metric. A resolved set resolves to itself.
llvm::Expected<QuantizeOptions> resolveQuantizeDefaults(const QuantizeOptions &requested,
                                                        mlir::ModuleOp module);

/// The pass, with `options` as its pipeline options, running `stages`.
std::unique_ptr<mlir::Pass> createQuantizePipelinePass(const QuantizeOptions &options,
                                                       unsigned stages = kAllStages);

/// Registers `quantc-quantize-pipeline` for quant-opt and the driver.
void registerQuantizePipeline();

} // namespace quantc

#endif // QUANTC_DRIVER_QUANTIZEPIPELINE_H
