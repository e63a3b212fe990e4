// Registration of the qnn dialect, its attributes and their verifiers.
#include "dialects/QNN/QNNDialect.h"
#include "dialects/QNN/QNNOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace quantc::qnn;

#include "dialects/QNN/QNNDialect.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/QNN/QNNAttrs.cpp.inc"

void QNNDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/QNN/QNNOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialects/QNN/QNNAttrs.cpp.inc"
      >();
}

Operation *QNNDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                           Type type, Location loc) {
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type)
    return nullptr;
  return ConstantOp::create(builder, loc, elements);
}

LogicalResult RangeAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                APFloat min, APFloat max) {
  if (!min.isFinite() || !max.isFinite())
    return emitError() << "range bounds must be finite";
  if (min.compare(max) == APFloat::cmpGreaterThan)
    return emitError() << "range min " << min.convertToDouble()
                       << " is greater than max " << max.convertToDouble();
  return success();
}

LogicalResult
WeightFormatAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                         unsigned bits, int64_t groupSize, BoolAttr ternary,
                         BoolAttr symmetric) {
  if (bits < 1 || bits > 8)
    return emitError() << "weight bits must be in [1, 8], got " << bits;
  if (groupSize < -1)
    return emitError() << "group_size must be -1 (per tensor), 0 (per channel) or positive, got "
                       << groupSize;
  if (ternary && ternary.getValue() && bits != 2)
    return emitError() << "ternary weights are stored in 2 bits, got bits = "
                       << bits;
  return success();
}

LogicalResult
SensitivityAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                        DenseI64ArrayAttr bits, DenseF64ArrayAttr omega) {
  if (!bits || !omega || bits.size() != omega.size())
    return emitError() << "sensitivity needs one omega per candidate bit-width";
  for (int64_t b : bits.asArrayRef())
    if (b < 1 || b > 16)
      return emitError() << "candidate bit-width " << b << " is out of [1, 16]";
  return success();
}
