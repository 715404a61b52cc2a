// Engine::RunSource with decoded events (bus::Message::event) against Engine::RunFile with
// the same events as JSON lines: every row and count must be the same, so the decoded path
// that the processing core's benchmark measures is the path `stream` runs. The input is a
// generated stream (with its injected anomalies and the generator's catalog) plus repeats:
// duplicates within the dedup horizon and events older than the watermark (late).
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/config.h"
#include "events/codec.h"
#include "generated_shop.h"
#include "stream/catalog_lookup.h"
#include "stream/checkpoint_store.h"
#include "stream/engine.h"

namespace gm::stream {
namespace {

constexpr Micros kStart = 1767225600LL * kMicrosPerSecond;  // 2026-01-01T00:00:00Z

// A clock that moves 60 ms whenever it is read, so checkpoints follow each other quickly
// and deterministically.
class TickingClock final : public Clock {
 public:
  Micros Now() const override { return now_.fetch_add(60'000); }

 private:
  mutable std::atomic<Micros> now_{1'800'000'000LL * kMicrosPerSecond};
};

struct Outcome {
  EngineStats stats;
  MemoryCheckpointStore::Totals totals;
  std::vector<SalesRow> sales;
  std::vector<AnomalyRow> anomalies;
};

EngineOptions Options(const TickingClock& clock) {
  EngineOptions options;
  options.consumer_group = "engine-source-test";
  options.tasks = 3;
  options.clock = &clock;
  options.config.checkpoint_interval = 100'000;
  return options;
}

Outcome Collect(const Engine& engine, const MemoryCheckpointStore& store) {
  return {engine.stats(), store.totals(), store.SalesTable(), store.Anomalies()};
}

TEST(EngineSourceTest, DecodedEventsGiveWhatTheirLinesGive) {
  GeneratorConfig config;
  config.profile = GeneratorProfile::kSeed;
  config.rate = 0;
  config.start = kStart;
  config.seed = 7;
  config.count = 20'000;
  config.products = 2'000;
  config.customers = 5'000;
  config.anomaly_rate = 0.05;
  testing::GeneratedShop shop = testing::Generate(config, /*keep_lines=*/true);
  ASSERT_EQ(shop.lines.size(), shop.events.size());
  // Repeats: every 7th of the 100 events before each 1,000th again (duplicates), and the
  // first 50 again at the end under new ids (older than the watermark by then: late).
  const size_t generated = shop.lines.size();
  for (size_t i = 1'000; i < generated; i += 1'000) {
    for (size_t j = i - 100; j < i; j += 7) {
      shop.lines.push_back(shop.lines[j]);
      shop.events.push_back(shop.events[j]);
    }
  }
  for (size_t j = 0; j < 50; ++j) {
    events::Event late = shop.events[j];
    switch (late.topic) {
      case events::Topic::kTransactions:
        late.transaction.transaction_id += "-late";
        break;
      case events::Topic::kProductViews:
        late.view.event_id += "-late";
        break;
      case events::Topic::kCartEvents:
        late.cart.event_id += "-late";
        break;
      case events::Topic::kInventoryUpdates:
        late.inventory.event_id += "-late";
        break;
    }
    std::string line;
    events::Encode(late, line);
    shop.lines.push_back(std::move(line));
    shop.events.push_back(std::move(late));
  }
  CatalogLookup catalog;
  testing::LoadCatalog(config, catalog);

  std::string dir = (std::filesystem::temp_directory_path() / "gm-engine-source-XXXXXX").string();
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  const std::string path = dir + "/events.jsonl";
  {
    std::ofstream out(path);
    for (const std::string& line : shop.lines) out << line << '\n';
  }
  const std::atomic<bool> stop{false};

  TickingClock file_clock;
  MemoryCheckpointStore file_store;
  Engine file_engine(Options(file_clock), file_store, catalog);
  ASSERT_TRUE(file_engine.RunFile(path, /*until_eof=*/true, stop).ok());
  const Outcome from_file = Collect(file_engine, file_store);

  TickingClock decoded_clock;
  MemoryCheckpointStore decoded_store;
  Engine decoded_engine(Options(decoded_clock), decoded_store, catalog);
  // Small polls: the messages staged for their dedup check must be drained after each.
  testing::DecodedSource source(shop.events, {.max_per_poll = 100});
  ASSERT_TRUE(decoded_engine.RunSource(source, /*until_eof=*/true, stop).ok());
  const Outcome decoded = Collect(decoded_engine, decoded_store);
  std::filesystem::remove_all(dir);

  // The input exercises what it should.
  EXPECT_EQ(from_file.stats.received, static_cast<int64_t>(shop.lines.size()));
  EXPECT_GT(from_file.stats.duplicate, 0);
  EXPECT_GT(from_file.stats.late, 0);
  EXPECT_GT(from_file.stats.anomalies, 0);
  EXPECT_EQ(from_file.stats.invalid, 0);
  EXPECT_FALSE(from_file.sales.empty());

  EXPECT_EQ(decoded.stats.received, from_file.stats.received);
  EXPECT_EQ(decoded.stats.valid, from_file.stats.valid);
  EXPECT_EQ(decoded.stats.late, from_file.stats.late);
  EXPECT_EQ(decoded.stats.duplicate, from_file.stats.duplicate);
  EXPECT_EQ(decoded.stats.transactions, from_file.stats.transactions);
  EXPECT_EQ(decoded.stats.anomalies, from_file.stats.anomalies);
  EXPECT_EQ(decoded.stats.unknown_customers, from_file.stats.unknown_customers);
  EXPECT_EQ(decoded.totals.transactions, from_file.totals.transactions);
  EXPECT_EQ(decoded.totals.transaction_items, from_file.totals.transaction_items);
  // (Session and cart rows are only counted by the store, and their live rows go out on
  // the wall clock: their number is not a result.)
  EXPECT_EQ(decoded.sales, from_file.sales);
  EXPECT_EQ(decoded.anomalies, from_file.anomalies);
}

}  // namespace
}  // namespace gm::stream
