#include "ReductionEpilogues.h"
#include "OutputStarts.h"
#include "PaddedReads.h"
#include "Residency.h"

#include "mlir/Dialect/Affine/Utils.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Transforms/RegionUtils.h"

namespace quantc::gpu {

using namespace mlir;

namespace {

/// `exprs` (indices of `reshape`'s result) as indices of its source: each
/// collapsed index split into the dims of its group.
SmallVector<AffineExpr> indicesBeforeCollapse(tensor::CollapseShapeOp reshape,
                                              llvm::ArrayRef<AffineExpr> exprs) {
  llvm::ArrayRef<int64_t> sizes = reshape.getSrcType().getShape();
  // A collapse to rank 0 has no groups: its source's dims are all 1.
  SmallVector<AffineExpr> source(sizes.size(), getAffineConstantExpr(0, reshape.getContext()));
  for (auto [index, group] : llvm::enumerate(reshape.getReassociationIndices())) {
    int64_t stride = 1;
    for (int64_t d : llvm::reverse(group)) {
      source[d] = exprs[index].floorDiv(stride) % sizes[d];
      stride *= sizes[d];
    }
  }
  return source;
}

/// The same through an expand_shape: each group's indices linearized into
/// the one dim they expand (split-K's sums, [N, M], read by an epilogue over
/// [1, N, H, W]).
SmallVector<AffineExpr> indicesBeforeExpand(tensor::ExpandShapeOp reshape,
                                            llvm::ArrayRef<AffineExpr> exprs) {
  llvm::ArrayRef<int64_t> sizes = reshape.getResultType().getShape();
  SmallVector<AffineExpr> source;
  for (const ReassociationIndices &group : reshape.getReassociationIndices()) {
    AffineExpr linear = getAffineConstantExpr(0, reshape.getContext());
    for (int64_t d : group)
      linear = linear * sizes[d] + exprs[d];
    source.push_back(linear);
  }
  return source;
}

/// `exprs` (indices of a collapse_shape's or expand_shape's result) as
/// indices of its source.
SmallVector<AffineExpr> indicesBeforeReshape(Operation *reshape, llvm::ArrayRef<AffineExpr> exprs) {
  if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(reshape))
    return indicesBeforeCollapse(collapse, exprs);
  return indicesBeforeExpand(cast<tensor::ExpandShapeOp>(reshape), exprs);
}

/// Whether a value is a static tensor a kernel can gather from.
bool gatherable(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  return type && type.hasStaticShape() && !type.getEncoding();
}

} // namespace

linalg::GenericOp computeReductionInEpilogue(linalg::GenericOp epilogue, int64_t maxTensors,
                                             llvm::function_ref<bool(linalg::GenericOp)> fold,
                                             SmallVectorImpl<Operation *> &dead) {
  if (epilogue.getNumReductionLoops() || !epilogue.hasPureTensorSemantics())
    return {};
  // The input that is the reduction's result, through static reshapes.
  OpOperand *use = nullptr;
  linalg::GenericOp reduction;
  SmallVector<Operation *> reshapes;
  for (OpOperand *input : epilogue.getDpsInputOperands()) {
    Value value = input->get();
    SmallVector<Operation *> chain;
    for (Operation *reshape = value.getDefiningOp();
         isa_and_nonnull<tensor::CollapseShapeOp, tensor::ExpandShapeOp>(reshape) &&
         value.hasOneUse() && cast<ShapedType>(value.getType()).hasStaticShape();
         reshape = value.getDefiningOp()) {
      chain.push_back(reshape);
      value = reshape->getOperand(0);
    }
    auto producer = value.getDefiningOp<linalg::GenericOp>();
    if (producer && value.hasOneUse() && producer.getNumReductionLoops() &&
        producer->getNumResults() == 1 && producer.hasPureTensorSemantics()) {
      use = input;
      reduction = producer;
      reshapes = chain;
      break;
    }
  }
  if (!use || !epilogue.getMatchingIndexingMap(use).isPermutation() || !fold(reduction))
    return {};
  // The reduction's output holds its parallel dims, each once.
  AffineMap outputMap = reduction.getIndexingMapsArray().back();
  auto iterators = reduction.getIteratorTypesArray();
  if (!outputMap.isProjectedPermutation() ||
      outputMap.getNumResults() != reduction.getNumParallelLoops() ||
      !llvm::all_of(outputMap.getResults(),
                    [&](AffineExpr e) {
                      return iterators[cast<AffineDimExpr>(e).getPosition()] ==
                             utils::IteratorType::parallel;
                    }) ||
      !llvm::all_of(reduction->getOperands(), gatherable))
    return {};
  // linalg.index at the top of its body only: those become loop values.
  bool nestedIndex = false;
  for (Operation &op : *reduction.getBody())
    op.walk([&](linalg::IndexOp index) { nestedIndex |= index.getOperation() != &op; });
  if (nestedIndex)
    return {};
  // Where its output starts (nothing, unless its body reads it), and the
  // fill or copy that then goes with it.
  OpOperand &init = reduction.getDpsInitsMutable()[0];
  std::optional<codegen::gpu::InitialValue> start;
  SmallVector<Operation *> writers;
  if (reduction.payloadUsesValueFromOperand(&init)) {
    start = knownStart(reduction, init, &writers);
    if (!start || (start->source && !gatherable(start->source)))
      return {};
  }

  // The reduction's output indices in the epilogue's dims.
  SmallVector<AffineExpr> outputIndices(epilogue.getMatchingIndexingMap(use).getResults());
  for (Operation *reshape : reshapes) // outermost first
    outputIndices = indicesBeforeReshape(reshape, outputIndices);

  OpBuilder b(epilogue);
  Location loc = epilogue.getLoc();
  IRMapping mapping;
  linalg::GenericOp fused = copyWithoutInput(b, epilogue, *use, mapping);
  Block *old = epilogue.getBody();

  SmallVector<Value> dims;
  for (unsigned d = 0; d < epilogue.getNumLoops(); ++d)
    dims.push_back(linalg::IndexOp::create(b, loc, uint64_t(d)));
  SmallVector<Value> output;
  for (AffineExpr index : outputIndices)
    output.push_back(affine::expandAffineExpr(b, loc, index, dims, {}));
  // The reduction's loop values: its parallel dims from the output's
  // indices, its reduction dims from the loops below.
  SmallVector<Value> loopValues(reduction.getNumLoops());
  for (auto [r, expr] : llvm::enumerate(outputMap.getResults()))
    loopValues[cast<AffineDimExpr>(expr).getPosition()] = output[r];
  Type elementType = cast<ShapedType>(reduction.getResult(0).getType()).getElementType();
  Value initial;
  if (!start) { // not read
    initial = arith::ConstantOp::create(b, loc, b.getZeroAttr(elementType));
  } else if (start->constant) {
    initial = arith::ConstantOp::create(b, loc, start->constant);
  } else {
    SmallVector<Value> indices;
    for (AffineExpr index : start->sourceMap.getResults())
      indices.push_back(affine::expandAffineExpr(b, loc, index, output, {}));
    initial = tensor::ExtractOp::create(b, loc, start->source, indices);
  }
  SmallVector<Value> lower, upper, steps;
  SmallVector<unsigned> reductionDims;
  reduction.getReductionDims(reductionDims);
  SmallVector<int64_t> ranges = reduction.getStaticLoopRanges();
  for (unsigned d : reductionDims) {
    lower.push_back(arith::ConstantIndexOp::create(b, loc, 0));
    upper.push_back(arith::ConstantIndexOp::create(b, loc, ranges[d]));
    steps.push_back(arith::ConstantIndexOp::create(b, loc, 1));
  }
  Block *reductionBody = reduction.getBody();
  scf::LoopNest loops = scf::buildLoopNest(
      b, loc, lower, upper, steps, ValueRange{initial},
      [&](OpBuilder &nested, Location at, ValueRange ivs, ValueRange accumulators) {
        for (auto [d, iv] : llvm::zip(reductionDims, ivs))
          loopValues[d] = iv;
        IRMapping inner;
        for (OpOperand *input : reduction.getDpsInputOperands()) {
          SmallVector<Value> indices;
          for (AffineExpr index : reduction.getMatchingIndexingMap(input).getResults())
            indices.push_back(affine::expandAffineExpr(nested, at, index, loopValues, {}));
          inner.map(reductionBody->getArgument(input->getOperandNumber()),
                    tensor::ExtractOp::create(nested, at, input->get(), indices).getResult());
        }
        inner.map(reductionBody->getArguments().back(), accumulators[0]);
        for (Operation &op : reductionBody->without_terminator()) {
          if (auto index = dyn_cast<linalg::IndexOp>(op)) // the reduction's dim
            inner.map(index.getResult(), loopValues[index.getDim()]);
          else
            nested.clone(op, inner);
        }
        return scf::ValueVector{
            inner.lookupOrDefault(reductionBody->getTerminator()->getOperand(0))};
      });
  mapping.map(old->getArgument(use->getOperandNumber()), loops.results[0]);
  for (Operation &op : *old)
    b.clone(op, mapping);

  SetVector<Value> gathered;
  getUsedValuesDefinedAbove(fused.getRegion(), gathered);
  int64_t tensors = llvm::count_if(fused->getOperandTypes(), llvm::IsaPred<ShapedType>) +
                    llvm::count_if(gathered, [](Value v) { return isa<ShapedType>(v.getType()); });
  if (tensors > maxTensors || failed(verify(fused)) || !whyNoKernel(fused).empty()) {
    fused->erase();
    return {};
  }
  // Both ops' locations: the profile names the ONNX nodes a kernel runs.
  fused->setLoc(b.getFusedLoc({epilogue.getLoc(), reduction.getLoc()}));
  epilogue->replaceAllUsesWith(fused->getResults());
  dead.push_back(epilogue);
  dead.append(reshapes.begin(), reshapes.end());
  dead.push_back(reduction);
  dead.append(writers.begin(), writers.end());
  return fused;
}

} // namespace quantc::gpu
