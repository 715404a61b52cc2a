#pragma once

// What every CheckpointStore does with incremental snapshots and compactions: run by the
// PostgreSQL and the memory store tests alike.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "stream/checkpoint_store.h"

namespace gm::stream::testing {

// A batch of `generation` holding task 0's snapshot number `number`: full (number 0) or
// incremental.
inline CheckpointBatch SnapshotBatch(int64_t generation, int64_t number, const std::string& bytes) {
  CheckpointBatch b;
  b.consumer_group = "g";
  b.generation = generation;
  b.owner = "test";
  (number == 0 ? b.snapshots : b.snapshot_changes)[0] = bytes;
  b.snapshot_numbers[0] = number;
  return b;
}

// The stored state of task 0 of group "g": its full snapshot, then its changes.
inline std::vector<std::string> StoredState(CheckpointStore& store) {
  Result<RestoredCheckpoint> r = store.Load("g");
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (!r.ok()) return {};
  std::vector<std::string> state = {r->snapshots.count(0) ? r->snapshots.at(0) : "(none)"};
  for (const std::string& c : r->ChangesOf(0)) state.push_back(c);
  return state;
}

// Incremental snapshots (Task::Save without `full`) pile up after the task's full one, in
// commit order; the next full one supersedes them; they are fenced like it.
inline void CheckIncrementalSnapshots(CheckpointStore& store) {
  auto NewBatch = [](int64_t generation) {
    CheckpointBatch b;
    b.consumer_group = "g";
    b.generation = generation;
    b.owner = "test";
    return b;
  };
  Result<int64_t> gen = store.Claim("g", {0, 1}, "test");
  ASSERT_TRUE(gen.ok()) << gen.status().ToString();
  CheckpointBatch b = NewBatch(*gen);
  b.snapshots = {{0, "base0"}};
  ASSERT_TRUE(store.Commit(b).ok());
  for (const char* c : {"c1", "c2"}) {
    b = NewBatch(*gen);
    b.offsets = {{"tx", 0, 10}};
    b.snapshot_changes = {{0, std::string(c) + std::string(1, '\0')}};
    Status s = store.Commit(b);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  // Task 1 has no full snapshot to apply changes to: a bug, refused whole.
  b = NewBatch(*gen);
  b.offsets = {{"tx", 0, 20}};
  b.snapshot_changes = {{1, "x"}};
  Status s = store.Commit(b);
  EXPECT_EQ(s.code(), ErrorCode::kInternal) << s.ToString();

  Result<RestoredCheckpoint> r = store.Load("g");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->offsets, (std::vector<SourceOffset>{{"tx", 0, 10}}));
  EXPECT_EQ(r->snapshots.at(0), "base0");
  EXPECT_EQ(r->ChangesOf(0),
            (std::vector<std::string>{std::string("c1\0", 3), std::string("c2\0", 3)}));
  EXPECT_TRUE(r->ChangesOf(1).empty());

  // A new owner fences the old one's changes.
  Result<int64_t> next = store.Claim("g", {0}, "test");
  ASSERT_TRUE(next.ok());
  b = NewBatch(*gen);
  b.snapshot_changes = {{0, "stale"}};
  s = store.Commit(b);
  EXPECT_EQ(s.code(), ErrorCode::kAborted) << s.ToString();
  EXPECT_EQ(store.Load("g")->ChangesOf(0).size(), 2u);

  // The new owner's full snapshot replaces the old state and its changes.
  b = NewBatch(*next);
  b.snapshots = {{0, "base1"}};
  ASSERT_TRUE(store.Commit(b).ok());
  b = NewBatch(*next);
  b.snapshot_changes = {{0, "c3"}};
  ASSERT_TRUE(store.Commit(b).ok());
  r = store.Load("g");
  EXPECT_EQ(r->snapshots.at(0), "base1");
  EXPECT_EQ(r->ChangesOf(0), (std::vector<std::string>{"c3"}));
}

// A compaction replaces the snapshots it covers and keeps the later ones; a generation
// that no longer owns the task compacts nothing; the new owner's full snapshot supersedes
// everything before it.
inline void CheckCompaction(CheckpointStore& store) {
  using V = std::vector<std::string>;
  Result<int64_t> gen = store.Claim("g", {0}, "test");
  ASSERT_TRUE(gen.ok()) << gen.status().ToString();
  ASSERT_TRUE(store.Commit(SnapshotBatch(*gen, 0, "base")).ok());
  for (int n = 1; n <= 3; ++n) {
    Status s = store.Commit(SnapshotBatch(*gen, n, "c" + std::to_string(n)));
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  Status s = store.Compact("g", 0, *gen, 2, "full@2");
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(StoredState(store), (V{"full@2", "c3"}));

  // Another generation's compaction writes nothing.
  s = store.Compact("g", 0, *gen + 100, 3, "other");
  EXPECT_EQ(s.code(), ErrorCode::kAborted) << s.ToString();
  EXPECT_EQ(StoredState(store), (V{"full@2", "c3"}));

  ASSERT_TRUE(store.Commit(SnapshotBatch(*gen, 4, "c4")).ok());
  ASSERT_TRUE(store.Compact("g", 0, *gen, 4, "full@4").ok());
  EXPECT_EQ(StoredState(store), (V{"full@4"}));
  ASSERT_TRUE(store.Commit(SnapshotBatch(*gen, 5, "c5")).ok());
  EXPECT_EQ(StoredState(store), (V{"full@4", "c5"}));

  // A new owner: the old one's compaction is fenced, and the new base replaces it all.
  Result<int64_t> next = store.Claim("g", {0}, "test");
  ASSERT_TRUE(next.ok());
  s = store.Compact("g", 0, *gen, 5, "stale");
  EXPECT_EQ(s.code(), ErrorCode::kAborted) << s.ToString();
  EXPECT_EQ(StoredState(store), (V{"full@4", "c5"}));
  ASSERT_TRUE(store.Commit(SnapshotBatch(*next, 0, "base1")).ok());
  ASSERT_TRUE(store.Commit(SnapshotBatch(*next, 1, "d1")).ok());
  EXPECT_EQ(StoredState(store), (V{"base1", "d1"}));
}

}  // namespace gm::stream::testing
