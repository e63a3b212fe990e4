#include "OutputStarts.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"

namespace quantc::gpu {

using namespace mlir;

bool isBroadcastCopy(Operation *op) {
  auto generic = dyn_cast_or_null<linalg::GenericOp>(op);
  if (!generic || generic.getNumReductionLoops() || generic.getNumDpsInputs() != 1 ||
      generic.getNumDpsInits() != 1)
    return false;
  auto yield = cast<linalg::YieldOp>(generic.getBody()->getTerminator());
  auto input = dyn_cast<RankedTensorType>(generic.getInputs()[0].getType());
  return input && input.hasStaticShape() && yield.getValues().size() == 1 &&
         yield.getValues()[0] == generic.getBody()->getArgument(0) &&
         generic.getIndexingMapsArray()[0].isProjectedPermutation(/*allowZeroInResults=*/true) &&
         generic.getIndexingMapsArray()[1].isPermutation();
}

std::optional<codegen::gpu::InitialValue> knownStart(linalg::LinalgOp op, OpOperand &init,
                                                     SmallVectorImpl<Operation *> *writers) {
  SmallVector<Operation *> chain;
  if (auto broadcast = init.get().getDefiningOp<linalg::GenericOp>();
      broadcast && broadcast->hasOneUse() && isBroadcastCopy(broadcast)) {
    SmallVector<AffineMap> maps = broadcast.getIndexingMapsArray();
    if (writers)
      writers->push_back(broadcast);
    return codegen::gpu::InitialValue{init.getOperandNumber(), TypedAttr(),
                                      broadcast.getInputs()[0],
                                      maps[0].compose(inversePermutation(maps[1]))};
  }
  Value source = init.get(); // through reshapes only it reads
  while (source.hasOneUse() &&
         isa_and_nonnull<tensor::CollapseShapeOp, tensor::ExpandShapeOp>(source.getDefiningOp())) {
    chain.push_back(source.getDefiningOp());
    source = source.getDefiningOp()->getOperand(0);
  }
  auto fill = source.getDefiningOp<linalg::FillOp>();
  TypedAttr value;
  if (!fill || !fill->hasOneUse() || !matchPattern(fill.getInputs()[0], m_Constant(&value)))
    return std::nullopt;
  if (writers) {
    writers->append(chain.begin(), chain.end());
    writers->push_back(fill);
  }
  return codegen::gpu::InitialValue{init.getOperandNumber(), value, Value(), AffineMap()};
}

} // namespace quantc::gpu
