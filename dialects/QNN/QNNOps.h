// The qnn ops (generated from QNNOps.td).
#ifndef QUANTC_DIALECTS_QNN_QNNOPS_H
#define QUANTC_DIALECTS_QNN_QNNOPS_H

#include "dialects/QNN/QNNDialect.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_OP_CLASSES
#include "dialects/QNN/QNNOps.h.inc"

#endif // QUANTC_DIALECTS_QNN_QNNOPS_H
