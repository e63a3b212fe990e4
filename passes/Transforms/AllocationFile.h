// A bit allocation on disk: what `quantc compile --save-allocation` writes
// and qnn-apply-allocation (`--allocation`) reads back, so that users try
// budgets and tweaks without paying for sensitivity analysis again.
#ifndef QUANTC_PASSES_TRANSFORMS_ALLOCATIONFILE_H
#define QUANTC_PASSES_TRANSFORMS_ALLOCATIONFILE_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"

namespace quantc::qnn {

/// Every weighted layer's qnn.weight_format and qnn.act_bits (as
/// qnn-allocate-bits set them, before qnn-quantize) as an allocation file;
/// `weightMethod` is recorded for the record (the driver's --weight-method
/// default when the file is applied).
llvm::Error writeAllocationFile(mlir::ModuleOp module, llvm::StringRef path,
                                llvm::StringRef weightMethod);

/// An allocation file's text checked as qnn-apply-allocation reads it (the
/// entries, not yet against a model); errors name `name`.
llvm::Error checkAllocationText(llvm::StringRef text, llvm::StringRef name);

/// The weight method an allocation file records ("" when none).
llvm::Expected<std::string> allocationFileMethod(llvm::StringRef path);

} // namespace quantc::qnn

#endif // QUANTC_PASSES_TRANSFORMS_ALLOCATIONFILE_H
