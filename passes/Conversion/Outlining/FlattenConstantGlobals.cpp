// quantc-flatten-constant-globals: weights as one-dimensional globals, viewed in their shape.
#include "passes/Conversion/Passes.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

namespace quantc {
#define GEN_PASS_DEF_QUANTCFLATTENCONSTANTGLOBALSPASS
#include "passes/Conversion/Passes.h.inc"

using namespace mlir;

namespace {

/// The same elements as a vector of `flat` type, sharing their storage.
Attribute flattenValue(Attribute value, RankedTensorType flat) {
  if (auto dense = dyn_cast<DenseElementsAttr>(value))
    return dense.reshape(flat);
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value))
    return DenseResourceElementsAttr::get(flat, resource.getRawHandle());
  return {};
}

/// `type` with its dimensions collapsed into one.
MemRefType flatTypeOf(MemRefType type) {
  return MemRefType::get({type.getNumElements()}, type.getElementType(),
                         MemRefLayoutAttrInterface(), type.getMemorySpace());
}

struct QuantcFlattenConstantGlobalsPass
    : impl::QuantcFlattenConstantGlobalsPassBase<QuantcFlattenConstantGlobalsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    DenseMap<StringAttr, MemRefType> originalTypes; // flattened global -> its shape
    for (auto global : module.getOps<memref::GlobalOp>()) {
      MemRefType type = global.getType();
      auto value = global.getInitialValue();
      if (!global.getConstant() || !value || type.getRank() < 2 || !type.hasStaticShape() ||
          !type.getLayout().isIdentity())
        continue;
      MemRefType flatType = flatTypeOf(type);
      Attribute flatValue = flattenValue(*value, RankedTensorType::get(flatType.getShape(),
                                                                       type.getElementType()));
      if (!flatValue)
        continue;
      global.setInitialValueAttr(flatValue);
      global.setType(flatType);
      originalTypes[global.getSymNameAttr()] = type;
    }
    if (originalTypes.empty())
      return;
    module.walk([&](memref::GetGlobalOp get) {
      auto original = originalTypes.find(get.getNameAttr().getAttr());
      if (original == originalTypes.end())
        return;
      MemRefType type = original->second;
      OpBuilder b(get);
      auto flat = memref::GetGlobalOp::create(b, get.getLoc(), flatTypeOf(type), get.getName());
      ReassociationIndices all = llvm::to_vector(llvm::seq<int64_t>(0, type.getRank()));
      auto shaped = memref::ExpandShapeOp::create(b, get.getLoc(), type, flat,
                                                  ArrayRef<ReassociationIndices>{all});
      get.replaceAllUsesWith(shaped.getResult());
      get.erase();
    });
  }
};

} // namespace
} // namespace quantc
