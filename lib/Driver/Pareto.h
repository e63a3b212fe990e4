// The size / error frontier of bit allocation (quantc --pareto).
#ifndef QUANTC_LIB_DRIVER_PARETO_H
#define QUANTC_LIB_DRIVER_PARETO_H

#include "quantc/Driver/Driver.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"

namespace quantc {

/// Sweeps the average-bits budget over the candidate bit-widths on `module`
/// (float weights, every layer with its qnn.sensitivity): for each budget the
/// integer program's allocation, its predicted sensitivity, and the model
/// output error measured with those weights on the calibration samples;
/// uniform allocations (every layer at one candidate) for comparison.
/// Writes DIR/pareto.json and DIR/pareto.svg. `module` is not changed.
llvm::Error writeParetoFrontier(mlir::ModuleOp module, const QuantizeOptions &options,
                                llvm::StringRef directory);

} // namespace quantc

#endif // QUANTC_LIB_DRIVER_PARETO_H
