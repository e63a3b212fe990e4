// The qkernel ops (generated from QKernelOps.td).
#ifndef QUANTC_DIALECTS_QKERNEL_QKERNELOPS_H
#define QUANTC_DIALECTS_QKERNEL_QKERNELOPS_H

#include "dialects/QKernel/QKernelDialect.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_OP_CLASSES
#include "dialects/QKernel/QKernelOps.h.inc"

#endif // QUANTC_DIALECTS_QKERNEL_QKERNELOPS_H
