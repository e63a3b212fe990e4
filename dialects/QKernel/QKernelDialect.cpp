// Registration of the qkernel dialect and the layout attribute's rules.
#include "dialects/QKernel/QKernelDialect.h"
#include "dialects/QKernel/QKernelOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace quantc::qkernel;

#include "dialects/QKernel/QKernelDialect.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/QKernel/QKernelAttrs.cpp.inc"

void QKernelDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/QKernel/QKernelOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialects/QKernel/QKernelAttrs.cpp.inc"
      >();
}

Operation *QKernelDialect::materializeConstant(OpBuilder &builder, Attribute value, Type type,
                                               Location loc) {
  auto typed = dyn_cast<TypedAttr>(value);
  if (!typed || typed.getType() != type)
    return nullptr;
  return arith::ConstantOp::create(builder, loc, typed);
}

/// Dims up to 2^35 keep every byte count of the layout inside int64.
static constexpr int64_t kMaxDim = int64_t(1) << 35;

LogicalResult LayoutAttr::verify(function_ref<InFlightDiagnostic()> emitError, unsigned bits,
                                 unsigned lanes, int64_t k, int64_t n, int64_t group,
                                 bool binary, bool signedBytes, bool lut) {
  if (bits < 1 || bits > 8)
    return emitError() << "layout bits must be in [1, 8], got " << bits;
  if (lut && bits > 4)
    return emitError() << "a lut layout has at most 4 bit planes, got bits = " << bits;
  if (lut && lanes != 16 && lanes != 32 && lanes != 64)
    return emitError() << "lut layout lanes must be 16, 32 or 64, got " << lanes;
  if (!lut && lanes != 4 && lanes != 8 && lanes != 16)
    return emitError() << "layout lanes must be 4, 8 or 16, got " << lanes;
  if (k < 1 || n < 1 || k > kMaxDim || n > kMaxDim)
    return emitError() << "layout k and n must be in [1, 2^35], got k = " << k << ", n = " << n;
  int64_t paddedK = (k + 31) / 32 * 32, paddedN = (n + lanes - 1) / lanes * lanes, codes;
  if (__builtin_mul_overflow(paddedK, paddedN, &codes) || codes > (int64_t(1) << 44))
    return emitError() << "layout of " << k << " x " << n << " codes is larger than 2^44";
  if (group < 0 || group % quantc::codegen::kBlockK)
    return emitError() << "layout group must be 0 (per channel) or a positive multiple of "
                       << quantc::codegen::kBlockK << ", got " << group;
  if (group > 0 && (k + quantc::codegen::kBlockK - 1) / quantc::codegen::kBlockK *
                           quantc::codegen::kBlockK % group)
    return emitError() << "layout group " << group << " does not divide the padded k";
  if (binary && bits != 1)
    return emitError() << "a binary layout has 1-bit codes, got bits = " << bits;
  if (signedBytes && bits != 8)
    return emitError() << "signed_bytes applies to 8-bit codes only, got bits = " << bits;
  return success();
}

quantc::codegen::PackedLayout quantc::qkernel::toPackedLayout(LayoutAttr layout) {
  quantc::codegen::PackedLayout plain;
  plain.bits = layout.getBits();
  plain.lanes = layout.getLanes();
  plain.k = layout.getK();
  plain.n = layout.getN();
  plain.group = layout.getGroup();
  plain.binary = layout.getBinary();
  plain.signedBytes = layout.getSignedBytes();
  plain.lut = layout.getLut();
  return plain;
}

int64_t LayoutAttr::paddedK() const { return toPackedLayout(*this).paddedK(); }
int64_t LayoutAttr::paddedN() const { return toPackedLayout(*this).paddedN(); }
int64_t LayoutAttr::packedBytes() const { return toPackedLayout(*this).packedBytes(); }
int64_t LayoutAttr::scaleRows() const { return toPackedLayout(*this).scaleRows(); }
