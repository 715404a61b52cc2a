#include "generator/simulator.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <array>
#include <map>

#include "events/codec.h"
#include "test_util.h"

namespace gm::generator {
namespace {

using testing::kStart;
using testing::TestConfig;
using testing::World;

constexpr Micros kMinute = kMicrosPerMinute;
constexpr int kTx = static_cast<int>(events::Topic::kTransactions);
constexpr int kViews = static_cast<int>(events::Topic::kProductViews);
constexpr int kCarts = static_cast<int>(events::Topic::kCartEvents);
constexpr int kInventory = static_cast<int>(events::Topic::kInventoryUpdates);

std::vector<std::string> EncodeFirst(World& world, int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n && world.simulator->Next(world.event, nullptr); ++i) {
    out.emplace_back();
    events::Encode(world.event, out.back());
  }
  return out;
}

TEST(SimulatorTest, SameSeedGivesIdenticalEventsOtherSeedOrStartOthers) {
  World a(TestConfig(GeneratorProfile::kSeed, 11), 500);
  World b(TestConfig(GeneratorProfile::kSeed, 11), 500);
  World c(TestConfig(GeneratorProfile::kSeed, 12), 500);
  World d(TestConfig(GeneratorProfile::kSeed, 11), 500, kStart + kMicrosPerSecond);
  const auto ea = EncodeFirst(a, 20'000), eb = EncodeFirst(b, 20'000);
  const auto ec = EncodeFirst(c, 20'000), ed = EncodeFirst(d, 200);
  EXPECT_EQ(ea, eb);
  int same = 0;
  for (size_t i = 0; i < ec.size(); ++i) same += ea[i] == ec[i];
  EXPECT_EQ(same, 0);
  // A different start changes the id run tag, so no id repeats across runs.
  EXPECT_NE(ea[0], ed[0]);
}

TEST(SimulatorTest, IdsAreShortAndUnique) {
  World w(TestConfig(GeneratorProfile::kSeed), 500);
  std::set<std::string> ids;
  for (int i = 0; i < 50'000; ++i) {
    ASSERT_TRUE(w.simulator->Next(w.event, nullptr));
    const std::string id(w.event.id());
    ASSERT_LE(id.size(), 15u) << id;
    ASSERT_TRUE(ids.insert(id).second) << id;
    if (w.event.topic == events::Topic::kTransactions) {
      ASSERT_LE(w.event.transaction.session_id.size(), 15u);
    }
  }
}

// Counts per topic per minute of event time over `minutes` minutes.
std::vector<std::array<int64_t, events::kTopicCount>> PerMinute(World& w, int minutes) {
  std::vector<std::array<int64_t, events::kTopicCount>> counts(minutes);
  w.RunUntil(kStart + minutes * kMinute, [&](const events::Event& e, const Label&) {
    ++counts[(e.timestamp() - kStart) / kMinute][static_cast<int>(e.topic)];
  });
  return counts;
}

TEST(SimulatorTest, SeedProfileSplitsEachMinute100To300To100PerSecond) {
  for (uint64_t seed : {1, 2}) {
    World w(TestConfig(GeneratorProfile::kSeed, seed), 500);
    const auto counts = PerMinute(w, 6);
    int64_t restocks = 0;
    for (size_t m = 0; m < counts.size(); ++m) {
      EXPECT_NEAR(counts[m][kTx], 6000, 300) << "seed " << seed << " minute " << m;
      EXPECT_NEAR(counts[m][kViews], 18000, 900) << "seed " << seed << " minute " << m;
      EXPECT_NEAR(counts[m][kCarts], 6000, 300) << "seed " << seed << " minute " << m;
      restocks += counts[m][kInventory];
    }
    EXPECT_GT(restocks, 0);
    EXPECT_LT(restocks, 6 * 3000);  // on top, but a small stream
  }
}

TEST(SimulatorTest, TotalRateIsWhatIsAskedInEitherProfile) {
  for (GeneratorProfile profile : {GeneratorProfile::kSeed, GeneratorProfile::kRealistic}) {
    World w(TestConfig(profile), 1000);
    const auto counts = PerMinute(w, 2);
    for (const auto& minute : counts) {
      const int64_t user_events = minute[kTx] + minute[kViews] + minute[kCarts];
      EXPECT_NEAR(user_events, 60'000, 60'000 * 0.03) << GeneratorProfileName(profile);
    }
  }
}

TEST(SimulatorTest, RealisticViewsOutnumberCartEventsOutnumberPurchases) {
  World w(TestConfig(GeneratorProfile::kRealistic), 500);
  const auto counts = PerMinute(w, 10);
  int64_t tx = 0, views = 0, carts = 0;
  for (const auto& m : counts) tx += m[kTx], views += m[kViews], carts += m[kCarts];
  EXPECT_GT(views, 10 * carts);
  EXPECT_GT(carts, 3 * tx);
  EXPECT_GT(tx, 0);
}

TEST(SimulatorTest, LocalTimeShiftsCountriesWhileTheTotalStays) {
  // 04:00 UTC: night in Europe, evening on the US west coast; 19:00 UTC: European evening.
  const Micros night_eu = kStart - 8 * kMicrosPerHour, evening_eu = kStart + 7 * kMicrosPerHour;
  std::map<std::string, int> at_night, at_evening;
  int64_t total_night = 0, total_evening = 0;
  for (auto [start, counts, total] : {std::tuple{night_eu, &at_night, &total_night},
                                      std::tuple{evening_eu, &at_evening, &total_evening}}) {
    GeneratorConfig config = TestConfig(GeneratorProfile::kSeed);
    World w(config, 500, start);
    w.RunUntil(start + 5 * kMinute, [&](const events::Event& e, const Label&) {
      if (e.topic == events::Topic::kProductViews) ++(*counts)[e.view.country];
      *total += e.topic != events::Topic::kInventoryUpdates;
    });
  }
  EXPECT_NEAR(total_night, total_evening, 0.03 * total_night);
  const double de_night = at_night["Germany"] / double(at_night["USA"]);
  const double de_evening = at_evening["Germany"] / double(at_evening["USA"]);
  EXPECT_GT(de_evening, 3 * de_night) << de_night << " " << de_evening;
}

TEST(SimulatorTest, CategoriesFollowTheLocalHour) {
  // Coffee is bought in the morning; video games late. Compare at 08:00 vs 22:00 in the UK.
  auto share = [](Micros start, std::string_view category) {
    GeneratorConfig config = TestConfig(GeneratorProfile::kSeed);
    World w(config, 500, start);
    int64_t hits = 0, all = 0;
    w.RunUntil(start + 3 * kMinute, [&](const events::Event& e, const Label&) {
      if (e.topic != events::Topic::kProductViews || e.view.country != "UK") return;
      ++all;
      hits += e.view.category == category;
    });
    return double(hits) / all;
  };
  const Micros uk_8am = kStart - 4 * kMicrosPerHour, uk_10pm = kStart + 10 * kMicrosPerHour;
  EXPECT_GT(share(uk_8am, "Coffee"), 1.2 * share(uk_10pm, "Coffee"));
  EXPECT_GT(share(uk_10pm, "Video Games"), 1.2 * share(uk_8am, "Video Games"));
}

TEST(SimulatorTest, BackfillComesFirstInOrderThenLive) {
  GeneratorConfig config = TestConfig(GeneratorProfile::kRealistic);
  World w(config, 500, kStart, kMicrosPerDay, 20'000.0 / 86'400);
  int64_t history = 0, live = 0;
  Micros last = INT64_MIN;
  w.RunUntil(kStart + kMinute, [&](const events::Event& e, const Label&) {
    ASSERT_GE(e.timestamp(), last);
    last = e.timestamp();
    ASSERT_GE(e.timestamp(), kStart - kMicrosPerDay);
    if (e.timestamp() < kStart) {
      history += e.topic != events::Topic::kInventoryUpdates;
    } else {
      live += e.topic != events::Topic::kInventoryUpdates;
    }
  });
  EXPECT_NEAR(history, 20'000, 600);
  EXPECT_NEAR(live, 30'000, 30'000 * 0.05);
}

TEST(SimulatorTest, TenMillionCustomersRunWithoutBigMemory) {
  GeneratorConfig config = TestConfig(GeneratorProfile::kSeed);
  config.customers = 10'000'000;
  rusage before{};
  getrusage(RUSAGE_SELF, &before);
  World w(config, 500);
  int64_t high = 0;
  w.RunUntil(kStart + kMinute, [&](const events::Event& e, const Label&) {
    if (e.topic != events::Topic::kInventoryUpdates) {
      high += w.customers.Find(std::string(e.key())).value_or(-1) >= 5'000'000;
    }
  });
  EXPECT_GT(high, 1000);
  rusage after{};
  getrusage(RUSAGE_SELF, &after);
  EXPECT_LT(after.ru_maxrss - before.ru_maxrss, 128 * 1024);  // KiB; the catalog dominates
  EXPECT_EQ(w.simulator->stats().sessions_dropped, 0);
}

TEST(SimulatorTest, SmallPopulationsDropArrivalsInsteadOfOverlapping) {
  GeneratorConfig config = TestConfig(GeneratorProfile::kSeed);
  config.customers = 500;
  World w(config, 500);
  w.RunUntil(kStart + kMinute, [](const events::Event&, const Label&) {});
  EXPECT_GT(w.simulator->stats().sessions_dropped, 0);
}

}  // namespace
}  // namespace gm::generator
