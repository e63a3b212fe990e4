// The AArch64 dot instruction: arm_neon.intr.sdot (FEAT_DotProd).
#include "quantc/Codegen/DotInstruction.h"

#include "mlir/Dialect/ArmNeon/ArmNeonDialect.h"

using namespace mlir;

namespace quantc::codegen {
namespace {

/// sdot v.4s, v.16b, v.16b: s8 x s8, so 8-bit codes are stored as signed
/// bytes (c - 128); narrower codes are below 128 and read the same.
class NeonDot : public DotInstruction {
public:
  Value dot(OpBuilder &b, Location loc, Value acc, Value weights,
            Value activations) const override {
    return arm_neon::SdotOp::create(b, loc, acc.getType(), acc, weights, activations);
  }
};

} // namespace

std::unique_ptr<DotInstruction> createNeonDot() { return std::make_unique<NeonDot>(); }

} // namespace quantc::codegen
