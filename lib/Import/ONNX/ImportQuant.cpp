// Importers for quantized ONNX: QuantizeLinear/DequantizeLinear (QDQ, as ORT's
// quantizer writes them) and com.microsoft MatMulNBits (blockwise low-bit
// weights). uint8 data becomes int8 with the zero point shifted by 128, which
// is exact, so everything lowers through the signed quantization path.
#include "ModelValidator.h"
#include "NodeContext.h"

#include "dialects/QNN/QNNOps.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace quantc::qnn;

namespace quantc::onnx_import {
namespace {

/// An integer constant's values (zero- or sign-extended by its signedness).
std::optional<std::vector<int64_t>> integerValues(Value value, IntegerType &type) {
  ElementsAttr attr;
  if (!value || !matchPattern(value, m_Constant(&attr)))
    return std::nullopt;
  type = dyn_cast<IntegerType>(attr.getElementType());
  if (!type)
    return std::nullopt;
  DenseElementsAttr dense = dyn_cast<DenseElementsAttr>(attr);
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
    bool splat;
    if (DenseElementsAttr::isValidRawBuffer(resource.getType(), resource.getData(), splat))
      dense = DenseElementsAttr::getFromRawBuffer(resource.getType(), resource.getData());
  }
  if (!dense)
    return std::nullopt;
  std::vector<int64_t> values;
  values.reserve(dense.getNumElements());
  for (const APInt &v : dense.getValues<APInt>())
    values.push_back(type.isUnsigned() ? int64_t(v.getZExtValue()) : v.getSExtValue());
  return values;
}

/// Scale / zero point / axis of a QuantizeLinear or DequantizeLinear node.
struct LinearParams {
  SmallVector<double> scales;
  SmallVector<int64_t> zeroPoints; // already shifted into the signed range
  unsigned width = 8;               // the ONNX type's bits (4 for INT4/UINT4)
  int64_t shift = 0;               // 2^(width-1) for unsigned data, else 0
  /// Storage bits: 4-bit values are held one per byte, range [-8, 7].
  unsigned storageWidth() const { return std::max(width, 8u); }
  int32_t axis = -1;               // -1: per tensor
};

FailureOr<LinearParams> readParams(NodeContext &ctx, RankedTensorType tensor,
                                   IntegerType dataType) {
  auto scales = ctx.constantFloats(1, "scale");
  if (failed(scales))
    return failure();
  LinearParams params;
  params.scales.assign(scales->begin(), scales->end());
  bool isUnsigned = true; // ONNX's default zero point is uint8 0
  std::vector<int64_t> zeros(params.scales.size(), 0);
  if (ctx.hasInput(2)) {
    IntegerType zeroType;
    auto values = integerValues(ctx.input(2), zeroType);
    if (!values)
      return ctx.error("zero point must be a constant integer tensor");
    isUnsigned = zeroType.isUnsigned();
    params.width = zeroType.getWidth();
    zeros = *values;
  } else if (dataType) {
    isUnsigned = dataType.isUnsigned();
    params.width = dataType.getWidth();
  }
  if (params.width != 4 && params.width != 8 && params.width != 16 && params.width != 32)
    return ctx.error("only 4, 8, 16 and 32-bit integer quantization is supported, got " +
                     Twine(params.width) + " bits");
  if (ctx.getInt("block_size", 0) != 0)
    return ctx.error("blocked quantization (block_size) is not supported; use per-tensor or "
                     "per-axis scales, or MatMulNBits");
  if (zeros.size() != params.scales.size())
    return ctx.error("zero point has " + Twine(zeros.size()) + " values, scale has " +
                     Twine(params.scales.size()));
  for (double s : params.scales)
    if (!(s > 0) || !std::isfinite(s))
      return ctx.error("scales must be positive and finite");
  params.shift = isUnsigned ? int64_t(1) << (params.width - 1) : 0;
  for (int64_t z : zeros)
    params.zeroPoints.push_back(z - params.shift);
  if (params.scales.size() > 1 || ctx.inputType(1).getRank() == 1) {
    int64_t axis = ctx.getInt("axis", 1);
    if (axis < 0)
      axis += tensor.getRank();
    if (axis < 0 || axis >= tensor.getRank())
      return ctx.error("axis " + Twine(ctx.getInt("axis", 1)) + " is out of range for rank " +
                       Twine(tensor.getRank()));
    if (tensor.getDimSize(axis) != int64_t(params.scales.size()))
      return ctx.error("per-axis scale has " + Twine(params.scales.size()) +
                       " values, axis " + Twine(axis) + " has " + Twine(tensor.getDimSize(axis)));
    params.axis = int32_t(axis);
  }
  return params;
}

Type quantizedType(MLIRContext *context, const LinearParams &params) {
  auto storage = IntegerType::get(context, params.storageWidth());
  auto f32 = Float32Type::get(context);
  int64_t lo = -(int64_t(1) << (params.width - 1)), hi = (int64_t(1) << (params.width - 1)) - 1;
  unsigned flags = quant::QuantizationFlags::Signed;
  if (params.axis < 0)
    return quant::UniformQuantizedType::get(flags, storage, f32, params.scales[0],
                                            params.zeroPoints[0], lo, hi);
  return quant::UniformQuantizedPerAxisType::get(flags, storage, f32, params.scales,
                                                 params.zeroPoints, params.axis, lo, hi);
}

/// A signed storage constant (blob above 64 elements) viewed as `quantized`.
Value storageConstant(NodeContext &ctx, RankedTensorType quantized, unsigned width,
                      ArrayRef<int64_t> values) {
  auto type = RankedTensorType::get(quantized.getShape(), ctx.builder.getIntegerType(width));
  std::vector<char> bytes(values.size() * (width / 8));
  for (size_t i = 0; i < values.size(); ++i) {
    int64_t v = values[i];
    std::memcpy(bytes.data() + i * (width / 8), &v, width / 8); // little endian
  }
  ElementsAttr attr;
  if (values.size() > 64)
    attr = DenseResourceElementsAttr::get(
        type, "qweight",
        HeapAsmResourceBlob::allocateAndCopyWithAlign(bytes, alignof(std::max_align_t)));
  else
    attr = DenseElementsAttr::getFromRawBuffer(type, bytes);
  Value constant = ConstantOp::create(ctx.builder, ctx.loc, attr);
  return quant::StorageCastOp::create(ctx.builder, ctx.loc, quantized, constant);
}

LogicalResult importQuantizeLinear(NodeContext &ctx) {
  auto input = ctx.inputType(0);
  if (!input.getElementType().isF32())
    return ctx.error("only f32 inputs are supported");
  auto params = readParams(ctx, input, IntegerType());
  if (failed(params))
    return failure();
  if (ctx.getInt("saturate", 1) != 1)
    return ctx.error("saturate = 0 is only meaningful for float8 and is not supported");
  auto type = RankedTensorType::get(input.getShape(), quantizedType(ctx.builder.getContext(), *params));
  Value q = QuantizeOp::create(ctx.builder, ctx.loc, type, ctx.input(0));
  return ctx.setOutputs({q});
}

LogicalResult importDequantizeLinear(NodeContext &ctx) {
  Value input = ctx.input(0);
  auto inputType = ctx.inputType(0);
  MLIRContext *context = ctx.builder.getContext();
  auto resultType = RankedTensorType::get(inputType.getShape(), Float32Type::get(context));
  if (auto quantized = dyn_cast<quant::QuantizedType>(inputType.getElementType())) {
    // Q -> DQ: the quantized value carries its parameters; DQ must agree.
    auto params = readParams(ctx, inputType, IntegerType());
    if (failed(params))
      return failure();
    if (quantizedType(context, *params) != quantized)
      return ctx.error("scale/zero point differ from the QuantizeLinear that produced the "
                       "input; requantization between them is not supported");
    return ctx.setOutputs({DequantizeOp::create(ctx.builder, ctx.loc, resultType, input)});
  }
  IntegerType dataType;
  auto values = integerValues(input, dataType);
  if (!values)
    return ctx.error("the input must be a constant integer tensor (weights) or a "
                     "QuantizeLinear output");
  auto params = readParams(ctx, inputType, dataType);
  if (failed(params))
    return failure();
  if (dataType.getWidth() != params->width)
    return ctx.error("data is " + Twine(dataType.getWidth()) + "-bit but the zero point is " +
                     Twine(params->width) + "-bit");
  for (int64_t &v : *values)
    v -= params->shift;
  auto quantized = RankedTensorType::get(inputType.getShape(), quantizedType(context, *params));
  Value stored = storageConstant(ctx, quantized, params->storageWidth(), *values);
  return ctx.setOutputs({DequantizeOp::create(ctx.builder, ctx.loc, resultType, stored)});
}

/// com.microsoft MatMulNBits: Y = A x dequant(B)^T (+ bias), B packed as
/// [N, K / block_size, block_size * bits / 8] bytes, values low bits first,
/// one scale (and zero point, default 2^(bits-1)) per (n, block).
LogicalResult importMatMulNBits(NodeContext &ctx) {
  // libonnx has no schema for com.microsoft ops, so nothing checked the arity.
  if (!ctx.hasInput(0) || !ctx.hasInput(1) || !ctx.hasInput(2) || ctx.node.input_size() > 6)
    return ctx.error("expects inputs A, B, scales and optionally zero_points, g_idx, bias; got " +
                     Twine(ctx.node.input_size()) + " inputs");
  int64_t k = ctx.getInt("K", 0), n = ctx.getInt("N", 0), bits = ctx.getInt("bits", 4);
  int64_t block = ctx.getInt("block_size", 0);
  if (bits != 2 && bits != 4 && bits != 8)
    return ctx.error("bits = " + Twine(bits) + " is not supported (2, 4 or 8)");
  if (k <= 0 || n <= 0 || k > kMaxDim || n > kMaxDim || block < 16 || (block & (block - 1)))
    return ctx.error("K and N must be in 1..2^35 and block_size a power of two >= 16, got K = " +
                     Twine(k) + ", N = " + Twine(n) + ", block_size = " + Twine(block));
  if (ctx.hasInput(4) && !ctx.node.input(4).empty())
    return ctx.error("g_idx (act-order) is not supported");
  auto a = ctx.inputType(0);
  if (!a.getElementType().isF32() || a.getRank() == 0 || a.getShape().back() != k)
    return ctx.error("A must be f32 of rank >= 1 with last dim K = " + Twine(k));
  if (k % block)
    return ctx.error("K = " + Twine(k) + " is not a multiple of block_size = " + Twine(block));
  // block <= K <= 2^35 here, so only B's byte count can overflow.
  int64_t blocks = k / block, blobBytes = block * bits / 8, rowBlocks, packedBytes;
  bool tooBig = __builtin_mul_overflow(n, blocks, &rowBlocks) ||
                __builtin_mul_overflow(rowBlocks, blobBytes, &packedBytes);
  IntegerType packedType;
  auto packed = integerValues(ctx.input(1), packedType);
  if (!packed || packedType.getWidth() != 8 || tooBig || int64_t(packed->size()) != packedBytes ||
      ctx.inputType(1).getRank() != 3 || ctx.inputType(1).getDimSize(0) != n ||
      ctx.inputType(1).getDimSize(1) != blocks || ctx.inputType(1).getDimSize(2) != blobBytes)
    return ctx.error("B must be a constant uint8 tensor of shape [" + Twine(n) + ", " +
                     Twine(blocks) + ", " + Twine(blobBytes) + "] for K, N, bits, block_size");
  auto scales = ctx.constantFloats(2, "scales");
  if (failed(scales))
    return failure();
  if (int64_t(scales->size()) != n * blocks)
    return ctx.error("scales has " + Twine(scales->size()) + " values, expected N * blocks = " +
                     Twine(n * blocks));
  int64_t half = int64_t(1) << (bits - 1), mask = (int64_t(1) << bits) - 1;
  std::vector<int64_t> zeros(n * blocks, half);
  if (ctx.hasInput(3) && !ctx.node.input(3).empty()) {
    IntegerType zeroType;
    auto values = integerValues(ctx.input(3), zeroType);
    int64_t zeroBytes = (blocks * bits + 7) / 8;
    if (!values || zeroType.getWidth() != 8 || int64_t(values->size()) != n * zeroBytes)
      return ctx.error("zero_points must be a constant uint8 tensor of " + Twine(n * zeroBytes) +
                       " packed values (float zero points are not supported)");
    for (int64_t row = 0; row < n; ++row)
      for (int64_t b = 0; b < blocks; ++b) {
        int64_t bit = b * bits;
        zeros[row * blocks + b] = ((*values)[row * zeroBytes + bit / 8] >> (bit % 8)) & mask;
      }
  }
  // W^T [K, N] as signed storage: q - 2^(bits-1), zero points shifted alike.
  std::vector<int64_t> weights(k * n);
  for (int64_t row = 0; row < n; ++row)
    for (int64_t col = 0; col < k; ++col) {
      int64_t bit = col * bits;
      int64_t byte = (*packed)[row * blocks * blobBytes + bit / 8];
      weights[col * n + row] = ((byte >> (bit % 8)) & mask) - half;
    }
  MLIRContext *context = ctx.builder.getContext();
  auto f32 = Float32Type::get(context);
  SmallVector<float> scaleTable(k / block * n);
  SmallVector<int8_t> zeroTable(k / block * n);
  for (int64_t row = 0; row < n; ++row)
    for (int64_t b = 0; b < blocks; ++b) {
      scaleTable[b * n + row] = (*scales)[row * blocks + b];
      zeroTable[b * n + row] = int8_t(zeros[row * blocks + b] - half);
    }
  auto paramType = [&](Type element) { return RankedTensorType::get({blocks, n}, element); };
  auto element = quant::UniformQuantizedSubChannelType::get(
      quant::QuantizationFlags::Signed, IntegerType::get(context, 8), f32,
      DenseElementsAttr::get(paramType(f32), ArrayRef<float>(scaleTable)),
      DenseElementsAttr::get(paramType(IntegerType::get(context, 8)), ArrayRef<int8_t>(zeroTable)),
      {0, 1}, {block, 1}, -half, half - 1);
  auto quantized = RankedTensorType::get({k, n}, element);
  Value stored = storageConstant(ctx, quantized, 8, weights);
  Value weight = DequantizeOp::create(ctx.builder, ctx.loc, RankedTensorType::get({k, n}, f32), stored);
  auto product = ctx.build<MatMulOp>(ctx.input(0), weight);
  if (failed(product))
    return failure();
  if (!ctx.hasInput(5) || ctx.node.input(5).empty())
    return ctx.setOutputs({*product});
  return ctx.emit<AddOp>(*product, ctx.input(5));
}

} // namespace

void registerQuantImporters(OpImporterMap &map) {
  map["QuantizeLinear"] = importQuantizeLinear;
  map["DequantizeLinear"] = importDequantizeLinear;
}

void registerMicrosoftImporters(OpImporterMap &map) { map["MatMulNBits"] = importMatMulNBits; }

} // namespace quantc::onnx_import
