// The weights quantc-externalize-weights moved out of a lowered module's
// code, for the JIT (bound in place) and artifacts (a weights file, or
// read-only data again).
#ifndef QUANTC_LIB_EXECUTION_EXTERNALWEIGHTS_H
#define QUANTC_LIB_EXECUTION_EXTERNALWEIGHTS_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/ArrayRef.h"

#include <vector>

namespace quantc {

/// Each moved value's bytes, in the order of the quantc_weights table; they
/// live as long as the module's context.
std::vector<llvm::ArrayRef<char>> externalWeights(mlir::ModuleOp lowered);

/// Where the table's entries start (and the weights file's), in bytes.
constexpr size_t kExternalWeightAlignment = 64;

} // namespace quantc

#endif // QUANTC_LIB_EXECUTION_EXTERNALWEIGHTS_H
