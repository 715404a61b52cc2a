#include "stream/processors/anomaly_detector.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "anomaly_detector_test.h"

namespace gm::stream::anomaly_test {
namespace {

TEST_F(AnomalyDetectorTest, RulesFireJustPastTheirThresholds) {
  struct Case {
    const char* name;
    events::Transaction tx;
    std::vector<std::string> types;
    std::string description;
  };
  auto mismatched = [](Cents total) {
    events::Transaction tx = Spend("u", kT0, 9850);
    tx.total_amount = total;
    return tx;
  };
  std::vector<Case> cases = {
      {"5000.00 is not above 5000.00", Spend("u", kT0, 500000), {}, ""},
      {"5000.01",
       Spend("u", kT0, 500001),
       {"high_value"},
       "line items total 5000.01 exceeds 5000.00"},
      {"high value over several lines",
       MakeTx("u", kT0, {{"p1", "books", 3, 100000}, {"p2", "toys", 2, 100001}}),
       {"high_value"},
       "line items total 5000.02 exceeds 5000.00"},
      {"quantity 10", MakeTx("u", kT0, {{"P000123", "books", 10, 100}}), {}, ""},
      {"quantity 11",
       MakeTx("u", kT0, {{"P000001", "books", 2, 100}, {"P000123", "books", 11, 100}}),
       {"unusual_quantity"},
       "quantity 11 of product P000123 exceeds 10"},
      {"known customer at home", Spend("known", kT0, 100), {}, ""},
      {"known customer abroad",
       MakeTx("known", kT0, {{"p1", "books", 1, 100}}, "France"),
       {"geo_mismatch"},
       "country France differs from home country Germany"},
      {"unknown customer abroad", MakeTx("u", kT0, {{"p1", "books", 1, 100}}, "France"), {}, ""},
      {"total 1 cent above", mismatched(9851), {}, ""},
      {"total 1 cent below", mismatched(9849), {}, ""},
      {"total 2 cents above",
       mismatched(9852),
       {"amount_mismatch"},
       "total_amount 98.52 differs from line items 98.50"},
      {"total 2 cents below",
       mismatched(9848),
       {"amount_mismatch"},
       "total_amount 98.48 differs from line items 98.50"},
      {"every rule but velocity",
       [] {
         events::Transaction tx = MakeTx("known", kT0, {{"p9", "books", 20, 30000}}, "USA");
         tx.total_amount = 100;
         return tx;
       }(),
       {"high_value", "unusual_quantity", "geo_mismatch", "amount_mismatch"},
       "line items total 6000.00 exceeds 5000.00; quantity 20 of product p9 exceeds 10; "
       "country USA differs from home country Germany; total_amount 1.00 differs from line "
       "items 6000.00"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    AnomalyDetector detector({}, catalog_);
    rows_.clear();
    const double score = detector.Score(c.tx, c.tx.timestamp, rows_);
    if (c.types.empty()) {
      EXPECT_EQ(score, 0.0);  // no baseline yet: z = 0
      EXPECT_TRUE(rows_.empty());
      continue;
    }
    const double expected = std::min(1.0, 0.8 + 0.05 * static_cast<double>(c.types.size() - 1));
    EXPECT_NEAR(score, expected, 1e-12);
    ASSERT_EQ(rows_.size(), 1u);
    const AnomalyRow& row = rows_[0];
    EXPECT_EQ(row.types, c.types);
    EXPECT_EQ(row.description, c.description);
    EXPECT_EQ(row.score, score);
    EXPECT_EQ(row.transaction_id, c.tx.transaction_id);
    EXPECT_EQ(row.user_id, c.tx.user_id);
    EXPECT_EQ(row.event_time, c.tx.timestamp);
    EXPECT_EQ(row.total_amount, c.tx.LineItemsTotal());
    EXPECT_EQ(row.country, c.tx.country);
  }
}

TEST_F(AnomalyDetectorTest, VelocityCountsTransactionsInTheHalfOpenWindow) {
  struct Case {
    std::vector<Micros> previous;  // offsets of the user's earlier transactions
    Micros last;                   // offset of the transaction scored last
    bool fires;
  } cases[] = {
      {{0, 1, 2, 3}, 4, false},                // 5th
      {{0, 1, 2, 3, 4}, 5, true},              // 6th
      {{0, 1, 2, 3, 4}, 60 * kSec - 1, true},  // t − 60 s + 1 µs is inside
      {{0, 1, 2, 3, 4}, 60 * kSec, false},     // t − 60 s is outside
      {{0, 0, 0, 0, 0}, 0, true},              // equal times all count
      {{0, 10 * kSec, 20 * kSec, 30 * kSec, 40 * kSec}, 59 * kSec, true},
      {{0, 10 * kSec, 20 * kSec, 30 * kSec, 40 * kSec}, 70 * kSec, false},
      {{0, 1, 2, 3, 4, 5, 6}, 7, true},  // 8th
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(testing::Message() << "last " << c.last << " after " << c.previous.size());
    AnomalyDetector detector({}, catalog_);
    rows_.clear();
    for (Micros offset : c.previous) {
      detector.Score(Spend("u", kT0 + offset, 100), kT0 + offset, rows_);
      // Another user's transactions never count.
      detector.Score(Spend("other", kT0 + offset, 100), kT0 + offset, rows_);
    }
    const size_t earlier_rows = rows_.size();
    const double score = detector.Score(Spend("u", kT0 + c.last, 100), kT0 + c.last, rows_);
    if (!c.fires) {
      EXPECT_LT(score, 0.5);
      EXPECT_EQ(rows_.size(), earlier_rows);
      continue;
    }
    EXPECT_NEAR(score, 0.8, 1e-12);
    ASSERT_EQ(rows_.size(), earlier_rows + 1);
    EXPECT_EQ(rows_.back().types, std::vector<std::string>{"velocity"});
  }

  // The description counts the transactions; the effective time decides, not the event time.
  AnomalyDetector detector({}, catalog_);
  rows_.clear();
  for (int i = 0; i < 6; ++i) detector.Score(Spend("u", kT0 - 3600 * kSec, 100), kT0 + i, rows_);
  const events::Transaction tx = Spend("u", kT0 - 7200 * kSec, 100);
  detector.Score(tx, kT0 + 6, rows_);
  ASSERT_EQ(rows_.size(), 2u);
  EXPECT_EQ(rows_[0].description, "6th transaction of the user within 60s");
  EXPECT_EQ(rows_[1].description, "7th transaction of the user within 60s");
  EXPECT_EQ(rows_[1].event_time, tx.timestamp);
}

//! Mean and sample standard deviation of ln(1 + cents / 100), computed in two passes.
struct Stats {
  double mean = 0;
  double sd = 0;
};
Stats TwoPass(const std::vector<Cents>& amounts) {
  Stats s;
  for (Cents c : amounts) s.mean += std::log(1.0 + static_cast<double>(c) / 100.0);
  s.mean /= static_cast<double>(amounts.size());
  double sq = 0;
  for (Cents c : amounts) {
    const double d = std::log(1.0 + static_cast<double>(c) / 100.0) - s.mean;
    sq += d * d;
  }
  s.sd = std::sqrt(sq / static_cast<double>(amounts.size() - 1));
  return s;
}
double ZOf(const Stats& s, Cents cents) {
  return (std::log(1.0 + static_cast<double>(cents) / 100.0) - s.mean) / std::max(s.sd, 0.25);
}

TEST_F(AnomalyDetectorTest, StatisticalDetectorNeedsFiveUserSamples) {
  const std::vector<Cents> baseline = {2000, 2500, 1800, 3500, 1200};  // 12.00 … 35.00
  const Stats stats = TwoPass(baseline);
  ASSERT_GT(stats.sd, 0.25);    // so the floor does not hide the formula
  const Cents outlier = 12000;  // z ≈ 4.5
  const double z = ZOf(stats, outlier);
  ASSERT_GT(z, 3.0);
  ASSERT_LT(z, 5.9);  // so the score is below the 0.79 cap

  // With 4 samples the user's baseline is not used: nothing fires.
  {
    AnomalyDetector detector({}, catalog_);
    rows_.clear();
    for (size_t i = 0; i + 1 < baseline.size(); ++i) {
      detector.Score(Spend("u", kT0 + static_cast<Micros>(i) * 120 * kSec, baseline[i]),
                     kT0 + static_cast<Micros>(i) * 120 * kSec, rows_);
    }
    EXPECT_EQ(detector.Score(Spend("u", kT0 + 3600 * kSec, outlier), kT0 + 3600 * kSec, rows_),
              0.0);
    EXPECT_TRUE(rows_.empty());
  }
  AnomalyDetector detector({}, catalog_);
  rows_.clear();
  for (size_t i = 0; i < baseline.size(); ++i) {
    const Micros t = kT0 + static_cast<Micros>(i) * 120 * kSec;
    EXPECT_LT(detector.Score(Spend("u", t, baseline[i]), t, rows_), 0.5);
  }
  EXPECT_TRUE(rows_.empty());
  const Micros t = kT0 + 3600 * kSec;
  // A modest amount scores 0.49 × z / 3 and writes no row.
  {
    AnomalyDetector copy({}, catalog_);
    std::string snapshot;
    SnapshotWriter writer(snapshot);
    detector.Save(writer);
    SnapshotReader reader(snapshot);
    ASSERT_TRUE(copy.Restore(reader).ok());
    const double zm = ZOf(stats, 4000);
    ASSERT_GT(zm, 0.0);
    ASSERT_LT(zm, 3.0);
    EXPECT_NEAR(copy.Score(Spend("u", t, 4000), t, rows_), 0.49 * zm / 3.0, 1e-9);
    EXPECT_EQ(copy.Score(Spend("v", t, 4000), t, rows_), 0.0);  // another user: no baseline
    EXPECT_TRUE(rows_.empty());
  }
  const double score = detector.Score(Spend("u", t, outlier), t, rows_);
  EXPECT_NEAR(score, 0.5 + 0.1 * (z - 3.0), 1e-9);
  ASSERT_EQ(rows_.size(), 1u);
  EXPECT_EQ(rows_[0].types, std::vector<std::string>{"statistical"});
  char expected[100];
  std::snprintf(expected, sizeof expected,
                "amount %.1f standard deviations above the user's baseline", z);
  EXPECT_EQ(rows_[0].description, expected);

  // With a rule firing as well: 0.8 + 0.05.
  rows_.clear();
  EXPECT_NEAR(detector.Score(Spend("u", t + 1, 600000), t + 1, rows_), 0.85, 1e-12);
  ASSERT_EQ(rows_.size(), 1u);
  EXPECT_EQ(rows_[0].types, (std::vector<std::string>{"high_value", "statistical"}));
}

TEST_F(AnomalyDetectorTest, StatisticalScoreIsCappedAndStddevFloored) {
  AnomalyDetector detector({}, catalog_);
  // Identical amounts: the standard deviation is 0, floored at 0.25.
  for (int i = 0; i < 5; ++i) {
    detector.Score(Spend("u", kT0 + i * 120 * kSec, 1000), kT0 + i * 120 * kSec, rows_);
  }
  const Micros t = kT0 + 3600 * kSec;
  // ln(1 + 21.29) − ln(11) ≈ 0.705 → z ≈ 2.82 (below 3); a little more is above.
  const double z_below = (std::log(1.0 + 21.29) - std::log(11.0)) / 0.25;
  ASSERT_LT(z_below, 3.0);
  AnomalyDetector copy({}, catalog_);
  {
    std::string snapshot;
    SnapshotWriter writer(snapshot);
    detector.Save(writer);
    SnapshotReader reader(snapshot);
    ASSERT_TRUE(copy.Restore(reader).ok());
  }
  EXPECT_NEAR(copy.Score(Spend("u", t, 2129), t, rows_), 0.49 * z_below / 3.0, 1e-9);
  EXPECT_TRUE(rows_.empty());
  // A huge (but not high_value) amount: 0.79 at most.
  EXPECT_EQ(detector.Score(Spend("u", t, 499999), t, rows_), 0.79);
  ASSERT_EQ(rows_.size(), 1u);
  // A lower amount than usual is no anomaly (only upward deviations count).
  AnomalyDetector low({}, catalog_);
  for (int i = 0; i < 5; ++i)
    low.Score(Spend("u", kT0 + i * 120 * kSec, 100000), kT0 + i * 120 * kSec, rows_);
  EXPECT_EQ(low.Score(Spend("u", t, 1), t, rows_), 0.0);
}

TEST_F(AnomalyDetectorTest, CategoryBaselineNeedsThirtySamplesOfTheDominantCategory) {
  AnomalyDetector detector({}, catalog_);
  std::vector<Cents> amounts;
  // 29 users buy garden items once each (no user baseline anywhere); "p-cat" has no
  // category of its own, so the catalog's "garden" applies.
  for (int i = 0; i < 29; ++i) {
    const Cents c = 1000 + 37 * i;
    amounts.push_back(c);
    detector.Score(MakeTx("g" + std::to_string(i), kT0 + i, {{"p-cat", "", 1, c}}), kT0 + i, rows_);
  }
  EXPECT_TRUE(rows_.empty());
  const Micros t = kT0 + 100 * kSec;
  {
    AnomalyDetector copy({}, catalog_);
    std::string snapshot;
    SnapshotWriter writer(snapshot);
    detector.Save(writer);
    SnapshotReader reader(snapshot);
    ASSERT_TRUE(copy.Restore(reader).ok());
    EXPECT_EQ(copy.Score(Spend("new", t, 200000, "garden"), t, rows_), 0.0) << "29 samples";
    EXPECT_TRUE(rows_.empty());
  }
  amounts.push_back(1500);
  detector.Score(MakeTx("g29", kT0 + 29, {{"p1", "garden", 1, 1500}}), kT0 + 29, rows_);
  const Stats stats = TwoPass(amounts);

  // The dominant category is the one with the largest amount: books here, no baseline.
  EXPECT_EQ(
      detector.Score(MakeTx("new1", t, {{"a", "garden", 1, 100000}, {"b", "books", 1, 100001}}), t,
                     rows_),
      0.0);
  EXPECT_TRUE(rows_.empty());
  // Ties go to the smaller name: "garden" < "zoo".
  const double z = ZOf(stats, 200000);
  EXPECT_GT(detector.Score(MakeTx("new2", t, {{"a", "zoo", 1, 100000}, {"b", "garden", 1, 100000}}),
                           t, rows_),
            0.5);
  ASSERT_EQ(rows_.size(), 1u);
  EXPECT_NEAR(rows_[0].score, std::min(0.79, 0.5 + 0.1 * (z - 3.0)), 1e-9);
  char expected[100];
  std::snprintf(expected, sizeof expected,
                "amount %.1f standard deviations above the baseline of category garden", z);
  EXPECT_EQ(rows_[0].description, expected);
}

TEST_F(AnomalyDetectorTest, ExpireDropsOldVelocityEntriesAndIdleUsers) {
  AnomalyDetector::Options options;
  options.baseline_ttl = 10 * kSec;
  AnomalyDetector detector(options, catalog_);
  detector.Score(Spend("a", kT0, 100), kT0, rows_);
  detector.Score(Spend("b", kT0 + 30 * kSec, 100), kT0 + 30 * kSec, rows_);
  EXPECT_EQ(detector.tracked_users(), 2u);

  detector.Expire(INT64_MIN);
  detector.Expire(INT64_MAX - 1);  // overflow-safe; drops everything
  EXPECT_EQ(detector.tracked_users(), 0u);

  AnomalyDetector d2(options, catalog_);
  d2.Score(Spend("a", kT0, 100), kT0, rows_);
  d2.Score(Spend("b", kT0 + 30 * kSec, 100), kT0 + 30 * kSec, rows_);
  // a is idle past the TTL but its velocity entry (kT0) is still inside the window.
  d2.Expire(kT0 + 59 * kSec);
  EXPECT_EQ(d2.tracked_users(), 2u);
  d2.Expire(kT0 + 60 * kSec);  // kT0 ≤ watermark − 60 s: gone, and so is a
  EXPECT_EQ(d2.tracked_users(), 1u);
  d2.Expire(kT0 + 90 * kSec);
  EXPECT_EQ(d2.tracked_users(), 0u);

  // With the default 7-day TTL, a user stays while last_seen ≥ watermark − 7 days.
  AnomalyDetector d3({}, catalog_);
  d3.Score(Spend("a", kT0, 100), kT0, rows_);
  d3.Expire(kT0 + 7 * kMicrosPerDay);
  EXPECT_EQ(d3.tracked_users(), 1u);
  d3.Expire(kT0 + 7 * kMicrosPerDay + 1);
  EXPECT_EQ(d3.tracked_users(), 0u);

  // Expiring never changes a later velocity decision: 6 transactions in one minute.
  AnomalyDetector d4({}, catalog_);
  AnomalyDetector d5({}, catalog_);
  rows_.clear();
  std::vector<AnomalyRow> rows5;
  for (int i = 0; i < 8; ++i) {
    const Micros t = kT0 + i * 11 * kSec;
    d4.Expire(t);  // a watermark at the next transaction's time
    d4.Score(Spend("u", t, 100), t, rows_);
    d5.Score(Spend("u", t, 100), t, rows5);
  }
  ASSERT_EQ(rows_.size(), rows5.size());
  EXPECT_EQ(rows_.size(), 3u);  // the 6th, 7th and 8th (at 55 s, 66 s, 77 s; 6 within 60 s)
}

TEST_F(AnomalyDetectorTest, ExpireMatchesItsDefinitionOnRandomActivity) {
  // ttl below and above the velocity window; users come back after being forgotten.
  for (const Micros ttl : {20 * kSec, 60 * kSec, 90 * kSec}) {
    SCOPED_TRACE(ttl);
    AnomalyDetector::Options options;
    options.baseline_ttl = ttl;
    AnomalyDetector detector(options, catalog_);
    std::map<std::string, Micros> last_seen;  // the users that should be tracked
    std::mt19937_64 rng(ttl);
    Micros t = kT0;
    for (int i = 0; i < 5000; ++i) {
      t += std::uniform_int_distribution<Micros>(0, 3 * kSec)(rng);
      const std::string user = "u" + std::to_string(rng() % 50);
      detector.Score(Spend(user, t, 100), t, rows_);
      last_seen[user] = t;
      if (rng() % 5 == 0) {
        const Micros watermark = t - std::uniform_int_distribution<Micros>(0, 5 * kSec)(rng);
        detector.Expire(watermark);
        // Forgotten: idle longer than the TTL, and no velocity entry in the window.
        std::erase_if(last_seen, [&](const auto& entry) {
          return entry.second < watermark - ttl && entry.second <= watermark - 60 * kSec;
        });
        ASSERT_EQ(detector.tracked_users(), last_seen.size()) << i;
      }
    }
  }
}

TEST_F(AnomalyDetectorTest, RandomStreamRulesMatchBruteForce) {
  CatalogLookup catalog;
  std::map<std::string, std::string> homes;
  const std::vector<events::Transaction> txs = RandomStream(42, 4000, catalog, homes);
  AnomalyDetector detector({}, catalog);
  std::map<std::string, int> fired;
  for (size_t i = 0; i < txs.size(); ++i) {
    const events::Transaction& tx = txs[i];
    // Independently: the rules over the whole history.
    std::vector<std::string> expected;
    Cents line = 0;
    int32_t max_quantity = 0;
    for (const auto& item : tx.products) {
      line += item.quantity * item.price;
      max_quantity = std::max(max_quantity, item.quantity);
    }
    if (line > 500000) expected.push_back("high_value");
    if (max_quantity > 10) expected.push_back("unusual_quantity");
    int within = 0;
    for (size_t j = 0; j <= i; ++j) {
      if (txs[j].user_id == tx.user_id && txs[j].timestamp > tx.timestamp - 60 * kSec) ++within;
    }
    if (within >= 6) expected.push_back("velocity");
    auto home = homes.find(tx.user_id);
    if (home != homes.end() && home->second != tx.country) expected.push_back("geo_mismatch");
    if (std::abs(tx.total_amount - line) >= 2) expected.push_back("amount_mismatch");
    for (const auto& type : expected) ++fired[type];

    if (i % 7 == 0) detector.Expire(tx.timestamp);  // the watermark never passes tx
    std::vector<AnomalyRow> rows;
    const double score = detector.Score(tx, tx.timestamp, rows);
    ASSERT_GE(score, 0.0);
    ASSERT_LE(score, 1.0);
    if (expected.empty()) {
      EXPECT_LT(score, 0.8) << i;
      if (!rows.empty()) {
        EXPECT_EQ(rows[0].types, std::vector<std::string>{"statistical"});
      }
      continue;
    }
    ASSERT_EQ(rows.size(), 1u) << i;
    std::vector<std::string> types = rows[0].types;
    const bool statistical = !types.empty() && types.back() == "statistical";
    if (statistical) types.pop_back();
    EXPECT_EQ(types, expected) << i;
    EXPECT_NEAR(score,
                std::min(1.0, 0.8 + 0.05 * static_cast<double>(expected.size() - 1) +
                                  (statistical ? 0.05 : 0.0)),
                1e-12);
    // One sentence per type.
    size_t sentences = 1;
    for (size_t p = rows[0].description.find("; "); p != std::string::npos;
         p = rows[0].description.find("; ", p + 1)) {
      ++sentences;
    }
    EXPECT_EQ(sentences, rows[0].types.size()) << rows[0].description;
  }
  // The stream exercised every rule.
  for (const char* type :
       {"high_value", "unusual_quantity", "velocity", "geo_mismatch", "amount_mismatch"}) {
    EXPECT_GT(fired[type], 20) << type;
  }
}

}  // namespace
}  // namespace gm::stream::anomaly_test
