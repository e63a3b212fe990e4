// Matching a bufferized tensor.pad (see PaddedCopy.h).
#include "passes/Conversion/LinalgToVector/PaddedCopy.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace quantc {

using namespace mlir;

namespace {

/// The value `op` fills its output with, when it writes one value
/// everywhere: linalg.fill, or a linalg.map without inputs yielding a
/// value from outside its body.
Value filledValue(Operation *op, Value &buffer) {
  if (auto fill = dyn_cast<linalg::FillOp>(op); fill && fill.hasPureBufferSemantics()) {
    buffer = fill.getOutputs().front();
    return fill.getInputs().front();
  }
  auto map = dyn_cast<linalg::MapOp>(op);
  if (!map || !map.getInputs().empty() || !map.hasPureBufferSemantics())
    return {};
  Value yielded = map.getBody()->getTerminator()->getOperand(0);
  if (map.getMapper().isAncestor(yielded.getParentRegion()))
    return {};
  buffer = map.getInit();
  return yielded;
}

} // namespace

std::optional<PaddedCopy> matchPaddedCopy(Operation *op) {
  PaddedCopy pad;
  pad.fill = op;
  pad.value = filledValue(op, pad.padded);
  if (!pad.value)
    return std::nullopt;
  auto type = cast<MemRefType>(pad.padded.getType());
  if (!type.hasStaticShape() || !type.getLayout().isIdentity() || type.getRank() < 2)
    return std::nullopt;
  // The next op with effects copies into a window of the buffer.
  Operation *next = op->getNextNode();
  while (next && (isMemoryEffectFree(next) || isa<memref::AllocOp>(next)))
    next = next->getNextNode();
  pad.copy = dyn_cast_or_null<memref::CopyOp>(next);
  if (!pad.copy)
    return std::nullopt;
  pad.interior = pad.copy.getTarget().getDefiningOp<memref::SubViewOp>();
  if (!pad.interior || pad.interior.getSource() != pad.padded ||
      pad.interior.getType().getRank() != type.getRank() || !pad.interior.getOffsets().empty() ||
      !pad.interior.getSizes().empty() ||
      !llvm::all_of(pad.interior.getStaticStrides(), [](int64_t s) { return s == 1; }))
    return std::nullopt;
  auto sourceType = cast<MemRefType>(pad.copy.getSource().getType());
  if (!sourceType.hasStaticShape() ||
      sourceType.getShape() != ArrayRef(pad.interior.getStaticSizes()))
    return std::nullopt;
  return pad;
}

} // namespace quantc
