#include "ExternalWeights.h"

#include "passes/Conversion/Passes.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

namespace quantc {

std::vector<llvm::ArrayRef<char>> externalWeights(mlir::ModuleOp lowered) {
  std::vector<llvm::ArrayRef<char>> weights;
  auto values = lowered->getAttrOfType<mlir::ArrayAttr>(kExternalWeightsAttr);
  if (!values)
    return weights;
  for (mlir::Attribute value : values) {
    if (auto resource = mlir::dyn_cast<mlir::DenseResourceElementsAttr>(value)) {
      mlir::AsmResourceBlob *blob = resource.getRawHandle().getBlob();
      weights.push_back(blob ? blob->getData() : llvm::ArrayRef<char>());
    } else {
      weights.push_back(mlir::cast<mlir::DenseElementsAttr>(value).getRawData());
    }
  }
  return weights;
}

} // namespace quantc
