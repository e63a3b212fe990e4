// Analysis threads: in-order consumption, separate slots for runs in flight,
// errors, and sums that do not depend on the thread count.
#include "quantc/Analysis/Hessian.h"
#include "quantc/Analysis/Quantizer.h"
#include "quantc/Support/Parallel.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

/// Sets QUANTC_NUM_THREADS for one scope.
struct ThreadCount {
  explicit ThreadCount(const char *count) { setenv("QUANTC_NUM_THREADS", count, 1); }
  ~ThreadCount() { unsetenv("QUANTC_NUM_THREADS"); }
};

TEST(Parallel, ThreadCountFromEnvironment) {
  {
    ThreadCount three("3");
    EXPECT_EQ(quantc::analysisThreads(), 3u);
    EXPECT_EQ(quantc::sampleSlots(), 6u);
  }
  {
    ThreadCount one("1");
    EXPECT_EQ(quantc::sampleSlots(), 1u);
  }
  ThreadCount bad("-2");
  EXPECT_GE(quantc::analysisThreads(), 1u); // not a positive number: every core
}

TEST(Parallel, ConsumesInSampleOrderWithOwnSlots) {
  ThreadCount three("3");
  const size_t count = 17;
  std::vector<size_t> slotSample(quantc::sampleSlots(), size_t(-1)), consumed;
  std::vector<std::atomic<int>> inFlight(quantc::sampleSlots());
  auto run = [&](size_t s, unsigned slot) -> llvm::Error {
    EXPECT_EQ(inFlight[slot]++, 0) << "two runs in flight share slot " << slot;
    slotSample[slot] = s;
    inFlight[slot]--;
    return llvm::Error::success();
  };
  auto consume = [&](size_t s, unsigned slot) -> llvm::Error {
    EXPECT_EQ(slotSample[slot], s); // the slot still holds this sample's run
    consumed.push_back(s);
    return llvm::Error::success();
  };
  ASSERT_FALSE(bool(quantc::forEachSample(count, run, consume)));
  ASSERT_EQ(consumed.size(), count);
  for (size_t s = 0; s < count; ++s)
    EXPECT_EQ(consumed[s], s);
}

// Runs whose outputs would hold more than the budget in 2 x threads slots
// get one slot per thread: a chunk runs only once the one before it was
// consumed, and each consume still reads its own run.
TEST(Parallel, LargeRunsTakeOneSlotPerThreadWithoutOverlap) {
  ThreadCount three("3");
  EXPECT_EQ(quantc::sampleSlots(quantc::kSampleSlotBudgetBytes / 6), 6u);
  unsigned slots = quantc::sampleSlots(quantc::kSampleSlotBudgetBytes / 4);
  ASSERT_EQ(slots, 3u);
  const size_t count = 17;
  std::vector<size_t> slotSample(slots, size_t(-1));
  std::atomic<size_t> consumed{0};
  auto run = [&](size_t s, unsigned slot) -> llvm::Error {
    EXPECT_LT(slot, slots);
    EXPECT_EQ(consumed.load(), s / 3 * 3) << "sample " << s << " ran before its chunk's turn";
    slotSample[slot] = s;
    return llvm::Error::success();
  };
  auto consume = [&](size_t s, unsigned slot) -> llvm::Error {
    EXPECT_EQ(slotSample[slot], s);
    EXPECT_EQ(consumed++, s);
    return llvm::Error::success();
  };
  ASSERT_FALSE(bool(quantc::forEachSample(count, run, consume, slots)));
  EXPECT_EQ(consumed.load(), count);
}

TEST(Parallel, StopsAtTheFirstError) {
  ThreadCount two("2");
  size_t consumed = 0;
  auto run = [&](size_t s, unsigned) -> llvm::Error {
    return s == 5 ? llvm::createStringError("sample 5 failed") : llvm::Error::success();
  };
  auto consume = [&](size_t, unsigned) -> llvm::Error {
    ++consumed;
    return llvm::Error::success();
  };
  llvm::Error error = quantc::forEachSample(12, run, consume);
  ASSERT_TRUE(bool(error));
  EXPECT_EQ(llvm::toString(std::move(error)), "sample 5 failed");
  EXPECT_EQ(consumed, 5u); // samples 0..4, in order
}

TEST(Parallel, ForEachIndexVisitsEveryIndexOnce) {
  ThreadCount four("4");
  std::vector<std::atomic<int>> visits(1000);
  quantc::forEachIndex(visits.size(), [&](size_t i) { visits[i]++; });
  for (auto &v : visits)
    EXPECT_EQ(v.load(), 1);
}

// A pool thread that waited on a nested loop used to pick up the outer
// loop's queued bodies, one inside the other: rec's per-layer GPTQ
// sensitivity overflowed the stack. Nested loops now run inline.
TEST(Parallel, NestedForEachIndexRunsInlineWithoutReentry) {
  ThreadCount two("2");
  static thread_local int outerDepth = 0;
  std::atomic<int> deepest{0}, foreignThreads{0};
  std::vector<std::atomic<int>> visits(64 * 64);
  quantc::forEachIndex(64, [&](size_t outer) {
    int depth = ++outerDepth;
    for (int seen = deepest.load(); depth > seen && !deepest.compare_exchange_weak(seen, depth);)
      ;
    std::thread::id owner = std::this_thread::get_id();
    quantc::forEachIndex(64, [&](size_t inner) {
      foreignThreads += std::this_thread::get_id() != owner;
      visits[outer * 64 + inner]++;
    });
    --outerDepth;
  });
  EXPECT_EQ(deepest.load(), 1);
  EXPECT_EQ(foreignThreads.load(), 0);
  for (auto &v : visits)
    EXPECT_EQ(v.load(), 1);
}

/// X^T X of a convolution input large enough to be split over threads.
std::vector<double> convHessian() {
  quantc::ConvGeometry g{1, 32, 24, 24, 3, 3};
  g.padTop = g.padLeft = g.padBottom = g.padRight = 1;
  std::mt19937 random(7);
  std::normal_distribution<float> normal;
  std::vector<float> input(g.channels * g.height * g.width);
  for (float &x : input)
    x = normal(random);
  std::vector<double> hessian;
  quantc::accumulateConvHessian(input.data(), g, hessian);
  quantc::accumulateConvHessian(input.data(), g, hessian); // a second sample adds
  return hessian;
}

TEST(Parallel, HessianBitIdenticalForAnyThreadCount) {
  std::vector<double> one, many;
  {
    ThreadCount single("1");
    one = convHessian();
  }
  {
    ThreadCount three("3");
    many = convHessian();
  }
  ASSERT_EQ(one.size(), size_t(288 * 288));
  EXPECT_EQ(0, std::memcmp(one.data(), many.data(), one.size() * sizeof(double)));
  for (int64_t i = 0; i < 288; ++i) // symmetric, both halves written
    for (int64_t j = 0; j < i; ++j)
      ASSERT_EQ(one[i * 288 + j], one[j * 288 + i]);
}

/// Captured inputs' X^T X (qnn-calibrate over its budget): one call over all
/// samples gives exactly the sums of one call per sample, on any thread count.
TEST(Parallel, HessianOverSamplesEqualsOneCallPerSample) {
  const int64_t samples = 5, rows = 7, columns = 403; // partial lanes; rows on threads
  std::mt19937 random(3);
  std::normal_distribution<float> normal;
  std::vector<float> x(samples * rows * columns);
  for (float &v : x)
    v = normal(random);
  std::vector<double> perSample;
  for (int64_t s = 0; s < samples; ++s)
    quantc::accumulateMatrixHessian(&x[s * rows * columns], rows, columns, perSample);
  for (const char *threads : {"1", "2"}) {
    ThreadCount count(threads);
    std::vector<double> together;
    quantc::accumulateMatrixHessianOverSamples(x.data(), samples, rows, columns, together);
    ASSERT_EQ(together.size(), perSample.size());
    EXPECT_EQ(0, std::memcmp(together.data(), perSample.data(), perSample.size() * sizeof(double)))
        << threads << " threads";
  }
}

/// AdaRound of a 48 x 64 weight against X^T X of random inputs.
quantc::QuantizedWeights adaRound() {
  const int64_t rows = 48, columns = 64, samples = 200;
  std::mt19937 random(11);
  std::normal_distribution<float> normal;
  std::vector<float> weights(rows * columns), x(samples * columns);
  for (float &w : weights)
    w = normal(random);
  for (float &v : x)
    v = normal(random);
  std::vector<double> hessian;
  quantc::accumulateMatrixHessian(x.data(), samples, columns, hessian);
  quantc::WeightScheme scheme;
  scheme.bits = 3;
  auto layout = quantc::WeightLayout::fromAxes({rows, columns}, 0);
  return quantc::quantizeWeightsAdaRound(weights, layout, scheme, hessian, /*startFromGPTQ=*/true);
}

TEST(Parallel, AdaRoundRowsBitIdenticalForAnyThreadCount) {
  quantc::QuantizedWeights one, many;
  {
    ThreadCount single("1");
    one = adaRound();
  }
  {
    ThreadCount three("3");
    many = adaRound();
  }
  EXPECT_EQ(one.values, many.values);
  EXPECT_EQ(one.scales, many.scales);
  EXPECT_EQ(one.zeroPoints, many.zeroPoints);
}

} // namespace
