// The AArch64 table lookup: NEON `tbl` (qkernel.lookup, an intrinsic once
// buffers are final).
#include "quantc/Codegen/DotInstruction.h"

#include "dialects/QKernel/QKernelOps.h"

using namespace mlir;

namespace quantc::codegen {
namespace {

class NeonLookup : public TableLookup {
public:
  Value lookup(OpBuilder &b, Location loc, Value table, Value indices) const override {
    return qkernel::LookupOp::create(b, loc, indices.getType(), table, indices,
                                     b.getStringAttr("tbl"));
  }
};

} // namespace

std::unique_ptr<TableLookup> createNeonLookup() { return std::make_unique<NeonLookup>(); }

} // namespace quantc::codegen
