#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bus/bus.h"
#include "common/config.h"
#include "common/status.h"
#include "common/time.h"
#include "events/codec.h"
#include "stream/catalog_lookup.h"
#include "stream/checkpoint_store.h"
#include "stream/engine.h"
#include "stream/internal/committer.h"
#include "stream/internal/compactor.h"
#include "stream/internal/stock_exchange.h"
#include "stream/internal/stock_record.h"
#include "stream/internal/stock_topic.h"
#include "stream/internal/task.h"

namespace gm::stream::internal {

//! What all workers of an engine share (read-only, except the atomics).
struct WorkerContext {
  const StreamConfig* config = nullptr;
  const CatalogLookup* catalog = nullptr;
  CheckpointStore* store = nullptr;
  const Clock* clock = nullptr;
  std::string consumer_group;
  std::string owner;
  int64_t generation = 0;
  int32_t tasks = 1;
  const RestoredCheckpoint* restored = nullptr;
  //! kafka.topic_prefix: stripped from bus topic names to find their schema.
  std::string topic_prefix;
  //! Bus topics every hosted partition number is read from (empty for a file).
  std::vector<std::string> expected_topics;
  //! Re-partitions stock work between the tasks (all in this process); null when tasks may
  //! live in other processes (Kafka: see stock_topic).
  StockExchange* stock_exchange = nullptr;
  //! Kafka: the stock re-partition topic as the source names it (prefix included); each
  //! worker then has a StockTopicWriter (Worker::SetStockTopicWriter). Empty otherwise.
  std::string stock_topic;
  //! Called (from a worker thread) after each committed checkpoint.
  std::function<void()> on_checkpoint;

  // Running totals over all workers, counting committed work only.
  std::atomic<int64_t> received{0}, valid{0}, invalid{0}, late{0}, duplicate{0};
  std::atomic<int64_t> transactions{0}, anomalies{0}, checkpoints{0};
  std::atomic<int64_t> products_missing_from_catalog{0}, unknown_customers{0};

  //! Freshness samples: per committed checkpoint, from the arrival of its oldest message to
  //! the end of its commit (an upper bound for every event in it).
  void AddFreshness(Micros sample) {
    std::lock_guard lock(watermark_mu);
    if (freshness.size() < 100'000) freshness.push_back(sample);
  }
  std::vector<Micros> Freshness() const {
    std::lock_guard lock(watermark_mu);
    return freshness;
  }

  //! The lowest watermark over all workers' tasks.
  void ReportWatermark(Micros worker_low) {
    std::lock_guard lock(watermark_mu);
    worker_lows[std::this_thread::get_id()] = worker_low;
    Micros low = INT64_MAX;
    for (const auto& [id, w] : worker_lows) low = std::min(low, w);
    low_watermark = low;
  }
  Micros LowWatermark() const {
    std::lock_guard lock(watermark_mu);
    return low_watermark;
  }

 private:
  mutable std::mutex watermark_mu;
  std::map<std::thread::id, Micros> worker_lows;  // guarded by watermark_mu
  Micros low_watermark = kNoTime;                 // guarded by watermark_mu
  std::vector<Micros> freshness;                  // guarded by watermark_mu
};

//! How a worker maps source partitions to tasks.
enum class Routing {
  kByKey,        //!< one source (a file): each event goes to PartitionForKey(key, tasks)
  kByPartition,  //!< a bus: the message's partition number is its task
};

//! One processing thread: reads its source, hosts its tasks, and checkpoints them.
class Worker {
 public:
  Worker(WorkerContext& context, Routing routing, std::vector<int32_t> task_ids);
  ~Worker();

  //! Restores the hosted tasks from the context's checkpoint; with `restore_offsets`, the
  //! offsets too (file mode). Returns the next offset to read of (`topic`, `partition`)
  //! when one was committed.
  Result<std::optional<int64_t>> Restore(bool restore_offsets, const std::string& file_topic);

  //! Processes `source` until `stop`, or — with `until_eof` — until it is at its end,
  //! when every task's watermark jumps to the end of time (closing everything). Commits
  //! a final checkpoint before returning. `file_topic` names a file source's partition
  //! in offsets (its canonical path); empty for bus sources.
  Status Run(bus::Source& source, bool until_eof, const std::atomic<bool>& stop,
             const std::string& file_topic);

  //! Kafka: the group assigned `partitions` to this worker (called inside Poll). Claims
  //! their tasks (fencing the previous owner), restores the tasks' state and sets each
  //! partition's start to its committed offset. A failure stops Run with that error.
  void OnAssign(std::vector<bus::PartitionOffset>& partitions);
  //! Kafka: the partitions are being taken away: commits what was processed (best effort:
  //! a fenced or failed commit only means the next owner redoes the work) and drops the
  //! tasks' state.
  void OnRevoke();

  //! Kafka: where the hosted user stages send their stock changes and watermarks; the
  //! product stages then read ctx.stock_topic (subscribed with the shop topics).
  void SetStockTopicWriter(std::unique_ptr<StockTopicWriter> writer) {
    stock_writer_ = std::move(writer);
  }

 private:
  struct SourcePartition;
  SourcePartition& PartitionOf(const bus::Message& msg);
  //! Messages are handled in two steps a few messages apart, so that the dedup check of
  //! one finds its slot of the (cache-sized-many-times-over) dedup table already loaded:
  //! Handle reads a message — decodes it, counts it, moves its partition's watermark,
  //! picks its task — and prefetches that slot; ProcessOldest does the rest for the oldest
  //! staged message, in arrival order. Drain processes every staged message: after each
  //! poll, and before anything that must see them all (rebalances, stock records).
  void Handle(const bus::Message& msg);
  void ProcessOldest();
  void Drain();
  //! A record of the stock re-partition topic: a change for the partition's product stage
  //! (dropped when already received), or an upstream watermark.
  void HandleStockRecord(SourcePartition& sp, const bus::Message& msg);
  //! Whether an enabled processor reads events of `topic` (stream.processors).
  bool Consumes(events::Topic topic) const;
  //! Whether stock changes reach the product stages (in process, or through Kafka).
  bool TracksInventory() const {
    return ctx_.stock_exchange != nullptr || stock_writer_ != nullptr;
  }
  //! Kafka, at the end of the input: whether every hosted product stage has heard the
  //! end of time from every upstream task (so nothing more can reach it).
  bool StockInputComplete();
  //! Kafka: publishes the hosted tasks' watermarks and waits until the brokers have
  //! acknowledged every record sent, so a commit never covers a record that may be lost.
  Status FlushStockTopic();
  void DeadLetter(SourcePartition& sp, const bus::Message& msg, const Status& reason);
  void AdvanceWatermarks(Micros now, bool end_of_input);
  //! Receives the hosted tasks' stock changes and advances their inventory stages.
  void AdvanceInventory(Micros now, bool end_of_input);
  Status Checkpoint(Micros now);
  //! Adds the counts of the checkpoint just committed to the engine's totals.
  void FlushStats();
  //! Rows in the batch being filled (archive, anomalies, dead letters).
  int64_t BatchRows() const;
  Task* TaskFor(int32_t id);

  struct Counts {
    int64_t received = 0, valid = 0, invalid = 0, late = 0, duplicate = 0;
    int64_t transactions = 0, anomalies = 0;
    int64_t products_missing_from_catalog = 0, unknown_customers = 0;
  };

  WorkerContext& ctx_;
  Routing routing_;
  std::vector<std::unique_ptr<Task>> tasks_;  //!< indexed by task id; null = not hosted
  std::vector<Task*> hosted_;
  std::vector<std::unique_ptr<SourcePartition>> partitions_;
  SourcePartition* last_partition_ = nullptr;  //!< the one PartitionOf found last
  std::string file_topic_;
  events::Decoder decoder_;
  struct Staged {
    SourcePartition* sp = nullptr;
    events::Event* event = nullptr;  //!< in staged_events_, or the message's own
    Task* task = nullptr;
    int32_t partition = 0;
    int64_t offset = 0;
    Micros time = 0;                    //!< the event's
    Micros watermark_before = kNoTime;  //!< the partition's, before this event was read
    uint64_t id_hash = 0;               //!< IdHash of the event's id
  };
  //! How far ahead of its dedup check a message's slot is prefetched: enough to cover a
  //! memory access at the engine's per-event time.
  static constexpr size_t kStaged = 8;
  std::array<Staged, kStaged> staged_;                //!< a ring: staged_count_ from staged_first_
  std::array<events::Event, kStaged> staged_events_;  //!< decode targets, by ring slot
  size_t staged_first_ = 0;
  size_t staged_count_ = 0;
  CheckpointBatch batches_[2];
  int filling_ = 0;
  Committer committer_;
  //! Full snapshots of tasks due for compaction, saved with each batch; handed to the
  //! compactor once that batch has committed.
  std::optional<Compactor::Job> compactions_[2];
  bool committed_once_ = false;
  Micros started_wall_ = 0;
  std::map<int32_t, std::vector<ClockEntry>> restored_clocks_;
  Micros now_ = 0;            //!< wall time of the current poll
  int64_t transactions_ = 0;  //!< archived since the last checkpoint
  Counts pending_stats_;      //!< of the checkpoint being committed
  Micros low_watermark_ = kNoTime;
  int64_t generation_ = 0;             //!< this worker's ownership generation
  Status fatal_;                       //!< an error from a rebalance callback, returned by Run
  std::vector<StockChange> received_;  //!< scratch for StockExchange::Receive
  std::unique_ptr<StockTopicWriter> stock_writer_;  //!< Kafka only
  StockRecord stock_record_;                        //!< scratch for HandleStockRecord
  int64_t stock_duplicates_ = 0;  //!< changes dropped as re-sent (logged at the end)
  int64_t stock_invalid_ = 0;     //!< undecodable records of the re-partition topic
  //! Wall time the first message of each batch arrived (0: none yet).
  Micros first_arrival_[2] = {0, 0};
  int committing_ = -1;  //!< the batch index the committer holds, or -1
  // Last: destroyed first, so it is done before anything it may use goes.
  Compactor compactor_;
};

}  // namespace gm::stream::internal
