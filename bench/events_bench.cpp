// Decode and encode throughput per topic (items/s = events/s on one core). The messages are
// what our encoder writes for generator-like events, so decode numbers match the pipeline.

#include <benchmark/benchmark.h>

#include <string>

#include "events/codec.h"

namespace gm::events {
namespace {

constexpr Micros kTime = 1767225600'000'000 + 123'000;  // 2026-01-01T00:00:00.123Z

Event SampleEvent(Topic topic) {
  Event e;
  e.topic = topic;
  switch (topic) {
    case Topic::kTransactions:
      e.transaction = {"TXN-00000000001234567",
                       "USER-0000123456",
                       "SESS-00000000012345",
                       kTime,
                       {{"PROD-000123", "Electronics", 2, 19999},
                        {"PROD-004567", "Home & Kitchen", 1, 2450},
                        {"PROD-107771", "Books", 3, 1299}},
                       46345,
                       "credit_card",
                       "USA",
                       "New York",
                       "USD",
                       "mobile"};
      break;
    case Topic::kProductViews:
      e.view = {"VIEW-00000000001234567",
                "USER-0000123456",
                "SESS-00000000012345",
                "PROD-000123",
                "Electronics",
                kTime,
                87,
                "Germany",
                "desktop"};
      break;
    case Topic::kCartEvents:
      e.cart = {"CART-00000000001234567",
                "USER-0000123456",
                "SESS-00000000012345",
                "PROD-000123",
                "Electronics",
                kTime,
                CartAction::kAdd,
                2,
                19999};
      break;
    case Topic::kInventoryUpdates:
      e.inventory = {"INV-00000000001234567", "PROD-000123", kTime, 250, std::nullopt, "restock"};
      break;
  }
  return e;
}

void BM_Encode(benchmark::State& state) {
  const Event e = SampleEvent(static_cast<Topic>(state.range(0)));
  std::string out;
  out.reserve(4096);
  for (auto _ : state) {
    out.clear();
    Encode(e, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * out.size()));
  state.SetLabel(std::string(TopicName(e.topic)));
}

// range(0): topic; range(1): 1 = topic from event_type (JSONL), 0 = topic given (Kafka).
void BM_Decode(benchmark::State& state) {
  const Topic topic = static_cast<Topic>(state.range(0));
  const bool by_event_type = state.range(1) != 0;
  std::string json;
  Encode(SampleEvent(topic), json);
  Decoder decoder;
  Event e;
  for (auto _ : state) {
    const Status s = decoder.Decode(by_event_type ? std::nullopt : std::optional(topic), json, e);
    if (!s.ok()) {
      state.SkipWithError(s.message().c_str());
      break;
    }
    benchmark::DoNotOptimize(e);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * json.size()));
  state.SetLabel(std::string(TopicName(topic)) + (by_event_type ? " (event_type)" : ""));
}

// A rejected message costs about as much as an accepted one (the reason is built only then).
void BM_DecodeRejected(benchmark::State& state) {
  std::string json;
  Encode(SampleEvent(Topic::kCartEvents), json);
  json.replace(json.find("\"add\""), 5, "\"purchase\"");
  Decoder decoder;
  Event e;
  for (auto _ : state) {
    benchmark::DoNotOptimize(decoder.Decode(Topic::kCartEvents, json, e));
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_Encode)->DenseRange(0, kTopicCount - 1);
BENCHMARK(BM_Decode)->ArgsProduct({{0, 1, 2, 3}, {0}})->Args({0, 1});
BENCHMARK(BM_DecodeRejected);

}  // namespace
}  // namespace gm::events

BENCHMARK_MAIN();
