// convert-linalg-grouped-convs-to-matmuls: a grouped convolution whose
// groups read several channels each, as an im2col GEMM per group (the form
// convert-qnn-to-linalg gives a convolution of one group), so that its
// groups run on the matmul microkernel instead of a direct loop nest.
#include "passes/Conversion/LinalgToVector/WindowMaps.h"
#include "passes/Conversion/Passes.h"
#include "passes/Conversion/QNNToLinalg/Lowering.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace quantc {
#define GEN_PASS_DEF_CONVERTLINALGGROUPEDCONVSTOMATMULSPASS
#include "passes/Conversion/Passes.h.inc"

using namespace mlir;
using lowering::elementwise;
using lowering::filledTensor;
using lowering::foldResults;

namespace {

/// convPadded's grouped generic: (n, g, f, oy, c, ky, kx, ox) over a padded
/// [N, G, C/G, Hp, Wp] input and [G, F/G, C/G, KH, KW] weights.
struct GroupedConv {
  linalg::GenericOp generic;
  int64_t images, groups, outputsPerGroup, outputRows, channelsPerGroup, kernelRows, kernelColumns,
      outputColumns;
  int64_t strideH, strideW, dilationH, dilationW;
  /// What the GEMMs read: the generic's operands, or their f32 copies when
  /// int8 sums are computed exactly in f32 (exactInFloat).
  Value input, weights;
  bool exactInFloat = false;
};

/// The largest K whose int8 x int8 sums f32 holds exactly: every partial
/// sum is an integer of magnitude at most K * 128 * 128 <= 2^24.
constexpr int64_t kExactFloatDepth = 1024;

/// `value` with a sign extension to the accumulator's type taken off.
Value unextended(Value value) {
  if (auto extend = value.getDefiningOp<arith::ExtSIOp>())
    return extend.getIn();
  return value;
}

/// out + x * w as linalg.matmul computes it: floats of one type, or
/// integers sign-extended to the accumulator's.
bool matmulBody(linalg::GenericOp generic) {
  Block &body = generic.getRegion().front();
  Value out = body.getArgument(2), x = body.getArgument(0), w = body.getArgument(1);
  Value sum = body.getTerminator()->getOperand(0);
  Operation *add = sum.getDefiningOp(), *mul = nullptr;
  if (!add || !isa<arith::AddFOp, arith::AddIOp>(add) || add->getBlock() != &body)
    return false;
  Value product = add->getOperand(0) == out   ? add->getOperand(1)
                  : add->getOperand(1) == out ? add->getOperand(0)
                                              : Value();
  mul = product ? product.getDefiningOp() : nullptr;
  if (!mul || mul->getBlock() != &body ||
      !(isa<arith::AddFOp>(add) ? isa<arith::MulFOp>(mul) : isa<arith::MulIOp>(mul)))
    return false;
  if (isa<arith::MulFOp>(mul) && (x.getType() != out.getType() || w.getType() != out.getType()))
    return false;
  Value lhs = unextended(mul->getOperand(0)), rhs = unextended(mul->getOperand(1));
  size_t extensions = (lhs != mul->getOperand(0)) + (rhs != mul->getOperand(1));
  // The add, the multiply and the yield, and the extensions stripped above.
  if (body.getOperations().size() != 3 + extensions)
    return false;
  return (lhs == x && rhs == w) || (lhs == w && rhs == x);
}

std::optional<GroupedConv> matchGroupedConv(linalg::GenericOp generic) {
  std::optional<ConvWindow> window = groupedConvWindow(generic);
  if (!window || !matmulBody(generic))
    return std::nullopt;
  for (Value operand : generic->getOperands())
    if (!cast<ShapedType>(operand.getType()).hasStaticShape())
      return std::nullopt;
  SmallVector<int64_t> ranges = generic.getStaticLoopRanges();
  // One channel a group is a depthwise convolution: its row kernel's.
  if (ranges[4] < 2)
    return std::nullopt;
  Value input = generic.getDpsInputs()[0], weights = generic.getDpsInputs()[1];
  GroupedConv conv{generic,           ranges[0],       ranges[1],       ranges[2],
                   ranges[3],         ranges[4],       ranges[5],       ranges[6],
                   ranges[7],         window->strideH, window->strideW, window->dilationH,
                   window->dilationW, input,           weights};
  auto elementOf = [](Value value) { return cast<ShapedType>(value.getType()).getElementType(); };
  conv.exactInFloat =
      elementOf(conv.input).isInteger(8) && elementOf(conv.weights).isInteger(8) &&
      elementOf(generic.getDpsInits()[0]).isInteger(32) &&
      conv.channelsPerGroup * conv.kernelRows * conv.kernelColumns <= kExactFloatDepth;
  return conv;
}

/// `value` (int8) as f32, by an elementwise generic. Constant weights too:
/// converted at every call (a grouped conv's weights are a few hundred KB)
/// rather than stored at 4x their size.
Value toFloat(OpBuilder &b, Location loc, Value value) {
  auto floatType = cast<RankedTensorType>(value.getType()).clone(b.getF32Type());
  return elementwise(b, loc, floatType, value,
                     [](OpBuilder &nb, Location l, ValueRange codes) -> Value {
                       return arith::SIToFPOp::create(nb, l, nb.getF32Type(), codes[0]);
                     });
}

/// One group's sums: its weights [F/G, C/G * KH * KW] times its window
/// matrix, into its slice of `sums` (which already holds their start). In
/// f32 from zero when int8 sums are exact there, then added to the start
/// as int32.
Value groupGemm(OpBuilder &b, Location loc, const GroupedConv &conv, OpFoldResult image,
                OpFoldResult group, Value sums) {
  auto inputType = cast<RankedTensorType>(conv.input.getType());
  auto weightType = cast<RankedTensorType>(conv.weights.getType());
  Type sumElement = cast<RankedTensorType>(sums.getType()).getElementType();
  int64_t cg = conv.channelsPerGroup, fg = conv.outputsPerGroup;
  OpFoldResult zero = b.getIndexAttr(0);
  SmallVector<OpFoldResult> unit = foldResults(b, {1, 1, 1, 1, 1});
  auto collapse = [&](Value value, SmallVector<ReassociationIndices> groups) -> Value {
    return tensor::CollapseShapeOp::create(b, loc, value, groups);
  };

  auto imageType =
      RankedTensorType::get(inputType.getShape().drop_front(2), inputType.getElementType());
  Value groupImage = tensor::ExtractSliceOp::create(
      b, loc, imageType, conv.input, {image, group, zero, zero, zero},
      foldResults(b, {1, 1, cg, inputType.getDimSize(3), inputType.getDimSize(4)}), unit);
  Value window = lowering::windowMatrix(
      b, loc, groupImage, {conv.kernelRows, conv.kernelColumns}, {conv.strideH, conv.strideW},
      {conv.dilationH, conv.dilationW}, {conv.outputRows, conv.outputColumns});
  Value columns = collapse(window, {{0, 1, 2}, {3, 4}});

  auto groupWeightType =
      RankedTensorType::get(weightType.getShape().drop_front(), weightType.getElementType());
  Value groupWeights = tensor::ExtractSliceOp::create(
      b, loc, groupWeightType, conv.weights, {group, zero, zero, zero, zero},
      foldResults(b, {1, fg, cg, conv.kernelRows, conv.kernelColumns}), unit);
  Value a = collapse(groupWeights, {{0}, {1, 2, 3}});

  auto groupSumType = RankedTensorType::get({fg, conv.outputRows, conv.outputColumns}, sumElement);
  SmallVector<OpFoldResult> at = {image, group, zero, zero, zero};
  SmallVector<OpFoldResult> sizes = foldResults(b, {1, 1, fg, conv.outputRows, conv.outputColumns});
  Value start = tensor::ExtractSliceOp::create(b, loc, groupSumType, sums, at, sizes, unit);
  Value c = collapse(start, {{0}, {1, 2}});
  Value product;
  if (conv.exactInFloat) {
    auto floatType = cast<RankedTensorType>(c.getType()).clone(b.getF32Type());
    Value zeros = filledTensor(b, loc, floatType, 0.0);
    Value floatSums =
        linalg::MatmulOp::create(b, loc, floatType, ValueRange{a, columns}, zeros).getResult(0);
    // start += sums, in place in the start's slice.
    AffineMap identity = b.getMultiDimIdentityMap(2);
    product = linalg::GenericOp::create(
                  b, loc, c.getType(), floatSums, c, SmallVector<AffineMap>{identity, identity},
                  SmallVector<utils::IteratorType>(2, utils::IteratorType::parallel),
                  [](OpBuilder &nb, Location l, ValueRange args) {
                    Value sum = arith::FPToSIOp::create(nb, l, args[1].getType(), args[0]);
                    linalg::YieldOp::create(nb, l,
                                            ValueRange{arith::AddIOp::create(nb, l, args[1], sum)});
                  })
                  .getResult(0);
  } else {
    product = linalg::MatmulOp::create(b, loc, c.getType(), ValueRange{a, columns}, c).getResult(0);
  }
  Value groupSums = tensor::ExpandShapeOp::create(b, loc, groupSumType, product,
                                                  SmallVector<ReassociationIndices>{{0}, {1, 2}});
  return tensor::InsertSliceOp::create(b, loc, groupSums, sums, at, sizes, unit);
}

/// A loop over images and groups, each iteration one group's GEMM, in
/// place of the generic.
void rewrite(GroupedConv conv) {
  linalg::GenericOp generic = conv.generic;
  OpBuilder b(generic);
  Location loc = generic.getLoc();
  if (conv.exactInFloat) {
    conv.input = toFloat(b, loc, conv.input);
    conv.weights = toFloat(b, loc, conv.weights);
  }
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value images = arith::ConstantIndexOp::create(b, loc, conv.images);
  Value groups = arith::ConstantIndexOp::create(b, loc, conv.groups);
  Value init = generic.getDpsInits()[0];
  auto overImages = scf::ForOp::create(
      b, loc, zero, images, one, init,
      [&](OpBuilder &ib, Location il, Value image, ValueRange imageSums) {
        auto overGroups = scf::ForOp::create(
            ib, il, zero, groups, one, imageSums,
            [&](OpBuilder &gb, Location gl, Value group, ValueRange sums) {
              scf::YieldOp::create(gb, gl, groupGemm(gb, gl, conv, image, group, sums[0]));
            });
        scf::YieldOp::create(ib, il, overGroups.getResults());
      });
  generic.getResult(0).replaceAllUsesWith(overImages.getResult(0));
  generic.erase();
}

struct ConvertLinalgGroupedConvsToMatmulsPass
    : impl::ConvertLinalgGroupedConvsToMatmulsPassBase<ConvertLinalgGroupedConvsToMatmulsPass> {
  void runOnOperation() override {
    SmallVector<GroupedConv> convs;
    getOperation().walk([&](linalg::GenericOp generic) {
      if (std::optional<GroupedConv> conv = matchGroupedConv(generic))
        convs.push_back(*conv);
    });
    for (const GroupedConv &conv : convs)
      rewrite(conv);
  }
};

} // namespace
} // namespace quantc
