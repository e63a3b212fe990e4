// Preparing layers for the GPU kernels at compile time (DeviceLayers.h).
#include "DeviceLayers.h"

#include "passes/Transforms/ConstantUtils.h"
#include "quantc/Codegen/GPUFragments.h"
#include "quantc/Codegen/Packing.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"

#include <cmath>

using namespace mlir;

namespace quantc::gpu {

namespace device = codegen::gpu;

namespace {

/// The coefficients of `expr`, a sum of dims times constants, by dim (and
/// its constant term last); nothing for any other form.
std::optional<SmallVector<int64_t>> linearCoefficients(AffineExpr expr, unsigned dims) {
  bool linear = true;
  expr.walk([&](AffineExpr part) {
    if (auto binary = dyn_cast<AffineBinaryOpExpr>(part)) {
      if (part.getKind() == AffineExprKind::Mul)
        linear &=
            isa<AffineConstantExpr>(binary.getLHS()) || isa<AffineConstantExpr>(binary.getRHS());
      else
        linear &= part.getKind() == AffineExprKind::Add;
    } else {
      linear &= isa<AffineDimExpr, AffineConstantExpr>(part);
    }
  });
  if (!linear)
    return std::nullopt;
  MLIRContext *context = expr.getContext();
  auto valueAt = [&](int64_t unit) {
    SmallVector<AffineExpr> values;
    for (unsigned d = 0; d < dims; ++d)
      values.push_back(getAffineConstantExpr(int64_t(d) == unit ? 1 : 0, context));
    return cast<AffineConstantExpr>(simplifyAffineExpr(expr.replaceDims(values), dims, 0))
        .getValue();
  };
  int64_t constant = valueAt(-1);
  SmallVector<int64_t> coefficients;
  for (unsigned d = 0; d < dims; ++d)
    coefficients.push_back(valueAt(d) - constant);
  coefficients.push_back(constant);
  return coefficients;
}

/// A convolution's im2col as qnn-to-linalg writes it: a copy of its input
/// into the taps and pixels of each output pixel, then reshaped (or, for a
/// 1x1 convolution or a matmul on a channels-first tensor, a transpose to
/// channels last).
struct Im2col {
  device::ImplicitConv conv;
  Value input; // the input the copy reads, or that pad's source (conv.padded())
  /// [N, OH, OW, C, KH, KW] from [N, C, H, W]: rows of A are pixels (the
  /// quantized layers' x); else [C, KH, KW, OH, OW] from one image's [C, H,
  /// W]: rows are taps (a float convolution's W x im2col).
  bool pixelMajor;
};

/// A channels-first tensor [N, C, S...] moved to channels last [N, S...,
/// C]: A[pixel, channel] of a 1x1 convolution over it, which the kernels
/// gather as they gather an im2col (the host then transposes nothing).
std::optional<Im2col> channelsLastOf(linalg::TransposeOp transpose) {
  auto type = dyn_cast<RankedTensorType>(transpose.getInput().getType());
  ArrayRef<int64_t> permutation = transpose.getPermutation();
  int64_t rank = type ? type.getRank() : 0;
  if (rank < 3 || rank > 4 || !type.hasStaticShape())
    return std::nullopt;
  SmallVector<int64_t> channelsLast{0};
  for (int64_t d = 2; d < rank; ++d)
    channelsLast.push_back(d);
  channelsLast.push_back(1);
  if (permutation != ArrayRef<int64_t>(channelsLast))
    return std::nullopt;
  Im2col im2col;
  im2col.input = transpose.getInput();
  im2col.pixelMajor = true;
  ArrayRef<int64_t> shape = type.getShape();
  im2col.conv.channels = shape[1];
  im2col.conv.height = rank == 4 ? shape[2] : 1;
  im2col.conv.width = shape[rank - 1];
  return im2col;
}

/// One image of `padded` as a taps-major im2col reads it: a rank-reducing
/// slice at [image, 0, 0, 0] of sizes [1, C, H, W], unit strides.
static bool isOneImage(tensor::ExtractSliceOp slice) {
  auto sourceType = slice.getSourceType();
  if (sourceType.getRank() != 4 || slice.getResultType().getRank() != 3 || !slice.hasUnitStride() ||
      !sourceType.hasStaticShape())
    return false;
  llvm::ArrayRef<int64_t> offsets = slice.getStaticOffsets(), sizes = slice.getStaticSizes();
  return !ShapedType::isDynamic(offsets[0]) &&
         llvm::all_of(offsets.drop_front(), [](int64_t o) { return o == 0; }) && sizes[0] == 1 &&
         sizes.drop_front() == sourceType.getShape().drop_front();
}

/// Where `im2col` reads a constant pad of the input's spatial dims (or one
/// image of it), it reads the pad's source (that image of it) instead, and
/// the kernel gathers the padding value where a tap falls outside: no
/// padded copy is written, launched or uploaded.
void readThroughPad(Im2col &im2col) {
  auto slice = im2col.input.getDefiningOp<tensor::ExtractSliceOp>();
  if (slice && !isOneImage(slice))
    return;
  auto pad = (slice ? slice.getSource() : im2col.input).getDefiningOp<tensor::PadOp>();
  Attribute constant;
  if (!pad || !pad.getConstantPaddingValue() ||
      !matchPattern(pad.getConstantPaddingValue(), m_Constant(&constant)) ||
      !pad.getSourceType().hasStaticShape())
    return;
  llvm::ArrayRef<int64_t> low = pad.getStaticLow(), high = pad.getStaticHigh();
  int64_t rank = pad.getSourceType().getRank();
  for (int64_t d = 0; d < rank; ++d)
    if (ShapedType::isDynamic(low[d]) || ShapedType::isDynamic(high[d]) || low[d] < 0 ||
        high[d] < 0 || (d < rank - 2 && (low[d] || high[d])))
      return;
  device::ImplicitConv &conv = im2col.conv;
  if (auto value = dyn_cast<FloatAttr>(constant))
    conv.padValue = device::halfFromFloat(float(value.getValueAsDouble())); // as staged to f16
  else if (auto code = dyn_cast<IntegerAttr>(constant))
    conv.padValue = code.getInt();
  else
    return;
  conv.padTop = low[rank - 2], conv.padBottom = high[rank - 2];
  conv.padLeft = low[rank - 1], conv.padRight = high[rank - 1];
  conv.height -= conv.padTop + conv.padBottom;
  conv.width -= conv.padLeft + conv.padRight;
  if (!slice) {
    im2col.input = pad.getSource();
    return;
  }
  // The same image of the unpadded source.
  OpBuilder b(slice);
  SmallVector<OpFoldResult> offsets = slice.getMixedOffsets(), sizes{b.getIndexAttr(1)},
                            strides = slice.getMixedStrides();
  for (int64_t size : pad.getSourceType().getShape().drop_front())
    sizes.push_back(b.getIndexAttr(size));
  auto imageType = RankedTensorType::get({conv.channels, conv.height, conv.width},
                                         pad.getSourceType().getElementType());
  im2col.input = tensor::ExtractSliceOp::create(b, slice.getLoc(), imageType, pad.getSource(),
                                                offsets, sizes, strides);
}

/// When `x` (a matmul's operand) is an im2col, what it copies (of any
/// element type: the callers check theirs).
std::optional<Im2col> im2colOf(Value x) {
  while (true) {
    if (auto collapse = x.getDefiningOp<tensor::CollapseShapeOp>())
      x = collapse.getSrc();
    else if (auto expand = x.getDefiningOp<tensor::ExpandShapeOp>())
      x = expand.getSrc();
    else
      break;
  }
  if (auto transpose = x.getDefiningOp<linalg::TransposeOp>())
    return channelsLastOf(transpose);
  auto copy = x.getDefiningOp<linalg::GenericOp>();
  if (!copy || copy.getNumDpsInputs() != 1 || copy.getNumDpsInits() != 1 ||
      copy.getNumParallelLoops() != copy.getNumLoops())
    return std::nullopt;
  auto yield = cast<linalg::YieldOp>(copy.getBody()->getTerminator());
  if (yield.getNumOperands() != 1 || yield.getOperand(0) != copy.getBody()->getArgument(0))
    return std::nullopt;
  Im2col im2col;
  im2col.input = copy.getDpsInputs()[0];
  auto inputType = dyn_cast<RankedTensorType>(im2col.input.getType());
  auto outputType = cast<RankedTensorType>(copy.getResult(0).getType());
  SmallVector<AffineMap> maps = copy.getIndexingMapsArray();
  unsigned loops = copy.getNumLoops();
  im2col.pixelMajor = loops == 6;
  if (!inputType || !inputType.hasStaticShape() || !outputType.hasStaticShape() ||
      !maps[1].isIdentity() ||
      !((loops == 6 && inputType.getRank() == 4) || (loops == 5 && inputType.getRank() == 3)))
    return std::nullopt;
  SmallVector<SmallVector<int64_t>> rows;
  for (AffineExpr result : maps[0].getResults()) {
    auto coefficients = linearCoefficients(result, loops);
    if (!coefficients)
      return std::nullopt;
    rows.push_back(*coefficients);
  }
  device::ImplicitConv &conv = im2col.conv;
  ArrayRef<int64_t> in = inputType.getShape(), out = outputType.getShape();
  SmallVector<SmallVector<int64_t>> expected;
  if (im2col.pixelMajor) {
    // (n, oh, ow, c, i, j) -> (n, c, oh * sh + i * dh, ow * sw + j * dw)
    conv.channels = in[1], conv.height = in[2], conv.width = in[3];
    conv.kernelH = out[4], conv.kernelW = out[5];
    conv.strideH = rows[2][1], conv.dilationH = rows[2][4];
    conv.strideW = rows[3][2], conv.dilationW = rows[3][5];
    expected = {{1, 0, 0, 0, 0, 0, 0},
                {0, 0, 0, 1, 0, 0, 0},
                {0, conv.strideH, 0, 0, conv.dilationH, 0, 0},
                {0, 0, conv.strideW, 0, 0, conv.dilationW, 0}};
  } else {
    // (c, i, j, oh, ow) -> (c, oh * sh + i * dh, ow * sw + j * dw)
    conv.channels = in[0], conv.height = in[1], conv.width = in[2];
    conv.kernelH = out[1], conv.kernelW = out[2];
    conv.dilationH = rows[1][1], conv.strideH = rows[1][3];
    conv.dilationW = rows[2][2], conv.strideW = rows[2][4];
    expected = {{1, 0, 0, 0, 0, 0},
                {0, conv.dilationH, 0, conv.strideH, 0, 0},
                {0, 0, conv.dilationW, 0, conv.strideW, 0}};
  }
  if (rows != expected || conv.strideH <= 0 || conv.strideW <= 0 || conv.dilationH <= 0 ||
      conv.dilationW <= 0)
    return std::nullopt;
  bool shaped = im2col.pixelMajor
                    ? out[0] == in[0] && out[3] == in[1] && conv.outHeight() == out[1] &&
                          conv.outWidth() == out[2]
                    : out[0] == in[0] && conv.outHeight() == out[3] && conv.outWidth() == out[4];
  if (!shaped)
    return std::nullopt;
  readThroughPad(im2col);
  return im2col;
}

/// Sets `input` to what the kernel reads for the matmul operand `operand`:
/// the operand itself, or, when it is an im2col in the layout the kernel
/// takes (rows of A pixels or taps) over `taps` columns, the im2col's input,
/// from which the kernel gathers A (`gemm.conv`): the host neither builds
/// nor uploads the im2col matrix, which is left dead.
template <typename Gemm>
void gatherWherePossible(Gemm &gemm, Value &input, Value operand, bool pixelMajor, int64_t taps) {
  input = operand;
  if (auto im2col = im2colOf(operand);
      im2col && im2col->pixelMajor == pixelMajor && im2col->conv.taps() == taps) {
    gemm.conv = im2col->conv;
    input = im2col->input;
  }
}

/// The layer `op` becomes, or why it stays on the host.
template <typename PackedMatmul>
llvm::Expected<DeviceLayer> packedLayer(PackedMatmul op, const device::GemvTuning &gemv) {
  codegen::PackedLayout layout = qkernel::toPackedLayout(op.getLayout());
  if (layout.binary)
    return llvm::createStringError("binary weights");
  auto packed = qnn::readInt8(op.getPacked());
  auto scales = qnn::readFloats(op.getScales());
  std::optional<std::vector<int8_t>> zeroTable;
  if (op.getZeroPoints())
    zeroTable = qnn::readInt8(op.getZeroPoints());
  if (!packed || !scales || (op.getZeroPoints() && !zeroTable))
    return llvm::createStringError("weights that are not constants");

  DeviceLayer layer;
  device::WeightOnlyGemm &gemm = layer.gemm;
  gemm.bits = layout.bits <= 2 ? 2 : layout.bits <= 4 ? 4 : 8; // the narrowest that holds the codes
  gemm.m = cast<RankedTensorType>(op.getInput().getType()).getNumElements() / layout.k;
  gemm.n = layout.n;
  // Whole K tiles: the runtime pads x's rows with zeros, the weights here
  // with code 0, and the A tiles can go through shared memory.
  layer.inputColumns = layout.k;
  gemm.k = (layout.k + device::kMmaK - 1) / device::kMmaK * device::kMmaK;
  gemm.group = layout.group;
  gatherWherePossible(gemm, layer.input, op.getInput(), /*pixelMajor=*/true, layout.k);
  device::chooseLaunch(gemm, gemv);
  if (std::string why = device::checkWeightOnlyGemm(gemm); !why.empty())
    return llvm::createStringError(why);

  // Codes c (unsigned) stand for (c - zero) * scale; the kernel turns a
  // stored u into (1024 + u) - offset. A layer with one zero point whose
  // codes fit once shifted stores u = c - zero + 2^(bits-1) with the
  // symmetric offset 1024 + 2^(bits-1) (no offsets to load: quantc's
  // symmetric codes are 0..14 around 7 at 4 bits); any other stores u = c
  // with an offset 1024 + zero per scale.
  int64_t groups = gemm.scaleGroups(), paddedN = layout.paddedN();
  int32_t midpoint = 1 << (gemm.bits - 1);
  std::vector<int8_t> codes = codegen::unpack(layout, *packed); // [k][n]
  auto code = [&](int64_t k, int64_t n) { return int32_t(uint8_t(codes[size_t(k * gemm.n + n)])); };
  int32_t shift = midpoint; // u = c - shift + midpoint
  gemm.asymmetric = true;
  if (!zeroTable) {
    int32_t zero = int32_t(op.getZeroPoint().value_or(midpoint)), low = 255, high = 0;
    for (int64_t k = 0; k < layout.k; ++k)
      for (int64_t n = 0; n < gemm.n; ++n)
        low = std::min(low, code(k, n)), high = std::max(high, code(k, n));
    if (low - zero + midpoint >= 0 && high - zero + midpoint < 2 * midpoint)
      shift = zero, gemm.asymmetric = false;
  }
  std::vector<int8_t> centered(size_t(gemm.n * gemm.k), 0); // padding: u = midpoint, weight 0
  for (int64_t n = 0; n < gemm.n; ++n)
    for (int64_t k = 0; k < layout.k; ++k)
      centered[size_t(n * gemm.k + k)] = int8_t(code(k, n) - shift);
  if (gemm.permuteK)
    centered = device::permuteKBlocks(centered.data(), gemm.n, gemm.k);
  layer.words = device::preshuffle(centered.data(), gemm.n, gemm.k, gemm.bits).words;

  // A column whose scales are not all normal f16 values (below 2^-14) goes
  // up by the largest power of two that keeps its dequantized weights
  // (codes up to 2^bits from the zero point times the scale) below f16's
  // largest, 65504: its small scales then keep as many bits as they can,
  // and what still falls below 2^-14 is negligible beside the column's
  // largest weights.
  std::vector<float> factors(size_t(gemm.n), 1.0f);
  bool scaled = false;
  const float limit = 65504.0f / float(1 << gemm.bits);
  for (int64_t n = 0; n < gemm.n; ++n) {
    float smallest = INFINITY, largest = 0.0f;
    for (int64_t g = 0; g < groups; ++g) {
      float scale = std::abs((*scales)[size_t(g * paddedN + n)]);
      if (!std::isfinite(scale))
        return llvm::createStringError("a scale that is not finite");
      if (scale != 0.0f)
        smallest = std::min(smallest, scale);
      largest = std::max(largest, scale);
    }
    if (largest > limit)
      return llvm::createStringError("scales beyond f16's range");
    float &factor = factors[size_t(n)];
    if (smallest == INFINITY || smallest >= 6.103515625e-05f)
      continue;
    // At most 2^32: a column of dead channels (scales near f32's smallest)
    // stays near zero rather than overflowing the factor.
    while (largest * factor * 2.0f <= limit && factor < 4294967296.0f)
      factor *= 2.0f;
    scaled |= factor != 1.0f;
  }
  if (scaled)
    for (float factor : factors)
      layer.columnScales.push_back(1.0f / factor);

  std::vector<uint16_t> offsets(size_t(gemm.n * groups));
  layer.scales.resize(size_t(gemm.n * groups));
  for (int64_t n = 0; n < gemm.n; ++n)
    for (int64_t g = 0; g < groups; ++g) {
      float scale = (*scales)[size_t(g * paddedN + n)] * factors[size_t(n)];
      int32_t zero = zeroTable ? int32_t(uint8_t((*zeroTable)[size_t(g * paddedN + n)]))
                               : int32_t(op.getZeroPoint().value_or(midpoint));
      layer.scales[size_t(g * gemm.n + n)] = device::halfFromFloat(scale);
      offsets[size_t(g * gemm.n + n)] = device::halfFromFloat(1024.0f + float(zero));
    }
  if (gemm.asymmetric)
    layer.offsets = std::move(offsets);
  return layer;
}

/// The row-major values of a constant seen through collapse/expand_shape
/// (which keep the data as it is) and a 2-D linalg.transpose (a Gemm's
/// transB): how the importer's weights reach a matmul.
std::optional<std::vector<float>> readWeights(Value value) {
  while (Operation *op = value.getDefiningOp()) {
    if (auto transpose = dyn_cast<linalg::TransposeOp>(op)) {
      auto type = cast<RankedTensorType>(transpose.getInput().getType());
      auto values = readWeights(transpose.getInput());
      if (!values || type.getRank() != 2 || !type.hasStaticShape())
        return std::nullopt;
      int64_t rows = type.getDimSize(0), columns = type.getDimSize(1);
      std::vector<float> transposed(values->size());
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < columns; ++c)
          transposed[size_t(c * rows + r)] = (*values)[size_t(r * columns + c)];
      return transposed;
    }
    if (!isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp>(op))
      break;
    value = op->getOperand(0);
  }
  return qnn::readFloats(value);
}

} // namespace

bool startsAtZero(linalg::MatmulOp op) {
  auto fill = op.getDpsInits()[0].getDefiningOp<linalg::FillOp>();
  return fill && matchPattern(fill.value(), m_AnyZeroFloat());
}

llvm::Expected<HalfLayer> halfLayer(linalg::MatmulOp op) {
  auto lhsType = dyn_cast<RankedTensorType>(op.getDpsInputs()[0].getType());
  auto rhsType = dyn_cast<RankedTensorType>(op.getDpsInputs()[1].getType());
  if (!lhsType || !rhsType || !lhsType.hasStaticShape() || !rhsType.hasStaticShape() ||
      !lhsType.getElementType().isF32() || !rhsType.getElementType().isF32())
    return llvm::createStringError("operands that are not static f32 tensors");
  HalfLayer layer;
  int64_t rows = lhsType.getDimSize(0), inner = lhsType.getDimSize(1), columns = rhsType.getDimSize(1);
  std::optional<std::vector<float>> weights = readWeights(op.getDpsInputs()[1]);
  if (!weights) {
    weights = readWeights(op.getDpsInputs()[0]);
    if (!weights)
      return llvm::createStringError("no constant operand");
    layer.transposed = true;
  }
  device::HalfGemm &gemm = layer.gemm;
  gemm.m = layer.transposed ? columns : rows;
  gemm.n = layer.transposed ? rows : columns;
  gemm.transposed = layer.transposed;
  layer.inputColumns = inner;
  gemm.k = (inner + device::kMmaK - 1) / device::kMmaK * device::kMmaK;
  device::chooseLaunch(gemm);
  gatherWherePossible(gemm, layer.input, op.getDpsInputs()[layer.transposed ? 1 : 0],
                      /*pixelMajor=*/!layer.transposed, inner);
  if (std::string why = device::checkHalfGemm(gemm); !why.empty())
    return llvm::createStringError(why);
  layer.weights.assign(size_t(gemm.n * gemm.k), 0);
  for (int64_t n = 0; n < gemm.n; ++n)
    for (int64_t k = 0; k < inner; ++k) {
      float w = layer.transposed ? (*weights)[size_t(n * inner + k)] : (*weights)[size_t(k * gemm.n + n)];
      if (!(std::abs(w) <= 65504.0f))
        return llvm::createStringError("weights beyond f16's range");
      layer.weights[size_t(n * gemm.k + k)] = device::halfFromFloat(w);
    }
  return layer;
}


llvm::Expected<IntegerLayer> integerLayer(qkernel::MatmulIntegerOp op) {
  codegen::PackedLayout layout = qkernel::toPackedLayout(op.getLayout());
  if (layout.binary)
    return llvm::createStringError("binary weights");
  auto packed = qnn::readInt8(op.getPacked());
  if (!packed)
    return llvm::createStringError("weights that are not constants");
  IntegerLayer layer;
  device::W8A8Gemm &gemm = layer.gemm;
  gemm.exact = true;
  gemm.m = cast<RankedTensorType>(op.getInput().getType()).getNumElements() / layout.k;
  gemm.n = layout.n;
  layer.inputColumns = layout.k;
  gemm.k = (layout.k + device::kMmaKInt8 - 1) / device::kMmaKInt8 * device::kMmaKInt8;
  device::chooseLaunch(gemm);
  gatherWherePossible(gemm, layer.input, op.getInput(), /*pixelMajor=*/true, layout.k);
  if (std::string why = device::checkW8A8Gemm(gemm); !why.empty())
    return llvm::createStringError(why);
  std::vector<int8_t> codes = codegen::unpack(layout, *packed); // [k][n], unsigned
  std::vector<int8_t> weights(size_t(gemm.n * gemm.k), 0);
  int64_t zero = op.getZeroPoint();
  for (int64_t n = 0; n < gemm.n; ++n)
    for (int64_t k = 0; k < layout.k; ++k) {
      int64_t w = int64_t(uint8_t(codes[size_t(k * gemm.n + n)])) - zero;
      if (w < -128 || w > 127)
        return llvm::createStringError("weights beyond int8 after the zero point");
      weights[size_t(n * gemm.k + k)] = int8_t(w);
    }
  layer.words = device::preshuffleInt8(weights.data(), gemm.n, gemm.k).words;
  return layer;
}

llvm::Expected<DeviceLayer> deviceLayer(qkernel::MatmulOp op, const device::GemvTuning &gemv) {
  return packedLayer(op, gemv);
}
llvm::Expected<DeviceLayer> deviceLayer(qkernel::LutMatmulOp op, const device::GemvTuning &gemv) {
  return packedLayer(op, gemv);
}

} // namespace quantc::gpu
