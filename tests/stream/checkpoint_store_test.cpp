// The PostgreSQL checkpoint store against a real server (tests/store/test_cluster.h):
// round trips, idempotence, upserts, fencing, atomicity, a server that goes away, and the
// commit time of a large batch.
#include "stream/checkpoint_store.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <pqxx/pqxx>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "../store/test_cluster.h"
#include "store_contract.h"
#include "common/logging.h"
#include "store/migrations.h"
#include "store/pool.h"

namespace gm::stream {
namespace {

using store::testing::TestCluster;
using SteadyClock = std::chrono::steady_clock;

constexpr Micros kT0 = 1'700'000'000'000'000;  // 2023-11-14T22:13:20Z

// One archived transaction with `items` line items of quantity 1..items.
void AddTransaction(CheckpointBatch& b, const std::string& id, int items, Micros time = kT0) {
  b.transactions.Text(id).Text("U" + id).TextOrNull(items % 2 == 0 ? "S" + id : "");
  b.transactions.Timestamp(time).Int(100 * items).Int(100 * items).Text("credit_card");
  b.transactions.Text("US").TextOrNull("Boston").Text("USD").TextOrNull("").Bool(items == 3);
  b.transactions.EndRow();
  for (int i = 1; i <= items; ++i) {
    b.transaction_items.Text(id).Int(i).Text("P" + std::to_string(i)).Text("Books").Int(i);
    b.transaction_items.Int(100).EndRow();
  }
}

AnomalyRow Anomaly(const std::string& id, double score = 0.9) {
  AnomalyRow a;
  a.transaction_id = id;
  a.user_id = "U" + id;
  a.event_time = kT0;
  a.total_amount = 600'000;
  a.country = "US";
  a.score = score;
  a.types = {"high_value", "say \"hi\"", "back\\slash"};
  a.description = "Total 6000.00 is above 5000.\tTab";
  return a;
}

DeadLetterRow DeadLetter(const std::string& topic, int64_t offset) {
  DeadLetterRow d;
  d.topic = topic;
  d.partition = 1;
  d.offset = offset;
  d.raw = std::string("{\"bad\0\xff", 7);
  d.raw_size = 70;
  d.reason = "invalid JSON";
  return d;
}

SalesRow Sales(Micros start, const std::string& category, int64_t total, int32_t task = 0) {
  SalesRow s;
  s.window_start = start;
  s.window_end = start + kMicrosPerMinute;
  s.category = category;
  s.country = "US";
  s.task = task;
  s.total_amount = total;
  s.transaction_count = total / 100;
  s.item_quantity = total / 50;
  return s;
}

SessionRow Session(const std::string& id, int32_t page_views, bool new_key) {
  SessionRow r;
  r.session_id = id;
  r.session_start = kT0;
  r.session_end = kT0 + kMicrosPerMinute;
  r.user_id = "U" + id;
  r.page_views = page_views;
  r.new_key.value = new_key;
  return r;
}

CartAbandonmentRow Abandonment(const std::string& session_id, bool recovered) {
  CartAbandonmentRow r;
  r.session_id = session_id;
  r.session_start = kT0;
  r.abandonment_time = kT0 + 2 * kMicrosPerMinute;
  r.user_id = "U" + session_id;
  r.products_in_cart = 1;
  r.items_in_cart = 2;
  r.cart_value = 1000;
  r.recovered = recovered;
  if (recovered) r.recovered_at = kT0 + 3 * kMicrosPerMinute;
  return r;
}

PartitionMetricsRow Metrics(int32_t partition, int64_t received, std::optional<int64_t> lag) {
  PartitionMetricsRow m;
  m.topic = "transactions";
  m.partition = partition;
  m.interval_start = kT0;
  m.received = received;
  m.valid = received - 1;
  m.invalid = 1;
  m.late = 2;
  m.duplicate = 3;
  m.consumer_lag = lag;
  return m;
}

std::string AllBytes() {
  std::string s;
  for (int i = 0; i < 256; ++i) s.push_back(static_cast<char>(i));
  return s;
}

class PgCheckpointStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = &cluster_.Start();
    conn_ = cluster_.Connect();
    ASSERT_NE(conn_, nullptr);
    ASSERT_TRUE(store::Migrate(*conn_, store::BuiltinMigrations()).ok());
    store::PoolOptions options;
    options.url = server_->Url();
    options.size = 2;
    options.connect_timeout = kMicrosPerSecond;
    pool_ = std::make_unique<store::ConnectionPool>(options);
    store_ = NewPostgresCheckpointStore(*pool_);
  }
  void TearDown() override {
    store_.reset();
    pool_.reset();
    conn_.reset();
  }

  CheckpointBatch NewBatch(int64_t generation, const std::string& group = "g") {
    CheckpointBatch b;
    b.consumer_group = group;
    b.generation = generation;
    b.owner = "host:1/member-" + std::to_string(generation);
    return b;
  }

  template <typename T = int64_t>
  T Query(const std::string& sql) {
    pqxx::nontransaction tx(conn_->pqxx());
    pqxx::row r = tx.exec1(sql);
    return r[0].is_null() ? T() : r[0].as<T>();
  }

  // Everything the commits can write, as counts, to compare before and after.
  std::string Census() {
    return Query<std::string>(
        "SELECT (SELECT count(*) FROM transactions) || ' ' || "
        "(SELECT count(*) FROM transaction_items) || ' ' || "
        "(SELECT count(*) FROM transaction_anomalies) || ' ' || "
        "(SELECT count(*) FROM dead_letter_events) || ' ' || "
        "(SELECT coalesce(sum(total_amount_cents), 0) FROM sales_metrics_by_task) || ' ' || "
        "(SELECT coalesce(sum(received), 0) FROM kafka_metrics_by_partition) || ' ' || "
        "(SELECT coalesce(string_agg(source_topic || source_partition || '@' || next_offset || "
        "'/' || owner_generation, ',' ORDER BY 1), '') FROM stream_offsets) || ' ' || "
        "(SELECT coalesce(string_agg(task || ':' || snapshot_size || '/' || owner_generation, "
        "',' ORDER BY task), '') FROM stream_task_state)");
  }

  TestCluster cluster_;
  store::EmbeddedPostgres* server_ = nullptr;
  std::unique_ptr<store::Connection> conn_;
  std::unique_ptr<store::ConnectionPool> pool_;
  std::unique_ptr<CheckpointStore> store_;
};

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

// Re-committing the same rows (a retry after an unknown outcome, a re-run) adds nothing.
// Small sets go in by prepared statements, large ones through staging: both are covered.
TEST_F(PgCheckpointStoreTest, RecommittingTheSameRowsIsIdempotent) {
  for (int size : {2, 40}) {
    SCOPED_TRACE(size);
    CheckpointBatch b = NewBatch(1);
    const std::string prefix = "T" + std::to_string(size) + "-";
    for (int i = 0; i < size; ++i) {
      AddTransaction(b, prefix + std::to_string(i), 1 + i % 3);
      b.anomalies.push_back(Anomaly(prefix + std::to_string(i), 0.5 + i % 5 * 0.1));
      b.dead_letters.push_back(DeadLetter("t" + std::to_string(size), i));
    }
    b.anomalies.push_back(Anomaly(prefix + "0", 0.99));  // a duplicate in the batch: first wins
    b.offsets = {{"transactions", size, 10}};
    for (int round = 0; round < 3; ++round) {
      Status s = store_->Commit(b);
      ASSERT_TRUE(s.ok()) << s.ToString();
    }
    EXPECT_EQ(
        Query("SELECT count(*) FROM transactions WHERE transaction_id LIKE '" + prefix + "%'"),
        size);
    EXPECT_EQ(
        Query("SELECT count(*) FROM transaction_items WHERE transaction_id LIKE '" + prefix + "%'"),
        b.transaction_items.rows());
    EXPECT_EQ(Query("SELECT count(*) FROM transaction_anomalies WHERE transaction_id LIKE '" +
                    prefix + "%'"),
              size);
    EXPECT_EQ(Query("SELECT count(*) FROM dead_letter_events WHERE source_topic = 't" +
                    std::to_string(size) + "'"),
              size);
    // Values survive the trip exactly.
    EXPECT_EQ(
        Query<std::string>("SELECT user_id || '|' || coalesce(session_id, 'null') || '|' || "
                           "(extract(epoch FROM event_time) * 1000000)::bigint || '|' || "
                           "line_items_total_cents || '|' || coalesce(city, '') || "
                           "coalesce(device, 'null') || '|' || amount_mismatch FROM transactions "
                           "WHERE transaction_id = '" +
                           prefix + "1'"),
        "U" + prefix + "1|S" + prefix + "1|" + std::to_string(kT0) + "|200|Bostonnull|false");
    EXPECT_EQ(Query<std::string>("SELECT anomaly_score::text || '|' || array_length(anomaly_types, "
                                 "1) || '|' || anomaly_types[2] || '|' || anomaly_types[3] || '|' "
                                 "|| description FROM transaction_anomalies WHERE "
                                 "transaction_id = '" +
                                 prefix + "0'"),
              "0.5|3|say \"hi\"|back\\slash|Total 6000.00 is above 5000.\tTab");
    EXPECT_EQ(Query<std::string>("SELECT encode(raw, 'hex') || '|' || raw_size || '|' || reason "
                                 "FROM dead_letter_events WHERE source_topic = 't" +
                                 std::to_string(size) + "' AND source_offset = 1"),
              "7b2262616400ff|70|invalid JSON");
  }
}

// A batch whose archive rows are partly present (the fast COPY fails on them) still adds
// the others, and its other rows too.
TEST_F(PgCheckpointStoreTest, ABatchWithSomeArchivedRowsAddsTheRest) {
  CheckpointBatch first = NewBatch(1);
  for (int i = 0; i < 5; ++i) AddTransaction(first, "T" + std::to_string(i), 2);
  ASSERT_TRUE(store_->Commit(first).ok());
  CheckpointBatch overlap = NewBatch(1);
  for (int i = 3; i < 9; ++i) AddTransaction(overlap, "T" + std::to_string(i), 2);
  AddTransaction(overlap, "T8", 1);  // twice in one batch: the first wins
  overlap.offsets = {{"transactions", 0, 9}};
  overlap.anomalies.push_back(Anomaly("T7"));
  Status s = store_->Commit(overlap);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(Query("SELECT count(*) FROM transactions"), 9);
  EXPECT_EQ(Query("SELECT count(*) FROM transaction_items"), 9 * 2);
  EXPECT_EQ(Query("SELECT line_items_total_cents FROM transactions WHERE transaction_id = 'T8'"),
            200);
  EXPECT_EQ(Query("SELECT count(*) FROM transaction_anomalies"), 1);
  EXPECT_EQ(Query("SELECT next_offset FROM stream_offsets"), 9);
}

// Session and cart rows of keys the engine never wrote go in by plain COPY; when one is there
// after all (a restored task does not know which live rows went out), the batch is merged.
TEST_F(PgCheckpointStoreTest, RowsOfNewKeysGoStraightInOrAreMergedWhenPresent) {
  // Sales rows of new windows too (staged when more than kDirectRows).
  auto sales = [](int windows, int64_t total, bool new_key) {
    std::vector<SalesRow> rows;
    for (int i = 0; i < windows; ++i) {
      rows.push_back(Sales(kT0 + i * kMicrosPerMinute, "New", total));
      rows.back().new_key.value = new_key;
    }
    return rows;
  };
  CheckpointBatch first = NewBatch(1);
  first.sessions = {Session("S1", 1, true), Session("S2", 2, true)};
  first.cart_abandonments = {Abandonment("S1", false)};
  first.sales = sales(6, 100, true);
  ASSERT_TRUE(store_->Commit(first).ok());
  EXPECT_EQ(Query("SELECT sum(total_amount_cents) FROM sales_metrics_by_task"), 600);
  EXPECT_EQ(Query<std::string>("SELECT string_agg(session_id || ':' || page_views, ',' ORDER BY "
                               "session_id) FROM session_metrics"),
            "S1:1,S2:2");

  CheckpointBatch second = NewBatch(1);
  // S2 is there although the hint says new: the whole batch takes the merge.
  second.sessions = {Session("S2", 5, true), Session("S3", 3, true), Session("S1", 4, false)};
  second.cart_abandonments = {Abandonment("S1", true), Abandonment("S3", false)};
  second.sales = sales(8, 200, true);  // six of these windows are there
  second.offsets = {{"cart_events", 0, 7}};
  Status s = store_->Commit(second);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(Query("SELECT sum(total_amount_cents) FROM sales_metrics_by_task"), 1600);
  EXPECT_EQ(Query("SELECT count(*) FROM sales_metrics_by_task"), 8);
  EXPECT_EQ(Query<std::string>("SELECT string_agg(session_id || ':' || page_views, ',' ORDER BY "
                               "session_id) FROM session_metrics"),
            "S1:4,S2:5,S3:3");
  EXPECT_EQ(Query<std::string>("SELECT string_agg(session_id || ':' || recovered, ',' ORDER BY "
                               "session_id) FROM cart_abandonment"),
            "S1:true,S3:false");
  EXPECT_EQ(Query("SELECT next_offset FROM stream_offsets"), 7);

  CheckpointBatch third = NewBatch(1);  // new keys only, and nothing in the way
  third.sessions = {Session("S4", 8, true)};
  third.cart_abandonments = {Abandonment("S4", false)};
  std::vector<SalesRow> later = sales(10, 300, false);  // 8 known windows, 2 new ones
  later[8].new_key.value = later[9].new_key.value = true;
  third.sales = later;
  ASSERT_TRUE(store_->Commit(third).ok());
  EXPECT_EQ(Query("SELECT sum(total_amount_cents) FROM sales_metrics_by_task"), 3000);
  EXPECT_EQ(Query("SELECT count(*) FROM session_metrics"), 4);
  EXPECT_EQ(Query("SELECT count(*) FROM cart_abandonment"), 3);
}

TEST_F(PgCheckpointStoreTest, SalesRowsAreUpsertedWithTheirAbsoluteValues) {
  for (int size : {3, 50}) {
    SCOPED_TRACE(size);
    const std::string category = "C" + std::to_string(size);
    CheckpointBatch first = NewBatch(1);
    for (int i = 0; i < size; ++i)
      first.sales.push_back(Sales(kT0 + i * kMicrosPerMinute, category, 1000));
    ASSERT_TRUE(store_->Commit(first).ok());
    const std::string where = " FROM sales_metrics_by_task WHERE category = '" + category + "'";
    EXPECT_EQ(Query("SELECT sum(total_amount_cents)" + where), 1000 * size);
    EXPECT_EQ(Query("SELECT count(*)" + where + " AND is_final"), 0);

    CheckpointBatch second = NewBatch(1);
    for (int i = 0; i < size; ++i) {
      second.sales.push_back(Sales(kT0 + i * kMicrosPerMinute, category, 1500));
      second.sales.back().is_final = true;
    }
    // The same key twice in one batch: the last row is the value.
    second.sales.push_back(Sales(kT0, category, 7000));
    second.sales.back().is_final = true;
    second.sales.push_back(Sales(kT0, category, 2500, /*task=*/1));  // another task's partial row
    Status s = store_->Commit(second);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(Query("SELECT count(*)" + where), size + 1);
    EXPECT_EQ(Query("SELECT sum(total_amount_cents)" + where + " AND task = 0"),
              1500 * (size - 1) + 7000);
    EXPECT_EQ(Query("SELECT count(*)" + where + " AND is_final AND task = 0"), size);
    EXPECT_EQ(Query<std::string>("SELECT transaction_count || '/' || item_quantity" + where +
                                 " AND task = 0 AND window_start = to_timestamp(" +
                                 std::to_string(kT0 / kMicrosPerSecond) + ")"),
              "70/140");
    // The view sums the tasks.
    EXPECT_EQ(
        Query("SELECT total_amount_cents FROM sales_metrics WHERE category = '" + category +
              "' AND window_start = to_timestamp(" + std::to_string(kT0 / kMicrosPerSecond) + ")"),
        9500);
  }
}

TEST_F(PgCheckpointStoreTest, MetricsAreAddedUpAndTheLagIsTheLatestKnown) {
  CheckpointBatch b = NewBatch(1);
  b.metrics = {Metrics(0, 10, 5), Metrics(1, 4, std::nullopt)};
  ASSERT_TRUE(store_->Commit(b).ok());
  b.metrics = {Metrics(0, 3, std::nullopt), Metrics(1, 1, 9), Metrics(1, 2, std::nullopt)};
  ASSERT_TRUE(store_->Commit(b).ok());
  EXPECT_EQ(Query<std::string>(
                "SELECT string_agg(source_partition || ':' || received || ',' || valid || ',' || "
                "invalid || ',' || late || ',' || duplicate || ',' || "
                "coalesce(consumer_lag::text, 'null'), ' ' ORDER BY source_partition) "
                "FROM kafka_metrics_by_partition"),
            "0:13,11,2,4,6,5 1:7,4,3,6,9,9");
  EXPECT_EQ(Query("SELECT received FROM kafka_metrics WHERE topic = 'transactions'"), 20);
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
  item.transaction_items.Text("zero").Int(2).Text("P9").Text("Books").Int(0).Int(1).EndRow();
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
        b.transaction_items.Text(id).Int(k).Text(Padded('P', product + 1, 6));
        b.transaction_items.Text("Category" + std::to_string(product % 100)).Int(1).Int(1999);
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
