// The decoder's fast path (internal/flat_json.h) against its simdjson path: a message the
// way producers write it ({"event_type":"<topic>",...) may take the fast path, the same
// message after one leading blank never does, and both must decode alike — the same
// outcome, the same reason, the same event — over valid messages and random mutations.

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "events/codec.h"
#include "test_messages.h"

namespace gm::events {
namespace {

namespace msg = testing_messages;

// Decodes `json` both ways and expects the same result; returns whether it decoded.
bool ExpectBothPathsAgree(Decoder& decoder, const std::string& json) {
  Event fast, slow;
  const Status a = decoder.Decode(std::nullopt, json, fast);
  const Status b = decoder.Decode(std::nullopt, " " + json, slow);
  EXPECT_EQ(a.ok(), b.ok()) << json << "\nfast: " << a.message() << "\nslow: " << b.message();
  // Positions in reasons count the extra blank.
  if (a.message().find("at byte") == std::string::npos) {
    EXPECT_EQ(a.message(), b.message()) << json;
  }
  if (a.ok() && b.ok()) {
    EXPECT_EQ(fast, slow) << json;
  }
  return a.ok();
}

std::vector<std::string> Seeds() {
  std::vector<std::string> seeds;
  for (Topic topic : kAllTopics) seeds.push_back(msg::ForTopic(topic).Json());
  seeds.push_back(msg::CartEvent().With("price", "\"19.995\"").With("quantity", "3.0").Json());
  seeds.push_back(msg::CartEvent().With("action", "\"remove\"").Without("quantity").Json());
  seeds.push_back(msg::Transaction().With("city", "\"São Paulo\"").With("x", "null").Json());
  seeds.push_back(msg::ProductView().With("device", "\"ç 😀 long enough to span words\"").Json());
  seeds.push_back(msg::ProductView().With("device", "\"ç\\u00e7 😀\"").Json());
  seeds.push_back(msg::Transaction().With("session_id", "null").With("device", "\"\"").Json());
  seeds.push_back(msg::InventoryUpdate().Without("change").With("stock", "12").Json());
  seeds.push_back(
      msg::TransactionWithItem(R"({"product_id":"P","quantity":2,"price":1.5,"category":"A"})")
          .Json());
  return seeds;
}

TEST(DecodeFastPathTest, ValidMessagesDecodeAlike) {
  Decoder decoder;
  for (const std::string& json : Seeds()) {
    SCOPED_TRACE(json);
    ExpectBothPathsAgree(decoder, json);
    Event e;
    ASSERT_TRUE(decoder.Decode(std::nullopt, json, e).ok());
  }
}

TEST(DecodeFastPathTest, MutatedMessagesDecodeAlike) {
  // Characters that change JSON's structure or a value's meaning.
  const std::string alphabet = "{}[]:,\"\\ \t\n-+.eE0123456789tfnulrsax\x01\x7f\xc3\xa9\xff";
  std::mt19937_64 rng(3);
  Decoder decoder;
  const std::vector<std::string> seeds = Seeds();
  int decoded = 0;
  constexpr int kCases = 60'000;
  for (int i = 0; i < kCases; ++i) {
    std::string json = seeds[rng() % seeds.size()];
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int k = 0; k < edits; ++k) {
      // Keep the producers' prefix most of the time, so the fast path is tried.
      const size_t from = rng() % 4 == 0 ? 0 : std::min<size_t>(json.size(), 16);
      if (json.size() <= from) break;
      const size_t at = from + rng() % (json.size() - from);
      const char c = alphabet[rng() % alphabet.size()];
      switch (rng() % 4) {
        case 0:
          json.erase(at, 1);
          break;
        case 1:
          json.insert(at, 1, c);
          break;
        case 2:
          json[at] = c;
          break;
        default:  // repeat a slice: duplicate fields, nested values
          json.insert(at, json.substr(at - at % 7, rng() % 24));
          break;
      }
    }
    decoded += ExpectBothPathsAgree(decoder, json) ? 1 : 0;
    if (HasFailure()) return;
  }
  // Both outcomes are exercised: edits in blanks, digits and unknown values keep many valid.
  EXPECT_GT(decoded, kCases / 20);
  EXPECT_LT(decoded, kCases / 2);
}

}  // namespace
}  // namespace gm::events
