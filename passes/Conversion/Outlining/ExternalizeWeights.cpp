// quantc-externalize-weights: large constant globals leave the code. Each
// becomes an entry of the table `quantc_weights` (an external array of
// pointers) that the code loads its address from; the values move to the
// module attribute `quantc.external_weights`, in table order. The JIT binds
// the table to the memory the importer already holds, an artifact to its
// weights file, mapped at load: weights never pass through LLVM's code
// generation or the JIT's code sections, and compile time and memory stop
// growing with them.
#include "passes/Conversion/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinAttributes.h"

namespace quantc {
#define GEN_PASS_DEF_QUANTCEXTERNALIZEWEIGHTSPASS
#include "passes/Conversion/Passes.h.inc"

using namespace mlir;

namespace {

/// The bytes of a constant's data, or 0 for what stays (splats, non-byte
/// element types).
int64_t externalBytes(Attribute value) {
  auto elements = dyn_cast_or_null<ElementsAttr>(value);
  if (!elements || !isa<DenseResourceElementsAttr, DenseElementsAttr>(elements))
    return 0;
  if (auto dense = dyn_cast<DenseElementsAttr>(elements); dense && dense.isSplat())
    return 0;
  unsigned bits = elements.getElementType().getIntOrFloatBitWidth();
  if (bits % 8)
    return 0;
  return elements.getNumElements() * (bits / 8);
}

struct QuantcExternalizeWeightsPass
    : impl::QuantcExternalizeWeightsPassBase<QuantcExternalizeWeightsPass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (minBytes <= 0)
      return;
    llvm::StringMap<int64_t> slot; // global name -> table index
    SmallVector<LLVM::GlobalOp> moved;
    SmallVector<Attribute> values;
    for (auto global : module.getOps<LLVM::GlobalOp>()) {
      // Public globals keep their symbol: something outside finds them by
      // name (the GPU image).
      bool local = global.getLinkage() == LLVM::Linkage::Private ||
                   global.getLinkage() == LLVM::Linkage::Internal;
      if (!global.getConstant() || !local || externalBytes(global.getValueOrNull()) < minBytes)
        continue;
      slot[global.getSymName()] = int64_t(moved.size());
      moved.push_back(global);
      values.push_back(global.getValueOrNull());
    }
    if (moved.empty())
      return;
    MLIRContext *context = module.getContext();
    auto pointer = LLVM::LLVMPointerType::get(context);
    auto tableType = LLVM::LLVMArrayType::get(pointer, moved.size());
    OpBuilder b(context);
    b.setInsertionPointToStart(module.getBody());
    LLVM::GlobalOp::create(b, module.getLoc(), tableType, /*isConstant=*/false,
                           LLVM::Linkage::External, kExternalWeightsTable, Attribute());
    // Each use of a moved global's address becomes a load of its entry
    // (invariant: the table is filled before the first call).
    SmallVector<LLVM::AddressOfOp> uses;
    module.walk([&](LLVM::AddressOfOp use) {
      if (slot.count(use.getGlobalName()))
        uses.push_back(use);
    });
    for (LLVM::AddressOfOp use : uses) {
      b.setInsertionPoint(use);
      Location loc = use.getLoc();
      Value table = LLVM::AddressOfOp::create(b, loc, pointer, kExternalWeightsTable);
      Value entry = LLVM::GEPOp::create(
          b, loc, pointer, tableType, table,
          ArrayRef<LLVM::GEPArg>{0, int32_t(slot.lookup(use.getGlobalName()))});
      auto load = LLVM::LoadOp::create(b, loc, pointer, entry, /*alignment=*/8,
                                       /*isVolatile=*/false, /*isNonTemporal=*/false,
                                       /*isInvariant=*/true);
      use.getResult().replaceAllUsesWith(load.getResult());
      use.erase();
    }
    for (LLVM::GlobalOp global : moved)
      global.erase();
    module->setAttr(kExternalWeightsAttr, ArrayAttr::get(context, values));
  }
};

} // namespace
} // namespace quantc
