#include "Residency.h"
#include "IntegerDepthwise.h"
#include "PaddedReads.h"
#include "ReductionEpilogues.h"
#include "SplitReductions.h"

#include "quantc/Codegen/GPULinalgKernels.h"
#include "quantc/Codegen/Lowering.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/SmallBitVector.h"

namespace quantc::gpu {

using namespace mlir;

/// The element offset of `slice` in its source when its elements are
/// consecutive there (unit strides; every dim after the last one it cuts
/// whole, every one before it of size 1), else nullopt.
static std::optional<int64_t> contiguousOffset(tensor::ExtractSliceOp slice) {
  RankedTensorType source = slice.getSourceType();
  llvm::ArrayRef<int64_t> offsets = slice.getStaticOffsets(), sizes = slice.getStaticSizes(),
                          strides = slice.getStaticStrides();
  if (!source.hasStaticShape() || llvm::any_of(offsets, ShapedType::isDynamic) ||
      llvm::any_of(sizes, ShapedType::isDynamic) ||
      llvm::any_of(strides, [](int64_t s) { return s != 1; }))
    return std::nullopt;
  int64_t rank = source.getRank(), cut = -1;
  for (int64_t d = 0; d < rank; ++d)
    if (offsets[d] != 0 || sizes[d] != source.getDimSize(d))
      cut = d;
  for (int64_t d = 0; d < cut; ++d)
    if (sizes[d] != 1)
      return std::nullopt;
  int64_t offset = 0, stride = 1;
  for (int64_t d = rank - 1; d >= 0; --d) {
    offset += offsets[d] * stride;
    stride *= source.getDimSize(d);
  }
  return offset;
}

bool isView(Operation *op) {
  if (isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp, tensor::CastOp>(op))
    return true;
  auto slice = dyn_cast<tensor::ExtractSliceOp>(op);
  return slice && contiguousOffset(slice);
}

std::pair<Value, int64_t> viewRoot(Value value) {
  int64_t offset = 0;
  while (Operation *producer = value.getDefiningOp()) {
    if (!isView(producer))
      break;
    if (auto slice = dyn_cast<tensor::ExtractSliceOp>(producer))
      offset += *contiguousOffset(slice);
    value = producer->getOperand(0);
  }
  return {value, offset};
}

/// Whether anything but the launches' buffers reads `value`, through
/// views.
static bool hasHostUse(Value value, const llvm::SmallPtrSetImpl<Operation *> &deviceReads) {
  for (Operation *user : value.getUsers()) {
    if (deviceReads.contains(user))
      continue;
    if (!isView(user))
      return true;
    if (hasHostUse(user->getResult(0), deviceReads))
      return true;
  }
  return false;
}

void decideResidency(llvm::ArrayRef<DeviceRead> reads, llvm::ArrayRef<DeviceWrite> writes,
                     const llvm::SmallPtrSetImpl<Operation *> &deviceReads) {
  // An output a host op reads is downloaded, and launches read it from the
  // host buffer as a host value: the host may write that buffer in place
  // once its last host reader is done, which bufferization, seeing no
  // later read, allows.
  llvm::DenseMap<Value, Value> producerBuffer;
  for (const DeviceWrite &write : writes) {
    bool download = hasHostUse(write.tensor, deviceReads);
    write.decide(download);
    if (!download)
      producerBuffer[write.tensor] = write.buffer;
  }
  for (const DeviceRead &read : reads) {
    auto [root, offset] = viewRoot(read.buffer->getOperand(0));
    auto type = cast<ShapedType>(root.getType());
    if (Value buffer = producerBuffer.lookup(root))
      read.decide(InputKind::Resident, buffer, offset * ((type.getElementTypeBitWidth() + 7) / 8));
    else
      read.decide(root.getDefiningOp<arith::ConstantOp>() ? InputKind::Constant
                                                          : InputKind::FromHost,
                  Value(), 0);
  }
}

std::string whyNoKernel(linalg::LinalgOp op) {
  if (!op.hasPureTensorSemantics())
    return "buffers";
  int shaped = llvm::count_if(op->getOperandTypes(), llvm::IsaPred<ShapedType>);
  if (shaped > int(kMaxKernelArguments))
    return "more than " + std::to_string(kMaxKernelArguments) + " tensors";
  return codegen::gpu::checkLinalgKernel(op);
}

bool couldRunOnDevice(Operation *op) {
  if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op))
    return whyNoKernel(linalgOp).empty();
  if (auto depthwise = dyn_cast<qkernel::DepthwiseConvIntegerOp>(op))
    return fitsDepthwiseKernel(depthwise);
  return isa<qkernel::GatherRowsOp>(op);
}

/// Whether `op` is placed or inside a placed op's body (a tensor.extract
/// by which a gather reads a captured tensor).
static bool inPlacedOp(Operation *op, const llvm::SetVector<Operation *> &placed) {
  for (; op; op = op->getParentOp())
    if (placed.contains(op))
      return true;
  return false;
}

/// Whether every use of `value`, through reshapes, is by a placed op.
static bool onlyPlacedUsers(Value value, const llvm::SetVector<Operation *> &placed) {
  for (Operation *user : value.getUsers()) {
    if (isView(user)) {
      if (!onlyPlacedUsers(user->getResult(0), placed))
        return false;
    } else if (!inPlacedOp(user, placed)) {
      return false;
    }
  }
  return !value.use_empty();
}

/// Whether `op` is the last of a chain of tensor.insert_slice ops: its
/// result is not the destination of another.
static bool endsInsertChain(tensor::InsertSliceOp op) {
  return !llvm::any_of(op->getUsers(), [&](Operation *user) {
    auto next = dyn_cast<tensor::InsertSliceOp>(user);
    return next && next.getDest() == op.getResult();
  });
}

/// A concatenation: a chain of tensor.insert_slice ops, ending at `last`,
/// that fills a tensor.empty along one dim with whole-rank sources, each
/// source at its offset along that dim.
struct Concatenation {
  int64_t dim = -1;
  SmallVector<std::pair<Value, int64_t>> parts; // by offset
  SmallVector<tensor::InsertSliceOp> chain;     // last first
};
static std::optional<Concatenation> concatenationOf(tensor::InsertSliceOp last) {
  RankedTensorType type = last.getResultType();
  if (!type.hasStaticShape())
    return std::nullopt;
  Concatenation concat;
  tensor::InsertSliceOp op = last;
  while (true) {
    ArrayRef<int64_t> offsets = op.getStaticOffsets(), sizes = op.getStaticSizes(),
                      strides = op.getStaticStrides();
    if (op.getSourceType().getRank() != type.getRank() ||
        llvm::any_of(offsets, ShapedType::isDynamic) ||
        llvm::any_of(sizes, ShapedType::isDynamic) ||
        llvm::any_of(strides, [](int64_t s) { return s != 1; }))
      return std::nullopt;
    for (int64_t d = 0; d < type.getRank(); ++d) {
      if (offsets[d] == 0 && sizes[d] == type.getDimSize(d))
        continue;
      if (concat.dim != -1 && concat.dim != d)
        return std::nullopt;
      concat.dim = d;
    }
    if (concat.dim == -1)
      return std::nullopt;
    concat.parts.push_back({op.getSource(), offsets[concat.dim]});
    concat.chain.push_back(op);
    if (op.getDest().getDefiningOp<tensor::EmptyOp>())
      break;
    op = op.getDest().getDefiningOp<tensor::InsertSliceOp>();
    if (!op || !op->hasOneUse())
      return std::nullopt;
  }
  // The parts must tile the dim: each starts where the last one ends.
  llvm::sort(concat.parts, [](auto &a, auto &b) { return a.second < b.second; });
  int64_t end = 0;
  for (auto &[source, offset] : concat.parts) {
    if (offset != end)
      return std::nullopt;
    end += cast<RankedTensorType>(source.getType()).getDimSize(concat.dim);
  }
  if (end != type.getDimSize(concat.dim))
    return std::nullopt;
  return concat;
}

/// `concat` as a linalg.generic over its result that gathers each point
/// from the part that holds it (every part read at a clamped index, the
/// right one selected: a body has no branches), in place of its chain.
static linalg::GenericOp concatenationAsGather(const Concatenation &concat) {
  tensor::InsertSliceOp last = concat.chain.front();
  OpBuilder b(last);
  auto element = [&](OpBuilder &nested, Location at, ValueRange point) {
    auto index = [&](int64_t v) -> Value { return arith::ConstantIndexOp::create(nested, at, v); };
    Value along = point[size_t(concat.dim)], value;
    for (auto &[source, offset] : concat.parts) {
      int64_t size = cast<RankedTensorType>(source.getType()).getDimSize(concat.dim);
      SmallVector<Value> indices(point);
      indices[size_t(concat.dim)] = arith::MinSIOp::create(
          nested, at,
          arith::MaxSIOp::create(nested, at,
                                 arith::SubIOp::create(nested, at, along, index(offset)), index(0)),
          index(size - 1));
      Value element = tensor::ExtractOp::create(nested, at, source, indices);
      value =
          value
              ? arith::SelectOp::create(nested, at,
                                        arith::CmpIOp::create(nested, at, arith::CmpIPredicate::sge,
                                                              along, index(offset)),
                                        element, value)
                    .getResult()
              : element;
    }
    return value;
  };
  linalg::GenericOp generic = buildGather(b, last.getLoc(), last.getResultType(), element);
  last.getResult().replaceAllUsesWith(generic.getResult(0));
  for (tensor::InsertSliceOp op : concat.chain) {
    Value dest = op.getDest();
    op->erase();
    if (auto unused = dest.getDefiningOp<tensor::EmptyOp>(); unused && unused->use_empty())
      unused->erase();
  }
  return generic;
}

/// `slice` (static, its elements not consecutive in its source: a split
/// along an inner dim, a strided slice) as a linalg.generic over its result
/// that reads each element from the source, in its place: a kernel where
/// the slice would be a host copy.
static linalg::GenericOp sliceAsGather(tensor::ExtractSliceOp slice) {
  RankedTensorType source = slice.getSourceType(), type = slice.getResultType();
  if (!source.hasStaticShape() || !type.hasStaticShape() ||
      llvm::any_of(slice.getStaticOffsets(), ShapedType::isDynamic) ||
      llvm::any_of(slice.getStaticStrides(), ShapedType::isDynamic))
    return {};
  llvm::SmallBitVector dropped = slice.getDroppedDims();
  OpBuilder b(slice);
  auto element = [&](OpBuilder &nested, Location at, ValueRange point) -> Value {
    SmallVector<Value> indices;
    size_t along = 0; // the next result dim
    for (int64_t d = 0; d < source.getRank(); ++d) {
      int64_t offset = slice.getStaticOffsets()[d], stride = slice.getStaticStrides()[d];
      Value index = arith::ConstantIndexOp::create(nested, at, offset);
      if (!dropped.test(unsigned(d))) {
        Value scaled = point[along++];
        if (stride != 1)
          scaled = arith::MulIOp::create(nested, at, scaled,
                                         arith::ConstantIndexOp::create(nested, at, stride));
        index = offset ? arith::AddIOp::create(nested, at, scaled, index).getResult() : scaled;
      }
      indices.push_back(index);
    }
    return tensor::ExtractOp::create(nested, at, slice.getSource(), indices);
  };
  linalg::GenericOp generic = buildGather(b, slice.getLoc(), type, element);
  slice.getResult().replaceAllUsesWith(generic.getResult(0));
  slice->erase();
  return generic;
}

/// Whether `root` (a viewRoot) is an argument of the function: a model
/// input, which a launch uploads (as it would the result of a host op).
static bool isModelInput(Value root) {
  auto argument = dyn_cast<BlockArgument>(root);
  return argument && isa<RankedTensorType>(argument.getType()) &&
         isa<func::FuncOp>(argument.getOwner()->getParentOp());
}

llvm::SetVector<Operation *> placeLinalgOps(ModuleOp module,
                                            const llvm::DenseSet<Value> &deviceValues,
                                            std::map<std::string, int> &noKernel) {
  llvm::DenseSet<Value> onDevice = deviceValues;
  // What a kernel can read: a device value or a model input, through views.
  auto kernelReadable = [&](Value value) {
    Value root = viewRoot(value).first;
    return onDevice.contains(root) || isModelInput(root);
  };
  llvm::SetVector<Operation *> placed;
  SmallVector<linalg::LinalgOp> readersOfNothing;
  llvm::DenseSet<Value> fromConstants; // what readersOfNothing compute
  // Program order; a pad of a device value becomes a gather that joins it,
  // so does a concatenation (insert_slice chain) of device values, and an
  // integer depthwise convolution of one a linalg kernel.
  SmallVector<Operation *> ops;
  module.walk<WalkOrder::PreOrder>([&](Operation *op) {
    if (isa<linalg::LinalgOp, tensor::PadOp, tensor::InsertSliceOp, tensor::ExtractSliceOp,
            qkernel::DepthwiseConvIntegerOp, qkernel::GatherRowsOp>(op)) {
      ops.push_back(op);
      return WalkResult::skip(); // not into the op's body
    }
    return WalkResult::advance();
  });
  std::function<void(linalg::LinalgOp, bool)> visit = [&](linalg::LinalgOp op, bool mayBeSplit) {
    // Its tensor operands and the tensors its body gathers from.
    SetVector<Value> tensors;
    getUsedValuesDefinedAbove(op->getRegion(0), tensors);
    tensors.insert(op->operand_begin(), op->operand_end());
    bool readsDevice = llvm::any_of(
        tensors, [&](Value v) { return isa<RankedTensorType>(v.getType()) && kernelReadable(v); });
    // Fills and broadcasts of constants (a convolution's bias as its
    // output's initial value), and ops on what they compute (a batch
    // norm's folded scale): on the GPU when what reads them is.
    auto constantOrUnread = [&](Value v) {
      if (!isa<RankedTensorType>(v.getType()))
        return true;
      Value root = viewRoot(v).first;
      Operation *producer = root.getDefiningOp();
      return fromConstants.contains(root) ||
             (producer &&
              (isa<arith::ConstantOp>(producer) ||
               (isa<tensor::EmptyOp>(producer) && llvm::is_contained(op.getDpsInits(), v))));
    };
    bool readsNothing = llvm::all_of(tensors, constantOrUnread);
    // A whole tensor's reduction: one point to spread, then split.
    if (auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
        generic && readsDevice && op.getNumParallelLoops() == 0)
      if (linalg::GenericOp unit = withUnitParallelDim(generic))
        return visit(unit, mayBeSplit);
    std::string why = whyNoKernel(op);
    if (!why.empty()) {
      if (readsDevice)
        ++noKernel[why];
    } else if (int64_t ratio = readsDevice && mayBeSplit ? splitRatio(op) : 0) {
      // A long reduction over few points: two kernels (the fill of its
      // parts goes with them), or the op alone if upstream declined.
      for (Operation *part : splitLongReduction(op, ratio))
        visit(cast<linalg::LinalgOp>(part), false);
    } else if (readsDevice) {
      placed.insert(op);
      for (Value result : op->getResults())
        onDevice.insert(result);
    } else if (readsNothing) {
      readersOfNothing.push_back(op);
      for (Value result : op->getResults())
        fromConstants.insert(result);
    }
  };
  for (size_t i = 0; i < ops.size(); ++i) {
    Operation *visited = ops[i];
    if (auto pad = dyn_cast<tensor::PadOp>(visited)) {
      if (!kernelReadable(pad.getSource()))
        continue;
      // Read in the one op that reads it (visited in its turn), else written.
      Operation *replaced = nullptr;
      if (linalg::GenericOp reader = readPadInConsumer(pad, replaced))
        std::replace(ops.begin() + i + 1, ops.end(), replaced, reader.getOperation());
      else if (linalg::GenericOp gather = padAsGather(pad))
        visit(gather, true);
    } else if (auto insert = dyn_cast<tensor::InsertSliceOp>(visited)) {
      if (!endsInsertChain(insert))
        continue;
      std::optional<Concatenation> concat = concatenationOf(insert);
      if (concat &&
          llvm::any_of(concat->parts, [&](auto &part) { return kernelReadable(part.first); }))
        visit(concatenationAsGather(*concat), true);
    } else if (auto slice = dyn_cast<tensor::ExtractSliceOp>(visited)) {
      if (!isView(slice) && kernelReadable(slice.getSource()))
        if (linalg::GenericOp gather = sliceAsGather(slice))
          visit(gather, true);
    } else if (auto gather = dyn_cast<qkernel::GatherRowsOp>(visited)) {
      // A packed embedding's lookup: the host's linalg.generic, which reads
      // the table and scales (constants, uploaded once) element by element.
      if (kernelReadable(gather.getIndices()))
        visit(codegen::lowerGatherRows(gather), true);
    } else if (auto depthwise = dyn_cast<qkernel::DepthwiseConvIntegerOp>(visited)) {
      if (kernelReadable(depthwise.getInput()) && fitsDepthwiseKernel(depthwise))
        visit(depthwiseAsLinalg(depthwise), true);
    } else if (auto generic = dyn_cast<linalg::GenericOp>(visited)) {
      // After a reduction on the device (a depthwise convolution's
      // activation): one kernel computes both.
      SmallVector<Operation *> dead;
      linalg::GenericOp fused = computeReductionInEpilogue(
          generic, /*maxTensors=*/8,
          [&](linalg::GenericOp reduction) { return placed.contains(reduction); }, dead);
      for (Operation *op : dead) {
        placed.remove(op);
        llvm::erase_if(readersOfNothing,
                       [&](linalg::LinalgOp reader) { return reader.getOperation() == op; });
        for (Value result : op->getResults()) {
          onDevice.erase(result);
          fromConstants.erase(result);
        }
        op->erase();
      }
      visit(fused ? fused : generic, true);
    } else {
      visit(cast<linalg::LinalgOp>(visited), true);
    }
  }
  // Users first: an op on constants goes when its users, placed so, do.
  for (linalg::LinalgOp op : llvm::reverse(readersOfNothing))
    if (llvm::all_of(op->getResults(), [&](Value r) { return onlyPlacedUsers(r, placed); }))
      placed.insert(op);
  // Program order again (the fills went in last).
  llvm::SetVector<Operation *> ordered;
  module.walk<WalkOrder::PreOrder>([&](linalg::LinalgOp op) {
    if (placed.contains(op))
      ordered.insert(op);
    return WalkResult::skip();
  });
  return ordered;
}

} // namespace quantc::gpu
