// Migrations against a real server: applied once, recorded, refused when tampered with,
// serialised between concurrent migrators, atomic per migration. And the read-only role.
#include "store/migrations.h"

#include <gtest/gtest.h>

#include <pqxx/pqxx>
#include <set>
#include <thread>

#include "test_cluster.h"

namespace gm::store {
namespace {

using testing::TestCluster;

Migration Make(int32_t version, std::string name, std::string sql) {
  Result<Migration> m = ParseMigration("000" + std::to_string(version) + "_" + name + ".sql", sql);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return std::move(m).value();
}

template <typename T = int64_t>
T Scalar(Connection& conn, const std::string& sql) {
  pqxx::nontransaction tx(conn.pqxx());
  return tx.exec1(sql)[0].as<T>();
}

TEST(MigrationsTest, BuiltinMigrationsApplyOnceAndAreRecorded) {
  TestCluster cluster;
  cluster.Start();
  auto conn = cluster.Connect();
  ASSERT_NE(conn, nullptr);

  Result<MigrationStatus> before = GetMigrationStatus(*conn, BuiltinMigrations());
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  EXPECT_TRUE(before->applied.empty());
  EXPECT_EQ(before->pending.size(), BuiltinMigrations().size());

  Result<std::vector<Migration>> applied = Migrate(*conn, BuiltinMigrations());
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_EQ(applied->size(), BuiltinMigrations().size());
  for (const char* table : {"products", "customers", "transactions", "transaction_items",
                            "sales_metrics_by_task", "transaction_anomalies", "stream_offsets",
                            "dead_letter_events", "kafka_metrics_by_partition", "sales_metrics",
                            "sales_hourly", "kafka_metrics", "stream_task_state",
                            "stream_task_state_changes"}) {
    EXPECT_EQ(Scalar(*conn, std::string("SELECT count(*) FROM ") + table), 0) << table;
  }

  Result<MigrationStatus> after = GetMigrationStatus(*conn, BuiltinMigrations());
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->applied.size(), BuiltinMigrations().size());
  EXPECT_TRUE(after->pending.empty());
  EXPECT_TRUE(after->problems.empty());
  EXPECT_EQ(after->applied[0].version, 1);
  EXPECT_EQ(after->applied[0].name, "core");
  EXPECT_EQ(after->applied[0].checksum, BuiltinMigrations()[0].checksum);
  EXPECT_GT(after->applied[0].applied_at, 0);

  Result<std::vector<Migration>> again = Migrate(*conn, BuiltinMigrations());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(again->empty());
  EXPECT_EQ(Scalar(*conn, "SELECT count(*) FROM schema_migrations"),
            static_cast<int64_t>(BuiltinMigrations().size()));
}

TEST(MigrationsTest, AChangedOrUnknownMigrationIsRefused) {
  TestCluster cluster;
  cluster.Start();
  auto conn = cluster.Connect();
  ASSERT_NE(conn, nullptr);
  const std::vector<Migration> v1 = {Make(1, "a", "CREATE TABLE a (x int);")};
  ASSERT_TRUE(Migrate(*conn, v1).ok());

  // The file was edited after it was applied.
  const std::vector<Migration> edited = {Make(1, "a", "CREATE TABLE a (x bigint);"),
                                         Make(2, "b", "CREATE TABLE b (x int);")};
  Result<std::vector<Migration>> r = Migrate(*conn, edited);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("0001_a was changed after it was applied"), std::string::npos)
      << r.status().message();
  EXPECT_EQ(Scalar(*conn, "SELECT count(*) FROM pg_tables WHERE tablename = 'b'"), 0);
  Result<MigrationStatus> status = GetMigrationStatus(*conn, edited);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->problems.size(), 1u);

  // The database is newer than the program.
  const std::vector<Migration> v2 = {v1[0], Make(2, "b", "CREATE TABLE b (x int);")};
  ASSERT_TRUE(Migrate(*conn, v2).ok());
  r = Migrate(*conn, v1);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("newer than this program"), std::string::npos)
      << r.status().message();
}

TEST(MigrationsTest, AFailingMigrationLeavesNoTraceAndEarlierOnesStay) {
  TestCluster cluster;
  cluster.Start();
  auto conn = cluster.Connect();
  ASSERT_NE(conn, nullptr);
  const std::vector<Migration> set = {
      Make(1, "good", "CREATE TABLE good (x int);"),
      Make(2, "bad", "CREATE TABLE half (x int); SELECT * FROM no_such_table;")};
  Result<std::vector<Migration>> r = Migrate(*conn, set);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("migration 0002_bad"), std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find("no_such_table"), std::string::npos);
  EXPECT_EQ(Scalar(*conn, "SELECT count(*) FROM pg_tables WHERE tablename = 'half'"), 0);
  Result<MigrationStatus> status = GetMigrationStatus(*conn, set);
  ASSERT_TRUE(status.ok());
  ASSERT_EQ(status->applied.size(), 1u);
  ASSERT_EQ(status->pending.size(), 1u);
  EXPECT_EQ(status->pending[0].version, 2);
}

TEST(MigrationsTest, ConcurrentMigratorsApplyEachMigrationOnce) {
  TestCluster cluster;
  cluster.Start();
  // Not idempotent on purpose: a second application would fail (table exists).
  const std::vector<Migration> set = {
      Make(1, "slow", "CREATE TABLE first (x int); SELECT pg_sleep(0.3);"),
      Make(2, "second", "CREATE TABLE second (x int); INSERT INTO second VALUES (1);"),
      Make(3, "third", "CREATE TABLE third (x int);")};
  constexpr int kMigrators = 4;
  std::vector<std::unique_ptr<Connection>> conns;
  for (int i = 0; i < kMigrators; ++i) conns.push_back(cluster.Connect());
  std::vector<Result<std::vector<Migration>>> results(kMigrators, Status(Internal("not run")));
  std::vector<std::thread> threads;
  for (int i = 0; i < kMigrators; ++i) {
    threads.emplace_back([&, i] { results[i] = Migrate(*conns[i], set); });
  }
  for (std::thread& t : threads) t.join();
  std::multiset<int32_t> applied;
  for (const auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    for (const Migration& m : *r) applied.insert(m.version);
  }
  EXPECT_EQ(applied, (std::multiset<int32_t>{1, 2, 3}));
  EXPECT_EQ(Scalar(*conns[0], "SELECT count(*) FROM schema_migrations"), 3);
  EXPECT_EQ(Scalar(*conns[0], "SELECT count(*) FROM second"), 1);
}

TEST(ReadOnlyRoleTest, TheReaderRoleCanReadButNotWrite) {
  TestCluster cluster;
  cluster.Start();
  auto conn = cluster.Connect();
  ASSERT_NE(conn, nullptr);
  ASSERT_TRUE(Migrate(*conn, BuiltinMigrations()).ok());
  EXPECT_EQ(Scalar(*conn,
                   "SELECT count(*) FROM pg_roles WHERE rolname = 'globalmart_reader' "
                   "AND NOT rolcanlogin"),
            1);
  // A table created after 0001 by the migrating role is readable too (default privileges).
  ASSERT_TRUE(conn->Execute("CREATE TABLE later (x int)").ok());

  pqxx::work tx(conn->pqxx());
  tx.exec("SET LOCAL ROLE globalmart_reader");
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM products")[0].as<int64_t>(), 0);
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM sales_metrics")[0].as<int64_t>(), 0);
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM stream_task_state")[0].as<int64_t>(), 0);
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM later")[0].as<int64_t>(), 0);
  for (const char* sql :
       {"INSERT INTO products (product_id, name, category, price_cents, initial_stock) "
        "VALUES ('p', 'n', 'c', 1, 1)",
        "UPDATE stream_offsets SET next_offset = 0", "DELETE FROM transactions",
        "DELETE FROM stream_task_state", "CREATE TABLE mine (x int)",
        "TRUNCATE dead_letter_events"}) {
    pqxx::subtransaction attempt(tx, "attempt");
    try {
      attempt.exec(sql);
      ADD_FAILURE() << "the reader could run: " << sql;
    } catch (const pqxx::sql_error& e) {
      Status s = ToStatus(e, "writing as the reader");
      EXPECT_NE(s.message().find("SQLSTATE 42501"), std::string::npos)
          << sql << ": " << s.message();
    }
  }
}

// 0001's default privileges cover the tables its own role creates; a later migration run
// by another role (here a member of the first, as a deploy role would be) grants explicitly.
TEST(ReadOnlyRoleTest, TablesOfLaterMigrationsRunByAnotherRoleAreReadable) {
  TestCluster cluster;
  cluster.Start();
  auto conn = cluster.Connect();
  ASSERT_NE(conn, nullptr);
  const std::vector<Migration>& all = BuiltinMigrations();
  ASSERT_GE(all.size(), 2u);
  ASSERT_TRUE(Migrate(*conn, {all[0]}).ok());
  ASSERT_TRUE(conn->Execute("CREATE ROLE deployer NOLOGIN IN ROLE " +
                            Scalar<std::string>(*conn, "SELECT current_user") +
                            "; SET ROLE deployer")
                  .ok());
  Result<std::vector<Migration>> applied = Migrate(*conn, all);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_EQ(Scalar<std::string>(*conn,
                                "SELECT tableowner::text FROM pg_tables "
                                "WHERE tablename = 'stream_task_state'"),
            "deployer");
  ASSERT_TRUE(conn->Execute("RESET ROLE").ok());
  pqxx::work tx(conn->pqxx());
  tx.exec("SET LOCAL ROLE globalmart_reader");
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM stream_task_state")[0].as<int64_t>(), 0);
}

}  // namespace
}  // namespace gm::store
