#pragma once

// Where the stream engine commits its work (DESIGN.md §6 Exactly once): each checkpoint
// is one transaction holding the outputs produced since the previous one, the source
// offsets after the last message they include, and the state snapshots of the tasks
// involved — so a crash at any point resumes from a consistent point and ends in exactly
// the tables a clean run produces.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "common/status.h"
#include "store/copy_rows.h"
#include "stream/rows.h"

namespace gm::store {
class ConnectionPool;
}

namespace gm::stream {

//! The next offset to read in one source partition (a file: its path, partition 0).
struct SourceOffset {
  std::string topic;
  int32_t partition = 0;
  int64_t next_offset = 0;
  bool operator==(const SourceOffset&) const = default;
};

//! The columns of the archive's COPY rows, in order (transactions, transaction_items).
const std::vector<std::string>& TransactionColumns();
const std::vector<std::string>& TransactionItemColumns();

//! Everything one checkpoint commits. Reused between checkpoints (Clear keeps capacity).
struct CheckpointBatch {
  std::string consumer_group;
  //! The committer's ownership generation; a commit is refused (Aborted) when any of
  //! `offsets` or `snapshots` was committed with a higher one (fencing).
  int64_t generation = 0;
  std::string owner;  //!< host:pid/member, for people

  std::vector<SourceOffset> offsets;
  //! task → its whole state (SnapshotWriter bytes): replaces the stored snapshot and every
  //! incremental one stored after it.
  std::map<int32_t, std::string> snapshots;
  //! task → what changed since the task's previous snapshot (full or incremental) of the
  //! same owner: appended after the stored ones. A task is in at most one of the two maps.
  std::map<int32_t, std::string> snapshot_changes;
  //! task → the number of its snapshot in this batch, counted per task and owner
  //! generation: 0 for the full one of its first checkpoint, then 1, 2, ... (NumberOf).
  std::map<int32_t, int64_t> snapshot_numbers;
  int64_t NumberOf(int32_t task) const {
    auto it = snapshot_numbers.find(task);
    return it == snapshot_numbers.end() ? 0 : it->second;
  }
  //! Buffers of earlier snapshots (Clear keeps them), so a new one need not grow from empty.
  std::vector<std::string> spare_snapshot_buffers;

  store::CopyRows transactions{TransactionColumns().size(), store::CopyFormat::kBinary};
  store::CopyRows transaction_items{TransactionItemColumns().size(), store::CopyFormat::kBinary};
  std::vector<AnomalyRow> anomalies;
  std::vector<SalesRow> sales;  //!< absolute values: upserted
  std::vector<DeadLetterRow> dead_letters;
  std::vector<PartitionMetricsRow> metrics;  //!< added to the stored counts
  // Keyed rows with absolute values: a key may appear more than once, the last one wins.
  std::vector<SessionRow> sessions;
  std::vector<CartAbandonmentRow> cart_abandonments;
  std::vector<InventoryRow> inventory;
  std::vector<LowStockAlertRow> low_stock_alerts;

  //! Empties offsets, snapshots and rows (keeping the buffers' capacity); keeps
  //! consumer_group, generation and owner.
  void Clear();
  //! True when there is nothing to write but offsets/snapshots.
  bool NoRows() const;
};

//! What a consumer group committed before, for resuming.
struct RestoredCheckpoint {
  std::vector<SourceOffset> offsets;
  std::map<int32_t, std::string> snapshots;  //!< task → its last full snapshot's bytes
  //! task → the incremental snapshots committed after it, in commit order.
  std::map<int32_t, std::vector<std::string>> snapshot_changes;
  //! The incremental snapshots of `task` (empty when none).
  const std::vector<std::string>& ChangesOf(int32_t task) const {
    static const std::vector<std::string> kNone;
    auto it = snapshot_changes.find(task);
    return it == snapshot_changes.end() ? kNone : it->second;
  }
  int64_t max_generation = 0;  //!< the highest generation committed for the group (0: none)
};

//! Thread-safe: workers commit their own tasks concurrently.
class CheckpointStore {
 public:
  virtual ~CheckpointStore() = default;

  //! Everything `group` committed (offsets of all its source partitions, snapshots of all
  //! its tasks). Unavailable when the database cannot be reached.
  virtual Result<RestoredCheckpoint> Load(const std::string& group) = 0;

  //! Takes `tasks` of `group` over for a new ownership generation, higher than any before,
  //! and returns it: from now on commits of an older generation that touch these tasks fail
  //! with Aborted. Call it before Load, so the state loaded is the last one the previous
  //! owner could commit. A task without committed state gets an empty snapshot row.
  virtual Result<int64_t> Claim(const std::string& group, const std::vector<int32_t>& tasks,
                                const std::string& owner) = 0;

  //! Commits `batch` atomically: archive rows inserted unless present (idempotent on
  //! transaction_id / (transaction_id, line_no)), anomalies and dead letters likewise on
  //! their keys, sales rows upserted with their absolute values, metrics added, offsets
  //! and snapshots upserted. Aborted (and nothing written) when fenced; Unavailable when
  //! the database went away (the caller retries the same batch); InvalidArgument when a
  //! row cannot be stored (a bug: the decoder's rules keep such input out).
  virtual Status Commit(const CheckpointBatch& batch) = 0;

  //! Stores `snapshot` — the whole state of `task` as of its snapshot numbered `number`,
  //! which generation `generation` committed — in place of that snapshot and every one
  //! before it, in a transaction of its own: checkpoints then write only what changed, and
  //! a restore reads the full state and a short tail of changes. Runs beside commits (on
  //! another connection) and never blocks them. Aborted (nothing written) when another
  //! generation owns the task now; Unavailable when the database is away (nothing is lost:
  //! the changes stay where they are). Takes `snapshot` so it can free it as early as it
  //! can: it is the task's whole state, often hundreds of megabytes.
  virtual Status Compact(const std::string& group, int32_t task, int64_t generation, int64_t number,
                         std::string snapshot) = 0;
};

//! Commits into PostgreSQL through `pool` (sql/0001_core.sql, 0002_stream.sql; the
//! transaction is described in docs/database.md). Each Load/Commit holds one connection of
//! `pool` while it runs, and discards it after an error other than fencing. `pool` must
//! outlive the store. Steps and their times are logged at debug level ("stream").
std::unique_ptr<CheckpointStore> NewPostgresCheckpointStore(store::ConnectionPool& pool);

//! Drops everything it is given: the store of `stream --null-store` and of the processing
//! core's benchmark, so they measure the engine and not a store. Load finds nothing (every
//! run starts afresh), Claim hands out increasing generations, Commit and Compact only
//! count. Thread-safe.
class NullCheckpointStore : public CheckpointStore {
 public:
  Result<RestoredCheckpoint> Load(const std::string& group) override;
  Status Commit(const CheckpointBatch& batch) override;
  Result<int64_t> Claim(const std::string& group, const std::vector<int32_t>& tasks,
                        const std::string& owner) override;
  Status Compact(const std::string& group, int32_t task, int64_t generation, int64_t number,
                 std::string snapshot) override;

  int64_t commits() const { return commits_.load(); }
  //! Archive rows (transactions) given to commits.
  int64_t transactions() const { return transactions_.load(); }

 private:
  std::atomic<int64_t> generation_{0};
  std::atomic<int64_t> commits_{0};
  std::atomic<int64_t> transactions_{0};
};

//! Keeps only the latest offsets and snapshots in memory and counts the rows it is given:
//! the stand-in for PostgreSQL in engine tests. Behaves like the PostgreSQL store where
//! the engine can tell: offsets and snapshots are kept per consumer group with their
//! generation and fenced the same way (Aborted, nothing applied); a batch holding a bad
//! archive row (CopyRows::status) is refused whole (InvalidArgument). Archive rows are only
//! counted; anomalies and dead letters are kept once per key (the first wins, as ON
//! CONFLICT DO NOTHING), sales rows with their latest values; session and cart abandonment
//! rows are only counted; inventory, alert rows and metrics are ignored.
class MemoryCheckpointStore : public CheckpointStore {
 public:
  Result<RestoredCheckpoint> Load(const std::string& group) override;
  Status Commit(const CheckpointBatch& batch) override;
  Result<int64_t> Claim(const std::string& group, const std::vector<int32_t>& tasks,
                        const std::string& owner) override;
  Status Compact(const std::string& group, int32_t task, int64_t generation, int64_t number,
                 std::string snapshot) override;

  //! Rows given to successful commits (duplicates included).
  struct Totals {
    int64_t commits = 0;
    int64_t transactions = 0;
    int64_t transaction_items = 0;
    int64_t anomalies = 0;
    int64_t sales_rows = 0;
    int64_t dead_letters = 0;
    int64_t sessions = 0;
    int64_t cart_abandonments = 0;
    int64_t compactions = 0;  //!< successful Compact calls
  };
  Totals totals() const;
  //! The latest absolute value of every sales row committed, keyed like the table.
  std::vector<SalesRow> SalesTable() const;
  //! One row per transaction_id (the first committed), in transaction_id order.
  std::vector<AnomalyRow> Anomalies() const;
  //! One row per (topic, partition, offset) (the first committed), in that order.
  std::vector<DeadLetterRow> DeadLetters() const;

 private:
  // What one consumer group committed, each entry with the generation that wrote it.
  struct GroupState {
    struct Offset {
      int64_t next_offset = 0;
      int64_t generation = 0;
    };
    struct Snapshot {
      std::string bytes;
      std::vector<std::string> changes;     //!< incremental snapshots after `bytes`
      std::vector<int64_t> change_numbers;  //!< their CheckpointBatch::NumberOf
      int64_t generation = 0;
    };
    std::map<std::pair<std::string, int32_t>, Offset> offsets;  // (topic, partition)
    std::map<int32_t, Snapshot> snapshots;                      // task
  };

  mutable std::mutex mu_;
  int64_t last_generation_ = 0;               // guarded by mu_
  std::map<std::string, GroupState> groups_;  // guarded by mu_
  Totals totals_;                             // guarded by mu_
  // guarded by mu_
  std::map<std::tuple<Micros, Micros, std::string, std::string, int32_t>, SalesRow> sales_;
  std::map<std::string, AnomalyRow> anomalies_;  // guarded by mu_
  std::map<std::tuple<std::string, int32_t, int64_t>, DeadLetterRow>
      dead_letters_;  // guarded by mu_
};

}  // namespace gm::stream
