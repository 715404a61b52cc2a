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
    // The decoder leaves each event in the cache for the engine; these lie in a 1 GB array,
    // so the source loads each a few messages ahead instead.
    testing::DecodedSource source(*events, {.max_per_poll = 8192, .load_ahead = true});
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
