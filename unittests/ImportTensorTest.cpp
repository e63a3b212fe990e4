// Unit tests of ONNX tensor conversion: every data field, resources vs literals, external data.
#include "TensorImport.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace mlir;
using quantc::onnx_import::convertTensor;

namespace {

class ImportTensorTest : public ::testing::Test {
protected:
  ElementsAttr convert(const onnx::TensorProto &tensor, const std::string &dir = ".") {
    error.clear();
    return convertTensor(tensor, dir, &context, error);
  }
  MLIRContext context;
  std::string error;
};

onnx::TensorProto floatTensor(std::vector<int64_t> dims, std::vector<float> values) {
  onnx::TensorProto t;
  t.set_name("t");
  t.set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t d : dims)
    t.add_dims(d);
  t.set_raw_data(std::string(reinterpret_cast<const char *>(values.data()), values.size() * 4));
  return t;
}

TEST_F(ImportTensorTest, FloatWeightsBecomeResourceBlobsWithIdenticalBytes) {
  std::vector<float> values = {1.5f, -2.0f, 3.25f, 0.0f, -0.0f, 1e-30f};
  ElementsAttr attr = convert(floatTensor({2, 3}, values));
  auto resource = dyn_cast_or_null<DenseResourceElementsAttr>(attr);
  ASSERT_TRUE(resource) << error;
  EXPECT_EQ(resource.getType(), RankedTensorType::get({2, 3}, Float32Type::get(&context)));
  ArrayRef<char> data = resource.getData();
  ASSERT_EQ(data.size(), values.size() * 4);
  EXPECT_EQ(std::memcmp(data.data(), values.data(), data.size()), 0);
}

TEST_F(ImportTensorTest, FloatScalarStaysInline) {
  auto dense = dyn_cast_or_null<DenseElementsAttr>(convert(floatTensor({1}, {6.0f})));
  ASSERT_TRUE(dense) << error;
  EXPECT_EQ(dense.getValues<float>()[0], 6.0f);
}

TEST_F(ImportTensorTest, Int64FieldBecomesInlineLiteral) {
  onnx::TensorProto t;
  t.set_name("shape");
  t.set_data_type(onnx::TensorProto::INT64);
  t.add_dims(3);
  for (int64_t v : {1, -1, 96})
    t.add_int64_data(v);
  auto dense = dyn_cast_or_null<DenseElementsAttr>(convert(t));
  ASSERT_TRUE(dense) << error;
  EXPECT_EQ(SmallVector<int64_t>(dense.getValues<int64_t>()), SmallVector<int64_t>({1, -1, 96}));
}

TEST_F(ImportTensorTest, Float16BitPatternsSurviveInt32Field) {
  onnx::TensorProto t;
  t.set_name("h");
  t.set_data_type(onnx::TensorProto::FLOAT16);
  t.add_dims(2);
  t.add_int32_data(0x3C00); // 1.0
  t.add_int32_data(0xC000); // -2.0
  auto resource = dyn_cast_or_null<DenseResourceElementsAttr>(convert(t));
  ASSERT_TRUE(resource) << error;
  const uint16_t *bits = reinterpret_cast<const uint16_t *>(resource.getData().data());
  EXPECT_EQ(bits[0], 0x3C00);
  EXPECT_EQ(bits[1], 0xC000);
}

TEST_F(ImportTensorTest, UnsignedAndBoolTypes) {
  onnx::TensorProto u8;
  u8.set_name("u");
  u8.set_data_type(onnx::TensorProto::UINT8);
  u8.add_dims(2);
  u8.set_raw_data(std::string("\xff\x01", 2));
  auto dense = dyn_cast_or_null<DenseElementsAttr>(convert(u8));
  ASSERT_TRUE(dense) << error;
  EXPECT_TRUE(dense.getElementType().isUnsignedInteger(8));
  EXPECT_EQ(dense.getValues<uint8_t>()[0], 255);

  onnx::TensorProto b;
  b.set_name("b");
  b.set_data_type(onnx::TensorProto::BOOL);
  b.add_dims(3);
  b.set_raw_data(std::string("\x01\x00\x01", 3));
  auto bools = dyn_cast_or_null<DenseElementsAttr>(convert(b));
  ASSERT_TRUE(bools) << error;
  EXPECT_EQ(SmallVector<bool>(bools.getValues<bool>()), SmallVector<bool>({true, false, true}));
}

TEST_F(ImportTensorTest, WrongByteCountIsAnError) {
  onnx::TensorProto t = floatTensor({2, 3}, {1.0f, 2.0f});
  EXPECT_FALSE(convert(t));
  EXPECT_EQ(error, "tensor 't' holds 8 bytes of data, but its shape and type need 24");
}

TEST_F(ImportTensorTest, StringTensorIsUnsupported) {
  onnx::TensorProto t;
  t.set_name("s");
  t.set_data_type(onnx::TensorProto::STRING);
  t.add_string_data("text");
  EXPECT_FALSE(convert(t));
  EXPECT_EQ(error, "tensor 's' has unsupported element type STRING");
}

class ExternalDataTest : public ImportTensorTest {
protected:
  void SetUp() override {
    llvm::SmallString<128> base;
    ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("quantc-ext", base));
    root = std::string(base);
    model = root + "/model";
    ASSERT_FALSE(llvm::sys::fs::create_directory(model));
    writeFloats(model + "/w.bin", {0.0f, 1.0f, 2.0f, 3.0f});
    writeFloats(root + "/outside.bin", {9.0f, 9.0f});
  }
  void TearDown() override { llvm::sys::fs::remove_directories(root); }

  static void writeFloats(const std::string &path, std::vector<float> values) {
    std::error_code ec;
    llvm::raw_fd_ostream os(path, ec);
    os.write(reinterpret_cast<const char *>(values.data()), values.size() * 4);
  }
  onnx::TensorProto external(const std::string &location, int64_t count, int64_t offset) {
    onnx::TensorProto t;
    t.set_name("w");
    t.set_data_type(onnx::TensorProto::FLOAT);
    t.add_dims(count);
    t.set_data_location(onnx::TensorProto::EXTERNAL);
    auto add = [&](const char *key, const std::string &value) {
      auto *entry = t.add_external_data();
      entry->set_key(key);
      entry->set_value(value);
    };
    add("location", location);
    add("offset", std::to_string(offset));
    add("length", std::to_string(count * 4));
    return t;
  }
  std::string root, model;
};

TEST_F(ExternalDataTest, ReadsTheSegmentInsideTheModelDirectory) {
  auto resource = dyn_cast_or_null<DenseResourceElementsAttr>(convert(external("w.bin", 2, 8), model));
  ASSERT_TRUE(resource) << error;
  const float *values = reinterpret_cast<const float *>(resource.getData().data());
  EXPECT_EQ(values[0], 2.0f);
  EXPECT_EQ(values[1], 3.0f);
}

TEST_F(ExternalDataTest, RefusesPathsOutsideTheModelDirectory) {
  EXPECT_FALSE(convert(external("../outside.bin", 2, 0), model));
  EXPECT_NE(error.find("'../outside.bin' contains '..'"), std::string::npos) << error;
  EXPECT_FALSE(convert(external(root + "/outside.bin", 2, 0), model));
  EXPECT_NE(error.find("is an absolute path"), std::string::npos) << error;
}

TEST_F(ExternalDataTest, RefusesRangesPastTheEndOfTheFile) {
  EXPECT_FALSE(convert(external("w.bin", 4, 8), model));
  EXPECT_NE(error.find("exceeds file 'w.bin'"), std::string::npos) << error;
}

TEST_F(ExternalDataTest, RefusesMalformedOffsets) {
  onnx::TensorProto t = external("w.bin", 2, 0);
  t.mutable_external_data(1)->set_value("12abc");
  EXPECT_FALSE(convert(t, model));
  EXPECT_NE(error.find("external data offset '12abc' is not a non-negative integer"), std::string::npos) << error;
}

} // namespace
