// Packing round trips and the packed matmul kernels, bit for bit against
// referenceMatmul: every code width, both activation modes, every dot
// family the host can run, tails in K (not a multiple of 32) and N (not a
// multiple of the lanes), odd row counts, per-channel and per-group scales,
// one or many zero points, bias and relu.
#include "quantc/Analysis/Quantizer.h"
#include "quantc/Codegen/DotInstruction.h"
#include "quantc/Codegen/Packing.h"
#include "quantc/Execution/Execution.h"
#include "quantc/InitAll.h"

#include "mlir/Parser/Parser.h"
#include "llvm/TargetParser/Host.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <sstream>

using namespace quantc;
using namespace quantc::codegen;

namespace {

std::vector<int8_t> randomCodes(int64_t count, unsigned bits, bool binary, std::mt19937 &rng) {
  std::uniform_int_distribution<int> code(0, (1 << bits) - 1);
  std::vector<int8_t> codes(count);
  for (auto &c : codes)
    c = int8_t(binary ? code(rng) & 1 : code(rng));
  return codes;
}

TEST(QKernelPacking, RoundTripsEveryWidthAndLayout) {
  std::mt19937 rng(1);
  for (unsigned bits = 1; bits <= 8; ++bits)
    for (unsigned lanes : {4u, 8u, 16u})
      for (auto [k, n] : {std::pair<int64_t, int64_t>{32, 16}, {100, 37}, {7, 3}}) {
        PackedLayout layout;
        layout.bits = bits;
        layout.lanes = lanes;
        layout.k = k;
        layout.n = n;
        layout.signedBytes = bits == 8 && lanes == 4;
        auto codes = randomCodes(k * n, bits, false, rng);
        auto packed = pack(layout, codes);
        ASSERT_EQ(int64_t(packed.size()), layout.paddedN() * layout.paddedK() * bits / 8);
        EXPECT_EQ(unpack(layout, packed), codes) << bits << " bits, " << lanes << " lanes";
      }
}

TEST(QKernelPacking, ByteOrderIsTheDotOperandOrder) {
  // 4-bit, 4 lanes: vector 0 holds groups 0 (low nibbles) and 1 (high
  // nibbles); byte 4 * lane + i is k = 4 * group + i of channel `lane`.
  PackedLayout layout;
  layout.bits = 4;
  layout.lanes = 4;
  layout.k = 32;
  layout.n = 4;
  std::vector<int8_t> codes(32 * 4, 0);
  codes[1 * 4 + 2] = 5;   // k = 1 (group 0, i = 1), channel 2
  codes[6 * 4 + 3] = 9;   // k = 6 (group 1, i = 2), channel 3
  codes[31 * 4 + 0] = 15; // k = 31 (group 7, i = 3), channel 0: vector 3, high nibble
  auto packed = pack(layout, codes);
  EXPECT_EQ(packed[4 * 2 + 1], 0x05);
  EXPECT_EQ(uint8_t(packed[4 * 3 + 2]), 0x90);
  EXPECT_EQ(uint8_t(packed[3 * 16 + 4 * 0 + 3]), 0xF0);
  // 3-bit codes: a 2-bit plane (2 vectors) then a 1-bit plane (1 vector).
  layout.bits = 3;
  std::fill(codes.begin(), codes.end(), 0);
  codes[0] = 6; // k = 0, channel 0: low bits 2 in plane 0, high bit 1 in plane 1
  packed = pack(layout, codes);
  EXPECT_EQ(packed[0], 0x02);
  EXPECT_EQ(packed[2 * 16], 0x01);
}

TEST(QKernelPacking, LutLayoutRoundTripsAndOrdersChannelsForTheInterleave) {
  std::mt19937 rng(3);
  for (unsigned bits = 1; bits <= 4; ++bits)
    for (unsigned lanes : {16u, 32u, 64u})
      for (auto [k, n] : {std::pair<int64_t, int64_t>{32, 64}, {100, 37}, {7, 3}}) {
        PackedLayout layout;
        layout.bits = bits;
        layout.lanes = lanes;
        layout.k = k;
        layout.n = n;
        layout.lut = true;
        auto codes = randomCodes(k * n, bits, false, rng);
        auto packed = pack(layout, codes);
        ASSERT_EQ(int64_t(packed.size()), layout.paddedN() * layout.paddedK() * bits / 8);
        EXPECT_EQ(unpack(layout, packed), codes) << bits << " bits, " << lanes << " lanes";
      }
  // 2-bit, 64 lanes: plane j, vector p of a block holds rows 8p..8p+7, low
  // nibble rows 8p..8p+3. Byte 16 * L + j is channel 8 * L + j, byte
  // 16 * L + 8 + j channel 32 + 8 * L + j.
  PackedLayout layout;
  layout.bits = 2;
  layout.lanes = 64;
  layout.k = 32;
  layout.n = 64;
  layout.lut = true;
  std::vector<int8_t> codes(32 * 64, 0);
  codes[9 * 64 + 10] = 3;  // row 9 (vector 1, low nibble bit 1), channel 10: byte 16 + 2
  codes[13 * 64 + 33] = 2; // row 13 (vector 1, high nibble bit 1), channel 33: byte 9
  auto packed = pack(layout, codes);
  EXPECT_EQ(packed[1 * 64 + 18], 0x02);          // plane 0
  EXPECT_EQ(packed[4 * 64 + 1 * 64 + 18], 0x02); // plane 1
  EXPECT_EQ(packed[4 * 64 + 1 * 64 + 9], 0x20);  // plane 1 only
  EXPECT_EQ(packed[1 * 64 + 9], 0x00);
  EXPECT_EQ(lutChannel(16, 9), 9);
  EXPECT_EQ(lutChannel(32, 9), 16 + 1);
}

/// A dense literal of `values` for MLIR text: 1-D, or rows of `columns`.
template <typename T> std::string literal(const std::vector<T> &values, size_t columns = 0) {
  std::ostringstream os;
  os.precision(9);
  os << "dense<[";
  for (size_t i = 0; i < values.size(); ++i) {
    if (columns && i % columns == 0)
      os << (i ? "], [" : "[");
    else if (i)
      os << ", ";
    os << +values[i];
  }
  os << (columns ? "]]>" : "]>");
  return os.str();
}

std::string layoutText(const PackedLayout &l) {
  std::ostringstream os;
  os << "#qkernel.layout<bits = " << l.bits << ", lanes = " << l.lanes << ", k = " << l.k
     << ", n = " << l.n << ", group = " << l.group << ", binary = " << (l.binary ? "true" : "false")
     << ", signed_bytes = " << (l.signedBytes ? "true" : "false") << (l.lut ? ", lut = true" : "")
     << ">";
  return os.str();
}

/// Parses, lowers for `family` and JIT-compiles one kernel module; null
/// after a test failure.
std::unique_ptr<JITModel> compileKernel(const std::string &source, llvm::StringRef family) {
  static bool passesRegistered = (quantc::registerAllPasses(), true);
  (void)passesRegistered;
  // One context for every kernel, alive as long as the test program: a JIT
  // model reads its large weights from its context's storage.
  static mlir::MLIRContext &context = *[] {
    mlir::DialectRegistry registry;
    quantc::registerAllDialects(registry);
    return new mlir::MLIRContext(registry);
  }();
  auto module = mlir::parseSourceString<mlir::ModuleOp>(source, &context);
  if (!module) {
    ADD_FAILURE() << "the kernel module does not parse";
    return nullptr;
  }
  auto target = resolveTarget("host");
  EXPECT_TRUE(bool(target));
  target->kernelFamily = family.str();
  if (mlir::failed(lowerToLLVMDialect(*module, *target))) {
    ADD_FAILURE() << "lowering failed for " << family.str();
    return nullptr;
  }
  auto jit = JITModel::compile(*module, *target);
  if (!jit) {
    ADD_FAILURE() << llvm::toString(jit.takeError());
    return nullptr;
  }
  return std::move(*jit);
}

/// Builds, lowers for `family` and JIT-runs one qkernel.matmul; with
/// `halfTable` its scale table is f16 (the scales must be f16 values).
std::vector<float> runKernel(const MatmulProblem &p, ActivationMode mode, llvm::StringRef family,
                             bool halfTable = false) {
  const PackedLayout &l = p.layout;
  std::vector<int8_t> packed = pack(l, p.codes);
  std::string x = "tensor<" + std::to_string(p.m) + "x" + std::to_string(l.k) + "xf32>";
  std::string y = "tensor<" + std::to_string(p.m) + "x" + std::to_string(l.n) + "xf32>";
  std::string table = std::to_string(l.scaleRows()) + "x" + std::to_string(l.paddedN());
  std::string scaleTable = "tensor<" + table + (halfTable ? "xf16>" : "xf32>");
  std::ostringstream src;
  src << "func.func @main(%x: " << x << ") -> " << y << " {\n"
      << "  %p = arith.constant " << literal(packed) << " : tensor<" << packed.size() << "xi8>\n"
      << "  %s = arith.constant " << literal(p.scales, l.paddedN()) << " : " << scaleTable << "\n";
  std::string operands = "%x, %p, %s",
              types = x + ", tensor<" + std::to_string(packed.size()) + "xi8>, " + scaleTable;
  if (!p.zeroPoints.empty()) {
    std::vector<int8_t> zeros(p.zeroPoints.begin(), p.zeroPoints.end());
    src << "  %z = arith.constant " << literal(zeros, l.paddedN()) << " : tensor<" << table
        << "xi8>\n";
    operands += " zero_points %z";
    types += ", tensor<" + table + "xi8>";
  }
  if (!p.bias.empty()) {
    src << "  %b = arith.constant " << literal(p.bias) << " : tensor<" << l.n << "xf32>\n";
    operands += " bias %b";
    types += ", tensor<" + std::to_string(l.n) + "xf32>";
  }
  // A LUT layout goes to qkernel.lut_matmul, whose activations are int8.
  src << "  %y = qkernel." << (l.lut ? "lut_matmul " : "matmul ") << operands
      << " {layout = " << layoutText(l);
  if (p.zeroPoints.empty())
    src << ", zero_point = " << p.zeroPoint << " : i64";
  if (!l.lut)
    src << ", activations = \"" << (mode == ActivationMode::Int8 ? "int8" : "float") << "\"";
  src << ", activation = \"" << (p.relu ? "relu" : "none") << "\"} : (" << types << ") -> " << y
      << "\n  return %y : " << y << "\n}\n";

  auto jit = compileKernel(src.str(), family);
  if (!jit)
    return {};
  std::vector<float> out(p.m * l.n, -12345.0f);
  EXPECT_FALSE(bool(jit->run({const_cast<float *>(p.x.data()), out.data()})));
  return out;
}

/// A random problem; x has exact zeros, a zero block, ties and outliers.
MatmulProblem randomProblem(const PackedLayout &layout, int64_t m, bool zeroTable, bool withBias,
                            std::mt19937 &rng) {
  MatmulProblem p;
  p.layout = layout;
  p.m = m;
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_real_distribution<float> uniform(0.01f, 0.1f);
  p.x.resize(m * layout.k);
  for (int64_t i = 0; i < int64_t(p.x.size()); ++i) {
    int64_t column = i % layout.k;
    p.x[i] = column < 32 && i / layout.k == 1 ? 0.0f               // a row's first block all zero
             : column % 29 == 3               ? 8.0f * normal(rng) // outliers
             : column % 31 == 5               ? 0.5f               // ties after scaling
                                              : normal(rng);
  }
  p.codes = randomCodes(layout.k * layout.n, layout.bits, layout.binary, rng);
  p.scales.resize(layout.scaleRows() * layout.paddedN());
  for (auto &s : p.scales)
    s = uniform(rng);
  int32_t maxCode = layout.binary ? 2 : (1 << layout.bits) - 1;
  if (layout.binary) {
    p.zeroPoint = 1;
  } else if (zeroTable) {
    std::uniform_int_distribution<int> zero(0, maxCode);
    p.zeroPoints.resize(p.scales.size());
    for (auto &z : p.zeroPoints)
      z = uint8_t(zero(rng));
  } else {
    p.zeroPoint = (maxCode + 1) / 2;
  }
  if (withBias) {
    p.bias.resize(layout.n);
    for (auto &b : p.bias)
      b = normal(rng);
    p.relu = true;
  }
  return p;
}

/// `p` with its scales rounded to f16 (as grouped weights' are).
MatmulProblem withHalfScales(MatmulProblem p) {
  QuantizedWeights rounded;
  rounded.scales = p.scales;
  roundScalesToHalf(rounded);
  p.scales = rounded.scales;
  return p;
}

/// The dot families this host can run (the JIT compiles for the host CPU).
std::vector<std::string> hostFamilies() {
  std::vector<std::string> families = {"generic"};
  llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
  if (features.lookup("avx2"))
    families.push_back("avx2");
  if (features.lookup("avx512vnni") && features.lookup("avx512bw"))
    families.push_back("vnni");
  return families;
}

void expectBitExact(const std::vector<float> &expected, const std::vector<float> &actual,
                    const std::string &what) {
  ASSERT_EQ(expected.size(), actual.size()) << what;
  for (size_t i = 0; i < expected.size(); ++i)
    if (std::memcmp(&expected[i], &actual[i], sizeof(float))) {
      ADD_FAILURE() << what << ": element " << i << " is " << actual[i] << ", reference "
                    << expected[i];
      return;
    }
}

/// expected == actual, reporting the first element that differs.
void expectEqualInts(const std::vector<int32_t> &expected, const std::vector<int32_t> &actual,
                     const std::string &what) {
  ASSERT_EQ(expected.size(), actual.size()) << what;
  for (size_t i = 0; i < expected.size(); ++i)
    if (expected[i] != actual[i]) {
      ADD_FAILURE() << what << ": element " << i << " is " << actual[i] << ", reference "
                    << expected[i];
      return;
    }
}

struct KernelCase {
  unsigned bits;
  bool binary;
};

class QKernelMatmul : public ::testing::TestWithParam<KernelCase> {};

TEST_P(QKernelMatmul, MatchesReferenceBitForBit) {
  KernelCase c = GetParam();
  std::mt19937 rng(c.bits * 7 + c.binary);
  for (const std::string &family : hostFamilies())
    for (auto [m, k, n, group] : {std::tuple<int64_t, int64_t, int64_t, int64_t>{1, 64, 16, 0},
                                  {5, 100, 37, 0},
                                  {6, 96, 24, 32},
                                  {1, 128, 19, 64},
                                  {259, 64, 20, 32}}) { // int8 x quantized per chunk
      PackedLayout layout;
      layout.bits = c.bits;
      layout.binary = c.binary;
      layout.lanes = familyLanes(family);
      layout.k = k;
      layout.n = n;
      layout.group = group;
      bool zeroTable = group != 0 && !c.binary;
      MatmulProblem p = randomProblem(layout, m, zeroTable, /*withBias=*/m > 1, rng);
      for (ActivationMode mode : {ActivationMode::Int8, ActivationMode::Float}) {
        std::string what = family + (mode == ActivationMode::Int8 ? " int8" : " float") + " " +
                           std::to_string(c.bits) + (c.binary ? "-bit binary" : "-bit") +
                           " m=" + std::to_string(m) + " k=" + std::to_string(k) +
                           " n=" + std::to_string(n) + " group=" + std::to_string(group);
        expectBitExact(referenceMatmul(p, mode), runKernel(p, mode, family), what);
        if (group) { // grouped weights' f16 scale tables compute the same bits
          MatmulProblem half = withHalfScales(p);
          expectBitExact(referenceMatmul(half, mode), runKernel(half, mode, family, true),
                         what + " f16 scales");
        }
      }
    }
}

// The largest integer sums a block can make: every code at its largest
// and every activation quantized to +127 (or -127), so that 16-bit pair
// sums (AVX2's vpmaddubsw accumulators for codes of up to 4 bits) meet
// their bound, and sums past it must have stayed 32-bit.
TEST_P(QKernelMatmul, LargestSumsMatchReferenceBitForBit) {
  KernelCase c = GetParam();
  if (c.binary)
    GTEST_SKIP() << "binary codes are +-1";
  std::mt19937 rng(c.bits);
  for (const std::string &family : hostFamilies())
    for (float sign : {1.0f, -1.0f})
      for (int64_t m : {1, 5}) {
        PackedLayout layout;
        layout.bits = c.bits;
        layout.lanes = familyLanes(family);
        layout.k = 96;
        layout.n = 19;
        MatmulProblem p = randomProblem(layout, m, /*zeroTable=*/false, /*withBias=*/false, rng);
        std::fill(p.codes.begin(), p.codes.end(), int8_t((1 << c.bits) - 1));
        std::fill(p.x.begin(), p.x.end(), sign * 0.75f);
        std::string what = family + " " + std::to_string(c.bits) + "-bit m=" + std::to_string(m) +
                           (sign > 0 ? " x>0" : " x<0");
        expectBitExact(referenceMatmul(p, ActivationMode::Int8),
                       runKernel(p, ActivationMode::Int8, family), what);
      }
}

// NaN activations: a block's scale ignores them (an all-NaN block has
// scale 0) and each quantizes to -127, in the kernels as in the reference.
TEST_P(QKernelMatmul, NaNActivationsMatchReferenceBitForBit) {
  KernelCase c = GetParam();
  std::mt19937 rng(c.bits + 100);
  for (const std::string &family : hostFamilies()) {
    PackedLayout layout;
    layout.bits = c.bits;
    layout.binary = c.binary;
    layout.lanes = familyLanes(family);
    layout.k = 80;
    layout.n = 19;
    MatmulProblem p = randomProblem(layout, 5, /*zeroTable=*/false, /*withBias=*/true, rng);
    float nan = std::numeric_limits<float>::quiet_NaN();
    p.x[3] = nan;                    // row 0, first block
    p.x[layout.k + 40] = -nan;       // row 1, second block
    for (int64_t i = 0; i < 32; ++i) // row 2, first block: all NaN
      p.x[2 * layout.k + i] = nan;
    expectBitExact(referenceMatmul(p, ActivationMode::Int8),
                   runKernel(p, ActivationMode::Int8, family),
                   family + " " + std::to_string(c.bits) + "-bit NaN activations");
  }
}

INSTANTIATE_TEST_SUITE_P(Widths, QKernelMatmul,
                         ::testing::Values(KernelCase{1, true}, KernelCase{2, false},
                                           KernelCase{3, false}, KernelCase{4, false},
                                           KernelCase{5, false}, KernelCase{6, false},
                                           KernelCase{7, false}, KernelCase{8, false}),
                         [](const auto &info) {
                           return (info.param.binary ? "binary" : "w") +
                                  std::to_string(info.param.bits);
                         });

/// A convolution window over a padded NCHW input: QNNToQKernel's im2col
/// gather (linalg.generic) feeding qkernel.matmul, which the int8 kernels
/// quantize straight from the input (WindowRows.cpp).
struct WindowCase {
  int64_t batch, channels, height, width, kh, kw, strideY, strideX, dilationY, dilationX;
  int64_t outHeight() const { return (height - (kh - 1) * dilationY - 1) / strideY + 1; }
  int64_t outWidth() const { return (width - (kw - 1) * dilationX - 1) / strideX + 1; }
  std::string name() const {
    std::ostringstream os;
    os << batch << "x" << channels << "x" << height << "x" << width << " " << kh << "x" << kw
       << " stride " << strideY << "," << strideX << " dilation " << dilationY << "," << dilationX;
    return os.str();
  }
};

/// The im2col rows [N * OH * OW, C * kh * kw] of `image`, K ordered (c, ky, kx).
template <typename T> std::vector<T> im2colRows(const WindowCase &w, const std::vector<T> &image) {
  std::vector<T> rows;
  for (int64_t n = 0; n < w.batch; ++n)
    for (int64_t oy = 0; oy < w.outHeight(); ++oy)
      for (int64_t ox = 0; ox < w.outWidth(); ++ox)
        for (int64_t c = 0; c < w.channels; ++c)
          for (int64_t ky = 0; ky < w.kh; ++ky)
            for (int64_t kx = 0; kx < w.kw; ++kx)
              rows.push_back(
                  image[((n * w.channels + c) * w.height + oy * w.strideY + ky * w.dilationY) *
                            w.width +
                        ox * w.strideX + kx * w.dilationX]);
  return rows;
}

std::string dimsText(std::initializer_list<int64_t> sizes) {
  std::string text;
  for (int64_t size : sizes)
    text += std::to_string(size) + "x";
  return text;
}

/// The module-level maps of gatherText.
std::string gatherMaps(const WindowCase &w) {
  std::ostringstream os;
  os << "#gather = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d3, d1 * " << w.strideY << " + d4 * "
     << w.dilationY << ", d2 * " << w.strideX << " + d5 * " << w.dilationX
     << ")>\n#identity = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3, d4, d5)>\n";
  return os.str();
}

/// QNNToQKernel's im2col of %x (the image, of `element`s) as %rows [N,
/// OH, OW, k]; `rowsType` is set to its type.
std::string gatherText(const WindowCase &w, const std::string &element, int64_t k,
                       std::string &rowsType) {
  int64_t oh = w.outHeight(), ow = w.outWidth();
  std::string x = "tensor<" + dimsText({w.batch, w.channels, w.height, w.width}) + element + ">";
  std::string gathered =
      "tensor<" + dimsText({w.batch, oh, ow, w.channels, w.kh, w.kw}) + element + ">";
  rowsType = "tensor<" + dimsText({w.batch, oh, ow, k}) + element + ">";
  std::ostringstream os;
  os << "  %e = tensor.empty() : " << gathered << "\n"
     << "  %g = linalg.generic {indexing_maps = [#gather, #identity], iterator_types = "
        "[\"parallel\", \"parallel\", \"parallel\", \"parallel\", \"parallel\", "
        "\"parallel\"]} ins(%x : "
     << x << ") outs(%e : " << gathered << ") {\n"
     << "  ^bb0(%in: " << element << ", %out: " << element
     << "):\n    linalg.yield %in : " << element << "\n  } -> " << gathered << "\n"
     << "  %rows = tensor.collapse_shape %g [[0], [1], [2], [3, 4, 5]] : " << gathered << " into "
     << rowsType << "\n";
  return os.str();
}

/// Builds, lowers for `family` and JIT-runs the gather and the int8
/// qkernel.matmul on `image`; the result as [rows, n].
std::vector<float> runWindowKernel(const MatmulProblem &p, const WindowCase &w,
                                   const std::vector<float> &image, llvm::StringRef family) {
  const PackedLayout &l = p.layout;
  std::vector<int8_t> packed = pack(l, p.codes);
  std::string x = "tensor<" + dimsText({w.batch, w.channels, w.height, w.width}) + "f32>";
  std::string y = "tensor<" + dimsText({w.batch, w.outHeight(), w.outWidth(), l.n}) + "f32>";
  std::string scaleTable = "tensor<" + dimsText({l.scaleRows(), l.paddedN()}) + "f32>";
  std::string packedType = "tensor<" + std::to_string(packed.size()) + "xi8>";
  std::string rows;
  std::ostringstream src;
  src << gatherMaps(w) << "func.func @main(%x: " << x << ") -> " << y << " {\n"
      << "  %p = arith.constant " << literal(packed) << " : " << packedType << "\n"
      << "  %s = arith.constant " << literal(p.scales, l.paddedN()) << " : " << scaleTable << "\n"
      << gatherText(w, "f32", l.k, rows)
      << "  %y = qkernel.matmul %rows, %p, %s {layout = " << layoutText(l)
      << ", zero_point = " << p.zeroPoint << " : i64, activations = \"int8\"} : (" << rows << ", "
      << packedType << ", " << scaleTable << ") -> " << y << "\n  return %y : " << y << "\n}\n";
  auto jit = compileKernel(src.str(), family);
  if (!jit)
    return {};
  std::vector<float> out(p.m * l.n, -12345.0f);
  EXPECT_FALSE(bool(jit->run({const_cast<float *>(image.data()), out.data()})));
  return out;
}

// The window rows quantized from the input equal the reference on rows
// gathered first, bit for bit: 8 outputs at a time (stride 1 and 2, with
// dilations) and one at a time (rows past a multiple of 8 in an image row,
// stride 3), in chunks of rows (many rows) or not, K tails, zero windows
// (padding), outliers, NaNs, infinities and subnormals.
TEST(QKernelWindowRows, MatchGatheredRowsBitForBit) {
  std::mt19937 rng(17);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (const std::string &family : hostFamilies())
    for (WindowCase w :
         {WindowCase{1, 4, 13, 20, 3, 3, 2, 1, 1, 2}, WindowCase{2, 5, 18, 37, 3, 3, 1, 1, 1, 1},
          WindowCase{1, 32, 33, 41, 3, 3, 2, 2, 1, 1}, WindowCase{1, 3, 10, 20, 1, 3, 1, 3, 1, 1},
          WindowCase{1, 40, 9, 17, 1, 1, 2, 2, 1, 1}})
      for (unsigned bits : {2u, 4u, 8u}) {
        std::vector<float> image(w.batch * w.channels * w.height * w.width);
        for (size_t i = 0; i < image.size(); ++i) {
          int64_t column = int64_t(i) % w.width, row = int64_t(i) / w.width % w.height;
          image[i] = row == 0 || column == 0 ? 0.0f // a border of zeros, as padding makes
                     : i % 97 == 3           ? 20.0f * normal(rng)
                                             : normal(rng);
        }
        // A NaN, an infinity, and a plane of values so small that 127 over
        // their largest overflows: each block's quantization takes its
        // careful path where they are, the short one elsewhere.
        image[image.size() / 2] = std::numeric_limits<float>::quiet_NaN();
        image[image.size() / 3] = std::numeric_limits<float>::infinity();
        int64_t plane = w.height * w.width;
        for (int64_t i = plane; i < 2 * plane && i < int64_t(image.size()); ++i)
          image[i] *= 1e-39f;
        PackedLayout layout;
        layout.bits = bits;
        layout.lanes = familyLanes(family);
        layout.k = w.channels * w.kh * w.kw;
        layout.n = 13;
        MatmulProblem p = randomProblem(layout, w.batch * w.outHeight() * w.outWidth(),
                                        /*zeroTable=*/false, /*withBias=*/false, rng);
        p.x = im2colRows(w, image);
        expectBitExact(referenceMatmul(p, ActivationMode::Int8),
                       runWindowKernel(p, w, image, family),
                       family + " " + std::to_string(bits) + "-bit " + w.name());
      }
}

class QKernelLutMatmul : public ::testing::TestWithParam<KernelCase> {};

// The LUT kernels compute the int8 mode's block dot products by lookups,
// so they must equal the same reference bit for bit: every host family
// (generic on 16 lanes, avx2 vpshufb on 32, AVX-512 vpshufb on 64), K and N
// tails, 1 to 5 rows (2- and 4-row steps plus tails), per-group scales and
// zero-point tables, bias and relu.
TEST_P(QKernelLutMatmul, MatchesReferenceBitForBit) {
  KernelCase c = GetParam();
  std::mt19937 rng(c.bits * 11 + c.binary);
  for (const std::string &family : hostFamilies())
    for (auto [m, k, n, group] : {std::tuple<int64_t, int64_t, int64_t, int64_t>{1, 64, 64, 0},
                                  {3, 100, 37, 0},
                                  {5, 96, 70, 32},
                                  {1, 128, 19, 64},
                                  {2, 4096, 16, 0}}) {
      PackedLayout layout;
      layout.bits = c.bits;
      layout.binary = c.binary;
      layout.lut = true;
      layout.lanes = familyLutLanes(family);
      layout.k = k;
      layout.n = n;
      layout.group = group;
      MatmulProblem p = randomProblem(layout, m, group != 0 && !c.binary, m > 1, rng);
      if (k == 4096) { // the int16 sums' worst case: codes and |x| all at their maximum
        for (size_t i = 0; i < p.x.size(); ++i)
          p.x[i] = i / k ? -1.0f : 1.0f;
        std::fill(p.codes.begin(), p.codes.end(), int8_t(c.binary ? 1 : (1 << c.bits) - 1));
      }
      std::string what = family + " lut " + std::to_string(c.bits) +
                         (c.binary ? "-bit binary" : "-bit") + " m=" + std::to_string(m) +
                         " k=" + std::to_string(k) + " n=" + std::to_string(n) +
                         " group=" + std::to_string(group);
      expectBitExact(referenceMatmul(p, ActivationMode::Int8),
                     runKernel(p, ActivationMode::Int8, family), what);
      if (group) {
        MatmulProblem half = withHalfScales(p);
        expectBitExact(referenceMatmul(half, ActivationMode::Int8),
                       runKernel(half, ActivationMode::Int8, family, true), what + " f16 scales");
      }
    }
}

INSTANTIATE_TEST_SUITE_P(Widths, QKernelLutMatmul,
                         ::testing::Values(KernelCase{1, true}, KernelCase{1, false},
                                           KernelCase{2, false}, KernelCase{3, false},
                                           KernelCase{4, false}),
                         [](const auto &info) {
                           return (info.param.binary ? "binary" : "w") +
                                  std::to_string(info.param.bits);
                         });

/// Builds, lowers for `family` and JIT-runs one qkernel.matmul_integer on
/// weights w [k, n] (signed), packed as codes w + zeroPoint; with
/// `requantize`, its fused int8 epilogue (Out = int8_t).
template <typename Out = int32_t>
std::vector<Out>
runIntegerKernel(const PackedLayout &l, int32_t zeroPoint, int64_t m, const std::vector<int8_t> &x,
                 const std::vector<int8_t> &w, const std::vector<int32_t> &bias,
                 llvm::StringRef family, const RequantizeParams *requantize = nullptr,
                 const std::string &epilogueRegion = "", const WindowCase *window = nullptr) {
  std::vector<int8_t> codes(w.size());
  for (size_t i = 0; i < w.size(); ++i)
    codes[i] = int8_t(uint8_t(int32_t(w[i]) + zeroPoint));
  std::vector<int8_t> packed = pack(l, codes);
  std::string xType = "tensor<" + std::to_string(m) + "x" + std::to_string(l.k) + "xi8>";
  std::string element = std::is_same_v<Out, float> ? "f32" : requantize || std::is_same_v<Out, int8_t> ? "i8" : "i32";
  std::string yType = "tensor<" + std::to_string(m) + "x" + std::to_string(l.n) + "x" + element + ">";
  std::string epilogue;
  if (requantize)
    epilogue =
        ", multipliers = array<i32: " +
        llvm::join(
            llvm::map_range(requantize->multipliers, [](int32_t v) { return std::to_string(v); }),
            ", ") +
        ">, shifts = array<i64: " +
        llvm::join(llvm::map_range(requantize->shifts, [](int64_t v) { return std::to_string(v); }),
                   ", ") +
        ">, output_zero_point = " + std::to_string(requantize->zeroPoint) +
        " : i64, clamp_min = " + std::to_string(requantize->clampMin) +
        " : i64, clamp_max = " + std::to_string(requantize->clampMax) + " : i64";
  std::string packedType = "tensor<" + std::to_string(packed.size()) + "xi8>";
  std::string biasType = "tensor<" + std::to_string(l.n) + "xi32>";
  // With a window, x is its image and the kernel reads the gathered rows.
  std::string input = "%x", inputType = xType, gather;
  if (window) {
    xType = "tensor<" + dimsText({window->batch, window->channels, window->height, window->width}) +
            "i8>";
    gather = gatherText(*window, "i8", l.k, inputType);
    input = "%rows";
    yType = "tensor<" + dimsText({window->batch, window->outHeight(), window->outWidth(), l.n}) +
            element + ">";
  }
  std::ostringstream src;
  src << (window ? gatherMaps(*window) : "") << "func.func @main(%x: " << xType << ") -> " << yType
      << " {\n"
      << "  %p = arith.constant " << literal(packed) << " : " << packedType << "\n"
      << gather;
  if (!bias.empty())
    src << "  %b = arith.constant " << literal(bias) << " : " << biasType << "\n";
  src << "  %y = qkernel.matmul_integer " << input << ", %p" << (bias.empty() ? "" : " bias %b")
      << " {layout = " << layoutText(l) << ", zero_point = " << zeroPoint << " : i64" << epilogue
      << "} : (" << inputType << ", " << packedType << (bias.empty() ? "" : ", " + biasType)
      << ") -> " << yType << epilogueRegion << "\n  return %y : " << yType << "\n}\n";

  auto jit = compileKernel(src.str(), family);
  if (!jit)
    return {};
  std::vector<Out> out(m * l.n, Out(-123));
  EXPECT_FALSE(bool(jit->run({const_cast<int8_t *>(x.data()), out.data()})));
  return out;
}

// A8: every host family, and signed bytes (NEON's 8-bit storage) through
// the generic dot, equal the int32 reference exactly, for 8-bit weights
// (codes w + 128, extremes -128 and 127 on both sides) and the narrower
// ones of an allocation (w + 2^(b-1) - 1 in b bits): K and N tails, one row,
// 4 and 8 rows per step and their tails, with and without bias.
TEST(QKernelMatmulInteger, MatchesReferenceExactly) {
  std::mt19937 rng(8);
  std::uniform_int_distribution<int> byte(-128, 127);
  struct Config {
    std::string family;
    unsigned bits;
    bool signedBytes;
  };
  std::vector<Config> configs;
  for (const std::string &family : hostFamilies())
    for (unsigned bits : {8u, 4u, 3u, 2u})
      configs.push_back({family, bits, false});
  configs.push_back({"generic", 8, true});
  for (const Config &config : configs)
    for (auto [m, k, n] : {std::tuple<int64_t, int64_t, int64_t>{1, 64, 16},
                           {5, 100, 37},
                           {7, 27, 19},
                           {9, 64, 20}, // 8 rows per step, then one
                           {12, 8, 18},  // k ends in the first of a block's 8 groups
                           {4, 480, 60},
                           {300, 100, 37}}) { // chunks that prepare their own rows, a tail chunk
      PackedLayout layout;
      layout.bits = config.bits;
      layout.lanes = config.signedBytes ? 4 : familyLanes(config.family);
      layout.k = k;
      layout.n = n;
      layout.signedBytes = config.signedBytes;
      int32_t zeroPoint = config.bits == 8 ? 128 : (1 << (config.bits - 1)) - 1;
      int32_t wMax = config.bits == 8 ? 127 : zeroPoint,
              wMin = config.bits == 8 ? -128 : -zeroPoint;
      std::uniform_int_distribution<int> weight(wMin, wMax);
      std::vector<int8_t> x(m * k), w(k * n);
      for (size_t i = 0; i < x.size(); ++i)
        x[i] = int8_t(i % 13 == 0 ? -128 : i % 17 == 0 ? 127 : byte(rng));
      for (size_t i = 0; i < w.size(); ++i)
        w[i] = int8_t(i % 11 == 0 ? wMin : i % 19 == 0 ? wMax : weight(rng));
      std::vector<int32_t> bias;
      if (m > 1)
        for (int64_t c = 0; c < n; ++c)
          bias.push_back(int32_t(byte(rng)) * 100000);
      std::string what = config.family + " " + std::to_string(config.bits) + "-bit" +
                         (config.signedBytes ? " signed bytes" : "") + " m=" + std::to_string(m) +
                         " k=" + std::to_string(k) + " n=" + std::to_string(n);
      expectEqualInts(referenceMatmulInteger(m, k, n, x, w, bias),
                      runIntegerKernel(layout, zeroPoint, m, x, w, bias, config.family), what);
    }
}

// W8A8 convolutions: the window rows' words and sums prepared from the
// int8 input equal the reference on rows gathered first, exactly (the
// windows of the float test, 8- and 4-bit weights, every host family).
TEST(QKernelWindowRows, IntegerMatchGatheredRowsExactly) {
  std::mt19937 rng(23);
  std::uniform_int_distribution<int> byte(-128, 127);
  for (const std::string &family : hostFamilies())
    for (WindowCase w :
         {WindowCase{1, 4, 13, 20, 3, 3, 2, 1, 1, 2}, WindowCase{2, 5, 18, 37, 3, 3, 1, 1, 1, 1},
          WindowCase{1, 32, 33, 41, 3, 3, 2, 2, 1, 1}, WindowCase{1, 3, 10, 20, 1, 3, 1, 3, 1, 1}})
      for (unsigned bits : {8u, 4u}) {
        PackedLayout layout;
        layout.bits = bits;
        layout.lanes = familyLanes(family);
        layout.k = w.channels * w.kh * w.kw;
        layout.n = 13;
        int32_t zeroPoint = bits == 8 ? 128 : 7;
        std::uniform_int_distribution<int> weight(bits == 8 ? -128 : -7, bits == 8 ? 127 : 7);
        std::vector<int8_t> image(w.batch * w.channels * w.height * w.width),
            weights(layout.k * layout.n);
        for (size_t i = 0; i < image.size(); ++i)
          image[i] = int8_t(i % 13 == 0 ? -128 : i % 17 == 0 ? 127 : byte(rng));
        for (auto &value : weights)
          value = int8_t(weight(rng));
        std::vector<int32_t> bias(layout.n);
        for (auto &value : bias)
          value = byte(rng) * 1000;
        int64_t m = w.batch * w.outHeight() * w.outWidth();
        std::string what = family + " " + std::to_string(bits) + "-bit " + w.name();
        expectEqualInts(
            referenceMatmulInteger(m, layout.k, layout.n, im2colRows(w, image), weights, bias),
            runIntegerKernel(layout, zeroPoint, m, image, weights, bias, family, nullptr, "", &w),
            what);
      }
}

/// A random A8 problem: x [m, k] and w [k, n] int8 (8-bit weights, or the
/// 4-bit range -7..7 packed as w + 7), bias byte * 300.
struct IntegerProblem {
  PackedLayout layout;
  int32_t zeroPoint = 0;
  std::vector<int8_t> x, w;
  std::vector<int32_t> bias;
};

IntegerProblem randomIntegerProblem(const std::string &family, unsigned bits, int64_t m,
                                    int64_t k, int64_t n, std::mt19937 &rng) {
  std::uniform_int_distribution<int> byte(-128, 127);
  IntegerProblem p;
  p.layout.bits = bits;
  p.layout.lanes = familyLanes(family);
  p.layout.k = k;
  p.layout.n = n;
  p.zeroPoint = bits == 8 ? 128 : 7;
  std::uniform_int_distribution<int> weight(bits == 8 ? -128 : -7, bits == 8 ? 127 : 7);
  p.x.resize(m * k);
  p.w.resize(k * n);
  for (auto &v : p.x)
    v = int8_t(byte(rng));
  for (auto &v : p.w)
    v = int8_t(weight(rng));
  for (int64_t c = 0; c < n; ++c)
    p.bias.push_back(int32_t(byte(rng)) * 300);
  return p;
}

// The fused requantize: int8 results equal qnn.requantize's arithmetic on
// the int32 reference exactly, per channel and per tensor, with a zero
// point, a Relu clamp, saturation at both ends, K and N tails and 1, 5 and 9
// rows, on every host family and 8- and 4-bit weights.
TEST(QKernelMatmulInteger, FusedRequantizeMatchesReference) {
  std::mt19937 rng(9);
  std::uniform_int_distribution<int32_t> multiplier(1 << 30, std::numeric_limits<int32_t>::max());
  for (const std::string &family : hostFamilies())
    for (unsigned bits : {8u, 4u})
      for (auto [m, k, n, perChannel] :
           {std::tuple<int64_t, int64_t, int64_t, bool>{1, 64, 16, true},
            {5, 100, 37, false},
            {9, 64, 20, true}}) {
        auto [layout, zeroPoint, x, w, bias] = randomIntegerProblem(family, bits, m, k, n, rng);
        RequantizeParams params;
        // Shifts around 2^-16 .. 2^-14 of the accumulator: some outputs
        // saturate, most land inside int8.
        for (int64_t c = 0; c < (perChannel ? n : 1); ++c) {
          params.multipliers.push_back(multiplier(rng));
          params.shifts.push_back(44 + c % 3);
        }
        params.zeroPoint = -5;
        params.clampMin = perChannel ? -5 : -128; // a fused Relu, or the full range
        std::string what = family + " " + std::to_string(bits) + "-bit m=" + std::to_string(m) +
                           " n=" + std::to_string(n) +
                           (perChannel ? " per channel" : " per tensor");
        std::vector<int8_t> expected =
            referenceRequantize(referenceMatmulInteger(m, k, n, x, w, bias), n, params);
        std::vector<int8_t> actual =
            runIntegerKernel<int8_t>(layout, zeroPoint, m, x, w, bias, family, &params);
        EXPECT_EQ(expected, actual) << what;
        int saturated = int(std::count(expected.begin(), expected.end(), int8_t(127)));
        EXPECT_LT(saturated, int(expected.size())) << what;
      }
}

/// A float as an MLIR literal that reads back to the same bits.
std::string floatText(float v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.9e", double(v));
  return text;
}

/// The epilogue region quantc builds for dequantize (per channel) ->
/// HardSwish -> quantize (per tensor, int8), or for dequantize -> Relu
/// with a float result, as MLIR text.
std::string epilogueText(const std::vector<float> &scales, bool hardSwishToInt8, float outScale,
                         int32_t outZero) {
  std::string n = std::to_string(scales.size());
  std::ostringstream r;
  r << " epilogue {\n^bb0(%acc: i32, %c: index):\n"
    << "  %t = arith.constant dense<[";
  for (size_t i = 0; i < scales.size(); ++i)
    r << (i ? ", " : "") << floatText(scales[i]);
  r << "]> : tensor<" << n << "xf32>\n"
    << "  %s = tensor.extract %t[%c] : tensor<" << n << "xf32>\n"
    << "  %z = arith.constant 0 : i32\n  %d = arith.subi %acc, %z : i32\n"
    << "  %f = arith.sitofp %d : i32 to f32\n  %real = arith.mulf %f, %s : f32\n"
    << "  %zero = arith.constant 0.0 : f32\n";
  if (!hardSwishToInt8)
    return r.str() + "  %y = arith.maximumf %real, %zero : f32\n  qkernel.yield %y : f32\n}";
  r << "  %sixth = arith.constant " << floatText(1.0f / 6.0f) << " : f32\n"
    << "  %half = arith.constant 0.5 : f32\n  %one = arith.constant 1.0 : f32\n"
    << "  %g0 = arith.mulf %real, %sixth : f32\n  %g1 = arith.addf %g0, %half : f32\n"
    << "  %g2 = arith.maximumf %g1, %zero : f32\n  %g3 = arith.minimumf %g2, %one : f32\n"
    << "  %h = arith.mulf %real, %g3 : f32\n"
    << "  %os = arith.constant " << floatText(outScale) << " : f32\n"
    << "  %q0 = arith.divf %h, %os : f32\n  %q1 = math.roundeven %q0 : f32\n"
    << "  %oz = arith.constant " << outZero << " : i32\n"
    << "  %ozf = arith.sitofp %oz : i32 to f32\n  %q2 = arith.addf %q1, %ozf : f32\n"
    << "  %lo = arith.constant -128.0 : f32\n  %hi = arith.constant 127.0 : f32\n"
    << "  %q3 = arith.maximumf %q2, %lo : f32\n  %q4 = arith.minimumf %q3, %hi : f32\n"
    << "  %q = arith.fptosi %q4 : f32 to i8\n  qkernel.yield %q : i8\n}";
  return r.str();
}

// An epilogue region (a W8A8 layer's dequantize -> HardSwish -> quantize,
// or dequantize -> Relu in float) gives, lane by lane, the bits of the same
// float operations on the int32 reference, one statement each (no
// contraction): K and N tails, 1, 5 and 9 rows, every host family, 8- and
// 4-bit weights.
TEST(QKernelMatmulInteger, EpilogueRegionMatchesScalarChain) {
  std::mt19937 rng(10);
  std::uniform_real_distribution<float> scale(2e-5f, 2e-4f);
  for (const std::string &family : hostFamilies())
    for (unsigned bits : {8u, 4u})
      for (auto [m, k, n] : {std::tuple<int64_t, int64_t, int64_t>{1, 64, 16},
                             {5, 100, 37},
                             {9, 27, 8}})
        for (bool toInt8 : {true, false}) {
          auto [layout, zeroPoint, x, w, bias] = randomIntegerProblem(family, bits, m, k, n, rng);
          std::vector<float> scales(n);
          for (auto &v : scales)
            v = scale(rng);
          const float outScale = 0.0625f;
          const int32_t outZero = -5;
          std::vector<int32_t> acc = referenceMatmulInteger(m, k, n, x, w, bias);
          std::string what = family + " " + std::to_string(bits) + "-bit m=" + std::to_string(m) +
                             " k=" + std::to_string(k) + " n=" + std::to_string(n) +
                             (toInt8 ? " hard-swish int8" : " relu f32");
          std::string region = epilogueText(scales, toInt8, outScale, outZero);
          if (!toInt8) {
            std::vector<float> expected(acc.size());
            for (size_t i = 0; i < acc.size(); ++i) {
              float real = float(acc[i]) * scales[i % n];
              expected[i] = std::max(real, 0.0f);
            }
            auto actual =
                runIntegerKernel<float>(layout, zeroPoint, m, x, w, bias, family, nullptr, region);
            EXPECT_EQ(0, std::memcmp(expected.data(), actual.data(), expected.size() * 4)) << what;
            continue;
          }
          std::vector<int8_t> expected(acc.size());
          int saturated = 0;
          for (size_t i = 0; i < acc.size(); ++i) {
            float real = float(acc[i]) * scales[i % n];
            float gate = real * (1.0f / 6.0f);
            gate = gate + 0.5f;
            gate = std::min(std::max(gate, 0.0f), 1.0f);
            float swished = real * gate;
            float scaled = swished / outScale;
            float rounded = std::nearbyint(scaled) + float(outZero);
            rounded = std::min(std::max(rounded, -128.0f), 127.0f);
            expected[i] = int8_t(rounded);
            saturated += expected[i] == 127 || expected[i] == -128;
          }
          auto actual =
              runIntegerKernel<int8_t>(layout, zeroPoint, m, x, w, bias, family, nullptr, region);
          EXPECT_EQ(expected, actual) << what;
          EXPECT_LT(saturated, int(expected.size()) / 2) << what;
        }
}

/// A dense literal of any shape, as MLIR's hex form (raw little-endian bytes).
template <typename T> std::string hexLiteral(const std::vector<T> &values) {
  std::string text = "dense<\"0x";
  const auto *bytes = reinterpret_cast<const uint8_t *>(values.data());
  for (size_t i = 0; i < values.size() * sizeof(T); ++i)
    text += llvm::utohexstr(bytes[i], /*LowerCase=*/false, /*Width=*/2);
  return text + "\">";
}

struct DepthwiseProblem {
  int64_t channels, h, w, kh, kw;
  std::array<int64_t, 2> strides, dilations;
  std::array<int64_t, 4> pads; // top, left, bottom, right
  int32_t zeroPoint;
};

/// qnn.conv_integer with one channel per group, computed directly: padding
/// reads the zero point, int32 sums.
std::vector<int32_t> referenceDepthwise(const DepthwiseProblem &p, int64_t oh, int64_t ow,
                                        const std::vector<int8_t> &x,
                                        const std::vector<int8_t> &w,
                                        const std::vector<int32_t> &bias) {
  std::vector<int32_t> out(p.channels * oh * ow);
  for (int64_t c = 0; c < p.channels; ++c)
    for (int64_t y = 0; y < oh; ++y)
      for (int64_t z = 0; z < ow; ++z) {
        int32_t acc = bias[c];
        for (int64_t i = 0; i < p.kh; ++i)
          for (int64_t j = 0; j < p.kw; ++j) {
            int64_t iy = y * p.strides[0] + i * p.dilations[0] - p.pads[0];
            int64_t iz = z * p.strides[1] + j * p.dilations[1] - p.pads[1];
            bool inside = iy >= 0 && iy < p.h && iz >= 0 && iz < p.w;
            int32_t v = inside ? x[(c * p.h + iy) * p.w + iz] : p.zeroPoint;
            acc += v * w[(c * p.kh + i) * p.kw + j];
          }
        out[(c * oh + y) * ow + z] = acc;
      }
  return out;
}

// Depthwise qnn.conv_integer runs channels last
// (qkernel.depthwise_conv_integer between transposes) through the whole
// lowering pipeline and equals the direct NCHW reference bit for bit:
// channel counts that are and are not multiples of the vector width,
// strides, dilation, asymmetric padding, int8 extremes.
TEST(QKernelDepthwiseConv, MatchesReferenceExactly) {
  std::mt19937 rng(21);
  std::uniform_int_distribution<int> byte(-128, 127);
  for (const DepthwiseProblem &p :
       {DepthwiseProblem{16, 9, 11, 3, 3, {1, 1}, {1, 1}, {1, 1, 1, 1}, -3},
        DepthwiseProblem{37, 8, 10, 3, 3, {2, 2}, {1, 1}, {1, 1, 1, 1}, 127},
        DepthwiseProblem{24, 12, 7, 5, 5, {1, 2}, {2, 1}, {4, 2, 4, 2}, -128},
        DepthwiseProblem{5, 6, 6, 3, 1, {2, 1}, {1, 1}, {0, 1, 2, 0}, 0},
        // Every output pixel reaches into the padding (2 columns, 5x5).
        DepthwiseProblem{20, 3, 2, 5, 5, {1, 1}, {1, 1}, {2, 2, 2, 2}, 77},
        DepthwiseProblem{17, 5, 9, 3, 3, {1, 1}, {1, 1}, {0, 0, 0, 0}, -9}}) {
    int64_t oh = (p.h + p.pads[0] + p.pads[2] - (p.kh - 1) * p.dilations[0] - 1) / p.strides[0] + 1;
    int64_t ow = (p.w + p.pads[1] + p.pads[3] - (p.kw - 1) * p.dilations[1] - 1) / p.strides[1] + 1;
    std::vector<int8_t> x(p.channels * p.h * p.w), w(p.channels * p.kh * p.kw);
    for (size_t i = 0; i < x.size(); ++i)
      x[i] = int8_t(i % 13 == 0 ? -128 : i % 17 == 0 ? 127 : byte(rng));
    for (size_t i = 0; i < w.size(); ++i)
      w[i] = int8_t(i % 7 == 0 ? -128 : i % 11 == 0 ? 127 : byte(rng));
    std::vector<int32_t> bias(p.channels);
    for (int32_t &b : bias)
      b = int32_t(byte(rng)) * 1000;
    auto dims = [](std::initializer_list<int64_t> d) {
      return llvm::join(llvm::map_range(d, [](int64_t v) { return std::to_string(v); }), "x");
    };
    std::string xType = "tensor<" + dims({1, p.channels, p.h, p.w}) + "xi8>";
    std::string wType = "tensor<" + dims({p.channels, 1, p.kh, p.kw}) + "xi8>";
    std::string bType = "tensor<" + std::to_string(p.channels) + "xi32>";
    std::string yType = "tensor<" + dims({1, p.channels, oh, ow}) + "xi32>";
    auto list = [](llvm::ArrayRef<int64_t> v) {
      return llvm::join(llvm::map_range(v, [](int64_t e) { return std::to_string(e); }), ", ");
    };
    std::ostringstream src;
    src << "func.func @main(%x: " << xType << ") -> " << yType << " {\n"
        << "  %w = qnn.constant " << hexLiteral(w) << " : " << wType << "\n"
        << "  %b = qnn.constant " << hexLiteral(bias) << " : " << bType << "\n"
        << "  %y = qnn.conv_integer %x, %w, %b {dilations = array<i64: " << list(p.dilations)
        << ">, group = " << p.channels << " : i64, input_zero_point = " << p.zeroPoint
        << " : i64, pads = array<i64: " << list(p.pads) << ">, strides = array<i64: "
        << list(p.strides) << ">} : (" << xType << ", " << wType << ", " << bType << ") -> "
        << yType << "\n  return %y : " << yType << "\n}\n";
    std::string what = "channels " + std::to_string(p.channels) + " kernel " +
                       std::to_string(p.kh) + "x" + std::to_string(p.kw);
    for (const std::string &family : hostFamilies()) {
      auto jit = compileKernel(src.str(), family);
      ASSERT_TRUE(jit) << what;
      std::vector<int32_t> actual(p.channels * oh * ow, -123);
      ASSERT_FALSE(bool(jit->run({x.data(), actual.data()}))) << what;
      std::vector<int32_t> expected = referenceDepthwise(p, oh, ow, x, w, bias);
      for (size_t i = 0; i < expected.size(); ++i)
        if (expected[i] != actual[i]) {
          ADD_FAILURE() << what << " (" << family << "): element " << i << " is " << actual[i]
                        << ", reference " << expected[i];
          break;
        }
    }
  }
}

} // namespace

// A depthwise conv followed by a per-channel requantize (a Relu clamp, a
// zero point) runs the requantize in the kernel as an epilogue region:
// int8 equal to qnn.requantize's arithmetic on the int32 reference, on
// every host family, full channel vectors and a masked tail (37 channels).
TEST(QKernelDepthwiseConv, FusedRequantizeMatchesReference) {
  std::mt19937 rng(22);
  std::uniform_int_distribution<int> byte(-128, 127);
  std::uniform_int_distribution<int32_t> multiplier(1 << 30, std::numeric_limits<int32_t>::max());
  DepthwiseProblem p{37, 8, 10, 3, 3, {2, 1}, {1, 1}, {1, 1, 1, 1}, -3};
  int64_t oh = (p.h + p.pads[0] + p.pads[2] - (p.kh - 1) * p.dilations[0] - 1) / p.strides[0] + 1;
  int64_t ow = (p.w + p.pads[1] + p.pads[3] - (p.kw - 1) * p.dilations[1] - 1) / p.strides[1] + 1;
  std::vector<int8_t> x(p.channels * p.h * p.w), w(p.channels * p.kh * p.kw);
  for (auto &v : x)
    v = int8_t(byte(rng));
  for (auto &v : w)
    v = int8_t(byte(rng));
  std::vector<int32_t> bias(p.channels);
  for (int32_t &b : bias)
    b = int32_t(byte(rng)) * 1000;
  RequantizeParams params;
  for (int64_t c = 0; c < p.channels; ++c) {
    params.multipliers.push_back(multiplier(rng));
    params.shifts.push_back(40 + c % 3);
  }
  params.zeroPoint = -4;
  params.clampMin = -4;
  auto list = [](auto values) {
    return llvm::join(llvm::map_range(values, [](auto v) { return std::to_string(v); }), ", ");
  };
  std::string c = std::to_string(p.channels);
  std::string xType = "tensor<1x" + c + "x8x10xi8>", wType = "tensor<" + c + "x1x3x3xi8>";
  std::string bType = "tensor<" + c + "xi32>";
  std::string shape = "1x" + c + "x" + std::to_string(oh) + "x" + std::to_string(ow);
  std::string qType = "tensor<" + shape + "x!quant.uniform<i8:f32, 0.5:-4>>";
  std::ostringstream src;
  src << "func.func @main(%x: " << xType << ") -> tensor<" << shape << "xi8> {\n"
      << "  %w = qnn.constant " << hexLiteral(w) << " : " << wType << "\n"
      << "  %b = qnn.constant " << hexLiteral(bias) << " : " << bType << "\n"
      << "  %y = qnn.conv_integer %x, %w, %b {dilations = array<i64: 1, 1>, group = " << c
      << " : i64, input_zero_point = -3 : i64, pads = array<i64: 1, 1, 1, 1>, strides = "
         "array<i64: 2, 1>} : ("
      << xType << ", " << wType << ", " << bType << ") -> tensor<" << shape << "xi32>\n"
      << "  %r = qnn.requantize %y {axis = 1 : i64, clamp_min = -4 : i64, multipliers = "
         "array<i32: "
      << list(params.multipliers) << ">, shifts = array<i64: " << list(params.shifts)
      << ">} : tensor<" << shape << "xi32> -> " << qType << "\n"
      << "  %s = quant.scast %r : " << qType << " to tensor<" << shape << "xi8>\n"
      << "  return %s : tensor<" << shape << "xi8>\n}\n";
  // NCHW: each channel's pixels are contiguous, so each is its own [m, 1].
  std::vector<int32_t> acc = referenceDepthwise(p, oh, ow, x, w, bias);
  std::vector<int8_t> expected;
  for (int64_t ch = 0; ch < p.channels; ++ch) {
    std::vector<int32_t> plane(acc.begin() + ch * oh * ow, acc.begin() + (ch + 1) * oh * ow);
    RequantizeParams one = params;
    one.multipliers = {params.multipliers[ch]};
    one.shifts = {params.shifts[ch]};
    std::vector<int8_t> out = referenceRequantize(plane, 1, one);
    expected.insert(expected.end(), out.begin(), out.end());
  }
  for (const std::string &family : hostFamilies()) {
    auto jit = compileKernel(src.str(), family);
    ASSERT_TRUE(jit) << family;
    std::vector<int8_t> actual(expected.size(), int8_t(-123));
    ASSERT_FALSE(bool(jit->run({x.data(), actual.data()}))) << family;
    EXPECT_EQ(expected, actual) << family;
  }
  EXPECT_LT(std::count(expected.begin(), expected.end(), int8_t(127)), int64_t(expected.size()));
}
