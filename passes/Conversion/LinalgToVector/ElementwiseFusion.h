// Which elementwise chains quantc fuses (quantc-fuse-elementwise, and the
// GPU pass on the epilogues it adds): single-use, all-parallel generics
// whose consumer reads each produced element once.
#ifndef QUANTC_PASSES_CONVERSION_LINALGTOVECTOR_ELEMENTWISEFUSION_H
#define QUANTC_PASSES_CONVERSION_LINALGTOVECTOR_ELEMENTWISEFUSION_H

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"

namespace quantc {

/// Upstream's elementwise fusion patterns under that rule; with
/// `maxTensors` > 0, only where the fused op would read and write at most
/// that many tensors, counting those its bodies gather from (a GPU kernel
/// takes 8 buffers). With `throughReshapes`, an elementwise op whose result
/// an expand_shape reshapes for an elementwise consumer runs on the
/// expanded shape, and the two fuse (a GEMM's 2-D epilogue and the 4-D
/// activation after it: one GPU kernel).
void populateQuantcElementwiseFusion(mlir::RewritePatternSet &patterns, int64_t maxTensors = 0,
                                     bool throughReshapes = false);

} // namespace quantc

#endif // QUANTC_PASSES_CONVERSION_LINALGTOVECTOR_ELEMENTWISEFUSION_H
