#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <utility>

#include "common/status.h"
#include "stream/event_order.h"
#include "stream/snapshot.h"

namespace gm::stream::internal {

//! Where one stock change comes from: its cause's OrderKey and its place among the changes
//! that cause produced (StockChange::sub). Unique per change, and the same when a
//! restarted upstream task emits the change again.
struct StockPosition {
  OrderKey key;
  uint32_t sub = 0;
  auto operator<=>(const StockPosition&) const = default;
};

//! The product stage's view of the re-partition topic (Kafka; DESIGN.md §6 Scale-out):
//! the latest watermark each upstream task published, and which changes were received,
//! so that changes a restarted upstream task sends again are dropped.
//!
//! A change is a duplicate when its position is below the product stage's watermark (an
//! upstream publishes a watermark only after every change below it, in the same partition,
//! so the stage has seen them all and applied them), or equal to one received and still
//! pending. Relies on upstream tasks never emitting a change below a watermark they
//! published — true for input on the broker before the run; with live idle advance (the
//! wall clock moving a watermark past data that arrives later) such a change is dropped.
//! Owned by one task; not thread-safe.
class StockInbox {
 public:
  //! Records that `upstream` has sent every change below `watermark`. Never lowers it: a
  //! restarted upstream publishes its restored (older) watermark again.
  void OnWatermark(int32_t upstream, Micros watermark);
  //! The lowest watermark over upstream tasks 0..tasks−1; kNoTime while one has published
  //! none. Every change below it has been received.
  Micros LowWatermark(int32_t tasks) const;
  //! Whether a change at `position` is new, given the product stage's current watermark
  //! `applied_below`; remembers it when it is (until Forget passes it).
  bool Admit(const StockPosition& position, Micros applied_below);
  //! Remembers a pending change without checking (restoring a snapshot's pending work).
  void Remember(const StockPosition& position) { pending_.insert(position); }
  //! Forgets positions below `applied_below`: the watermark rule covers them now.
  void Forget(Micros applied_below);

  size_t pending() const { return pending_.size(); }
  //! Appends the upstream watermarks (the pending positions are the task's pending work,
  //! saved by the task and given back through Remember).
  void Save(SnapshotWriter& w) const;
  //! Replaces the upstream watermarks with a snapshot's (positions are left as they are).
  Status Restore(SnapshotReader& r);
  void Clear();

 private:
  std::map<int32_t, Micros> upstream_;
  std::set<StockPosition> pending_;
};

}  // namespace gm::stream::internal
