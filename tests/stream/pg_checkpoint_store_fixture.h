#pragma once

// What the PostgreSQL checkpoint store tests (checkpoint_store_test.cpp,
// checkpoint_store_rows_test.cpp) share: the fixture PgCheckpointStoreTest, which starts a
// throw-away server (tests/store/test_cluster.h), migrates it and opens the store on a pool of
// two connections, with NewBatch, Query and Census to make batches and read the tables back;
// and builders of one row of each kind (AddTransaction, Anomaly, DeadLetter, Sales, Session,
// Abandonment, Metrics) with fixed, recognisable values at kT0, and AllBytes.

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <pqxx/pqxx>
#include <string>

#include "../store/test_cluster.h"
#include "common/time.h"
#include "store/migrations.h"
#include "store/pool.h"
#include "stream/checkpoint_store.h"

namespace gm::stream {

inline constexpr Micros kT0 = 1'700'000'000'000'000;  // 2023-11-14T22:13:20Z

// One archived transaction with `items` line items of quantity 1..items.
inline void AddTransaction(CheckpointBatch& b, const std::string& id, int items,
                           Micros time = kT0) {
  b.transactions.Text(id).Text("U" + id).TextOrNull(items % 2 == 0 ? "S" + id : "");
  b.transactions.Timestamp(time).Int(100 * items).Int(100 * items).Text("credit_card");
  b.transactions.Text("US").TextOrNull("Boston").Text("USD").TextOrNull("").Bool(items == 3);
  b.transactions.EndRow();
  for (int i = 1; i <= items; ++i) {
    b.transaction_items.Text(id).Int16(static_cast<int16_t>(i)).Text("P" + std::to_string(i));
    b.transaction_items.Text("Books").Int32(i).Int(100).EndRow();
  }
}

inline AnomalyRow Anomaly(const std::string& id, double score = 0.9) {
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

inline DeadLetterRow DeadLetter(const std::string& topic, int64_t offset) {
  DeadLetterRow d;
  d.topic = topic;
  d.partition = 1;
  d.offset = offset;
  d.raw = std::string("{\"bad\0\xff", 7);
  d.raw_size = 70;
  d.reason = "invalid JSON";
  return d;
}

inline SalesRow Sales(Micros start, const std::string& category, int64_t total, int32_t task = 0) {
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

inline SessionRow Session(const std::string& id, int32_t page_views, bool new_key) {
  SessionRow r;
  r.session_id = id;
  r.session_start = kT0;
  r.session_end = kT0 + kMicrosPerMinute;
  r.user_id = "U" + id;
  r.page_views = page_views;
  r.new_key.value = new_key;
  return r;
}

inline CartAbandonmentRow Abandonment(const std::string& session_id, bool recovered) {
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

inline PartitionMetricsRow Metrics(int32_t partition, int64_t received,
                                   std::optional<int64_t> lag) {
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

inline std::string AllBytes() {
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

  store::testing::TestCluster cluster_;
  store::EmbeddedPostgres* server_ = nullptr;
  std::unique_ptr<store::Connection> conn_;
  std::unique_ptr<store::ConnectionPool> pool_;
  std::unique_ptr<CheckpointStore> store_;
};

}  // namespace gm::stream
