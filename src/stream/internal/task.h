#pragma once

#include <compare>
#include <cstdint>
#include <deque>
#include <memory>
#include <queue>
#include <string>
#include <string_view>
#include <vector>

#include "common/config.h"
#include "common/status.h"
#include "common/time.h"
#include "events/codec.h"
#include "events/event.h"
#include "stream/catalog_lookup.h"
#include "stream/checkpoint_store.h"
#include "stream/event_order.h"
#include "stream/internal/dedup_set.h"
#include "stream/internal/stock_inbox.h"
#include "stream/processors/anomaly_detector.h"
#include "stream/processors/inventory.h"
#include "stream/processors/sales_windows.h"
#include "stream/processors/sessions.h"

namespace gm::stream::internal {

//! The high-water event time of one source partition, saved with the tasks reading it.
struct ClockEntry {
  std::string topic;
  int32_t partition = 0;
  Micros max_seen = kNoTime;
};

//! A pool of reusable event bodies addressed by index, so queuing events does not
//! allocate once warm (a reused slot keeps its strings' capacity).
template <typename T>
class SlotPool {
 public:
  //! Copies `value` into a slot (reusing a free slot's capacity).
  size_t Put(const T& value) {
    const size_t slot = Acquire();
    slots_[slot] = value;
    return slot;
  }
  //! Puts `value` by swapping it with a free slot's old content: no copy, and the caller,
  //! which fills `value` again (a decoder), gets the old strings' capacity back.
  size_t Take(T& value) {
    const size_t slot = Acquire();
    std::swap(slots_[slot], value);
    return slot;
  }
  T& operator[](size_t slot) { return slots_[slot]; }
  const T& operator[](size_t slot) const { return slots_[slot]; }
  void Free(size_t slot) { free_.push_back(slot); }
  void Clear() {
    slots_.clear();
    free_.clear();
  }

 private:
  size_t Acquire() {
    if (free_.empty()) {
      slots_.emplace_back();
      return slots_.size() - 1;
    }
    const size_t slot = free_.back();
    free_.pop_back();
    return slot;
  }

  std::vector<T> slots_;
  std::vector<size_t> free_;
};

//! A min-queue by T's operator> for keys that mostly arrive in ascending order (one
//! source partition's events, in file or offset order, are mostly in time order): those
//! append to a sorted run in O(1); only the others (late or reordered ones) go to a heap.
//! top() is the smaller of the two fronts, so the order is the same as one heap's.
template <typename T>
class MostlySortedQueue {
 public:
  void push(const T& v) {
    if (run_.empty() || !(run_.back() > v)) {
      run_.push_back(v);
    } else {
      heap_.push(v);
    }
  }
  bool empty() const { return run_.empty() && heap_.empty(); }
  size_t size() const { return run_.size() + heap_.size(); }
  //! REQUIRES: !empty().
  const T& top() const {
    if (heap_.empty()) return run_.front();
    if (run_.empty()) return heap_.top();
    return heap_.top() > run_.front() ? run_.front() : heap_.top();
  }
  //! REQUIRES: !empty().
  void pop() {
    if (heap_.empty() || (!run_.empty() && heap_.top() > run_.front())) {
      run_.pop_front();
    } else {
      heap_.pop();
    }
  }
  //! Calls fn(element) for every element, in no particular order.
  template <typename Fn>
  void ForEachUnordered(Fn&& fn) const {
    for (const T& v : run_) fn(v);
    // A copy-free walk over the heap's vector (priority_queue keeps it protected).
    struct Peek : std::priority_queue<T, std::vector<T>, std::greater<>> {
      static const std::vector<T>& Of(
          const std::priority_queue<T, std::vector<T>, std::greater<>>& q) {
        return q.*&Peek::c;
      }
    };
    for (const T& v : Peek::Of(heap_)) fn(v);
  }

 private:
  std::deque<T> run_;  //!< ascending
  std::priority_queue<T, std::vector<T>, std::greater<>> heap_;
};

//! All state of one task — one partition number: the user-keyed state of that partition's
//! users (dedup sets, sales windows, anomaly baselines, sessions and carts) and the stock of
//! the products that hash to it — plus the events waiting for the watermark to apply them
//! in order. Owned and used by one worker thread.
//!
//! Two stages, as DESIGN.md §6 Scale-out describes: the user stage applies transactions,
//! views and cart events in OrderKey order once the task's watermark passes them and emits
//! StockChanges (sales, reservations) into its outbox; the worker routes them to the task
//! owning each product, whose inventory stage applies them — and the product's inventory
//! updates — in (OrderKey, sub) order once every task has passed them.
class Task {
 public:
  Task(int32_t id, const StreamConfig& config, const CatalogLookup& catalog);
  ~Task();
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;

  int32_t id() const { return id_; }
  //! The user stage's watermark: everything with a lower effective time has been applied
  //! (and its stock changes emitted).
  Micros watermark() const { return watermark_; }

  //! Whether an event with this id of `topic` is a duplicate (DedupSet semantics, with
  //! the cutoff = source watermark − dedup horizon); remembers it if not.
  bool IsDuplicate(events::Topic topic, std::string_view id, Micros event_time,
                   Micros source_watermark) {
    return IsDuplicate(topic, IdHash(id), event_time, source_watermark);
  }
  //! The same for an id given by its IdHash.
  bool IsDuplicate(events::Topic topic, uint64_t id_hash, Micros event_time,
                   Micros source_watermark);
  //! Starts loading what IsDuplicate(topic, id_hash, ...) will read first.
  void PrefetchDuplicate(events::Topic topic, uint64_t id_hash) const {
    dedup_[static_cast<int>(topic)].Prefetch(id_hash);
  }
  //! Drops dedup entries of `topic` that the source watermark made irrelevant.
  void ExpireDedup(events::Topic topic, Micros source_watermark);

  // The Add* calls take the event's content (SlotPool::Take): the caller's event is left
  // with other content, to be overwritten by its next decode.

  //! A distinct transaction: archived now; added to the sales windows unless late;
  //! queued for in-order scoring, sessions (unless late) and stock at key.effective_time.
  void AddTransaction(events::Transaction& tx, const OrderKey& key, bool late,
                      CheckpointBatch& batch);
  //! A distinct product view or cart event that is not late (late ones are left out of
  //! sessions and carts), queued for in-order application.
  void AddView(events::ProductView& view, const OrderKey& key);
  void AddCart(events::CartEvent& cart, const OrderKey& key);
  //! A distinct inventory update of a product this task owns (late ones included).
  void AddInventoryUpdate(events::InventoryUpdate& update, const OrderKey& key);
  //! A stock change routed here from a user stage (possibly this task's).
  void AddStockChange(const StockChange& change);
  //! A stock change read from the re-partition topic (Kafka): added unless the inbox
  //! knows its position already (a restarted upstream sent it again). Whether it was added.
  bool AcceptStockChange(const StockChange& change);
  //! The product stage's view of the re-partition topic: upstream watermarks, dedup.
  StockInbox& inbox() { return inbox_; }

  //! Raises the user stage's watermark to `watermark` (never lowers it) and applies the
  //! queued events whose effective time is below it, in OrderKey order, and the timers due.
  void Advance(Micros watermark, CheckpointBatch& batch);
  //! Stock changes emitted since the last call, for the worker to route.
  std::vector<StockChange>& outbox() { return outbox_; }

  //! Raises the inventory stage's watermark and applies the stock work below it.
  void AdvanceInventory(Micros watermark, CheckpointBatch& batch);

  //! Appends the live rows changed since the last call: sales (closing windows the
  //! watermark passed), inventory, and the open sessions that changed at least
  //! `session_live_interval` ago by the wall clock `now` (SessionTracker::CollectOpen).
  void CollectLive(CheckpointBatch& batch, Micros now, Micros session_live_interval);

  //! Appends a snapshot to `out`: with `full`, the task's whole state; else only what
  //! changed since the previous Save (the small state whole, and the dedup sightings,
  //! users, sessions and products added, changed or removed) — restored by applying it
  //! over the snapshots before it. Either way with the clocks of its source partitions,
  //! and from then on changes are recorded against this snapshot. A full Save right after
  //! an incremental one is the same state: what a compaction stores in place of both.
  //! REQUIRES: the outbox is empty (routed); every Save is committed in order, or the
  //! task is dropped (a failed commit ends the worker).
  void Save(const std::vector<ClockEntry>& clocks, std::string& out, bool full = true);
  //! Whether the next Save must be full: none since the task was created or restored.
  bool FullSnapshotDue() const;
  //! Whether the changes saved since the last full snapshot add up to its size (or are
  //! many): time for a compaction (a full Save after the checkpoint's incremental one,
  //! stored off the checkpoint path by CheckpointStore::Compact).
  bool CompactionDue() const;
  //! The number of the last snapshot saved (CheckpointBatch::snapshot_numbers): 0 for the
  //! first, full one since the task was created or restored, +1 for each incremental one.
  int64_t snapshot_number() const { return snapshot_number_; }
  //! Replaces the state with a full snapshot's, then applies `changes` (incremental
  //! snapshots saved after it, in order); `clocks` receives the saved source clocks.
  Status Restore(std::string_view snapshot, const std::vector<std::string>& changes,
                 std::vector<ClockEntry>& clocks);
  Status Restore(std::string_view snapshot, std::vector<ClockEntry>& clocks) {
    return Restore(snapshot, {}, clocks);
  }

  int64_t anomalies_written() const { return anomalies_written_; }
  //! What the processors met since the last call that the catalog lacks (DESIGN.md §5):
  //! products that started being tracked, transactions of unknown customers.
  struct CatalogMisses {
    int64_t products = 0;
    int64_t customers = 0;
  };
  CatalogMisses TakeCatalogMisses() {
    return {inventory_.TakeProductsMissingFromCatalog(), anomalies_.TakeUnknownCustomers()};
  }
  size_t pending() const { return queue_.size(); }

 private:
  struct Pending {
    OrderKey key;
    bool late = false;  //!< a late transaction: scored and sold, not in sessions
    size_t slot;        //!< into the pool of key.topic
    uint64_t seq = 0;   //!< order of queuing (next_seq_), for incremental snapshots
    bool operator>(const Pending& o) const { return key > o.key; }
  };
  struct StockPending {
    OrderKey key;
    uint32_t sub = 0;
    bool is_update = false;  //!< an inventory update (else a StockChange)
    size_t slot;
    bool operator>(const StockPending& o) const {
      if (key != o.key) return key > o.key;
      return sub > o.sub;
    }
  };

  void Apply(const Pending& p, CheckpointBatch& batch);
  //! Loads ahead what applying `p` will read (AnomalyDetector::Prefetch).
  void Prefetch(const Pending& p, AnomalyDetector::Lookahead step) const;
  void Queue(const OrderKey& key, bool late, size_t slot);
  //! Writes one pending user-stage event (its key, late flag and JSON encoding).
  void SavePending(SnapshotWriter& w, const Pending& p, std::string& json) const;
  //! Reads what SavePending wrote and queues it.
  Status LoadPending(SnapshotReader& r, bool v1, events::Decoder& decoder, events::Event& event);
  //! Restores a full snapshot, or applies an incremental one (`changes`).
  Status RestoreOne(std::string_view snapshot, bool changes, std::vector<ClockEntry>& clocks);

  int32_t id_;
  const StreamConfig& config_;
  const CatalogLookup& catalog_;
  Micros watermark_ = kNoTime;
  Micros inventory_watermark_ = kNoTime;
  DedupSet dedup_[events::kTopicCount];
  SalesWindows sales_;
  AnomalyDetector anomalies_;
  SessionTracker sessions_;
  InventoryTracker inventory_;
  StockInbox inbox_;
  //! User-stage events waiting for the watermark, in a min-heap by OrderKey.
  MostlySortedQueue<Pending> queue_;
  std::vector<Pending> ready_;  //!< scratch of Advance: the events due, in order
  SlotPool<events::Transaction> transactions_;
  SlotPool<events::ProductView> views_;
  SlotPool<events::CartEvent> carts_;
  //! Inventory-stage work waiting for its watermark, in a min-heap by (OrderKey, sub).
  //! (Changes come from every task's user stage, interleaved: a plain heap does best.)
  std::priority_queue<StockPending, std::vector<StockPending>, std::greater<>> stock_queue_;
  SlotPool<StockChange> stock_changes_;
  SlotPool<events::InventoryUpdate> inventory_updates_;
  std::vector<StockChange> outbox_;
  std::vector<AnomalyRow> anomaly_scratch_;
  int64_t anomalies_written_ = 0;
  // Incremental snapshots of the user-stage queue: events queued since the last Save have
  // seq ≥ saved_seq_; applied_ holds the keys of events applied since that were in it.
  uint64_t next_seq_ = 0;
  uint64_t saved_seq_ = 0;
  std::vector<OrderKey> applied_;
  // Incremental snapshots: whether a full one was saved since the task was created or
  // restored, its size, and the incremental ones saved since.
  bool has_base_ = false;
  size_t base_bytes_ = 0;
  size_t changes_bytes_ = 0;
  int changes_since_base_ = 0;
  int64_t snapshot_number_ = 0;
};

}  // namespace gm::stream::internal
