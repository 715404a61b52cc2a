// The PostgreSQL checkpoint store against a real server (tests/store/test_cluster.h):
// round trips, fencing, atomicity, a server that goes away, concurrent workers, incremental
// snapshots and compaction, and the commit time of a large batch. How the output rows are
// written is in checkpoint_store_rows_test.cpp.
#include "stream/checkpoint_store.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <pqxx/pqxx>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common/logging.h"
#include "pg_checkpoint_store_fixture.h"
#include "store_contract.h"

namespace gm::stream {
namespace {

using SteadyClock = std::chrono::steady_clock;

TEST_F(PgCheckpointStoreTest, CommitThenLoadRoundTripsOffsetsAndBinarySnapshots) {
  Result<RestoredCheckpoint> empty = store_->Load("g");
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_TRUE(empty->offsets.empty());
  EXPECT_TRUE(empty->snapshots.empty());
  EXPECT_EQ(empty->max_generation, 0);

  std::string big(3 << 20, '\0');
  std::mt19937_64 rng(7);
  for (char& c : big) c = static_cast<char>(rng());
  CheckpointBatch b = NewBatch(3);
  b.offsets = {{"transactions", 1, 50}, {"clicks", 0, 7}, {"transactions", 0, 100}};
  b.snapshots = {{0, AllBytes() + std::string(5, '\0')}, {1, ""}, {2, big}};
  ASSERT_TRUE(b.NoRows());
  Status s = store_->Commit(b);
  ASSERT_TRUE(s.ok()) << s.ToString();

  Result<RestoredCheckpoint> r = store_->Load("g");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const std::vector<SourceOffset> sorted = {
      {"clicks", 0, 7}, {"transactions", 0, 100}, {"transactions", 1, 50}};
  EXPECT_EQ(r->offsets, sorted);
  EXPECT_EQ(r->snapshots, b.snapshots);
  EXPECT_EQ(r->max_generation, 3);
  // Stored as zstd frames (internal/snapshot_compression.h): random bytes do not shrink.
  EXPECT_EQ(Query("SELECT snapshot_size FROM stream_task_state WHERE task = 2"),
            Query("SELECT octet_length(snapshot) FROM stream_task_state WHERE task = 2"));
  EXPECT_GE(Query("SELECT snapshot_size FROM stream_task_state WHERE task = 2"), 3 << 20);
  EXPECT_EQ(Query<std::string>("SELECT owner FROM stream_offsets LIMIT 1"), "host:1/member-3");
  // Other groups are separate.
  Result<RestoredCheckpoint> other = store_->Load("other");
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->offsets.empty());
  EXPECT_EQ(other->max_generation, 0);

  // The same generation moves on; a partition given twice keeps the last offset.
  CheckpointBatch next = NewBatch(3);
  next.offsets = {{"transactions", 0, 150}, {"transactions", 0, 160}};
  next.snapshots = {{1, std::string("\0\1", 2)}};
  ASSERT_TRUE(store_->Commit(next).ok());
  // A newer generation (snapshot only) raises max_generation.
  CheckpointBatch newer = NewBatch(5);
  newer.snapshots = {{0, "v5"}};
  ASSERT_TRUE(store_->Commit(newer).ok());
  r = store_->Load("g");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->offsets[1], (SourceOffset{"transactions", 0, 160}));
  EXPECT_EQ(r->snapshots.at(0), "v5");
  EXPECT_EQ(r->snapshots.at(1), std::string("\0\1", 2));
  EXPECT_EQ(r->snapshots.at(2), big);
  EXPECT_EQ(r->max_generation, 5);
  EXPECT_EQ(Query("SELECT count(*) FROM stream_offsets"), 3);
}

TEST_F(PgCheckpointStoreTest, IncrementalSnapshotsFollowTheirFullOneUntilTheNext) {
  testing::CheckIncrementalSnapshots(*store_);
}

TEST_F(PgCheckpointStoreTest, CompactionReplacesTheSnapshotsItCovers) {
  testing::CheckCompaction(*store_);
  // A fenced owner's compaction that commits after the new owner's base (its check of the
  // owner raced the claim) is superseded by that base: a full row of an older generation.
  Query<int64_t>(
      "WITH w AS (INSERT INTO stream_task_state_changes (consumer_group, task, changes, "
      "owner_generation, snapshot_no, is_full) SELECT 'g', 0, 'late'::bytea, "
      "owner_generation - 1, 99, true FROM stream_task_state WHERE task = 0 RETURNING 1) "
      "SELECT count(*) FROM w");
  EXPECT_EQ(testing::StoredState(*store_), (std::vector<std::string>{"base1", "d1"}));
}

TEST_F(PgCheckpointStoreTest, AnOlderGenerationIsFencedAndWritesNothing) {
  CheckpointBatch owner = NewBatch(5);
  owner.offsets = {{"transactions", 0, 100}, {"transactions", 1, 100}};
  owner.snapshots = {{0, "state-5"}, {1, "state-5"}};
  AddTransaction(owner, "A", 2);
  ASSERT_TRUE(store_->Commit(owner).ok());
  const std::string before = Census();

  // A process that lost partition 1 in a rebalance still commits it (with partition 2).
  CheckpointBatch old = NewBatch(4);
  old.offsets = {{"transactions", 2, 1}, {"transactions", 1, 200}};
  old.snapshots = {{0, "state-4"}};
  AddTransaction(old, "B", 2);
  old.anomalies.push_back(Anomaly("B"));
  old.sales.push_back(Sales(kT0, "Books", 100));
  old.metrics.push_back(Metrics(0, 1, 1));
  old.dead_letters.push_back(DeadLetter("transactions", 9));
  Status s = store_->Commit(old);
  ASSERT_EQ(s.code(), ErrorCode::kAborted) << s.ToString();
  EXPECT_NE(s.message().find("transactions[1]"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("generation 5"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("generation 4"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("host:1/member-5"), std::string::npos) << s.message();
  EXPECT_EQ(Census(), before);

  // Snapshots are fenced too, on their own.
  CheckpointBatch old_state = NewBatch(4);
  old_state.snapshots = {{1, "state-4"}};
  s = store_->Commit(old_state);
  ASSERT_EQ(s.code(), ErrorCode::kAborted) << s.ToString();
  EXPECT_NE(s.message().find("task 1"), std::string::npos) << s.message();
  EXPECT_EQ(Census(), before);

  // The owner and newer generations go on.
  owner.offsets = {{"transactions", 1, 300}};
  ASSERT_TRUE(store_->Commit(owner).ok());
  CheckpointBatch newer = NewBatch(6);
  newer.offsets = {{"transactions", 0, 400}};
  ASSERT_TRUE(store_->Commit(newer).ok());
  Result<RestoredCheckpoint> r = store_->Load("g");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->offsets,
            (std::vector<SourceOffset>{{"transactions", 0, 400}, {"transactions", 1, 300}}));
  EXPECT_EQ(r->snapshots.at(0), "state-5");
  EXPECT_EQ(r->max_generation, 6);
}

TEST_F(PgCheckpointStoreTest, ABatchWithABadRowWritesNothing) {
  CheckpointBatch base = NewBatch(1);
  base.offsets = {{"transactions", 0, 10}};
  ASSERT_TRUE(store_->Commit(base).ok());
  const std::string before = Census();

  // A row the encoder refused: caught before anything is sent.
  CheckpointBatch nul = NewBatch(1);
  nul.offsets = {{"transactions", 0, 20}};
  nul.snapshots = {{0, "s"}};
  AddTransaction(nul, "good", 1);
  AddTransaction(nul, std::string("bad\0id", 6), 1);
  Status s = store_->Commit(nul);
  ASSERT_EQ(s.code(), ErrorCode::kInvalidArgument) << s.ToString();
  EXPECT_NE(s.message().find("NUL"), std::string::npos) << s.message();
  EXPECT_EQ(Census(), before);

  CheckpointBatch nul_reason = NewBatch(1);
  nul_reason.dead_letters.push_back(DeadLetter("t", 1));
  nul_reason.dead_letters.back().reason = std::string("a\0b", 3);
  EXPECT_EQ(store_->Commit(nul_reason).code(), ErrorCode::kInvalidArgument);

  // A row the server refuses (a CHECK constraint) after the offsets and the archive were
  // written in the transaction: all of it is rolled back.
  for (bool many : {false, true}) {
    CheckpointBatch server = NewBatch(1);
    server.offsets = {{"transactions", 0, 30}};
    server.snapshots = {{0, "s"}};
    AddTransaction(server, "fine", 2);
    for (int i = 0; i < (many ? 10 : 1); ++i) {
      server.anomalies.push_back(Anomaly("x" + std::to_string(i), i == 0 ? 1.5 : 0.9));
    }
    s = store_->Commit(server);
    ASSERT_EQ(s.code(), ErrorCode::kInvalidArgument) << s.ToString();
    EXPECT_NE(s.message().find("23514"), std::string::npos) << s.message();
    EXPECT_EQ(Census(), before);
  }

  // A line item the server refuses (quantity 0) inside the archive's fast path.
  CheckpointBatch item = NewBatch(1);
  item.offsets = {{"transactions", 0, 50}};
  AddTransaction(item, "zero", 1);
  item.transaction_items.Text("zero").Int16(2).Text("P9").Text("Books").Int32(0).Int(1).EndRow();
  s = store_->Commit(item);
  ASSERT_EQ(s.code(), ErrorCode::kInvalidArgument) << s.ToString();
  EXPECT_NE(s.message().find("23514"), std::string::npos) << s.message();
  EXPECT_EQ(Census(), before);

  // The store is fine afterwards.
  CheckpointBatch next = NewBatch(1);
  next.offsets = {{"transactions", 0, 40}};
  AddTransaction(next, "after", 1);
  ASSERT_TRUE(store_->Commit(next).ok());
  EXPECT_EQ(Query("SELECT count(*) FROM transactions"), 1);
}

// The server stops while a commit waits inside its transaction (blocked on a lock another
// session holds): Unavailable, nothing written; once it is back the same batch commits.
TEST_F(PgCheckpointStoreTest, UnavailableWhenTheServerStopsMidwayAndFineAfterItRestarts) {
  CheckpointBatch b = NewBatch(1);
  b.offsets = {{"transactions", 0, 10}};
  b.snapshots = {{0, "s"}};
  for (int i = 0; i < 100; ++i) AddTransaction(b, "T" + std::to_string(i), 2);
  b.metrics = {Metrics(0, 100, 0)};
  CheckpointBatch warm = NewBatch(1);
  warm.offsets = {{"transactions", 0, 1}};
  ASSERT_TRUE(store_->Commit(warm).ok());  // the pool holds an open connection now

  Status during;
  bool waiting = false;
  {
    pqxx::work locker(conn_->pqxx());
    locker.exec("LOCK TABLE kafka_metrics_by_partition IN EXCLUSIVE MODE");
    std::thread committer([&] { during = store_->Commit(b); });
    // Until the commit waits for the lock, i.e. it wrote everything before the metrics.
    for (int i = 0; i < 200 && !waiting; ++i) {
      auto probe = cluster_.Connect();
      pqxx::nontransaction tx(probe->pqxx());
      waiting = tx.exec1("SELECT count(*) FROM pg_locks WHERE NOT granted")[0].as<int64_t>() > 0;
      if (!waiting) std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    EXPECT_TRUE(server_->Stop().ok());
    committer.join();
  }
  ASSERT_TRUE(waiting);
  EXPECT_EQ(during.code(), ErrorCode::kUnavailable) << during.ToString();

  // While it is down: Unavailable after the pool's connect timeout.
  Status down = store_->Commit(b);
  EXPECT_EQ(down.code(), ErrorCode::kUnavailable) << down.ToString();
  EXPECT_EQ(store_->Load("g").status().code(), ErrorCode::kUnavailable);

  ASSERT_TRUE(server_->Start().ok());
  Status after = store_->Commit(b);
  ASSERT_TRUE(after.ok()) << after.ToString();
  conn_ = cluster_.Connect();
  ASSERT_NE(conn_, nullptr);
  EXPECT_EQ(Query("SELECT count(*) FROM transactions"), 100);
  EXPECT_EQ(Query("SELECT count(*) FROM transaction_items"), 200);
  EXPECT_EQ(Query("SELECT received FROM kafka_metrics_by_partition"), 100);
  Result<RestoredCheckpoint> r = store_->Load("g");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->offsets, b.offsets);
}

TEST_F(PgCheckpointStoreTest, WorkersCommitConcurrently) {
  constexpr int kWorkers = 4;
  constexpr int kCommits = 15;
  std::vector<std::thread> threads;
  std::vector<Status> failures(kWorkers);
  for (int w = 0; w < kWorkers; ++w) {
    threads.emplace_back([&, w] {
      for (int c = 0; c < kCommits; ++c) {
        CheckpointBatch b = NewBatch(1);
        b.offsets = {{"transactions", w, c + 1}};
        b.snapshots = {{w, "state " + std::to_string(c)}};
        for (int i = 0; i < 20; ++i) {
          AddTransaction(b, std::to_string(w) + "-" + std::to_string(c) + "-" + std::to_string(i),
                         2);
        }
        for (int i = 0; i < 10; ++i)
          b.sales.push_back(Sales(kT0 + i * kMicrosPerMinute, "Books", c, w));
        b.metrics = {Metrics(w, 1, c)};
        if (Status s = store_->Commit(b); !s.ok()) failures[w] = s;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (const Status& s : failures) EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(Query("SELECT count(*) FROM transactions"), kWorkers * kCommits * 20);
  EXPECT_EQ(Query("SELECT sum(received) FROM kafka_metrics_by_partition"), kWorkers * kCommits);
  EXPECT_EQ(Query("SELECT sum(total_amount_cents) FROM sales_metrics_by_task"),
            kWorkers * 10 * (kCommits - 1));
  Result<RestoredCheckpoint> r = store_->Load("g");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->offsets.size(), static_cast<size_t>(kWorkers));
  for (const SourceOffset& o : r->offsets) EXPECT_EQ(o.next_offset, kCommits);
}

// Ids as the generator makes them: a prefix, a run tag and a hex counter; users and
// products padded numbers.
std::string GeneratorId(char prefix, uint64_t counter) {
  char buf[32];
  return std::string(1, prefix) + "k7" +
         std::string(buf, static_cast<size_t>(std::snprintf(
                              buf, sizeof buf, "%llx", static_cast<unsigned long long>(counter))));
}
std::string Padded(char prefix, int64_t n, int width) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%c%0*lld", prefix, width, static_cast<long long>(n));
  return buf;
}

// The throughput target: ~60,000 transactions, ~150,000 items and a few thousand sales rows
// in one checkpoint commit well under a second (test cluster: fsync off). The rows look
// like the generator's: 100,000 customers, 250,000 products in 100 categories.
TEST_F(PgCheckpointStoreTest, ALargeBatchCommitsQuickly) {
  auto make = [&](int round) {
    CheckpointBatch b = NewBatch(1);
    for (int t = 0; t < 6; ++t) b.offsets.push_back({"transactions", t, (round + 1) * 10'000});
    for (int t = 0; t < 3; ++t) b.snapshots[t] = std::string(512 << 10, static_cast<char>(t));
    std::mt19937 rng(round);
    for (int i = 0; i < 60'000; ++i) {
      const uint64_t n = static_cast<uint64_t>(round) * 60'000 + static_cast<uint64_t>(i);
      const std::string id = GeneratorId('T', n);
      const int items = 1 + i % 4;
      b.transactions.Text(id).Text(Padded('U', 1 + rng() % 100'000, 8));
      b.transactions.Text(GeneratorId('S', rng() % 1'000'000));
      b.transactions.Timestamp(kT0 + round * kMicrosPerHour + i * Micros{50'000});
      b.transactions.Int(1999 * items).Int(1999 * items).Text("credit_card").Text("US");
      b.transactions.Text("Boston").Text("USD").Text("mobile").Bool(false).EndRow();
      for (int k = 1; k <= items; ++k) {
        const int64_t product = rng() % 250'000;
        b.transaction_items.Text(id).Int16(static_cast<int16_t>(k));
        b.transaction_items.Text(Padded('P', product + 1, 6));
        b.transaction_items.Text("Category" + std::to_string(product % 100)).Int32(1).Int(1999);
        b.transaction_items.EndRow();
      }
      if (i % 100 == 0) b.anomalies.push_back(Anomaly(id));
    }
    for (int w = 0; w < 30; ++w) {
      for (int c = 0; c < 100; ++c) {
        b.sales.push_back(Sales(kT0 + round * kMicrosPerHour + w * 30 * kMicrosPerSecond,
                                "C" + std::to_string(c), 1000 + static_cast<int>(rng() % 1000),
                                c % 3));
      }
    }
    for (int i = 0; i < 50; ++i)
      b.dead_letters.push_back(DeadLetter("transactions", round * 100 + i));
    for (int p = 0; p < 6; ++p) b.metrics.push_back(Metrics(p, 10'000, 0));
    return b;
  };
  auto timed = [&](const CheckpointBatch& b, const char* what) {
    const auto start = SteadyClock::now();
    Status s = store_->Commit(b);
    const double ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - start).count();
    EXPECT_TRUE(s.ok()) << s.ToString();
    std::printf(
        "[ timing ] %s: %lld transactions, %lld items, %zu sales rows, %zu anomalies: "
        "%.0f ms\n",
        what, static_cast<long long>(b.transactions.rows()),
        static_cast<long long>(b.transaction_items.rows()), b.sales.size(), b.anomalies.size(), ms);
    return ms;
  };
  const CheckpointBatch first = make(0);
  const CheckpointBatch second = make(1);
  Logger("stream")->set_level(spdlog::level::debug);  // the commit's steps
  timed(first, "first batch, empty tables");
  const double steady = timed(second, "second batch");
  timed(second, "the second batch again (all conflicts)");
  Logger("stream")->set_level(spdlog::level::info);
  // Only a guard against orders of magnitude (row-by-row inserts would take minutes): the
  // time depends on what else the machine runs.
  EXPECT_LT(steady, 30'000);
  EXPECT_EQ(Query("SELECT count(*) FROM transactions"), 120'000);
  EXPECT_EQ(Query("SELECT count(*) FROM transaction_items"), 2 * second.transaction_items.rows());
  EXPECT_EQ(Query("SELECT count(*) FROM sales_metrics_by_task"), 6000);
  EXPECT_EQ(Query("SELECT count(*) FROM transaction_anomalies"), 1200);
  EXPECT_EQ(Query("SELECT count(*) FROM dead_letter_events"), 100);
  EXPECT_EQ(Query("SELECT sum(received) FROM kafka_metrics_by_partition"), 180'000);
}

}  // namespace
}  // namespace gm::stream
