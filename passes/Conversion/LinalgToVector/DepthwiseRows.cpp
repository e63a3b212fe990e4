// convert-linalg-depthwise-to-vector: a float depthwise convolution (and
// the activation after it) as one parallel loop over output rows, with
// the padding implicit and each sum held in registers.
#include "passes/Conversion/LinalgToVector/DepthwiseMatch.h"
#include "passes/Conversion/LinalgToVector/ElementwiseBody.h"
#include "passes/Conversion/Passes.h"
#include "quantc/Codegen/Buffers.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

namespace quantc {
#define GEN_PASS_DEF_CONVERTLINALGDEPTHWISETOVECTORPASS
#include "passes/Conversion/Passes.h.inc"

using namespace mlir;

namespace {

using codegen::readOnlyBuffer;

/// The columns of an output row by how their taps read the input: [first,
/// last] read only columns inside it, and vectors of `width` lanes fit in
/// [first, lastVector] (a strided vector reads one whole span of input);
/// the rest (the padding's width over the stride, at either end) check
/// each tap's column.
struct ColumnSplit {
  int64_t first, last, width = 0;
  ColumnSplit(const DepthwiseConv &conv, int64_t lanes) {
    int64_t columns = conv.outputColumns;
    InsideColumns inside = insideColumns(conv);
    first = inside.first, last = inside.last;
    int64_t lastVector = inside.lastVector;
    for (width = lanes; width >= 4; width /= 2)
      if (lastVector - first + 1 >= width)
        break;
    if (width < 4)
      width = 0;
    else
      last = lastVector;
    if (last < first) // every column reaches into the padding
      first = columns, last = columns - 1;
  }
};

/// Whether a global pool reads `result` [N, C, H, W]: a generic summing
/// (or taking the largest of) each channel's plane, its input read whole.
bool pooledGlobally(Value result) {
  return llvm::any_of(result.getUsers(), [&](Operation *user) {
    auto generic = dyn_cast<linalg::GenericOp>(user);
    if (!generic || generic.getNumDpsInputs() != 1 || generic.getDpsInputs()[0] != result ||
        generic.getNumLoops() != 4)
      return false;
    SmallVector<utils::IteratorType> iterators = generic.getIteratorTypesArray();
    return generic.getIndexingMapsArray()[0].isIdentity() &&
           iterators == SmallVector<utils::IteratorType>{
                            utils::IteratorType::parallel, utils::IteratorType::parallel,
                            utils::IteratorType::reduction, utils::IteratorType::reduction};
  });
}

/// One conv's row kernel: its buffers, and the values of the row being built.
class RowKernel {
public:
  RowKernel(DepthwiseConv conv, int64_t lanes)
      : conv(conv), split(conv, lanes), loc(this->conv.conv.getLoc()) {}

  /// The kernel in place of the conv (and its epilogue generic).
  void build(OpBuilder &b);

private:
  Value index(OpBuilder &b, int64_t v) const { return arith::ConstantIndexOp::create(b, loc, v); }
  /// 0 <= position < extent: whether a tap's row or column is in the input.
  Value inRange(OpBuilder &b, Value position, int64_t extent) const {
    return arith::AndIOp::create(
        b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, position, index(b, 0)),
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, position, index(b, extent)));
  }
  Value widen(OpBuilder &b, Value scalar, int64_t width) const {
    return width ? vector::BroadcastOp::create(b, loc, VectorType::get({width}, scalar.getType()),
                                               scalar)
                 : scalar;
  }
  /// `buffer` read through `map` at (n, channel..., oy, ox): a vector along
  /// ox when the map reads ox, else one element broadcast.
  Value readAt(OpBuilder &b, Value buffer, AffineMap map, ValueRange ivs, int64_t width) const;
  void emitRow(OpBuilder &b, ValueRange ivs);
  /// Output columns [ox, ox + width) of the row (one when width is 0),
  /// each tap's column checked when `border`.
  void emitPixels(OpBuilder &b, Value ox, int64_t width, bool border);
  Value loadTap(OpBuilder &b, int64_t ky, int64_t kx, Value ox, int64_t width, bool border);
  /// Whether tap row ky falls outside the input for some output row.
  bool rowMayPad(int64_t ky) const {
    int64_t top = ky * conv.dilationH - conv.padTop;
    return top < 0 || (conv.outputRows - 1) * conv.strideH + top >= conv.inputRows;
  }

  DepthwiseConv conv;
  ColumnSplit split;
  Location loc;
  Value input, weight, start, output;
  SmallVector<Value> epilogueInputs; // null for the conv's own result
  // The row being built.
  Value n, g, f, channel, oy;
  SmallVector<Value> inputRow, rowInside, weights;
};

Value RowKernel::readAt(OpBuilder &b, Value buffer, AffineMap map, ValueRange ivs,
                        int64_t width) const {
  SmallVector<Value> indices;
  for (AffineExpr result : map.getResults())
    indices.push_back(isa<AffineDimExpr>(result)
                          ? ivs[cast<AffineDimExpr>(result).getPosition()]
                          : index(b, cast<AffineConstantExpr>(result).getValue()));
  Type element = cast<MemRefType>(buffer.getType()).getElementType();
  if (width && map.isFunctionOfDim(map.getNumDims() - 1))
    return vector::LoadOp::create(b, loc, VectorType::get({width}, element), buffer, indices);
  return widen(b, memref::LoadOp::create(b, loc, buffer, indices), width);
}

Value RowKernel::loadTap(OpBuilder &b, int64_t ky, int64_t kx, Value ox, int64_t width,
                         bool border) {
  int64_t stride = conv.strideW;
  Value column = arith::AddIOp::create(b, loc, arith::MulIOp::create(b, loc, ox, index(b, stride)),
                                       index(b, kx * conv.dilationW - conv.padLeft));
  Value inside;
  if (border) { // a column in the padding reads 0, as the padded input would
    inside = inRange(b, column, conv.inputColumns);
    column = arith::SelectOp::create(b, loc, inside, column, index(b, 0));
  }
  SmallVector<Value> indices = {n, g, inputRow[ky], column};
  if (!width) {
    Value x = memref::LoadOp::create(b, loc, input, indices);
    if (!border)
      return x;
    Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0));
    return arith::SelectOp::create(b, loc, inside, x, zero);
  }
  if (stride == 1)
    return vector::LoadOp::create(b, loc, VectorType::get({width}, b.getF32Type()), input, indices);
  // Strided columns: one span of the row, every stride-th lane kept.
  Value span = vector::LoadOp::create(b, loc, VectorType::get({width * stride}, b.getF32Type()),
                                      input, indices);
  SmallVector<int64_t> lanes;
  for (int64_t lane = 0; lane < width; ++lane)
    lanes.push_back(lane * stride);
  return vector::ShuffleOp::create(b, loc, span, span, lanes);
}

void RowKernel::emitPixels(OpBuilder &b, Value ox, int64_t width, bool border) {
  Value acc = start ? readAt(b, start, conv.startMap, {n, g, f, oy, ox}, width)
                    : widen(b, conv.startScalar, width);
  // Taps in the conv generic's order (ky, kx), each product added as it
  // adds it: the sums are its sums, without the padding's zero products.
  auto addRow = [&](OpBuilder &rb, int64_t ky, Value sum) {
    for (int64_t kx = 0; kx < conv.kernelColumns; ++kx) {
      Value x = loadTap(rb, ky, kx, ox, width, border);
      Value w = widen(rb, weights[ky * conv.kernelColumns + kx], width);
      sum = arith::AddFOp::create(rb, loc, sum, arith::MulFOp::create(rb, loc, x, w));
    }
    return sum;
  };
  for (int64_t ky = 0; ky < conv.kernelRows; ++ky) {
    if (!rowInside[ky]) {
      acc = addRow(b, ky, acc);
      continue;
    }
    auto ifOp = scf::IfOp::create(b, loc, TypeRange{acc.getType()}, rowInside[ky],
                                  /*withElseRegion=*/true);
    OpBuilder thenBuilder = ifOp.getThenBodyBuilder();
    scf::YieldOp::create(thenBuilder, loc, addRow(thenBuilder, ky, acc));
    OpBuilder elseBuilder = ifOp.getElseBodyBuilder();
    scf::YieldOp::create(elseBuilder, loc, acc);
    acc = ifOp.getResult(0);
  }
  if (conv.epilogue) {
    SmallVector<Value> arguments;
    for (auto [input, operand] : llvm::zip(epilogueInputs, conv.epilogue.getDpsInputOperands()))
      arguments.push_back(input ? readAt(b, input, conv.epilogue.getMatchingIndexingMap(operand),
                                         {n, channel, oy, ox}, width)
                                : acc);
    acc = emitElementwiseBody(b, loc, conv.epilogue, arguments, width);
  }
  SmallVector<Value> indices = {n, channel, oy, ox};
  if (width)
    vector::StoreOp::create(b, loc, acc, output, indices);
  else
    memref::StoreOp::create(b, loc, acc, output, indices);
}

void RowKernel::emitRow(OpBuilder &b, ValueRange ivs) {
  n = ivs[0], g = ivs[1], f = ivs[2], oy = ivs[3];
  channel =
      arith::AddIOp::create(b, loc, arith::MulIOp::create(b, loc, g, index(b, conv.multiplier)), f);
  inputRow.clear(), rowInside.clear(), weights.clear();
  for (int64_t ky = 0; ky < conv.kernelRows; ++ky) {
    Value row =
        arith::AddIOp::create(b, loc, arith::MulIOp::create(b, loc, oy, index(b, conv.strideH)),
                              index(b, ky * conv.dilationH - conv.padTop));
    inputRow.push_back(row);
    rowInside.push_back(rowMayPad(ky) ? inRange(b, row, conv.inputRows) : Value());
    for (int64_t kx = 0; kx < conv.kernelColumns; ++kx)
      weights.push_back(memref::LoadOp::create(
          b, loc, weight, ValueRange{g, f, index(b, 0), index(b, ky), index(b, kx)}));
  }
  // Interior columns: whole vectors, the last one overlapping the one
  // before it when the span is not a multiple (it stores the same values).
  int64_t first = split.first, last = split.last, width = split.width;
  int64_t count = last - first + 1;
  if (width) {
    scf::buildLoopNest(b, loc, index(b, first), index(b, first + count / width * width),
                       index(b, width), [&](OpBuilder &lb, Location, ValueRange column) {
                         emitPixels(lb, column[0], width, false);
                       });
    if (count % width)
      emitPixels(b, index(b, last + 1 - width), width, false);
  } else if (count > 0) {
    scf::buildLoopNest(
        b, loc, index(b, first), index(b, last + 1), index(b, 1),
        [&](OpBuilder &lb, Location, ValueRange column) { emitPixels(lb, column[0], 0, false); });
  }
  // Border columns, left then right, in one loop of checked pixels.
  int64_t after = last + 1, borders = first + (conv.outputColumns - after);
  if (borders > 0)
    scf::buildLoopNest(
        b, loc, index(b, 0), index(b, borders), index(b, 1),
        [&](OpBuilder &lb, Location, ValueRange border) {
          Value isLeft = arith::CmpIOp::create(lb, loc, arith::CmpIPredicate::slt, border[0],
                                               index(lb, first));
          Value right = arith::AddIOp::create(lb, loc, border[0], index(lb, after - first));
          emitPixels(lb, arith::SelectOp::create(lb, loc, isLeft, border[0], right), 0, true);
        });
}

void RowKernel::build(OpBuilder &b) {
  input = readOnlyBuffer(b, loc, conv.input);
  weight = readOnlyBuffer(b, loc, conv.weight);
  if (conv.startTensor)
    start = readOnlyBuffer(b, loc, conv.startTensor);
  Type element = b.getF32Type();
  if (conv.epilogue) {
    element = cast<RankedTensorType>(conv.epilogue.getDpsInits()[0].getType()).getElementType();
    for (Value operand : conv.epilogue.getDpsInputs())
      epilogueInputs.push_back(
          operand == conv.collapse.getResult() ? Value() : readOnlyBuffer(b, loc, operand));
  }
  int64_t channels = conv.groups * conv.multiplier;
  output = memref::AllocOp::create(
      b, loc,
      MemRefType::get({conv.images, channels, conv.outputRows, conv.outputColumns}, element));

  // One iteration per output row of each channel of each image, channels
  // outer: a thread's share is whole channel planes, as the pooling and
  // SE scaling that follow MobileNet's depthwise convs split theirs (rows
  // outer made cls float 50% slower at 2 threads on distant cores). When a
  // global pool reads the result, an iteration is a whole plane (its rows
  // an inner loop), as the pool's are: quantc-fuse-adjacent-parallel-loops
  // then sums each plane where it was written, without a loop and barrier
  // of its own. Dims of size 1 are left out of the loop.
  SmallVector<int64_t> sizes = {conv.images, conv.groups, conv.multiplier, conv.outputRows};
  bool planes = pooledGlobally(
      conv.epilogue ? conv.epilogue.getResult(0)
                    : (conv.collapse ? conv.collapse.getResult() : conv.conv.getResult(0)));
  size_t parallelDims = planes ? 3 : 4;
  SmallVector<Value> lower, upper, steps;
  for (int64_t size : ArrayRef(sizes).take_front(parallelDims))
    if (size > 1)
      lower.push_back(index(b, 0)), upper.push_back(index(b, size)), steps.push_back(index(b, 1));
  if (lower.empty())
    lower.push_back(index(b, 0)), upper.push_back(index(b, 1)), steps.push_back(index(b, 1));
  scf::ParallelOp::create(
      b, loc, lower, upper, steps, [&](OpBuilder &pb, Location, ValueRange loopIvs) {
        SmallVector<Value> ivs;
        size_t next = 0;
        for (int64_t size : ArrayRef(sizes).take_front(parallelDims))
          ivs.push_back(size > 1 ? loopIvs[next++] : index(pb, 0));
        if (!planes)
          return emitRow(pb, ivs);
        scf::buildLoopNest(pb, loc, index(pb, 0), index(pb, conv.outputRows), index(pb, 1),
                           [&](OpBuilder &rb, Location, ValueRange row) {
                             ivs.resize(3);
                             ivs.push_back(row[0]);
                             emitRow(rb, ivs);
                           });
      });

  Value result = codegen::writtenTensor(b, loc, output);
  if (conv.epilogue) {
    conv.epilogue.getResult(0).replaceAllUsesWith(result);
    conv.epilogue.erase();
  }
  if (conv.collapse) {
    conv.collapse.getResult().replaceAllUsesWith(result);
    conv.collapse.erase();
  } else {
    conv.conv.getResult(0).replaceAllUsesWith(
        tensor::ExpandShapeOp::create(b, loc, conv.conv.getResult(0).getType(), result,
                                      SmallVector<ReassociationIndices>{{0}, {1, 2}, {3}, {4}}));
  }
  conv.conv.erase();
}

struct ConvertLinalgDepthwiseToVectorPass
    : impl::ConvertLinalgDepthwiseToVectorPassBase<ConvertLinalgDepthwiseToVectorPass> {
  using Base::Base;
  void runOnOperation() override {
    // Matched one at a time: a kernel replaces values (its epilogue's
    // result) that the next conv may read. Only window generics are
    // collected, which no other conv's kernel erases.
    SmallVector<linalg::GenericOp> generics;
    getOperation().walk([&](linalg::GenericOp generic) {
      if (generic.getNumLoops() == 8 && generic.getNumReductionLoops() == 3)
        generics.push_back(generic);
    });
    for (linalg::GenericOp generic : generics) {
      std::optional<DepthwiseConv> conv = matchDepthwiseConv(generic);
      if (!conv)
        continue;
      // The kernel goes where the last op it replaces was: after every value it reads.
      Operation *last = conv->epilogue ? conv->epilogue.getOperation() : conv->conv.getOperation();
      OpBuilder b(last);
      RowKernel(*conv, lanes).build(b);
    }
  }
};

} // namespace
} // namespace quantc
