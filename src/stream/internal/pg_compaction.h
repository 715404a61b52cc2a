#pragma once

// Storing a compaction in PostgreSQL (the PostgreSQL checkpoint store's Compact; docs/stream.md,
// Compaction): the task's whole state as a full stream_task_state_changes row, in place of
// the rows it covers.

#include <cstdint>
#include <string>

#include "common/status.h"
#include "store/connection.h"

namespace gm::stream::internal {

//! Compresses `snapshot` (freeing it before the write) and stores it on `conn` in a
//! transaction of its own, while `generation` owns `task` of `group`; deletes the change rows
//! up to `number` and those of older generations. Aborted when another generation owns the
//! task; otherwise what libpqxx threw, as a Status. Logs the sizes and time at debug level.
Status WriteCompaction(store::Connection& conn, const std::string& group, int32_t task,
                       int64_t generation, int64_t number, std::string snapshot);

}  // namespace gm::stream::internal
