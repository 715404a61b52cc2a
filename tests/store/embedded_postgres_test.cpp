// The embedded cluster manager against real PostgreSQL server binaries.
#include "store/embedded_postgres.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <pqxx/pqxx>

#include "store/internal/process.h"
#include "test_cluster.h"

namespace gm::store {
namespace {

using testing::TestCluster;

int64_t CountRows(Connection& conn, const std::string& sql) {
  pqxx::nontransaction tx(conn.pqxx());
  return tx.exec1(sql)[0].as<int64_t>();
}

TEST(EmbeddedPostgresTest, FirstStartRunsInitdbSecondReusesTheDataDir) {
  TestCluster cluster;
  pid_t first_pid = 0;
  {
    EmbeddedPostgres server(cluster.Options());
    ASSERT_TRUE(server.Start().ok());
    EXPECT_TRUE(server.initialized());
    EXPECT_FALSE(server.reused());
    EXPECT_TRUE(std::filesystem::exists(cluster.root() + "/pg/PG_VERSION"));
    EXPECT_NE(server.Url().find("@127.0.0.1:" + std::to_string(server.port()) + "/globalmart"),
              std::string::npos);
    first_pid = server.pid();
    {
      auto conn = Connection::Open(server.Url(), 10 * kMicrosPerSecond);
      ASSERT_TRUE(conn.ok()) << conn.status().ToString();
      ASSERT_TRUE(
          (*conn)->Execute("CREATE TABLE survivor (x int); INSERT INTO survivor VALUES (7)").ok());
      EXPECT_GE((*conn)->server_version(), 130000);
    }
    ASSERT_TRUE(server.Stop().ok());
    EXPECT_FALSE(internal::ProcessAlive(first_pid));
    EXPECT_FALSE(std::filesystem::exists(cluster.root() + "/pg/postmaster.pid"));
  }
  EmbeddedPostgres again(cluster.Options());
  ASSERT_TRUE(again.Start().ok());
  EXPECT_FALSE(again.initialized());
  EXPECT_FALSE(again.reused());
  EXPECT_NE(again.pid(), first_pid);
  auto conn = Connection::Open(again.Url(), 10 * kMicrosPerSecond);
  ASSERT_TRUE(conn.ok());
  EXPECT_EQ(CountRows(**conn, "SELECT sum(x) FROM survivor"), 7);
}

TEST(EmbeddedPostgresTest, ARunningServerIsDetectedAndShared) {
  TestCluster cluster;
  EmbeddedPostgres& owner = cluster.Start();
  EmbeddedPostgres other(cluster.Options());
  ASSERT_TRUE(other.Start().ok());
  EXPECT_TRUE(other.reused());
  EXPECT_EQ(other.pid(), owner.pid());
  EXPECT_EQ(other.port(), owner.port());
  EXPECT_EQ(other.Url(), owner.Url());
  // Only the starter stops it.
  ASSERT_TRUE(other.Stop().ok());
  EXPECT_TRUE(internal::ProcessAlive(owner.pid()));
  auto conn = Connection::Open(owner.Url(), 10 * kMicrosPerSecond);
  EXPECT_TRUE(conn.ok()) << conn.status().ToString();
}

TEST(EmbeddedPostgresTest, ABusyPortMovesTheServerToTheNextFreeOne) {
  TestCluster cluster;
  EmbeddedPostgresOptions options = cluster.Options();
  int blocker = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(options.port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(blocker, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(blocker, 1), 0);
  EmbeddedPostgres server(options);
  Status s = server.Start();
  close(blocker);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_GT(server.port(), options.port);
  EXPECT_TRUE(Connection::Open(server.Url(), 10 * kMicrosPerSecond).ok());
}

TEST(EmbeddedPostgresTest, StopRunningStopsAServerStartedElsewhere) {
  TestCluster cluster;
  pid_t pid = 0;
  {
    EmbeddedPostgres server(cluster.Options());
    ASSERT_TRUE(server.Start().ok());
    server.Detach();  // as `db start` does
    pid = server.pid();
  }
  EXPECT_TRUE(internal::ProcessAlive(pid));
  ASSERT_TRUE(EmbeddedPostgres::StopRunning(cluster.Options()).ok());
  EXPECT_FALSE(internal::ProcessAlive(pid));
  EXPECT_EQ(EmbeddedPostgres::StopRunning(cluster.Options()).code(), ErrorCode::kNotFound);
}

TEST(EmbeddedPostgresTest, MissingBinariesAndBadDataDirsGiveClearMessages) {
  TestCluster cluster;
  EmbeddedPostgresOptions options = cluster.Options();
  options.bin_dir = cluster.root() + "/no-such-bin";
  EmbeddedPostgres missing(options);
  Status s = missing.Start();
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(s.message().find("PostgreSQL server binaries not found"), std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("GLOBALMART_PG_URL"), std::string::npos);

  options = cluster.Options();
  std::filesystem::create_directories(options.data_dir);
  std::ofstream(options.data_dir + "/stray.txt") << "not a cluster";
  EmbeddedPostgres stray(options);
  s = stray.Start();
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(s.message().find("not a PostgreSQL data directory"), std::string::npos) << s.message();
}

TEST(EmbeddedPostgresTest, AStartupFailureShowsTheServerLog) {
  TestCluster cluster;
  cluster.Start();
  ASSERT_TRUE(cluster.server().Stop().ok());
  // Break the configuration: the server refuses to start and says why in its log.
  std::ofstream(cluster.root() + "/pg/postgresql.auto.conf", std::ios::app)
      << "shared_buffers = 'lots'\n";
  EmbeddedPostgres broken(cluster.Options());
  Status s = broken.Start();
  EXPECT_EQ(s.code(), ErrorCode::kUnavailable);
  EXPECT_NE(s.message().find("server.log"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("shared_buffers"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace gm::store
