#include "common/money.h"

#include <gtest/gtest.h>

namespace gm {
namespace {

TEST(ParseCentsTest, ParsesDecimalsExactly) {
  struct Case {
    const char* text;
    Cents expected;
  } cases[] = {
      {"0", 0},
      {"12", 1200},
      {"12.3", 1230},
      {"12.34", 1234},
      {"-3.10", -310},
      {"0.01", 1},
      {"1e3", 100000},
      {"1.5E2", 15000},
      {"123456.78", 12345678},
      {"0.29", 29},
      {"+4.00", 400},
      {"1234e-2", 1234},
      {"000012.50", 1250},
      {"0.0001", 0},
      {"1e-9", 0},
  };
  for (const Case& c : cases) {
    Cents got = -999;
    EXPECT_TRUE(ParseCents(c.text, &got)) << c.text;
    EXPECT_EQ(got, c.expected) << c.text;
  }
}

TEST(ParseCentsTest, RoundsHalfToEven) {
  struct Case {
    const char* text;
    Cents expected;
  } cases[] = {
      {"19.995", 2000},
      {"19.985", 1998},
      {"0.005", 0},
      {"0.015", 2},
      {"0.025", 2},
      {"0.0250001", 3},
      {"2.675", 268},
      {"-0.015", -2},
      {"1.004999", 100},
      {"1.006", 101},
      {"0.00500000000000000000000000000000000000000000000000000000000000000000001", 1},
  };
  for (const Case& c : cases) {
    Cents got = -999;
    EXPECT_TRUE(ParseCents(c.text, &got)) << c.text;
    EXPECT_EQ(got, c.expected) << c.text;
  }
}

TEST(ParseCentsTest, RejectsNonNumbersAndHugeValues) {
  for (const char* text : {"", "-", ".", "abc", "1.2.3", "12abc", "1e", "NaN", "inf", "1e30",
                           "99999999999999999999"}) {
    Cents got = 0;
    EXPECT_FALSE(ParseCents(text, &got)) << text;
  }
}

TEST(FormatCentsTest, WritesTwoDecimals) {
  EXPECT_EQ(FormatCents(0), "0.00");
  EXPECT_EQ(FormatCents(5), "0.05");
  EXPECT_EQ(FormatCents(123456), "1234.56");
  EXPECT_EQ(FormatCents(-5), "-0.05");
}

}  // namespace
}  // namespace gm
