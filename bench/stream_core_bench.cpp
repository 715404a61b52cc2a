// The stream engine's processing core (issue 3's "processing core with a null store"):
// decoded events go through everything `stream` does after decoding — routing to tasks,
// watermarks and lateness, de-duplication, the processors, checkpoint batches with their
// state snapshots — into a store that drops them (stream::NullCheckpointStore).
//
// The events are the seed profile's, made by the generator and decoded before timing
// (decoding is measured per topic in events_bench), and reach the engine through a
// bus::Source whose messages carry them decoded (bus::Message::event). Two figures per
// processor set:
//   *_PerCore   items/s over the CPU time of the whole process (engine and committer
//               threads together): events per core-second;
//   *_Wall      items/s over wall time, one engine thread.

#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "bus/bus.h"
#include "common/prefetch.h"
#include "stream/catalog_lookup.h"
#include "stream/checkpoint_store.h"
#include "stream/engine.h"
#include "stream/generated_shop.h"

namespace gm::stream {
namespace {

constexpr int64_t kEvents = 1'000'000;
constexpr Micros kStart = 1767225600LL * kMicrosPerSecond;  // 2026-01-01T00:00:00Z

GeneratorConfig SeedProfile() {
  GeneratorConfig c;  // `generate --profile seed --rate max --seed 1`
  c.profile = GeneratorProfile::kSeed;
  c.rate = 0;
  c.start = kStart;
  c.seed = 1;
  c.count = kEvents;
  return c;
}

// The seed profile's events and the catalog they were made from, built once.
struct Input {
  std::vector<events::Event> events;
  CatalogLookup catalog;

  Input() {
    const GeneratorConfig config = SeedProfile();
    events = testing::Generate(config, /*keep_lines=*/false).events;
    testing::LoadCatalog(config, catalog);
  }
};

const Input& TheInput() {
  static const Input input;
  return input;
}

// Profiling only the timed part: `perf record --control fifo:CTL -D -1 …` with
// GM_PERF_CONTROL=CTL in the environment records the engine runs and nothing else.
void PerfControl(const char* command) {
  static const char* const path = std::getenv("GM_PERF_CONTROL");
  if (path == nullptr) return;
  if (std::FILE* f = std::fopen(path, "w")) {
    std::fputs(command, f);
    std::fputc('\n', f);
    std::fclose(f);
  }
}

// Starts loading the active member of `e` (its first 192 bytes: ids, key, time).
void PrefetchActiveMember(const events::Event& e) {
  const void* member = &e.transaction;
  switch (e.topic) {
    case events::Topic::kTransactions:
      break;
    case events::Topic::kProductViews:
      member = &e.view;
      break;
    case events::Topic::kCartEvents:
      member = &e.cart;
      break;
    case events::Topic::kInventoryUpdates:
      member = &e.inventory;
      break;
  }
  for (int line = 0; line < 3; ++line) PrefetchForRead(static_cast<const char*>(member) + 64 * line);
}

// One partition of decoded events, handed out as a file source hands out lines. The
// engine finds a message's event where the decoder left it, i.e. in the cache; here the
// events lie in a gigabyte-sized array instead, so the source loads each a few messages
// before handing it out (without that, the first touch of every event is a wait for
// memory that the decoding path does not have).
class DecodedSource final : public bus::Source {
 public:
  explicit DecodedSource(std::vector<events::Event>& events) : events_(events) {}
  Result<size_t> Poll(const bus::MessageHandler& handler, std::chrono::milliseconds) override {
    size_t delivered = 0;
    for (; next_ < events_.size() && delivered < 8192; ++next_, ++delivered) {
      if (next_ + 16 < events_.size()) PrefetchForRead(&events_[next_ + 16].topic);
      if (next_ + 8 < events_.size()) PrefetchActiveMember(events_[next_ + 8]);
      bus::Message m;
      m.topic = "core-bench";
      m.offset = static_cast<int64_t>(next_) + 1;
      m.topic_is_schema = false;
      m.event = &events_[next_];
      handler(m);
    }
    return delivered;
  }
  bool AtEnd() const override { return next_ == events_.size(); }
  Status Commit(const std::vector<bus::PartitionOffset>&) override { return Status::Ok(); }

 private:
  std::vector<events::Event>& events_;
  size_t next_ = 0;
};

// The stream engine issue's own processors; `all` adds sessions, carts and inventory.
constexpr StreamProcessors kIssueThree{.sessions = false, .inventory = false};
constexpr StreamProcessors kAll{};

void BM_ProcessingCore(benchmark::State& state, StreamProcessors processors) {
  const Input& input = TheInput();
  EngineOptions options;
  options.config.processors = processors;
  int64_t checkpoints = 0;
  for (auto _ : state) {
    state.PauseTiming();
    // The engine takes the events' contents: each run gets a fresh copy.
    auto events = std::make_unique<std::vector<events::Event>>(input.events);
    NullCheckpointStore store;
    auto engine = std::make_unique<Engine>(options, store, input.catalog);
    DecodedSource source(*events);
    const std::atomic<bool> stop{false};
    state.ResumeTiming();
    PerfControl("enable");
    const Status s = engine->RunSource(source, /*until_eof=*/true, stop);
    PerfControl("disable");
    if (!s.ok()) {
      state.SkipWithError(s.message().c_str());
      return;
    }
    state.PauseTiming();
    checkpoints += store.commits();
    engine.reset();
    events.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(input.events.size()));
  state.counters["checkpoints"] = static_cast<double>(checkpoints) /
                                  static_cast<double>(std::max<int64_t>(1, state.iterations()));
}

BENCHMARK_CAPTURE(BM_ProcessingCore, IssueThree_PerCore, kIssueThree)
    ->MeasureProcessCPUTime()
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);
BENCHMARK_CAPTURE(BM_ProcessingCore, IssueThree_Wall, kIssueThree)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);
BENCHMARK_CAPTURE(BM_ProcessingCore, AllProcessors_PerCore, kAll)
    ->MeasureProcessCPUTime()
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);
BENCHMARK_CAPTURE(BM_ProcessingCore, AllProcessors_Wall, kAll)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);

}  // namespace
}  // namespace gm::stream

BENCHMARK_MAIN();
