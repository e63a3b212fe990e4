// Counting ops and weights of a qnn module.
#include "quantc/Driver/Driver.h"

#include "dialects/QNN/QNNOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/DenseSet.h"

namespace quantc {

ModuleStats computeModuleStats(mlir::ModuleOp module) {
  ModuleStats stats;
  llvm::DenseSet<const void *> blobs; // reshaped constants share one blob
  module.walk([&](mlir::Operation *op) {
    auto constant = llvm::dyn_cast<qnn::ConstantOp>(op);
    if (!constant) {
      if (llvm::isa<qnn::QNNDialect>(op->getDialect()))
        ++stats.ops;
      return;
    }
    auto resource = llvm::dyn_cast<mlir::DenseResourceElementsAttr>(constant.getValue());
    if (!resource || !blobs.insert(resource.getRawHandle().getResource()).second)
      return;
    auto type = resource.getType();
    ++stats.weightTensors;
    stats.weightBytes += resource.getData().size();
    if (llvm::isa<mlir::FloatType>(type.getElementType()))
      stats.parameters += type.getNumElements();
  });
  return stats;
}

void printModuleStats(const ModuleStats &stats, llvm::raw_ostream &os) {
  os << "ops: " << stats.ops << "\n"
     << "weight tensors: " << stats.weightTensors << "\n"
     << "parameters: " << stats.parameters << "\n"
     << "weight bytes: " << stats.weightBytes << "\n";
}

} // namespace quantc
