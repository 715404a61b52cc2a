#include "stream/internal/stock_topic.h"

#include <algorithm>

#include "bus/partitioner.h"
#include "stream/event_order.h"
#include "stream/internal/stock_record.h"

namespace gm::stream::internal {

StockTopicWriter::StockTopicWriter(std::unique_ptr<bus::Sink> sink, std::string topic,
                                   int32_t tasks)
    : sink_(std::move(sink)), topic_(std::move(topic)), tasks_(tasks) {}

Status StockTopicWriter::Send(std::vector<StockChange>& changes, int32_t from_task,
                              Micros watermark, bool force) {
  StockRecord record;
  record.upstream_task = from_task;
  record.kind = StockRecord::Kind::kChange;
  for (StockChange& c : changes) {
    record.change = std::move(c);
    scratch_.clear();
    EncodeStockRecord(record, scratch_);
    const int32_t partition = bus::PartitionForKey(record.change.product_id, tasks_);
    // Timestamp 0, the producer's clock: an event-time stamp (a backfill of past days) would
    // let time-based retention delete records before they are read.
    if (Status s = sink_->SendToPartition(topic_, partition, record.change.product_id, scratch_,
                                          /*event_time=*/0);
        !s.ok()) {
      return s;
    }
  }
  changes.clear();
  if (watermark == kNoTime) return Status::Ok();
  auto [it, fresh] = published_.try_emplace(from_task, kNoTime);
  if (!force && !fresh && watermark <= it->second) return Status::Ok();
  it->second = std::max(it->second, watermark);
  record.kind = StockRecord::Kind::kWatermark;
  record.watermark = watermark;
  record.change = {};
  scratch_.clear();
  EncodeStockRecord(record, scratch_);
  // Timestamp 0 (the producer's clock) here too: a watermark may be the end of time.
  for (int32_t p = 0; p < tasks_; ++p) {
    if (Status s = sink_->SendToPartition(topic_, p, {}, scratch_, 0); !s.ok()) return s;
  }
  return Status::Ok();
}

Status StockTopicWriter::Flush(std::chrono::milliseconds timeout) { return sink_->Flush(timeout); }

}  // namespace gm::stream::internal
