// qnn-sink-transposes: the NCHW <-> NHWC transposes around channels-last
// kernels move through the elementwise chains between layers, and inverse
// pairs cancel, so activations stay channels last from kernel to kernel.
#include "passes/Transforms/Passes.h"

#include "dialects/QNN/QNNOps.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/SetVector.h"

namespace quantc::qnn {
#define GEN_PASS_DEF_QNNSINKTRANSPOSESPASS
#include "passes/Transforms/Passes.h.inc"

using namespace mlir;

namespace {

/// A binary op's other operand is transposed along with the chain when it
/// holds at most this many elements (a per-channel [1, C, 1, 1] vector).
constexpr int64_t kSmallOperand = 4096;

/// The element type in the layout before a transpose by `perm`: a per-axis
/// quantized type's axis `a` becomes `perm[a]`.
Type unpermutedElement(Type element, ArrayRef<int64_t> perm) {
  auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(element);
  if (!perAxis)
    return element;
  return quant::UniformQuantizedPerAxisType::get(
      perAxis.getFlags(), perAxis.getStorageType(), perAxis.getExpressedType(),
      perAxis.getScales(), perAxis.getZeroPoints(), perm[perAxis.getQuantizedDimension()],
      perAxis.getStorageTypeMin(), perAxis.getStorageTypeMax());
}

/// `type` (laid out as transpose(x, perm)) in x's layout: dim perm[i] of the
/// result is dim i of `type`.
RankedTensorType unpermutedType(RankedTensorType type, ArrayRef<int64_t> perm) {
  SmallVector<int64_t> shape(type.getRank());
  for (auto [i, p] : llvm::enumerate(perm))
    shape[p] = type.getDimSize(i);
  return RankedTensorType::get(shape, unpermutedElement(type.getElementType(), perm));
}

SmallVector<int64_t> inversePermutation(ArrayRef<int64_t> perm) {
  SmallVector<int64_t> inverse(perm.size());
  for (auto [i, p] : llvm::enumerate(perm))
    inverse[p] = int64_t(i);
  return inverse;
}

bool isInverse(ArrayRef<int64_t> first, ArrayRef<int64_t> second) {
  if (first.size() != second.size())
    return false;
  for (size_t i = 0; i < second.size(); ++i)
    if (first[second[i]] != int64_t(i))
      return false;
  return true;
}

bool isElementwiseBinary(Operation *op) {
  return isa<AddOp, SubOp, MulOp, DivOp, MinOp, MaxOp>(op);
}

/// Whether `value` is itself transpose(y, perm): a binary op meeting two
/// such operands (a residual add of two layers' outputs) runs on the y's.
TransposeOp transposedAlike(Value value, ArrayRef<int64_t> perm) {
  auto transpose = value.getDefiningOp<TransposeOp>();
  return transpose && transpose.getPerm() == perm ? transpose : TransposeOp();
}

/// Whether `op`, fed `value` laid out as transpose(x, perm), computes the
/// same elements when fed x instead (its other operands and attributes
/// adjusted by the rewrite below).
bool isLayoutAgnostic(Operation *op, Value value, ArrayRef<int64_t> perm) {
  if (op->getNumResults() != 1)
    return false;
  auto valueType = cast<RankedTensorType>(value.getType());
  auto resultType = dyn_cast<RankedTensorType>(op->getResult(0).getType());
  if (!resultType || resultType.getShape() != valueType.getShape())
    return false;
  if (isa<QuantizeOp, DequantizeOp, RequantizeOp, LookupTableOp, quant::StorageCastOp>(op))
    return true;
  if (op->hasTrait<OpTrait::SameOperandsAndResultType>() && op->getNumOperands() == 1 &&
      isa<QNNDialect>(op->getDialect()))
    return !isa<SoftmaxOp>(op);
  if (!isElementwiseBinary(op))
    return false;
  Value other = op->getOperand(0) == value ? op->getOperand(1) : op->getOperand(0);
  auto otherType = cast<RankedTensorType>(other.getType());
  if (otherType.getNumElements() == 1 || transposedAlike(other, perm))
    return true;
  // Strictly smaller than the chained tensor, so two small tensors never
  // trade transposes back and forth.
  return otherType.getRank() == valueType.getRank() &&
         otherType.getNumElements() <= kSmallOperand &&
         otherType.getNumElements() < valueType.getNumElements();
}

/// Re-creates `op` on `input` (x's layout): other operands are transposed by
/// the inverse permutation unless they are single elements or transposes by
/// `perm` themselves (their input is taken; each such transpose is added to
/// `bypassed`), result types and axes map through `perm`.
Value rebuildUnpermuted(OpBuilder &b, Operation *op, Value chained, Value input,
                        ArrayRef<int64_t> perm, SetVector<Operation *> &bypassed) {
  IRMapping mapping;
  mapping.map(chained, input);
  SmallVector<int64_t> inverse = inversePermutation(perm);
  for (Value operand : op->getOperands()) {
    if (operand == chained)
      continue;
    auto type = cast<RankedTensorType>(operand.getType());
    if (type.getNumElements() == 1)
      continue;
    if (TransposeOp alike = transposedAlike(operand, perm)) {
      mapping.map(operand, alike.getInput());
      bypassed.insert(alike);
      continue;
    }
    mapping.map(operand, TransposeOp::create(b, op->getLoc(), operand,
                                             b.getDenseI64ArrayAttr(inverse)));
  }
  Operation *clone = b.clone(*op, mapping);
  Value result = clone->getResult(0);
  result.setType(unpermutedType(cast<RankedTensorType>(result.getType()), perm));
  if (auto requantize = dyn_cast<RequantizeOp>(clone); requantize && requantize.getAxis() >= 0)
    requantize.setAxis(perm[requantize.getAxis()]);
  return result;
}

/// Bits per element; a quantized type's storage bits (its element type has
/// no bit width of its own).
unsigned elementBits(Value value) {
  Type element = cast<RankedTensorType>(value.getType()).getElementType();
  if (auto quantized = dyn_cast<quant::QuantizedType>(element))
    return quantized.getStorageTypeIntegralWidth();
  return element.getIntOrFloatBitWidth();
}

/// Whether every user of `value` (laid out as transpose(x, perm)) can take
/// a transpose of its own that then cancels or shrinks: the inverse
/// transpose, a global average pool, or a layout-agnostic op.
bool usersAbsorb(Value value, ArrayRef<int64_t> perm) {
  return llvm::all_of(value.getUsers(), [&](Operation *user) {
    if (auto next = dyn_cast<TransposeOp>(user))
      return isInverse(perm, next.getPerm());
    return isa<GlobalAveragePoolOp>(user) || isLayoutAgnostic(user, value, perm);
  });
}

/// GlobalAveragePool(transpose(x, perm)) = transpose(ReduceMean(x) over the
/// dims that become the spatial ones, perm): the transpose moves onto the
/// pooled [N, C, 1, 1] values.
Value poolUnpermuted(OpBuilder &b, GlobalAveragePoolOp pool, Value input, ArrayRef<int64_t> perm) {
  SmallVector<int64_t> axes(perm.drop_front(2));
  llvm::sort(axes);
  Value mean = ReduceMeanOp::create(b, pool.getLoc(),
                                    unpermutedType(cast<RankedTensorType>(pool.getType()), perm),
                                    input, b.getDenseI64ArrayAttr(axes), b.getBoolAttr(true));
  return TransposeOp::create(b, pool.getLoc(), mean, b.getDenseI64ArrayAttr(perm));
}

/// Whether `pool` reads transpose(x, perm) of an [N, H, W, C] x, as a 2-D
/// max pool on floats or integers that can pool x channels last instead.
bool poolsChannelsLast(Operation *op, ArrayRef<int64_t> perm) {
  auto pool = dyn_cast_or_null<MaxPoolOp>(op);
  return pool && !pool.getChannelsLast() && pool.getStrides().size() == 2 &&
         perm == ArrayRef<int64_t>{0, 3, 1, 2} &&
         !isa<quant::QuantizedType>(cast<RankedTensorType>(pool.getType()).getElementType());
}

/// MaxPool(transpose(x, perm)) = transpose(channels-last MaxPool(x), perm):
/// the transpose moves onto the pooled values.
Value poolChannelsLast(OpBuilder &b, MaxPoolOp pool, Value input, ArrayRef<int64_t> perm) {
  auto pooled = MaxPoolOp::create(b, pool.getLoc(), input, pool.getKernelShape(),
                                  pool.getStrides(), pool.getDilations(), pool.getPads(),
                                  pool.getCeilMode(), /*channels_last=*/true);
  pooled->setDiscardableAttrs(pool->getDiscardableAttrDictionary());
  return TransposeOp::create(b, pool.getLoc(), pooled, b.getDenseI64ArrayAttr(perm));
}

/// Moves `transpose` down its single-use elementwise chain, to wherever the
/// chain ends:
/// - in the inverse transpose: both vanish;
/// - in a global average pool: the pool reduces in x's layout, and the
///   transpose moves onto its [N, C, 1, 1] result;
/// - in a 2-D max pool of channels-last x: the pool runs channels last,
///   and the transpose moves onto its result (and sinks further);
/// - in a value whose users can all take a transpose of their own (a
///   squeeze-and-excitation block's pool and product): one per user;
/// - otherwise, just after the chain's first op with the narrowest integer
///   or float elements, when that is narrower than the transpose's.
/// Returns whether the IR changed.
bool sinkTranspose(TransposeOp transpose) {
  ArrayRef<int64_t> perm = transpose.getPerm();
  SmallVector<Operation *> chain;
  Value current = transpose.getResult();
  while (current.hasOneUse()) {
    Operation *user = *current.getUsers().begin();
    if (!isLayoutAgnostic(user, current, perm))
      break;
    chain.push_back(user);
    current = user->getResult(0);
  }
  Operation *end = current.hasOneUse() ? *current.getUsers().begin() : nullptr;
  auto inverse = dyn_cast_or_null<TransposeOp>(end);
  if (inverse && !isInverse(perm, inverse.getPerm()))
    inverse = {};
  auto pool = dyn_cast_or_null<GlobalAveragePoolOp>(end);
  auto maxPool = poolsChannelsLast(end, perm) ? cast<MaxPoolOp>(end) : MaxPoolOp();
  // The copies a fan-out makes would transpose `current`'s elements, and the
  // lowering moves no quantized ones.
  bool fanOut = !end && !current.use_empty() && usersAbsorb(current, perm) &&
                !isa<quant::QuantizedType>(cast<RankedTensorType>(current.getType()).getElementType());
  size_t moveAfter = chain.size(); // chain ops [0, moveAfter) run unpermuted
  if (!inverse && !pool && !maxPool && !fanOut) {
    unsigned narrowest = elementBits(transpose.getResult());
    moveAfter = 0;
    for (auto [i, op] : llvm::enumerate(chain)) {
      // The lowering moves integers and floats; quantized tensors are
      // storage-cast to integers before anything moves them.
      if (isa<quant::QuantizedType>(
              cast<RankedTensorType>(op->getResult(0).getType()).getElementType()))
        continue;
      if (unsigned bits = elementBits(op->getResult(0)); bits < narrowest) {
        narrowest = bits;
        moveAfter = i + 1;
      }
    }
    if (moveAfter == 0)
      return false;
  }
  OpBuilder b(transpose);
  Value unpermuted = transpose.getInput(), chained = transpose.getResult();
  SetVector<Operation *> bypassed;
  for (Operation *op : ArrayRef(chain).take_front(moveAfter)) {
    b.setInsertionPoint(op);
    unpermuted = rebuildUnpermuted(b, op, chained, unpermuted, perm, bypassed);
    chained = op->getResult(0);
  }
  if (inverse) {
    inverse.getResult().replaceAllUsesWith(unpermuted);
    inverse.erase();
  } else if (pool) {
    b.setInsertionPoint(pool);
    pool.getResult().replaceAllUsesWith(poolUnpermuted(b, pool, unpermuted, perm));
    pool.erase();
  } else if (maxPool) {
    b.setInsertionPoint(maxPool);
    maxPool.getResult().replaceAllUsesWith(poolChannelsLast(b, maxPool, unpermuted, perm));
    maxPool.erase();
  } else if (fanOut) {
    for (OpOperand &use : llvm::make_early_inc_range(chained.getUses())) {
      b.setInsertionPoint(use.getOwner());
      use.set(TransposeOp::create(b, transpose.getLoc(), unpermuted, transpose.getPermAttr()));
    }
  } else {
    b.setInsertionPointAfterValue(unpermuted);
    Value moved = TransposeOp::create(b, transpose.getLoc(), unpermuted, transpose.getPermAttr());
    chained.replaceAllUsesWith(moved);
  }
  for (Operation *op : llvm::reverse(ArrayRef(chain).take_front(moveAfter)))
    op->erase();
  transpose.erase();
  for (Operation *other : bypassed)
    if (other->use_empty())
      other->erase();
  return true;
}

struct QNNSinkTransposesPass : impl::QNNSinkTransposesPassBase<QNNSinkTransposesPass> {
  void runOnOperation() override {
    // A move erases ops further down (the inverse transpose), so the walk
    // starts over after each one. Every move cancels a transpose, narrows
    // it, moves it past a pool onto fewer elements, or splits it over a
    // fan-out into copies with one user each (which never split again).
    bool changed = true;
    while (changed) {
      changed = false;
      getOperation().walk([&](TransposeOp op) {
        changed = sinkTranspose(op);
        return changed ? WalkResult::interrupt() : WalkResult::advance();
      });
    }
  }
};

} // namespace
} // namespace quantc::qnn
