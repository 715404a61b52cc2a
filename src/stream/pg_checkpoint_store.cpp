// The PostgreSQL checkpoint store: one transaction per checkpoint (docs/database.md, The
// checkpoint transaction). The archive goes into its tables by COPY; other bulk rows are
// COPYed into per-session staging tables and merged with one INSERT ... SELECT each; small
// row sets use prepared statements.
#include <libpq-fe.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <pqxx/pqxx>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "common/logging.h"
#include "store/connection.h"
#include "store/pool.h"
#include "stream/checkpoint_store.h"
#include "stream/internal/checkpoint_inputs.h"
#include "stream/internal/pg_compaction.h"
#include "stream/internal/pg_copy.h"
#include "stream/internal/pg_snapshot_load.h"

namespace gm::stream {
namespace {

using internal::AnomalyColumns;
using internal::DeadLetterColumns;
using internal::Inputs;
using internal::PrepareInputs;
using internal::SalesColumns;
using store::Connection;
using store::CopyRows;

// Staging tables live as long as the session; ON COMMIT DELETE ROWS empties them at the
// end of every transaction that used them, and a rolled-back COPY leaves nothing behind.
// IF NOT EXISTS makes the statement a few catalog lookups once the tables exist (one round
// trip, in commits that stage anything), and spares bookkeeping of which pooled session has
// them, which a reconnect or a rolled-back first commit would make lie.
constexpr char kCreateStaging[] =
    "CREATE TEMP TABLE IF NOT EXISTS gm_ckpt_transactions "
    "(LIKE transactions INCLUDING DEFAULTS) ON COMMIT DELETE ROWS;"
    "CREATE TEMP TABLE IF NOT EXISTS gm_ckpt_transaction_items "
    "(LIKE transaction_items INCLUDING DEFAULTS) ON COMMIT DELETE ROWS;"
    "CREATE TEMP TABLE IF NOT EXISTS gm_ckpt_anomalies "
    "(LIKE transaction_anomalies INCLUDING DEFAULTS) ON COMMIT DELETE ROWS;"
    "CREATE TEMP TABLE IF NOT EXISTS gm_ckpt_dead_letters "
    "(LIKE dead_letter_events INCLUDING DEFAULTS) ON COMMIT DELETE ROWS;"
    "CREATE TEMP TABLE IF NOT EXISTS gm_ckpt_sales "
    "(LIKE sales_metrics_by_task INCLUDING DEFAULTS) ON COMMIT DELETE ROWS;"
    "CREATE TEMP TABLE IF NOT EXISTS gm_ckpt_sessions "
    "(LIKE session_metrics INCLUDING DEFAULTS) ON COMMIT DELETE ROWS;"
    "CREATE TEMP TABLE IF NOT EXISTS gm_ckpt_cart_abandonment "
    "(LIKE cart_abandonment INCLUDING DEFAULTS) ON COMMIT DELETE ROWS;"
    "CREATE TEMP TABLE IF NOT EXISTS gm_ckpt_inventory "
    "(LIKE inventory_status INCLUDING DEFAULTS) ON COMMIT DELETE ROWS;"
    "CREATE TEMP TABLE IF NOT EXISTS gm_ckpt_resolved_alerts "
    "(LIKE low_stock_alerts INCLUDING DEFAULTS) ON COMMIT DELETE ROWS;"
    "CREATE TEMP TABLE IF NOT EXISTS gm_ckpt_alerts "
    "(LIKE low_stock_alerts INCLUDING DEFAULTS) ON COMMIT DELETE ROWS;";

// Upserts of absolute values from a staging table: `columns` are inserted, those after the
// first `keys` of them updated.
std::string Upsert(const char* table, const char* stage, const std::vector<std::string>& columns,
                   size_t keys, const char* touched_column) {
  std::string list, updates;
  for (size_t i = 0; i < columns.size(); ++i) {
    if (i > 0) list += ", ";
    list += columns[i];
    if (i < keys) continue;
    updates += columns[i] + " = EXCLUDED." + columns[i] + ", ";
  }
  std::string key_list;
  for (size_t i = 0; i < keys; ++i) key_list += (i > 0 ? ", " : "") + columns[i];
  return std::string("INSERT INTO ") + table + " (" + list + ") SELECT " + list + " FROM " + stage +
         " ON CONFLICT (" + key_list + ") DO UPDATE SET " + updates + touched_column + " = now();";
}
const std::string kMergeSessions =
    Upsert("session_metrics", "gm_ckpt_sessions", internal::SessionColumns(), 2, "updated_at");
const std::string kMergeCartAbandonment =
    Upsert("cart_abandonment", "gm_ckpt_cart_abandonment", internal::CartAbandonmentColumns(), 3,
           "updated_at");
const std::string kMergeInventory = Upsert("inventory_status", "gm_ckpt_inventory",
                                           internal::InventoryColumns(), 1, "last_updated");
const std::string kMergeResolvedAlerts =
    Upsert("low_stock_alerts", "gm_ckpt_resolved_alerts", internal::LowStockAlertColumns(), 2,
           "last_updated");
const std::string kMergeAlerts = Upsert("low_stock_alerts", "gm_ckpt_alerts",
                                        internal::LowStockAlertColumns(), 2, "last_updated");

// The staging tables have the targets' column order (LIKE), so SELECT * fits.
constexpr char kMergeTransactions[] =
    "INSERT INTO transactions SELECT * FROM gm_ckpt_transactions ON CONFLICT DO NOTHING;";
constexpr char kMergeTransactionItems[] =
    "INSERT INTO transaction_items SELECT * FROM gm_ckpt_transaction_items "
    "ON CONFLICT DO NOTHING;";

constexpr char kMergeAnomalies[] =
    "INSERT INTO transaction_anomalies (transaction_id, user_id, event_time, "
    "total_amount_cents, country, anomaly_score, anomaly_types, description) "
    "SELECT transaction_id, user_id, event_time, total_amount_cents, country, anomaly_score, "
    "anomaly_types, description FROM gm_ckpt_anomalies "
    "ON CONFLICT (transaction_id) DO NOTHING;";

constexpr char kMergeDeadLetters[] =
    "INSERT INTO dead_letter_events (source_topic, source_partition, source_offset, raw, "
    "raw_size, reason) SELECT source_topic, source_partition, source_offset, raw, raw_size, "
    "reason FROM gm_ckpt_dead_letters ON CONFLICT DO NOTHING;";

// The upsert of absolute sales values, after INSERT ... VALUES or SELECT.
constexpr char kSalesUpsert[] =
    " ON CONFLICT (window_start, window_end, category, country, task) DO UPDATE SET "
    "total_amount_cents = EXCLUDED.total_amount_cents, "
    "transaction_count = EXCLUDED.transaction_count, item_quantity = EXCLUDED.item_quantity, "
    "is_final = EXCLUDED.is_final, updated_at = now()";
const std::string kMergeSales =
    std::string(
        "INSERT INTO sales_metrics_by_task (window_start, window_end, category, country, task, "
        "total_amount_cents, transaction_count, item_quantity, is_final) "
        "SELECT window_start, window_end, category, country, task, total_amount_cents, "
        "transaction_count, item_quantity, is_final FROM gm_ckpt_sales") +
    kSalesUpsert + ";";

// Prepared statements. libpqxx registers them with each session on first use.
struct Statement {
  const char* name;
  std::string sql;
};

// Fencing: a row is written only when its stored generation is not newer; RETURNING
// tells which were.
const Statement kUpsertOffsets = {
    "gm_ckpt_offsets",
    "INSERT INTO stream_offsets (consumer_group, source_topic, source_partition, next_offset, "
    "owner_generation, owner, updated_at) "
    "SELECT $1, u.topic, u.part, u.next, $5, nullif($6, ''), now() "
    "FROM unnest($2::text[], $3::integer[], $4::bigint[]) AS u(topic, part, next) "
    "ON CONFLICT (consumer_group, source_topic, source_partition) DO UPDATE SET "
    "next_offset = EXCLUDED.next_offset, owner_generation = EXCLUDED.owner_generation, "
    "owner = EXCLUDED.owner, updated_at = now() "
    "WHERE stream_offsets.owner_generation <= EXCLUDED.owner_generation "
    "RETURNING source_topic, source_partition"};

// A full snapshot, which supersedes the task's incremental ones (deleted in the same
// statement); the count is 0 when fenced.
const Statement kUpsertSnapshot = {
    "gm_ckpt_snapshot",
    "WITH written AS (INSERT INTO stream_task_state (consumer_group, task, owner_generation, "
    "snapshot, snapshot_size, snapshot_generation, updated_at) "
    "VALUES ($1, $2, $3, $4, $5, $3, now()) "
    "ON CONFLICT (consumer_group, task) DO UPDATE SET "
    "owner_generation = EXCLUDED.owner_generation, snapshot = EXCLUDED.snapshot, "
    "snapshot_size = EXCLUDED.snapshot_size, "
    "snapshot_generation = EXCLUDED.snapshot_generation, updated_at = now() "
    "WHERE stream_task_state.owner_generation <= EXCLUDED.owner_generation RETURNING task), "
    "superseded AS (DELETE FROM stream_task_state_changes c USING written w "
    "WHERE c.consumer_group = $1 AND c.task = w.task) "
    "SELECT count(*) FROM written"};

// An incremental snapshot: appended when the task's row is not fenced (RETURNING says
// whether it was) and holds a full snapshot to apply it to.
const Statement kAppendChanges = {
    "gm_ckpt_append_changes",
    "WITH owner AS (UPDATE stream_task_state SET owner_generation = $3, updated_at = now() "
    "WHERE consumer_group = $1 AND task = $2 AND owner_generation <= $3 "
    "RETURNING snapshot_size) "
    "INSERT INTO stream_task_state_changes (consumer_group, task, changes, owner_generation, "
    "snapshot_no) SELECT $1, $2, $4, $3, $5 FROM owner WHERE snapshot_size > 0 RETURNING seq"};

const Statement kInsertAnomaly = {
    "gm_ckpt_anomaly",
    "INSERT INTO transaction_anomalies (transaction_id, user_id, event_time, "
    "total_amount_cents, country, anomaly_score, anomaly_types, description) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (transaction_id) DO NOTHING"};

const Statement kInsertDeadLetter = {
    "gm_ckpt_dead_letter",
    "INSERT INTO dead_letter_events (source_topic, source_partition, source_offset, raw, "
    "raw_size, reason) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING"};

const Statement kUpsertSales = {
    "gm_ckpt_sales",
    std::string(
        "INSERT INTO sales_metrics_by_task (window_start, window_end, category, country, task, "
        "total_amount_cents, transaction_count, item_quantity, is_final) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)") +
        kSalesUpsert};

// Counts are added to what the interval already holds; the lag is the latest known one.
const Statement kAddMetrics = {
    "gm_ckpt_metrics",
    "INSERT INTO kafka_metrics_by_partition (source_topic, source_partition, interval_start, "
    "received, valid, invalid, late, duplicate, consumer_lag, updated_at) "
    "SELECT u.*, now() FROM unnest($1::text[], $2::integer[], $3::timestamptz[], "
    "$4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[]) "
    "AS u(topic, part, interval_start, received, valid, invalid, late, duplicate, lag) "
    "ON CONFLICT (source_topic, interval_start, source_partition) DO UPDATE SET "
    "received = kafka_metrics_by_partition.received + EXCLUDED.received, "
    "valid = kafka_metrics_by_partition.valid + EXCLUDED.valid, "
    "invalid = kafka_metrics_by_partition.invalid + EXCLUDED.invalid, "
    "late = kafka_metrics_by_partition.late + EXCLUDED.late, "
    "duplicate = kafka_metrics_by_partition.duplicate + EXCLUDED.duplicate, "
    "consumer_lag = coalesce(EXCLUDED.consumer_lag, kafka_metrics_by_partition.consumer_lag), "
    "updated_at = now()"};

const Statement* const kStatements[] = {&kUpsertOffsets, &kUpsertSnapshot,   &kAppendChanges,
                                        &kInsertAnomaly, &kInsertDeadLetter, &kUpsertSales,
                                        &kAddMetrics};

// --- The transaction -----------------------------------------------------------------------

std::string Partition(const std::string& topic, int32_t partition) {
  return topic + "[" + std::to_string(partition) + "]";
}

Status Fenced(const std::string& what, const CheckpointBatch& batch, int64_t stored,
              const std::string& owner) {
  return Aborted("fenced: " + what + " of group " + batch.consumer_group +
                 " was committed by generation " + std::to_string(stored) +
                 (owner.empty() ? "" : " (" + owner + ")") + "; this commit has generation " +
                 std::to_string(batch.generation));
}

// Offsets and snapshots first: a fenced batch stops before writing anything, and the row
// locks taken here serialise a concurrent commit of the same partitions by another owner.
Status Fence(pqxx::work& tx, const CheckpointBatch& batch, const Inputs& in) {
  if (!in.offsets.empty()) {
    const pqxx::result r =
        tx.exec_prepared(kUpsertOffsets.name, batch.consumer_group, in.offset_topics,
                         in.offset_partitions, in.offset_values, batch.generation, batch.owner);
    if (r.size() != in.offsets.size()) {
      std::set<std::pair<std::string, int32_t>> written;
      for (const pqxx::row& row : r) {
        written.emplace(row[0].as<std::string>(), row[1].as<int32_t>());
      }
      for (const SourceOffset& o : in.offsets) {
        if (written.count({o.topic, o.partition}) > 0) continue;
        const pqxx::row stored = tx.exec_params1(
            "SELECT owner_generation, coalesce(owner, '') FROM stream_offsets "
            "WHERE consumer_group = $1 AND source_topic = $2 AND source_partition = $3",
            batch.consumer_group, o.topic, o.partition);
        return Fenced(Partition(o.topic, o.partition), batch, stored[0].as<int64_t>(),
                      stored[1].as<std::string>());
      }
    }
  }
  for (const auto& [task, compressed] : in.snapshots) {
    const pqxx::result r =
        tx.exec_prepared(kUpsertSnapshot.name, batch.consumer_group, task, batch.generation,
                         pqxx::binarystring(compressed.data(), compressed.size()),
                         static_cast<int64_t>(compressed.size()));
    if (r[0][0].as<int64_t>() == 0) {
      const pqxx::row stored = tx.exec_params1(
          "SELECT owner_generation FROM stream_task_state "
          "WHERE consumer_group = $1 AND task = $2",
          batch.consumer_group, task);
      return Fenced("task " + std::to_string(task), batch, stored[0].as<int64_t>(), "");
    }
  }
  for (const auto& [task, compressed] : in.snapshot_changes) {
    const pqxx::result r = tx.exec_prepared(
        kAppendChanges.name, batch.consumer_group, task, batch.generation,
        pqxx::binarystring(compressed.data(), compressed.size()), batch.NumberOf(task));
    if (r.empty()) {
      const pqxx::result stored = tx.exec_params(
          "SELECT owner_generation, snapshot_size FROM stream_task_state "
          "WHERE consumer_group = $1 AND task = $2",
          batch.consumer_group, task);
      if (!stored.empty() && stored[0][0].as<int64_t>() > batch.generation) {
        return Fenced("task " + std::to_string(task), batch, stored[0][0].as<int64_t>(), "");
      }
      return Internal("incremental snapshot of task " + std::to_string(task) + " of group " +
                      batch.consumer_group + " without a full one stored before it");
    }
  }
  return Status::Ok();
}

// Small sets: one prepared statement per row (fewer round trips than staging them).
void InsertDirect(pqxx::work& tx, const CheckpointBatch& batch, const Inputs& in) {
  if (!in.stage_anomalies) {
    for (const AnomalyRow& r : batch.anomalies) {
      std::string types;
      store::copy_text::AppendArrayLiteral(r.types, types);
      tx.exec_prepared(kInsertAnomaly.name, r.transaction_id, r.user_id,
                       FormatTimestamp(r.event_time), r.total_amount, r.country, r.score, types,
                       r.description);
    }
  }
  if (!in.stage_dead_letters) {
    for (const DeadLetterRow& r : batch.dead_letters) {
      tx.exec_prepared(kInsertDeadLetter.name, r.topic, r.partition, r.offset,
                       pqxx::binarystring(r.raw.data(), r.raw.size()), r.raw_size, r.reason);
    }
  }
  if (!in.stage_sales) {
    for (const SalesRow* r : in.sales) {
      tx.exec_prepared(kUpsertSales.name, FormatTimestamp(r->window_start),
                       FormatTimestamp(r->window_end), r->category, r->country, r->task,
                       r->total_amount, r->transaction_count, r->item_quantity, r->is_final);
    }
  }
}

// Wall time of the commit's steps, for the debug log: where a slow checkpoint goes.
class StepTimer {
 public:
  void Step(std::string_view name) {
    const auto now = std::chrono::steady_clock::now();
    if (!text_.empty()) text_ += ", ";
    text_ += name;
    text_ += ' ';
    text_ +=
        std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(now - last_).count());
    text_ += " ms";
    last_ = now;
  }
  const std::string& text() const { return text_; }

 private:
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
  std::string text_;
};

// `prepared` fills `in` (PrepareInputs) while the archive, which needs only the batch, is
// sent: the server would otherwise wait for it.
Status WriteBatch(Connection& conn, const CheckpointBatch& batch, std::future<Status>& prepared,
                  const Inputs& in, StepTimer& timer) {
  pqxx::connection_base& c = conn.pqxx();
  // Registers the definitions with this connection object (a no-op when they are there).
  for (const Statement* s : kStatements) c.prepare(s->name, s->sql);
  pqxx::work tx(c, "checkpoint");
  timer.Step("begin");

  bool stage_archive = false;
  if (Status s = internal::CopyNewRows(
          conn, tx, "gm_ckpt_archive",
          {{"transactions", TransactionColumns(), batch.transactions},
           {"transaction_items", TransactionItemColumns(), batch.transaction_items}},
          stage_archive);
      !s.ok()) {
    return s;
  }
  timer.Step(stage_archive ? "archive (present rows: staged)" : "archive");
  // A batch that cannot be stored rolls back here, having written nothing.
  if (Status s = prepared.get(); !s.ok()) return s;
  timer.Step("inputs ready");
  if (Status s = Fence(tx, batch, in); !s.ok()) return s;
  timer.Step("fence");
  bool stage_new = false;
  if (Status s = internal::CopyNewRows(
          conn, tx, "gm_ckpt_new_keys",
          {{"sales_metrics_by_task", SalesColumns(), in.new_sales_rows},
           {"session_metrics", internal::SessionColumns(), in.new_sessions},
           {"cart_abandonment", internal::CartAbandonmentColumns(), in.new_cart_abandonments}},
          stage_new);
      !s.ok()) {
    return s;
  }
  timer.Step(stage_new ? "new keys (present rows: staged)" : "new keys");
  // Other bulk rows (and the archive when it has present rows): COPY into the staging
  // tables, then one round trip merges them all.
  std::string merges;
  if (stage_archive || stage_new || in.NeedsStaging()) {
    tx.exec(kCreateStaging);
    // Each staging table takes its set's rows and, when their direct COPY was undone, the
    // new-key rows too; one merge covers both.
    struct Staged {
      const char* stage;
      const std::vector<std::string>& columns;
      std::string_view merge;
      const CopyRows* rows;    //!< staged (null: none, or sent by prepared statements)
      const CopyRows* undone;  //!< new-key rows back from an undone direct COPY, or null
    };
    auto undone = [&](const CopyRows& rows) { return stage_new ? &rows : nullptr; };
    const Staged staged[] = {
        {"gm_ckpt_transactions", TransactionColumns(), kMergeTransactions, nullptr,
         stage_archive ? &batch.transactions : nullptr},
        {"gm_ckpt_transaction_items", TransactionItemColumns(), kMergeTransactionItems, nullptr,
         stage_archive ? &batch.transaction_items : nullptr},
        {"gm_ckpt_anomalies", AnomalyColumns(), kMergeAnomalies,
         in.stage_anomalies ? &in.anomalies : nullptr, nullptr},
        {"gm_ckpt_dead_letters", DeadLetterColumns(), kMergeDeadLetters,
         in.stage_dead_letters ? &in.dead_letters : nullptr, nullptr},
        {"gm_ckpt_sales", SalesColumns(), kMergeSales, in.stage_sales ? &in.sales_rows : nullptr,
         undone(in.new_sales_rows)},
        {"gm_ckpt_sessions", internal::SessionColumns(), kMergeSessions, &in.sessions,
         undone(in.new_sessions)},
        {"gm_ckpt_cart_abandonment", internal::CartAbandonmentColumns(), kMergeCartAbandonment,
         &in.cart_abandonments, undone(in.new_cart_abandonments)},
        {"gm_ckpt_inventory", internal::InventoryColumns(), kMergeInventory, &in.inventory,
         nullptr},
        {"gm_ckpt_resolved_alerts", internal::LowStockAlertColumns(), kMergeResolvedAlerts,
         &in.resolved_alerts, nullptr},
        {"gm_ckpt_alerts", internal::LowStockAlertColumns(), kMergeAlerts, &in.other_alerts,
         nullptr},
    };
    for (const Staged& s : staged) {
      bool copied = false;
      for (const CopyRows* rows : {s.rows, s.undone}) {
        if (rows == nullptr || rows->empty()) continue;
        if (Status c = internal::CopyInto(conn, s.stage, s.columns, *rows); !c.ok()) return c;
        copied = true;
      }
      if (copied) merges += s.merge;
    }
  }
  if (!merges.empty()) tx.exec(merges);
  timer.Step("staged");
  InsertDirect(tx, batch, in);
  if (in.metric_rows > 0) {
    const std::string* a = in.metric_arrays;
    tx.exec_prepared(kAddMetrics.name, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8]);
  }
  timer.Step("small sets");
  tx.commit();
  timer.Step("commit");
  return Status::Ok();
}

// A session that is gone makes any error retryable, whatever the message said.
Status ConnectionAware(Status s, const Connection& conn) {
  if (s.ok() || s.code() == ErrorCode::kUnavailable || s.code() == ErrorCode::kAborted) return s;
  PGconn* raw = conn.raw();
  if (raw == nullptr || PQstatus(raw) != CONNECTION_OK) return Unavailable(s.message());
  return s;
}

class PostgresCheckpointStore final : public CheckpointStore {
 public:
  explicit PostgresCheckpointStore(store::ConnectionPool& pool) : pool_(pool) {}

  Result<RestoredCheckpoint> Load(const std::string& group) override {
    Result<store::ConnectionPool::Lease> lease = pool_.Acquire();
    if (!lease.ok()) return lease.status();
    Connection& conn = **lease;
    RestoredCheckpoint out;
    Status s;
    try {
      // One snapshot of both tables: a commit landing between the two reads would pair
      // offsets with snapshots of another checkpoint.
      pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> tx(conn.pqxx(), "checkpoint_load");
      const pqxx::result r = tx.exec_params(
          "SELECT source_topic, source_partition, next_offset, owner_generation "
          "FROM stream_offsets WHERE consumer_group = $1 "
          "ORDER BY source_topic, source_partition",
          group);
      for (const pqxx::row& row : r) {
        out.offsets.push_back(
            {row[0].as<std::string>(), row[1].as<int32_t>(), row[2].as<int64_t>()});
        out.max_generation = std::max(out.max_generation, row[3].as<int64_t>());
      }
      s = internal::LoadSnapshots(conn, group, out);
      if (s.ok()) tx.commit();
    } catch (const std::exception& e) {
      s = store::ToStatus(e, "loading the checkpoint of group " + group);
    }
    if (!s.ok()) {
      lease->Discard();
      return ConnectionAware(s, conn);
    }
    return out;
  }

  Result<int64_t> Claim(const std::string& group, const std::vector<int32_t>& tasks,
                        const std::string& owner) override {
    Result<store::ConnectionPool::Lease> lease = pool_.Acquire();
    if (!lease.ok()) return lease.status();
    Connection& conn = **lease;
    int64_t generation = 0;
    Status s;
    try {
      pqxx::work tx(conn.pqxx(), "checkpoint_claim");
      generation = tx.exec1("SELECT nextval('stream_generation_seq')")[0].as<int64_t>();
      for (int32_t task : tasks) {
        tx.exec_params(
            "INSERT INTO stream_task_state (consumer_group, task, owner_generation, snapshot, "
            "snapshot_size) VALUES ($1, $2, $3, ''::bytea, 0) "
            "ON CONFLICT (consumer_group, task) DO UPDATE SET owner_generation = "
            "EXCLUDED.owner_generation, updated_at = now() "
            "WHERE stream_task_state.owner_generation < EXCLUDED.owner_generation",
            group, task, generation);
      }
      tx.commit();
      Logger("stream")->debug("{} claimed {} tasks of group {} as generation {}", owner,
                              tasks.size(), group, generation);
    } catch (const std::exception& e) {
      s = store::ToStatus(e, "claiming tasks of group " + group);
    }
    if (!s.ok()) {
      lease->Discard();
      return ConnectionAware(s, conn);
    }
    return generation;
  }

  Status Commit(const CheckpointBatch& batch) override {
    if (batch.offsets.empty() && batch.snapshots.empty() && batch.snapshot_changes.empty() &&
        batch.NoRows()) {
      return Status::Ok();
    }
    StepTimer timer;
    // The archive goes first, so its rows are checked before anything is sent; the other
    // inputs are prepared on another thread meanwhile (`prepared` is waited for by its
    // destructor at the latest, before `in` goes).
    for (const auto& [rows, columns, table] :
         {std::tuple{&batch.transactions, &TransactionColumns(), "transactions"},
          std::tuple{&batch.transaction_items, &TransactionItemColumns(), "transaction_items"}}) {
      if (Status s = internal::CheckArchiveRows(*rows, *columns, table); !s.ok()) return s;
    }
    Inputs in;
    std::future<Status> prepared =
        std::async(std::launch::async, [&batch, &in] { return PrepareInputs(batch, in); });
    Result<store::ConnectionPool::Lease> lease = pool_.Acquire();
    if (!lease.ok()) return lease.status();
    Connection& conn = **lease;
    Status s;
    try {
      s = WriteBatch(conn, batch, prepared, in, timer);
    } catch (const std::exception& e) {
      s = store::ToStatus(e, "committing a checkpoint of group " + batch.consumer_group);
    }
    // After a fenced batch the session is fine (rolled back); after anything else its state
    // is unknown, so the pool replaces it.
    if (!s.ok() && s.code() != ErrorCode::kAborted) lease->Discard();
    if (s.ok()) {
      size_t snapshot_bytes = 0;
      for (const auto& [task, bytes] : batch.snapshots) snapshot_bytes += bytes.size();
      size_t change_bytes = 0;
      for (const auto& [task, bytes] : batch.snapshot_changes) change_bytes += bytes.size();
      Logger("stream")->debug(
          "checkpoint of group {} generation {}: {} transactions, {} items, {} sales rows, {} "
          "anomalies, {} sessions, {} cart abandonments, {} inventory rows, {} alerts, {} "
          "snapshot bytes, {} incremental snapshot bytes: {}",
          batch.consumer_group, batch.generation, batch.transactions.rows(),
          batch.transaction_items.rows(), in.sales.size(), batch.anomalies.size(),
          in.sessions.rows() + in.new_sessions.rows(),
          in.cart_abandonments.rows() + in.new_cart_abandonments.rows(), in.inventory.rows(),
          in.resolved_alerts.rows() + in.other_alerts.rows(), snapshot_bytes, change_bytes,
          timer.text());
    }
    return ConnectionAware(s, conn);
  }

  Status Compact(const std::string& group, int32_t task, int64_t generation, int64_t number,
                 std::string snapshot) override {
    Result<store::ConnectionPool::Lease> lease = pool_.Acquire();
    if (!lease.ok()) return lease.status();
    Connection& conn = **lease;
    Status s =
        internal::WriteCompaction(conn, group, task, generation, number, std::move(snapshot));
    if (!s.ok() && s.code() != ErrorCode::kAborted) lease->Discard();
    return ConnectionAware(s, conn);
  }

 private:
  store::ConnectionPool& pool_;
};

}  // namespace

std::unique_ptr<CheckpointStore> NewPostgresCheckpointStore(store::ConnectionPool& pool) {
  return std::make_unique<PostgresCheckpointStore>(pool);
}

}  // namespace gm::stream
