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
/// takes 8 buffers).
void populateQuantcElementwiseFusion(mlir::RewritePatternSet &patterns, int64_t maxTensors = 0);

} // namespace quantc

#endif // QUANTC_PASSES_CONVERSION_LINALGTOVECTOR_ELEMENTWISEFUSION_H
