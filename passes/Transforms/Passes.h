// The qnn-* transform passes (declared in Passes.td).
#ifndef QUANTC_PASSES_TRANSFORMS_PASSES_H
#define QUANTC_PASSES_TRANSFORMS_PASSES_H

#include "dialects/QNN/QNNDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace quantc::qnn {

#define GEN_PASS_DECL
#include "passes/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/Transforms/Passes.h.inc"

} // namespace quantc::qnn

#endif // QUANTC_PASSES_TRANSFORMS_PASSES_H
