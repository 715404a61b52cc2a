#include "stream/internal/pg_snapshot_load.h"

#include <libpq-fe.h>

#include <algorithm>
#include <cstdint>
#include <memory>

#include "stream/internal/snapshot_compression.h"

namespace gm::stream::internal {
namespace {

using ResultPtr = std::unique_ptr<PGresult, decltype(&PQclear)>;

int64_t BigEndian(const char* p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  if (n == 4) return static_cast<int32_t>(static_cast<uint32_t>(v));
  return static_cast<int64_t>(v);
}

// Runs `sql` with the group as $1, asking for binary results; `what` names the step in errors.
Result<ResultPtr> QueryBinary(PGconn* raw, const char* sql, const std::string& group,
                              const std::string& what) {
  const char* values[1] = {group.c_str()};
  ResultPtr res(PQexecParams(raw, sql, 1, nullptr, values, nullptr, nullptr,
                             /*resultFormat=*/1),
                &PQclear);
  if (res == nullptr || PQresultStatus(res.get()) != PGRES_TUPLES_OK) {
    const char* state = res ? PQresultErrorField(res.get(), PG_DIAG_SQLSTATE) : nullptr;
    return store::SqlStateToStatus(state != nullptr ? state : "", PQerrorMessage(raw), what);
  }
  return res;
}

}  // namespace

Status LoadSnapshots(store::Connection& conn, const std::string& group, RestoredCheckpoint& out) {
  PGconn* raw = conn.raw();
  if (raw == nullptr) return Unavailable("loading task snapshots: not connected");
  Result<ResultPtr> full = QueryBinary(raw,
                                       "SELECT task, owner_generation, snapshot "
                                       "FROM stream_task_state WHERE consumer_group = $1 "
                                       "ORDER BY task",
                                       group, "loading task snapshots");
  if (!full.ok()) return full.status();
  PGresult* res = full->get();
  for (int i = 0; i < PQntuples(res); ++i) {
    if (PQgetlength(res, i, 0) != 4 || PQgetlength(res, i, 1) != 8) {
      return Internal("loading task snapshots: unexpected binary column sizes");
    }
    const auto task = static_cast<int32_t>(BigEndian(PQgetvalue(res, i, 0), 4));
    const int64_t generation = BigEndian(PQgetvalue(res, i, 1), 8);
    if (Status s = DecompressSnapshot(
            {PQgetvalue(res, i, 2), static_cast<size_t>(PQgetlength(res, i, 2))},
            out.snapshots[task]);
        !s.ok()) {
      return s;
    }
    out.max_generation = std::max(out.max_generation, generation);
  }
  // The incremental snapshots after them in order, and the full ones compactions wrote
  // (sql/0008): a full row replaces the state before it. Rows of generations older than the
  // one that wrote the stream_task_state snapshot are superseded by it.
  Result<ResultPtr> changes = QueryBinary(
      raw,
      "SELECT c.task, c.is_full, c.changes FROM stream_task_state_changes c "
      "JOIN stream_task_state s USING (consumer_group, task) "
      "WHERE c.consumer_group = $1 AND c.owner_generation >= s.snapshot_generation "
      "ORDER BY c.task, c.owner_generation, c.snapshot_no, c.is_full, c.seq",
      group, "loading incremental task snapshots");
  if (!changes.ok()) return changes.status();
  res = changes->get();
  for (int i = 0; i < PQntuples(res); ++i) {
    if (PQgetlength(res, i, 0) != 4 || PQgetlength(res, i, 1) != 1) {
      return Internal("loading incremental task snapshots: unexpected binary column sizes");
    }
    const auto task = static_cast<int32_t>(BigEndian(PQgetvalue(res, i, 0), 4));
    const bool full = *PQgetvalue(res, i, 1) != 0;
    const char* bytes = PQgetvalue(res, i, 2);
    const auto size = static_cast<size_t>(PQgetlength(res, i, 2));
    std::vector<std::string>& changes_of_task = out.snapshot_changes[task];
    if (full) changes_of_task.clear();
    std::string& target = full ? out.snapshots[task] : changes_of_task.emplace_back();
    if (Status s = DecompressSnapshot({bytes, size}, target); !s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace gm::stream::internal
