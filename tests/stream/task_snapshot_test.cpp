// Task snapshots, full and incremental (docs/stream.md, Exactly once): a task restored from
// its last full snapshot and the incremental ones after it must go on exactly like the task
// that saved them — same anomalies, sessions, cart abandonments and stock changes — with
// events pending for the watermark, duplicates, sessions opened and closed on the way.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "stream/internal/task.h"

namespace gm::stream::internal {
namespace {

constexpr Micros kSec = kMicrosPerSecond;

struct Input {
  events::Event event;
  OrderKey key;
};

// Views, cart events and purchases of a few users, mostly in time order, some out of order
// (within the allowed lateness), some repeated ids (duplicates).
std::vector<Input> RandomInputs(uint32_t seed, int n) {
  std::mt19937 rng(seed);
  auto pick = [&](int k) { return static_cast<int>(rng() % static_cast<uint32_t>(k)); };
  std::vector<Input> out;
  Micros t = 1'700'000'000 * kSec;
  for (int i = 0; i < n; ++i) {
    t += pick(40) * kSec / 4;
    const Micros at = t - pick(4) * kSec;  // out of order by up to 3 s
    const std::string user = "u" + std::to_string(pick(6));
    const std::string session = "s" + user + "-" + std::to_string(pick(2));
    const std::string product = "p" + std::to_string(pick(5));
    const std::string id = "e" + std::to_string(pick(10) == 0 && i > 0 ? i - 1 : i);
    Input in;
    const int kind = pick(10);
    if (kind < 4) {
      in.event.topic = events::Topic::kProductViews;
      events::ProductView& v = in.event.view;
      v.event_id = id;
      v.user_id = user;
      v.session_id = session;
      v.product_id = product;
      v.category = "books";
      v.timestamp = at;
    } else if (kind < 8) {
      in.event.topic = events::Topic::kCartEvents;
      events::CartEvent& c = in.event.cart;
      c.event_id = id;
      c.user_id = user;
      c.session_id = session;
      c.product_id = product;
      c.timestamp = at;
      c.action = pick(4) == 0 ? events::CartAction::kRemove : events::CartAction::kAdd;
      c.quantity = c.action == events::CartAction::kRemove ? 0 : 1 + pick(3);
      c.price = 100 * (1 + pick(50));
    } else {
      in.event.topic = events::Topic::kTransactions;
      events::Transaction& x = in.event.transaction;
      x.transaction_id = "T" + id;
      x.user_id = user;
      x.session_id = pick(3) == 0 ? "" : session;
      x.timestamp = at;
      x.products = {{product, "books", 1 + pick(12), 100 * (1 + pick(3000))}};
      x.total_amount = x.products[0].quantity * x.products[0].price;
      x.payment_method = "card";
      x.country = "UK";
    }
    in.key = {.effective_time = at,
              .topic = static_cast<uint8_t>(in.event.topic),
              .partition = 0,
              .offset = i};
    out.push_back(std::move(in));
  }
  return out;
}

// Feeds one input as the worker does (dedup, lateness against the source watermark).
void Feed(Task& task, const Input& in, Micros& max_seen, CheckpointBatch& batch) {
  const Micros lateness = 5 * kSec;
  const Micros source_watermark = max_seen == kNoTime ? kNoTime : max_seen - lateness;
  const Micros t = in.event.timestamp();
  const bool late = source_watermark != kNoTime && t < source_watermark;
  max_seen = std::max(max_seen, t);
  if (task.IsDuplicate(in.event.topic, in.event.id(), t, source_watermark)) return;
  OrderKey key = in.key;
  if (late) key.effective_time = source_watermark;
  events::Event event = in.event;  // the task takes the content; the input feeds others too
  switch (event.topic) {
    case events::Topic::kTransactions:
      task.AddTransaction(event.transaction, key, late, batch);
      break;
    case events::Topic::kProductViews:
      if (!late) task.AddView(event.view, key);
      break;
    case events::Topic::kCartEvents:
      if (!late) task.AddCart(event.cart, key);
      break;
    case events::Topic::kInventoryUpdates:
      break;
  }
}

struct Outputs {
  std::vector<std::string> anomalies;
  std::vector<SessionRow> sessions;
  std::vector<CartAbandonmentRow> abandonments;
  std::vector<std::string> stock;
};

void Advance(Task& task, Micros watermark, CheckpointBatch& batch, Outputs& o) {
  task.Advance(watermark, batch);
  for (const AnomalyRow& r : batch.anomalies) {
    o.anomalies.push_back(r.transaction_id + " " + std::to_string(r.score));
  }
  for (const SessionRow& r : batch.sessions) o.sessions.push_back(r);
  for (const CartAbandonmentRow& r : batch.cart_abandonments) o.abandonments.push_back(r);
  for (const StockChange& c : task.outbox()) {
    o.stock.push_back(c.product_id + " " + std::to_string(c.key.effective_time) + " " +
                      std::to_string(c.key.offset) + " " + std::to_string(c.sub) + " " +
                      std::to_string(c.sold) + " " + std::to_string(c.reserved));
  }
  task.outbox().clear();
  batch.Clear();
}

TEST(TaskSnapshotTest, RestoringFullAndIncrementalSnapshotsChangesNothing) {
  StreamConfig config;
  CatalogLookup catalog;
  int restores_with_changes = 0;
  int restores_with_pending = 0;  // events waiting for the watermark at the cut
  for (uint32_t seed = 1; seed <= 20; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const std::vector<Input> inputs = RandomInputs(seed, 1200);
    Task original(0, config, catalog);
    CheckpointBatch batch;
    Outputs before, after_original;
    Micros max_seen = kNoTime;
    std::string base;
    std::vector<std::string> changes;
    const std::vector<ClockEntry> clocks = {{"file", 0, 0}};
    const size_t cut = 400 + seed * 29 % 500;
    size_t i = 0;
    for (; i < cut; ++i) {
      Feed(original, inputs[i], max_seen, batch);
      if (i % 7 == 6) Advance(original, max_seen - 5 * kSec, batch, before);
      if (i % 37 != 36 && i + 1 != cut) continue;
      // A checkpoint, as the worker takes it: full when due, else the changes.
      Advance(original, max_seen - 5 * kSec, batch, before);
      const bool full = original.FullSnapshotDue();
      std::string bytes;
      original.Save(clocks, bytes, full);
      if (full) {
        base = std::move(bytes);
        changes.clear();
      } else {
        changes.push_back(std::move(bytes));
      }
    }
    ASSERT_FALSE(base.empty());
    restores_with_pending += original.pending() > 0 ? 1 : 0;
    restores_with_changes += changes.empty() ? 0 : 1;
    Task restored(0, config, catalog);
    std::vector<ClockEntry> restored_clocks;
    const Status s = restored.Restore(base, changes, restored_clocks);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(restored.pending(), original.pending());
    EXPECT_TRUE(restored.FullSnapshotDue()) << "the first snapshot after a restore is full";

    // Both go on with the same input; their outputs must be the same.
    Outputs after_restored;
    Micros max_a = max_seen, max_b = max_seen;
    CheckpointBatch batch_b;
    for (; i < inputs.size(); ++i) {
      Feed(original, inputs[i], max_a, batch);
      Feed(restored, inputs[i], max_b, batch_b);
      if (i % 7 == 6) {
        Advance(original, max_a - 5 * kSec, batch, after_original);
        Advance(restored, max_b - 5 * kSec, batch_b, after_restored);
      }
    }
    Advance(original, INT64_MAX, batch, after_original);
    Advance(restored, INT64_MAX, batch_b, after_restored);
    EXPECT_EQ(after_restored.anomalies, after_original.anomalies);
    EXPECT_EQ(after_restored.sessions, after_original.sessions);
    EXPECT_EQ(after_restored.abandonments, after_original.abandonments);
    EXPECT_EQ(after_restored.stock, after_original.stock);
    EXPECT_GT(after_original.sessions.size(), 0u);
    if (HasFailure()) return;
  }
  EXPECT_GT(restores_with_changes, 10) << "most restores applied incremental snapshots";
  EXPECT_GT(restores_with_pending, 10) << "most cuts had events waiting for the watermark";
}

}  // namespace
}  // namespace gm::stream::internal
