// Throughput of the in-process memory bus (embedded mode): P producer threads send 300-byte
// keyed messages over 4 topics × 6 partitions, 2 consumer threads (3 partitions each)
// drain them; queues hold 65,536 messages each, as configured by default. items/s =
// messages/s through the bus, end to end.

#include <benchmark/benchmark.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "bus/memory_bus.h"

namespace gm::bus {
namespace {

constexpr int kMessages = 1'000'000;

void BM_MemoryBus(benchmark::State& state) {
  const int producers = static_cast<int>(state.range(0));
  const std::vector<std::string> topics = {"transactions", "product_views", "cart_events",
                                           "inventory_updates"};
  std::vector<std::string> keys;
  for (int i = 0; i < 10'000; ++i) keys.push_back("USER-" + std::to_string(1'000'000 + i * 37));
  const std::string payload(300, 'x');
  for (auto _ : state) {
    MemoryBus bus(topics, 6, static_cast<size_t>(state.range(1)));
    std::atomic<int64_t> received{0};
    auto consume = [&](std::vector<int32_t> partitions) {
      auto source = bus.NewSource(std::move(partitions));
      size_t bytes = 0;
      while (received.load(std::memory_order_relaxed) < kMessages) {
        Result<size_t> n = source->Poll([&](const Message& m) { bytes += m.payload.size(); },
                                        std::chrono::milliseconds(10));
        received += static_cast<int64_t>(*n);
      }
      benchmark::DoNotOptimize(bytes);
    };
    std::thread c1(consume, std::vector<int32_t>{0, 1, 2});
    std::thread c2(consume, std::vector<int32_t>{3, 4, 5});
    std::vector<std::thread> senders;
    for (int p = 0; p < producers; ++p) {
      senders.emplace_back([&, p] {
        auto sink = bus.NewSink();
        for (int i = p; i < kMessages; i += producers) {
          (void)sink->Send(topics[static_cast<size_t>(i) % topics.size()],
                           keys[static_cast<size_t>(i) % keys.size()], payload, i);
        }
      });
    }
    for (auto& t : senders) t.join();
    c1.join();
    c2.join();
  }
  state.SetItemsProcessed(state.iterations() * kMessages);
}
BENCHMARK(BM_MemoryBus)
    ->Args({1, 65536})
    ->Args({1, 4096})
    ->Args({4, 4096})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace gm::bus

BENCHMARK_MAIN();
