// Generator throughput on one core: simulation + JSON encoding + a null sink, per profile
// (items/s = events/s), and the process's peak RSS. `RunGenerator` cases include building
// the 250,000-product catalog and the warm-up; the `Steady` cases time only the event loop.

#include <benchmark/benchmark.h>

#include <fstream>
#include <memory>
#include <string>

#include "bus/null_sink.h"
#include "events/codec.h"
#include "generator/catalog.h"
#include "generator/customers.h"
#include "generator/generator.h"
#include "generator/simulator.h"

namespace gm::generator {
namespace {

constexpr Micros kStart = 1767225600LL * kMicrosPerSecond;  // 2026-01-01T00:00:00Z

double PeakRssMiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024;
  }
  return 0;
}

GeneratorConfig Config(GeneratorProfile profile) {
  GeneratorConfig c;  // defaults: 250,000 products, 1,000,000 customers
  c.profile = profile;
  c.rate = 0;  // unpaced; event time advances at max_event_rate (500/s)
  c.start = kStart;
  c.seed = 1;
  return c;
}

void BM_SteadyToNullSink(benchmark::State& state, GeneratorProfile profile) {
  const GeneratorConfig config = Config(profile);
  const Catalog catalog(config.products, config.seed);
  const Customers customers(config.customers, config.seed, kStart);
  SimulatorSchedule schedule;
  schedule.begin = schedule.start = kStart;
  schedule.rate = config.max_event_rate;
  Simulator simulator(config, catalog, customers, schedule);
  bus::NullSink sink;
  events::Event event;
  Label label;
  std::string payload;
  constexpr int kBatch = 100'000;
  for (auto _ : state) {
    for (int i = 0; i < kBatch; ++i) {
      simulator.Next(event, &label);
      payload.clear();
      events::Encode(event, payload);
      benchmark::DoNotOptimize(
          sink.Send(events::TopicName(event.topic), event.key(), payload, simulator.time()));
    }
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
  state.SetBytesProcessed(static_cast<int64_t>(sink.bytes()));
  state.counters["peak_rss_MiB"] = PeakRssMiB();
}

void BM_SteadySimulateOnly(benchmark::State& state, GeneratorProfile profile) {
  const GeneratorConfig config = Config(profile);
  const Catalog catalog(config.products, config.seed);
  const Customers customers(config.customers, config.seed, kStart);
  SimulatorSchedule schedule;
  schedule.begin = schedule.start = kStart;
  schedule.rate = config.max_event_rate;
  Simulator simulator(config, catalog, customers, schedule);
  events::Event event;
  Label label;
  constexpr int kBatch = 100'000;
  for (auto _ : state) {
    for (int i = 0; i < kBatch; ++i) benchmark::DoNotOptimize(simulator.Next(event, &label));
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}

void BM_RunGenerator(benchmark::State& state, GeneratorProfile profile) {
  GeneratorConfig config = Config(profile);
  config.count = state.range(0);
  for (auto _ : state) {
    bus::NullSink sink;
    Result<GeneratorStats> stats = RunGenerator(config, sink);
    if (!stats.ok()) state.SkipWithError(stats.status().message().c_str());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.counters["peak_rss_MiB"] = PeakRssMiB();
}

BENCHMARK_CAPTURE(BM_SteadyToNullSink, seed, GeneratorProfile::kSeed)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_SteadyToNullSink, realistic, GeneratorProfile::kRealistic)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_SteadySimulateOnly, seed, GeneratorProfile::kSeed)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_SteadySimulateOnly, realistic, GeneratorProfile::kRealistic)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_RunGenerator, seed, GeneratorProfile::kSeed)
    ->Arg(2'000'000)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);
BENCHMARK_CAPTURE(BM_RunGenerator, realistic, GeneratorProfile::kRealistic)
    ->Arg(2'000'000)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);

}  // namespace
}  // namespace gm::generator

BENCHMARK_MAIN();
