// The LUT kernels' table lookup in plain vector ops, and the choice of a
// family's lookup instruction.
#include "quantc/Codegen/DotInstruction.h"
#include "quantc/Codegen/Lowering.h"

#include "dialects/QKernel/QKernelOps.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace quantc::codegen {
namespace {

/// One compare and select per table entry: what a target without a byte
/// shuffle does.
class GenericLookup : public TableLookup {
public:
  Value lookup(OpBuilder &b, Location loc, Value table, Value indices) const override {
    auto type = cast<VectorType>(indices.getType());
    Value result = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(type, b.getI8IntegerAttr(0).getValue()));
    for (int64_t entry = 0; entry < 16; ++entry) {
      Value key = arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(type, b.getI8IntegerAttr(int8_t(entry)).getValue()));
      Value hit = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, indices, key);
      Value value = vector::BroadcastOp::create(
          b, loc, type, vector::ExtractOp::create(b, loc, table, ArrayRef<int64_t>{entry}));
      result = arith::SelectOp::create(b, loc, hit, value, result);
    }
    return result;
  }
};

} // namespace

std::unique_ptr<TableLookup> createGenericLookup() { return std::make_unique<GenericLookup>(); }

unsigned familyLutLanes(llvm::StringRef family) {
  if (family == "vnni")
    return 64;
  if (family == "avx2")
    return 32;
  if (family == "neon" || family == "generic")
    return 16;
  return 0;
}

std::unique_ptr<TableLookup> createTableLookup(llvm::StringRef family, unsigned lanes) {
  if (family == "generic")
    return createGenericLookup();
  if (!familyLutLanes(family) || lanes != familyLutLanes(family))
    return nullptr;
  return family == "neon" ? createNeonLookup() : createX86Lookup();
}

void lowerLookupOps(ModuleOp module) {
  SmallVector<qkernel::LookupOp> lookups;
  module.walk([&](qkernel::LookupOp op) { lookups.push_back(op); });
  for (qkernel::LookupOp op : lookups) {
    OpBuilder b(op);
    Location loc = op.getLoc();
    Type type = op.getType();
    Value table = op.getTable();
    StringRef intrinsic = "llvm.aarch64.neon.tbl1";
    if (op.getInstruction() == "vpshufb") {
      // vpshufb looks up within each 16-byte lane: repeat the table in all.
      int64_t lanes = op.getType().getNumElements();
      SmallVector<int64_t> repeat;
      for (int64_t i = 0; i < lanes; ++i)
        repeat.push_back(i % 16);
      table = vector::ShuffleOp::create(b, loc, table, table, repeat);
      intrinsic = lanes == 64 ? "llvm.x86.avx512.pshuf.b.512" : "llvm.x86.avx2.pshuf.b";
    }
    Value result = LLVM::CallIntrinsicOp::create(b, loc, type, b.getStringAttr(intrinsic),
                                                 ValueRange{table, op.getIndices()})
                       .getResult(0);
    op.getResult().replaceAllUsesWith(result);
    op.erase();
  }
}

} // namespace quantc::codegen
