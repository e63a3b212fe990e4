// qkernel.gather_rows -> one linalg.generic over the result: each element
// reads its row's byte, shifts its code out and scales it. The lookup moves
// a few rows per call (a decoder step reads one), so plain loops suffice.
#include "dialects/QKernel/QKernelOps.h"
#include "quantc/Codegen/Lowering.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace quantc::codegen {
namespace {

Value indexConstant(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// The table row `raw` names: negative rows count from the end; rows
/// outside the table are clamped into it, so a bad id reads a real row
/// instead of memory past the weights.
Value tableRow(OpBuilder &b, Location loc, Value raw, int64_t rows) {
  Value index = arith::IndexCastOp::create(b, loc, b.getIndexType(), raw);
  Value zero = indexConstant(b, loc, 0);
  Value negative = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, index, zero);
  Value wrapped = arith::AddIOp::create(b, loc, index, indexConstant(b, loc, rows));
  Value row = arith::SelectOp::create(b, loc, negative, wrapped, index);
  row = arith::MaxSIOp::create(b, loc, row, zero);
  return arith::MinSIOp::create(b, loc, row, indexConstant(b, loc, rows - 1));
}

} // namespace

linalg::GenericOp lowerGatherRows(qkernel::GatherRowsOp op) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  MLIRContext *context = b.getContext();
  RankedTensorType type = op.getOutput().getType();
  int64_t rank = type.getRank(), indexRank = op.getIndices().getType().getRank();
  int64_t bits = op.getBits(), group = op.getGroup();
  int64_t rows = op.getTable().getType().getDimSize(0);
  SmallVector<AffineExpr> indexDims;
  for (int64_t d = 0; d < indexRank; ++d)
    indexDims.push_back(getAffineDimExpr(d, context));
  SmallVector<AffineMap> maps = {AffineMap::get(rank, 0, indexDims, context),
                                 AffineMap::getMultiDimIdentityMap(rank, context)};
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  Value init = tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType());
  auto generic = linalg::GenericOp::create(
      b, loc, type, op.getIndices(), init, maps, iterators,
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Value row = tableRow(nb, l, args[0], rows);
        Value column = linalg::IndexOp::create(nb, l, rank - 1);
        Value bitIndex = arith::MulIOp::create(nb, l, column, indexConstant(nb, l, bits));
        Value byteIndex = arith::DivUIOp::create(nb, l, bitIndex, indexConstant(nb, l, 8));
        Value byte = tensor::ExtractOp::create(nb, l, op.getTable(), ValueRange{row, byteIndex});
        Value word = arith::ExtUIOp::create(nb, l, nb.getI32Type(), byte);
        Value shift = arith::IndexCastOp::create(
            nb, l, nb.getI32Type(), arith::RemUIOp::create(nb, l, bitIndex, indexConstant(nb, l, 8)));
        Value code = arith::AndIOp::create(
            nb, l, arith::ShRUIOp::create(nb, l, word, shift),
            arith::ConstantIntOp::create(nb, l, nb.getI32Type(), (int64_t(1) << bits) - 1));
        Value param = group ? arith::DivUIOp::create(nb, l, column, indexConstant(nb, l, group))
                                  .getResult()
                            : indexConstant(nb, l, 0);
        Value zero;
        if (Value zeros = op.getZeroPoints())
          zero = arith::ExtUIOp::create(
              nb, l, nb.getI32Type(), tensor::ExtractOp::create(nb, l, zeros, ValueRange{row, param}));
        else
          zero = arith::ConstantIntOp::create(nb, l, nb.getI32Type(), int64_t(*op.getZeroPoint()));
        Value scale = tensor::ExtractOp::create(nb, l, op.getScales(), ValueRange{row, param});
        if (!scale.getType().isF32())
          scale = arith::ExtFOp::create(nb, l, nb.getF32Type(), scale);
        // float(int32 difference) * scale: qnn.dequantize's arithmetic, the same bits.
        Value centered = arith::SubIOp::create(nb, l, code, zero);
        Value real = arith::SIToFPOp::create(nb, l, nb.getF32Type(), centered);
        linalg::YieldOp::create(nb, l, arith::MulFOp::create(nb, l, real, scale).getResult());
      });
  op.getOutput().replaceAllUsesWith(generic.getResult(0));
  op.erase();
  return generic;
}

void lowerGatherRowsOps(ModuleOp module) {
  SmallVector<qkernel::GatherRowsOp> ops;
  module.walk([&](qkernel::GatherRowsOp op) { ops.push_back(op); });
  for (qkernel::GatherRowsOp op : ops)
    lowerGatherRows(op);
}

} // namespace quantc::codegen
