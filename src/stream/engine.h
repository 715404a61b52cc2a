#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "bus/memory_bus.h"
#include "common/config.h"
#include "common/status.h"
#include "common/time.h"
#include "stream/catalog_lookup.h"
#include "stream/checkpoint_store.h"

namespace gm::stream {

//! How a stream engine runs.
struct EngineOptions {
  StreamConfig config;
  //! Names this engine's offsets and state in the checkpoint store.
  std::string consumer_group = "globalmart-stream";
  //! Tasks: the partition count of the user-keyed topics (bus.partitions). A file is
  //! sharded into this many tasks by the same murmur2 partitioner, so a file run and a
  //! bus run of the same events produce the same per-task rows.
  int32_t tasks = 6;
  //! Wall clock (checkpoint pacing, idle advance, metrics intervals); null = system clock.
  const Clock* clock = nullptr;
  //! Called after every successful checkpoint with the running totals (progress output).
  std::function<void(const struct EngineStats&)> on_checkpoint;
};

//! Running totals of one engine (all workers).
struct EngineStats {
  int64_t received = 0;      //!< messages read
  int64_t valid = 0;         //!< decoded events, duplicates included
  int64_t invalid = 0;       //!< dead letters
  int64_t late = 0;          //!< valid, not duplicate, late
  int64_t duplicate = 0;     //!< dropped as duplicates
  int64_t transactions = 0;  //!< archived (distinct) transactions
  int64_t anomalies = 0;     //!< anomaly rows written
  //! Not bad input, but counted (DESIGN.md §5): products the inventory started tracking
  //! that the catalog lacks, and scored transactions whose customer it lacks.
  int64_t products_missing_from_catalog = 0;
  int64_t unknown_customers = 0;
  int64_t checkpoints = 0;  //!< committed checkpoints
  Micros watermark = 0;     //!< the lowest task watermark (INT64_MIN before any event)
  //! Freshness over committed checkpoints: from the arrival of a checkpoint's oldest
  //! message to the end of its commit, i.e. an upper bound on how long any event took to
  //! become visible in the database. 0 when no checkpoint held messages.
  Micros freshness_p50 = 0;
  Micros freshness_p99 = 0;
  Micros freshness_max = 0;
};

//! The stream engine (DESIGN.md §6): reads a source, decodes and validates events (bad
//! ones become dead letters), drops duplicates, tracks per-partition watermarks and late
//! events, feeds the processors — sales windows (commutative, as events arrive), anomaly
//! scoring (in effective-time order once the watermark passed), the archive — and commits
//! their outputs together with source offsets and task state snapshots through a
//! CheckpointStore every stream.checkpoint_interval. Resumes from the store's last
//! checkpoint, so a crash and restart ends in the same tables as a clean run.
//!
//! One Run* call at a time. Failures: Aborted when fenced by a newer owner; Unavailable
//! when the store stayed unreachable after a stop was requested (commits are retried
//! with backoff until then); InvalidArgument for an unreadable snapshot.
class Engine {
 public:
  Engine(EngineOptions options, CheckpointStore& store, const CatalogLookup& catalog);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  //! Reads the JSONL file `path` (one source partition, offsets = line numbers) from the
  //! line after its last committed one, sharding events into `tasks` tasks on one thread.
  //! Deterministic: the outcome depends only on the file's lines. With `until_eof`, at
  //! the end of the file every window closes and every pending event is applied, the
  //! final checkpoint is committed and Run returns; otherwise it waits for more lines
  //! until `stop`. NotFound when the file does not exist.
  Status RunFile(const std::string& path, bool until_eof, const std::atomic<bool>& stop);

  //! Reads `source` as RunFile reads a file — one partition, sharded into `tasks` tasks by
  //! key on one thread — but starts afresh: task state is resumed, offsets are not. For
  //! in-process producers whose messages carry decoded events (bus::Message::event), such
  //! as the processing core's benchmark.
  Status RunSource(bus::Source& source, bool until_eof, const std::atomic<bool>& stop);
  //! Reads every topic of `bus` with stream.workers threads (worker w hosts the tasks
  //! p ≡ w mod workers, i.e. the memory partitions p) until `stop`; then drains what was
  //! read, commits and returns. Memory offsets restart at 0 with every process, so only
  //! the task state (open windows, dedup, baselines) is resumed from the store.
  Status RunMemory(bus::MemoryBus& bus, const std::atomic<bool>& stop);

  //! Reads the shop topics of the Kafka cluster in consumer group `consumer_group` with
  //! stream.workers consumers (threads). The group assigns partitions; for each assigned
  //! partition number the worker claims its task (fencing the previous owner), restores
  //! the task's state and resumes at the offsets stored with it, so any number of
  //! processes in the group produce the tables one would. With `until_eof`, a worker whose
  //! partitions are all read to their end closes its tasks' windows, commits and returns
  //! (deterministic for input that was on the broker before the run); otherwise runs until
  //! `stop`.
  Status RunKafka(const KafkaConfig& kafka, bool until_eof, const std::atomic<bool>& stop);

  //! Thread-safe.
  EngineStats stats() const;

 private:
  struct Shared;
  std::unique_ptr<Shared> shared_;
};

}  // namespace gm::stream
