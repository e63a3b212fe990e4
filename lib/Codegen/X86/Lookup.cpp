// The x86 table lookup: `vpshufb` (qkernel.lookup, an intrinsic once
// buffers are final).
#include "quantc/Codegen/DotInstruction.h"

#include "dialects/QKernel/QKernelOps.h"

using namespace mlir;

namespace quantc::codegen {
namespace {

class X86Lookup : public TableLookup {
public:
  Value lookup(OpBuilder &b, Location loc, Value table, Value indices) const override {
    return qkernel::LookupOp::create(b, loc, indices.getType(), table, indices,
                                     b.getStringAttr("vpshufb"));
  }
};

} // namespace

std::unique_ptr<TableLookup> createX86Lookup() { return std::make_unique<X86Lookup>(); }

} // namespace quantc::codegen
