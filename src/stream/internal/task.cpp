#include "stream/internal/task.h"

#include <algorithm>
#include <set>

#include "events/codec.h"
#include "stream/processors/archive.h"
#include "stream/snapshot.h"

namespace gm::stream::internal {
namespace {

// 2: sessions, carts and inventory. 3: the upstream watermarks of the stock re-partition
// topic (StockInbox), at the end.
constexpr uint8_t kSnapshotVersion = 3;
// The first byte of an incremental snapshot (the changes since the task's previous one):
// the small state whole (the upstream watermarks included), the keyed state (dedup
// sightings, users, sessions, products) as changed and removed keys. Distinct from every
// full snapshot version.
constexpr uint8_t kChangesFormat = 0x43;
// A compaction is due once the changes written since the last full snapshot add up to its
// size (so the stored snapshots stay at most about twice the state, which bounds a
// restore), or after this many incremental ones.
constexpr int kMaxChangesBetweenFull = 100;
// Below this many bytes of changes the size rule waits (a nearly empty task would otherwise
// be compacted at every other checkpoint).
constexpr size_t kMinCompactionBytes = 1 << 20;

SalesWindows::Options SalesOptions(const StreamConfig& c) {
  return {.size = c.window_size, .slide = c.window_slide};
}

AnomalyDetector::Options AnomalyOptions(const StreamConfig& c) {
  return {.high_value = c.high_value,
          .unusual_quantity = c.unusual_quantity,
          .velocity_count = c.velocity_count,
          .velocity_window = c.velocity_window,
          .statistical_z = c.statistical_z,
          .baseline_ttl = c.baseline_ttl};
}

// watermark − horizon without overflowing at the ends of the range.
Micros Cutoff(Micros watermark, Micros horizon) {
  if (watermark == kNoTime) return kNoTime;
  if (watermark == INT64_MAX) return INT64_MAX;
  return watermark - horizon;
}

}  // namespace

Task::Task(int32_t id, const StreamConfig& config, const CatalogLookup& catalog)
    : id_(id),
      config_(config),
      catalog_(catalog),
      sales_(SalesOptions(config), id),
      anomalies_(AnomalyOptions(config), catalog),
      sessions_({.gap = config.session_gap, .cart_timeout = config.cart_timeout}, catalog, id),
      inventory_({.low = config.low_stock_threshold, .critical = config.critical_stock_threshold},
                 catalog, id) {}

Task::~Task() = default;

bool Task::IsDuplicate(events::Topic topic, uint64_t id_hash, Micros event_time,
                       Micros source_watermark) {
  return dedup_[static_cast<int>(topic)].CheckAndRemember(
      id_hash, event_time, Cutoff(source_watermark, config_.dedup_horizon));
}

void Task::ExpireDedup(events::Topic topic, Micros source_watermark) {
  const Micros cutoff = Cutoff(source_watermark, config_.dedup_horizon);
  if (cutoff != kNoTime) dedup_[static_cast<int>(topic)].Expire(cutoff);
}

void Task::AddTransaction(events::Transaction& tx, const OrderKey& key, bool late,
                          CheckpointBatch& batch) {
  const StreamProcessors& on = config_.processors;
  if (on.archive) AppendArchiveRows(tx, catalog_, batch.transactions, batch.transaction_items);
  if (on.sales && !late) sales_.Add(tx, catalog_);
  // Scoring and sessions (and through them, stock) apply transactions in order.
  if (on.anomalies || on.sessions) Queue(key, late, transactions_.Take(tx));
}

void Task::AddView(events::ProductView& view, const OrderKey& key) {
  Queue(key, false, views_.Take(view));
}

void Task::AddCart(events::CartEvent& cart, const OrderKey& key) {
  Queue(key, false, carts_.Take(cart));
}

void Task::Queue(const OrderKey& key, bool late, size_t slot) {
  queue_.push({.key = key, .late = late, .slot = slot, .seq = next_seq_++});
}

void Task::AddInventoryUpdate(events::InventoryUpdate& update, const OrderKey& key) {
  stock_queue_.push(
      {.key = key, .sub = 0, .is_update = true, .slot = inventory_updates_.Take(update)});
}

void Task::AddStockChange(const StockChange& change) {
  stock_queue_.push({.key = change.key,
                     .sub = change.sub,
                     .is_update = false,
                     .slot = stock_changes_.Put(change)});
}

bool Task::AcceptStockChange(const StockChange& change) {
  if (!inbox_.Admit({change.key, change.sub}, inventory_watermark_)) return false;
  AddStockChange(change);
  return true;
}

namespace {

// Merges the changes one event caused to one product (a purchase's sale and the release of
// its reservation, an abandoned cart's re-reservation and change), so stock moves — and
// alerts are checked — once per event and product. `from` is where the event's changes
// begin in `changes`; those of timers it fired (other keys) stay as they are.
void MergePerProduct(std::vector<StockChange>& changes, size_t from, const OrderKey& key) {
  size_t kept = from;
  for (size_t i = from; i < changes.size(); ++i) {
    StockChange& c = changes[i];
    if (c.key == key) {
      auto same = std::find_if(
          changes.begin() + static_cast<ptrdiff_t>(from),
          changes.begin() + static_cast<ptrdiff_t>(kept),
          [&](const StockChange& k) { return k.key == key && k.product_id == c.product_id; });
      if (same != changes.begin() + static_cast<ptrdiff_t>(kept)) {
        same->sold += c.sold;
        same->reserved += c.reserved;
        continue;
      }
    }
    if (kept != i) changes[kept] = std::move(c);
    ++kept;
  }
  changes.resize(kept);
  // A product whose stock and reservation did not move saw no change (e.g. an abandoned
  // cart's line re-reserved and removed by one event).
  const auto first = changes.begin() + static_cast<ptrdiff_t>(from);
  changes.erase(std::remove_if(first, changes.end(),
                               [&](const StockChange& c) {
                                 return c.key == key && c.sold == 0 && c.reserved == 0;
                               }),
                changes.end());
  uint32_t sub = 0;
  for (auto it = changes.begin() + static_cast<ptrdiff_t>(from); it != changes.end(); ++it) {
    if (it->key == key) it->sub = sub++;
  }
}

}  // namespace

void Task::Prefetch(const Pending& p, AnomalyDetector::Lookahead step) const {
  if (static_cast<events::Topic>(p.key.topic) == events::Topic::kTransactions &&
      config_.processors.anomalies) {
    anomalies_.Prefetch(transactions_[p.slot], step);
  }
}

void Task::Apply(const Pending& p, CheckpointBatch& batch) {
  SessionTracker::Output out{batch.sessions, batch.cart_abandonments, outbox_};
  const size_t first_change = outbox_.size();
  switch (static_cast<events::Topic>(p.key.topic)) {
    case events::Topic::kTransactions: {
      const events::Transaction& tx = transactions_[p.slot];
      const StreamProcessors& on = config_.processors;
      if (on.anomalies) {
        anomaly_scratch_.clear();
        anomalies_.Score(tx, p.key.effective_time, anomaly_scratch_);
        for (AnomalyRow& row : anomaly_scratch_) {
          batch.anomalies.push_back(std::move(row));
          ++anomalies_written_;
        }
      }
      if (on.sessions && !p.late) sessions_.OnTransaction(tx, p.key, out);
      for (const events::LineItem& item : tx.products) {
        if (!on.inventory) break;
        StockChange& c = outbox_.emplace_back();
        c.key = p.key;
        c.product_id = item.product_id;
        c.category = std::string(ItemCategory(item, catalog_));
        c.sold = item.quantity;
      }
      transactions_.Free(p.slot);
      break;
    }
    case events::Topic::kProductViews:
      sessions_.OnView(views_[p.slot], p.key, out);
      views_.Free(p.slot);
      break;
    case events::Topic::kCartEvents:
      sessions_.OnCart(carts_[p.slot], p.key, out);
      carts_.Free(p.slot);
      break;
    case events::Topic::kInventoryUpdates:
      break;  // never queued here
  }
  MergePerProduct(outbox_, first_change, p.key);
}

void Task::Advance(Micros watermark, CheckpointBatch& batch) {
  if (watermark > watermark_) watermark_ = watermark;
  ready_.clear();
  while (!queue_.empty() && queue_.top().key.effective_time < watermark_) {
    const Pending p = queue_.top();
    queue_.pop();
    // An event the last snapshot holds as pending: the next incremental one removes it.
    if (p.seq < saved_seq_) applied_.push_back(p.key);
    ready_.push_back(p);
  }
  // In order, loading the state of transactions a few ahead while applying one (the
  // users' and customers' tables are far larger than the cache).
  constexpr size_t kFar = 8, kNear = 4;
  for (size_t i = 0; i < ready_.size(); ++i) {
    if (i + kFar < ready_.size()) Prefetch(ready_[i + kFar], AnomalyDetector::Lookahead::kFar);
    if (i + kNear < ready_.size()) Prefetch(ready_[i + kNear], AnomalyDetector::Lookahead::kNear);
    Apply(ready_[i], batch);
  }
  SessionTracker::Output out{batch.sessions, batch.cart_abandonments, outbox_};
  sessions_.AdvanceTo(watermark_, out);
}

void Task::AdvanceInventory(Micros watermark, CheckpointBatch& batch) {
  if (watermark > inventory_watermark_) inventory_watermark_ = watermark;
  InventoryTracker::Output out{batch.low_stock_alerts};
  while (!stock_queue_.empty() && stock_queue_.top().key.effective_time < inventory_watermark_) {
    const StockPending p = stock_queue_.top();
    stock_queue_.pop();
    if (p.is_update) {
      inventory_.ApplyUpdate(inventory_updates_[p.slot], p.key.effective_time, out);
      inventory_updates_.Free(p.slot);
    } else {
      inventory_.ApplyChange(stock_changes_[p.slot], out);
      stock_changes_.Free(p.slot);
    }
  }
  if (inbox_.pending() > 0) inbox_.Forget(inventory_watermark_);
}

void Task::CollectLive(CheckpointBatch& batch, Micros now, Micros session_live_interval) {
  sales_.Collect(watermark_, batch.sales);
  // Expiry walks the users, so it runs once per checkpoint rather than per poll.
  if (watermark_ != kNoTime) anomalies_.Expire(watermark_);
  sessions_.CollectOpen(batch.sessions, now, session_live_interval);
  inventory_.Collect(batch.inventory);
}

namespace {

void SaveKey(SnapshotWriter& w, const OrderKey& key) {
  w.I64(key.effective_time);
  w.U8(key.topic);
  w.I64(key.partition);
  w.I64(key.offset);
}

OrderKey LoadKey(SnapshotReader& r) {
  OrderKey key;
  key.effective_time = r.I64();
  key.topic = r.U8();
  key.partition = static_cast<int32_t>(r.I64());
  key.offset = r.I64();
  return key;
}

// Drains a copy of a heap in order (snapshots list pending work in the order it applies).
template <typename Heap, typename Fn>
void ForEachInOrder(Heap heap, Fn fn) {
  while (!heap.empty()) {
    fn(heap.top());
    heap.pop();
  }
}

}  // namespace

void Task::SavePending(SnapshotWriter& w, const Pending& p, std::string& json) const {
  SaveKey(w, p.key);
  w.U8(p.late);
  json.clear();
  switch (static_cast<events::Topic>(p.key.topic)) {
    case events::Topic::kTransactions:
      events::EncodeTransaction(transactions_[p.slot], json);
      break;
    case events::Topic::kProductViews:
      events::EncodeProductView(views_[p.slot], json);
      break;
    case events::Topic::kCartEvents:
      events::EncodeCartEvent(carts_[p.slot], json);
      break;
    case events::Topic::kInventoryUpdates:
      break;
  }
  w.Bytes(json);
}

Status Task::LoadPending(SnapshotReader& r, bool v1, events::Decoder& decoder,
                         events::Event& event) {
  const OrderKey key = LoadKey(r);
  const bool late = v1 ? false : r.U8() != 0;
  const auto topic = static_cast<events::Topic>(key.topic);
  Status s = decoder.Decode(topic, r.Bytes(), event);
  if (!s.ok()) return InvalidArgument("snapshot holds an undecodable event: " + s.message());
  size_t slot = 0;
  switch (topic) {
    case events::Topic::kTransactions:
      slot = transactions_.Take(event.transaction);
      break;
    case events::Topic::kProductViews:
      slot = views_.Take(event.view);
      break;
    case events::Topic::kCartEvents:
      slot = carts_.Take(event.cart);
      break;
    case events::Topic::kInventoryUpdates:
      return InvalidArgument("snapshot holds an inventory update in the user stage");
  }
  Queue(key, late, slot);
  return Status::Ok();
}

bool Task::FullSnapshotDue() const { return !has_base_; }

bool Task::CompactionDue() const {
  return has_base_ && ((changes_bytes_ >= base_bytes_ && changes_bytes_ >= kMinCompactionBytes) ||
                       changes_since_base_ >= kMaxChangesBetweenFull);
}

void Task::Save(const std::vector<ClockEntry>& clocks, std::string& out, bool full) {
  const size_t start = out.size();
  SnapshotWriter w(out);
  w.U8(full ? kSnapshotVersion : kChangesFormat);
  w.I64(id_);
  w.I64(watermark_);
  w.I64(inventory_watermark_);
  w.U32(static_cast<uint32_t>(clocks.size()));
  for (const ClockEntry& c : clocks) {
    w.Bytes(c.topic);
    w.I64(c.partition);
    w.I64(c.max_seen);
  }
  for (const DedupSet& d : dedup_) {
    if (full) {
      d.Save(w);
    } else {
      d.SaveChanges(w);
    }
  }
  // Pending events as their JSON encoding (the codec round-trips exactly): all of them, or
  // the keys of those applied since the last snapshot and the ones queued since.
  std::string json;
  if (full) {
    w.U32(static_cast<uint32_t>(queue_.size()));
    ForEachInOrder(queue_, [&](const Pending& p) { SavePending(w, p, json); });
  } else {
    w.U32(static_cast<uint32_t>(applied_.size()));
    for (const OrderKey& key : applied_) SaveKey(w, key);
    uint32_t queued = 0;
    queue_.ForEachUnordered([&](const Pending& p) { queued += p.seq >= saved_seq_ ? 1 : 0; });
    w.U32(queued);
    queue_.ForEachUnordered([&](const Pending& p) {
      if (p.seq >= saved_seq_) SavePending(w, p, json);
    });
  }
  applied_.clear();
  saved_seq_ = next_seq_;
  w.U32(static_cast<uint32_t>(stock_queue_.size()));
  ForEachInOrder(stock_queue_, [&](const StockPending& p) {
    SaveKey(w, p.key);
    w.U32(p.sub);
    w.U8(p.is_update);
    if (p.is_update) {
      json.clear();
      events::EncodeInventoryUpdate(inventory_updates_[p.slot], json);
      w.Bytes(json);
    } else {
      const StockChange& c = stock_changes_[p.slot];
      w.Bytes(c.product_id);
      w.Bytes(c.category);
      w.I64(c.sold);
      w.I64(c.reserved);
    }
  });
  sales_.Save(w);
  if (full) {
    anomalies_.Save(w);
    sessions_.Save(w);
    inventory_.Save(w);
  } else {
    anomalies_.SaveChanges(w);
    sessions_.SaveChanges(w);
    inventory_.SaveChanges(w);
  }
  inbox_.Save(w);  // small: whole in both kinds
  // From here on the processors record changes against this snapshot.
  for (DedupSet& d : dedup_) d.ClearChanges();
  anomalies_.ClearChanges();
  sessions_.ClearChanges();
  inventory_.ClearChanges();
  const size_t bytes = out.size() - start;
  if (!full) {
    ++snapshot_number_;
  } else if (!has_base_) {
    snapshot_number_ = 0;
  }
  if (full) {
    has_base_ = true;
    base_bytes_ = bytes;
    changes_bytes_ = 0;
    changes_since_base_ = 0;
  } else {
    changes_bytes_ += bytes;
    ++changes_since_base_;
  }
}

Status Task::Restore(std::string_view snapshot, const std::vector<std::string>& changes,
                     std::vector<ClockEntry>& clocks) {
  if (Status s = RestoreOne(snapshot, /*changes=*/false, clocks); !s.ok()) return s;
  for (const std::string& c : changes) {
    if (Status s = RestoreOne(c, /*changes=*/true, clocks); !s.ok()) return s;
  }
  // The next checkpoint writes the whole state: what was restored becomes its base.
  has_base_ = false;
  return Status::Ok();
}

Status Task::RestoreOne(std::string_view snapshot, bool changes, std::vector<ClockEntry>& clocks) {
  SnapshotReader r(snapshot);
  const uint8_t version = r.U8();
  if (changes != (version == kChangesFormat)) {
    return InvalidArgument("task " + std::to_string(id_) +
                           (changes ? ": incremental snapshot expected, found a full one"
                                    : ": full snapshot expected, found an incremental one"));
  }
  // Version 1 (before sessions, carts and inventory) restores with those empty; version 2
  // (before the re-partition topic) with no upstream watermarks.
  const bool v1 = version == 1;
  if (!changes && (version < 1 || version > kSnapshotVersion)) {
    return InvalidArgument("task " + std::to_string(id_) +
                           ": snapshot of an unknown format version (written by another "
                           "release?)");
  }
  if (r.I64() != id_) return InvalidArgument("snapshot of another task");
  watermark_ = r.I64();
  inventory_watermark_ = v1 ? kNoTime : r.I64();
  clocks.clear();
  const uint32_t n_clocks = r.U32();
  for (uint32_t i = 0; i < n_clocks && r.status().ok(); ++i) {
    ClockEntry c;
    c.topic = std::string(r.Bytes());
    c.partition = static_cast<int32_t>(r.I64());
    c.max_seen = r.I64();
    clocks.push_back(std::move(c));
  }
  for (DedupSet& d : dedup_) {
    if (Status s = changes ? d.ApplyChanges(r) : d.Restore(r); !s.ok()) return s;
  }
  events::Decoder decoder(64 << 20);
  events::Event event;
  if (changes) {
    // Drop the pending events applied since the previous snapshot, then queue the new ones.
    const uint32_t n_applied = r.U32();
    std::set<OrderKey> applied;
    for (uint32_t i = 0; i < n_applied && r.status().ok(); ++i) applied.insert(LoadKey(r));
    std::vector<Pending> kept;
    kept.reserve(queue_.size());
    while (!queue_.empty()) {
      const Pending p = queue_.top();
      queue_.pop();
      if (applied.count(p.key) == 0) {
        kept.push_back(p);
        continue;
      }
      switch (static_cast<events::Topic>(p.key.topic)) {
        case events::Topic::kTransactions:
          transactions_.Free(p.slot);
          break;
        case events::Topic::kProductViews:
          views_.Free(p.slot);
          break;
        case events::Topic::kCartEvents:
          carts_.Free(p.slot);
          break;
        case events::Topic::kInventoryUpdates:
          break;
      }
    }
    for (const Pending& p : kept) queue_.push(p);
  } else {
    queue_ = {};
    transactions_.Clear();
    views_.Clear();
    carts_.Clear();
  }
  stock_queue_ = {};
  stock_changes_.Clear();
  inventory_updates_.Clear();
  outbox_.clear();
  inbox_.Clear();
  applied_.clear();
  const uint32_t n_pending = r.U32();
  for (uint32_t i = 0; i < n_pending && r.status().ok(); ++i) {
    if (Status s = LoadPending(r, v1, decoder, event); !s.ok()) return s;
  }
  saved_seq_ = next_seq_;
  const uint32_t n_stock = v1 ? 0 : r.U32();
  for (uint32_t i = 0; i < n_stock && r.status().ok(); ++i) {
    StockPending p;
    p.key = LoadKey(r);
    p.sub = r.U32();
    p.is_update = r.U8() != 0;
    if (p.is_update) {
      Status s = decoder.Decode(events::Topic::kInventoryUpdates, r.Bytes(), event);
      if (!s.ok()) return InvalidArgument("snapshot holds an undecodable event: " + s.message());
      p.slot = inventory_updates_.Take(event.inventory);
    } else {
      StockChange c;
      c.key = p.key;
      c.sub = p.sub;
      c.product_id = std::string(r.Bytes());
      c.category = std::string(r.Bytes());
      c.sold = r.I64();
      c.reserved = r.I64();
      p.slot = stock_changes_.Take(c);
      inbox_.Remember({p.key, p.sub});
    }
    stock_queue_.push(p);
  }
  if (Status s = sales_.Restore(r); !s.ok()) return s;
  if (changes) {
    if (Status s = anomalies_.ApplyChanges(r); !s.ok()) return s;
    if (Status s = sessions_.ApplyChanges(r); !s.ok()) return s;
    if (Status s = inventory_.ApplyChanges(r); !s.ok()) return s;
  } else {
    if (Status s = anomalies_.Restore(r); !s.ok()) return s;
    if (!v1) {
      if (Status s = sessions_.Restore(r); !s.ok()) return s;
      if (Status s = inventory_.Restore(r); !s.ok()) return s;
    }
  }
  if (changes || version >= 3) {
    if (Status s = inbox_.Restore(r); !s.ok()) return s;
  }
  if (!r.status().ok()) return r.status();
  if (!r.at_end()) return InvalidArgument("task snapshot has trailing bytes");
  return Status::Ok();
}

}  // namespace gm::stream::internal
