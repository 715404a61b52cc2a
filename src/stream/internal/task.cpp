#include "stream/internal/task.h"

#include "events/codec.h"
#include "stream/processors/archive.h"
#include "stream/snapshot.h"

namespace gm::stream::internal {
namespace {

constexpr uint8_t kSnapshotVersion = 1;

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
      anomalies_(AnomalyOptions(config), catalog) {}

Task::~Task() = default;

bool Task::IsDuplicate(events::Topic topic, std::string_view id, Micros event_time,
                       Micros source_watermark) {
  return dedup_[static_cast<int>(topic)].CheckAndRemember(
      IdHash(id), event_time, Cutoff(source_watermark, config_.dedup_horizon));
}

void Task::ExpireDedup(events::Topic topic, Micros source_watermark) {
  const Micros cutoff = Cutoff(source_watermark, config_.dedup_horizon);
  if (cutoff != kNoTime) dedup_[static_cast<int>(topic)].Expire(cutoff);
}

void Task::AddTransaction(const events::Transaction& tx, const OrderKey& key, bool late,
                          CheckpointBatch& batch) {
  AppendArchiveRows(tx, catalog_, batch.transactions, batch.transaction_items);
  if (!late) sales_.Add(tx, catalog_);
  size_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
    slots_[slot] = tx;  // copy-assignment reuses the slot's string capacity
  } else {
    slot = slots_.size();
    slots_.push_back(tx);
  }
  queue_.push({key, slot});
}

void Task::Advance(Micros watermark, CheckpointBatch& batch) {
  if (watermark > watermark_) watermark_ = watermark;
  while (!queue_.empty() && queue_.top().key.effective_time < watermark_) {
    const Pending p = queue_.top();
    queue_.pop();
    anomaly_scratch_.clear();
    anomalies_.Score(slots_[p.slot], p.key.effective_time, anomaly_scratch_);
    for (AnomalyRow& row : anomaly_scratch_) {
      batch.anomalies.push_back(std::move(row));
      ++anomalies_written_;
    }
    free_slots_.push_back(p.slot);
  }
}

void Task::CollectSales(CheckpointBatch& batch) {
  sales_.Collect(watermark_, batch.sales);
  // Expiry walks the users, so it runs once per checkpoint rather than per poll.
  if (watermark_ != kNoTime) anomalies_.Expire(watermark_);
}

void Task::Save(const std::vector<ClockEntry>& clocks, std::string& out) const {
  SnapshotWriter w(out);
  w.U8(kSnapshotVersion);
  w.I64(id_);
  w.I64(watermark_);
  w.U32(static_cast<uint32_t>(clocks.size()));
  for (const ClockEntry& c : clocks) {
    w.Bytes(c.topic);
    w.I64(c.partition);
    w.I64(c.max_seen);
  }
  for (const DedupSet& d : dedup_) d.Save(w);
  // Pending transactions in order, as their JSON encoding (the codec round-trips exactly).
  auto copy = queue_;
  w.U32(static_cast<uint32_t>(copy.size()));
  std::string json;
  while (!copy.empty()) {
    const Pending& p = copy.top();
    w.I64(p.key.effective_time);
    w.U8(p.key.topic);
    w.I64(p.key.partition);
    w.I64(p.key.offset);
    json.clear();
    events::EncodeTransaction(slots_[p.slot], json);
    w.Bytes(json);
    copy.pop();
  }
  sales_.Save(w);
  anomalies_.Save(w);
}

Status Task::Restore(std::string_view snapshot, std::vector<ClockEntry>& clocks) {
  SnapshotReader r(snapshot);
  if (r.U8() != kSnapshotVersion) {
    return InvalidArgument("task " + std::to_string(id_) +
                           ": snapshot of an unknown format version (written by another "
                           "release?)");
  }
  if (r.I64() != id_) return InvalidArgument("snapshot of another task");
  watermark_ = r.I64();
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
    if (Status s = d.Restore(r); !s.ok()) return s;
  }
  queue_ = {};
  slots_.clear();
  free_slots_.clear();
  const uint32_t n_pending = r.U32();
  events::Decoder decoder(64 << 20);
  events::Event event;
  for (uint32_t i = 0; i < n_pending && r.status().ok(); ++i) {
    OrderKey key;
    key.effective_time = r.I64();
    key.topic = r.U8();
    key.partition = static_cast<int32_t>(r.I64());
    key.offset = r.I64();
    Status s = decoder.Decode(events::Topic::kTransactions, r.Bytes(), event);
    if (!s.ok()) return InvalidArgument("snapshot holds an undecodable event: " + s.message());
    slots_.push_back(event.transaction);
    queue_.push({key, slots_.size() - 1});
  }
  if (Status s = sales_.Restore(r); !s.ok()) return s;
  if (Status s = anomalies_.Restore(r); !s.ok()) return s;
  if (!r.status().ok()) return r.status();
  if (!r.at_end()) return InvalidArgument("task snapshot has trailing bytes");
  return Status::Ok();
}

}  // namespace gm::stream::internal
