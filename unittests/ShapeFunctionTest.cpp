// Unit tests of qnn shape functions, ONNX slice clamping and --input-shape parsing.
#include "dialects/QNN/QNNOps.h"
#include "dialects/QNN/QNNShapeUtils.h"
#include "quantc/Import/ONNX.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

#include <limits>

using namespace mlir;
using namespace quantc;

namespace {

TEST(SliceBoundsTest, ClampsLikeOnnx) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  auto check = [](int64_t dim, int64_t start, int64_t end, int64_t step, int64_t first,
                  int64_t size) {
    qnn::SliceBounds b = qnn::computeSliceBounds(dim, start, end, step);
    EXPECT_EQ(b.start, first) << dim << " " << start << " " << end << " " << step;
    EXPECT_EQ(b.size, size) << dim << " " << start << " " << end << " " << step;
  };
  check(10, 0, 3, 1, 0, 3);
  check(10, 1, kMax, 1, 1, 9);     // "to the end"
  check(10, -3, -1, 1, 7, 2);      // negatives count from the end
  check(10, 0, 10, 3, 0, 4);       // 0 3 6 9
  check(10, -1, kMin, -1, 9, 10);  // full reverse
  check(10, 20, 0, -2, 9, 5);      // start clamps to dim - 1: 9 7 5 3 1
  check(10, 5, 2, 1, 5, 0);        // empty
  check(4, -100, 100, 1, 0, 4);
}

TEST(InputShapeOptionTest, ParsesAndRejects) {
  ONNXImportOptions options;
  EXPECT_EQ(parseInputShape("x=1,3,48,320", options), "");
  EXPECT_EQ(options.inputShapes["x"], (std::vector<int64_t>{1, 3, 48, 320}));
  EXPECT_NE(parseInputShape("x", options), "");
  EXPECT_NE(parseInputShape("x=", options), "");
  EXPECT_NE(parseInputShape("x=1,0", options), "");
  EXPECT_NE(parseInputShape("x=1,-3", options), "");
  EXPECT_NE(parseInputShape("x=a", options), "");
}

class ShapeFunctionTest : public ::testing::Test {
protected:
  ShapeFunctionTest() : builder(&context), loc(builder.getUnknownLoc()) {
    context.loadDialect<qnn::QNNDialect>();
  }
  Value placeholder(ArrayRef<int64_t> shape, Type element = {}) {
    auto type = RankedTensorType::get(shape, element ? element : builder.getF32Type());
    return qnn::ConstantOp::create(builder, loc,
                                   DenseElementsAttr::get(type, builder.getZeroAttr(type.getElementType())));
  }
  MLIRContext context;
  OpBuilder builder;
  Location loc;
};

TEST_F(ShapeFunctionTest, DilatedStridedConv) {
  // in 17, kernel 3 dilated by 2 (span 5), pads 1+1, stride 2: (17+2-5)/2+1 = 8
  auto conv = qnn::ConvOp::create(builder, loc, placeholder({2, 4, 17, 9}),
                                  placeholder({6, 4, 3, 3}), Value(), ArrayRef<int64_t>{2, 1},
                                  ArrayRef<int64_t>{2, 1}, ArrayRef<int64_t>{1, 0, 1, 0}, 1);
  EXPECT_EQ(conv.getType().getShape(), ArrayRef<int64_t>({2, 6, 8, 7}));
}

TEST_F(ShapeFunctionTest, MatMulBroadcastsBatchAndPromotesVectors) {
  auto batched = qnn::MatMulOp::create(builder, loc, placeholder({5, 1, 2, 3}),
                                       placeholder({4, 3, 7}));
  EXPECT_EQ(batched.getType().getShape(), ArrayRef<int64_t>({5, 4, 2, 7}));
  auto vector = qnn::MatMulOp::create(builder, loc, placeholder({3}), placeholder({3, 7}));
  EXPECT_EQ(vector.getType().getShape(), ArrayRef<int64_t>({7}));
}

TEST_F(ShapeFunctionTest, ReshapeCopiesZerosAndInfersMinusOne) {
  auto reshape = qnn::ReshapeOp::create(builder, loc, placeholder({2, 3, 4}),
                                        ArrayRef<int64_t>{0, -1}, false);
  EXPECT_EQ(reshape.getType().getShape(), ArrayRef<int64_t>({2, 12}));
  auto dynamic = qnn::ReshapeOp::create(builder, loc, placeholder({ShapedType::kDynamic, 4}),
                                        ArrayRef<int64_t>{0, 2, -1}, false);
  EXPECT_EQ(dynamic.getType().getShape(), ArrayRef<int64_t>({ShapedType::kDynamic, 2, ShapedType::kDynamic}));
}

TEST_F(ShapeFunctionTest, ConvTransposeWithOutputPadding) {
  // stride 2 * (5 - 1) + 1 + (3 - 1) + 1 - 1 - 1 = 10
  auto deconv = qnn::ConvTransposeOp::create(
      builder, loc, placeholder({1, 8, 5, 5}), placeholder({8, 2, 3, 3}), Value(),
      ArrayRef<int64_t>{2, 2}, ArrayRef<int64_t>{1, 1}, ArrayRef<int64_t>{1, 1, 1, 1},
      ArrayRef<int64_t>{1, 1}, 2);
  EXPECT_EQ(deconv.getType().getShape(), ArrayRef<int64_t>({1, 4, 10, 10}));
}

TEST_F(ShapeFunctionTest, ResizeFloorsScaledDims) {
  auto resize = qnn::ResizeOp::create(builder, loc, placeholder({1, 3, 5, 7}),
                                      ArrayRef<float>{1.0f, 1.0f, 0.5f, 1.5f}, nullptr, "nearest",
                                      "asymmetric", "floor");
  EXPECT_EQ(resize.getType().getShape(), ArrayRef<int64_t>({1, 3, 2, 10}));
}

TEST_F(ShapeFunctionTest, ShapeOfFoldsStaticDims) {
  auto shape = qnn::ShapeOfOp::create(builder, loc, placeholder({2, 3, 4}), -2, IntegerAttr());
  SmallVector<OpFoldResult> folded;
  ASSERT_TRUE(succeeded(shape->fold(folded)));
  auto values = cast<DenseElementsAttr>(cast<Attribute>(folded.front()));
  EXPECT_EQ(SmallVector<int64_t>(values.getValues<int64_t>()), SmallVector<int64_t>({3, 4}));
}

} // namespace
