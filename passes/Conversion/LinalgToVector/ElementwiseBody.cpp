// Running an elementwise generic's body inside a kernel (see ElementwiseBody.h).
#include "passes/Conversion/LinalgToVector/ElementwiseBody.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace quantc {

using namespace mlir;

static bool scalar(Type type) { return isa<FloatType, IntegerType>(type); }

bool vectorizableBody(linalg::GenericOp generic) {
  Block &body = generic.getRegion().front();
  if (!body.getArgument(generic.getNumDpsInputs()).use_empty())
    return false;
  for (Operation &op : body.without_terminator()) {
    bool constant = isa<arith::ConstantOp>(op);
    if (op.getDialect()->getNamespace() != "arith" || op.getNumRegions() ||
        !isMemoryEffectFree(&op) || (!constant && !op.hasTrait<OpTrait::Elementwise>()))
      return false;
    if (!llvm::all_of(op.getResultTypes(), scalar) || !llvm::all_of(op.getOperandTypes(), scalar))
      return false;
  }
  return true;
}

Value emitElementwiseBody(OpBuilder &b, Location loc, linalg::GenericOp generic,
                          ValueRange arguments, int64_t width) {
  Block &body = generic.getRegion().front();
  auto widen = [&](Value value) -> Value {
    if (!width)
      return value;
    return vector::BroadcastOp::create(b, loc, VectorType::get({width}, value.getType()), value);
  };
  IRMapping map;
  for (auto [argument, value] : llvm::zip(body.getArguments(), arguments))
    map.map(argument, value);
  for (Operation &op : body.without_terminator()) {
    if (isa<arith::ConstantOp>(op)) {
      map.map(op.getResult(0), widen(b.clone(op)->getResult(0)));
      continue;
    }
    for (Value operand : op.getOperands())
      if (!map.contains(operand)) // a scalar defined outside the generic
        map.map(operand, widen(operand));
    Operation *clone = b.clone(op, map);
    if (width)
      for (OpResult result : clone->getResults())
        result.setType(VectorType::get({width}, result.getType()));
  }
  return map.lookup(body.getTerminator()->getOperand(0));
}

} // namespace quantc
