// Folding an elementwise consumer (activation, residual add) into a matmul's tile kernel.
#include "passes/Conversion/LinalgToVector/MatmulEpilogue.h"
#include "passes/Conversion/LinalgToVector/ElementwiseBody.h"
#include "passes/Conversion/SCFToOpenMP/BufferBytes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace quantc {

using namespace mlir;

namespace {

/// Whether `value` is `c` or a view of it.
bool viewOf(Value value, Value c) {
  while (value != c) {
    auto view = value.getDefiningOp<ViewLikeOpInterface>();
    if (!view)
      return false;
    value = view.getViewSource();
  }
  return true;
}

bool scalar(Type type) { return isa<FloatType, IntegerType>(type); }

bool contiguousWithShape(Value value, ArrayRef<int64_t> shape) {
  auto type = dyn_cast<MemRefType>(value.getType());
  return type && type.hasStaticShape() && type.getLayout().isIdentity() &&
         type.getShape() == shape && scalar(type.getElementType());
}

/// Whether anything other than `matmul`, `generic` and deallocations reads
/// or writes C (or a view of it) after the matmul.
bool otherUsersAfter(Value c, linalg::LinalgOp matmul, linalg::GenericOp generic) {
  SmallVector<Value> aliases = {c};
  while (!aliases.empty()) {
    Value value = aliases.pop_back_val();
    for (Operation *user : value.getUsers()) {
      if (user == matmul.getOperation() || user == generic.getOperation() ||
          isa<memref::DeallocOp>(user))
        continue;
      if (auto view = dyn_cast<ViewLikeOpInterface>(user); view && view.getViewSource() == value) {
        aliases.push_back(user->getResult(0));
        continue;
      }
      if (user->getBlock() == matmul->getBlock() && user->isBeforeInBlock(matmul))
        continue;
      return true;
    }
  }
  return false;
}

} // namespace

std::optional<MatmulEpilogue> matchMatmulEpilogue(linalg::LinalgOp matmul) {
  Value c = matmul->getOperand(2);
  auto cType = cast<MemRefType>(c.getType());
  if (cType.getRank() != 2)
    return std::nullopt;
  auto generic = dyn_cast_or_null<linalg::GenericOp>(nextActive(matmul));
  if (!generic || generic.getNumDpsInits() != 1 || generic.getNumReductionLoops() != 0 ||
      !llvm::all_of(generic.getIndexingMapsArray(), [](AffineMap map) { return map.isIdentity(); }))
    return std::nullopt;
  SmallVector<int64_t> shape = generic.getStaticLoopRanges();
  Value output = generic.getDpsInitOperand(0)->get();
  // The kernel writes the output tile by tile while later tiles still
  // read A and B: the output must not share bytes with them.
  if (viewOf(output, c) || !contiguousWithShape(output, shape) || !vectorizableBody(generic) ||
      mayOverlap(output, matmul->getOperand(0)) || mayOverlap(output, matmul->getOperand(1)))
    return std::nullopt;

  MatmulEpilogue epilogue;
  epilogue.generic = generic;
  bool readsC = false;
  for (OpOperand *input : generic.getDpsInputOperands()) {
    Value value = input->get();
    if (!viewOf(value, c)) {
      if (!contiguousWithShape(value, shape))
        return std::nullopt;
      continue;
    }
    // C itself, or C expanded into two groups of dims (conv's [Cout, pixels] as NCHW).
    SmallVector<ReassociationIndices> groups = {{0}, {1}};
    if (auto expand = value.getDefiningOp<memref::ExpandShapeOp>(); expand && expand.getSrc() == c)
      groups = expand.getReassociationIndices();
    else if (value != c)
      return std::nullopt;
    if (readsC && groups != epilogue.groups)
      return std::nullopt;
    epilogue.groups = groups;
    readsC = true;
  }
  if (!readsC)
    return std::nullopt;
  epilogue.keepC = !c.getDefiningOp<memref::AllocOp>() || otherUsersAfter(c, matmul, generic);
  return epilogue;
}

void MatmulEpilogue::prepare(linalg::LinalgOp matmul, OpBuilder &b) {
  Value c = matmul->getOperand(2);
  for (Operation *op = matmul->getNextNode(); op != generic.getOperation();) {
    Operation *next = op->getNextNode();
    if (isa<memref::DeallocOp>(op))
      op->moveAfter(generic);
    op = next;
  }
  b.setInsertionPoint(generic);
  Location loc = generic.getLoc();
  bool alreadyTwoD = groups.size() == 2 && groups[0].size() == 1 && groups[1].size() == 1;
  auto asMatrix = [&](Value value) -> Value {
    return alreadyTwoD ? value : memref::CollapseShapeOp::create(b, loc, value, groups).getResult();
  };
  inputs.clear();
  for (OpOperand *input : generic.getDpsInputOperands())
    inputs.push_back(viewOf(input->get(), c) ? Value() : asMatrix(input->get()));
  output = asMatrix(generic.getDpsInitOperand(0)->get());
}

Value MatmulEpilogue::apply(OpBuilder &b, Location loc, Value accumulator, Value row,
                            Value j0) const {
  int64_t width = cast<VectorType>(accumulator.getType()).getDimSize(0);
  SmallVector<Value> arguments;
  for (Value input : inputs)
    arguments.push_back(
        input ? vector::LoadOp::create(
                    b, loc,
                    VectorType::get({width}, cast<MemRefType>(input.getType()).getElementType()),
                    input, ValueRange{row, j0})
              : accumulator);
  return emitElementwiseBody(b, loc, generic, arguments, width);
}

} // namespace quantc
