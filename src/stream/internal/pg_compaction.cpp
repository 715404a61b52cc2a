#include "stream/internal/pg_compaction.h"

#include <chrono>
#include <pqxx/pqxx>

#include "common/logging.h"
#include "stream/internal/snapshot_compression.h"

namespace gm::stream::internal {
namespace {

// The full row goes in only while the generation still owns the task, and replaces the rows
// it covers. A plain read of the owner: when a new owner claims the task meanwhile, its first
// checkpoint's snapshot supersedes the row (stream_task_state.snapshot_generation), whenever
// this commits.
constexpr char kCompactName[] = "gm_ckpt_compact";
constexpr char kCompactSql[] =
    "WITH owner AS (SELECT 1 FROM stream_task_state WHERE consumer_group = $1 AND task = $2 "
    "AND owner_generation = $3), "
    "written AS (INSERT INTO stream_task_state_changes (consumer_group, task, changes, "
    "owner_generation, snapshot_no, is_full) SELECT $1, $2, $5, $3, $4, true FROM owner "
    "RETURNING seq), "
    "covered AS (DELETE FROM stream_task_state_changes c USING written w "
    "WHERE c.consumer_group = $1 AND c.task = $2 AND c.seq <> w.seq AND "
    "(c.owner_generation < $3 OR (c.owner_generation = $3 AND c.snapshot_no <= $4))) "
    "SELECT count(*) FROM written";

}  // namespace

Status WriteCompaction(store::Connection& conn, const std::string& group, int32_t task,
                       int64_t generation, int64_t number, std::string snapshot) {
  const auto started = std::chrono::steady_clock::now();
  const size_t raw_size = snapshot.size();
  std::string stored;
  CompressSnapshot(snapshot, stored);
  // The state is in `stored` now: free its raw bytes before the (long) write.
  std::string().swap(snapshot);
  try {
    conn.pqxx().prepare(kCompactName, kCompactSql);
    pqxx::work tx(conn.pqxx(), "checkpoint_compact");
    const pqxx::row r = tx.exec_prepared1(kCompactName, group, task, generation, number,
                                          pqxx::binarystring(stored.data(), stored.size()));
    if (r[0].as<int64_t>() == 0) {
      return Aborted("compaction of task " + std::to_string(task) + " of group " + group +
                     ": generation " + std::to_string(generation) + " no longer owns it");
    }
    tx.commit();
  } catch (const std::exception& e) {
    return store::ToStatus(e, "compacting the snapshots of task " + std::to_string(task) +
                                  " of group " + group);
  }
  Logger("stream")->debug(
      "compacted task {} of group {} generation {} through snapshot {}: {} bytes ({} stored) "
      "in {} ms",
      task, group, generation, number, raw_size, stored.size(),
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                            started)
          .count());
  return Status::Ok();
}

}  // namespace gm::stream::internal
