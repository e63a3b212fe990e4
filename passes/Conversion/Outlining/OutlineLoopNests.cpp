// quantc-outline-loop-nests: each top-level loop nest of a function in a function of its own.
#include "passes/Conversion/Passes.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/RegionUtils.h"

namespace quantc {
#define GEN_PASS_DEF_QUANTCOUTLINELOOPNESTSPASS
#include "passes/Conversion/Passes.h.inc"

using namespace mlir;

namespace {

/// The bytes [begin, end) of an allocation that a buffer covers: a fresh
/// allocation all of its own, a view of one (a buffer of the scratch
/// arena) its slice. Other values have none.
struct ByteRange {
  Operation *allocation;
  int64_t begin, end;
};

std::optional<ByteRange> bytesOf(Value value) {
  Operation *def = value.getDefiningOp();
  if (isa_and_nonnull<memref::AllocOp, memref::AllocaOp>(def))
    return ByteRange{def, 0, std::numeric_limits<int64_t>::max()};
  auto view = dyn_cast_or_null<memref::ViewOp>(def);
  if (!view || !isa_and_nonnull<memref::AllocOp, memref::AllocaOp>(view.getSource().getDefiningOp()))
    return std::nullopt;
  std::optional<int64_t> shift = getConstantIntValue(view.getByteShift());
  MemRefType type = view.getType();
  if (!shift || !type.hasStaticShape())
    return std::nullopt;
  return ByteRange{view.getSource().getDefiningOp(), *shift, *shift + storageBytes(type)};
}

/// Passed as an argument, not recomputed: LLVM sees a view of the arena as
/// a pointer of its own, which `noalias` can then describe.
bool isBuffer(Value value) {
  return isa_and_nonnull<memref::ViewOp>(value.getDefiningOp()) && bytesOf(value);
}

/// Arguments that are `noalias`: buffers whose bytes no other argument
/// covers. The scratch arena gives buffers live at the same time disjoint
/// bytes, and every buffer a nest uses is live there; LLVM then vectorizes
/// loops that read one buffer and write another without runtime overlap
/// checks, which it refuses for short loops (an 8-channel epilogue).
SmallVector<bool> noaliasArguments(ArrayRef<Value> roots) {
  SmallVector<std::optional<ByteRange>> ranges = llvm::map_to_vector(roots, bytesOf);
  auto overlap = [](const ByteRange &a, const ByteRange &b) {
    return a.allocation == b.allocation && a.begin < b.end && b.begin < a.end;
  };
  SmallVector<bool> noalias(roots.size(), false);
  for (size_t i = 0; i < ranges.size(); ++i) {
    if (!ranges[i])
      continue;
    noalias[i] = true;
    for (size_t j = 0; j < ranges.size(); ++j)
      if (j != i && ranges[j] && overlap(*ranges[i], *ranges[j]))
        noalias[i] = false;
  }
  return noalias;
}

/// A value the outlined function recomputes instead of taking as an
/// argument: the result of a pure, region-free op (constants, globals'
/// addresses, index arithmetic, views other than the arena's buffers).
/// Constant bounds stay visible to LLVM.
bool isRecomputable(Value value) {
  Operation *def = value.getDefiningOp();
  return def && def->getNumRegions() == 0 && isPure(def) && !isBuffer(value);
}

/// What the bare-pointer calling convention passes: scalars and memrefs of
/// static shape and identity layout.
bool isPassable(Type type) {
  if (auto memref = dyn_cast<MemRefType>(type))
    return memref.hasStaticShape() && memref.getLayout().isIdentity();
  return type.isIntOrIndexOrFloat();
}

/// The op's captured values split into `recomputed` ops (in block order)
/// and the `roots` they and the nest start from. False when a root cannot
/// be passed.
bool collectCaptures(Operation *nest, SmallVectorImpl<Operation *> &recomputed,
                     SetVector<Value> &roots) {
  SetVector<Value> captured;
  getUsedValuesDefinedAbove(nest->getRegions(), captured);
  captured.insert(nest->operand_begin(), nest->operand_end());
  SetVector<Operation *> slice;
  SmallVector<Value> pending(captured.begin(), captured.end());
  while (!pending.empty()) {
    Value value = pending.pop_back_val();
    if (!isRecomputable(value)) {
      if (!isPassable(value.getType()))
        return false;
      roots.insert(value);
      continue;
    }
    if (slice.insert(value.getDefiningOp()))
      llvm::append_range(pending, value.getDefiningOp()->getOperands());
  }
  recomputed.assign(slice.begin(), slice.end());
  llvm::sort(recomputed, [](Operation *a, Operation *b) { return a->isBeforeInBlock(b); });
  // Arguments in a readable order: the function's own, then values in
  // the order they were defined.
  SmallVector<Value> ordered(roots.begin(), roots.end());
  llvm::sort(ordered, [](Value a, Value b) {
    auto argA = dyn_cast<BlockArgument>(a), argB = dyn_cast<BlockArgument>(b);
    if (argA || argB)
      return argA && (!argB || argA.getArgNumber() < argB.getArgNumber());
    return a.getDefiningOp()->isBeforeInBlock(b.getDefiningOp());
  });
  roots.clear();
  roots.insert(ordered.begin(), ordered.end());
  return true;
}

/// A symbol-friendly name from the layer the nest came from (the ONNX node
/// name the importer put in its location), so profiles name layers.
std::string layerName(Location loc) {
  std::string name;
  loc->walk([&](Location inner) {
    if (auto named = dyn_cast<NameLoc>(inner)) {
      name = named.getName().str();
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  for (char &c : name)
    if (!llvm::isAlnum(c))
      c = '_';
  return name.empty() ? "nest" : name;
}

struct QuantcOutlineLoopNestsPass
    : impl::QuantcOutlineLoopNestsPassBase<QuantcOutlineLoopNestsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    for (auto func : llvm::to_vector(module.getOps<func::FuncOp>())) {
      if (func.isExternal() || func->hasAttr(kOutlinedAttr))
        continue;
      Operation *insertAfter = func;
      for (Block &block : func.getBody())
        for (Operation &op : llvm::make_early_inc_range(block))
          if (op.getNumRegions() > 0 && op.use_empty() && !isa<func::FuncOp>(op))
            if (Operation *callee = outline(&op, func, insertAfter, symbols))
              insertAfter = callee;
    }
  }

  /// The new function (placed after `insertAfter`), or null when the nest stays.
  Operation *outline(Operation *nest, func::FuncOp parent, Operation *insertAfter,
                     SymbolTable &symbols) {
    SmallVector<Operation *> recomputed;
    SetVector<Value> roots;
    if (!collectCaptures(nest, recomputed, roots))
      return nullptr;
    OpBuilder b(parent);
    b.setInsertionPointAfter(insertAfter);
    SmallVector<Type> argTypes;
    for (Value root : roots)
      argTypes.push_back(root.getType());
    auto callee = func::FuncOp::create(
        b, nest->getLoc(), (parent.getSymName() + "__" + layerName(nest->getLoc())).str(),
        b.getFunctionType(argTypes, {}));
    callee.setPrivate();
    callee->setAttr(kOutlinedAttr, b.getUnitAttr());
    // Inlined back, main would again be one function for LLVM to chew on.
    // (func-to-llvm passes these two on; it ignores a private visibility.)
    callee->setAttr("passthrough", b.getStrArrayAttr({"noinline"}));
    callee->setAttr("llvm.linkage",
                    LLVM::LinkageAttr::get(b.getContext(), LLVM::linkage::Linkage::Internal));
    for (auto [index, noalias] : llvm::enumerate(noaliasArguments(roots.getArrayRef())))
      if (noalias)
        callee.setArgAttr(index, "llvm.noalias", b.getUnitAttr());
    symbols.insert(callee, std::next(Block::iterator(insertAfter))); // renames on a clash

    Block *entry = callee.addEntryBlock();
    b.setInsertionPointToStart(entry);
    IRMapping mapping;
    mapping.map(roots.getArrayRef(), entry->getArguments());
    for (Operation *op : recomputed)
      b.clone(*op, mapping);
    b.clone(*nest, mapping);
    func::ReturnOp::create(b, nest->getLoc());

    b.setInsertionPoint(nest);
    func::CallOp::create(b, nest->getLoc(), callee, roots.getArrayRef());
    nest->erase();
    for (Operation *op : llvm::reverse(recomputed))
      if (op->use_empty())
        op->erase();
    return callee;
  }
};

} // namespace
} // namespace quantc
