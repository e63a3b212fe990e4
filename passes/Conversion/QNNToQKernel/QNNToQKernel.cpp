// convert-qnn-to-qkernel: weight-quantized MatMul / Gemm / 2-D Conv (through
// im2col) -> qkernel.matmul, and the W8A8 qnn.matmul_integer /
// qnn.conv_integer -> qkernel.matmul_integer, on weights packed at compile
// time.
#include "dialects/QKernel/QKernelOps.h"
#include "dialects/QNN/QNNOps.h"
#include "passes/Conversion/Passes.h"
#include "passes/Conversion/QNNToQKernel/EpilogueChain.h"
#include "passes/Transforms/ConstantUtils.h"
#include "quantc/Analysis/Quantizer.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <algorithm>

namespace quantc {
#define GEN_PASS_DEF_CONVERTQNNTOQKERNELPASS
#include "passes/Conversion/Passes.h.inc"
} // namespace quantc

using namespace mlir;
using namespace quantc;

namespace {

/// A constant weight matrix as codes oriented K x N, with its quantization
/// parameters read off the type (not expanded per element).
struct WeightMatrix {
  int64_t k = 0, n = 0;
  std::vector<uint8_t> codes; // [k, n]: q - storage min
  int64_t maxCode = 0;
  int64_t rowsPerParam = 0;   // K rows sharing one scale: k when constant along K
  /// Scale and zero point (minus storage min) of element (row, column).
  std::function<std::pair<float, int32_t>(int64_t, int64_t)> paramAt;
};

/// The weight behind `qnn.dequantize(quant.scast(qnn.constant))`, with
/// `transposed` for Gemm's trans_b and convolutions ([N, K] storage). A conv
/// weight [O, C, kh, kw] is the matrix [O, C*kh*kw] (im2col's K order).
std::optional<WeightMatrix> readWeight(Value weight, bool transposed) {
  auto dequantize = weight.getDefiningOp<qnn::DequantizeOp>();
  if (!dequantize)
    return std::nullopt;
  auto storageCast = dequantize.getInput().getDefiningOp<quant::StorageCastOp>();
  auto type = dyn_cast<RankedTensorType>(dequantize.getInput().getType());
  if (!storageCast || !type || type.getRank() < 2 || !type.hasStaticShape() ||
      type.getNumElements() == 0)
    return std::nullopt;
  auto values = qnn::readInt8(storageCast.getInput());
  auto element = dyn_cast<quant::QuantizedType>(type.getElementType());
  if (!values || !element || element.getStorageTypeIntegralWidth() != 8)
    return std::nullopt;
  // Parameters may vary along dims 0 and 1 only; past them (a kernel
  // window) they must be constant, so that a K row maps to one parameter.
  int64_t window = type.getNumElements() / (type.getDimSize(0) * type.getDimSize(1));
  WeightMatrix w;
  int64_t rows = type.getDimSize(0), columns = type.getNumElements() / rows;
  int64_t kDim = transposed ? 1 : 0, low = element.getStorageTypeMin();
  w.k = transposed ? columns : rows;
  w.n = transposed ? rows : columns;
  w.maxCode = element.getStorageTypeMax() - low;
  // Parameters of storage element (r, c); paramAt takes (row of K, column of N).
  std::function<std::pair<double, int64_t>(int64_t, int64_t)> storageParam;
  if (auto uniform = dyn_cast<quant::UniformQuantizedType>(element)) {
    w.rowsPerParam = w.k;
    storageParam = [=](int64_t, int64_t) {
      return std::make_pair(uniform.getScale(), uniform.getZeroPoint());
    };
  } else if (auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(element)) {
    int32_t axis = perAxis.getQuantizedDimension();
    if (axis > 1 || (axis == 1 && window != 1))
      return std::nullopt;
    w.rowsPerParam = axis == kDim ? 1 : w.k;
    storageParam = [=](int64_t r, int64_t c) {
      int64_t i = axis == 0 ? r : axis == 1 ? c : 0; // other dims have size 1
      return std::make_pair(perAxis.getScales()[i], perAxis.getZeroPoints()[i]);
    };
  } else if (auto sub = dyn_cast<quant::UniformQuantizedSubChannelType>(element)) {
    auto shape = cast<ShapedType>(sub.getScales().getType()).getShape();
    if (shape.size() < 2 || llvm::any_of(shape.drop_front(2), [](int64_t d) { return d != 1; }))
      return std::nullopt;
    std::vector<double> scales;
    for (APFloat v : sub.getScales().getValues<APFloat>())
      scales.push_back(v.convertToDouble());
    std::vector<int64_t> zeros;
    for (APInt v : sub.getZeroPoints().getValues<APInt>())
      zeros.push_back(v.getSExtValue());
    int64_t rowBlock = rows / shape[0], columnBlock = columns / shape[1];
    w.rowsPerParam = shape[kDim] == 1 ? w.k : kDim == 0 ? rowBlock : columnBlock;
    storageParam = [=](int64_t r, int64_t c) {
      int64_t i = (r / rowBlock) * shape[1] + c / columnBlock;
      return std::make_pair(scales[i], zeros[i]);
    };
  } else {
    return std::nullopt;
  }
  w.paramAt = [=](int64_t row, int64_t column) {
    auto [scale, zero] = transposed ? storageParam(column, row) : storageParam(row, column);
    return std::make_pair(float(scale), int32_t(zero - low));
  };
  w.codes.resize(w.k * w.n);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < columns; ++c)
      w.codes[transposed ? c * w.n + r : r * w.n + c] = uint8_t((*values)[r * columns + c] - low);
  return w;
}

/// The layout group: 0 when the parameters are constant along K, else the
/// rows per parameter if they are a multiple of 32 dividing K.
std::optional<int64_t> scaleGroup(const WeightMatrix &w) {
  if (w.rowsPerParam == w.k)
    return 0;
  if (w.rowsPerParam % codegen::kBlockK || w.k % w.rowsPerParam)
    return std::nullopt;
  return w.rowsPerParam;
}

unsigned bitsFor(int64_t maxCode) {
  unsigned bits = 1;
  while ((int64_t(1) << bits) <= maxCode)
    ++bits;
  return bits;
}

struct ConvertQNNToQKernelPass
    : quantc::impl::ConvertQNNToQKernelPassBase<ConvertQNNToQKernelPass> {
  using Base::Base;

  void runOnOperation() override {
    if (lanes != 4 && lanes != 8 && lanes != 16) {
      getOperation().emitError() << "convert-qnn-to-qkernel: lanes must be 4, 8 or 16, got "
                                 << unsigned(lanes);
      return signalPassFailure();
    }
    if (lutLanes != 16 && lutLanes != 32 && lutLanes != 64) {
      getOperation().emitError()
          << "convert-qnn-to-qkernel: lut-lanes must be 16, 32 or 64, got " << unsigned(lutLanes);
      return signalPassFailure();
    }
    if (lutBits > 4) {
      getOperation().emitError()
          << "convert-qnn-to-qkernel: lut-bits must be at most 4 (0: no LUT kernels), got "
          << unsigned(lutBits);
      return signalPassFailure();
    }
    if (activations != "int8" && activations != "float") {
      getOperation().emitError()
          << "convert-qnn-to-qkernel: activations must be int8 or float, got " << activations;
      return signalPassFailure();
    }
    SmallVector<Operation *> layers;
    getOperation().walk([&](Operation *op) {
      if (isa<qnn::MatMulOp, qnn::GemmOp, qnn::ConvOp, qnn::MatMulIntegerOp, qnn::ConvIntegerOp>(
              op))
        layers.push_back(op);
    });
    SmallVector<qnn::GatherOp> gathers;
    getOperation().walk([&](qnn::GatherOp gather) { gathers.push_back(gather); });
    for (qnn::GatherOp gather : gathers)
      convertGather(gather);
    for (Operation *op : layers) {
      if (auto conv = dyn_cast<qnn::ConvIntegerOp>(op); conv && isDepthwise(conv))
        convertDepthwise(conv);
      else if (isa<qnn::MatMulIntegerOp, qnn::ConvIntegerOp>(op))
        convertInteger(op);
      else
        convert(op);
    }
  }

  /// The depthwise kernel unrolls its taps and keeps their weights in
  /// registers; larger windows stay on the integer loops.
  static constexpr int64_t kMaxDepthwiseTaps = 81;

  /// A 2-D qnn.conv_integer with one input and one output channel per
  /// group, a static shape and at most kMaxDepthwiseTaps taps.
  static bool isDepthwise(qnn::ConvIntegerOp conv) {
    auto inputType = cast<RankedTensorType>(conv.getInput().getType());
    auto weightType = cast<RankedTensorType>(conv.getWeight().getType());
    auto resultType = cast<RankedTensorType>(conv.getType());
    return inputType.hasStaticShape() && resultType.hasStaticShape() &&
           weightType.hasStaticShape() && inputType.getRank() == 4 && weightType.getRank() == 4 &&
           conv.getGroup() == inputType.getDimSize(1) && conv.getGroup() > 1 &&
           weightType.getDimSize(0) == conv.getGroup() && weightType.getDimSize(1) == 1 &&
           weightType.getDimSize(2) <= kMaxDepthwiseTaps &&
           weightType.getDimSize(3) <= kMaxDepthwiseTaps &&
           weightType.getDimSize(2) * weightType.getDimSize(3) <= kMaxDepthwiseTaps;
  }

  /// Depthwise convs run channels last (qkernel.depthwise_conv_integer),
  /// between transposes that qnn-sink-transposes cancels against those of
  /// the matmul kernels around them. The weight [C, 1, KH, KW] is stored
  /// [KH, KW, C]. A weight that is not a constant leaves the conv as it is.
  void convertDepthwise(qnn::ConvIntegerOp conv) {
    auto weightType = cast<RankedTensorType>(conv.getWeight().getType());
    int64_t channels = weightType.getDimSize(0), kh = weightType.getDimSize(2),
            kw = weightType.getDimSize(3);
    auto values = qnn::readInt8(conv.getWeight());
    if (!values)
      return;
    std::vector<int8_t> hwc(values->size());
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t i = 0; i < kh * kw; ++i)
        hwc[i * channels + c] = int8_t((*values)[c * kh * kw + i]);
    OpBuilder b(conv);
    Location loc = conv.getLoc();
    Value weight = qnn::makeInt8Constant(
        b, loc, RankedTensorType::get({kh, kw, channels}, b.getI8Type()), hwc, "depthwise_hwc");
    Value x = channelsLast(b, loc, conv.getInput());
    ArrayRef<int64_t> pads = conv.getPads(); // [top, left, bottom, right]
    // The requantize or float chain after it runs in the kernel.
    std::optional<EpilogueChain> chain;
    if (fuseEpilogues)
      chain = findEpilogueChain(conv.getResult(), 1, /*withRequantize=*/true);
    RankedTensorType type = channelsLastType(cast<RankedTensorType>(conv.getType()));
    if (chain)
      type = type.clone(chain->element);
    auto kernel = qkernel::DepthwiseConvIntegerOp::create(
        b, loc, type, x, weight, conv.getBias(), conv.getStridesAttr(), conv.getDilationsAttr(),
        b.getDenseI64ArrayAttr(pads), b.getI64IntegerAttr(conv.getInputZeroPoint()));
    Value y = channelsFirst(b, loc, kernel);
    if (chain) {
      buildEpilogue(b, loc, kernel.getEpilogue(), *chain);
      replaceChain(b, loc, *chain, y);
    } else {
      conv.getResult().replaceAllUsesWith(y);
    }
    Value oldWeight = conv.getWeight();
    conv.erase();
    eraseIfDead(oldWeight);
  }

  /// A8: qnn.matmul_integer with a constant [K, N] weight, or a 2-D
  /// qnn.conv_integer with one group, -> qkernel.matmul_integer on the
  /// weight packed as codes w + z.
  void convertInteger(Operation *op) {
    auto matmul = dyn_cast<qnn::MatMulIntegerOp>(op);
    auto conv = dyn_cast<qnn::ConvIntegerOp>(op);
    Value input = matmul ? matmul.getA() : conv.getInput();
    Value weight = matmul ? matmul.getB() : conv.getWeight();
    Value bias = matmul ? matmul.getBias() : conv.getBias();
    auto inputType = cast<RankedTensorType>(input.getType());
    auto weightType = cast<RankedTensorType>(weight.getType());
    auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
    if (!inputType.hasStaticShape() || !resultType.hasStaticShape() ||
        !weightType.hasStaticShape() || inputType.getRank() < 2 ||
        weightType.getNumElements() == 0)
      return;
    if (conv && (conv.getGroup() != 1 || weightType.getRank() != 4 || inputType.getRank() != 4))
      return;
    if (matmul && weightType.getRank() != 2)
      return;
    auto values = qnn::readInt8(weight);
    if (!values)
      return;
    // The weight as K x N codes w + z ([K, N] as given, or a conv's
    // [O, C*kh*kw] transposed), as narrow as its values allow: the 4-bit
    // layers of an A8 allocation hold codes 0..14 (z = 7) in 4 bits.
    auto [low, high] = std::minmax_element(values->begin(), values->end());
    int32_t zeroPoint = -std::min<int32_t>(*low, 0);
    codegen::PackedLayout layout;
    layout.bits = bitsFor(int64_t(*high) + zeroPoint);
    layout.lanes = lanes;
    layout.signedBytes = signedBytes && layout.bits == 8;
    int64_t rows = weightType.getDimSize(0), columns = weightType.getNumElements() / rows;
    layout.k = matmul ? rows : columns;
    layout.n = matmul ? columns : rows;
    std::vector<int8_t> codes(values->size());
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < columns; ++c) {
        int8_t code = int8_t(uint8_t(int32_t((*values)[r * columns + c]) + zeroPoint));
        codes[matmul ? r * layout.n + c : c * layout.n + r] = code;
      }
    OpBuilder b(op);
    Location loc = op->getLoc();
    auto layoutAttr = qkernel::LayoutAttr::get(op->getContext(), layout.bits, layout.lanes,
                                               layout.k, layout.n, 0, false, layout.signedBytes,
                                               /*lut=*/false);
    Value packed = qnn::makeInt8Constant(
        b, loc, RankedTensorType::get({layout.packedBytes()}, b.getI8Type()),
        codegen::pack(layout, codes), "qkernel_packed");
    Value x = conv ? im2col(b, loc, input, windowOf(conv, double(conv.getInputZeroPoint())),
                            resultType)
                   : input;
    RankedTensorType kernelType = conv ? channelsLastType(resultType) : resultType;
    // A following requantize becomes the kernel's epilogue: int8 out, no
    // int32 accumulator in memory; the storage range bounds the clamp.
    qnn::RequantizeOp requantize = fusableRequantize(op, conv ? 1 : resultType.getRank() - 1);
    IntegerAttr outputZero, lo, hi;
    if (requantize) {
      auto element = cast<quant::UniformQuantizedType>(requantize.getType().getElementType());
      kernelType = kernelType.clone(b.getI8Type());
      outputZero = b.getI64IntegerAttr(element.getZeroPoint());
      lo = b.getI64IntegerAttr(requantize.getClampMin().value_or(element.getStorageTypeMin()));
      hi = b.getI64IntegerAttr(requantize.getClampMax().value_or(element.getStorageTypeMax()));
    }
    // Else the float chain that follows (dequantize, activation, quantize)
    // becomes an epilogue region: no int32 tensor and no loop of its own.
    std::optional<EpilogueChain> chain;
    if (!requantize && fuseEpilogues)
      chain = findEpilogueChain(op->getResult(0), conv ? 1 : resultType.getRank() - 1);
    if (chain)
      kernelType = kernelType.clone(chain->element);
    auto kernel = qkernel::MatmulIntegerOp::create(
        b, loc, kernelType, x, packed, bias, layoutAttr, b.getI64IntegerAttr(zeroPoint),
        requantize ? requantize.getMultipliersAttr() : nullptr,
        requantize ? requantize.getShiftsAttr() : nullptr, outputZero, lo, hi);
    if (chain)
      buildEpilogue(b, loc, kernel.getEpilogue(), *chain);
    Value y = kernel;
    if (conv)
      y = channelsFirst(b, loc, y);
    if (chain) {
      replaceChain(b, loc, *chain, y);
    } else if (requantize) {
      y = quant::StorageCastOp::create(b, loc, requantize.getType(), y);
      requantize.getResult().replaceAllUsesWith(y);
      requantize.erase();
    } else {
      op->getResult(0).replaceAllUsesWith(y);
    }
    op->erase();
    eraseIfDead(weight);
  }

  /// The kernel's result `y` (its element stored, in the layer's layout)
  /// stands for the chain's last value, which goes with the chain.
  static void replaceChain(OpBuilder &b, Location loc, const EpilogueChain &chain, Value y) {
    Value last = chain.last->getResult(0);
    if (y.getType() != last.getType()) // int8 storage for a quantized type
      y = quant::StorageCastOp::create(b, loc, last.getType(), y);
    last.replaceAllUsesWith(y);
    for (Operation *fused : llvm::reverse(chain.ops))
      fused->erase();
  }

  /// The qnn.requantize that is `op`'s only user, when the kernel can run
  /// it: to signed 8-bit storage, per tensor or along `channelAxis` (the
  /// output channels: last for a matmul, 1 for an NCHW conv).
  static qnn::RequantizeOp fusableRequantize(Operation *op, int64_t channelAxis) {
    Value result = op->getResult(0);
    if (!result.hasOneUse())
      return {};
    auto requantize = dyn_cast<qnn::RequantizeOp>(*result.getUsers().begin());
    if (!requantize || (requantize.getAxis() != -1 && requantize.getAxis() != channelAxis))
      return {};
    auto element = cast<quant::UniformQuantizedType>(requantize.getType().getElementType());
    if (!element.isSigned() || element.getStorageTypeIntegralWidth() != 8)
      return {};
    return requantize;
  }

  /// What a layer multiplies: x, the weight, an optional bias, whether the
  /// weight is stored [N, K], and the 2-D convolution it came from, if any.
  struct LayerOperands {
    Value input, weight, bias;
    bool transposed = false;
    qnn::ConvOp conv;
  };

  static std::optional<LayerOperands> operandsOf(Operation *op) {
    if (auto matmul = dyn_cast<qnn::MatMulOp>(op))
      return LayerOperands{matmul.getA(), matmul.getB(), Value(), false, {}};
    if (auto gemm = dyn_cast<qnn::GemmOp>(op)) {
      if (gemm.getAlpha().convertToFloat() != 1.0f || gemm.getTransA() ||
          (gemm.getC() && gemm.getBeta().convertToFloat() != 1.0f))
        return std::nullopt;
      return LayerOperands{gemm.getA(), gemm.getB(), gemm.getC(), gemm.getTransB(), {}};
    }
    // A 2-D conv with one group is a matmul of im2col(x) [batch, OH, OW,
    // C*kh*kw] and W^T. Grouped (depthwise) convs have no matmul to speak of.
    auto conv = cast<qnn::ConvOp>(op);
    auto weightType = cast<RankedTensorType>(conv.getWeight().getType());
    if (weightType.getRank() != 4 || conv.getGroup() != 1)
      return std::nullopt;
    return LayerOperands{conv.getInput(), conv.getWeight(), conv.getBias(), true, conv};
  }

  /// A 2-D convolution's window, as qnn.conv and qnn.conv_integer give it.
  struct Window {
    int64_t kh, kw;
    ArrayRef<int64_t> strides, dilations, pads;
    double padValue; // what padding reads: 0.0, or the input zero point
  };

  template <typename ConvLike>
  static Window windowOf(ConvLike conv, double padValue) {
    auto shape = cast<RankedTensorType>(conv.getWeight().getType()).getShape();
    return {shape[2], shape[3], conv.getStrides(), conv.getDilations(), conv.getPads(), padValue};
  }

  /// x [N, C, H, W] -> [N, OH, OW, C*kh*kw], K ordered (c, ky, kx) like the
  /// flattened weight. A 1x1 kernel with stride 1 and no pads is a
  /// transpose alone; any other window pads x (when it has pads) and
  /// gathers it in one loop, a linalg.generic over [N, OH, OW, C, kh, kw]
  /// reading x at (oy·s + ky·d, ox·s + kx·d): pad, a strided slice per
  /// kernel offset, a stack and a transpose made kh·kw + 3 loop nests and
  /// two passes over the columns. The CPU kernels of int8 activations
  /// recognize this gather (codegen::matchConvWindow) and read the padded
  /// input in its place; keep the two in step.
  static Value im2col(OpBuilder &b, Location loc, Value x, const Window &w,
                      RankedTensorType resultType) {
    ArrayRef<int64_t> strides = w.strides, pads = w.pads, dilations = w.dilations;
    bool padded = llvm::any_of(pads, [](int64_t p) { return p != 0; });
    if (w.kh * w.kw == 1 && llvm::all_of(strides, [](int64_t s) { return s == 1; }) && !padded)
      return channelsLast(b, loc, x); // 1x1: channels last is all there is to do
    if (padded)
      x = qnn::PadOp::create(b, loc, x, b.getDenseI64ArrayAttr({0, 0, pads[0], pads[1], 0, 0, pads[2], pads[3]}),
                             b.getStringAttr("constant"), b.getF32FloatAttr(float(w.padValue)));
    auto xType = cast<RankedTensorType>(x.getType());
    Type element = xType.getElementType();
    auto gatheredType = RankedTensorType::get({resultType.getDimSize(0), resultType.getDimSize(2),
                                               resultType.getDimSize(3), xType.getDimSize(1),
                                               w.kh, w.kw},
                                              element);
    Value init = tensor::EmptyOp::create(b, loc, gatheredType.getShape(), element);
    // (n, oy, ox, c, ky, kx) -> x[n, c, oy·s + ky·d, ox·s + kx·d]
    auto d = [&](unsigned i) { return b.getAffineDimExpr(i); };
    AffineMap read = AffineMap::get(
        6, 0,
        {d(0), d(3), d(1) * strides[0] + d(4) * dilations[0], d(2) * strides[1] + d(5) * dilations[1]},
        b.getContext());
    SmallVector<utils::IteratorType> parallel(6, utils::IteratorType::parallel);
    auto gather = linalg::GenericOp::create(
        b, loc, gatheredType, ValueRange{x}, ValueRange{init},
        ArrayRef<AffineMap>{read, b.getMultiDimIdentityMap(6)}, parallel,
        [&](OpBuilder &nested, Location l, ValueRange args) {
          linalg::YieldOp::create(nested, l, ValueRange{args[0]});
        });
    return tensor::CollapseShapeOp::create(
        b, loc, gather.getResult(0), SmallVector<ReassociationIndices>{{0}, {1}, {2}, {3, 4, 5}});
  }

  /// NCHW -> [N, H, W, C] (what the kernels read).
  static Value channelsLast(OpBuilder &b, Location loc, Value x) {
    return qnn::TransposeOp::create(b, loc, x, b.getDenseI64ArrayAttr({0, 2, 3, 1}));
  }

  /// [N, OH, OW, C] (what the kernel computed) -> NCHW.
  static Value channelsFirst(OpBuilder &b, Location loc, Value y) {
    return qnn::TransposeOp::create(b, loc, y, b.getDenseI64ArrayAttr({0, 3, 1, 2}));
  }

  static RankedTensorType channelsLastType(RankedTensorType nchw) {
    auto shape = nchw.getShape();
    return nchw.clone({shape[0], shape[2], shape[3], shape[1]});
  }

  void convert(Operation *op) {
    auto operands = operandsOf(op);
    if (!operands)
      return;
    Value input = operands->input, weight = operands->weight, bias = operands->bias;
    auto inputType = cast<RankedTensorType>(input.getType());
    auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
    qnn::ConvOp conv = operands->conv;
    if (!inputType.getElementType().isF32() || inputType.getRank() < 2 ||
        !inputType.hasStaticShape() || resultType.getRank() != inputType.getRank() ||
        !resultType.hasStaticShape() || (conv && inputType.getRank() != 4))
      return;
    // A MatMul's batched (3-D and up) weight is not one matrix.
    auto weightShape = cast<RankedTensorType>(weight.getType()).getShape();
    if (!conv && weightShape.size() != 2)
      return;
    auto w = readWeight(weight, operands->transposed);
    // K: the input's channels, times the kernel window for convs.
    int64_t k = conv ? inputType.getDimSize(1) * weightShape[2] * weightShape[3]
                     : inputType.getDimSize(inputType.getRank() - 1);
    if (!w || w->k != k || (conv && weightShape[1] != inputType.getDimSize(1)))
      return;
    std::optional<int64_t> group = scaleGroup(*w);
    if (!group)
      return;
    OpBuilder b(op);
    Location loc = op->getLoc();
    if (bias && !(bias = vectorBias(b, loc, bias, w->n)))
      return;

    // Activations that are already quantized (A8 models) are not quantized
    // a second time: those layers take the float kernel.
    StringRef mode = input.getDefiningOp<qnn::DequantizeOp>() ? StringRef("float") : activations;

    codegen::PackedLayout layout;
    layout.k = w->k;
    layout.n = w->n;
    layout.group = *group;
    // Scale and zero point per (scale row, channel); the tables below pad
    // them to the tile's channels once the kernel (and so the lanes) is known.
    int64_t rows = layout.scaleRows(), groupRows = layout.group ? layout.group : 1;
    std::vector<float> rowScales(rows * w->n);
    std::vector<int32_t> rowZeros(rows * w->n);
    for (int64_t g = 0; g < rows; ++g)
      for (int64_t c = 0; c < w->n; ++c)
        std::tie(rowScales[g * w->n + c], rowZeros[g * w->n + c]) =
            w->paramAt(std::min(g * groupRows, w->k - 1), c);
    int32_t firstZero = rowZeros.front();
    bool oneZero = llvm::all_equal(rowZeros);
    // qnn's binary weights are the storage values -1 and +1: codes 0 and 2.
    bool binary = w->maxCode == 2 && oneZero && firstZero == 1 &&
                  llvm::all_of(w->codes, [](uint8_t c) { return c != 1; });
    layout.binary = binary;
    layout.bits = binary ? 1 : bitsFor(w->maxCode);
    // Narrow codes with int8 activations may take the LUT kernel instead.
    layout.lut = mode == "int8" && layout.bits <= lutBits;
    layout.lanes = layout.lut ? lutLanes : lanes;
    layout.signedBytes = signedBytes && layout.bits == 8;

    // Scale and zero-point tables [scaleRows, paddedN]; padding columns 0.
    int64_t paddedN = layout.paddedN();
    std::vector<float> scales(rows * paddedN, 0.0f);
    std::vector<int8_t> zeros(rows * paddedN, 0);
    for (int64_t g = 0; g < rows; ++g)
      for (int64_t c = 0; c < w->n; ++c) {
        scales[g * paddedN + c] = rowScales[g * w->n + c];
        zeros[g * paddedN + c] = int8_t(rowZeros[g * w->n + c]);
      }
    std::vector<int8_t> codes(w->codes.size());
    for (size_t i = 0; i < codes.size(); ++i)
      codes[i] = int8_t(binary ? w->codes[i] / 2 : w->codes[i]);

    MLIRContext *context = op->getContext();
    auto layoutAttr = qkernel::LayoutAttr::get(context, layout.bits, layout.lanes, layout.k,
                                               layout.n, layout.group, layout.binary,
                                               layout.signedBytes, layout.lut);
    auto i8 = b.getI8Type();
    Value packed = qnn::makeInt8Constant(
        b, loc, RankedTensorType::get({layout.packedBytes()}, i8),
        codegen::pack(layout, codes), "qkernel_packed");
    auto tableType = [&](Type element) { return RankedTensorType::get({rows, paddedN}, element); };
    // Grouped weights' scales are f16 values (roundScalesToHalf): stored so,
    // they are 2 bytes of each 4-bit group of 32 instead of 4.
    bool half = halfScales && llvm::all_of(rowScales, quantc::isHalfExact);
    Value scaleTable = qnn::makeConstant(b, loc, tableType(half ? Type(b.getF16Type()) : b.getF32Type()),
                                         scales, "qkernel_scales");
    Value zeroTable;
    IntegerAttr zeroPoint;
    if (oneZero)
      zeroPoint = b.getI64IntegerAttr(firstZero);
    else
      zeroTable = qnn::makeInt8Constant(b, loc, tableType(i8), zeros, "qkernel_zero_points");

    // A single following Relu becomes the epilogue's activation.
    Operation *replaced = op;
    StringRef activation = "none";
    Value result = op->getResult(0);
    if (result.hasOneUse())
      if (auto relu = dyn_cast<qnn::ReluOp>(*result.getUsers().begin())) {
        replaced = relu;
        activation = "relu";
      }
    b.setInsertionPoint(replaced);
    Value x = conv ? im2col(b, loc, input, windowOf(conv, 0.0), resultType) : input;
    RankedTensorType kernelType = conv ? channelsLastType(resultType) : resultType;
    Value y;
    if (layout.lut)
      y = qkernel::LutMatmulOp::create(b, loc, kernelType, x, packed, scaleTable, zeroTable, bias,
                                       layoutAttr, zeroPoint, b.getStringAttr(activation));
    else
      y = qkernel::MatmulOp::create(b, loc, kernelType, x, packed, scaleTable, zeroTable, bias,
                                    layoutAttr, zeroPoint, b.getStringAttr(mode),
                                    b.getStringAttr(activation));
    if (conv)
      y = channelsFirst(b, loc, y);
    replaced->getResult(0).replaceAllUsesWith(y);
    if (replaced != op)
      replaced->erase();
    op->erase();
    eraseIfDead(weight);
  }

  /// qnn.gather along axis 0 of a dequantized [rows, columns] constant (a
  /// quantized embedding table) -> qkernel.gather_rows on the table packed
  /// at its width: 2, 4 or 8 bits per code, f16 scales where they are f16
  /// values. Anything else stays a gather of the dequantized table.
  void convertGather(qnn::GatherOp gather) {
    auto dataType = cast<RankedTensorType>(gather.getInput().getType());
    if (dataType.getRank() != 2 || !dataType.getElementType().isF32() ||
        (gather.getAxis() != 0 && gather.getAxis() != -2))
      return;
    // Read as K x N with K the columns: a row's parameters then repeat
    // every rowsPerParam columns.
    auto w = readWeight(gather.getInput(), /*transposed=*/true);
    if (!w)
      return;
    int64_t columns = w->k, rows = w->n;
    int64_t group = w->rowsPerParam == columns ? 0 : w->rowsPerParam;
    if (group && columns % group)
      return;
    int64_t bits = w->maxCode < 4 ? 2 : w->maxCode < 16 ? 4 : 8;
    int64_t groups = group ? columns / group : 1, rowBytes = (columns * bits + 7) / 8;
    std::vector<float> scales(rows * groups);
    std::vector<int32_t> zeros(rows * groups);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t g = 0; g < groups; ++g)
        std::tie(scales[r * groups + g], zeros[r * groups + g]) = w->paramAt(g * group, r);
    if (llvm::any_of(zeros, [&](int32_t z) { return z < 0 || z >= (int32_t(1) << bits); }))
      return;
    std::vector<int8_t> table(rows * rowBytes, 0);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < columns; ++c) {
        int64_t bit = c * bits;
        uint8_t &byte = reinterpret_cast<uint8_t &>(table[r * rowBytes + bit / 8]);
        byte |= uint8_t(w->codes[c * rows + r] << (bit % 8));
      }
    OpBuilder b(gather);
    Location loc = gather.getLoc();
    auto i8 = b.getI8Type();
    auto paramType = [&](Type element) { return RankedTensorType::get({rows, groups}, element); };
    Value packed = qnn::makeInt8Constant(b, loc, RankedTensorType::get({rows, rowBytes}, i8),
                                         table, "qkernel_table");
    bool half = halfScales && llvm::all_of(scales, quantc::isHalfExact);
    Value scaleTable = qnn::makeConstant(
        b, loc, paramType(half ? Type(b.getF16Type()) : b.getF32Type()), scales, "qkernel_scales");
    Value zeroTable;
    IntegerAttr zeroPoint;
    if (llvm::all_equal(zeros)) {
      zeroPoint = b.getI64IntegerAttr(zeros.front());
    } else {
      std::vector<int8_t> narrow(zeros.begin(), zeros.end());
      zeroTable = qnn::makeInt8Constant(b, loc, paramType(i8), narrow, "qkernel_zero_points");
    }
    Value rowsOut = qkernel::GatherRowsOp::create(
        b, loc, cast<RankedTensorType>(gather.getType()), gather.getIndices(), packed, scaleTable,
        zeroTable, b.getI64IntegerAttr(bits), b.getI64IntegerAttr(columns),
        b.getI64IntegerAttr(group), zeroPoint);
    gather.getResult().replaceAllUsesWith(rowsOut);
    Value data = gather.getInput();
    gather.erase();
    eraseIfDead(data);
  }

  /// Erases the float weight chain (dequantize, scast, constant) once the
  /// packed kernel was its last user.
  static void eraseIfDead(Value value) {
    while (value && value.use_empty()) {
      Operation *producer = value.getDefiningOp();
      if (!producer || !isPure(producer) || producer->getNumResults() != 1)
        return;
      value = producer->getNumOperands() == 1 ? producer->getOperand(0) : Value();
      producer->erase();
    }
  }

  /// Gemm's C as a [N] tensor, or null when it is not a per-column bias.
  static Value vectorBias(OpBuilder &b, Location loc, Value bias, int64_t n) {
    auto type = cast<RankedTensorType>(bias.getType());
    if (!type.getElementType().isF32() || !type.hasStaticShape() || type.getNumElements() != n ||
        type.getShape().back() != n)
      return {};
    if (type.getRank() == 1)
      return bias;
    return qnn::ReshapeOp::create(b, loc, bias, b.getDenseI64ArrayAttr({n}), false);
  }
};

} // namespace
