#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bus/bus.h"
#include "common/status.h"
#include "stream/rows.h"

namespace gm::stream::internal {

//! The producing side of the stock-changes re-partition topic (Kafka; DESIGN.md §6
//! Scale-out): a worker's user stages send the StockChanges they emit to partition
//! PartitionForKey(product_id, tasks) — the task owning the product — keyed by product_id,
//! and publish their watermarks to every partition. Records are StockRecords
//! (stream/internal/stock_record.h). Changes go out before the watermark that covers
//! them, through one idempotent producer, so each partition holds them in that order.
//! Used by one worker thread.
class StockTopicWriter {
 public:
  //! `sink`: an idempotent Kafka sink (SendToPartition); `topic`: the re-partition topic,
  //! as the sink names it; `tasks`: its partition count.
  StockTopicWriter(std::unique_ptr<bus::Sink> sink, std::string topic, int32_t tasks);
  StockTopicWriter(const StockTopicWriter&) = delete;
  StockTopicWriter& operator=(const StockTopicWriter&) = delete;

  //! Sends `changes` (emptied) of `from_task`, then — when it rose since the task's last
  //! publication, or with `force` — its watermark to every partition. Errors: the sink's
  //! (the producer failed for good, or refused a record).
  [[nodiscard]] Status Send(std::vector<StockChange>& changes, int32_t from_task,
                            Micros watermark, bool force = false);
  //! Waits until everything sent has been acknowledged by the brokers (before a
  //! checkpoint commits the state that produced it). Unavailable or Timeout from the sink.
  [[nodiscard]] Status Flush(std::chrono::milliseconds timeout);
  //! Forgets what was published for `task` (it moved away).
  void Forget(int32_t task) { published_.erase(task); }

 private:
  std::unique_ptr<bus::Sink> sink_;
  std::string topic_;
  int32_t tasks_;
  std::map<int32_t, Micros> published_;  //!< the last watermark published per task
  std::string scratch_;
};

}  // namespace gm::stream::internal
