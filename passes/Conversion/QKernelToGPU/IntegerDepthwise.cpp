#include "IntegerDepthwise.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace quantc::gpu {

using namespace mlir;

IRMapping cloneEpilogueTables(OpBuilder &b, Region &epilogue) {
  IRMapping tables;
  for (Operation &inner : epilogue.front())
    if (auto table = dyn_cast<arith::ConstantOp>(inner); table && isa<TensorType>(table.getType()))
      b.clone(inner, tables);
  return tables;
}

Value cloneEpilogue(OpBuilder &b, Location loc, Region &epilogue, Value acc, int64_t channelDim,
                    IRMapping values) {
  Block &block = epilogue.front();
  values.map(block.getArgument(0), acc);
  values.map(block.getArgument(1), linalg::IndexOp::create(b, loc, channelDim));
  for (Operation &op : block) {
    if (auto yield = dyn_cast<qkernel::YieldOp>(op))
      return values.lookup(yield.getValue());
    if (!values.contains(op.getResult(0)))
      b.clone(op, values);
  }
  llvm_unreachable("the verifier requires a qkernel.yield terminator");
}

namespace {

/// The input position `out * stride + tap * dilation - pad` along one dim,
/// clamped into [0, extent) so that its load stays in bounds, and whether
/// it was inside.
std::pair<Value, Value> tapPosition(OpBuilder &b, Location loc, Value out, Value tap,
                                    int64_t stride, int64_t dilation, int64_t pad, int64_t extent) {
  auto index = [&](int64_t v) -> Value { return arith::ConstantIndexOp::create(b, loc, v); };
  Value position = arith::SubIOp::create(
      b, loc,
      arith::AddIOp::create(b, loc, arith::MulIOp::create(b, loc, out, index(stride)),
                            arith::MulIOp::create(b, loc, tap, index(dilation))),
      index(pad));
  Value inside = arith::AndIOp::create(
      b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, position, index(0)),
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, position, index(extent)));
  Value clamped = arith::MinSIOp::create(b, loc, arith::MaxSIOp::create(b, loc, position, index(0)),
                                         index(extent - 1));
  return {clamped, inside};
}

} // namespace

bool fitsDepthwiseKernel(qkernel::DepthwiseConvIntegerOp op) {
  auto weight = op.getWeight().getType();
  return weight.getDimSize(0) * weight.getDimSize(1) <= kMaxDepthwiseTaps;
}

linalg::GenericOp depthwiseAsLinalg(qkernel::DepthwiseConvIntegerOp op) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  RankedTensorType outputType = op.getOutput().getType();
  auto inputShape = op.getInput().getType().getShape();
  auto weightShape = op.getWeight().getType().getShape();
  ArrayRef<int64_t> strides = op.getStrides(), dilations = op.getDilations(),
                    pads = op.getPads(); // top, left, bottom, right
  // Tables the epilogue reads at the channel: cloned before the op, read
  // from its body (kernel arguments).
  IRMapping tables = op.hasEpilogue() ? cloneEpilogueTables(b, op.getEpilogue()) : IRMapping();
  MLIRContext *context = b.getContext();
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  Value bias = op.getBias();
  if (bias) {
    inputs.push_back(bias);
    maps.push_back(AffineMap::get(4, 0, getAffineDimExpr(3, context)));
  }
  maps.push_back(b.getMultiDimIdentityMap(4));
  Value init = tensor::EmptyOp::create(b, loc, outputType.getShape(), outputType.getElementType());
  Value input = op.getInput(), weight = op.getWeight();
  auto generic = linalg::GenericOp::create(
      b, loc, outputType, inputs, ValueRange{init}, maps,
      SmallVector<utils::IteratorType>(4, utils::IteratorType::parallel),
      [&](OpBuilder &nb, Location at, ValueRange args) {
        auto index = [&](int64_t v) -> Value { return arith::ConstantIndexOp::create(nb, at, v); };
        Type i32 = nb.getI32Type();
        Value image = linalg::IndexOp::create(nb, at, 0), y = linalg::IndexOp::create(nb, at, 1),
              x = linalg::IndexOp::create(nb, at, 2), c = linalg::IndexOp::create(nb, at, 3);
        Value zeroPoint =
            arith::ConstantIntOp::create(nb, at, nb.getI8Type(), op.getInputZeroPoint());
        Value acc = arith::ConstantIntOp::create(nb, at, i32, 0);
        for (int64_t ky = 0; ky < weightShape[0]; ++ky) {
          auto [row, rowInside] =
              tapPosition(nb, at, y, index(ky), strides[0], dilations[0], pads[0], inputShape[1]);
          for (int64_t kx = 0; kx < weightShape[1]; ++kx) {
            auto [column, columnInside] =
                tapPosition(nb, at, x, index(kx), strides[1], dilations[1], pads[1], inputShape[2]);
            Value tap = tensor::ExtractOp::create(nb, at, input, ValueRange{image, row, column, c});
            tap = arith::SelectOp::create(
                nb, at, arith::AndIOp::create(nb, at, rowInside, columnInside), tap, zeroPoint);
            Value w =
                tensor::ExtractOp::create(nb, at, weight, ValueRange{index(ky), index(kx), c});
            Value product = arith::MulIOp::create(nb, at, arith::ExtSIOp::create(nb, at, i32, tap),
                                                  arith::ExtSIOp::create(nb, at, i32, w));
            acc = arith::AddIOp::create(nb, at, acc, product);
          }
        }
        if (bias) // wrapping, as the CPU kernel, which starts from it
          acc = arith::AddIOp::create(nb, at, acc, args[0]);
        if (op.hasEpilogue())
          acc = cloneEpilogue(nb, at, op.getEpilogue(), acc, 3, tables);
        linalg::YieldOp::create(nb, at, ValueRange{acc});
      });
  op.getOutput().replaceAllUsesWith(generic.getResult(0));
  op.erase();
  return generic;
}

} // namespace quantc::gpu
