// The PostgreSQL checkpoint store against a real server (tests/store/test_cluster.h): how the
// output rows are written. Archive rows are added once, session, cart and sales rows are
// upserted or merged, partition metrics are added up. The other tests are in
// checkpoint_store_test.cpp.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "pg_checkpoint_store_fixture.h"
#include "stream/checkpoint_store.h"

namespace gm::stream {
namespace {

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

}  // namespace
}  // namespace gm::stream
