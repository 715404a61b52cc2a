#include "inputs.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "bus/file_bus.h"
#include "common/config.h"
#include "common/time.h"
#include "events/codec.h"
#include "generator/generator.h"

namespace gm::stream::pipeline_testing {
namespace {

// splitmix64: the same sequence with every standard library (unlike std distributions).
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  //! Uniform in [lo, hi].
  int64_t Between(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(Next() % static_cast<uint64_t>(hi - lo + 1));
  }
  bool OneIn(int64_t n) { return Next() % static_cast<uint64_t>(n) == 0; }

 private:
  uint64_t state_;
};

std::string Replace(std::string text, std::string_view from, std::string_view to) {
  const size_t at = text.find(from);
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

// The spellings of one instant the contract accepts besides the encoder's ".mmmZ".
enum class TimeSpelling { kPlusTwo, kMinusFiveThirty, kNaive, kMicrosZ, kSpace };

std::string Spell(Micros t, TimeSpelling spelling) {
  const int64_t offset_minutes = spelling == TimeSpelling::kPlusTwo           ? 120
                                 : spelling == TimeSpelling::kMinusFiveThirty ? -330
                                                                              : 0;
  const Micros local = t + offset_minutes * kMicrosPerMinute;
  const Micros day_start = FloorTo(local, kMicrosPerDay);
  int64_t year;
  unsigned month, day;
  CivilFromDays(day_start / kMicrosPerDay, &year, &month, &day);
  const Micros in_day = local - day_start;
  const int64_t seconds = in_day / kSecond;
  char text[64];
  std::snprintf(text, sizeof text, "%04lld-%02u-%02u%c%02lld:%02lld:%02lld",
                static_cast<long long>(year), month, day,
                spelling == TimeSpelling::kSpace ? ' ' : 'T',
                static_cast<long long>(seconds / 3600), static_cast<long long>(seconds / 60 % 60),
                static_cast<long long>(seconds % 60));
  std::string out = text;
  char fraction[16];
  if (spelling == TimeSpelling::kMicrosZ) {
    std::snprintf(fraction, sizeof fraction, ".%06lld", static_cast<long long>(in_day % kSecond));
  } else {
    std::snprintf(fraction, sizeof fraction, ".%03lld",
                  static_cast<long long>(in_day % kSecond / kMilli));
  }
  out += fraction;
  switch (spelling) {
    case TimeSpelling::kPlusTwo:
      return out + "+02:00";
    case TimeSpelling::kMinusFiveThirty:
      return out + "-0530";
    case TimeSpelling::kNaive:
      return out;
    case TimeSpelling::kMicrosZ:
    case TimeSpelling::kSpace:
      return out + "Z";
  }
  return out;
}

// Writes every number of `"field":N` as the string "N".
std::string QuoteNumbers(std::string json, std::string_view field) {
  const std::string key = "\"" + std::string(field) + "\":";
  for (size_t at = json.find(key); at != std::string::npos; at = json.find(key, at + 1)) {
    const size_t begin = at + key.size();
    size_t end = begin;
    while (end < json.size() &&
           std::string_view("0123456789.-+eE").find(json[end]) != std::string_view::npos) {
      ++end;
    }
    if (end == begin) continue;
    json.insert(end, "\"");
    json.insert(begin, "\"");
  }
  return json;
}

// Lines the decoder must reject, each for another reason.
std::vector<std::string> MalformedLines() {
  const std::string tx =
      R"({"event_type":"transactions","transaction_id":"T-BAD","user_id":"U-BAD",)"
      R"("timestamp":"2024-03-06T11:10:00Z","products":[{"product_id":"P-BAD",)"
      R"("category":"Books","quantity":1,"price":9.99}],"total_amount":9.99,)"
      R"("payment_method":"credit_card","country":"USA"})";
  const std::string products =
      R"("products":[{"product_id":"P-BAD","category":"Books","quantity":1,"price":9.99}],)";
  return {
      "this is not json",
      tx.substr(0, tx.size() / 2),  // truncated
      Replace(tx, R"("quantity":1)", R"("quantity":"abc")"),
      Replace(tx, R"("quantity":1)", R"("quantity":-2)"),
      R"({"event_type":"cart_events","event_id":"C-BAD","user_id":"U-BAD","session_id":"S-BAD",)"
      R"("product_id":"P-BAD","timestamp":"2024-03-06T11:10:00Z","action":"purchase",)"
      R"("quantity":1})",
      Replace(tx, R"("country":"USA")", "\"country\":\"US\xff\xfe\""),  // invalid UTF-8
      Replace(tx, R"("payment_method")",
              R"("padding":")" + std::string(2 << 20, 'x') + R"(","payment_method")"),  // 2 MiB
      "{}",
      Replace(tx, products, R"("products":[],)"),
      Replace(tx, products, ""),
      "[1,2,3]",
      Replace(tx, R"("transactions")", R"("orders")"),
      tx + " trailing",
      Replace(tx, "2024-03-06T11:10:00Z", "yesterday"),
      Replace(tx, R"("price":9.99)", R"("price":-1.00)"),
  };
}

// The generated stream mutated deterministically (the mutations inputs.h lists).
Mutation Mutate(std::vector<std::string> lines) {
  Mutation m;
  Rng rng(20240306);
  events::Decoder decoder;
  events::Event ev;
  std::vector<Micros> times;
  for (const std::string& line : lines) {
    EXPECT_TRUE(decoder.Decode(std::nullopt, line, ev).ok()) << line;
    times.push_back(ev.timestamp());
  }
  const size_t n = lines.size();

  // Local reordering: swap lines up to ~6 s apart (some of them become late).
  for (size_t i = 0; i < n; ++i) {
    if (!rng.OneIn(40)) continue;
    const size_t j = i + static_cast<size_t>(rng.Between(1, 300));
    if (j < n && std::llabs(times[j] - times[i]) <= 6 * kSecond) {
      std::swap(lines[i], lines[j]);
      std::swap(times[i], times[j]);
    }
  }

  const std::vector<std::string> malformed = MalformedLines();
  const size_t malformed_every = n / (malformed.size() + 1);
  size_t next_malformed = 0;
  std::multimap<size_t, std::string> repeats;  // after source line i: exact duplicates
  std::optional<std::string> first_tx, first_view, mid_tx;
  Micros first_time = 0, mid_time = 0;
  bool beyond_horizon_done = false, within_horizon_done = false;
  Micros max_seen = INT64_MIN;
  std::string encoded;

  for (size_t i = 0; i < n; ++i) {
    std::string line = lines[i];
    EXPECT_TRUE(decoder.Decode(std::nullopt, line, ev).ok());
    if (ev.topic == events::Topic::kTransactions) {
      const int64_t r = rng.Between(0, 99);
      if (r < 5) {
        // Another spelling of the same instant.
        const size_t at = line.find(R"("timestamp":")") + 13;
        line.replace(at, line.find('"', at) - at,
                     Spell(ev.transaction.timestamp, static_cast<TimeSpelling>(r)));
      } else if (r < 10) {
        for (const char* field : {"quantity", "price", "total_amount"}) {
          line = QuoteNumbers(line, field);
        }
      } else if (r < 15) {
        // Items without a category: half of their products are in the catalog (under
        // another name than the events', so the test tells which one was used).
        for (events::LineItem& item : ev.transaction.products) {
          if (Fnv(item.product_id) % 2 == 0) {
            m.products.product_category.emplace(item.product_id, "Catalog " + item.category);
          }
          item.category.clear();
        }
        encoded.clear();
        events::Encode(ev, encoded);
        line = encoded;
      }
    }
    m.lines.push_back(line);
    max_seen = std::max(max_seen, ev.timestamp());
    if (ev.topic == events::Topic::kTransactions && !first_tx) {
      first_tx = line;
      first_time = ev.timestamp();
    }
    if (ev.topic == events::Topic::kProductViews && !first_view) first_view = line;
    if (ev.topic == events::Topic::kTransactions && !mid_tx &&
        ev.timestamp() >= kGeneratedStart + 5 * kMicrosPerMinute) {
      mid_tx = line;
      mid_time = ev.timestamp();
    }

    // A late copy under a new id, 20–120 s before the newest time.
    if (ev.topic == events::Topic::kTransactions && rng.OneIn(80)) {
      events::Event copy = ev;
      copy.transaction.transaction_id += "-late";
      copy.transaction.timestamp = max_seen - rng.Between(20'000, 120'000) * kMilli;
      encoded.clear();
      events::Encode(copy, encoded);
      m.lines.push_back(encoded);
    }
    // An exact duplicate a few lines later.
    if (rng.OneIn(120)) repeats.emplace(i + static_cast<size_t>(rng.Between(0, 50)), line);
    for (auto [it, end] = repeats.equal_range(i); it != end; ++it) m.lines.push_back(it->second);
    // Exact copies of the first transaction and view beyond the dedup horizon (new again,
    // and late), and of a transaction 3 minutes old (a duplicate, not late).
    if (first_tx && first_view && !beyond_horizon_done &&
        max_seen > first_time + 11 * kMicrosPerMinute) {
      m.lines.push_back(*first_tx);
      m.lines.push_back(*first_view);
      beyond_horizon_done = true;
    }
    if (mid_tx && !within_horizon_done && max_seen > mid_time + 3 * kMicrosPerMinute) {
      m.lines.push_back(*mid_tx);
      within_horizon_done = true;
    }
    if ((i + 1) % malformed_every == 0 && next_malformed < malformed.size()) {
      m.lines.push_back(malformed[next_malformed++]);
      ++m.malformed;
      if (next_malformed == 3) m.lines.push_back("");  // an empty line: skipped, not counted
    }
  }
  EXPECT_TRUE(beyond_horizon_done && within_horizon_done);
  EXPECT_EQ(next_malformed, malformed.size());
  return m;
}

// The hand-built stream (12:00:00Z = 1709726400 s, a multiple of 30 s). Lateness 5 s, so
// after line 5 the watermark is 12:00:35.
const std::vector<std::string>& HandBuiltLines() {
  static const std::vector<std::string> kLines =
      {
          // 1: the first event; nothing before it can be late.
          R"({"event_type":"product_views","event_id":"V-1","user_id":"U-A","session_id":"S-A","product_id":"P-1","category":"Books","timestamp":"2024-03-06T12:00:00Z","duration_seconds":5})",
          // 2: exactly on a window start: in [11:59:30, 12:00:30) and [12:00:00, 12:01:00).
          R"({"event_type":"transactions","transaction_id":"T-1","user_id":"U-A","timestamp":"2024-03-06T12:00:00Z","products":[{"product_id":"P-1","category":"Books","quantity":2,"price":10.00}],"total_amount":20.00,"payment_method":"credit_card","country":"US"})",
          // 3: the last microsecond of [11:59:30, 12:00:30); two categories.
          R"({"event_type":"transactions","transaction_id":"T-2","user_id":"U-B","timestamp":"2024-03-06T12:00:29.999999Z","products":[{"product_id":"P-2","category":"Toys","quantity":1,"price":5.00},{"product_id":"P-1","category":"Books","quantity":1,"price":1.00}],"total_amount":6.00,"payment_method":"paypal","country":"DE","city":"Berlin","currency":"EUR","device":"mobile"})",
          // 4: on the next window start: in [12:00:00, 12:01:00) and [12:00:30, 12:01:30).
          R"({"event_type":"transactions","transaction_id":"T-3","user_id":"U-A","session_id":"S-A","timestamp":"2024-03-06T12:00:30Z","products":[{"product_id":"P-1","category":"Books","quantity":1,"price":3.00}],"total_amount":3.00,"payment_method":"credit_card","country":"US"})",
          // 5: the newest time becomes 12:00:40, the watermark 12:00:35.
          R"({"event_type":"product_views","event_id":"V-2","user_id":"U-C","session_id":"S-C","product_id":"P-2","category":"Toys","timestamp":"2024-03-06T12:00:40Z","duration_seconds":1})",
          // 6: exactly at the watermark: NOT late.
          R"({"event_type":"transactions","transaction_id":"T-4","user_id":"U-B","timestamp":"2024-03-06T12:00:35Z","products":[{"product_id":"P-2","category":"Toys","quantity":1,"price":7.00}],"total_amount":7.00,"payment_method":"paypal","country":"DE"})",
          // 7: a microsecond below the watermark: late (no sales; scored at 12:00:35; U-C's home
          // is DE: geo_mismatch).
          R"({"event_type":"transactions","transaction_id":"T-5","user_id":"U-C","timestamp":"2024-03-06T12:00:34.999999Z","products":[{"product_id":"P-2","category":"Toys","quantity":1,"price":100.00}],"total_amount":100.00,"payment_method":"paypal","country":"FR"})",
          // 8, 9: exact repeats of lines 3 and 5: duplicates.
          R"({"event_type":"transactions","transaction_id":"T-2","user_id":"U-B","timestamp":"2024-03-06T12:00:29.999999Z","products":[{"product_id":"P-2","category":"Toys","quantity":1,"price":5.00},{"product_id":"P-1","category":"Books","quantity":1,"price":1.00}],"total_amount":6.00,"payment_method":"paypal","country":"DE","city":"Berlin","currency":"EUR","device":"mobile"})",
          R"({"event_type":"product_views","event_id":"V-2","user_id":"U-C","session_id":"S-C","product_id":"P-2","category":"Toys","timestamp":"2024-03-06T12:00:40Z","duration_seconds":1})",
          // 10: 12:00:41Z written with an offset, numbers as strings; U-D is not a customer.
          R"({"event_type":"transactions","transaction_id":"T-6","user_id":"U-D","timestamp":"2024-03-06T14:00:41+02:00","products":[{"product_id":"P-3","category":"Garden","quantity":"1","price":"12.34"}],"total_amount":"12.34","payment_method":"credit_card","country":"US"})",
          // 11: 12:00:42 naive (UTC); no category, the catalog says Kitchen.
          R"({"event_type":"transactions","transaction_id":"T-7","user_id":"U-D","timestamp":"2024-03-06T12:00:42","products":[{"product_id":"P-CAT","quantity":1,"price":2.50}],"total_amount":2.50,"payment_method":"credit_card","country":"US"})",
          // 12: 12:00:43.5Z with a space; no category anywhere: unknown.
          R"({"event_type":"transactions","transaction_id":"T-8","user_id":"U-D","timestamp":"2024-03-06 12:00:43.5Z","products":[{"product_id":"P-NOWHERE","quantity":2,"price":0.75}],"total_amount":1.50,"payment_method":"credit_card","country":"US"})",
          // 13–18: six transactions of U-V within 60 s: the sixth fires velocity.
          R"({"event_type":"transactions","transaction_id":"T-V1","user_id":"U-V","timestamp":"2024-03-06T12:00:45Z","products":[{"product_id":"P-1","category":"Books","quantity":1,"price":1.00}],"total_amount":1.00,"payment_method":"credit_card","country":"US"})",
          R"({"event_type":"transactions","transaction_id":"T-V2","user_id":"U-V","timestamp":"2024-03-06T12:00:46Z","products":[{"product_id":"P-1","category":"Books","quantity":1,"price":1.00}],"total_amount":1.00,"payment_method":"credit_card","country":"US"})",
          R"({"event_type":"transactions","transaction_id":"T-V3","user_id":"U-V","timestamp":"2024-03-06T12:00:47Z","products":[{"product_id":"P-1","category":"Books","quantity":1,"price":1.00}],"total_amount":1.00,"payment_method":"credit_card","country":"US"})",
          R"({"event_type":"transactions","transaction_id":"T-V4","user_id":"U-V","timestamp":"2024-03-06T12:00:48Z","products":[{"product_id":"P-1","category":"Books","quantity":1,"price":1.00}],"total_amount":1.00,"payment_method":"credit_card","country":"US"})",
          R"({"event_type":"transactions","transaction_id":"T-V5","user_id":"U-V","timestamp":"2024-03-06T12:00:49Z","products":[{"product_id":"P-1","category":"Books","quantity":1,"price":1.00}],"total_amount":1.00,"payment_method":"credit_card","country":"US"})",
          R"({"event_type":"transactions","transaction_id":"T-V6","user_id":"U-V","timestamp":"2024-03-06T12:00:50Z","products":[{"product_id":"P-1","category":"Books","quantity":1,"price":1.00}],"total_amount":1.00,"payment_method":"credit_card","country":"US"})",
          // 19: high_value and geo_mismatch (U-E lives in the US).
          R"({"event_type":"transactions","transaction_id":"T-HV","user_id":"U-E","timestamp":"2024-03-06T12:00:51Z","products":[{"product_id":"P-4","category":"Electronics","quantity":1,"price":6000.00}],"total_amount":6000.00,"payment_method":"credit_card","country":"UK"})",
          // 20: unusual_quantity (11 > 10).
          R"({"event_type":"transactions","transaction_id":"T-Q","user_id":"U-F","timestamp":"2024-03-06T12:00:52Z","products":[{"product_id":"P-1","category":"Books","quantity":11,"price":1.00}],"total_amount":11.00,"payment_method":"credit_card","country":"US"})",
          // 21: amount_mismatch (2 cents off); 22: one cent off is not a mismatch.
          R"({"event_type":"transactions","transaction_id":"T-AM","user_id":"U-F","timestamp":"2024-03-06T12:00:53Z","products":[{"product_id":"P-1","category":"Books","quantity":1,"price":10.00}],"total_amount":10.02,"payment_method":"credit_card","country":"US"})",
          R"({"event_type":"transactions","transaction_id":"T-AM-OK","user_id":"U-F","timestamp":"2024-03-06T12:00:54Z","products":[{"product_id":"P-1","category":"Books","quantity":1,"price":10.00}],"total_amount":10.01,"payment_method":"credit_card","country":"US"})",
          // 23–27: five transactions of U-W at 12:01:00–12:01:04.
          R"({"event_type":"transactions","transaction_id":"T-W1","user_id":"U-W","timestamp":"2024-03-06T12:01:00Z","products":[{"product_id":"P-1","category":"Books","quantity":1,"price":1.00}],"total_amount":1.00,"payment_method":"credit_card","country":"US"})",
          R"({"event_type":"transactions","transaction_id":"T-W2","user_id":"U-W","timestamp":"2024-03-06T12:01:01Z","products":[{"product_id":"P-1","category":"Books","quantity":1,"price":1.00}],"total_amount":1.00,"payment_method":"credit_card","country":"US"})",
          R"({"event_type":"transactions","transaction_id":"T-W3","user_id":"U-W","timestamp":"2024-03-06T12:01:02Z","products":[{"product_id":"P-1","category":"Books","quantity":1,"price":1.00}],"total_amount":1.00,"payment_method":"credit_card","country":"US"})",
          R"({"event_type":"transactions","transaction_id":"T-W4","user_id":"U-W","timestamp":"2024-03-06T12:01:03Z","products":[{"product_id":"P-1","category":"Books","quantity":1,"price":1.00}],"total_amount":1.00,"payment_method":"credit_card","country":"US"})",
          R"({"event_type":"transactions","transaction_id":"T-W5","user_id":"U-W","timestamp":"2024-03-06T12:01:04Z","products":[{"product_id":"P-1","category":"Books","quantity":1,"price":1.00}],"total_amount":1.00,"payment_method":"credit_card","country":"US"})",
          // 28: the watermark becomes 12:01:25.
          R"({"event_type":"product_views","event_id":"V-3","user_id":"U-C","session_id":"S-C","product_id":"P-2","category":"Toys","timestamp":"2024-03-06T12:01:30Z","duration_seconds":1})",
          // 29: late; its effective time 12:01:25 makes it U-W's sixth within 60 s: velocity
          // (by its event time 12:00:00 it would be the first).
          R"({"event_type":"transactions","transaction_id":"T-W6","user_id":"U-W","timestamp":"2024-03-06T12:00:00Z","products":[{"product_id":"P-1","category":"Books","quantity":1,"price":1.00}],"total_amount":1.00,"payment_method":"credit_card","country":"US"})",
          // 30: U-V's seventh, 60 s after its second: (12:00:46, 12:01:46] holds only 5.
          R"({"event_type":"transactions","transaction_id":"T-V7","user_id":"U-V","timestamp":"2024-03-06T12:01:46Z","products":[{"product_id":"P-1","category":"Books","quantity":1,"price":1.00}],"total_amount":1.00,"payment_method":"credit_card","country":"US"})",
          // 31: an empty line (skipped, its number not reused); 32, 33: dead letters.
          "",
          R"({"event_type":"transactions","transaction_id":"T-BAD","user_id":"U-A","timestamp":"2024-03-06T12:01:47Z","products":[{"product_id":"P-1","quantity":0,"price":1.00}],"total_amount":0,"payment_method":"credit_card","country":"US"})",
          "not json",
          // 34–42, sessions, carts and inventory around lateness (12:05:00 on; U-L and U-M are
          // not customers, the P- products are in the catalog with 50 in stock).
          // 34, 35: U-L's session S-L starts; its cart reserves 2 × P-SHOP.
          R"({"event_type":"product_views","event_id":"V-L1","user_id":"U-L","session_id":"S-L","product_id":"P-SHOP","category":"Shop","timestamp":"2024-03-06T12:05:00Z","duration_seconds":5})",
          R"({"event_type":"cart_events","event_id":"C-L1","user_id":"U-L","session_id":"S-L","product_id":"P-SHOP","category":"Shop","timestamp":"2024-03-06T12:05:10Z","action":"add","quantity":2,"price":4.00})",
          // 36: U-M's cart reserves 3 × P-BUY.
          R"({"event_type":"cart_events","event_id":"C-M1","user_id":"U-M","session_id":"S-M","product_id":"P-BUY","category":"Shop","timestamp":"2024-03-06T12:05:15Z","action":"add","quantity":3,"price":2.00})",
          // 37: the watermark becomes 12:05:15.
          R"({"event_type":"product_views","event_id":"V-L2","user_id":"U-L","session_id":"S-L","product_id":"P-SHOP","category":"Shop","timestamp":"2024-03-06T12:05:20Z","duration_seconds":5})",
          // 38–41: late. A view of another product and a cart add of 5 in S-L: left out of the
          // session and the cart. A purchase naming S-L: not in the session (it neither empties
          // nor recovers the cart) and not in sales, but it sells 1 × P-SHOP at 12:05:15. A
          // stock count of P-COUNT: applied at 12:05:15, opening a low-stock alert then.
          R"({"event_type":"product_views","event_id":"V-L3","user_id":"U-L","session_id":"S-L","product_id":"P-LATE","category":"Shop","timestamp":"2024-03-06T12:05:14.999999Z","duration_seconds":5})",
          R"({"event_type":"cart_events","event_id":"C-L2","user_id":"U-L","session_id":"S-L","product_id":"P-SHOP","category":"Shop","timestamp":"2024-03-06T12:05:12Z","action":"add","quantity":5,"price":4.00})",
          R"({"event_type":"transactions","transaction_id":"T-L1","user_id":"U-L","session_id":"S-L","timestamp":"2024-03-06T12:05:13Z","products":[{"product_id":"P-SHOP","category":"Shop","quantity":1,"price":4.00}],"total_amount":4.00,"payment_method":"credit_card","country":"US"})",
          R"({"event_type":"inventory_updates","event_id":"I-L1","product_id":"P-COUNT","timestamp":"2024-03-06T12:05:00Z","stock":7,"reason":"count"})",
          // 42: U-M buys its cart: the sale and the release of P-BUY in one change.
          R"({"event_type":"transactions","transaction_id":"T-M1","user_id":"U-M","session_id":"S-M","timestamp":"2024-03-06T12:05:25Z","products":[{"product_id":"P-BUY","category":"Shop","quantity":3,"price":2.00}],"total_amount":6.00,"payment_method":"credit_card","country":"US"})",
      };
  return kLines;
}

TestCatalog HandBuiltCatalog() {
  TestCatalog c;
  c.home_country = {{"U-A", "US"}, {"U-B", "DE"}, {"U-C", "DE"}, {"U-E", "US"},
                    {"U-F", "US"}, {"U-V", "US"}, {"U-W", "US"}};
  c.product_category = {
      {"P-CAT", "Kitchen"}, {"P-SHOP", "Shop"}, {"P-BUY", "Shop"}, {"P-COUNT", "Shop"}};
  return c;
}

}  // namespace

Inputs& Inputs::Get() {
  static Inputs inputs;
  return inputs;
}

Inputs::~Inputs() {
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

const Input& Inputs::Generated() {
  if (!generated_) {
    Input in;
    in.path = dir_ + "/generated.jsonl";
    GeneratorConfig config;
    config.profile = GeneratorProfile::kSeed;
    config.seed = 7;
    config.rate = 0;  // unpaced, at max_event_rate
    config.max_event_rate = 50;
    config.count = 60'000;
    config.products = 20'000;
    config.start = kGeneratedStart;
    config.anomaly_rate = 0.02;
    {
      Result<std::unique_ptr<bus::Sink>> sink = bus::OpenFileSink(in.path);
      EXPECT_TRUE(sink.ok()) << sink.status().ToString();
      Result<generator::GeneratorStats> stats = generator::RunGenerator(config, **sink);
      EXPECT_TRUE(stats.ok()) << stats.status().ToString();
    }
    in.catalog = CustomersOf(ReadLines(in.path));
    in.catalog.Merge(SomeProductsOf(ReadLines(in.path)));
    generated_ = std::move(in);
  }
  return *generated_;
}

const Input& Inputs::Mutated() {
  if (!mutated_) {
    mutation_ = Mutate(Texts(ReadLines(Generated().path)));
    Input in;
    in.path = dir_ + "/mutated.jsonl";
    WriteLines(in.path, mutation_.lines);
    in.catalog = CustomersOf(ReadLines(in.path));
    in.catalog.Merge(mutation_.products);
    in.malformed = mutation_.malformed;
    mutated_ = std::move(in);
  }
  return *mutated_;
}

const Input& Inputs::HandBuilt() {
  if (!hand_built_) {
    Input in;
    in.path = dir_ + "/hand_built.jsonl";
    WriteLines(in.path, HandBuiltLines());
    in.catalog = HandBuiltCatalog();
    hand_built_ = std::move(in);
  }
  return *hand_built_;
}

const Input& Inputs::Combined() {
  if (!combined_) {
    Input in;
    in.path = dir_ + "/combined.jsonl";
    in.catalog = Mutated().catalog;
    in.catalog.Merge(HandBuilt().catalog);
    std::vector<std::string> both = mutation_.lines;
    both.insert(both.end(), HandBuiltLines().begin(), HandBuiltLines().end());
    WriteLines(in.path, both);
    combined_ = std::move(in);
  }
  return *combined_;
}

Inputs::Inputs() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "gm-pipeline-test-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) std::abort();
  dir_ = tmpl;
}

}  // namespace gm::stream::pipeline_testing
