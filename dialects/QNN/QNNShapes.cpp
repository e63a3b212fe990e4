// Shape functions of the qnn ops: the single source of result types for
// builders, verifiers and folders.
#include "dialects/QNN/QNNOps.h"
#include "dialects/QNN/QNNShapeUtils.h"

#include "mlir/Dialect/Utils/IndexingUtils.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallSet.h"
#include "llvm/Support/CheckedArithmetic.h"

using namespace mlir;
using namespace quantc::qnn;

namespace {
constexpr int64_t kDynamic = ShapedType::kDynamic;
} // namespace

namespace quantc::qnn::shapes {

LogicalResult fail(std::optional<Location> loc, StringRef op, const Twine &msg) {
  return emitOptionalError(loc, "'qnn.", op, "' op ", msg);
}

RankedTensorType rankedType(Value value) {
  return value ? dyn_cast<RankedTensorType>(value.getType()) : nullptr;
}

/// Normalizes a possibly negative axis into [0, rank); fails when out of range.
FailureOr<int64_t> normalizeAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return failure();
  return axis < 0 ? axis + rank : axis;
}

std::string formatShape(ArrayRef<int64_t> shape) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "[";
  llvm::interleave(
      shape, os,
      [&](int64_t d) { d == kDynamic ? os << "?" : os << d; }, ", ");
  os << "]";
  return text;
}

/// numpy broadcasting of two shapes; dynamic dims broadcast optimistically.
LogicalResult broadcastShapes(ArrayRef<int64_t> a, ArrayRef<int64_t> b,
                              SmallVectorImpl<int64_t> &out) {
  size_t rank = std::max(a.size(), b.size());
  out.assign(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da == db || db == 1)
      out[i] = da;
    else if (da == 1)
      out[i] = db;
    else if (da == kDynamic)
      out[i] = db;
    else if (db == kDynamic)
      out[i] = da;
    else
      return failure();
  }
  return success();
}

/// Ceiling division of a non-negative by a positive number, without the
/// overflow of (a + b - 1) / b when b is huge.
static int64_t ceilDiv(int64_t a, int64_t b) { return a / b + (a % b != 0); }

/// Checks the per-spatial-dim attributes shared by conv and pooling ops.
LogicalResult checkWindowAttrs(std::optional<Location> loc, StringRef op,
                               size_t spatialRank, ArrayRef<int64_t> strides,
                               ArrayRef<int64_t> dilations,
                               ArrayRef<int64_t> pads) {
  if (strides.size() != spatialRank || dilations.size() != spatialRank)
    return fail(loc, op,
                "expects " + Twine(spatialRank) +
                    " strides and dilations (one per spatial dim)");
  if (pads.size() != 2 * spatialRank)
    return fail(loc, op,
                "expects " + Twine(2 * spatialRank) +
                    " pads (begins then ends), got " + Twine(pads.size()));
  if (llvm::any_of(strides, [](int64_t s) { return s < 1; }) ||
      llvm::any_of(dilations, [](int64_t d) { return d < 1; }))
    return fail(loc, op, "strides and dilations must be positive");
  if (llvm::any_of(pads, [](int64_t p) { return p < 0; }))
    return fail(loc, op, "pads must be non-negative");
  return success();
}

/// Output size of a sliding window; kDynamic for a dynamic input.
FailureOr<int64_t> windowOutputSize(int64_t in, int64_t kernel, int64_t stride,
                                    int64_t dilation, int64_t padBegin,
                                    int64_t padEnd, bool ceilMode) {
  if (in == kDynamic || kernel == kDynamic)
    return kDynamic;
  // Attributes come from the model file: any of them may be huge, so the
  // window arithmetic is checked rather than allowed to wrap.
  std::optional<int64_t> reach = llvm::checkedMul(kernel - 1, dilation);
  std::optional<int64_t> padded = llvm::checkedAdd(in, padBegin);
  if (padded)
    padded = llvm::checkedAdd(*padded, padEnd);
  if (!reach || !padded || *reach >= *padded)
    return failure();
  int64_t span = *padded - (*reach + 1);
  int64_t out = (ceilMode ? ceilDiv(span, stride) : span / stride) + 1;
  // A window may not start inside the end padding (ONNX/PyTorch ceil_mode).
  if (ceilMode) {
    std::optional<int64_t> lastStart = llvm::checkedMul(out - 1, stride);
    if (!lastStart || *lastStart >= in + padBegin)
      --out;
  }
  return out;
}

} // namespace quantc::qnn::shapes

using namespace quantc::qnn::shapes;

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

LogicalResult ConstantOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                           Adaptor adaptor,
                                           SmallVectorImpl<Type> &results) {
  auto type = adaptor.getValue() ? dyn_cast<RankedTensorType>(adaptor.getValue().getType())
                                 : nullptr;
  if (!type)
    return fail(loc, "constant", "value must be a ranked tensor");
  results.push_back(type);
  return success();
}

//===----------------------------------------------------------------------===//
// Convolution, matmul and normalization
//===----------------------------------------------------------------------===//

LogicalResult ConvOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &results) {
  auto input = rankedType(adaptor.getInput());
  auto weight = rankedType(adaptor.getWeight());
  if (!input || !weight)
    return fail(loc, "conv", "expects ranked input and weight");
  int64_t rank = input.getRank();
  if (rank < 3 || weight.getRank() != rank)
    return fail(loc, "conv",
                "expects input and weight of the same rank >= 3 (N, C, spatial...), got " +
                    formatShape(input.getShape()) + " and " +
                    formatShape(weight.getShape()));
  size_t spatial = rank - 2;
  if (failed(checkWindowAttrs(loc, "conv", spatial, adaptor.getStrides(),
                              adaptor.getDilations(), adaptor.getPads())))
    return failure();
  int64_t group = adaptor.getGroup();
  int64_t channels = input.getDimSize(1);
  int64_t outChannels = weight.getDimSize(0);
  if (group < 1)
    return fail(loc, "conv", "group must be positive");
  std::optional<int64_t> expected = groupedChannels(weight.getDimSize(1), group);
  if (channels != kDynamic && weight.getDimSize(1) != kDynamic &&
      (!expected || channels != *expected))
    return fail(loc, "conv",
                "input has " + Twine(channels) + " channels but weight " +
                    formatShape(weight.getShape()) + " with group " + Twine(group) +
                    " expects " +
                    (expected ? Twine(*expected) : Twine("more than 2^63")));
  if (outChannels != kDynamic && outChannels % group != 0)
    return fail(loc, "conv", "output channels " + Twine(outChannels) +
                                 " are not divisible by group " + Twine(group));
  if (auto bias = rankedType(adaptor.getBias()))
    if (bias.getRank() != 1 || (bias.getDimSize(0) != kDynamic &&
                                outChannels != kDynamic &&
                                bias.getDimSize(0) != outChannels))
      return fail(loc, "conv", "bias must be 1-D with " + Twine(outChannels) +
                                   " elements, got " + formatShape(bias.getShape()));
  SmallVector<int64_t> shape = {input.getDimSize(0), outChannels};
  for (size_t i = 0; i < spatial; ++i) {
    auto size = windowOutputSize(input.getDimSize(2 + i), weight.getDimSize(2 + i),
                                 adaptor.getStrides()[i], adaptor.getDilations()[i],
                                 adaptor.getPads()[i], adaptor.getPads()[spatial + i],
                                 /*ceilMode=*/false);
    if (failed(size))
      return fail(loc, "conv", "kernel " + formatShape(weight.getShape()) +
                                   " is larger than the padded input " +
                                   formatShape(input.getShape()));
    shape.push_back(*size);
  }
  results.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult ConvTransposeOp::inferReturnTypes(MLIRContext *,
                                                std::optional<Location> loc,
                                                Adaptor adaptor,
                                                SmallVectorImpl<Type> &results) {
  auto input = rankedType(adaptor.getInput());
  auto weight = rankedType(adaptor.getWeight());
  if (!input || !weight)
    return fail(loc, "conv_transpose", "expects ranked input and weight");
  int64_t rank = input.getRank();
  if (rank < 3 || weight.getRank() != rank)
    return fail(loc, "conv_transpose",
                "expects input and weight of the same rank >= 3");
  size_t spatial = rank - 2;
  if (failed(checkWindowAttrs(loc, "conv_transpose", spatial, adaptor.getStrides(),
                              adaptor.getDilations(), adaptor.getPads())))
    return failure();
  ArrayRef<int64_t> outputPadding = adaptor.getOutputPadding();
  if (outputPadding.size() != spatial)
    return fail(loc, "conv_transpose", "expects one output_padding per spatial dim");
  int64_t group = adaptor.getGroup();
  if (group < 1)
    return fail(loc, "conv_transpose", "group must be positive");
  if (input.getDimSize(1) != kDynamic && weight.getDimSize(0) != kDynamic &&
      input.getDimSize(1) != weight.getDimSize(0))
    return fail(loc, "conv_transpose",
                "input has " + Twine(input.getDimSize(1)) +
                    " channels but weight (C, M/group, k...) has " +
                    Twine(weight.getDimSize(0)));
  std::optional<int64_t> outChannels = weight.getDimSize(1) == kDynamic
                                           ? kDynamic
                                           : groupedChannels(weight.getDimSize(1), group);
  if (!outChannels)
    return fail(loc, "conv_transpose",
                "weight " + formatShape(weight.getShape()) + " with group " + Twine(group) +
                    " has more than 2^63 output channels");
  if (auto bias = rankedType(adaptor.getBias()))
    if (bias.getRank() != 1 || (bias.getDimSize(0) != kDynamic &&
                                *outChannels != kDynamic &&
                                bias.getDimSize(0) != *outChannels))
      return fail(loc, "conv_transpose",
                  "bias must be 1-D with " + Twine(*outChannels) + " elements");
  SmallVector<int64_t> shape = {input.getDimSize(0), *outChannels};
  for (size_t i = 0; i < spatial; ++i) {
    int64_t in = input.getDimSize(2 + i), k = weight.getDimSize(2 + i);
    if (in == kDynamic || k == kDynamic) {
      shape.push_back(kDynamic);
      continue;
    }
    int64_t out = adaptor.getStrides()[i] * (in - 1) + outputPadding[i] +
                  (k - 1) * adaptor.getDilations()[i] + 1 - adaptor.getPads()[i] -
                  adaptor.getPads()[spatial + i];
    if (out < 1)
      return fail(loc, "conv_transpose", "pads leave an empty output");
    shape.push_back(out);
  }
  results.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult GemmOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &results) {
  auto a = rankedType(adaptor.getA());
  auto b = rankedType(adaptor.getB());
  if (!a || !b || a.getRank() != 2 || b.getRank() != 2)
    return fail(loc, "gemm", "expects 2-D A and B");
  int64_t m = a.getDimSize(adaptor.getTransA() ? 1 : 0);
  int64_t ka = a.getDimSize(adaptor.getTransA() ? 0 : 1);
  int64_t kb = b.getDimSize(adaptor.getTransB() ? 1 : 0);
  int64_t n = b.getDimSize(adaptor.getTransB() ? 0 : 1);
  if (ka != kDynamic && kb != kDynamic && ka != kb)
    return fail(loc, "gemm", "inner dimensions differ: " + Twine(ka) + " vs " + Twine(kb));
  SmallVector<int64_t> shape = {m, n};
  if (auto c = rankedType(adaptor.getC())) {
    SmallVector<int64_t> broadcast;
    if (c.getRank() > 2 || failed(broadcastShapes(shape, c.getShape(), broadcast)) ||
        ArrayRef<int64_t>(broadcast) != ArrayRef<int64_t>(shape))
      return fail(loc, "gemm", "C " + formatShape(c.getShape()) +
                                   " does not broadcast to " + formatShape(shape));
  }
  results.push_back(RankedTensorType::get(shape, a.getElementType()));
  return success();
}

LogicalResult MatMulOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  auto a = rankedType(adaptor.getA());
  auto b = rankedType(adaptor.getB());
  if (!a || !b || a.getRank() < 1 || b.getRank() < 1)
    return fail(loc, "matmul", "expects operands of rank >= 1");
  // numpy: a 1-D lhs is a row vector, a 1-D rhs a column vector; both extra
  // dims are dropped from the result.
  SmallVector<int64_t> lhs(a.getShape()), rhs(b.getShape());
  if (a.getRank() == 1)
    lhs.insert(lhs.begin(), 1);
  if (b.getRank() == 1)
    rhs.push_back(1);
  int64_t k1 = lhs.back(), k2 = rhs[rhs.size() - 2];
  if (k1 != kDynamic && k2 != kDynamic && k1 != k2)
    return fail(loc, "matmul", "inner dimensions differ: " + formatShape(a.getShape()) +
                                   " x " + formatShape(b.getShape()));
  SmallVector<int64_t> batch;
  if (failed(broadcastShapes(ArrayRef(lhs).drop_back(2), ArrayRef(rhs).drop_back(2),
                             batch)))
    return fail(loc, "matmul", "batch dimensions do not broadcast: " +
                                   formatShape(a.getShape()) + " x " +
                                   formatShape(b.getShape()));
  if (a.getRank() != 1)
    batch.push_back(lhs[lhs.size() - 2]);
  if (b.getRank() != 1)
    batch.push_back(rhs.back());
  results.push_back(RankedTensorType::get(batch, a.getElementType()));
  return success();
}

LogicalResult BatchNormOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  auto input = rankedType(adaptor.getInput());
  if (!input || input.getRank() < 2)
    return fail(loc, "batch_norm", "expects an input of rank >= 2 (N, C, ...)");
  int64_t channels = input.getDimSize(1);
  for (Value param : {adaptor.getScale(), adaptor.getBias(), adaptor.getMean(),
                      adaptor.getVariance()}) {
    auto type = rankedType(param);
    if (!type || type.getRank() != 1 ||
        (channels != kDynamic && type.getDimSize(0) != kDynamic &&
         type.getDimSize(0) != channels))
      return fail(loc, "batch_norm", "scale, bias, mean and variance must be 1-D with " +
                                         Twine(channels) + " elements");
  }
  results.push_back(input);
  return success();
}

LogicalResult LayerNormOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  auto input = rankedType(adaptor.getInput());
  if (!input)
    return fail(loc, "layer_norm", "expects a ranked input");
  auto axis = normalizeAxis(adaptor.getAxis(), input.getRank());
  if (failed(axis))
    return fail(loc, "layer_norm", "axis " + Twine(adaptor.getAxis()) +
                                       " is out of range for rank " +
                                       Twine(input.getRank()));
  ArrayRef<int64_t> normalized = input.getShape().drop_front(*axis);
  for (Value param : {adaptor.getScale(), adaptor.getBias()}) {
    auto type = rankedType(param);
    if (!param)
      continue;
    SmallVector<int64_t> broadcast;
    if (!type || failed(broadcastShapes(normalized, type.getShape(), broadcast)) ||
        ArrayRef<int64_t>(broadcast) != normalized)
      return fail(loc, "layer_norm", "scale/bias must broadcast to the normalized shape " +
                                         formatShape(normalized));
  }
  results.push_back(input);
  return success();
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

static LogicalResult inferPool(std::optional<Location> loc, StringRef op, Value value,
                               ArrayRef<int64_t> kernel, ArrayRef<int64_t> strides,
                               ArrayRef<int64_t> dilations, ArrayRef<int64_t> pads,
                               bool ceilMode, SmallVectorImpl<Type> &results,
                               bool channelsLast = false) {
  auto input = rankedType(value);
  if (!input || input.getRank() < 3)
    return fail(loc, op, "expects an input of rank >= 3 (N, C, spatial...)");
  if (channelsLast && input.getRank() != 4)
    return fail(loc, op, "channels_last expects a 2-D pool's [N, H, W, C] input");
  size_t spatial = input.getRank() - 2;
  // [N, H, W, C] as [N, C, H, W] for the window arithmetic, and back.
  SmallVector<int64_t> perm = {0, 3, 1, 2};
  if (channelsLast)
    input = RankedTensorType::get(applyPermutation(input.getShape(), perm),
                                  input.getElementType());
  if (kernel.size() != spatial)
    return fail(loc, op, "expects " + Twine(spatial) + " kernel_shape entries");
  if (llvm::any_of(kernel, [](int64_t k) { return k < 1; }))
    return fail(loc, op, "kernel_shape entries must be positive");
  if (failed(checkWindowAttrs(loc, op, spatial, strides, dilations, pads)))
    return failure();
  SmallVector<int64_t> shape(input.getShape().take_front(2));
  for (size_t i = 0; i < spatial; ++i) {
    auto size = windowOutputSize(input.getDimSize(2 + i), kernel[i], strides[i],
                                 dilations[i], pads[i], pads[spatial + i], ceilMode);
    if (failed(size))
      return fail(loc, op, "kernel " + formatShape(kernel) +
                               " is larger than the padded input " +
                               formatShape(input.getShape()));
    shape.push_back(*size);
  }
  if (channelsLast)
    shape = applyPermutation(shape, invertPermutationVector(perm));
  results.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult MaxPoolOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &results) {
  return inferPool(loc, "max_pool", adaptor.getInput(), adaptor.getKernelShape(),
                   adaptor.getStrides(), adaptor.getDilations(), adaptor.getPads(),
                   adaptor.getCeilMode(), results, adaptor.getChannelsLast());
}

LogicalResult AveragePoolOp::inferReturnTypes(MLIRContext *,
                                              std::optional<Location> loc,
                                              Adaptor adaptor,
                                              SmallVectorImpl<Type> &results) {
  SmallVector<int64_t> dilations(adaptor.getKernelShape().size(), 1);
  return inferPool(loc, "average_pool", adaptor.getInput(), adaptor.getKernelShape(),
                   adaptor.getStrides(), dilations, adaptor.getPads(),
                   adaptor.getCeilMode(), results);
}

LogicalResult GlobalAveragePoolOp::inferReturnTypes(MLIRContext *,
                                                    std::optional<Location> loc,
                                                    Adaptor adaptor,
                                                    SmallVectorImpl<Type> &results) {
  auto input = rankedType(adaptor.getInput());
  if (!input || input.getRank() < 3)
    return fail(loc, "global_average_pool", "expects an input of rank >= 3");
  SmallVector<int64_t> shape(input.getShape());
  std::fill(shape.begin() + 2, shape.end(), 1);
  results.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// Elementwise binary
//===----------------------------------------------------------------------===//

static LogicalResult inferBroadcast(std::optional<Location> loc, StringRef op,
                                    Value lhsValue, Value rhsValue,
                                    bool sameElementType,
                                    SmallVectorImpl<Type> &results) {
  auto lhs = rankedType(lhsValue);
  auto rhs = rankedType(rhsValue);
  if (!lhs || !rhs)
    return fail(loc, op, "expects ranked operands");
  if (sameElementType && lhs.getElementType() != rhs.getElementType())
    return fail(loc, op, "operand element types differ");
  SmallVector<int64_t> shape;
  if (failed(broadcastShapes(lhs.getShape(), rhs.getShape(), shape)))
    return fail(loc, op, "shapes " + formatShape(lhs.getShape()) + " and " +
                             formatShape(rhs.getShape()) + " do not broadcast");
  results.push_back(RankedTensorType::get(shape, lhs.getElementType()));
  return success();
}

#define QNN_BROADCAST_OP(OpClass, mnemonic, sameElementType)                      \
  LogicalResult OpClass::inferReturnTypes(MLIRContext *,                         \
                                          std::optional<Location> loc,           \
                                          Adaptor adaptor,                       \
                                          SmallVectorImpl<Type> &results) {      \
    return inferBroadcast(loc, mnemonic, adaptor.getLhs(), adaptor.getRhs(),     \
                          sameElementType, results);                             \
  }
QNN_BROADCAST_OP(AddOp, "add", true)
QNN_BROADCAST_OP(SubOp, "sub", true)
QNN_BROADCAST_OP(MulOp, "mul", true)
QNN_BROADCAST_OP(DivOp, "div", true)
QNN_BROADCAST_OP(PowOp, "pow", false)
QNN_BROADCAST_OP(MinOp, "min", true)
QNN_BROADCAST_OP(MaxOp, "max", true)
QNN_BROADCAST_OP(ModOp, "mod", true)
QNN_BROADCAST_OP(AndOp, "and", true)
QNN_BROADCAST_OP(OrOp, "or", true)
QNN_BROADCAST_OP(XorOp, "xor", true)
#undef QNN_BROADCAST_OP

LogicalResult PReluOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &results) {
  if (failed(inferBroadcast(loc, "prelu", adaptor.getLhs(), adaptor.getRhs(), true,
                            results)))
    return failure();
  // The slope broadcasts to the input, never the other way round.
  if (results.back() != adaptor.getLhs().getType())
    return fail(loc, "prelu", "slope must broadcast to the input shape");
  return success();
}

//===----------------------------------------------------------------------===//
// Shape manipulation
//===----------------------------------------------------------------------===//

LogicalResult ReshapeOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &results) {
  auto input = rankedType(adaptor.getInput());
  if (!input)
    return fail(loc, "reshape", "expects a ranked input");
  SmallVector<int64_t> shape(adaptor.getShape());
  int64_t inferredDim = -1, knownProduct = 1;
  for (auto [i, dim] : llvm::enumerate(shape)) {
    if (dim == 0 && !adaptor.getAllowzero()) {
      if (static_cast<int64_t>(i) >= input.getRank())
        return fail(loc, "reshape", "shape entry 0 at " + Twine(i) +
                                        " copies a dim the input does not have");
      dim = input.getDimSize(i);
    } else if (dim == -1) {
      if (inferredDim >= 0)
        return fail(loc, "reshape", "shape has more than one -1");
      inferredDim = i;
      continue;
    } else if (dim < 0) {
      return fail(loc, "reshape", "invalid shape entry " + Twine(dim));
    }
    if (dim == kDynamic) {
      knownProduct = kDynamic;
    } else if (knownProduct != kDynamic) {
      std::optional<int64_t> product = llvm::checkedMul(knownProduct, dim);
      if (!product)
        return fail(loc, "reshape", "shape " + formatShape(adaptor.getShape()) +
                                        " has more elements than 64 bits count");
      knownProduct = *product;
    }
  }
  if (input.hasStaticShape() && knownProduct != kDynamic) {
    int64_t total = input.getNumElements();
    if (inferredDim >= 0) {
      if (knownProduct == 0 || total % knownProduct != 0)
        return fail(loc, "reshape", "cannot reshape " + formatShape(input.getShape()) +
                                        " into " + formatShape(adaptor.getShape()));
      shape[inferredDim] = total / knownProduct;
    } else if (total != knownProduct) {
      return fail(loc, "reshape", "cannot reshape " + formatShape(input.getShape()) +
                                      " (" + Twine(total) + " elements) into " +
                                      formatShape(adaptor.getShape()));
    }
  } else if (inferredDim >= 0) {
    shape[inferredDim] = kDynamic;
  }
  results.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult TransposeOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  auto input = rankedType(adaptor.getInput());
  ArrayRef<int64_t> perm = adaptor.getPerm();
  if (!input || static_cast<int64_t>(perm.size()) != input.getRank())
    return fail(loc, "transpose", "perm must have one entry per input dim");
  SmallVector<bool> seen(perm.size(), false);
  SmallVector<int64_t> shape;
  for (int64_t p : perm) {
    if (p < 0 || p >= input.getRank() || seen[p])
      return fail(loc, "transpose", "perm " + formatShape(perm) + " is not a permutation");
    seen[p] = true;
    shape.push_back(input.getDimSize(p));
  }
  results.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult SliceOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &results) {
  auto input = rankedType(adaptor.getInput());
  if (!input)
    return fail(loc, "slice", "expects a ranked input");
  ArrayRef<int64_t> starts = adaptor.getStarts(), ends = adaptor.getEnds(),
                    axes = adaptor.getAxes(), steps = adaptor.getSteps();
  if (starts.size() != axes.size() || ends.size() != axes.size() ||
      steps.size() != axes.size())
    return fail(loc, "slice", "starts, ends, axes and steps must have equal length");
  SmallVector<int64_t> shape(input.getShape());
  SmallVector<bool> seen(input.getRank(), false);
  for (size_t i = 0; i < axes.size(); ++i) {
    auto axis = normalizeAxis(axes[i], input.getRank());
    if (failed(axis) || seen[*axis])
      return fail(loc, "slice", "axes " + formatShape(axes) + " are invalid for rank " +
                                    Twine(input.getRank()));
    seen[*axis] = true;
    if (steps[i] == 0)
      return fail(loc, "slice", "steps must be non-zero");
    int64_t dim = input.getDimSize(*axis);
    if (dim == kDynamic)
      continue;
    int64_t size = computeSliceBounds(dim, starts[i], ends[i], steps[i]).size;
    shape[*axis] = size;
  }
  results.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult SqueezeOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &results) {
  auto input = rankedType(adaptor.getInput());
  if (!input)
    return fail(loc, "squeeze", "expects a ranked input");
  SmallVector<bool> drop(input.getRank(), false);
  if (adaptor.getAxes().empty()) {
    for (int64_t i = 0; i < input.getRank(); ++i) {
      if (input.getDimSize(i) == kDynamic)
        return fail(loc, "squeeze", "needs explicit axes when the input has dynamic dims");
      drop[i] = input.getDimSize(i) == 1;
    }
  }
  for (int64_t axis : adaptor.getAxes()) {
    auto normalized = normalizeAxis(axis, input.getRank());
    if (failed(normalized))
      return fail(loc, "squeeze", "axis " + Twine(axis) + " is out of range");
    int64_t dim = input.getDimSize(*normalized);
    if (dim != 1 && dim != kDynamic)
      return fail(loc, "squeeze", "dim " + Twine(*normalized) + " has size " + Twine(dim) +
                                      ", not 1");
    drop[*normalized] = true;
  }
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < input.getRank(); ++i)
    if (!drop[i])
      shape.push_back(input.getDimSize(i));
  results.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult UnsqueezeOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  auto input = rankedType(adaptor.getInput());
  if (!input)
    return fail(loc, "unsqueeze", "expects a ranked input");
  int64_t rank = input.getRank() + adaptor.getAxes().size();
  SmallVector<bool> inserted(rank, false);
  for (int64_t axis : adaptor.getAxes()) {
    auto normalized = normalizeAxis(axis, rank);
    if (failed(normalized) || inserted[*normalized])
      return fail(loc, "unsqueeze", "axes " + formatShape(adaptor.getAxes()) +
                                        " are invalid for output rank " + Twine(rank));
    inserted[*normalized] = true;
  }
  SmallVector<int64_t> shape;
  auto next = input.getShape().begin();
  for (int64_t i = 0; i < rank; ++i)
    shape.push_back(inserted[i] ? 1 : *next++);
  results.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult FlattenOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &results) {
  auto input = rankedType(adaptor.getInput());
  if (!input)
    return fail(loc, "flatten", "expects a ranked input");
  int64_t axis = adaptor.getAxis(), rank = input.getRank();
  if (axis < -rank || axis > rank)
    return fail(loc, "flatten", "axis " + Twine(axis) + " is out of range");
  if (axis < 0)
    axis += rank;
  auto product = [](ArrayRef<int64_t> dims) {
    int64_t p = 1;
    for (int64_t d : dims) {
      if (d == kDynamic)
        return kDynamic;
      p *= d;
    }
    return p;
  };
  SmallVector<int64_t> shape = {product(input.getShape().take_front(axis)),
                                product(input.getShape().drop_front(axis))};
  results.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult CastOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &results) {
  auto input = rankedType(adaptor.getInput());
  if (!input || !adaptor.getTo())
    return fail(loc, "cast", "expects a ranked input and a target type");
  Type to = adaptor.getTo();
  if (!to.isIntOrFloat())
    return fail(loc, "cast", "target must be an integer or float type");
  results.push_back(RankedTensorType::get(input.getShape(), to));
  return success();
}

LogicalResult ShapeOfOp::inferReturnTypes(MLIRContext *context, std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &results) {
  auto input = rankedType(adaptor.getInput());
  if (!input)
    return fail(loc, "shape", "expects a ranked input");
  int64_t rank = input.getRank();
  auto [start, end] = shapeOfRange(rank, adaptor.getStart(), adaptor.getEnd());
  results.push_back(RankedTensorType::get({end - start}, IntegerType::get(context, 64)));
  return success();
}

LogicalResult ConcatOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  if (adaptor.getInputs().empty())
    return fail(loc, "concat", "expects at least one input");
  auto first = rankedType(adaptor.getInputs().front());
  if (!first)
    return fail(loc, "concat", "expects ranked inputs");
  auto axis = normalizeAxis(adaptor.getAxis(), first.getRank());
  if (failed(axis))
    return fail(loc, "concat", "axis " + Twine(adaptor.getAxis()) + " is out of range");
  SmallVector<int64_t> shape(first.getShape());
  for (Value value : adaptor.getInputs().drop_front()) {
    auto type = rankedType(value);
    if (!type || type.getRank() != first.getRank() ||
        type.getElementType() != first.getElementType())
      return fail(loc, "concat", "inputs must share rank and element type");
    for (int64_t i = 0; i < first.getRank(); ++i) {
      int64_t d = type.getDimSize(i);
      if (i == *axis) {
        shape[i] = (shape[i] == kDynamic || d == kDynamic) ? kDynamic : shape[i] + d;
      } else if (shape[i] == kDynamic) {
        shape[i] = d;
      } else if (d != kDynamic && d != shape[i]) {
        return fail(loc, "concat", "input shapes " + formatShape(first.getShape()) +
                                       " and " + formatShape(type.getShape()) +
                                       " differ outside the concat axis");
      }
    }
  }
  results.push_back(RankedTensorType::get(shape, first.getElementType()));
  return success();
}

LogicalResult GatherOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  auto input = rankedType(adaptor.getInput());
  auto indices = rankedType(adaptor.getIndices());
  if (!input || !indices || input.getRank() < 1)
    return fail(loc, "gather", "expects a ranked input of rank >= 1 and ranked indices");
  auto axis = normalizeAxis(adaptor.getAxis(), input.getRank());
  if (failed(axis))
    return fail(loc, "gather", "axis " + Twine(adaptor.getAxis()) + " is out of range");
  SmallVector<int64_t> shape(input.getShape().take_front(*axis));
  llvm::append_range(shape, indices.getShape());
  llvm::append_range(shape, input.getShape().drop_front(*axis + 1));
  results.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult PadOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                      Adaptor adaptor, SmallVectorImpl<Type> &results) {
  auto input = rankedType(adaptor.getInput());
  if (!input)
    return fail(loc, "pad", "expects a ranked input");
  ArrayRef<int64_t> pads = adaptor.getPads();
  int64_t rank = input.getRank();
  if (static_cast<int64_t>(pads.size()) != 2 * rank)
    return fail(loc, "pad", "expects " + Twine(2 * rank) + " pads, got " +
                                Twine(pads.size()));
  StringRef mode = adaptor.getMode();
  if (mode != "constant" && mode != "reflect" && mode != "edge")
    return fail(loc, "pad", "mode must be constant, reflect or edge, got '" + mode + "'");
  SmallVector<int64_t> shape(input.getShape());
  for (int64_t i = 0; i < rank; ++i) {
    if (shape[i] == kDynamic)
      continue;
    shape[i] += pads[i] + pads[rank + i];
    if (shape[i] < 0)
      return fail(loc, "pad", "negative pads remove more than dim " + Twine(i) + " holds");
  }
  results.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult ReduceMeanOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &results) {
  auto input = rankedType(adaptor.getInput());
  if (!input)
    return fail(loc, "reduce_mean", "expects a ranked input");
  SmallVector<bool> reduced(input.getRank(), adaptor.getAxes().empty());
  for (int64_t axis : adaptor.getAxes()) {
    auto normalized = normalizeAxis(axis, input.getRank());
    if (failed(normalized))
      return fail(loc, "reduce_mean", "axis " + Twine(axis) + " is out of range");
    reduced[*normalized] = true;
  }
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < input.getRank(); ++i) {
    if (!reduced[i])
      shape.push_back(input.getDimSize(i));
    else if (adaptor.getKeepdims())
      shape.push_back(1);
  }
  results.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult GridSampleOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                             Adaptor adaptor, SmallVectorImpl<Type> &results) {
  auto input = rankedType(adaptor.getInput());
  auto grid = rankedType(adaptor.getGrid());
  if (!input || !grid || input.getRank() != 4 || grid.getRank() != 4)
    return fail(loc, "grid_sample",
                "expects a 4-D input [N, C, H, W] and a 4-D grid [N, H', W', 2]");
  if (!grid.isDynamicDim(3) && grid.getDimSize(3) != 2)
    return fail(loc, "grid_sample",
                "the grid's last dim must be 2 (x, y), got " + std::to_string(grid.getDimSize(3)));
  int64_t batch = input.getDimSize(0);
  if (batch != kDynamic && grid.getDimSize(0) != kDynamic && batch != grid.getDimSize(0))
    return fail(loc, "grid_sample",
                "input batch " + std::to_string(batch) + " and grid batch " +
                    std::to_string(grid.getDimSize(0)) + " differ");
  StringRef mode = adaptor.getMode(), padding = adaptor.getPaddingMode();
  if (mode != "linear" && mode != "nearest" && mode != "cubic")
    return fail(loc, "grid_sample", "mode must be linear, nearest or cubic, got '" + mode + "'");
  if (padding != "zeros" && padding != "border" && padding != "reflection")
    return fail(loc, "grid_sample",
                "padding_mode must be zeros, border or reflection, got '" + padding + "'");
  if (batch == kDynamic)
    batch = grid.getDimSize(0);
  results.push_back(
      RankedTensorType::get({batch, input.getDimSize(1), grid.getDimSize(1), grid.getDimSize(2)},
                            input.getElementType()));
  return success();
}

LogicalResult ResizeOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  auto input = rankedType(adaptor.getInput());
  if (!input)
    return fail(loc, "resize", "expects a ranked input");
  int64_t rank = input.getRank();
  ArrayRef<float> scales = adaptor.getScales();
  if (static_cast<int64_t>(scales.size()) != rank)
    return fail(loc, "resize", "expects one scale per dim");
  if (llvm::any_of(scales, [](float s) { return !(s > 0.0f); }))
    return fail(loc, "resize", "scales must be positive");
  StringRef mode = adaptor.getMode();
  if (mode != "nearest" && mode != "linear")
    return fail(loc, "resize", "mode must be nearest or linear, got '" + mode + "'");
  static constexpr llvm::StringLiteral coordinateModes[] = {
      "half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric",
      "tf_half_pixel_for_nn"};
  if (!llvm::is_contained(coordinateModes, adaptor.getCoordinateTransformationMode()))
    return fail(loc, "resize", "unsupported coordinate_transformation_mode '" +
                                   adaptor.getCoordinateTransformationMode() + "'");
  static constexpr llvm::StringLiteral nearestModes[] = {
      "round_prefer_floor", "round_prefer_ceil", "floor", "ceil"};
  if (!llvm::is_contained(nearestModes, adaptor.getNearestMode()))
    return fail(loc, "resize", "unsupported nearest_mode '" + adaptor.getNearestMode() + "'");
  SmallVector<int64_t> shape;
  if (auto sizes = adaptor.getSizes()) {
    if (static_cast<int64_t>(sizes->size()) != rank)
      return fail(loc, "resize", "expects one size per dim");
    shape.assign(sizes->begin(), sizes->end());
  } else {
    for (int64_t i = 0; i < rank; ++i) {
      int64_t d = input.getDimSize(i);
      double scaled = d == kDynamic ? 1.0 : std::floor(d * double(scales[i]));
      if (!(scales[i] > 0) || !(scaled >= 1 && scaled <= double(int64_t(1) << 40)))
        return fail(loc, "resize", "scale " + std::to_string(scales[i]) + " on dim " +
                                       std::to_string(i) + " gives an empty or absurd size");
      shape.push_back(d == kDynamic ? kDynamic : static_cast<int64_t>(scaled));
    }
  }
  results.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}
