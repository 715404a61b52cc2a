// Funnel consistency: replays generated events with an independent checker (DESIGN.md §6
// cart and session rules) and checks each profile's funnel figures.
#include <gtest/gtest.h>

#include <cstdio>

#include "replay_checker.h"
#include "test_util.h"

namespace gm::generator {
namespace {

using testing::kStart;
using testing::ReplayChecker;
using testing::ReplayReport;
using testing::TestConfig;
using testing::World;

ReplayReport Replay(GeneratorProfile profile, uint64_t seed, Micros minutes, double rate = 500) {
  GeneratorConfig config = TestConfig(profile, seed);
  config.anomaly_rate = 0.02;
  World w(config, rate);
  ReplayChecker checker(w.catalog, w.customers);
  w.RunUntil(kStart + minutes * kMicrosPerMinute,
             [&](const events::Event& e, const Label&) { checker.Add(e); });
  ReplayReport r = checker.Finish();
  const double seconds = static_cast<double>(minutes) * 60;
  // The figures docs/generator.md quotes.
  std::printf(
      "[%s seed %llu] per second: tx %.1f views %.1f carts %.1f inventory %.1f | sessions %lld "
      "conversion %.2f%% | carts %lld abandoned %.1f%% (emptied %lld, open %lld) | events/session "
      "%.2f | buy-now share %.1f%%\n",
      std::string(GeneratorProfileName(profile)).c_str(), static_cast<unsigned long long>(seed),
      r.per_topic[0] / seconds, r.per_topic[1] / seconds, r.per_topic[2] / seconds,
      r.per_topic[3] / seconds, static_cast<long long>(r.sessions), 100 * r.Conversion(),
      static_cast<long long>(r.carts), 100 * r.Abandonment(), static_cast<long long>(r.emptied),
      static_cast<long long>(r.open_at_end),
      double(r.per_topic[0] + r.per_topic[1] + r.per_topic[2]) / r.sessions,
      100.0 * r.buy_nows / (r.buy_nows + r.checkouts));
  return r;
}

std::string FirstViolations(const ReplayReport& r) {
  std::string out;
  for (const std::string& v : r.violations) out += v + "\n";
  return out;
}

TEST(FunnelTest, SeedProfileKeepsTheContractAndAbandonsMostCarts) {
  for (uint64_t seed : {1, 2}) {
    const ReplayReport r = Replay(GeneratorProfile::kSeed, seed, 8);
    EXPECT_EQ(r.violation_count, 0) << FirstViolations(r);
    EXPECT_GT(r.carts, 10'000);
    EXPECT_GE(r.Abandonment(), 0.50);
    EXPECT_LE(r.Abandonment(), 0.75);
    EXPECT_GT(r.buy_nows, 2 * r.checkouts);  // mostly buy-now
    EXPECT_EQ(r.recovered, 0);
  }
}

TEST(FunnelTest, RealisticProfileFollowsPublishedFunnels) {
  for (uint64_t seed : {1, 2}) {
    const ReplayReport r = Replay(GeneratorProfile::kRealistic, seed, 10);
    EXPECT_EQ(r.violation_count, 0) << FirstViolations(r);
    EXPECT_GE(r.Conversion(), 0.02);
    EXPECT_LE(r.Conversion(), 0.04);
    EXPECT_GE(r.Abandonment(), 0.60);
    EXPECT_LE(r.Abandonment(), 0.80);
    EXPECT_GT(r.per_topic[1], 10 * r.per_topic[2]);
    EXPECT_GT(r.per_topic[2], 3 * r.per_topic[0]);
  }
}

TEST(FunnelTest, HighRatesKeepTheContract) {
  const ReplayReport r = Replay(GeneratorProfile::kSeed, 4, 1, 5'000);
  EXPECT_EQ(r.violation_count, 0) << FirstViolations(r);
}

}  // namespace
}  // namespace gm::generator
