// Sessions: memory per open session (issue 8 target ≤ 512 bytes, measured with 1,000,000
// open sessions) and SessionTracker throughput. Heap bytes in use come from mallinfo2, so
// the number is what the tracker holds, not what the allocator keeps around.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <cstdio>
#include <memory>
#include <string>

#include "stream/processors/sessions.h"

namespace gm::stream {
namespace {

constexpr Micros kT0 = 1'700'000'000LL * kMicrosPerSecond;

std::string Id(char prefix, int64_t i) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%c%010lld", prefix, static_cast<long long>(i));
  return buf;
}

// Opens `n` sessions, each with a product view and a cart add, like the generator's: ids of
// 11 characters, a device and a country.
void OpenSessions(SessionTracker& tracker, int64_t n, SessionTracker::Output& out) {
  events::ProductView view;
  view.device = "mobile";
  view.country = "USA";
  view.category = "Vacuum Cleaners";
  events::CartEvent cart;
  cart.action = events::CartAction::kAdd;
  cart.quantity = 1;
  cart.price = 12999;
  cart.category = "Vacuum Cleaners";
  for (int64_t i = 0; i < n; ++i) {
    view.session_id = cart.session_id = Id('S', i);
    view.user_id = cart.user_id = Id('U', i);
    view.product_id = cart.product_id = Id('P', i % 250'000);
    const Micros t = kT0 + i;  // a million sessions within one second: all stay open
    tracker.OnView(view, {.effective_time = t, .topic = 1, .offset = 2 * i}, out);
    tracker.OnCart(cart, {.effective_time = t, .topic = 2, .offset = 2 * i + 1}, out);
  }
}

void BM_MemoryPerOpenSession(benchmark::State& state) {
  const int64_t n = state.range(0);
  CatalogLookup catalog;
  for (auto _ : state) {
    std::vector<SessionRow> sessions;
    std::vector<CartAbandonmentRow> abandonments;
    std::vector<StockChange> stock;
    SessionTracker::Output out{sessions, abandonments, stock};
    // The reservation changes are the task's outbox, routed away each poll: not session
    // state, so their room is taken before counting.
    auto tracker = std::make_unique<SessionTracker>(SessionTracker::Options{}, catalog, 0);
    stock.reserve(static_cast<size_t>(n));
    const size_t before = mallinfo2().uordblks;
    OpenSessions(*tracker, n, out);
    const size_t after = mallinfo2().uordblks;
    state.counters["open_sessions"] = static_cast<double>(tracker->open_sessions());
    if (stock.capacity() != static_cast<size_t>(n)) state.SkipWithError("the outbox grew");
    state.counters["bytes_per_session"] =
        static_cast<double>(after - before) / static_cast<double>(n);
    state.PauseTiming();
    tracker.reset();
    state.ResumeTiming();
  }
}
// One repetition whatever --benchmark_repetitions says: a later one would count the chunks
// the allocator reuses from the first one's freed tracker (~30 bytes more per session).
BENCHMARK(BM_MemoryPerOpenSession)
    ->Arg(1'000'000)
    ->Iterations(1)
    ->Repetitions(1)
    ->Unit(benchmark::kMillisecond);

void BM_SessionEvents(benchmark::State& state) {
  CatalogLookup catalog;
  std::vector<SessionRow> sessions;
  std::vector<CartAbandonmentRow> abandonments;
  std::vector<StockChange> stock;
  SessionTracker::Output out{sessions, abandonments, stock};
  SessionTracker tracker({}, catalog, 0);
  events::ProductView view;
  view.device = "mobile";
  view.country = "USA";
  int64_t i = 0;
  for (auto _ : state) {
    // 100,000 users, a view every 10 ms of event time: sessions open, continue and close.
    view.session_id = Id('S', (i % 100'000) + (i / 2'000'000) * 100'000);
    view.user_id = Id('U', i % 100'000);
    view.product_id = Id('P', i % 250'000);
    tracker.OnView(view, {.effective_time = kT0 + i * 10'000, .topic = 1, .offset = i}, out);
    if (i % 1024 == 0) {
      tracker.AdvanceTo(kT0 + i * 10'000, out);
      sessions.clear();
      tracker.CollectOpen(sessions);
      sessions.clear();
    }
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SessionEvents);

}  // namespace
}  // namespace gm::stream

BENCHMARK_MAIN();
