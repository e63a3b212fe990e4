// convert-qkernel-to-gpu: packed weight-only matmuls become launches of
// quantc's GPU weight-only GEMM (lib/Codegen/GPU), everything else stays on
// the host. The codes are repacked here, at compile time, into the kernel's
// preshuffled words; the kernels of all layers go into one image that the
// artifact embeds.
#include "passes/Conversion/Passes.h"
#include "passes/Transforms/ConstantUtils.h"

#include "dialects/QKernel/QKernelOps.h"
#include "quantc/Codegen/GPUFragments.h"
#include "quantc/Codegen/GPUKernels.h"
#include "quantc/Codegen/Packing.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringMap.h"

#include <cmath>
#include <map>

namespace quantc {
#define GEN_PASS_DEF_CONVERTQKERNELTOGPUPASS
#include "passes/Conversion/Passes.h.inc"
} // namespace quantc

using namespace mlir;
namespace device = quantc::codegen::gpu;
namespace codegen = quantc::codegen;
namespace qkernel = quantc::qkernel;

namespace {

constexpr llvm::StringLiteral kLaunchFunction = "quantc_gpu_weight_only_gemm";
constexpr llvm::StringLiteral kBeginFunction = "quantc_gpu_begin_call";

/// One layer's GEMM with its weights in the kernel's layout.
struct DeviceLayer {
  device::WeightOnlyGemm gemm;
  int64_t inputColumns = 0; // x's K; gemm.k pads it to whole K tiles
  /// Powers of two the host multiplies y's columns by (empty: all 1): a
  /// column's scales went up by the inverse so that its smallest is a
  /// normal f16.
  std::vector<float> columnScales;
  std::vector<uint32_t> words;
  std::vector<uint16_t> scales, offsets; // f16 bits, [n][group]; offsets empty: symmetric
};

/// The layer `op` becomes, or why it stays on the host.
template <typename PackedMatmul>
llvm::Expected<DeviceLayer> deviceLayer(PackedMatmul op) {
  codegen::PackedLayout layout = qkernel::toPackedLayout(op.getLayout());
  if (layout.binary)
    return llvm::createStringError("binary weights");
  auto packed = quantc::qnn::readInt8(op.getPacked());
  auto scales = quantc::qnn::readFloats(op.getScales());
  std::optional<std::vector<int8_t>> zeroTable;
  if (op.getZeroPoints())
    zeroTable = quantc::qnn::readInt8(op.getZeroPoints());
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
  device::chooseLaunch(gemm);
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
      layer.scales[size_t(n * groups + g)] = device::halfFromFloat(scale);
      offsets[size_t(n * groups + g)] = device::halfFromFloat(1024.0f + float(zero));
    }
  if (gemm.asymmetric)
    layer.offsets = std::move(offsets);
  return layer;
}

class GPURewriter {
public:
  explicit GPURewriter(ModuleOp module)
      : module(module), symbols(module), b(module.getContext()), globals(module.getContext()) {
    globals.setInsertionPointToEnd(module.getBody());
  }

  /// Replaces `op` with a launch; false, with `why`, when it stays on the host.
  template <typename PackedMatmul> bool rewrite(PackedMatmul op, std::string &why);
  /// quantc_gpu_begin_call at the start of every public function.
  void beginCalls();
  /// All the kernels used, built into one gpu.module and compiled.
  llvm::Expected<std::string> compileKernels(llvm::StringRef chip, llvm::StringRef format);
  /// quantc_gpu_image and quantc_gpu_image_size.
  void addImage(llvm::StringRef image, Location loc);
  bool empty() const { return kernels.empty(); }
  unsigned layerCount() const { return layers; }
  size_t kernelCount() const { return kernels.size(); }

private:
  /// A constant global of `values` (renamed on a clash); `visibility`
  /// private unless the runtime looks it up.
  memref::GlobalOp global(Location loc, llvm::StringRef name, llvm::ArrayRef<char> raw,
                          int64_t count, Type element, llvm::StringRef visibility = "private");
  /// memref.get_global of `global` as the launch function takes it.
  Value pointerTo(Location loc, memref::GlobalOp global);
  Value dynamic(Location loc, Value buffer);
  func::FuncOp declare(llvm::StringRef name, TypeRange inputs);

  ModuleOp module;
  SymbolTable symbols;
  OpBuilder b, globals;
  std::map<std::string, device::WeightOnlyGemm> kernels; // by name: a deterministic image
  llvm::StringMap<memref::GlobalOp> kernelNames;
  unsigned layers = 0;
};

template <typename T> static llvm::ArrayRef<char> bytesOf(const std::vector<T> &values) {
  return {reinterpret_cast<const char *>(values.data()), values.size() * sizeof(T)};
}

memref::GlobalOp GPURewriter::global(Location loc, llvm::StringRef name, llvm::ArrayRef<char> raw,
                                     int64_t count, Type element, llvm::StringRef visibility) {
  auto type = MemRefType::get({count}, element);
  auto value = DenseElementsAttr::getFromRawBuffer(RankedTensorType::get({count}, element), raw);
  auto op = memref::GlobalOp::create(globals, loc, name, globals.getStringAttr(visibility), type,
                                     value, /*constant=*/true, globals.getI64IntegerAttr(64));
  symbols.insert(op);
  return op;
}

/// The launch function takes pointers to first elements (sizes come as
/// numbers): a memref<1xT> view, which the bare-pointer calling convention
/// passes as that pointer (it has no form for dynamic shapes).
Value GPURewriter::dynamic(Location loc, Value buffer) {
  auto type = cast<MemRefType>(buffer.getType());
  return memref::ReinterpretCastOp::create(b, loc, MemRefType::get({1}, type.getElementType()),
                                           buffer, /*offset=*/0, /*sizes=*/{1}, /*strides=*/{1});
}

Value GPURewriter::pointerTo(Location loc, memref::GlobalOp global) {
  return dynamic(loc, memref::GetGlobalOp::create(b, loc, global.getType(), global.getSymName()));
}

func::FuncOp GPURewriter::declare(llvm::StringRef name, TypeRange inputs) {
  if (auto existing = module.lookupSymbol<func::FuncOp>(name))
    return existing;
  OpBuilder::InsertionGuard guard(globals);
  globals.setInsertionPointToStart(module.getBody());
  auto function = func::FuncOp::create(globals, module.getLoc(), name,
                                       globals.getFunctionType(inputs, {}));
  function.setPrivate();
  return function;
}

template <typename PackedMatmul> bool GPURewriter::rewrite(PackedMatmul op, std::string &why) {
  auto layer = deviceLayer(op);
  if (!layer) {
    why = llvm::toString(layer.takeError());
    return false;
  }
  const device::WeightOnlyGemm &gemm = layer->gemm;
  Location loc = op.getLoc();
  std::string name = device::kernelName(gemm);
  kernels.insert({name, gemm});
  memref::GlobalOp &nameGlobal = kernelNames[name];
  if (!nameGlobal) {
    std::vector<char> text(name.begin(), name.end());
    text.push_back(0);
    nameGlobal = global(loc, "quantc_gpu_name_" + name, text, int64_t(text.size()),
                        b.getI8Type());
  }
  std::string stem = "quantc_gpu_layer" + std::to_string(layers++);
  auto words = global(loc, stem + "_words", bytesOf(layer->words), int64_t(layer->words.size()),
                      b.getI32Type());
  auto scales = global(loc, stem + "_scales", bytesOf(layer->scales),
                       int64_t(layer->scales.size()), b.getI16Type());
  memref::GlobalOp offsets =
      layer->offsets.empty() ? scales
                             : global(loc, stem + "_offsets", bytesOf(layer->offsets),
                                      int64_t(layer->offsets.size()), b.getI16Type());

  b.setInsertionPoint(op);
  Type f32 = b.getF32Type(), i64 = b.getI64Type();
  auto inputType = cast<RankedTensorType>(op.getInput().getType());
  auto outputType = cast<RankedTensorType>(op.getOutput().getType());
  auto oneGroup = [](RankedTensorType type) { // every dim into (or out of) one
    return *getReassociationIndicesForCollapse(type.getShape(), {type.getNumElements()});
  };
  // x as one dense [m * k] buffer (bufferization copies a strided view).
  Value x = op.getInput();
  if (inputType.getRank() > 1)
    x = tensor::CollapseShapeOp::create(b, loc, x, oneGroup(inputType));
  x = bufferization::ToBufferOp::create(b, loc, MemRefType::get({gemm.m * layer->inputColumns}, f32), x,
                                        /*read_only=*/true);
  Value y = memref::AllocOp::create(b, loc, MemRefType::get({gemm.m * gemm.n}, f32));

  device::LaunchGeometry launch = device::launchGeometry(gemm);
  auto constant = [&](int64_t v) -> Value { return arith::ConstantIntOp::create(b, loc, i64, v); };
  SmallVector<Value> arguments{pointerTo(loc, nameGlobal), pointerTo(loc, words),
                               pointerTo(loc, scales),     pointerTo(loc, offsets),
                               dynamic(loc, x),            dynamic(loc, y)};
  for (int64_t v : {gemm.m, gemm.n, gemm.k, layer->inputColumns, int64_t(layer->words.size() * 4),
                    int64_t(layer->scales.size() * 2), int64_t(layer->offsets.size() * 2),
                    launch.grid[0], launch.grid[1], launch.grid[2], launch.threads})
    arguments.push_back(constant(v));
  func::FuncOp callee = declare(kLaunchFunction, ValueRange(arguments).getTypes());
  func::CallOp::create(b, loc, callee, arguments);

  Value result = bufferization::ToTensorOp::create(
      b, loc, RankedTensorType::get({gemm.m * gemm.n}, f32), y, /*restrict=*/true,
      /*writable=*/true);
  if (outputType.getRank() > 1)
    result = tensor::ExpandShapeOp::create(b, loc, outputType, result, oneGroup(outputType));

  // The epilogue on the host: the scales' power of two, bias, then Relu (as
  // the CPU kernels order them).
  bool relu = op.getActivation() == "relu", rescale = !layer->columnScales.empty();
  if (op.getBias() || relu || rescale) {
    int64_t rank = outputType.getRank();
    AffineMap identity = b.getMultiDimIdentityMap(rank);
    AffineMap column = AffineMap::get(rank, 0, b.getAffineDimExpr(rank - 1));
    SmallVector<Value> inputs{result};
    SmallVector<AffineMap> maps{identity};
    if (rescale) {
      auto type = RankedTensorType::get({gemm.n}, f32);
      inputs.push_back(arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(type, llvm::ArrayRef<float>(layer->columnScales))));
      maps.push_back(column);
    }
    if (op.getBias()) {
      inputs.push_back(op.getBias());
      maps.push_back(column);
    }
    maps.push_back(identity);
    Value empty = tensor::EmptyOp::create(b, loc, outputType.getShape(), f32);
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    result = linalg::GenericOp::create(
                 b, loc, outputType, inputs, ValueRange{empty}, maps, iterators,
                 [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
                   Value v = args[0];
                   unsigned next = 1;
                   if (rescale)
                     v = arith::MulFOp::create(nested, nestedLoc, v, args[next++]);
                   if (op.getBias())
                     v = arith::AddFOp::create(nested, nestedLoc, v, args[next++]);
                   if (relu)
                     v = arith::MaximumFOp::create(
                         nested, nestedLoc, v,
                         arith::ConstantOp::create(nested, nestedLoc, nested.getF32FloatAttr(0)));
                   linalg::YieldOp::create(nested, nestedLoc, v);
                 })
                 .getResult(0);
  }
  op.getOutput().replaceAllUsesWith(result);
  op.erase();
  return true;
}

void GPURewriter::beginCalls() {
  func::FuncOp begin = declare(kBeginFunction, {});
  for (auto function : module.getOps<func::FuncOp>()) {
    if (function.isPrivate() || function.isExternal())
      continue;
    b.setInsertionPointToStart(&function.getBody().front());
    func::CallOp::create(b, function.getLoc(), begin, ValueRange{});
  }
}

llvm::Expected<std::string> GPURewriter::compileKernels(llvm::StringRef chip,
                                                        llvm::StringRef format) {
  MLIRContext context;
  OwningOpRef<ModuleOp> combined;
  mlir::gpu::GPUModuleOp target;
  for (auto &[name, gemm] : kernels) {
    OwningOpRef<ModuleOp> one = device::buildWeightOnlyGemm(context, gemm, name);
    if (!combined) {
      combined = std::move(one);
      target = *combined->getOps<mlir::gpu::GPUModuleOp>().begin();
      continue;
    }
    auto source = *one->getOps<mlir::gpu::GPUModuleOp>().begin();
    OpBuilder into(&context);
    into.setInsertionPointToEnd(target.getBody());
    for (auto function : source.getOps<mlir::gpu::GPUFuncOp>())
      into.clone(*function);
  }
  return device::compileGPUModules(*combined, chip, format);
}

void GPURewriter::addImage(llvm::StringRef image, Location loc) {
  auto imageGlobal = global(loc, "quantc_gpu_image", llvm::ArrayRef<char>(image.data(), image.size()),
                            int64_t(image.size()), b.getI8Type(), "public");
  std::vector<int64_t> size{int64_t(image.size())};
  auto sizeGlobal = global(loc, "quantc_gpu_image_size", bytesOf(size), 1, b.getI64Type(), "public");
  // The runtime finds them by these names.
  (void)imageGlobal, (void)sizeGlobal;
}

/// "12 linalg.generic, 3 linalg.conv_2d_nchw_fchw": what stays on the host.
static std::string hostOps(ModuleOp module) {
  llvm::MapVector<llvm::StringRef, int> counts;
  module.walk([&](Operation *op) {
    llvm::StringRef dialect = op->getName().getDialectNamespace();
    if ((dialect == "linalg" || dialect == "qkernel") && !isa<linalg::YieldOp>(op) &&
        !op->getParentOfType<linalg::LinalgOp>())
      ++counts[op->getName().getStringRef()];
  });
  std::string text;
  for (auto &[name, count] : counts)
    text += (text.empty() ? "" : ", ") + std::to_string(count) + " " + name.str();
  return text;
}

struct ConvertQKernelToGPUPass
    : quantc::impl::ConvertQKernelToGPUPassBase<ConvertQKernelToGPUPass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (format != "fatbin" && format != "bin" && format != "isa" && format != "none") {
      module.emitError() << "convert-qkernel-to-gpu: unknown format '" << format
                         << "' (fatbin, bin, isa, none)";
      return signalPassFailure();
    }
    if (device::ptxFeatureFor(chip).empty()) {
      module.emitError() << "convert-qkernel-to-gpu: unknown GPU chip '" << chip << "'";
      return signalPassFailure();
    }
    GPURewriter rewriter(module);
    std::map<std::string, int> stayed; // why a matmul stays -> how many
    SmallVector<Operation *> matmuls;
    module.walk([&](Operation *op) {
      if (isa<qkernel::MatmulOp, qkernel::LutMatmulOp>(op))
        matmuls.push_back(op);
    });
    for (Operation *op : matmuls) {
      std::string why;
      bool moved = isa<qkernel::MatmulOp>(op) ? rewriter.rewrite(cast<qkernel::MatmulOp>(op), why)
                                              : rewriter.rewrite(cast<qkernel::LutMatmulOp>(op), why);
      if (!moved)
        ++stayed[why];
    }
    std::string host = hostOps(module);
    if (!host.empty()) {
      auto matmuls = [](size_t count) {
        return std::to_string(count) + " packed matmul" + (count == 1 ? "" : "s");
      };
      InFlightDiagnostic warning = module.emitWarning()
                                   << matmuls(rewriter.layerCount()) << " on the " << chip
                                   << " GPU (" << rewriter.kernelCount() << " kernel"
                                   << (rewriter.kernelCount() == 1 ? "" : "s")
                                   << "); on the host (no GPU kernel yet): " << host;
      for (auto &[why, count] : stayed)
        warning << "; " << matmuls(size_t(count)) << " with " << why;
    }
    if (rewriter.empty())
      return;
    rewriter.beginCalls();
    if (format == "none")
      return;
    auto image = rewriter.compileKernels(chip, format);
    if (!image) {
      module.emitError() << llvm::toString(image.takeError());
      return signalPassFailure();
    }
    rewriter.addImage(*image, module.getLoc());
  }
};

} // namespace
