#pragma once

#include <compare>
#include <cstdint>
#include <memory>
#include <queue>
#include <string>
#include <string_view>
#include <vector>

#include "common/config.h"
#include "common/status.h"
#include "common/time.h"
#include "events/event.h"
#include "stream/catalog_lookup.h"
#include "stream/checkpoint_store.h"
#include "stream/internal/dedup_set.h"
#include "stream/processors/anomaly_detector.h"
#include "stream/processors/sales_windows.h"

namespace gm::stream::internal {

inline constexpr Micros kNoTime = INT64_MIN;

//! An event's place in the order of DESIGN.md §6: (effective time, topic, partition,
//! offset). For a file source, topic and partition are the same for every line.
struct OrderKey {
  Micros effective_time = 0;
  uint8_t topic = 0;
  int32_t partition = 0;
  int64_t offset = 0;
  auto operator<=>(const OrderKey&) const = default;
};

//! The high-water event time of one source partition, saved with the tasks reading it.
struct ClockEntry {
  std::string topic;
  int32_t partition = 0;
  Micros max_seen = kNoTime;
};

//! All state of one task (one partition number of the user-keyed topics, or one key shard
//! of a file): dedup sets, the processors, and the events waiting for the watermark to
//! apply them in order. Owned and used by one worker thread.
class Task {
 public:
  Task(int32_t id, const StreamConfig& config, const CatalogLookup& catalog);
  ~Task();
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;

  int32_t id() const { return id_; }
  //! The task's watermark: everything with a lower effective time has been applied.
  Micros watermark() const { return watermark_; }

  //! Whether an event with this id of `topic` is a duplicate (DedupSet semantics, with
  //! the cutoff = source watermark − dedup horizon); remembers it if not.
  bool IsDuplicate(events::Topic topic, std::string_view id, Micros event_time,
                   Micros source_watermark);
  //! Drops dedup entries of `topic` that the source watermark made irrelevant.
  void ExpireDedup(events::Topic topic, Micros source_watermark);

  //! A distinct transaction: archived now; added to the sales windows unless late;
  //! queued for in-order anomaly scoring at key.effective_time.
  void AddTransaction(const events::Transaction& tx, const OrderKey& key, bool late,
                      CheckpointBatch& batch);

  //! Raises the watermark to `watermark` (never lowers it) and applies the queued events
  //! whose effective time is below it, in OrderKey order.
  void Advance(Micros watermark, CheckpointBatch& batch);

  //! Appends the sales rows changed since the last call, closing windows the watermark
  //! passed.
  void CollectSales(CheckpointBatch& batch);

  //! The task's whole state plus the clocks of its source partitions.
  void Save(const std::vector<ClockEntry>& clocks, std::string& out) const;
  //! Replaces the state with a snapshot's; `clocks` receives the saved source clocks.
  Status Restore(std::string_view snapshot, std::vector<ClockEntry>& clocks);

  int64_t anomalies_written() const { return anomalies_written_; }
  size_t pending() const { return queue_.size(); }

 private:
  struct Pending {
    OrderKey key;
    size_t slot;  //!< index into slots_
    bool operator>(const Pending& o) const { return key > o.key; }
  };

  int32_t id_;
  const StreamConfig& config_;
  const CatalogLookup& catalog_;
  Micros watermark_ = kNoTime;
  DedupSet dedup_[events::kTopicCount];
  SalesWindows sales_;
  AnomalyDetector anomalies_;
  //! Transactions waiting for the watermark, in a min-heap by OrderKey; their bodies live
  //! in slots_ (reused through free_slots_, so queuing does not allocate once warm).
  std::priority_queue<Pending, std::vector<Pending>, std::greater<>> queue_;
  std::vector<events::Transaction> slots_;
  std::vector<size_t> free_slots_;
  std::vector<AnomalyRow> anomaly_scratch_;
  int64_t anomalies_written_ = 0;
};

}  // namespace gm::stream::internal
