// The scan for arrays that crash upstream's linalg parsers: it must flag
// every array upstream fails to parse after permutation/dimensions, and
// nothing upstream parses.
#include "quantc/Support/ParserGuard.h"

#include <gtest/gtest.h>

#include <string>

namespace {

std::string transposeWith(const std::string &permutation) {
  return "%a = linalg.transpose ins(%x : tensor<2x3xf32>) outs(%e : tensor<3x2xf32>) "
         "permutation = " +
         permutation + "\n";
}

TEST(ParserGuardTest, AcceptsWhatUpstreamParses) {
  for (const char *permutation : {"[1, 0]", "[]", "[ 1 ,0 ]", "[-1, 0x1]", "[9223372036854775807]",
                                  "[- 2]", "[1, // comment\n 0]"})
    EXPECT_FALSE(quantc::findParserHazard(transposeWith(permutation))) << permutation;
  // Properties and attributes before ins, and operands spread over lines.
  EXPECT_FALSE(
      quantc::findParserHazard("linalg.broadcast <{x = \"]\"}> {y = 1} ins(%x : tensor<8xf32>)\n"
                               "    outs(%e : tensor<4x8xf32>)\n    dimensions = [0]"));
  // The generic form and mentions in strings or comments are not custom ops.
  EXPECT_FALSE(
      quantc::findParserHazard("\"linalg.transpose\"(%x, %e) <{permutation = array<i64: 1, 0>}>"));
  EXPECT_FALSE(
      quantc::findParserHazard("// linalg.transpose ins(%x : t) outs(%e : t) permutation = S0]\n"));
  EXPECT_FALSE(quantc::findParserHazard("%r = \"linalg.reduce ins() outs() dimensions = 0\""));
}

TEST(ParserGuardTest, FlagsWhatUpstreamCrashesOn) {
  for (const char *permutation : {"S0, 2, 3, 1]", "[0x]", "[1.0]", "[1 0]", "[1,]",
                                  "[9223372036854775808]", "[a]", "", "[1, 2"}) {
    std::string source = transposeWith(permutation);
    std::optional<quantc::ParserHazard> hazard = quantc::findParserHazard(source);
    ASSERT_TRUE(hazard) << permutation;
    EXPECT_GE(hazard->offset, source.find("permutation = ") + 14) << permutation;
    EXPECT_NE(hazard->message.find("linalg.transpose's permutation"), std::string::npos);
  }
  std::optional<quantc::ParserHazard> hazard = quantc::findParserHazard(
      "func.func @f() {\n  %r = linalg.reduce ins(%x : tensor<4x8xf32>) outs(%e : tensor<8xf32>) "
      "dimensions = 0\n}");
  ASSERT_TRUE(hazard);
  EXPECT_NE(hazard->message.find("linalg.reduce's dimensions"), std::string::npos);
}

TEST(ParserGuardTest, LeavesOtherParseErrorsToUpstream) {
  // A missing keyword, a missing '=' or unbalanced operands fail cleanly
  // upstream before any array is parsed.
  EXPECT_FALSE(quantc::findParserHazard("linalg.transpose ins(%x : t) outs(%e : t) [1, 0]"));
  EXPECT_FALSE(quantc::findParserHazard("linalg.transpose ins(%x : t) outs(%e : t) permutation 1"));
  EXPECT_FALSE(
      quantc::findParserHazard("linalg.transpose ins(%x : t outs(%e : t) permutation = 1"));
  EXPECT_FALSE(quantc::findParserHazard("%linalg.transpose ins(%x : t) permutation = 1"));
}

} // namespace
