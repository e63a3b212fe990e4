// Importers that decompose into existing qnn ops: InstanceNormalization,
// GroupNormalization, MeanVarianceNormalization, DepthToSpace, SpaceToDepth
// and the matmul-shaped Einsum equations (transposes, reshapes, one matmul).
#include "NodeContext.h"

#include "dialects/QNN/QNNOps.h"

#include <set>

using namespace mlir;
using namespace quantc::qnn;

namespace quantc::onnx_import {
namespace {

/// A rank-0 constant of `element` type.
FailureOr<Value> scalar(NodeContext &ctx, Type element, double value) {
  auto type = RankedTensorType::get({}, element);
  return ctx.build<ConstantOp>(DenseElementsAttr::get(type, ctx.builder.getFloatAttr(element, value)));
}

/// (x - mean) / sqrt(var + eps) over `axes` (biased variance, as ONNX).
FailureOr<Value> normalize(NodeContext &ctx, Value x, ArrayRef<int64_t> axes, double epsilon) {
  Type element = cast<RankedTensorType>(x.getType()).getElementType();
  auto mean = ctx.build<ReduceMeanOp>(x, axes, true);
  if (failed(mean))
    return failure();
  auto centered = ctx.build<SubOp>(x, *mean);
  if (failed(centered))
    return failure();
  auto squares = ctx.build<MulOp>(*centered, *centered);
  if (failed(squares))
    return failure();
  auto variance = ctx.build<ReduceMeanOp>(*squares, axes, true);
  auto eps = scalar(ctx, element, epsilon);
  if (failed(variance) || failed(eps))
    return failure();
  auto shifted = ctx.build<AddOp>(*variance, *eps);
  if (failed(shifted))
    return failure();
  auto deviation = ctx.build<SqrtOp>(*shifted);
  if (failed(deviation))
    return failure();
  return ctx.build<DivOp>(*centered, *deviation);
}

/// y * scale + bias with per-channel [C] vectors broadcast over dims after 1.
FailureOr<Value> channelAffine(NodeContext &ctx, Value y, Value scale, Value bias, int64_t rank) {
  SmallVector<int64_t> shape{-1};
  shape.append(rank - 2, 1);
  auto s = ctx.build<ReshapeOp>(scale, shape, false);
  if (failed(s))
    return failure();
  auto scaled = ctx.build<MulOp>(y, *s);
  if (failed(scaled) || !bias)
    return scaled;
  auto b = ctx.build<ReshapeOp>(bias, shape, false);
  if (failed(b))
    return failure();
  return ctx.build<AddOp>(*scaled, *b);
}

SmallVector<int64_t> spatialAxes(int64_t rank) {
  SmallVector<int64_t> axes;
  for (int64_t d = 2; d < rank; ++d)
    axes.push_back(d);
  return axes;
}

LogicalResult importInstanceNorm(NodeContext &ctx) {
  int64_t rank = ctx.inputType(0).getRank();
  if (rank < 3)
    return ctx.error("needs an input of rank 3 or more (N, C, spatial...)");
  auto y = normalize(ctx, ctx.input(0), spatialAxes(rank), ctx.getFloat("epsilon", 1e-5f));
  if (failed(y))
    return failure();
  auto out = channelAffine(ctx, *y, ctx.input(1), ctx.input(2), rank);
  return failed(out) ? failure() : ctx.setOutputs({*out});
}

LogicalResult importGroupNorm(NodeContext &ctx) {
  if (!ctx.hasInput(0) || !ctx.hasInput(1) || !ctx.hasInput(2)) // opset 18: newer than libonnx
    return ctx.error("needs X, scale and bias");
  auto type = ctx.inputType(0);
  int64_t rank = type.getRank(), groups = ctx.getInt("num_groups", 0);
  if (rank < 3 || !type.hasStaticShape())
    return ctx.error("needs a static input of rank 3 or more; bind dims with --input-shape");
  int64_t channels = type.getDimSize(1);
  if (groups < 1 || channels % groups)
    return ctx.error("num_groups " + Twine(groups) + " does not divide " + Twine(channels) +
                     " channels");
  auto grouped = ctx.build<ReshapeOp>(ctx.input(0), ArrayRef<int64_t>{type.getDimSize(0), groups, -1},
                                      false);
  if (failed(grouped))
    return failure();
  auto y = normalize(ctx, *grouped, {2}, ctx.getFloat("epsilon", 1e-5f));
  if (failed(y))
    return failure();
  // Opset 18 scales per group, opset 21 per channel.
  bool perGroup = ctx.inputType(1).getNumElements() == groups && groups != channels;
  if (perGroup) {
    auto scaled = channelAffine(ctx, *y, ctx.input(1), ctx.input(2), 3);
    if (failed(scaled))
      return failure();
    return ctx.emit<ReshapeOp>(*scaled, type.getShape(), false);
  }
  auto restored = ctx.build<ReshapeOp>(*y, type.getShape(), false);
  if (failed(restored))
    return failure();
  auto out = channelAffine(ctx, *restored, ctx.input(1), ctx.input(2), rank);
  return failed(out) ? failure() : ctx.setOutputs({*out});
}

LogicalResult importMeanVarianceNorm(NodeContext &ctx) {
  SmallVector<int64_t> axes = ctx.getInts("axes").value_or(SmallVector<int64_t>{0, 2, 3});
  auto y = normalize(ctx, ctx.input(0), axes, 1e-9);
  return failed(y) ? failure() : ctx.setOutputs({*y});
}

/// reshape -> transpose -> reshape, the shape of DepthToSpace/SpaceToDepth.
LogicalResult rearrange(NodeContext &ctx, ArrayRef<int64_t> split, ArrayRef<int64_t> perm,
                        ArrayRef<int64_t> result) {
  auto a = ctx.build<ReshapeOp>(ctx.input(0), split, false);
  if (failed(a))
    return failure();
  auto t = ctx.build<TransposeOp>(*a, perm);
  if (failed(t))
    return failure();
  return ctx.emit<ReshapeOp>(*t, result, false);
}

LogicalResult importDepthToSpace(NodeContext &ctx) {
  auto type = ctx.inputType(0);
  int64_t b = ctx.getInt("blocksize", 0);
  if (type.getRank() != 4 || !type.hasStaticShape() || b < 1 ||
      type.getDimSize(1) % (b * b))
    return ctx.error("needs a static NCHW input whose channels divide by blocksize^2");
  int64_t n = type.getDimSize(0), c = type.getDimSize(1) / (b * b), h = type.getDimSize(2),
          w = type.getDimSize(3);
  if (ctx.getString("mode", "DCR") == "CRD")
    return rearrange(ctx, {n, c, b, b, h, w}, {0, 1, 4, 2, 5, 3}, {n, c, h * b, w * b});
  return rearrange(ctx, {n, b, b, c, h, w}, {0, 3, 4, 1, 5, 2}, {n, c, h * b, w * b});
}

LogicalResult importSpaceToDepth(NodeContext &ctx) {
  auto type = ctx.inputType(0);
  int64_t b = ctx.getInt("blocksize", 0);
  if (type.getRank() != 4 || !type.hasStaticShape() || b < 1 || type.getDimSize(2) % b ||
      type.getDimSize(3) % b)
    return ctx.error("needs a static NCHW input whose height and width divide by blocksize");
  int64_t n = type.getDimSize(0), c = type.getDimSize(1), h = type.getDimSize(2) / b,
          w = type.getDimSize(3) / b;
  return rearrange(ctx, {n, c, h, b, w, b}, {0, 3, 5, 1, 2, 4}, {n, c * b * b, h, w});
}

//===----------------------------------------------------------------------===//
// Einsum
//===----------------------------------------------------------------------===//

/// One operand of an einsum: its letters and its value, reduced over letters
/// that appear nowhere else and permuted to `order`.
struct Term {
  std::string letters;
  Value value;
};

FailureOr<Term> reduceAndPermute(NodeContext &ctx, Term term, const std::string &keep,
                                 const std::string &order) {
  SmallVector<int64_t> axes;
  std::string kept;
  for (size_t i = 0; i < term.letters.size(); ++i)
    (keep.find(term.letters[i]) == std::string::npos ? axes.push_back(int64_t(i))
                                                     : void(kept += term.letters[i]));
  if (!axes.empty()) {
    auto reduced = ctx.build<ReduceOp>(term.value, "sum", axes, false);
    if (failed(reduced))
      return failure();
    term = {kept, *reduced};
  }
  SmallVector<int64_t> perm;
  for (char c : order)
    if (size_t at = term.letters.find(c); at != std::string::npos)
      perm.push_back(int64_t(at));
  if (perm.size() != term.letters.size())
    return term;
  auto permuted = ctx.build<TransposeOp>(term.value, perm);
  if (failed(permuted))
    return failure();
  std::string letters;
  for (int64_t p : perm)
    letters += term.letters[p];
  return Term{letters, *permuted};
}

int64_t product(RankedTensorType type, size_t from, size_t to) {
  int64_t n = 1;
  for (size_t d = from; d < to; ++d)
    n *= type.getDimSize(d);
  return n;
}

LogicalResult importEinsum(NodeContext &ctx) {
  std::string equation;
  for (char c : ctx.getString("equation", ""))
    if (c != ' ')
      equation += c;
  size_t arrow = equation.find("->");
  std::string inputs = equation.substr(0, arrow);
  std::vector<std::string> operands;
  for (size_t start = 0;;) {
    size_t comma = inputs.find(',', start);
    operands.push_back(inputs.substr(start, comma - start));
    if (comma == std::string::npos)
      break;
    start = comma + 1;
  }
  std::string output;
  if (arrow != std::string::npos) {
    output = equation.substr(arrow + 2);
  } else { // implicit: the letters that appear once, in alphabetical order
    std::multiset<char> seen(inputs.begin(), inputs.end());
    for (char c = 'A'; c <= 'z'; ++c)
      if (std::isalpha(c) && seen.count(c) == 1)
        output += c;
  }
  for (int i = 0; i < ctx.node.input_size(); ++i)
    if (!ctx.hasInput(i))
      return ctx.error("input " + Twine(i) + " is empty");
  if (int(operands.size()) != ctx.node.input_size() || operands.empty() || operands.size() > 2)
    return ctx.error("equation '" + equation + "': one or two operands are supported, matching the inputs");
  for (const std::string &letters : llvm::concat<const std::string>(operands, ArrayRef<std::string>(output))) {
    std::set<char> unique(letters.begin(), letters.end());
    if (unique.size() != letters.size() || llvm::any_of(letters, [](char c) { return !std::isalpha(c); }))
      return ctx.error("equation '" + equation + "': ellipses, diagonals and repeated letters in one "
                       "term are not supported");
  }
  for (size_t i = 0; i < operands.size(); ++i) {
    auto type = ctx.inputType(int(i));
    if (!type.hasStaticShape() || type.getRank() != int64_t(operands[i].size()))
      return ctx.error("equation '" + equation + "': operand " + Twine(i) +
                       " must be static with one letter per dim");
  }
  if (operands.size() == 1) {
    auto term = reduceAndPermute(ctx, {operands[0], ctx.input(0)}, output, output);
    return failed(term) ? failure() : ctx.setOutputs({term->value});
  }
  const std::string &a = operands[0], &b = operands[1];
  auto in = [](const std::string &s, char c) { return s.find(c) != std::string::npos; };
  std::string batch, contract, left, right;
  for (char c : output) {
    if (in(a, c) && in(b, c))
      batch += c;
    else if (in(a, c))
      left += c;
    else if (in(b, c))
      right += c;
    else
      return ctx.error("equation '" + equation + "': output letter '" + std::string(1, c) +
                       "' is in no operand");
  }
  for (char c : a)
    if (in(b, c) && !in(output, c))
      contract += c;
  auto lhs = reduceAndPermute(ctx, {a, ctx.input(0)}, batch + left + contract, batch + left + contract);
  auto rhs = reduceAndPermute(ctx, {b, ctx.input(1)}, batch + contract + right, batch + contract + right);
  if (failed(lhs) || failed(rhs))
    return failure();
  auto lt = cast<RankedTensorType>(lhs->value.getType()), rt = cast<RankedTensorType>(rhs->value.getType());
  size_t nb = batch.size(), nl = left.size(), nc = contract.size();
  for (size_t i = 0; i < nb; ++i)
    if (lt.getDimSize(i) != rt.getDimSize(i))
      return ctx.error("equation '" + equation + "': batch letter '" + std::string(1, batch[i]) +
                       "' has different sizes (broadcasting is not supported)");
  int64_t batchSize = product(lt, 0, nb), m = product(lt, nb, nb + nl),
          k = product(lt, nb + nl, lt.getRank()), n = product(rt, nb + nc, rt.getRank());
  if (k != product(rt, nb, nb + nc))
    return ctx.error("equation '" + equation + "': contracted dims differ in size");
  auto l3 = ctx.build<ReshapeOp>(lhs->value, ArrayRef<int64_t>{batchSize, m, k}, false);
  auto r3 = ctx.build<ReshapeOp>(rhs->value, ArrayRef<int64_t>{batchSize, k, n}, false);
  if (failed(l3) || failed(r3))
    return failure();
  auto product3 = ctx.build<MatMulOp>(*l3, *r3);
  if (failed(product3))
    return failure();
  SmallVector<int64_t> shape;
  for (size_t i = 0; i < nb + nl; ++i)
    shape.push_back(lt.getDimSize(i));
  for (size_t i = nb + nc; i < size_t(rt.getRank()); ++i)
    shape.push_back(rt.getDimSize(i));
  auto full = ctx.build<ReshapeOp>(*product3, shape, false);
  if (failed(full))
    return failure();
  auto term = reduceAndPermute(ctx, {batch + left + right, *full}, output, output);
  return failed(term) ? failure() : ctx.setOutputs({term->value});
}

} // namespace

void registerLayoutImporters(OpImporterMap &map) {
  map["InstanceNormalization"] = importInstanceNorm;
  map["GroupNormalization"] = importGroupNorm;
  map["MeanVarianceNormalization"] = importMeanVarianceNorm;
  map["DepthToSpace"] = importDepthToSpace;
  map["SpaceToDepth"] = importSpaceToDepth;
  map["Einsum"] = importEinsum;
}

} // namespace quantc::onnx_import
