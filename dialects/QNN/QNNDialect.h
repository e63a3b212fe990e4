// The qnn dialect class and the attributes it defines.
#ifndef QUANTC_DIALECTS_QNN_QNNDIALECT_H
#define QUANTC_DIALECTS_QNN_QNNDIALECT_H

#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/IR/Dialect.h"

#include "dialects/QNN/QNNDialect.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/QNN/QNNAttrs.h.inc"

#endif // QUANTC_DIALECTS_QNN_QNNDIALECT_H
