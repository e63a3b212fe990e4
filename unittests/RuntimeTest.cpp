// The C runtime: .npy round trips and errors, checked calls, the buffer cache.
#include "quantc/Runtime/quantc_runtime.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

namespace {

std::string tempPath(const char *name) {
  return std::string(::testing::TempDir()) + "/" + name;
}

TEST(Npy, RoundTripsEveryRank) {
  float values[6] = {1, -2, 3.5f, 0, 1e-8f, 7};
  for (int32_t rank = 0; rank <= 3; ++rank) {
    quantc_tensor t{};
    t.data = values;
    t.dtype = QUANTC_FLOAT32;
    t.rank = rank;
    int64_t shapes[3][3] = {{6}, {2, 3}, {1, 2, 3}};
    for (int32_t d = 0; d < rank; ++d)
      t.shape[d] = shapes[rank - 1][d];
    std::string path = tempPath("round.npy");
    char error[256];
    ASSERT_EQ(quantc_npy_write(path.c_str(), &t, error, sizeof error), 0) << error;
    quantc_tensor back{};
    ASSERT_EQ(quantc_npy_read(path.c_str(), &back, error, sizeof error), 0) << error;
    EXPECT_EQ(back.dtype, QUANTC_FLOAT32);
    ASSERT_EQ(back.rank, rank);
    for (int32_t d = 0; d < rank; ++d)
      EXPECT_EQ(back.shape[d], t.shape[d]);
    EXPECT_EQ(std::memcmp(back.data, values, quantc_tensor_numel(&t) * 4), 0);
    quantc_tensor_free(&back);
  }
}

TEST(Npy, RoundTripsEveryIntegerAndFloatDtype) {
  struct Case {
    int32_t dtype;
    const char *name;
    size_t size;
  } cases[] = {{QUANTC_FLOAT64, "float64", 8}, {QUANTC_FLOAT16, "float16", 2},
               {QUANTC_INT64, "int64", 8},     {QUANTC_INT16, "int16", 2},
               {QUANTC_INT8, "int8", 1},       {QUANTC_BOOL, "bool", 1},
               {QUANTC_UINT8, "uint8", 1},     {QUANTC_UINT16, "uint16", 2},
               {QUANTC_UINT32, "uint32", 4},   {QUANTC_UINT64, "uint64", 8}};
  unsigned char bytes[32];
  for (int i = 0; i < 32; ++i)
    bytes[i] = static_cast<unsigned char>(0xF0 + i); // high bits set: sign must not matter
  for (const Case &c : cases) {
    EXPECT_EQ(quantc_dtype_size(c.dtype), c.size) << c.name;
    EXPECT_STREQ(quantc_dtype_name(c.dtype), c.name);
    quantc_tensor t{};
    t.data = bytes;
    t.dtype = c.dtype;
    t.rank = 1;
    t.shape[0] = 4;
    std::string path = tempPath("dtype.npy");
    char error[256];
    ASSERT_EQ(quantc_npy_write(path.c_str(), &t, error, sizeof error), 0) << c.name << error;
    quantc_tensor back{};
    ASSERT_EQ(quantc_npy_read(path.c_str(), &back, error, sizeof error), 0) << c.name << error;
    EXPECT_EQ(back.dtype, c.dtype) << c.name;
    EXPECT_EQ(std::memcmp(back.data, bytes, 4 * c.size), 0) << c.name;
    quantc_tensor_free(&back);
  }
  // bfloat16 has a C type (raw bits) but no .npy dtype: writing it is an error.
  EXPECT_EQ(quantc_dtype_size(QUANTC_BFLOAT16), 2u);
  quantc_tensor bf{};
  bf.data = bytes;
  bf.dtype = QUANTC_BFLOAT16;
  bf.rank = 1;
  bf.shape[0] = 2;
  char error[256];
  EXPECT_EQ(quantc_npy_write(tempPath("bf16.npy").c_str(), &bf, error, sizeof error), -1);
}

TEST(Npy, RejectsBadFiles) {
  char error[256];
  quantc_tensor t{};
  std::string garbage = tempPath("garbage.npy");
  std::ofstream(garbage) << "not numpy";
  EXPECT_NE(quantc_npy_read(garbage.c_str(), &t, error, sizeof error), 0);
  EXPECT_NE(std::string(error).find("bad magic"), std::string::npos);

  std::string fortran = tempPath("fortran.npy");
  {
    std::string dict = "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }";
    dict.resize(117, ' ');
    dict += '\n';
    std::ofstream f(fortran, std::ios::binary);
    f << "\x93NUMPY" << char(1) << char(0) << char(dict.size()) << char(0) << dict
      << std::string(16, '\0');
  }
  EXPECT_NE(quantc_npy_read(fortran.c_str(), &t, error, sizeof error), 0);
  EXPECT_NE(std::string(error).find("Fortran-order"), std::string::npos);

  std::string truncated = tempPath("truncated.npy");
  {
    std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (4, 4), }";
    dict.resize(117, ' ');
    dict += '\n';
    std::ofstream f(truncated, std::ios::binary);
    f << "\x93NUMPY" << char(1) << char(0) << char(dict.size()) << char(0) << dict << "abc";
  }
  EXPECT_NE(quantc_npy_read(truncated.c_str(), &t, error, sizeof error), 0);
  EXPECT_NE(std::string(error).find("truncated"), std::string::npos);
  EXPECT_EQ(t.data, nullptr);
}

void addOne(void **buffers) {
  auto *in = static_cast<float *>(buffers[0]);
  auto *out = static_cast<float *>(buffers[1]);
  for (int i = 0; i < 4; ++i)
    out[i] = in[i] + 1;
}

TEST(ModelRun, ChecksSignatures) {
  int64_t shape[2] = {2, 2};
  quantc_tensor_info in = {"x", QUANTC_FLOAT32, 2, shape}, out = {"y", QUANTC_FLOAT32, 2, shape};
  quantc_model model = {QUANTC_ABI_VERSION, 1, 1, "add_one", &in, &out, addOne};
  float x[4] = {1, 2, 3, 4};
  quantc_tensor input{x, QUANTC_FLOAT32, 2, {2, 2}};
  quantc_tensor output{};
  char error[256];
  ASSERT_EQ(quantc_model_run(&model, &input, 1, &output, 1, error, sizeof error), 0) << error;
  EXPECT_EQ(static_cast<float *>(output.data)[3], 5.0f);
  quantc_tensor_free(&output);

  quantc_tensor wrongType{x, QUANTC_INT32, 2, {2, 2}};
  EXPECT_NE(quantc_model_run(&model, &wrongType, 1, &output, 1, error, sizeof error), 0);
  EXPECT_STREQ(error, "input 'x' expects float32, got int32");
  quantc_tensor wrongShape{x, QUANTC_FLOAT32, 1, {4}};
  EXPECT_NE(quantc_model_run(&model, &wrongShape, 1, &output, 1, error, sizeof error), 0);
  EXPECT_STREQ(error, "input 'x' expects shape [2,2], got [4]");
  EXPECT_NE(quantc_model_run(&model, &input, 2, &output, 1, error, sizeof error), 0);
}

TEST(BufferCache, ReusesFreedBlocksOfTheSameSize) {
  void *a = _mlir_memref_to_llvm_alloc(1 << 20);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a) % 64, 0u);
  _mlir_memref_to_llvm_free(a);
  void *b = _mlir_memref_to_llvm_alloc(1 << 20);
  EXPECT_EQ(a, b); // the freed block comes back
  void *c = _mlir_memref_to_llvm_aligned_alloc(64, 1 << 20);
  EXPECT_NE(c, b); // in use: a new block
  _mlir_memref_to_llvm_free(b);
  _mlir_memref_to_llvm_free(c);
  quantc_release_buffers();
}

} // namespace
