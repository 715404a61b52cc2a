#include "stream/processors/sales_windows.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <climits>
#include <map>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

namespace gm::stream {
namespace {

constexpr Micros kSec = kMicrosPerSecond;

struct Item {
  std::string product_id;
  std::string category;
  int32_t quantity;
  Cents price;
};

events::Transaction MakeTx(std::string id, Micros t, std::string country,
                           const std::vector<Item>& items) {
  events::Transaction tx;
  tx.transaction_id = std::move(id);
  tx.user_id = "u1";
  tx.timestamp = t;
  tx.country = std::move(country);
  for (const Item& i : items) {
    tx.products.push_back(events::LineItem{i.product_id, i.category, i.quantity, i.price});
  }
  tx.total_amount = tx.LineItemsTotal();
  return tx;
}

using Key = std::tuple<Micros, Micros, std::string, std::string>;
Key KeyOf(const SalesRow& r) { return {r.window_start, r.window_end, r.category, r.country}; }

std::vector<SalesRow> Sorted(std::vector<SalesRow> rows) {
  std::sort(rows.begin(), rows.end(),
            [](const SalesRow& a, const SalesRow& b) { return KeyOf(a) < KeyOf(b); });
  return rows;
}

SalesRow Row(Micros start, Micros end, std::string category, std::string country, Cents total,
             int64_t count, int64_t quantity, bool is_final, int32_t task = 7) {
  SalesRow r;
  r.window_start = start;
  r.window_end = end;
  r.category = std::move(category);
  r.country = std::move(country);
  r.task = task;
  r.total_amount = total;
  r.transaction_count = count;
  r.item_quantity = quantity;
  r.is_final = is_final;
  return r;
}

//! The window starts of the (ALL, ALL) rows among `rows`.
std::vector<Micros> TotalStarts(const std::vector<SalesRow>& rows) {
  std::vector<Micros> starts;
  for (const SalesRow& r : rows) {
    if (r.category == kAll && r.country == kAll) starts.push_back(r.window_start);
  }
  std::sort(starts.begin(), starts.end());
  return starts;
}

TEST(SalesWindowsTest, TransactionJoinsEveryWindowContainingIt) {
  struct Case {
    Micros size, slide, t;
    std::vector<Micros> starts;
  } cases[] = {
      // 60 s sliding every 30 s: window [s, s + 60 s) contains s but not s + 60 s.
      {60 * kSec, 30 * kSec, 0, {-30 * kSec, 0}},
      {60 * kSec, 30 * kSec, 30 * kSec - 1, {-30 * kSec, 0}},
      {60 * kSec, 30 * kSec, 30 * kSec, {0, 30 * kSec}},
      {60 * kSec, 30 * kSec, 60 * kSec - 1, {0, 30 * kSec}},
      {60 * kSec, 30 * kSec, 60 * kSec, {30 * kSec, 60 * kSec}},
      // Before the epoch: floor division, not truncation.
      {60 * kSec, 30 * kSec, -1, {-60 * kSec, -30 * kSec}},
      {60 * kSec, 30 * kSec, -30 * kSec, {-60 * kSec, -30 * kSec}},
      {60 * kSec, 30 * kSec, -30 * kSec - 1, {-90 * kSec, -60 * kSec}},
      {60 * kSec, 30 * kSec, -60 * kSec, {-90 * kSec, -60 * kSec}},
      // Tumbling (slide == size): exactly one window.
      {60 * kSec, 60 * kSec, 0, {0}},
      {60 * kSec, 60 * kSec, 60 * kSec - 1, {0}},
      {60 * kSec, 60 * kSec, 60 * kSec, {60 * kSec}},
      {60 * kSec, 60 * kSec, -1, {-60 * kSec}},
      {60 * kSec, 60 * kSec, -60 * kSec, {-60 * kSec}},
      // Three windows per time; size not a multiple of slide.
      {60 * kSec, 20 * kSec, 40 * kSec, {0, 20 * kSec, 40 * kSec}},
      {100 * kSec, 30 * kSec, 50 * kSec, {-30 * kSec, 0, 30 * kSec}},
      {100 * kSec, 30 * kSec, 0, {-90 * kSec, -60 * kSec, -30 * kSec, 0}},
      {100 * kSec, 30 * kSec, 10 * kSec, {-60 * kSec, -30 * kSec, 0}},
      // A realistic time (2024-01-01T00:00:10Z).
      {60 * kSec, 30 * kSec, 1704067210 * kSec, {1704067170 * kSec, 1704067200 * kSec}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(testing::Message() << "size " << c.size << " slide " << c.slide << " t " << c.t);
    SalesWindows w({c.size, c.slide}, 7);
    CatalogLookup catalog;
    w.Add(MakeTx("t1", c.t, "DE", {{"p1", "books", 2, 150}}), catalog);
    EXPECT_EQ(w.open_windows(), c.starts.size());
    std::vector<SalesRow> rows;
    w.Collect(INT64_MIN, rows);
    EXPECT_EQ(TotalStarts(rows), c.starts);
    for (const SalesRow& r : rows) {
      EXPECT_EQ(r.window_end, r.window_start + c.size);
      EXPECT_FALSE(r.is_final);
      EXPECT_EQ(r.total_amount, 300);
      EXPECT_EQ(r.transaction_count, 1);
      EXPECT_EQ(r.item_quantity, 2);
      EXPECT_EQ(r.task, 7);
    }
    EXPECT_EQ(rows.size(), 4 * c.starts.size());  // the four grouping sets
  }
}

TEST(SalesWindowsTest, GroupsMultiCategoryTransactionsOncePerGroup) {
  CatalogLookup catalog;
  catalog.AddProduct("p4", "garden");
  catalog.AddProduct("p1", "ignored: the item names its category");
  SalesWindows w({60 * kSec, 60 * kSec}, 7);
  // p4 has no category of its own (→ catalog "garden"), p5 none anywhere (→ "unknown").
  w.Add(MakeTx("t1", 5 * kSec, "DE",
               {{"p1", "books", 2, 1000},
                {"p2", "books", 1, 500},
                {"p3", "toys", 3, 0},
                {"p4", "", 1, 250},
                {"p5", "", 4, 99}}),
        catalog);
  w.Add(MakeTx("t2", 59 * kSec, "FR", {{"p4", "", 2, 100}, {"p6", "books", 1, 1}}), catalog);
  std::vector<SalesRow> rows;
  w.Collect(INT64_MIN, rows);
  const Micros e = 60 * kSec;
  const std::vector<SalesRow> expected = Sorted({
      Row(0, e, "ALL", "ALL", 2500 + 0 + 250 + 396 + 201, 2, 11 + 3, false),
      Row(0, e, "ALL", "DE", 2500 + 250 + 396, 1, 11, false),
      Row(0, e, "ALL", "FR", 201, 1, 3, false),
      Row(0, e, "books", "ALL", 2501, 2, 4, false),
      Row(0, e, "books", "DE", 2500, 1, 3, false),
      Row(0, e, "books", "FR", 1, 1, 1, false),
      Row(0, e, "garden", "ALL", 450, 2, 3, false),
      Row(0, e, "garden", "DE", 250, 1, 1, false),
      Row(0, e, "garden", "FR", 200, 1, 2, false),
      Row(0, e, "toys", "ALL", 0, 1, 3, false),
      Row(0, e, "toys", "DE", 0, 1, 3, false),
      Row(0, e, "unknown", "ALL", 396, 1, 4, false),
      Row(0, e, "unknown", "DE", 396, 1, 4, false),
  });
  // Rows come sorted by window, then category and country names.
  EXPECT_EQ(rows, expected);
}

TEST(SalesWindowsTest, CollectEmitsChangesThenFinalRowsOnce) {
  CatalogLookup catalog;
  SalesWindows w({60 * kSec, 30 * kSec}, 7);
  w.Add(MakeTx("t1", 10 * kSec, "DE", {{"p1", "books", 1, 100}}), catalog);
  std::vector<SalesRow> rows;
  w.Collect(0, rows);
  EXPECT_EQ(TotalStarts(rows), (std::vector<Micros>{-30 * kSec, 0}));
  EXPECT_EQ(rows.size(), 8u);

  rows.clear();
  w.Collect(0, rows);
  EXPECT_TRUE(rows.empty()) << "nothing changed";

  // Changed rows come again with absolute values.
  w.Add(MakeTx("t2", 40 * kSec, "DE", {{"p1", "books", 1, 100}}), catalog);
  rows.clear();
  w.Collect(30 * kSec - 1, rows);  // window [-30 s, 30 s) is still open
  EXPECT_EQ(TotalStarts(rows), (std::vector<Micros>{0, 30 * kSec}));
  for (const SalesRow& r : rows) {
    EXPECT_FALSE(r.is_final);
    EXPECT_EQ(r.total_amount, r.window_start == 0 ? 200 : 100);
  }

  // The watermark reaches window_end: the window's rows come once more, final.
  rows.clear();
  w.Collect(30 * kSec, rows);
  ASSERT_EQ(rows.size(), 4u);
  for (const SalesRow& r : rows) {
    EXPECT_TRUE(r.is_final);
    EXPECT_EQ(r.window_start, -30 * kSec);
    EXPECT_EQ(r.total_amount, 100);
  }
  EXPECT_EQ(w.open_windows(), 2u);

  // A window that changed and closes in the same Collect is written once, final.
  w.Add(MakeTx("t3", 50 * kSec, "FR", {{"p1", "books", 1, 100}}), catalog);
  rows.clear();
  w.Collect(60 * kSec, rows);
  std::set<Key> keys;
  for (const SalesRow& r : rows) {
    EXPECT_TRUE(keys.insert(KeyOf(r)).second) << "duplicate row";
    EXPECT_EQ(r.is_final, r.window_start == 0);
  }
  EXPECT_EQ(TotalStarts(rows), (std::vector<Micros>{0, 30 * kSec}));
  EXPECT_EQ(w.open_windows(), 1u);

  rows.clear();
  w.Collect(INT64_MAX, rows);
  EXPECT_EQ(rows.size(), 6u);  // (ALL|books) × (ALL|DE|FR) of [30 s, 90 s)
  for (const SalesRow& r : rows) EXPECT_TRUE(r.is_final);
  EXPECT_EQ(w.open_windows(), 0u);
  EXPECT_EQ(w.ignored_closed(), 0);
}

// The store inserts rows of windows never emitted and merges the others; a restored
// window cannot know whether its row went out, so it is never new.
TEST(SalesWindowsTest, OnlyAWindowGroupsFirstRowIsANewKey) {
  CatalogLookup catalog;
  SalesWindows w({60 * kSec, 60 * kSec}, 7);
  w.Add(MakeTx("t1", 10 * kSec, "DE", {{"p1", "books", 1, 100}}), catalog);
  std::vector<SalesRow> rows;
  w.Collect(0, rows);
  ASSERT_EQ(rows.size(), 4u);
  for (const SalesRow& r : rows) EXPECT_TRUE(r.new_key.value);

  w.Add(MakeTx("t2", 20 * kSec, "FR", {{"p1", "books", 1, 100}}), catalog);
  rows.clear();
  w.Collect(0, rows);
  ASSERT_EQ(rows.size(), 4u);  // (ALL|books) × ALL again, (ALL|books) × FR for the first time
  for (const SalesRow& r : rows) EXPECT_EQ(r.new_key.value, r.country == "FR") << r.country;

  std::string snapshot;
  SnapshotWriter writer(snapshot);
  w.Save(writer);
  SalesWindows restored({60 * kSec, 60 * kSec}, 7);
  SnapshotReader reader(snapshot);
  ASSERT_TRUE(restored.Restore(reader).ok());
  rows.clear();
  restored.Collect(INT64_MAX, rows);
  ASSERT_EQ(rows.size(), 6u);
  for (const SalesRow& r : rows) EXPECT_FALSE(r.new_key.value);
}

TEST(SalesWindowsTest, AddToClosedWindowIsIgnoredAndCounted) {
  CatalogLookup catalog;
  SalesWindows w({60 * kSec, 30 * kSec}, 7);
  std::vector<SalesRow> rows;
  w.Collect(60 * kSec, rows);  // closes every window ending at or before 60 s
  EXPECT_TRUE(rows.empty());

  struct Case {
    Micros t;
    bool ignored;
  } cases[] = {
      {-1000 * kSec, true},  {29 * kSec, true},
      {30 * kSec, true},  // in [0, 60 s), closed, though also in the open [30 s, 90 s)
      {60 * kSec - 1, true}, {60 * kSec, false},
      {61 * kSec, false},
  };
  int64_t ignored = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.t);
    const size_t before = w.open_windows();
    w.Add(MakeTx("t", c.t, "DE", {{"p1", "books", 1, 100}}), catalog);
    if (c.ignored) {
      ++ignored;
      EXPECT_EQ(w.open_windows(), before);
    }
    EXPECT_EQ(w.ignored_closed(), ignored);
  }
  rows.clear();
  w.Collect(INT64_MAX, rows);
  EXPECT_EQ(TotalStarts(rows), (std::vector<Micros>{30 * kSec, 60 * kSec}));
  for (const SalesRow& r : rows) EXPECT_EQ(r.transaction_count, 2);  // the 60 s and 61 s ones

  // A watermark that does not reach a window's end leaves it open.
  SalesWindows tumbling({60 * kSec, 60 * kSec}, 7);
  tumbling.Collect(50 * kSec, rows);
  tumbling.Add(MakeTx("t", 40 * kSec, "DE", {{"p1", "books", 1, 100}}), catalog);
  EXPECT_EQ(tumbling.ignored_closed(), 0);
  EXPECT_EQ(tumbling.open_windows(), 1u);
}

TEST(SalesWindowsTest, RestoreRejectsCorruptOrMismatchedSnapshots) {
  CatalogLookup catalog;
  SalesWindows w({60 * kSec, 30 * kSec}, 7);
  w.Add(MakeTx("t1", 10 * kSec, "DE", {{"p1", "books", 1, 100}}), catalog);
  std::string snapshot;
  SnapshotWriter writer(snapshot);
  w.Save(writer);

  {
    SalesWindows r({60 * kSec, 30 * kSec}, 7);
    SnapshotReader reader(snapshot);
    ASSERT_TRUE(r.Restore(reader).ok());
    EXPECT_TRUE(reader.at_end());
    EXPECT_EQ(r.open_windows(), 2u);
  }
  for (size_t n = 0; n < snapshot.size(); ++n) {
    SalesWindows r({60 * kSec, 30 * kSec}, 7);
    r.Add(MakeTx("t0", 100 * kSec, "DE", {{"p1", "books", 1, 100}}), catalog);
    SnapshotReader reader(std::string_view(snapshot).substr(0, n));
    EXPECT_EQ(r.Restore(reader).code(), ErrorCode::kInvalidArgument) << "truncated at " << n;
    EXPECT_EQ(r.open_windows(), 2u) << "a failed restore leaves the state alone";
  }
  {
    std::string bad = snapshot;
    bad[0] = 99;
    SalesWindows r({60 * kSec, 30 * kSec}, 7);
    SnapshotReader reader(bad);
    const Status s = r.Restore(reader);
    EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(s.message().find("version"), std::string::npos) << s.message();
  }
  {
    SalesWindows r({60 * kSec, 60 * kSec}, 7);
    SnapshotReader reader(snapshot);
    EXPECT_EQ(r.Restore(reader).code(), ErrorCode::kInvalidArgument);
  }
}

// ---- Randomized comparison with a brute-force computation ----

struct Scenario {
  std::vector<events::Transaction> txs;
  std::map<std::string, std::string> catalog_category;  // product → category
  Micros size = 0;
  Micros slide = 0;
};

Scenario MakeScenario(uint64_t seed, Micros size, Micros slide, int count) {
  std::mt19937_64 rng(seed);
  auto uniform = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  Scenario s;
  s.size = size;
  s.slide = slide;
  const std::vector<std::string> categories = {"books", "toys", "garden", "food", "Music"};
  const std::vector<std::string> countries = {"DE", "FR", "USA", "Japan"};
  // Products p0..p29; the even ones are in the catalog, the odd ones are not.
  for (int p = 0; p < 30; p += 2) {
    s.catalog_category["p" + std::to_string(p)] = categories[uniform(0, 4)];
  }
  for (int i = 0; i < count; ++i) {
    Micros t;
    switch (uniform(0, 3)) {
      case 0:  // on a window boundary, or right before one
        t = uniform(-40, 40) * slide - uniform(0, 1);
        break;
      case 1:
        t = uniform(-10, 10) * kSec;
        break;
      default:
        t = uniform(-120 * kSec, 120 * kSec);
    }
    std::vector<Item> items;
    const int64_t n = uniform(1, 4);
    for (int64_t k = 0; k < n; ++k) {
      const int64_t p = uniform(0, 29);
      // Half the items name their category; the others rely on the catalog (or "unknown").
      std::string category = uniform(0, 1) == 0 ? categories[uniform(0, 4)] : "";
      const Cents price = uniform(0, 4) == 0 ? 0 : uniform(1, 200000);
      items.push_back(
          {"p" + std::to_string(p), category, static_cast<int32_t>(uniform(1, 12)), price});
    }
    s.txs.push_back(MakeTx("t" + std::to_string(i), t, countries[uniform(0, 3)], items));
  }
  return s;
}

//! The final table, computed directly from the definition: loop over candidate window
//! starts (multiples of slide) and sum every transaction inside.
std::map<Key, SalesRow> BruteForce(const Scenario& s, int32_t task) {
  Micros min_t = INT64_MAX, max_t = INT64_MIN;
  for (const auto& tx : s.txs) {
    min_t = std::min(min_t, tx.timestamp);
    max_t = std::max(max_t, tx.timestamp);
  }
  // A multiple of slide at or below every window start that can contain min_t.
  Micros lo = 0;
  while (lo > min_t - s.size) lo -= s.slide;
  std::map<Key, SalesRow> table;
  for (Micros start = lo; start <= max_t; start += s.slide) {
    const Micros end = start + s.size;
    for (const auto& tx : s.txs) {
      if (tx.timestamp < start || tx.timestamp >= end) continue;
      std::map<std::string, std::pair<Cents, int64_t>> by_category;
      Cents total = 0;
      int64_t quantity = 0;
      for (const auto& item : tx.products) {
        std::string category = item.category;
        if (category.empty()) {
          auto it = s.catalog_category.find(item.product_id);
          category = it == s.catalog_category.end() ? "unknown" : it->second;
        }
        by_category[category].first += item.quantity * item.price;
        by_category[category].second += item.quantity;
        total += item.quantity * item.price;
        quantity += item.quantity;
      }
      auto add = [&](const std::string& category, const std::string& country, Cents amount,
                     int64_t q) {
        SalesRow& r = table[Key{start, end, category, country}];
        r.window_start = start;
        r.window_end = end;
        r.category = category;
        r.country = country;
        r.task = task;
        r.total_amount += amount;
        r.transaction_count += 1;
        r.item_quantity += q;
        r.is_final = true;
      };
      for (const auto& [category, sums] : by_category) {
        add(category, tx.country, sums.first, sums.second);
        add(category, "ALL", sums.first, sums.second);
      }
      add("ALL", tx.country, total, quantity);
      add("ALL", "ALL", total, quantity);
    }
  }
  return table;
}

struct RunResult {
  std::vector<SalesRow> emitted;  // every row in emission order
  std::map<Key, SalesRow> table;  // the latest row per key
};

//! Feeds the transactions roughly in time order (each up to 40 s late), collecting every
//! 50 transactions with the largest watermark no later transaction is behind. When
//! `restore_every` > 0, the state goes through Save → Restore into a new object that often.
RunResult Feed(const Scenario& s, uint64_t seed, int restore_every) {
  std::mt19937_64 rng(seed);
  std::vector<std::pair<Micros, size_t>> order;
  for (size_t i = 0; i < s.txs.size(); ++i) {
    order.push_back(
        {s.txs[i].timestamp + std::uniform_int_distribution<Micros>(0, 40 * kSec)(rng), i});
  }
  std::sort(order.begin(), order.end());
  std::vector<Micros> suffix_min(order.size() + 1, INT64_MAX);
  for (size_t i = order.size(); i-- > 0;) {
    suffix_min[i] = std::min(suffix_min[i + 1], s.txs[order[i].second].timestamp);
  }

  CatalogLookup catalog;
  for (const auto& [product, category] : s.catalog_category) catalog.AddProduct(product, category);
  const int32_t task = 3;
  auto w = std::make_unique<SalesWindows>(SalesWindows::Options{s.size, s.slide}, task);
  RunResult result;
  auto collect = [&](Micros watermark) {
    std::vector<SalesRow> rows;
    w->Collect(watermark, rows);
    for (const SalesRow& r : rows) {
      auto [it, inserted] = result.table.try_emplace(KeyOf(r), r);
      if (!inserted) {
        EXPECT_FALSE(it->second.is_final) << "a row changed after it was final";
        it->second = r;
      }
      result.emitted.push_back(r);
    }
  };
  for (size_t i = 0; i < order.size(); ++i) {
    w->Add(s.txs[order[i].second], catalog);
    if (i % 50 == 49) {
      // Every window containing a later transaction ends after its time, so stays open.
      collect(suffix_min[i + 1]);
    }
    if (restore_every > 0 && i % restore_every == static_cast<size_t>(restore_every) - 1) {
      std::string snapshot;
      SnapshotWriter writer(snapshot);
      w->Save(writer);
      auto restored = std::make_unique<SalesWindows>(SalesWindows::Options{s.size, s.slide}, task);
      SnapshotReader reader(snapshot);
      EXPECT_TRUE(restored->Restore(reader).ok());
      EXPECT_TRUE(reader.at_end());
      std::string again;
      SnapshotWriter again_writer(again);
      restored->Save(again_writer);
      EXPECT_EQ(again, snapshot) << "snapshots are deterministic";
      w = std::move(restored);
    }
  }
  collect(INT64_MAX);
  EXPECT_EQ(w->open_windows(), 0u);
  EXPECT_EQ(w->ignored_closed(), 0);
  return result;
}

TEST(SalesWindowsTest, RandomStreamMatchesBruteForce) {
  struct Config {
    Micros size, slide;
  } configs[] = {
      {60 * kSec, 30 * kSec}, {7 * kSec, 3 * kSec}, {6 * kSec, 6 * kSec}, {10 * kSec, kSec}};
  uint64_t seed = 1;
  for (const Config& c : configs) {
    SCOPED_TRACE(testing::Message() << "size " << c.size << " slide " << c.slide);
    const Scenario s = MakeScenario(seed++, c.size, c.slide, 3000);
    const std::map<Key, SalesRow> expected = BruteForce(s, 3);
    const RunResult plain = Feed(s, seed++, 0);
    for (const auto& [key, row] : plain.table) EXPECT_TRUE(row.is_final);
    EXPECT_EQ(plain.table.size(), expected.size());
    EXPECT_TRUE(plain.table == expected);
    // Mismatches, if any, one by one.
    for (const auto& [key, row] : expected) {
      auto it = plain.table.find(key);
      if (it == plain.table.end()) {
        ADD_FAILURE() << "missing row " << row.category << "/" << row.country << " @"
                      << row.window_start;
      } else if (!(it->second == row)) {
        ADD_FAILURE() << "row " << row.category << "/" << row.country << " @" << row.window_start
                      << ": total " << it->second.total_amount << " vs " << row.total_amount
                      << ", count " << it->second.transaction_count << " vs "
                      << row.transaction_count;
      }
    }

    // Save → Restore mid-stream (several times) gives exactly the same output.
    const RunResult restored = Feed(s, seed - 1, 137);
    EXPECT_TRUE(restored.table == plain.table);
    EXPECT_TRUE(restored.emitted == plain.emitted);
  }
}

}  // namespace
}  // namespace gm::stream
