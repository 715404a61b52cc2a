#include "common/time.h"

#include <gtest/gtest.h>

namespace gm {
namespace {

constexpr Micros k2024Jan15_103000 = 1705314600LL * kMicrosPerSecond;

TEST(ParseTimestampTest, AcceptsEveryVariantOfTheContract) {
  struct Case {
    const char* text;
    Micros expected;
  } cases[] = {
      {"2024-01-15T10:30:00", k2024Jan15_103000},  // naive = UTC (Python isoformat)
      {"2024-01-15T10:30:00Z", k2024Jan15_103000},
      {"2024-01-15 10:30:00", k2024Jan15_103000},  // space separator
      {"2024-01-15T10:30", k2024Jan15_103000},     // no seconds
      {"2024-01-15T12:30:00+02:00", k2024Jan15_103000},
      {"2024-01-15T05:30:00-0500", k2024Jan15_103000},
      {"2024-01-15T11:30:00+01", k2024Jan15_103000},
      {"2024-01-15T10:30:00.5Z", k2024Jan15_103000 + 500'000},
      {"2024-01-15T10:30:00.123456", k2024Jan15_103000 + 123'456},
      {"2024-01-15T10:30:00.1234569Z", k2024Jan15_103000 + 123'456},  // truncated past µs
      {"1970-01-01T00:00:00Z", 0},
      {"1969-12-31T23:59:59Z", -kMicrosPerSecond},
      {"2024-02-29T00:00:00Z", 1709164800LL * kMicrosPerSecond},
  };
  for (const Case& c : cases) {
    Micros t = -1;
    EXPECT_TRUE(ParseTimestamp(c.text, &t)) << c.text;
    EXPECT_EQ(t, c.expected) << c.text;
  }
}

TEST(ParseTimestampTest, RejectsMalformedAndImpossibleTimes) {
  const char* bad[] = {"",
                       "2024-01-15",
                       "2024-1-15T10:30:00",
                       "2024-01-15T10:30:00X",
                       "2024-01-15T24:00:00",
                       "2023-02-29T00:00:00",
                       "2024-13-01T00:00:00",
                       "2024-01-15T10:30:00.",
                       "2024-01-15T10:30:00+25:00",
                       "2024-01-15T10:30:00Zjunk",
                       "1705314600",
                       "yesterday"};
  for (const char* text : bad) {
    Micros t = 42;
    EXPECT_FALSE(ParseTimestamp(text, &t)) << text;
    EXPECT_EQ(t, 42) << "output must be untouched on failure: " << text;
  }
}

TEST(FormatTimestampTest, RoundTripsThroughParse) {
  for (Micros t : {Micros{0}, k2024Jan15_103000, k2024Jan15_103000 + 123'000,
                   k2024Jan15_103000 + 123'456, Micros{-1'500'000}}) {
    std::string text = FormatTimestamp(t);
    Micros back = 0;
    ASSERT_TRUE(ParseTimestamp(text, &back)) << text;
    EXPECT_EQ(back, t) << text;
  }
  EXPECT_EQ(FormatTimestamp(k2024Jan15_103000), "2024-01-15T10:30:00.000Z");
  EXPECT_EQ(FormatTimestamp(k2024Jan15_103000 + 7), "2024-01-15T10:30:00.000007Z");
}

TEST(DurationTest, ParsesUnitsAndRejectsBareNumbers) {
  EXPECT_EQ(*ParseDuration("250ms"), 250 * kMicrosPerMilli);
  EXPECT_EQ(*ParseDuration("10s"), 10 * kMicrosPerSecond);
  EXPECT_EQ(*ParseDuration("2m"), 2 * kMicrosPerMinute);
  EXPECT_EQ(*ParseDuration("30d"), 30 * kMicrosPerDay);
  EXPECT_EQ(*ParseDuration("0"), 0);
  EXPECT_FALSE(ParseDuration("10").ok());
  EXPECT_FALSE(ParseDuration("s").ok());
  EXPECT_FALSE(ParseDuration("10 s").ok());
  EXPECT_FALSE(ParseDuration("-5s").ok());
  EXPECT_EQ(FormatDuration(90 * kMicrosPerSecond), "90s");
  EXPECT_EQ(FormatDuration(2 * kMicrosPerMinute), "2m");
}

TEST(ManualClockTest, MovesOnlyWhenTold) {
  ManualClock clock(1000);
  EXPECT_EQ(clock.Now(), 1000);
  clock.Advance(500);
  EXPECT_EQ(clock.Now(), 1500);
  clock.Set(7);
  EXPECT_EQ(clock.Now(), 7);
}

}  // namespace
}  // namespace gm
