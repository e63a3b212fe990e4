// convert-qkernel-to-gpu: packed weight-only matmuls become launches of
// quantc's GPU weight-only GEMM (lib/Codegen/GPU), everything else stays on
// the host. The codes are repacked here, at compile time, into the kernel's
// preshuffled words; the kernels of all layers go into one image that the
// artifact embeds.
#include "DeviceLayers.h"
#include "IntegerDepthwise.h"
#include "OutputStarts.h"
#include "Residency.h"
#include "SplitReductions.h"
#include "passes/Conversion/LinalgToVector/ElementwiseFusion.h"
#include "passes/Conversion/Passes.h"

#include "dialects/QKernel/QKernelOps.h"
#include "quantc/Codegen/GPUKernels.h"
#include "quantc/Codegen/GPULinalgKernels.h"
#include "quantc/Codegen/Requantize.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Affine/Utils.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/xxhash.h"

#include <map>
#include <variant>

namespace quantc {
#define GEN_PASS_DEF_CONVERTQKERNELTOGPUPASS
#include "passes/Conversion/Passes.h.inc"
} // namespace quantc

using namespace mlir;
namespace device = quantc::codegen::gpu;
namespace codegen = quantc::codegen;
namespace qkernel = quantc::qkernel;
using quantc::gpu::DeviceLayer;
using quantc::gpu::deviceLayer;
using quantc::gpu::DeviceRead;
using quantc::gpu::DeviceWrite;
using quantc::gpu::HalfLayer;
using quantc::gpu::halfLayer;
using quantc::gpu::InputKind;
using quantc::gpu::IntegerLayer;
using quantc::gpu::integerLayer;
using quantc::gpu::startsAtZero;

namespace {

constexpr llvm::StringLiteral kLaunchFunction = "quantc_gpu_weight_only_gemm";
constexpr llvm::StringLiteral kHalfLaunchFunction = "quantc_gpu_half_gemm";
constexpr llvm::StringLiteral kIntegerLaunchFunction = "quantc_gpu_int8_gemm";
/// The stage name that tells a GEMM launch to read a resident x in place
/// (quantc_gpu.c).
constexpr llvm::StringLiteral kReadInPlace = "in_place";
constexpr llvm::StringLiteral kBeginFunction = "quantc_gpu_begin_call";
constexpr llvm::StringLiteral kLinalgLaunchFunction = "quantc_gpu_linalg";
/// The same for more than 8 arguments: their pointers, sizes and kinds in
/// arrays (a DenseNet's concatenations read up to 49 tensors).
constexpr llvm::StringLiteral kLinalgArrayLaunchFunction = "quantc_gpu_linalg_array";
constexpr unsigned kRegisterArguments = 8;
constexpr llvm::StringLiteral kCopyFunction = "quantc_gpu_copy";
/// Marks the host twins: functions of the artifact, not calls of the model.
constexpr llvm::StringLiteral kTwinAttribute = "quantc.gpu_twin";

/// A linalg kernel as printed in the pass's context, parsed again in the
/// context the image is compiled in.
struct LinalgKernelText {
  std::string text;
};

class GPURewriter {
public:
  GPURewriter(ModuleOp module, bool hostTwins, const device::GemvTuning &gemv, bool deterministic)
      : module(module), symbols(module), b(module.getContext()), globals(module.getContext()),
        hostTwins(hostTwins), gemv(gemv), deterministic(deterministic) {
    globals.setInsertionPointToEnd(module.getBody());
  }

  /// Replaces `op` with a launch; false, with `why`, when it stays on the host.
  template <typename PackedMatmul> bool rewrite(PackedMatmul op, std::string &why);
  /// The same for a float matmul with constant weights (the fp16 GEMM).
  bool rewrite(linalg::MatmulOp op, std::string &why);
  /// The same for an integer (W8A8) matmul: the exact int8 GEMM, then bias
  /// and requantization on the host.
  bool rewrite(qkernel::MatmulIntegerOp op, std::string &why);
  /// The same for a linalg op (placeLinalgOps): its kernel through the GPU
  /// mapping, on the device copies of its operands.
  bool rewrite(linalg::LinalgOp op, std::string &why);
  /// The GEMM launches' outputs: what linalg ops on the GPU may read.
  llvm::DenseSet<Value> deviceValues() const;
  /// Tells every launch where its inputs are and which outputs to download.
  void decideResidency();
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
  /// The NUL-terminated kernel name the runtime looks the kernel up by.
  memref::GlobalOp kernelNameGlobal(Location loc, llvm::StringRef name);
  /// Adds `gemm`'s kernel to the image (once per name); its name global.
  template <typename Gemm> memref::GlobalOp useKernel(Location loc, const Gemm &gemm) {
    std::string name = device::kernelName(gemm);
    kernels.insert({name, gemm});
    return kernelNameGlobal(loc, name);
  }
  /// `tensor` as one dense 1-D buffer (bufferization copies a strided view)
  /// that only launches read.
  Value flatInput(Location loc, Value tensor);
  /// The launch's 1-D output `buffer` as a tensor of `type`; `flat` (if
  /// given) receives the 1-D tensor, the launch's output.
  Value shapedResult(Location loc, Value buffer, RankedTensorType type, Value *flat = nullptr);
  /// The raw address of `buffer`'s first element, for the launches that
  /// take pointers of many element types.
  Value address(Location loc, Value buffer);
  /// The name global of a GEMM kernel that reads its resident x in place:
  /// an f32 x staged element by element as it is loaded, or int8 rows
  /// shorter than K (added to the image when called).
  using InPlaceKernel = std::function<memref::GlobalOp(Location)>;
  /// How a GEMM reads a resident x in place: by `kernel` where the
  /// launch's kernel has such a variant (it then replaces the launch's
  /// kernel), else by the launch's kernel itself (int8 codes that need no
  /// padding); never without `alignment` (device::xAlignment of the kernel
  /// that reads) at x's address. `possible` false: staged.
  struct InPlaceRead {
    bool possible = false;
    InPlaceKernel kernel;
    int64_t alignment = 1;
  };
  /// A GEMM launch's x (flatInput's `buffer`, whose address is operand
  /// `pointerOperand`; the stage kernel's name at `stageOperand`): staged on
  /// the device by `stage` when it is resident, or read in place as `read`
  /// says where x's address (a view's offset into its producer) allows.
  void gemmInput(func::CallOp call, unsigned stageOperand, unsigned pointerOperand, Value buffer,
                 const device::StageKernel &stage, InPlaceRead read);
  /// The variant of `gemm` that reads x as it is (its alignment included).
  template <typename Gemm> InPlaceRead variantReading(const Gemm &gemm) {
    return {true, [this, gemm](Location loc) { return useKernel(loc, gemm); },
            device::xAlignment(gemm)};
  }
  /// The weight-only GEMM's reading an f32 x: a convolution's gather, or
  /// x's `columns` of K (with K permuted, a multiple of 4: its runs are
  /// 16-byte loads).
  InPlaceRead inPlaceReadOf(device::WeightOnlyGemm gemm, int64_t columns) {
    if (gemm.conv)
      gemm.conv->floatInput = true;
    else if (!gemm.permuteK || columns % 4 == 0)
      gemm.floatK = columns;
    else
      return {};
    return variantReading(gemm);
  }
  /// The fp16 GEMM's: a convolution's gather, or x's `columns` of K.
  InPlaceRead inPlaceReadOf(device::HalfGemm gemm, int64_t columns) {
    if (gemm.conv)
      gemm.conv->floatInput = true;
    else
      gemm.floatK = columns;
    return variantReading(gemm);
  }
  /// The int8 GEMM's: rows of K codes, and a gather's input, by the
  /// launch's kernel itself; rows of `columns` codes shorter than K by its
  /// variant that reads zero past them.
  InPlaceRead inPlaceReadOf(device::W8A8Gemm gemm, int64_t columns) {
    if (gemm.conv || columns == gemm.k)
      return {true, nullptr, device::xAlignment(gemm)};
    gemm.codeColumns = columns;
    return variantReading(gemm);
  }
  /// Forgets the kernels no launch names any more (a gather's f16 variant
  /// once it reads its input in place).
  void dropUnusedKernels();
  /// A GEMM launch's y (`buffer`) as a tensor of `type`; the launch's
  /// y_download operand (fifth from the end) says whether it comes back.
  Value gemmOutput(func::CallOp call, Value buffer, RankedTensorType type);
  /// gemmOutput of a launch whose y holds `slices` of split-K's partial
  /// sums (one: y itself), added in order (sumSplitPartials).
  Value splitOutput(func::CallOp call, Value buffer, RankedTensorType type, int64_t slices);
  /// Operand `pointerOperand` of `call` becomes the address `byteOffset`
  /// into `producer` (a resident input's device copy is found there).
  void pointAtProducer(Operation *call, unsigned pointerOperand, Value producer,
                       int64_t byteOffset);
  /// The kernel's name for `kernel` (one per distinct kernel).
  std::string useLinalgKernel(codegen::gpu::LinalgKernel &kernel);
  /// Where a linalg launch takes one argument: the operand that holds its
  /// pointer, and the op and bit shift of its kind in argumentKinds.
  struct ArgumentSlots {
    Operation *pointer;
    unsigned pointerOperand;
    Operation *kinds;
    int64_t shift;
  };
  /// Calls the linalg kernel `name` on `pointers` (of `sizes` bytes):
  /// quantc_gpu_linalg with up to 8 arguments, else quantc_gpu_linalg_array.
  std::vector<ArgumentSlots> callLinalgKernel(Location loc, llvm::StringRef name,
                                              const device::LaunchGeometry &launch,
                                              llvm::ArrayRef<Value> pointers,
                                              llvm::ArrayRef<int64_t> sizes);
  /// quantc_gpu_twin<N>_<name> (host-twins): the kernel's loop nest as a
  /// public function of its N arguments' flat buffers (bare pointers), for
  /// the emulated driver.
  void addHostTwin(llvm::StringRef name, linalg::LinalgOp op, codegen::gpu::LinalgKernel &kernel);
  /// An elementwise linalg.generic of `type` on the host over `result` and
  /// `operands`, each whole (its shape) or per channel (dim `channelDim`);
  /// `body` gets their elements in that order.
  Value hostEpilogue(Location loc, RankedTensorType type, int64_t channelDim, Value result,
                     llvm::ArrayRef<std::pair<Value, bool>> operands,
                     llvm::function_ref<Value(OpBuilder &, Location, ValueRange)> body);
  /// Calls the runtime's launch `function` with `pointers`, then `numbers`
  /// and the launch's grid and threads as i64.
  func::CallOp callLaunch(Location loc, llvm::StringRef function, SmallVector<Value> pointers,
                          llvm::ArrayRef<int64_t> numbers, const device::LaunchGeometry &launch);

  ModuleOp module;
  SymbolTable symbols;
  OpBuilder b, globals;
  bool hostTwins;
  device::GemvTuning gemv; // how the GEMVs are launched
  /// Split-K's f32 sums as partial slices added in order (the same bits
  /// every run), not atomics.
  bool deterministic;
  /// By name: a deterministic image.
  std::map<std::string, std::variant<device::WeightOnlyGemm, device::HalfGemm, device::W8A8Gemm,
                                     device::StageKernel, LinalgKernelText>>
      kernels;
  llvm::StringMap<memref::GlobalOp> kernelNames;
  /// The ONNX nodes (NameLocs) each kernel runs, for the runtime's profile.
  std::map<std::string, std::vector<std::string>> kernelNodes;
  unsigned layers = 0;
  /// Every launch's inputs and outputs, decided at the end.
  SmallVector<DeviceRead> reads;
  SmallVector<DeviceWrite> writes;
  llvm::SmallPtrSet<Operation *, 32> deviceReads; // flatInput's to_buffer ops
  /// The linalg launches' argument kinds, three bits an argument: the
  /// operand of the call (up to 8 arguments) or of the array's store that
  /// takes them, decided at the end.
  struct ArgumentKinds {
    unsigned operand = 0;
    int64_t bits = 0;
  };
  llvm::DenseMap<Operation *, ArgumentKinds> argumentKinds;
};

/// The elements of the input a convolution's kernel gathers from; 0 for a
/// kernel that reads its x as it is.
template <typename Layer> static int64_t gatheredInputSize(const Layer &layer) {
  return layer.gemm.conv ? cast<RankedTensorType>(layer.input.getType()).getNumElements() : 0;
}

/// The stage kernel that readies a resident x for a GEMM: a gathering
/// kernel's input (`gathered` elements) converted as it is, else `rows` of
/// `columns` padded to `k`.
static device::StageKernel stageOf(int64_t gathered, int64_t rows, int64_t columns, int64_t k,
                                   bool halves) {
  if (gathered)
    return {1, gathered, gathered, halves};
  return {rows, columns, k, halves};
}

/// Every dim of `type` into (or out of) one.
static SmallVector<ReassociationIndices> oneGroup(RankedTensorType type) {
  return *getReassociationIndicesForCollapse(type.getShape(), {type.getNumElements()});
}

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
memref::GlobalOp GPURewriter::kernelNameGlobal(Location loc, llvm::StringRef name) {
  loc->walk([&](Location inner) {
    std::vector<std::string> &nodes = kernelNodes[name.str()];
    if (auto node = dyn_cast<NameLoc>(inner); node && !llvm::is_contained(nodes, node.getName()))
      nodes.push_back(node.getName().str());
    return WalkResult::advance();
  });
  memref::GlobalOp &named = kernelNames[name];
  if (!named) {
    std::vector<char> text(name.begin(), name.end());
    text.push_back(0);
    named = global(loc, ("quantc_gpu_name_" + name).str(), text, int64_t(text.size()),
                   b.getI8Type());
  }
  return named;
}

Value GPURewriter::dynamic(Location loc, Value buffer) {
  auto type = cast<MemRefType>(buffer.getType());
  return memref::ReinterpretCastOp::create(b, loc, MemRefType::get({1}, type.getElementType()),
                                           buffer, /*offset=*/0, /*sizes=*/{1}, /*strides=*/{1});
}

Value GPURewriter::pointerTo(Location loc, memref::GlobalOp global) {
  return dynamic(loc, memref::GetGlobalOp::create(b, loc, global.getType(), global.getSymName()));
}

/// Erases `op` and what only it used (its weight constants, their
/// reshapes, its output's zero fill): the host code keeps no second copy of
/// the weights.
Value GPURewriter::flatInput(Location loc, Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  if (type.getRank() > 1)
    tensor = tensor::CollapseShapeOp::create(b, loc, tensor, oneGroup(type));
  else if (type.getRank() == 0) // a scalar: one element
    tensor =
        tensor::ExpandShapeOp::create(b, loc, RankedTensorType::get({1}, type.getElementType()),
                                      tensor, SmallVector<ReassociationIndices>{});
  auto buffer = bufferization::ToBufferOp::create(
      b, loc, MemRefType::get({type.getNumElements()}, type.getElementType()), tensor,
      /*read_only=*/true);
  deviceReads.insert(buffer);
  return buffer;
}

Value GPURewriter::shapedResult(Location loc, Value buffer, RankedTensorType type, Value *flat) {
  Value result = bufferization::ToTensorOp::create(
      b, loc, RankedTensorType::get({type.getNumElements()}, type.getElementType()), buffer,
      /*restrict=*/true, /*writable=*/true);
  if (flat)
    *flat = result;
  if (type.getRank() > 1)
    result = tensor::ExpandShapeOp::create(b, loc, type, result, oneGroup(type));
  else if (type.getRank() == 0)
    result =
        tensor::CollapseShapeOp::create(b, loc, type, result, SmallVector<ReassociationIndices>{});
  return result;
}

Value GPURewriter::hostEpilogue(Location loc, RankedTensorType type, int64_t channelDim,
                                Value result, llvm::ArrayRef<std::pair<Value, bool>> operands,
                                llvm::function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  int64_t rank = type.getRank();
  AffineMap identity = b.getMultiDimIdentityMap(rank);
  AffineMap column = AffineMap::get(rank, 0, b.getAffineDimExpr(channelDim));
  SmallVector<Value> inputs{result};
  SmallVector<AffineMap> maps{identity};
  for (auto [operand, perColumn] : operands) {
    inputs.push_back(operand);
    maps.push_back(perColumn ? column : identity);
  }
  maps.push_back(identity);
  Value empty = tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType());
  return linalg::GenericOp::create(
             b, loc, type, inputs, ValueRange{empty}, maps,
             SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
             [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
               linalg::YieldOp::create(nested, nestedLoc,
                                       body(nested, nestedLoc, args.drop_back()));
             })
      .getResult(0);
}

/// The sole use of a matmul's `result` when it moves [1, S..., N] back to
/// channels first [1, N, S...] (one image): a kernel can write y so.
static linalg::TransposeOp channelsFirstUser(Value result) {
  auto type = cast<RankedTensorType>(result.getType());
  int64_t rank = type.getRank();
  if (!result.hasOneUse() || rank < 3 || rank > 4 || type.getDimSize(0) != 1)
    return {};
  auto transpose = dyn_cast<linalg::TransposeOp>(*result.getUsers().begin());
  SmallVector<int64_t> channelsFirst{0, rank - 1};
  for (int64_t d = 1; d < rank - 1; ++d)
    channelsFirst.push_back(d);
  if (!transpose || transpose.getInput() != result ||
      transpose.getPermutation() != ArrayRef<int64_t>(channelsFirst))
    return {};
  return transpose;
}

/// What a layer's host epilogue produces: the matmul's result, or, when its
/// only use moves it back to channels first, that transpose's result (`back`,
/// which the kernel's y written [N, M] replaces), channels at dim 1.
struct HostOutput {
  linalg::TransposeOp back;
  RankedTensorType type;
  int64_t channelDim;
};
static HostOutput hostOutput(Value result) {
  linalg::TransposeOp back = channelsFirstUser(result);
  auto type = cast<RankedTensorType>((back ? back->getResult(0) : result).getType());
  return {back, type, back ? 1 : type.getRank() - 1};
}

static void eraseWithDeadProducers(Operation *op);

/// `result` in place of `op`'s, or of `back`'s (the transpose to channels
/// first that the kernel's y made needless); `op` and what only it used go.
static void replaceResult(Operation *op, linalg::TransposeOp back, Value result) {
  if (back) {
    back->getResult(0).replaceAllUsesWith(result);
    back->erase();
  } else {
    op->getResult(0).replaceAllUsesWith(result);
  }
  eraseWithDeadProducers(op);
}

static void eraseWithDeadProducers(Operation *op) {
  SmallVector<Operation *> worklist;
  for (Value operand : op->getOperands())
    if (Operation *producer = operand.getDefiningOp())
      worklist.push_back(producer);
  op->erase();
  llvm::SmallPtrSet<Operation *, 8> erased; // checked before a pointer is used again
  while (!worklist.empty()) {
    Operation *producer = worklist.pop_back_val();
    if (erased.contains(producer) || !isOpTriviallyDead(producer))
      continue;
    for (Value operand : producer->getOperands())
      if (Operation *next = operand.getDefiningOp())
        worklist.push_back(next);
    erased.insert(producer);
    producer->erase();
  }
}

func::CallOp GPURewriter::callLaunch(Location loc, llvm::StringRef function,
                                     SmallVector<Value> pointers, llvm::ArrayRef<int64_t> numbers,
                                     const device::LaunchGeometry &launch) {
  SmallVector<int64_t> all(numbers);
  all.append({launch.grid[0], launch.grid[1], launch.grid[2], launch.threads});
  for (int64_t v : all)
    pointers.push_back(arith::ConstantIntOp::create(b, loc, b.getI64Type(), v));
  return func::CallOp::create(b, loc, declare(function, ValueRange(pointers).getTypes()), pointers);
}

Value GPURewriter::address(Location loc, Value buffer) {
  Value index = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, buffer);
  Value integer = arith::IndexCastOp::create(b, loc, b.getI64Type(), index);
  return LLVM::IntToPtrOp::create(b, loc, LLVM::LLVMPointerType::get(b.getContext()), integer);
}

void GPURewriter::pointAtProducer(Operation *call, unsigned pointerOperand, Value producer,
                                  int64_t byteOffset) {
  b.setInsertionPoint(call);
  Location loc = call->getLoc();
  Value pointer = address(loc, producer);
  if (byteOffset)
    pointer = LLVM::GEPOp::create(b, loc, pointer.getType(), b.getI8Type(), pointer,
                                  ArrayRef<LLVM::GEPArg>{LLVM::GEPArg(int32_t(byteOffset))});
  call->setOperand(pointerOperand, pointer);
}

void GPURewriter::gemmInput(func::CallOp call, unsigned stageOperand, unsigned pointerOperand,
                            Value buffer, const device::StageKernel &stage, InPlaceRead read) {
  reads.push_back(
      {buffer.getDefiningOp(), [this, call, stageOperand, pointerOperand, stage,
                                read](InputKind kind, Value producer, int64_t byteOffset) mutable {
         if (kind != InputKind::Resident)
           return; // staged on the host, as it comes
         b.setInsertionPoint(call);
         // Read where it is: no stage kernel, no copy. A variant's launch
         // drops its first kernel's name (and the kernel with it, unless
         // another launch names it: dropUnusedKernels).
         bool inPlace = read.possible && byteOffset % read.alignment == 0;
         if (inPlace && read.kernel) {
           Operation *oldPointer = call->getOperand(0).getDefiningOp();
           call->setOperand(0, pointerTo(call.getLoc(), read.kernel(call.getLoc())));
           Operation *oldName = oldPointer->getOperand(0).getDefiningOp();
           oldPointer->erase();
           oldName->erase();
         }
         std::string name = inPlace ? kReadInPlace.str() : device::kernelName(stage);
         if (!inPlace)
           kernels.insert({name, stage});
         call->setOperand(stageOperand,
                          pointerTo(call.getLoc(), kernelNameGlobal(call.getLoc(), name)));
         pointAtProducer(call, pointerOperand, producer, byteOffset);
       }});
}

Value GPURewriter::gemmOutput(func::CallOp call, Value buffer, RankedTensorType type) {
  Value flat;
  Value result = shapedResult(call.getLoc(), buffer, type, &flat);
  unsigned operand = call->getNumOperands() - 5;
  writes.push_back({flat, buffer, [this, call, operand](bool download) mutable {
                      if (download)
                        return; // the launch's default
                      b.setInsertionPoint(call);
                      call->setOperand(operand, arith::ConstantIntOp::create(b, call.getLoc(),
                                                                             b.getI64Type(), 0));
                    }});
  return result;
}

Value GPURewriter::splitOutput(func::CallOp call, Value buffer, RankedTensorType type,
                               int64_t slices) {
  if (slices == 1)
    return gemmOutput(call, buffer, type);
  SmallVector<int64_t> shape = {slices};
  llvm::append_range(shape, type.getShape());
  Value partials = gemmOutput(call, buffer, type.clone(shape));
  return quantc::gpu::sumSplitPartials(b, call.getLoc(), partials, type);
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
  auto layer = deviceLayer(op, gemv);
  if (!layer) {
    why = llvm::toString(layer.takeError());
    return false;
  }
  HostOutput output = hostOutput(op.getOutput());
  layer->gemm.channelsFirstOutput = bool(output.back);
  layer->gemm.splitPartials = deterministic && layer->gemm.splitK > 1;
  const device::WeightOnlyGemm &gemm = layer->gemm;
  Location loc = op.getLoc();
  memref::GlobalOp nameGlobal = useKernel(loc, gemm);
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
  Type f32 = b.getF32Type();
  RankedTensorType outputType = output.type;
  Value x = flatInput(loc, layer->input);
  int64_t slices = gemm.ySlices();
  Value y = memref::AllocOp::create(b, loc, MemRefType::get({slices * gemm.m * gemm.n}, f32));
  int64_t gathered = gatheredInputSize(*layer);
  func::CallOp call = callLaunch(
      loc, kLaunchFunction,
      {pointerTo(loc, nameGlobal), pointerTo(loc, words), pointerTo(loc, scales),
       pointerTo(loc, offsets), address(loc, x), address(loc, y),
       pointerTo(loc, kernelNameGlobal(loc, ""))},
      {gemm.m, gemm.n, gemm.k, layer->inputColumns, gathered, int64_t(layer->words.size() * 4),
       int64_t(layer->scales.size() * 2), int64_t(layer->offsets.size() * 2), slices,
       /*y_download=*/1},
      device::launchGeometry(gemm));
  gemmInput(call, 6, 4, x, stageOf(gathered, gemm.m, layer->inputColumns, gemm.k, true),
            inPlaceReadOf(gemm, layer->inputColumns));
  Value result = splitOutput(call, y, outputType, slices);

  // The epilogue on the host: the scales' power of two, bias, then Relu (as
  // the CPU kernels order them).
  bool relu = op.getActivation() == "relu", rescale = !layer->columnScales.empty();
  SmallVector<std::pair<Value, bool>> columns;
  if (rescale)
    columns.push_back({arith::ConstantOp::create(
                           b, loc,
                           DenseElementsAttr::get(RankedTensorType::get({gemm.n}, f32),
                                                  llvm::ArrayRef<float>(layer->columnScales))),
                       true});
  if (op.getBias())
    columns.push_back({op.getBias(), true});
  if (!columns.empty() || relu)
    result = hostEpilogue(loc, outputType, output.channelDim, result, columns,
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
                                  arith::ConstantOp::create(nested, nestedLoc,
                                                            nested.getF32FloatAttr(0)));
                            return v;
                          });
  replaceResult(op, output.back, result);
  return true;
}

bool GPURewriter::rewrite(linalg::MatmulOp op, std::string &why) {
  auto layer = halfLayer(op);
  if (!layer) {
    why = llvm::toString(layer.takeError());
    return false;
  }
  layer->gemm.splitPartials = deterministic && layer->gemm.splitK > 1;
  const device::HalfGemm &gemm = layer->gemm;
  Location loc = op.getLoc();
  memref::GlobalOp nameGlobal = useKernel(loc, gemm);
  std::string stem = "quantc_gpu_layer" + std::to_string(layers++);
  auto weights = global(loc, stem + "_weights", bytesOf(layer->weights),
                        int64_t(layer->weights.size()), b.getI16Type());

  b.setInsertionPoint(op);
  auto resultType = cast<RankedTensorType>(op.getResultTypes()[0]);
  Value x = flatInput(loc, layer->input);
  int64_t slices = gemm.ySlices();
  Value y = memref::AllocOp::create(
      b, loc, MemRefType::get({slices * resultType.getNumElements()}, b.getF32Type()));
  int64_t gathered = gatheredInputSize(*layer), m = gemm.m, k = gemm.k;
  func::CallOp call =
      callLaunch(loc, kHalfLaunchFunction,
                 {pointerTo(loc, nameGlobal), pointerTo(loc, weights), address(loc, x),
                  address(loc, y), pointerTo(loc, kernelNameGlobal(loc, ""))},
                 {m, gemm.n, k, layer->inputColumns, int64_t(layer->transposed), gathered,
                  int64_t(layer->weights.size() * 2), slices, /*y_download=*/1},
                 device::launchGeometry(gemm));
  // Transposed, x is one row of [K, M].
  gemmInput(call, 4, 2, x,
            layer->transposed ? stageOf(gathered, 1, layer->inputColumns * m, k * m, true)
                              : stageOf(gathered, m, layer->inputColumns, k, true),
            inPlaceReadOf(gemm, layer->inputColumns));
  Value result = splitOutput(call, y, resultType, slices);
  if (!startsAtZero(op)) // y + the output's initial value
    result = hostEpilogue(loc, resultType, resultType.getRank() - 1, result,
                          {{op.getDpsInits()[0], false}},
                          [](OpBuilder &nested, Location nestedLoc, ValueRange args) -> Value {
                            return arith::AddFOp::create(nested, nestedLoc, args[0], args[1]);
                          });
  op->getResult(0).replaceAllUsesWith(result);
  eraseWithDeadProducers(op); // the zero fill is not host work any more
  return true;
}

bool GPURewriter::rewrite(qkernel::MatmulIntegerOp op, std::string &why) {
  auto layer = integerLayer(op);
  if (!layer) {
    why = llvm::toString(layer.takeError());
    return false;
  }
  HostOutput output = hostOutput(op.getOutput());
  layer->gemm.channelsFirstOutput = bool(output.back);
  const device::W8A8Gemm &gemm = layer->gemm;
  Location loc = op.getLoc();
  memref::GlobalOp nameGlobal = useKernel(loc, gemm);
  std::string stem = "quantc_gpu_layer" + std::to_string(layers++);
  auto words = global(loc, stem + "_words", bytesOf(layer->words), int64_t(layer->words.size()),
                      b.getI32Type());

  b.setInsertionPoint(op);
  Type i8 = b.getI8Type(), i32 = b.getI32Type(), i64 = b.getI64Type();
  RankedTensorType outputType = output.type;
  Value x = flatInput(loc, layer->input);
  Value y = memref::AllocOp::create(b, loc, MemRefType::get({gemm.m * gemm.n}, i32));
  int64_t gathered = gatheredInputSize(*layer);
  func::CallOp call = callLaunch(
      loc, kIntegerLaunchFunction,
      {pointerTo(loc, nameGlobal), pointerTo(loc, words), address(loc, x), address(loc, y),
       pointerTo(loc, kernelNameGlobal(loc, ""))},
      {gemm.m, gemm.n, gemm.k, layer->inputColumns, gathered, int64_t(layer->words.size() * 4),
       /*y_download=*/1},
      device::launchGeometry(gemm));
  gemmInput(call, 4, 2, x, stageOf(gathered, gemm.m, layer->inputColumns, gemm.k, false),
            inPlaceReadOf(gemm, layer->inputColumns));
  Value result = gemmOutput(call, y, outputType.clone(i32));

  // Bias (wrapping, as the CPU kernels add it), then requantization to int8,
  // on the host: qnn.requantize's arithmetic, shared with the CPU kernels.
  std::optional<llvm::ArrayRef<int32_t>> multipliers = op.getMultipliers();
  bool bias = bool(op.getBias());
  bool epilogue = op.hasEpilogue();
  if (!bias && !multipliers && !epilogue) {
    replaceResult(op, output.back, result);
    return true;
  }
  SmallVector<std::pair<Value, bool>> columns;
  if (bias)
    columns.push_back({op.getBias(), true});
  if (multipliers) { // per-channel tables (one entry: every channel)
    llvm::ArrayRef<int64_t> shifts = *op.getShifts();
    auto table = [&](auto valueOf) {
      std::vector<int64_t> values(size_t(gemm.n));
      for (int64_t c = 0; c < gemm.n; ++c)
        values[size_t(c)] = valueOf(multipliers->size() == 1 ? 0 : size_t(c));
      auto type = RankedTensorType::get({gemm.n}, i64);
      columns.push_back(
          {arith::ConstantOp::create(b, loc, DenseElementsAttr::get(type, llvm::ArrayRef(values))),
           true});
    };
    table([&](size_t c) { return int64_t((*multipliers)[c]); });
    table([&](size_t c) { return int64_t(1) << (shifts[c] - 1); });
    table([&](size_t c) { return shifts[c]; });
  }
  // An epilogue region runs in the same loop, its channel tables cloned
  // before it and read at the column.
  IRMapping epilogueValues =
      epilogue ? quantc::gpu::cloneEpilogueTables(b, op.getEpilogue()) : IRMapping();
  result = hostEpilogue(loc, outputType, output.channelDim, result, columns,
                        [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
                          Value v = args[0];
                          if (bias)
                            v = arith::AddIOp::create(nested, nestedLoc, v, args[1]);
                          if (epilogue)
                            return quantc::gpu::cloneEpilogue(nested, nestedLoc, op.getEpilogue(),
                                                              v, output.channelDim, epilogueValues);
                          if (!multipliers)
                            return v;
                          unsigned first = bias ? 2 : 1;
                          return codegen::emitRequantize(
                              nested, nestedLoc, v, args[first], args[first + 1], args[first + 2],
                              op.getOutputZeroPoint(), op.getClampMin(), op.getClampMax(), i8);
                        });
  replaceResult(op, output.back, result);
  return true;
}

/// Bytes of `type`'s elements in memory (i1 takes a byte).
static int64_t storageBytes(RankedTensorType type) {
  return type.getNumElements() * ((type.getElementTypeBitWidth() + 7) / 8);
}

/// Where the outputs of `op` that its body reads start, when a fill or a
/// broadcast copy that nothing else reads wrote them (knownStart): the
/// kernel starts its accumulators there, with no launch of the fill or copy.
static SmallVector<codegen::gpu::InitialValue> initialValuesOf(linalg::LinalgOp op) {
  SmallVector<codegen::gpu::InitialValue> initial;
  for (OpOperand &init : op.getDpsInitsMutable())
    if (op.payloadUsesValueFromOperand(&init))
      if (std::optional<codegen::gpu::InitialValue> start = quantc::gpu::knownStart(op, init))
        initial.push_back(*start);
  return initial;
}

/// A fill, or a broadcast copy whose one use starts the outputs of a
/// linalg op that reads them (initialValuesOf): launched last, if that
/// op's kernel did not take it in.
static bool mayStartAnOutput(Operation *op) {
  if (isa<linalg::FillOp>(op))
    return true;
  if (!quantc::gpu::isBroadcastCopy(op) || !op->hasOneUse())
    return false;
  OpOperand &use = *op->use_begin();
  auto user = dyn_cast<linalg::LinalgOp>(use.getOwner());
  return user && user.isDpsInit(&use) && user.payloadUsesValueFromOperand(&use);
}

bool GPURewriter::rewrite(linalg::LinalgOp op, std::string &why) {
  // A reduction's fill folded in: each accumulator starts from its value,
  // with no fill launch and no copy of it into the output. Else the
  // output starts as a copy of its initial value.
  SmallVector<codegen::gpu::InitialValue> filled = initialValuesOf(op);
  auto kernel = codegen::gpu::buildLinalgKernel(op, "qc_linalg", filled);
  if (!kernel && !filled.empty()) {
    llvm::consumeError(kernel.takeError());
    filled.clear();
    kernel = codegen::gpu::buildLinalgKernel(op, "qc_linalg");
  }
  if (!kernel) {
    why = llvm::toString(kernel.takeError());
    return false;
  }
  if (kernel->arguments.size() > quantc::gpu::kMaxKernelArguments) {
    why = "more than " + std::to_string(quantc::gpu::kMaxKernelArguments) + " buffers";
    return false;
  }
  std::string name = useLinalgKernel(*kernel);
  if (hostTwins)
    addHostTwin(name, op, *kernel);
  Location loc = op.getLoc();
  b.setInsertionPoint(op);
  Type i64 = b.getI64Type();
  auto number = [&](int64_t v) { return arith::ConstantIntOp::create(b, loc, i64, v); };

  // The outputs' buffers; one whose initial value the body reads starts as
  // a copy of it, unless its fill is folded in.
  // By operand number: an output's buffer and its 1-D tensor.
  SmallVector<Value> buffers(op->getNumOperands()), flats(op->getNumOperands()), results;
  for (OpOperand &init : op.getDpsInitsMutable()) {
    auto type = cast<RankedTensorType>(init.get().getType());
    Value buffer = memref::AllocOp::create(
        b, loc, MemRefType::get({type.getNumElements()}, type.getElementType()));
    buffers[init.getOperandNumber()] = buffer;
    bool startsFromFill = llvm::any_of(
        filled, [&](auto &output) { return output.operand == init.getOperandNumber(); });
    if (op.payloadUsesValueFromOperand(&init) && !init.get().getDefiningOp<tensor::EmptyOp>() &&
        !startsFromFill) {
      Value source = flatInput(loc, init.get());
      SmallVector<Value> operands{address(loc, buffer), address(loc, source),
                                  number(storageBytes(type)), number(0)};
      auto copy = func::CallOp::create(
          b, loc, declare(kCopyFunction, ValueRange(operands).getTypes()), operands);
      reads.push_back({source.getDefiningOp(),
                       [this, copy](InputKind kind, Value producer, int64_t byteOffset) mutable {
                         b.setInsertionPoint(copy);
                         copy->setOperand(3, arith::ConstantIntOp::create(
                                                 b, copy.getLoc(), b.getI64Type(), int64_t(kind)));
                         if (kind == InputKind::Resident)
                           pointAtProducer(copy, 1, producer, byteOffset);
                       }});
    }
    results.push_back(shapedResult(loc, buffer, type, &flats[init.getOperandNumber()]));
  }

  // Operand numbers past the op's stand for the tensors its body gathers from.
  unsigned operandCount = op->getNumOperands();
  auto tensorOf = [&](unsigned operand) {
    return operand < operandCount ? op->getOperand(operand)
                                  : kernel->captured[operand - operandCount];
  };
  auto isOutput = [&](unsigned operand) {
    return operand < operandCount && !op.isDpsInput(&op->getOpOperand(operand));
  };
  SmallVector<Value> pointers, inputs(operandCount + kernel->captured.size());
  SmallVector<int64_t> sizes;
  for (unsigned operand : kernel->arguments) {
    Value tensor = tensorOf(operand);
    auto type = cast<RankedTensorType>(tensor.getType());
    bool output = isOutput(operand);
    if (!output)
      inputs[operand] = flatInput(loc, tensor);
    pointers.push_back(address(loc, output ? buffers[operand] : inputs[operand]));
    sizes.push_back(storageBytes(type));
  }
  std::vector<ArgumentSlots> slots = callLinalgKernel(loc, name, kernel->launch, pointers, sizes);
  for (auto [i, operand] : llvm::enumerate(kernel->arguments)) {
    ArgumentSlots slot = slots[i];
    if (!isOutput(operand)) {
      reads.push_back({inputs[operand].getDefiningOp(),
                       [this, slot](InputKind kind, Value producer, int64_t byteOffset) {
                         argumentKinds[slot.kinds].bits |= int64_t(kind) << slot.shift;
                         if (kind == InputKind::Resident)
                           pointAtProducer(slot.pointer, slot.pointerOperand, producer, byteOffset);
                       }});
      continue;
    }
    argumentKinds[slot.kinds].bits |= quantc::gpu::kOutputArgument << slot.shift;
    writes.push_back({flats[operand], buffers[operand], [this, slot](bool download) {
                        if (download)
                          argumentKinds[slot.kinds].bits |= quantc::gpu::kDownloadArgument
                                                            << slot.shift;
                      }});
  }
  op->replaceAllUsesWith(results);
  eraseWithDeadProducers(op);
  return true;
}

std::vector<GPURewriter::ArgumentSlots>
GPURewriter::callLinalgKernel(Location loc, llvm::StringRef name,
                              const device::LaunchGeometry &launch, llvm::ArrayRef<Value> pointers,
                              llvm::ArrayRef<int64_t> sizes) {
  Type i64 = b.getI64Type();
  auto number = [&](int64_t v) -> Value { return arith::ConstantIntOp::create(b, loc, i64, v); };
  auto count = unsigned(pointers.size());
  SmallVector<Value> operands{pointerTo(loc, kernelNameGlobal(loc, name)), number(launch.grid[0]),
                              number(launch.threads), number(count)};
  std::vector<ArgumentSlots> slots(count);
  if (count <= kRegisterArguments) {
    operands.push_back(number(0)); // the kinds, decided at the end
    Value null = LLVM::ZeroOp::create(b, loc, LLVM::LLVMPointerType::get(b.getContext()));
    llvm::append_range(operands, pointers);
    operands.resize(5 + kRegisterArguments, null);
    for (unsigned i = 0; i < kRegisterArguments; ++i)
      operands.push_back(number(i < count ? sizes[i] : 0));
    auto call = func::CallOp::create(
        b, loc, declare(kLinalgLaunchFunction, ValueRange(operands).getTypes()), operands);
    argumentKinds[call].operand = 4;
    for (unsigned i = 0; i < count; ++i)
      slots[i] = {call, 5 + i, call, 3 * int64_t(i)};
    return slots;
  }
  // Three arrays in the function's entry block (one stack slot each, the
  // launch in a loop or not), filled just before the call.
  auto ptr = LLVM::LLVMPointerType::get(b.getContext());
  Value kindsArray, pointerArray, sizeArray;
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(
        &b.getInsertionBlock()->getParent()->getParentOfType<func::FuncOp>().getBody().front());
    Value length = number(count);
    kindsArray = LLVM::AllocaOp::create(b, loc, ptr, i64, length, 8);
    pointerArray = LLVM::AllocaOp::create(b, loc, ptr, ptr, length, 8);
    sizeArray = LLVM::AllocaOp::create(b, loc, ptr, i64, length, 8);
  }
  auto element = [&](Value array, Type type, unsigned i) -> Value {
    return LLVM::GEPOp::create(b, loc, ptr, type, array,
                               ArrayRef<LLVM::GEPArg>{LLVM::GEPArg(int32_t(i))});
  };
  for (unsigned i = 0; i < count; ++i) {
    auto kinds = LLVM::StoreOp::create(b, loc, number(0), element(kindsArray, i64, i));
    auto pointer = LLVM::StoreOp::create(b, loc, pointers[i], element(pointerArray, ptr, i));
    LLVM::StoreOp::create(b, loc, number(sizes[i]), element(sizeArray, i64, i));
    argumentKinds[kinds].operand = 0;
    slots[i] = {pointer, 0, kinds, 0};
  }
  llvm::append_range(operands, ValueRange{kindsArray, pointerArray, sizeArray});
  func::CallOp::create(b, loc, declare(kLinalgArrayLaunchFunction, ValueRange(operands).getTypes()),
                       operands);
  return slots;
}

std::string GPURewriter::useLinalgKernel(codegen::gpu::LinalgKernel &kernel) {
  std::string text;
  llvm::raw_string_ostream os(text);
  kernel.module->print(os);
  // Ops of one body, shapes and launch share a kernel, named by its text.
  std::string name = "qc_la_" + llvm::utohexstr(llvm::xxh3_64bits(text), /*LowerCase=*/true);
  llvm::StringRef placeholder = "@qc_linalg(";
  size_t at = text.find(placeholder.str());
  text.replace(at, placeholder.size(), "@" + name + "(");
  kernels.insert({name, LinalgKernelText{text}});
  return name;
}

void GPURewriter::addHostTwin(llvm::StringRef name, linalg::LinalgOp op,
                              codegen::gpu::LinalgKernel &kernel) {
  // The argument count in the name: the emulated driver calls it by that.
  std::string twinName =
      "quantc_gpu_twin" + std::to_string(kernel.arguments.size()) + "_" + name.str();
  if (module.lookupSymbol(twinName))
    return;
  OpBuilder::InsertionGuard guard(globals);
  auto nest = cast<func::FuncOp>(globals.clone(kernel.host->getBody()->front()));
  nest.setName(("quantc_gpu_nest_" + name).str());
  nest.setPrivate();
  symbols.insert(nest);
  // The twin takes the kernel's arguments, flat; the nest the op's tensors
  // shaped (kernel.hostArguments), one the kernel does not read a scratch
  // buffer.
  SmallVector<Type> flatTypes;
  for (unsigned operand : kernel.arguments) {
    auto type = cast<MemRefType>(nest.getArgumentTypes()[llvm::find(kernel.hostArguments, operand) -
                                                         kernel.hostArguments.begin()]);
    flatTypes.push_back(MemRefType::get({type.getNumElements()}, type.getElementType()));
  }
  Location loc = op.getLoc();
  auto twin = func::FuncOp::create(globals, loc, twinName, globals.getFunctionType(flatTypes, {}));
  twin->setAttr(kTwinAttribute, globals.getUnitAttr());
  symbols.insert(twin);
  OpBuilder body(twin.addEntryBlock(), twin.getBody().front().begin());
  SmallVector<Value> arguments;
  for (auto [operand, type] : llvm::zip(kernel.hostArguments, nest.getArgumentTypes())) {
    auto memref = cast<MemRefType>(type);
    auto at = llvm::find(kernel.arguments, operand);
    if (at == kernel.arguments.end()) {
      arguments.push_back(memref::AllocOp::create(body, loc, memref));
      continue;
    }
    Value flat = twin.getArgument(unsigned(at - kernel.arguments.begin()));
    SmallVector<int64_t> strides;
    int64_t offset;
    (void)memref.getStridesAndOffset(strides, offset);
    arguments.push_back(
        memref::ReinterpretCastOp::create(body, loc, memref, flat, 0, memref.getShape(), strides));
  }
  func::CallOp::create(body, loc, nest, arguments);
  func::ReturnOp::create(body, loc);
}

llvm::DenseSet<Value> GPURewriter::deviceValues() const {
  llvm::DenseSet<Value> values;
  for (const DeviceWrite &write : writes)
    values.insert(write.tensor);
  return values;
}

void GPURewriter::decideResidency() {
  quantc::gpu::decideResidency(reads, writes, deviceReads);
  for (auto [op, kinds] : argumentKinds) {
    b.setInsertionPoint(op);
    op->setOperand(kinds.operand,
                   arith::ConstantIntOp::create(b, op->getLoc(), b.getI64Type(), kinds.bits));
  }
  dropUnusedKernels();
}

void GPURewriter::dropUnusedKernels() {
  for (auto &[name, global] : kernelNames)
    if (global && SymbolTable::symbolKnownUseEmpty(global, module)) {
      kernels.erase(name.str());
      global->erase();
      global = nullptr;
    }
}

void GPURewriter::beginCalls() {
  func::FuncOp begin = declare(kBeginFunction, {});
  for (auto function : module.getOps<func::FuncOp>()) {
    if (function.isPrivate() || function.isExternal() || function->hasAttr(kTwinAttribute))
      continue;
    b.setInsertionPointToStart(&function.getBody().front());
    func::CallOp::create(b, function.getLoc(), begin, ValueRange{});
  }
}

static OwningOpRef<ModuleOp> buildKernel(MLIRContext &context, const device::WeightOnlyGemm &gemm,
                                         llvm::StringRef name) {
  return device::buildWeightOnlyGemm(context, gemm, name);
}
static OwningOpRef<ModuleOp> buildKernel(MLIRContext &context, const device::HalfGemm &gemm,
                                         llvm::StringRef name) {
  return device::buildHalfGemm(context, gemm, name);
}
static OwningOpRef<ModuleOp> buildKernel(MLIRContext &context, const device::W8A8Gemm &gemm,
                                         llvm::StringRef name) {
  return device::buildW8A8Gemm(context, gemm, name);
}
static OwningOpRef<ModuleOp> buildKernel(MLIRContext &context, const device::StageKernel &stage,
                                         llvm::StringRef name) {
  return device::buildStageKernel(context, stage, name);
}
static OwningOpRef<ModuleOp> buildKernel(MLIRContext &context, const LinalgKernelText &kernel,
                                         llvm::StringRef) {
  context
      .loadDialect<affine::AffineDialect, arith::ArithDialect, mlir::gpu::GPUDialect,
                   LLVM::LLVMDialect, math::MathDialect, memref::MemRefDialect, scf::SCFDialect>();
  return parseSourceString<ModuleOp>(kernel.text, &context);
}

llvm::Expected<std::string> GPURewriter::compileKernels(llvm::StringRef chip,
                                                        llvm::StringRef format) {
  MLIRContext context;
  OwningOpRef<ModuleOp> combined;
  mlir::gpu::GPUModuleOp target;
  for (auto &entry : kernels) {
    llvm::StringRef name = entry.first;
    OwningOpRef<ModuleOp> one = std::visit(
        [&](auto &gemm) { return buildKernel(context, gemm, name); }, entry.second);
    if (!one)
      return llvm::createStringError("the GPU kernel " + name.str() + " did not parse back");
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
  // The runtime finds them by these names.
  global(loc, "quantc_gpu_image", llvm::ArrayRef<char>(image.data(), image.size()),
         int64_t(image.size()), b.getI8Type(), "public");
  std::vector<int64_t> size{int64_t(image.size())};
  global(loc, "quantc_gpu_image_size", bytesOf(size), 1, b.getI64Type(), "public");
  // "kernel\tnode, node\n" for each kernel used: QUANTC_GPU_PROFILE=kernels
  // names the ONNX nodes beside each kernel's time.
  std::string nodes;
  for (const auto &[name, names] : kernelNodes)
    if (kernelNames.lookup(name) && !names.empty())
      nodes += name + "\t" + llvm::join(names, ", ") + "\n";
  std::vector<char> text(nodes.begin(), nodes.end());
  text.push_back(0);
  global(loc, "quantc_gpu_kernel_nodes", text, int64_t(text.size()), b.getI8Type(), "public");
}

/// "12 linalg.generic, 3 linalg.conv_2d_nchw_fchw": what stays on the host.
/// Every affine.apply in a linalg body as the arith it computes.
static LogicalResult expandAffineApplies(ModuleOp module) {
  SmallVector<affine::AffineApplyOp> applies;
  module.walk([&](affine::AffineApplyOp apply) {
    if (apply->getParentOfType<linalg::LinalgOp>())
      applies.push_back(apply);
  });
  for (affine::AffineApplyOp apply : applies) {
    OpBuilder b(apply);
    std::optional<SmallVector<Value, 8>> expanded = affine::expandAffineMap(
        b, apply.getLoc(), apply.getAffineMap(), llvm::to_vector(apply.getMapOperands()));
    if (!expanded)
      return apply.emitError() << "convert-qkernel-to-gpu: cannot expand this affine map";
    apply.getResult().replaceAllUsesWith((*expanded)[0]);
    apply->erase();
  }
  return success();
}

/// The linalg and qkernel ops left on the host that could (hostValuesOnly)
/// or could not run on the device, counted by name; for those that could
/// not, each linalg op's reason too ("12 linalg.generic (a body ...: 12)"),
/// unless `explained` (the reasons the warning gives anyway) has it.
static std::string hostOps(ModuleOp module, bool hostValuesOnly,
                           const std::map<std::string, int> &explained = {}) {
  llvm::MapVector<llvm::StringRef, int> counts;
  std::map<std::string, int> reasons;
  module.walk([&](Operation *op) {
    llvm::StringRef dialect = op->getName().getDialectNamespace();
    if ((dialect == "linalg" || dialect == "qkernel") &&
        !isa<linalg::YieldOp, qkernel::YieldOp>(op) && !op->getParentOfType<linalg::LinalgOp>() &&
        quantc::gpu::couldRunOnDevice(op) == hostValuesOnly) {
      ++counts[op->getName().getStringRef()];
      auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
      if (std::string why = linalgOp && !hostValuesOnly ? quantc::gpu::whyNoKernel(linalgOp) : "";
          !why.empty() && !explained.count(why))
        ++reasons[why];
    }
  });
  std::string text;
  for (auto &[name, count] : counts)
    text += (text.empty() ? "" : ", ") + std::to_string(count) + " " + name.str();
  std::string why;
  for (auto &[reason, count] : reasons)
    why += (why.empty() ? "" : "; ") + reason + ": " + std::to_string(count);
  return why.empty() ? text : text + " (" + why + ")";
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
    device::GemvTuning tuning;
    if (std::string why = device::parseGemvTuning(gemv, tuning); !why.empty()) {
      module.emitError() << "convert-qkernel-to-gpu: gemv '" << gemv << "': " << why;
      return signalPassFailure();
    }
    GPURewriter rewriter(module, hostTwins, tuning, deterministic);
    std::map<std::string, int> stayed; // why a matmul stays -> how many
    SmallVector<Operation *> matmuls;
    // Float matmuls the fp16 GEMM cannot take (no constant weights), with
    // why: they may still go to the GPU as linalg kernels.
    SmallVector<std::pair<Operation *, std::string>> floatStayed;
    module.walk([&](Operation *op) {
      if (isa<qkernel::MatmulOp, qkernel::LutMatmulOp, qkernel::MatmulIntegerOp, linalg::MatmulOp>(op))
        matmuls.push_back(op);
    });
    for (Operation *op : matmuls) {
      std::string why;
      if (auto matmul = dyn_cast<linalg::MatmulOp>(op)) {
        if (!rewriter.rewrite(matmul, why))
          floatStayed.push_back({op, why});
        continue;
      }
      bool moved =
          TypeSwitch<Operation *, bool>(op)
              .Case<qkernel::MatmulOp, qkernel::LutMatmulOp, qkernel::MatmulIntegerOp>(
                  [&](auto matmul) { return rewriter.rewrite(matmul, why); })
              .Default([](Operation *) { return false; });
      if (!moved)
        ++stayed[why];
    }
    // The epilogues added above fuse with the elementwise ops around them:
    // one kernel, not two and the tensor between (at most 8 buffers). Then
    // through reshapes (a GEMM's 2-D epilogue and the 4-D activation after
    // it), once each op has taken in what it fuses with on its own shape
    // (a bias broadcast).
    for (bool throughReshapes : {false, true}) {
      RewritePatternSet patterns(module.getContext());
      quantc::populateQuantcElementwiseFusion(patterns, /*maxTensors=*/8, throughReshapes);
      // Launches keep their operands where they are: no constants moved.
      GreedyRewriteConfig config;
      config.enableFolding(false).enableConstantCSE(false).setRegionSimplificationLevel(
          GreedySimplifyRegionLevel::Disabled);
      if (failed(applyPatternsGreedily(module, std::move(patterns), config))) {
        module.emitError() << "convert-qkernel-to-gpu: fusing elementwise ops did not converge";
        return signalPassFailure();
      }
    }
    {
      // Fusion reads a producer's linalg.index through the consumer's map
      // (affine.apply); kernels take arith.
      if (failed(expandAffineApplies(module)))
        return signalPassFailure();
    }
    // The linalg ops that read what the GEMMs leave on the device join them.
    std::map<std::string, int> noKernel;
    int linalgLaunches = 0;
    llvm::SmallPtrSet<Operation *, 8> linalgOnDevice;
    // Fills and broadcast copies last: a reduction's kernel may start from
    // a fill's value or a broadcast's source, and the fill or copy then
    // goes with it (erased, never launched).
    llvm::SmallPtrSet<Operation *, 16> starts;
    auto launch = [&](Operation *op) {
      std::string why;
      if (rewriter.rewrite(cast<linalg::LinalgOp>(op), why)) {
        ++linalgLaunches;
        linalgOnDevice.insert(op); // erased: the pointer only identifies it
      } else {
        ++noKernel[why];
      }
    };
    for (Operation *op : quantc::gpu::placeLinalgOps(module, rewriter.deviceValues(), noKernel)) {
      if (mayStartAnOutput(op))
        starts.insert(op);
      else
        launch(op);
    }
    // Those still there (an erased one's address, if reused, is not a fill's
    // or a broadcast's: no rewrite creates linalg ops).
    SmallVector<Operation *> unfolded;
    module.walk([&](linalg::LinalgOp op) {
      if (starts.contains(op))
        unfolded.push_back(op);
    });
    for (Operation *op : unfolded)
      launch(op);
    std::map<std::string, int> floatOnHost;
    for (auto &[op, why] : floatStayed)
      if (!linalgOnDevice.contains(op))
        ++floatOnHost[why];
    rewriter.decideResidency();
    std::string host = hostOps(module, /*hostValuesOnly=*/false, noKernel);
    std::string hostSide = hostOps(module, /*hostValuesOnly=*/true);
    if (!host.empty() || !hostSide.empty()) {
      auto matmuls = [](size_t count) {
        return std::to_string(count) + " packed matmul" + (count == 1 ? "" : "s");
      };
      InFlightDiagnostic warning = module.emitWarning() << rewriter.layerCount() << " matmul"
                                                        << (rewriter.layerCount() == 1 ? "" : "s");
      if (linalgLaunches)
        warning << " and " << linalgLaunches << " linalg op" << (linalgLaunches == 1 ? "" : "s");
      warning << " on the " << chip << " GPU (" << rewriter.kernelCount() << " kernel"
              << (rewriter.kernelCount() == 1 ? "" : "s") << ")";
      if (!host.empty())
        warning << "; on the host (no GPU kernel yet): " << host;
      if (!hostSide.empty())
        warning << "; on the host (reading only host values): " << hostSide;
      for (auto &[why, count] : stayed)
        warning << "; " << matmuls(size_t(count)) << " with " << why;
      for (auto &[why, count] : floatOnHost)
        warning << "; " << count << " float matmul" << (count == 1 ? "" : "s") << " with " << why;
      for (auto &[why, count] : noKernel)
        warning << "; " << count << " linalg op" << (count == 1 ? "" : "s")
                << " on device values or model inputs with no kernel: " << why;
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
