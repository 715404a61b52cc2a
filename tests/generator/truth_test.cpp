// Ground truth: the labels must equal an independent application of the five DESIGN.md §6
// rules to the emitted transactions, and injected anomalies must appear at the asked rate.
#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <unordered_map>

#include "generator/generator.h"
#include "test_util.h"

namespace gm::generator {
namespace {

using testing::kStart;
using testing::TestConfig;
using testing::World;

struct TruthTally {
  int64_t transactions = 0;
  int64_t mismatched = 0;
  std::map<Rule, int64_t> injected;
  std::map<Rule, int64_t> fired;
  int64_t injected_without_own_rule = 0;  // non-velocity injections whose rule did not fire
  std::string first_mismatch;
};

// Recomputes the rules the plain way: per user, the times of all earlier transactions.
TruthTally Check(GeneratorProfile profile, double anomaly_rate, int minutes, uint64_t seed) {
  GeneratorConfig config = TestConfig(profile, seed);
  config.anomaly_rate = anomaly_rate;
  World w(config, 500);
  TruthTally tally;
  std::unordered_map<std::string, std::deque<Micros>> history;
  w.RunUntil(kStart + minutes * kMicrosPerMinute, [&](const events::Event& e, const Label& l) {
    if (e.topic != events::Topic::kTransactions) {
      if (!l.empty()) ++tally.mismatched;
      return;
    }
    const events::Transaction& t = e.transaction;
    ++tally.transactions;
    uint8_t expected = 0;
    Cents lines = 0;
    bool big_quantity = false;
    for (const events::LineItem& item : t.products) {
      lines += item.quantity * item.price;
      big_quantity |= item.quantity > 10;
    }
    auto set = [&](Rule r) { expected |= 1 << static_cast<int>(r); };
    if (lines > 500'000) set(Rule::kHighValue);
    if (big_quantity) set(Rule::kUnusualQuantity);
    const int64_t user = *w.customers.Find(t.user_id);
    const Customer home = w.customers.Get(user);
    if (t.country != Customers::countries()[static_cast<int>(home.country)].name) {
      set(Rule::kGeoMismatch);
    }
    if (std::abs(t.total_amount - lines) > 1) set(Rule::kAmountMismatch);
    std::deque<Micros>& times = history[t.user_id];
    times.push_back(t.timestamp);
    int in_window = 0;
    for (Micros x : times) in_window += x > t.timestamp - kMicrosPerMinute && x <= t.timestamp;
    if (in_window >= 6) set(Rule::kVelocity);

    if (expected != l.rules) {
      if (tally.mismatched++ == 0) tally.first_mismatch = t.transaction_id;
    }
    for (Rule r : kAllRules) tally.fired[r] += l.Fires(r);
    if (l.has_injected) {
      ++tally.injected[l.injected];
      if (l.injected != Rule::kVelocity && !l.Fires(l.injected)) ++tally.injected_without_own_rule;
    }
  });
  return tally;
}

TEST(TruthTest, LabelsAreExactlyTheRulesAppliedToWhatWasEmitted) {
  for (GeneratorProfile profile : {GeneratorProfile::kSeed, GeneratorProfile::kRealistic}) {
    for (double rate : {0.01, 0.2}) {
      const TruthTally t = Check(profile, rate, 3, 3);
      EXPECT_EQ(t.mismatched, 0) << GeneratorProfileName(profile) << " rate " << rate << " first "
                                 << t.first_mismatch;
      EXPECT_EQ(t.injected_without_own_rule, 0);
      EXPECT_GT(t.transactions, 0);
    }
  }
}

TEST(TruthTest, InjectedAnomaliesAppearAtTheConfiguredRate) {
  const double rate = 0.05;
  TruthTally t = Check(GeneratorProfile::kSeed, rate, 10, 5);
  int64_t injected = 0;
  for (const auto& [rule, n] : t.injected) injected += n;
  EXPECT_NEAR(double(injected) / t.transactions, rate, rate * 0.15);
  for (Rule r : kAllRules) {
    EXPECT_NEAR(double(t.injected[r]) / t.transactions, rate / 5, rate / 5 * 0.35) << RuleName(r);
    EXPECT_GT(t.fired[r], 0) << RuleName(r);
  }
  // Bursts are 6–10 purchases; from the 6th on the velocity rule fires.
  EXPECT_GT(t.fired[Rule::kVelocity], t.injected[Rule::kVelocity] / 8);
}

TEST(TruthTest, NaturallyExpensivePurchasesAreLabelledToo) {
  TruthTally t = Check(GeneratorProfile::kSeed, 0.0, 10, 6);
  EXPECT_TRUE(t.injected.empty());
  EXPECT_EQ(t.mismatched, 0);
  EXPECT_GT(t.fired[Rule::kHighValue], 0);  // jewellery, bicycles, watches …
}

TEST(TruthTest, TruthLineFormat) {
  events::Transaction t;
  t.transaction_id = "Tabc1234";
  t.user_id = "U00000042";
  t.timestamp = kStart;
  Label l;
  l.rules = (1 << static_cast<int>(Rule::kVelocity)) | (1 << static_cast<int>(Rule::kHighValue));
  l.has_injected = true;
  l.injected = Rule::kVelocity;
  std::string out;
  AppendTruthLine(t, l, out);
  EXPECT_EQ(out,
            "{\"transaction_id\":\"Tabc1234\",\"user_id\":\"U00000042\",\"timestamp\":"
            "\"2024-03-06T12:00:00.000Z\",\"types\":[\"high_value\",\"velocity\"],"
            "\"injected\":\"velocity\"}\n");
  out.clear();
  AppendTruthLine(t, Label{.rules = 1 << static_cast<int>(Rule::kGeoMismatch)}, out);
  EXPECT_NE(out.find("\"types\":[\"geo_mismatch\"],\"injected\":null}"), std::string::npos);
}

}  // namespace
}  // namespace gm::generator
