// The qkernel dialect class and its layout attribute.
#ifndef QUANTC_DIALECTS_QKERNEL_QKERNELDIALECT_H
#define QUANTC_DIALECTS_QKERNEL_QKERNELDIALECT_H

#include "quantc/Codegen/Packing.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Dialect.h"

#include "dialects/QKernel/QKernelDialect.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/QKernel/QKernelAttrs.h.inc"

namespace quantc::qkernel {
/// The plain C++ view of a layout attribute (packing and reference code).
codegen::PackedLayout toPackedLayout(LayoutAttr layout);
} // namespace quantc::qkernel

#endif // QUANTC_DIALECTS_QKERNEL_QKERNELDIALECT_H
