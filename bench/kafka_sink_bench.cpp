// Producer throughput of the Kafka sink into the dev broker (librdkafka's mock cluster, in
// this process): 500,000 keyed ~300-byte messages per iteration over 6 partitions, the
// final Flush included. items/s = messages/s. Independent of the generator: the payloads
// are prepared up front. The mock keeps only ~5 MiB per partition; it drops the rest,
// which costs the producer nothing.

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "bus/dev_broker.h"
#include "bus/kafka_bus.h"

namespace gm::bus {
namespace {

constexpr int kMessages = 500'000;
constexpr int kPayloadBytes = 300;

DevBroker& Broker() {
  static std::unique_ptr<DevBroker> broker = [] {
    auto b = DevBroker::Start(1, {"bench"}, 6);
    if (!b.ok()) {
      std::fprintf(stderr, "kafka_sink_bench: %s\n", b.status().message().c_str());
      std::exit(1);
    }
    return std::move(b).value();
  }();
  return *broker;
}

void BM_KafkaSinkToDevBroker(benchmark::State& state) {
  KafkaConfig config;
  config.brokers = Broker().bootstrap_servers();
  auto sink = OpenKafkaSink(config);
  if (!sink.ok()) {
    state.SkipWithError(sink.status().message().c_str());
    return;
  }
  std::vector<std::string> keys;
  std::vector<std::string> payloads;
  for (int i = 0; i < 10'000; ++i) keys.push_back("USER-" + std::to_string(1'000'000 + i * 37));
  for (int i = 0; i < 1'000; ++i) {
    std::string p = R"({"event_id":"VIEW-)" + std::to_string(i) + R"(","user_id":"USER-1","pad":")";
    p.append(static_cast<size_t>(kPayloadBytes) - p.size() - 2, 'a' + i % 26);
    p += "\"}";
    payloads.push_back(std::move(p));
  }
  const Micros t0 = 1'767'225'600'000'000;
  for (auto _ : state) {
    for (int i = 0; i < kMessages; ++i) {
      Status s = (*sink)->Send("bench", keys[static_cast<size_t>(i) % keys.size()],
                               payloads[static_cast<size_t>(i) % payloads.size()], t0 + i);
      if (!s.ok()) {
        state.SkipWithError(s.message().c_str());
        return;
      }
    }
    Status s = (*sink)->Flush(std::chrono::seconds(120));
    if (!s.ok()) state.SkipWithError(s.message().c_str());
  }
  state.SetItemsProcessed(state.iterations() * kMessages);
  state.SetBytesProcessed(state.iterations() * kMessages * int64_t{kPayloadBytes});
}
BENCHMARK(BM_KafkaSinkToDevBroker)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);

}  // namespace
}  // namespace gm::bus

BENCHMARK_MAIN();
