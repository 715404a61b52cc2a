#pragma once

// Reading task snapshots back from PostgreSQL (used by the PostgreSQL checkpoint store's
// Load): the full snapshots of stream_task_state and the incremental ones of
// stream_task_state_changes, in binary format (bytea as raw bytes: half the size of hex
// text, and no decoding).

#include <string>

#include "common/status.h"
#include "store/connection.h"
#include "stream/checkpoint_store.h"

namespace gm::stream::internal {

//! Adds `group`'s full snapshots (task → bytes, raising out.max_generation) and the
//! incremental snapshots after them (task → bytes in commit order) to `out`, reading on
//! `conn` (inside the caller's transaction, so both match its offsets). Unavailable when not
//! connected; the SQL state's mapping on a failed query; Internal on unexpected columns.
Status LoadSnapshots(store::Connection& conn, const std::string& group, RestoredCheckpoint& out);

}  // namespace gm::stream::internal
