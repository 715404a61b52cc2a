#include "stream/internal/worker.h"

#include <algorithm>

#include "bus/partitioner.h"
#include "common/logging.h"

namespace gm::stream::internal {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr Micros kMetricsInterval = 10 * kMicrosPerSecond;
// Rows a batch may hold before the worker waits for the commit in flight.
constexpr int64_t kMaxBatchRows = 2'000'000;
// Rows that make a batch worth committing before the checkpoint interval is up, when the
// committer is idle. Measured on a 1M-event file (seed profile): 10k–50k all do well; the
// interval alone left the database idle until the first second's batch was in.
constexpr int64_t kEagerBatchRows = 50'000;
constexpr auto kPollTimeout = std::chrono::milliseconds(50);
// How long a stopping worker keeps retrying its final checkpoint against a database
// that is away.
constexpr auto kFinalCommitPatience = std::chrono::seconds(60);
// How long a checkpoint waits for the brokers to acknowledge the stock records sent.
constexpr auto kStockFlushTimeout = std::chrono::milliseconds(60'000);

bool DrivesWatermark(std::optional<events::Topic> topic) {
  // Inventory updates are keyed by product and feed no task of the user-keyed topics.
  return !topic || *topic != events::Topic::kInventoryUpdates;
}

}  // namespace

// --- Worker ------------------------------------------------------------------------------

struct Worker::SourcePartition {
  std::string raw_topic;  //!< as the source's messages name it
  std::string topic;      //!< as offsets and metrics name it (a file: its canonical path)
  int32_t partition = 0;
  std::optional<events::Topic> schema;  //!< the topic's schema; nullopt for a file
  bool drives_watermark = true;
  bool is_stock_topic = false;  //!< the stock re-partition topic (not a shop topic)
  Micros max_seen = kNoTime;
  int64_t next_offset = -1;  //!< -1 until a message was read
  Micros last_message_wall = 0;
  // Counts since the last checkpoint (kafka_metrics).
  int64_t received = 0, valid = 0, invalid = 0, late = 0, duplicate = 0;

  Micros Watermark(Micros lateness) const {
    return max_seen == kNoTime ? kNoTime : max_seen - lateness;
  }
};

Worker::Worker(WorkerContext& context, Routing routing, std::vector<int32_t> task_ids)
    : ctx_(context),
      routing_(routing),
      decoder_(events::kDefaultMaxMessageBytes),
      committer_(*context.store, *context.clock),
      compactor_(*context.store) {
  tasks_.resize(static_cast<size_t>(ctx_.tasks));
  for (int32_t id : task_ids) {
    tasks_[static_cast<size_t>(id)] = std::make_unique<Task>(id, *ctx_.config, *ctx_.catalog);
    hosted_.push_back(tasks_[static_cast<size_t>(id)].get());
  }
  started_wall_ = ctx_.clock->Now();
  generation_ = ctx_.generation;
}

Worker::~Worker() = default;

Task* Worker::TaskFor(int32_t id) {
  if (id < 0 || id >= static_cast<int32_t>(tasks_.size())) return nullptr;
  return tasks_[static_cast<size_t>(id)].get();
}

Result<std::optional<int64_t>> Worker::Restore(bool restore_offsets,
                                               const std::string& file_topic) {
  const RestoredCheckpoint& r = *ctx_.restored;
  for (Task* task : hosted_) {
    auto it = r.snapshots.find(task->id());
    // Claim leaves an empty snapshot for a task that never committed state.
    if (it == r.snapshots.end() || it->second.empty()) continue;
    std::vector<ClockEntry> clocks;
    if (Status s = task->Restore(it->second, r.ChangesOf(task->id()), clocks); !s.ok()) {
      return s;
    }
    restored_clocks_[task->id()] = std::move(clocks);
  }
  std::optional<int64_t> next;
  if (restore_offsets) {
    for (const SourceOffset& o : r.offsets) {
      if (o.topic == file_topic && o.partition == 0) next = o.next_offset;
    }
  }
  return next;
}

bool Worker::Consumes(events::Topic topic) const {
  const StreamProcessors& on = ctx_.config->processors;
  switch (topic) {
    case events::Topic::kTransactions:
      return on.sales || on.anomalies || on.archive || on.sessions;
    case events::Topic::kProductViews:
    case events::Topic::kCartEvents:
      return on.sessions;
    case events::Topic::kInventoryUpdates:
      return TracksInventory();
  }
  return false;
}

Worker::SourcePartition& Worker::PartitionOf(const bus::Message& msg) {
  // Consecutive messages mostly come from the same partition (always, from a file).
  if (last_partition_ != nullptr && last_partition_->partition == msg.partition &&
      last_partition_->raw_topic == msg.topic) {
    return *last_partition_;
  }
  for (auto& sp : partitions_) {
    if (sp->partition == msg.partition && sp->raw_topic == msg.topic) {
      last_partition_ = sp.get();
      return *sp;
    }
  }
  auto sp = std::make_unique<SourcePartition>();
  sp->raw_topic = std::string(msg.topic);
  sp->partition = msg.partition;
  if (routing_ == Routing::kByKey) {
    sp->topic = file_topic_.empty() ? sp->raw_topic : file_topic_;
  } else {
    sp->topic = sp->raw_topic;
    std::string_view name = msg.topic;
    if (!ctx_.topic_prefix.empty() && name.starts_with(ctx_.topic_prefix)) {
      name.remove_prefix(ctx_.topic_prefix.size());
    }
    sp->is_stock_topic = !ctx_.stock_topic.empty() && msg.topic == ctx_.stock_topic;
    if (msg.topic_is_schema && !sp->is_stock_topic) sp->schema = events::TopicFromName(name);
  }
  sp->drives_watermark = !sp->is_stock_topic && DrivesWatermark(sp->schema);
  sp->last_message_wall = ctx_.clock->Now();
  // A restored clock: the high-water time this partition had at the checkpoint.
  for (const auto& [task, clocks] : restored_clocks_) {
    for (const ClockEntry& c : clocks) {
      if (c.topic == sp->topic && c.partition == sp->partition) {
        sp->max_seen = std::max(sp->max_seen, c.max_seen);
      }
    }
  }
  partitions_.push_back(std::move(sp));
  return *partitions_.back();
}

void Worker::DeadLetter(SourcePartition& sp, const bus::Message& msg, const Status& reason) {
  ++sp.invalid;
  DeadLetterRow& row = batches_[filling_].dead_letters.emplace_back();
  row.topic = sp.topic;
  row.partition = msg.partition;
  row.offset = msg.offset;
  const size_t cap = static_cast<size_t>(ctx_.config->dead_letter_max_bytes);
  row.raw = std::string(msg.payload.substr(0, std::min(cap, msg.payload.size())));
  row.raw_size = static_cast<int64_t>(msg.payload.size());
  row.reason = reason.message();
}

void Worker::HandleStockRecord(SourcePartition& sp, const bus::Message& msg) {
  sp.next_offset = msg.offset + 1;
  if (Status s = DecodeStockRecord(msg.payload, stock_record_); !s.ok()) {
    if (stock_invalid_++ == 0) {
      Logger("stream")->error("{} partition {} offset {}: {} (skipped; further ones counted)",
                              sp.topic, msg.partition, msg.offset, s.message());
    }
    return;
  }
  Task* task = TaskFor(msg.partition);
  if (task == nullptr) return;  // not hosted: cannot happen with co-partitioned assignment
  if (stock_record_.kind == StockRecord::Kind::kWatermark) {
    task->inbox().OnWatermark(stock_record_.upstream_task, stock_record_.watermark);
  } else if (!task->AcceptStockChange(stock_record_.change)) {
    ++stock_duplicates_;
  }
}

void Worker::Handle(const bus::Message& msg) {
  SourcePartition& sp = PartitionOf(msg);
  if (sp.is_stock_topic) {
    Drain();  // a stock record may concern what the staged events emit
    HandleStockRecord(sp, msg);
    return;
  }
  ++sp.received;
  if (first_arrival_[filling_] == 0) first_arrival_[filling_] = now_;
  sp.next_offset = msg.offset + 1;
  sp.last_message_wall = now_;
  if (staged_count_ == kStaged) ProcessOldest();
  const size_t slot = (staged_first_ + staged_count_) % kStaged;
  events::Event* event = msg.event;
  if (event == nullptr) {
    event = &staged_events_[slot];
    if (Status s = decoder_.Decode(sp.schema, msg.payload, *event); !s.ok()) {
      DeadLetter(sp, msg, s);
      return;
    }
  }
  ++sp.valid;
  const Micros t = event->timestamp();
  const Micros watermark_before = sp.Watermark(ctx_.config->allowed_lateness);
  sp.max_seen = std::max(sp.max_seen, t);

  const int32_t task_id =
      routing_ == Routing::kByKey ? bus::PartitionForKey(event->key(), ctx_.tasks) : msg.partition;
  Task* task = TaskFor(task_id);
  if (task == nullptr) {
    // A partition this worker does not host (cannot happen with the engine's sources).
    --sp.valid;
    DeadLetter(sp, msg, Internal("no task " + std::to_string(task_id) + " in this worker"));
    return;
  }
  Staged& staged = staged_[slot];
  staged = {.sp = &sp,
            .event = event,
            .task = task,
            .partition = msg.partition,
            .offset = msg.offset,
            .time = t,
            .watermark_before = watermark_before,
            .id_hash = IdHash(event->id())};
  task->PrefetchDuplicate(event->topic, staged.id_hash);
  ++staged_count_;
}

void Worker::ProcessOldest() {
  Staged& staged = staged_[staged_first_];
  staged_first_ = (staged_first_ + 1) % kStaged;
  --staged_count_;
  SourcePartition& sp = *staged.sp;
  events::Event& event = *staged.event;
  const Micros t = staged.time;
  const Micros watermark_before = staged.watermark_before;
  const bool late = watermark_before != kNoTime && t < watermark_before;
  Task* task = staged.task;
  if (task->IsDuplicate(event.topic, staged.id_hash, t, watermark_before)) {
    ++sp.duplicate;
    return;
  }
  if (late) ++sp.late;
  // An event no enabled processor reads is done with once validated and counted.
  if (!Consumes(event.topic)) return;
  const OrderKey key{.effective_time = late ? watermark_before : t,
                     .topic = static_cast<uint8_t>(event.topic),
                     .partition = staged.partition,
                     .offset = staged.offset};
  switch (event.topic) {
    case events::Topic::kTransactions:
      task->AddTransaction(event.transaction, key, late, batches_[filling_]);
      ++transactions_;
      break;
    // Late views and cart events are left out of sessions and carts (DESIGN.md §6).
    case events::Topic::kProductViews:
      if (!late) task->AddView(event.view, key);
      break;
    case events::Topic::kCartEvents:
      if (!late) task->AddCart(event.cart, key);
      break;
    case events::Topic::kInventoryUpdates:
      task->AddInventoryUpdate(event.inventory, key);
      break;
  }
}

void Worker::Drain() {
  while (staged_count_ > 0) ProcessOldest();
}

void Worker::AdvanceWatermarks(Micros now, bool end_of_input) {
  const Micros lateness = ctx_.config->allowed_lateness;
  Micros low = INT64_MAX;
  for (Task* task : hosted_) {
    Micros wm;
    if (end_of_input) {
      wm = INT64_MAX;
    } else {
      Micros min_active = INT64_MAX;
      bool any_active = false;
      for (const auto& sp : partitions_) {
        if (!sp->drives_watermark) continue;
        if (routing_ == Routing::kByPartition && sp->partition != task->id()) continue;
        const bool idle = routing_ == Routing::kByPartition &&
                          now - sp->last_message_wall >= ctx_.config->idle_timeout;
        if (idle) continue;
        any_active = true;
        min_active = std::min(min_active, sp->Watermark(lateness));
      }
      if (any_active) {
        wm = min_active;
      } else if (routing_ == Routing::kByPartition &&
                 now - started_wall_ >= ctx_.config->idle_timeout) {
        // Every source partition is idle: processing time moves the watermark on, so
        // windows close and dashboards keep moving.
        wm = now - lateness;
      } else {
        wm = kNoTime;
      }
    }
    task->Advance(wm, batches_[filling_]);
    low = std::min(low, task->watermark());
    if (ctx_.stock_exchange != nullptr) {
      ctx_.stock_exchange->Send(task->outbox(), task->id(), task->watermark());
    } else if (stock_writer_ != nullptr) {
      Status s = stock_writer_->Send(task->outbox(), task->id(), task->watermark());
      if (!s.ok() && fatal_.ok()) fatal_ = s;
    } else {
      task->outbox().clear();  // no product stage to send them to
    }
  }
  if (!hosted_.empty()) low_watermark_ = low;
  if (TracksInventory()) AdvanceInventory(now, end_of_input);
}

void Worker::AdvanceInventory(Micros now, bool end_of_input) {
  // In process: the lowest watermark over every task's user stage, read before receiving,
  // so every change below it is in the inbox. With Kafka, each product stage's StockInbox
  // knows what the upstream tasks promised in its partition of the re-partition topic.
  const Micros upstream =
      ctx_.stock_exchange != nullptr ? ctx_.stock_exchange->LowWatermark() : kNoTime;
  const Micros lateness = ctx_.config->allowed_lateness;
  for (Task* task : hosted_) {
    Micros wm = upstream;
    if (ctx_.stock_exchange != nullptr) {
      received_.clear();
      ctx_.stock_exchange->Receive(task->id(), received_);
      for (const StockChange& c : received_) task->AddStockChange(c);
    } else {
      wm = task->inbox().LowWatermark(ctx_.tasks);
    }
    if (!end_of_input && routing_ == Routing::kByPartition) {
      // The task's inventory_updates partition holds it back too, unless idle.
      for (const auto& sp : partitions_) {
        if (sp->schema != events::Topic::kInventoryUpdates || sp->partition != task->id()) {
          continue;
        }
        if (now - sp->last_message_wall >= ctx_.config->idle_timeout) continue;
        wm = std::min(wm, sp->Watermark(lateness));
      }
    }
    task->AdvanceInventory(wm, batches_[filling_]);
  }
}

bool Worker::StockInputComplete() {
  if (stock_writer_ == nullptr) return true;
  return std::all_of(hosted_.begin(), hosted_.end(), [&](Task* task) {
    return task->inbox().LowWatermark(ctx_.tasks) == INT64_MAX;
  });
}

Status Worker::FlushStockTopic() {
  if (stock_writer_ == nullptr) return Status::Ok();
  // The watermarks at every checkpoint too, so a product stage that restarts learns them
  // soon even from an upstream task that is not advancing.
  for (Task* task : hosted_) {
    if (Status s = stock_writer_->Send(task->outbox(), task->id(), task->watermark(),
                                       /*force=*/true);
        !s.ok()) {
      return s;
    }
  }
  return stock_writer_->Flush(kStockFlushTimeout);
}

Status Worker::Checkpoint(Micros now) {
  if (Status s = committer_.Wait(); !s.ok()) return s;
  // The batch committed: a compaction of the state it holds may replace its snapshots.
  if (committing_ >= 0 && compactions_[committing_]) {
    compactor_.Submit(std::move(*compactions_[committing_]));
    compactions_[committing_].reset();
  }
  if (committed_once_) FlushStats();
  CheckpointBatch& b = batches_[filling_];
  b.consumer_group = ctx_.consumer_group;
  b.generation = generation_;
  b.owner = ctx_.owner;
  const Micros lateness = ctx_.config->allowed_lateness;
  for (const auto& sp : partitions_) {
    const Micros wm = sp->Watermark(lateness);
    if (wm == kNoTime) continue;
    for (Task* task : hosted_) {
      if (routing_ == Routing::kByPartition && sp->partition != task->id()) continue;
      if (sp->schema) {
        task->ExpireDedup(*sp->schema, wm);
      } else {
        for (events::Topic topic : events::kAllTopics) task->ExpireDedup(topic, wm);
      }
    }
  }
  std::vector<ClockEntry> clocks;
  for (Task* task : hosted_) {
    // Open sessions change with almost every event: each one's live row goes out at most
    // once per session_live_interval.
    task->CollectLive(b, now, ctx_.config->session_live_interval);
    clocks.clear();
    for (const auto& sp : partitions_) {
      if (routing_ == Routing::kByPartition && sp->partition != task->id()) continue;
      clocks.push_back({sp->topic, sp->partition, sp->max_seen});
    }
    // Only what changed since the task's previous snapshot, but for the first one since it
    // was created or restored (Task::FullSnapshotDue).
    const bool full = task->FullSnapshotDue();
    auto [slot, fresh] = (full ? b.snapshots : b.snapshot_changes).try_emplace(task->id());
    std::string& snapshot = slot->second;
    if (fresh && !b.spare_snapshot_buffers.empty()) {
      snapshot = std::move(b.spare_snapshot_buffers.back());
      b.spare_snapshot_buffers.pop_back();
    }
    snapshot.clear();
    task->Save(clocks, snapshot, full);
    b.snapshot_numbers[task->id()] = task->snapshot_number();
    // When its changes add up to its state, the whole state goes to the compactor once this
    // batch committed: one task at a time, so each checkpoint serialises at most one.
    if (!full && task->CompactionDue() && !compactions_[0] && !compactions_[1] &&
        compactor_.Idle()) {
      Compactor::Job& job = compactions_[filling_].emplace();
      job.group = ctx_.consumer_group;
      job.task = task->id();
      job.generation = generation_;
      job.number = task->snapshot_number();
      task->Save(clocks, job.snapshot, /*full=*/true);
    }
  }
  const Micros interval_start =
      now - (now % kMetricsInterval + kMetricsInterval) % kMetricsInterval;
  for (const auto& sp : partitions_) {
    if (sp->next_offset >= 0) b.offsets.push_back({sp->topic, sp->partition, sp->next_offset});
    if (sp->received == 0) continue;
    PartitionMetricsRow& m = b.metrics.emplace_back();
    m.topic = sp->topic;
    m.partition = sp->partition;
    m.interval_start = interval_start;
    m.received = std::exchange(sp->received, 0);
    m.valid = std::exchange(sp->valid, 0);
    m.invalid = std::exchange(sp->invalid, 0);
    m.late = std::exchange(sp->late, 0);
    m.duplicate = std::exchange(sp->duplicate, 0);
    pending_stats_.received += m.received;
    pending_stats_.valid += m.valid;
    pending_stats_.invalid += m.invalid;
    pending_stats_.late += m.late;
    pending_stats_.duplicate += m.duplicate;
  }
  pending_stats_.transactions += std::exchange(transactions_, 0);
  pending_stats_.anomalies += static_cast<int64_t>(b.anomalies.size());
  for (Task* task : hosted_) {
    const Task::CatalogMisses misses = task->TakeCatalogMisses();
    pending_stats_.products_missing_from_catalog += misses.products;
    pending_stats_.unknown_customers += misses.customers;
  }
  // What the snapshots' user stages emitted must be on the brokers before they commit: a
  // restart resumes from them and does not emit it again.
  if (Status s = FlushStockTopic(); !s.ok()) return s;
  committer_.Submit(&b);
  committed_once_ = true;
  committing_ = filling_;
  filling_ ^= 1;
  batches_[filling_].Clear();
  first_arrival_[filling_] = 0;
  return Status::Ok();
}

int64_t Worker::BatchRows() const {
  const CheckpointBatch& b = batches_[filling_];
  return b.transactions.rows() + b.transaction_items.rows() +
         static_cast<int64_t>(b.anomalies.size() + b.dead_letters.size() + b.sessions.size() +
                              b.cart_abandonments.size() + b.low_stock_alerts.size());
}

void Worker::FlushStats() {
  if (committing_ >= 0 && first_arrival_[committing_] != 0) {
    ctx_.AddFreshness(committer_.completed_at() - first_arrival_[committing_]);
  }
  ctx_.received += std::exchange(pending_stats_.received, 0);
  ctx_.valid += std::exchange(pending_stats_.valid, 0);
  ctx_.invalid += std::exchange(pending_stats_.invalid, 0);
  ctx_.late += std::exchange(pending_stats_.late, 0);
  ctx_.duplicate += std::exchange(pending_stats_.duplicate, 0);
  ctx_.transactions += std::exchange(pending_stats_.transactions, 0);
  ctx_.anomalies += std::exchange(pending_stats_.anomalies, 0);
  ctx_.products_missing_from_catalog +=
      std::exchange(pending_stats_.products_missing_from_catalog, 0);
  ctx_.unknown_customers += std::exchange(pending_stats_.unknown_customers, 0);
  ++ctx_.checkpoints;
  ctx_.ReportWatermark(low_watermark_);
  if (ctx_.on_checkpoint) ctx_.on_checkpoint();
}

void Worker::OnRevoke() {
  auto log = Logger("stream");
  Drain();  // what was read is processed, then committed
  if (!hosted_.empty()) {
    Status s = Checkpoint(ctx_.clock->Now());
    if (s.ok()) s = committer_.Wait();
    if (s.ok() && committed_once_) FlushStats();
    if (!s.ok()) log->warn("on revoke, the last checkpoint was not committed: {}", s.message());
  }
  committed_once_ = false;
  committing_ = -1;
  if (stock_writer_ != nullptr) {
    for (Task* task : hosted_) stock_writer_->Forget(task->id());
  }
  for (auto& t : tasks_) t.reset();
  hosted_.clear();
  partitions_.clear();
  last_partition_ = nullptr;
  restored_clocks_.clear();
  for (CheckpointBatch& b : batches_) b.Clear();
  first_arrival_[0] = first_arrival_[1] = 0;
  transactions_ = 0;
  pending_stats_ = {};
}

Status Worker::Run(bus::Source& source, bool until_eof, const std::atomic<bool>& stop,
                   const std::string& file_topic) {
  file_topic_ = file_topic;
  const bus::MessageHandler handler = [this](const bus::Message& msg) { Handle(msg); };
  for (const std::string& topic : ctx_.expected_topics) {
    // Bus partitions this worker reads hold the watermark back from the start (until
    // idle), not only once their first message arrives.
    for (Task* task : hosted_) {
      bus::Message m;
      m.topic = topic;
      m.partition = task->id();
      PartitionOf(m);
    }
  }
  Micros last_checkpoint = ctx_.clock->Now();
  bool at_end = false;
  Status status;
  while (!stop.load(std::memory_order_relaxed)) {
    now_ = ctx_.clock->Now();
    Result<size_t> n = source.Poll(handler, kPollTimeout);
    Drain();
    if (!n.ok()) {
      status = n.status();
      break;
    }
    if (!fatal_.ok()) {
      status = fatal_;
      break;
    }
    now_ = ctx_.clock->Now();
    at_end = until_eof && *n == 0 && source.AtEnd();
    AdvanceWatermarks(now_, at_end);
    // With Kafka, the product stages also wait for every upstream task (here or in other
    // processes) to publish the end of time, which it does once its input is read.
    if (at_end && StockInputComplete()) break;
    // A checkpoint is due every interval, but processing does not wait for a commit still
    // in flight: the batch keeps growing (which spreads the snapshot's cost over more
    // events) unless it is past kMaxBatchRows, when backpressure bounds the memory. A
    // batch of kEagerBatchRows goes as soon as the committer is free, before the interval:
    // catching up on a backlog, the database then never waits for the engine.
    const bool due = now_ - last_checkpoint >= ctx_.config->checkpoint_interval ||
                     BatchRows() >= kEagerBatchRows;
    if (due && (!committer_.Busy() || BatchRows() >= kMaxBatchRows)) {
      if (status = Checkpoint(now_); !status.ok()) break;
      last_checkpoint = now_;
    }
  }
  if (!status.ok() && status.code() == ErrorCode::kAborted) return status;
  // The final checkpoint: what was read so far (everything, at the end of a file).
  if (status.ok()) {
    if (Status s = Checkpoint(ctx_.clock->Now()); !s.ok()) return s;
  }
  committer_.GiveUpAfter(SteadyClock::now() + kFinalCommitPatience);
  Status last = committer_.Wait();
  if (last.ok() && committed_once_) FlushStats();
  committed_once_ = false;
  if (stock_duplicates_ > 0 || stock_invalid_ > 0) {
    Logger("stream")->info("stock re-partition topic: {} re-sent changes dropped, {} bad records",
                           stock_duplicates_, stock_invalid_);
  }
  return status.ok() ? last : status;
}

}  // namespace gm::stream::internal
