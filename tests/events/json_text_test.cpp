// The decoder's text helpers: JSON number grammar, exact integers, echoes, UTF-8.

#include "events/internal/json_text.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace gm::events::internal {
namespace {

TEST(JsonTextTest, IsJsonNumberFollowsRfc8259) {
  for (const char* good : {"0", "-0", "3", "-3", "10", "3.0", "0.5", "1e5", "1E+5", "1e-5",
                           "-1.25e-10", "123456789012345678901234567890"}) {
    EXPECT_TRUE(IsJsonNumber(good)) << good;
  }
  for (const char* bad : {"", "-", "+1", "01", "-01", "1.", ".5", "1e", "1e+", "1.e5", " 1", "1 ",
                          "0x1", "1,5", "NaN", "Infinity", "--1", "1e5.0", "١"}) {
    EXPECT_FALSE(IsJsonNumber(bad)) << bad;
  }
}

TEST(JsonTextTest, ParseJsonIntegerIsExact) {
  const std::vector<std::pair<std::string, int64_t>> ok = {
      {"0", 0},
      {"-0", 0},
      {"0.000", 0},
      {"0e999999999", 0},
      {"7", 7},
      {"-7", -7},
      {"7.0", 7},
      {"70e-1", 7},
      {"0.7e1", 7},
      {"700e-2", 7},
      {"1e18", 0},
      {"999999999999999999", kMaxJsonInteger},
      {"-999999999999999999", -kMaxJsonInteger},
      {"1.000000000000000000000000000", 1},
      {"123456789e-0", 123456789},
      {"12.5e1", 125},
  };
  for (const auto& [text, expected] : ok) {
    int64_t v = -1;
    const IntegerParse r = ParseJsonInteger(text, &v);
    if (text == "1e18") {
      EXPECT_EQ(r, IntegerParse::kOutOfRange);
      continue;
    }
    EXPECT_EQ(r, IntegerParse::kOk) << text;
    EXPECT_EQ(v, expected) << text;
  }
  int64_t v;
  for (const char* text :
       {"0.5", "7.01", "1e-1", "12.55e1", "1.0000000000000000000001", "1e-99999999999"}) {
    EXPECT_EQ(ParseJsonInteger(text, &v), IntegerParse::kNotInteger) << text;
  }
  for (const char* text : {"1000000000000000000", "-1000000000000000000", "1e19", "9e99999999999",
                           "123456789012345678901234567890"}) {
    EXPECT_EQ(ParseJsonInteger(text, &v), IntegerParse::kOutOfRange) << text;
  }
}

TEST(JsonTextTest, AppendEchoTruncatesOnCharacterBoundariesAndShowsControls) {
  std::string out;
  AppendEcho(out, "short");
  EXPECT_EQ(out, "short");
  out.clear();
  AppendEcho(out, std::string(100, 'a'));
  EXPECT_EQ(out, std::string(64, 'a') + "...");
  out.clear();
  // 63 ASCII bytes and then a 2-byte character straddling the 64-byte limit.
  AppendEcho(out, std::string(63, 'a') + "é" + "tail");
  EXPECT_EQ(out, std::string(63, 'a') + "...");
  out.clear();
  AppendEcho(out, std::string("a\nb\0c\x1f", 6));
  EXPECT_EQ(out, "a\\nb\\u0000c\\u001f");
}

TEST(JsonTextTest, FindInvalidUtf8) {
  EXPECT_EQ(FindInvalidUtf8(""), 0u);
  EXPECT_EQ(FindInvalidUtf8("ascii"), 5u);
  EXPECT_EQ(FindInvalidUtf8("Zürich 😀 €"), std::string("Zürich 😀 €").size());
  EXPECT_EQ(FindInvalidUtf8("ab\xff"), 2u);
  EXPECT_EQ(FindInvalidUtf8("a\xc3"), 1u);             // truncated
  EXPECT_EQ(FindInvalidUtf8("a\xc3(b"), 1u);           // bad continuation
  EXPECT_EQ(FindInvalidUtf8("\xc0\xaf"), 0u);          // overlong
  EXPECT_EQ(FindInvalidUtf8("\xe0\x80\xaf"), 0u);      // overlong
  EXPECT_EQ(FindInvalidUtf8("\xed\xa0\x80"), 0u);      // surrogate
  EXPECT_EQ(FindInvalidUtf8("\xf4\x90\x80\x80"), 0u);  // above U+10FFFF
  EXPECT_EQ(FindInvalidUtf8("\xf4\x8f\xbf\xbf"), 4u);  // U+10FFFF itself is fine
  EXPECT_EQ(FindInvalidUtf8("x\x80"), 1u);             // stray continuation
}

}  // namespace
}  // namespace gm::events::internal
