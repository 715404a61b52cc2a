#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace gm::stream::internal {

// Task snapshots as the PostgreSQL store keeps them: a zstd frame (level 1) of the engine's
// bytes. They are ids, JSON and counters — about a fifth of their size compressed (5.1×
// measured on the full snapshots of a live run) — and at 50,000 events/s a live engine
// writes tens of megabytes of them a second, which the server otherwise spends its time
// storing (TOAST inserts and WAL). Compressing costs the committer and compactor threads,
// not the worker. A stored value that is not a zstd frame (written before compression
// existed) is the engine's bytes as they are: no engine snapshot starts like a zstd frame
// (their first byte is a small format version or 0x43).

//! Replaces `out` with the zstd frame of `raw`.
void CompressSnapshot(std::string_view raw, std::string& out);

//! Replaces `out` with the engine's bytes of a stored snapshot. InvalidArgument when it
//! looks like a zstd frame but does not decompress.
Status DecompressSnapshot(std::string_view stored, std::string& out);

}  // namespace gm::stream::internal
