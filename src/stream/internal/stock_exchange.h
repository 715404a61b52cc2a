#pragma once

#include <algorithm>
#include <cstdint>
#include <mutex>
#include <vector>

#include "bus/partitioner.h"
#include "stream/event_order.h"
#include "stream/rows.h"

namespace gm::stream::internal {

//! The in-process re-partitioning of stock work by product (DESIGN.md §6 Scale-out) for the
//! sources whose tasks all live in one process (a file, the memory bus): user stages hand
//! their StockChanges to the task owning each product (PartitionForKey(product_id)) and
//! publish their watermarks; an inventory stage may apply what is below the lowest of them.
//! Thread-safe. Changes handed over and not yet applied live only here, so they are not in
//! any checkpoint: with several workers a crash loses them (the memory bus does not replay
//! anyway); with one worker (a file) Send, Receive and the checkpoint happen in sequence on
//! one thread, so nothing is in flight at a checkpoint.
class StockExchange {
 public:
  explicit StockExchange(int32_t tasks)
      : inboxes_(static_cast<size_t>(tasks)), watermarks_(static_cast<size_t>(tasks), kNoTime) {}

  //! Moves `changes` (emptied) to their products' tasks, then publishes that `from_task`
  //! has emitted everything below `watermark`.
  void Send(std::vector<StockChange>& changes, int32_t from_task, Micros watermark) {
    const auto tasks = static_cast<int32_t>(inboxes_.size());
    std::lock_guard lock(mu_);
    for (StockChange& c : changes) {
      inboxes_[static_cast<size_t>(bus::PartitionForKey(c.product_id, tasks))].push_back(
          std::move(c));
    }
    changes.clear();
    Micros& w = watermarks_[static_cast<size_t>(from_task)];
    w = std::max(w, watermark);
  }

  //! The lowest published watermark: every change below it has been sent. Read it before
  //! Receive, so what it promises is in the inbox.
  Micros LowWatermark() const {
    std::lock_guard lock(mu_);
    return *std::min_element(watermarks_.begin(), watermarks_.end());
  }

  //! Appends the changes waiting for `task` to `out` (in the order they were sent).
  void Receive(int32_t task, std::vector<StockChange>& out) {
    std::lock_guard lock(mu_);
    std::vector<StockChange>& inbox = inboxes_[static_cast<size_t>(task)];
    for (StockChange& c : inbox) out.push_back(std::move(c));
    inbox.clear();
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::vector<StockChange>> inboxes_;  // guarded by mu_
  std::vector<Micros> watermarks_;                 // guarded by mu_
};

}  // namespace gm::stream::internal
