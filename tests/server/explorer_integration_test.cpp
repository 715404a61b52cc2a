// The explorer against a real PostgreSQL (a throw-away cluster): the schema it offers, rows of
// compiled queries against a brute-force count, hostile values treated as data, the statement
// timeout, and the read-only role.

#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "../store/test_cluster.h"
#include "server/explorer/compile.h"
#include "server/explorer/runner.h"
#include "server/explorer/schema.h"
#include "store/migrations.h"
#include "store/pool.h"

namespace gm::server::explorer {
namespace {

class ExplorerIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_.Start();
    conn_ = cluster_.Connect();
    ASSERT_NE(conn_, nullptr);
    Result<std::vector<store::Migration>> applied =
        store::Migrate(*conn_, store::BuiltinMigrations());
    ASSERT_TRUE(applied.ok()) << applied.status().ToString();
    // 500 transactions: t000..t499, countries by i % 5, amounts i * 100 cents, every 7th late
    // (amount_mismatch), city NULL for odd i.
    ASSERT_TRUE(
        conn_
            ->Execute("INSERT INTO transactions SELECT 't' || lpad(i::text, 3, '0'), "
                      "'u' || (i % 50), NULL, "
                      "timestamptz '2024-01-01 00:00:00+00' + i * interval '1 minute', "
                      "i * 100, i * 100, 'card', (ARRAY['DE','FR','US','GB','PL'])[i % 5 + 1], "
                      "CASE WHEN i % 2 = 0 THEN 'City ' || i END, 'EUR', 'web', i % 7 = 0 "
                      "FROM generate_series(0, 499) i")
            .ok());
  }

  Schema LoadAsReader() {
    Result<Schema> schema = LoadSchema(*conn_, "globalmart_reader");
    EXPECT_TRUE(schema.ok()) << schema.status().ToString();
    return schema.ok() ? *schema : Schema{};
  }

  Result<Rows> RunJson(const Schema& schema, const std::string& json, int64_t max_rows = 1000) {
    Result<Query> q = ParseQuery(json);
    if (!q.ok()) return q.status();
    Result<CompiledQuery> c = Compile(schema, *q, Limits{max_rows, 100});
    if (!c.ok()) return c.status();
    return RunQuery(*conn_, *c, RunOptions{5 * kMicrosPerSecond, "globalmart_reader"});
  }

  int64_t Count(const std::string& where) {
    pqxx::read_transaction tx(conn_->pqxx());
    return tx.exec1("SELECT count(*) FROM transactions WHERE " + where)[0].as<int64_t>();
  }

  store::testing::TestCluster cluster_;
  std::unique_ptr<store::Connection> conn_;
};

TEST_F(ExplorerIntegrationTest, SchemaListsAllowedTablesOnly) {
  Schema schema = LoadAsReader();
  ASSERT_NE(schema.FindTable("transactions"), nullptr);
  ASSERT_NE(schema.FindTable("sales_metrics"), nullptr);
  EXPECT_EQ(schema.FindTable("api_keys"), nullptr);
  EXPECT_EQ(schema.FindTable("stream_offsets"), nullptr);
  EXPECT_EQ(schema.FindTable("schema_migrations"), nullptr);
  const Table* dead = schema.FindTable("dead_letter_events");
  ASSERT_NE(dead, nullptr);
  EXPECT_EQ(dead->FindColumn("raw"), nullptr) << "raw bytes are hidden";
  const Table* t = schema.FindTable("transactions");
  ASSERT_EQ(t->columns.at(0).name, "transaction_id");
  EXPECT_EQ(t->FindColumn("event_time")->kind, ColumnKind::kTimestamp);
  EXPECT_EQ(t->FindColumn("total_amount_cents")->kind, ColumnKind::kInteger);
  EXPECT_EQ(t->FindColumn("amount_mismatch")->kind, ColumnKind::kBoolean);
  // Every allowed table that exists is offered; nothing else.
  for (const Table& table : schema.tables) {
    EXPECT_NE(std::find(AllowedTables().begin(), AllowedTables().end(), table.name),
              AllowedTables().end())
        << table.name;
  }
  nlohmann::ordered_json j = SchemaToJson(schema);
  EXPECT_EQ(j["tables"].size(), schema.tables.size());
}

TEST_F(ExplorerIntegrationTest, FiltersReturnTheRightRows) {
  Schema schema = LoadAsReader();
  struct Case {
    std::string filters;
    std::string where;
  };
  const std::vector<Case> cases = {
      {R"([{"column": "country", "op": "=", "value": "DE"}])", "country = 'DE'"},
      {R"([{"column": "country", "op": "!=", "value": "DE"}])", "country <> 'DE'"},
      {R"([{"column": "total_amount_cents", "op": ">", "value": 40000}])",
       "total_amount_cents > 40000"},
      {R"([{"column": "total_amount_cents", "op": "<=", "value": 100}])",
       "total_amount_cents <= 100"},
      {R"([{"column": "country", "op": "in", "value": ["FR", "PL", "XX"]}])",
       "country IN ('FR', 'PL')"},
      {R"([{"column": "transaction_id", "op": "like", "value": "t0%"}])", "transaction_id < 't1'"},
      {R"([{"column": "event_time", "op": "between", "value": ["2024-01-01T01:00:00Z", "2024-01-01T02:00:00Z"]}])",
       "event_time BETWEEN '2024-01-01 01:00+00' AND '2024-01-01 02:00+00'"},
      {R"([{"column": "event_time", "op": ">=", "value": "2024-01-01"}])", "true"},
      {R"([{"column": "city", "op": "is_null"}])", "city IS NULL"},
      {R"([{"column": "city", "op": "is_null", "value": false}])", "city IS NOT NULL"},
      {R"([{"column": "amount_mismatch", "op": "=", "value": true}])", "amount_mismatch"},
      {R"([{"column": "country", "op": "=", "value": "DE"}, {"column": "amount_mismatch", "op": "=", "value": false}])",
       "country = 'DE' AND NOT amount_mismatch"},
      // Hostile values are data: they match nothing.
      {R"([{"column": "country", "op": "=", "value": "' OR '1'='1"}])", "false"},
      {R"([{"column": "country", "op": "=", "value": "DE'; DROP TABLE transactions; --"}])",
       "false"},
      {R"([{"column": "transaction_id", "op": "like", "value": "%' OR 1=1 --"}])", "false"},
  };
  for (const Case& c : cases) {
    Result<Rows> rows = RunJson(
        schema,
        R"({"table": "transactions", "columns": ["transaction_id"], "limit": 1000, "filters": )" +
            c.filters + "}");
    ASSERT_TRUE(rows.ok()) << c.filters << ": " << rows.status().ToString();
    EXPECT_EQ(static_cast<int64_t>(rows->rows.size()), Count(c.where)) << c.filters;
    EXPECT_FALSE(rows->more);
  }
  EXPECT_EQ(Count("true"), 500) << "the table survived";
}

TEST_F(ExplorerIntegrationTest, OrderLimitAndValues) {
  Schema schema = LoadAsReader();
  Result<Rows> rows = RunJson(schema, R"({"table": "transactions",
      "columns": ["transaction_id", "event_time", "total_amount_cents", "amount_mismatch", "city"],
      "filters": [{"column": "country", "op": "=", "value": "DE"}],
      "order": [{"column": "total_amount_cents", "dir": "desc"}], "limit": 3})");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->rows.size(), 3u);
  EXPECT_TRUE(rows->more);
  // DE is i % 5 == 0: the largest are 495, 490, 485.
  EXPECT_EQ(*rows->rows[0][0], "t495");
  EXPECT_EQ(*rows->rows[0][1], "2024-01-01T08:15:00.000Z");
  EXPECT_EQ(*rows->rows[0][2], "49500");
  EXPECT_EQ(*rows->rows[0][3], "false");
  EXPECT_FALSE(rows->rows[0][4].has_value()) << "odd i: city NULL";
  EXPECT_EQ(*rows->rows[1][0], "t490");
  EXPECT_EQ(*rows->rows[1][4], "City 490");
  nlohmann::ordered_json j = RowsToJson(*rows);
  EXPECT_EQ(j["rows"][0]["total_amount_cents"], 49500);
  EXPECT_EQ(j["rows"][0]["amount_mismatch"], false);
  EXPECT_TRUE(j["rows"][0]["city"].is_null());

  // The row cap.
  Result<Rows> capped = RunJson(schema, R"({"table": "transactions", "limit": 11})", 10);
  ASSERT_FALSE(capped.ok());
  EXPECT_TRUE(capped.status().message().starts_with("limit"));
}

TEST_F(ExplorerIntegrationTest, StatementTimeoutFires) {
  // A view over a billion generated rows that a filter scans to the end: seconds of work.
  ASSERT_TRUE(conn_
                  ->Execute("CREATE VIEW big_series AS SELECT g AS n FROM "
                            "generate_series(1::bigint, 1000000000::bigint) g")
                  .ok());
  Schema schema;
  schema.tables.push_back(Table{"big_series", {Column{"n", "bigint", ColumnKind::kInteger}}});
  Result<Query> q =
      ParseQuery(R"({"table": "big_series", "filters": [{"column": "n", "op": "<", "value": 0}]})");
  ASSERT_TRUE(q.ok());
  Result<CompiledQuery> c = Compile(schema, *q, Limits{});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  const auto start = std::chrono::steady_clock::now();
  Result<Rows> rows = RunQuery(*conn_, *c, RunOptions{300 * kMicrosPerMilli, "globalmart_reader"});
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(rows.status().code(), ErrorCode::kTimeout) << rows.status().ToString();
  EXPECT_LT(ms, 5000);
  // The connection is usable afterwards.
  EXPECT_TRUE(conn_->Execute("SELECT 1").ok());
}

TEST_F(ExplorerIntegrationTest, QueriesRunReadOnlyAsTheReaderRole) {
  // Whatever SQL reached Run, the transaction could not write: read-only, and as the reader.
  CompiledQuery write;
  write.sql = "INSERT INTO transactions (transaction_id) VALUES ($1) RETURNING transaction_id";
  write.params = {"evil"};
  write.limit = 1;
  write.columns = {Column{"transaction_id", "text", ColumnKind::kText}};
  Result<Rows> as_reader = RunQuery(*conn_, write, RunOptions{});
  ASSERT_FALSE(as_reader.ok());
  Result<Rows> as_owner = RunQuery(*conn_, write, RunOptions{kMicrosPerSecond, ""});
  ASSERT_FALSE(as_owner.ok()) << "READ ONLY transaction";
  EXPECT_NE(as_owner.status().message().find("read-only"), std::string::npos)
      << as_owner.status().ToString();

  // The reader role itself has no write privilege nor access to the key hashes.
  pqxx::work tx(conn_->pqxx());
  tx.exec("SET LOCAL ROLE globalmart_reader");
  EXPECT_THROW(tx.exec("SELECT hash FROM api_keys"), pqxx::insufficient_privilege);
  tx.abort();
  pqxx::work tx2(conn_->pqxx());
  tx2.exec("SET LOCAL ROLE globalmart_reader");
  EXPECT_THROW(tx2.exec("DELETE FROM transactions"), pqxx::insufficient_privilege);
  tx2.abort();
  EXPECT_EQ(Count("true"), 500);
}

TEST_F(ExplorerIntegrationTest, ExplorerThroughThePool) {
  store::ConnectionPool pool(store::PoolOptions{cluster_.server().Url(), 2, 10 * kMicrosPerSecond});
  ExplorerConfig config;
  config.max_rows = 50;
  ManualClock clock(0);
  Explorer explorer(pool, config, clock);
  Result<std::shared_ptr<const Schema>> tables = explorer.Tables();
  ASSERT_TRUE(tables.ok()) << tables.status().ToString();
  EXPECT_NE((*tables)->FindTable("transactions"), nullptr);
  Result<Rows> rows = explorer.Query(
      R"({"table": "transactions", "columns": ["country"], "filters": [{"column": "user_id", "op": "=", "value": "u7"}]})");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(static_cast<int64_t>(rows->rows.size()), Count("user_id = 'u7'"));
  EXPECT_EQ(explorer.Query(R"({"table": "api_keys"})").status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(explorer.Query(R"({"table": "transactions", "limit": 51})").status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(explorer.Query("not json").status().code(), ErrorCode::kInvalidArgument);
  // The CSV has a header and one line per row.
  Result<Rows> all =
      explorer.Query(R"({"table": "transactions", "columns": ["transaction_id"], "limit": 50})");
  ASSERT_TRUE(all.ok());
  const std::string csv = RowsToCsv(*all);
  EXPECT_TRUE(csv.starts_with("transaction_id\r\n"));
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 51);
}

}  // namespace
}  // namespace gm::server::explorer
