#pragma once

// What the AnomalyDetector tests share: transactions built by hand, a random stream, and the
// fixture with a small catalog.

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "stream/processors/anomaly_detector.h"

namespace gm::stream::anomaly_test {

inline constexpr Micros kSec = kMicrosPerSecond;
inline constexpr Micros kT0 = 1704067200 * kSec;  // 2024-01-01T00:00:00Z

struct Item {
  std::string product_id;
  std::string category;
  int32_t quantity;
  Cents price;
};

inline events::Transaction MakeTx(std::string user, Micros t, const std::vector<Item>& items,
                                  std::string country = "Germany") {
  static int next_id = 0;
  events::Transaction tx;
  tx.transaction_id = "tx" + std::to_string(++next_id);
  tx.user_id = std::move(user);
  tx.timestamp = t;
  tx.country = std::move(country);
  for (const Item& i : items) {
    tx.products.push_back(events::LineItem{i.product_id, i.category, i.quantity, i.price});
  }
  tx.total_amount = tx.LineItemsTotal();
  return tx;
}

//! One item of `cents` in category "books".
inline events::Transaction Spend(std::string user, Micros t, Cents cents,
                                 std::string category = "books") {
  return MakeTx(std::move(user), t, {{"p1", std::move(category), 1, cents}});
}

class AnomalyDetectorTest : public ::testing::Test {
 protected:
  AnomalyDetectorTest() {
    catalog_.AddCustomer("known", "Germany");
    catalog_.AddProduct("p-cat", "garden");
  }
  CatalogLookup catalog_;
  std::vector<AnomalyRow> rows_;
};

//! A random stream: a few users (some known to the catalog), bursts that trip velocity,
//! amounts around the high-value threshold, quantities around 10, sloppy totals.
inline std::vector<events::Transaction> RandomStream(uint64_t seed, int count,
                                                     CatalogLookup& catalog,
                                                     std::map<std::string, std::string>& homes) {
  std::mt19937_64 rng(seed);
  auto uniform = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  const std::vector<std::string> countries = {"Germany", "France", "USA"};
  const std::vector<std::string> categories = {"books", "toys", "garden", ""};
  for (int u = 0; u < 40; u += 2) {
    const std::string user = "user" + std::to_string(u);
    homes[user] = countries[uniform(0, 2)];
    catalog.AddCustomer(user, homes[user]);
  }
  std::vector<events::Transaction> txs;
  Micros t = kT0;
  for (int i = 0; i < count; ++i) {
    t += uniform(0, 3) == 0 ? 0 : uniform(1, 2 * kSec);
    std::vector<Item> items;
    const int64_t n = uniform(1, 3);
    for (int64_t k = 0; k < n; ++k) {
      // Mostly small amounts, so the rare big ones stand out statistically.
      const int64_t kind = uniform(0, 99);
      const Cents price = kind == 0 ? 0 : kind <= 2 ? uniform(100000, 260000) : uniform(500, 3000);
      const int64_t quantity = uniform(0, 9) == 0 ? uniform(1, 12) : uniform(1, 3);
      items.push_back({"p" + std::to_string(uniform(0, 20)), categories[uniform(0, 3)],
                       static_cast<int32_t>(quantity), price});
    }
    events::Transaction tx =
        MakeTx("user" + std::to_string(uniform(0, 1) == 0 ? uniform(0, 3) : uniform(0, 39)), t,
               items, countries[uniform(0, 2)]);
    if (uniform(0, 1) == 0) tx.total_amount += uniform(-3, 3);
    txs.push_back(std::move(tx));
  }
  return txs;
}

}  // namespace gm::stream::anomaly_test
