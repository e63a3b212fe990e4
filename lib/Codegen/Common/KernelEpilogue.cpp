// Vector form of a kernel epilogue region (see KernelEpilogue.h).
#include "quantc/Codegen/KernelEpilogue.h"

#include "quantc/Codegen/Buffers.h"
#include "dialects/QKernel/QKernelOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace quantc::codegen {

KernelEpilogue::KernelEpilogue(OpBuilder &b, Location loc, Region &epilogue,
                               int64_t paddedChannels)
    : epilogue(epilogue) {
  for (Operation &op : epilogue.front()) {
    auto table = dyn_cast<arith::ConstantOp>(op);
    if (!table || !isa<RankedTensorType>(table.getType()))
      continue;
    auto values = cast<DenseElementsAttr>(table.getValue());
    Type element = values.getElementType();
    auto paddedType = RankedTensorType::get({paddedChannels}, element);
    // Padding lanes compute garbage that is never stored; zeros keep it tame.
    SmallVector<Attribute> padded(values.getValues<Attribute>());
    padded.resize(paddedChannels, b.getZeroAttr(element));
    Value constant =
        arith::ConstantOp::create(b, loc, DenseElementsAttr::get(paddedType, padded));
    tables[&op] = readOnlyBuffer(b, loc, constant);
  }
}

IRMapping KernelEpilogue::forTile(OpBuilder &b, Location loc, int64_t lanes,
                                  Value firstChannel) const {
  auto vectorOf = [&](Type t) { return VectorType::get({lanes}, t); };
  IRMapping tile;
  for (Operation &op : epilogue.front()) {
    if (auto extract = dyn_cast<tensor::ExtractOp>(op)) { // a table at the channel
      Value table = tables.lookup(extract.getTensor().getDefiningOp());
      Type element = extract.getType();
      Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(element));
      tile.map(extract.getResult(),
               vector::TransferReadOp::create(b, loc, vectorOf(element), table,
                                              ValueRange{firstChannel}, zero,
                                              ArrayRef<bool>{true}));
    } else if (auto constant = dyn_cast<arith::ConstantOp>(op);
               constant && !tables.contains(&op)) { // a scalar: its splat
      auto type = vectorOf(constant.getType());
      tile.map(constant.getResult(),
               arith::ConstantOp::create(
                   b, loc, DenseElementsAttr::get(type, cast<TypedAttr>(constant.getValue()))));
    }
  }
  return tile;
}

Value KernelEpilogue::emit(OpBuilder &b, Value acc, IRMapping tile) const {
  int64_t lanes = cast<VectorType>(acc.getType()).getNumElements();
  Block &block = epilogue.front();
  tile.map(block.getArgument(0), acc);
  for (Operation &op : block) {
    if (auto yield = dyn_cast<qkernel::YieldOp>(op))
      return tile.lookup(yield.getValue());
    if (isa<arith::ConstantOp, tensor::ExtractOp>(op))
      continue; // forTile's
    // An elementwise arith/math op: the same op on vectors.
    Operation *copy = b.clone(op, tile);
    for (Value result : copy->getResults())
      result.setType(VectorType::get({lanes}, result.getType()));
  }
  llvm_unreachable("the verifier requires a qkernel.yield terminator");
}

} // namespace quantc::codegen
