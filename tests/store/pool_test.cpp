// The connection pool against a real server, including one that goes away and comes back.
#include "store/pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <pqxx/pqxx>
#include <thread>

#include "test_cluster.h"

namespace gm::store {
namespace {

using testing::TestCluster;
using SteadyClock = std::chrono::steady_clock;

int64_t Backend(Connection& conn) {
  pqxx::nontransaction tx(conn.pqxx());
  return tx.exec1("SELECT pg_backend_pid()")[0].as<int64_t>();
}

TEST(PoolTest, ReconnectsAfterTheServerRestartsAndIsUnavailableWhileItIsDown) {
  TestCluster cluster;
  EmbeddedPostgres& server = cluster.Start();
  PoolOptions options;
  options.url = server.Url();
  options.size = 2;
  options.connect_timeout = kMicrosPerSecond;
  ConnectionPool pool(options);
  int64_t before = 0;
  {
    Result<ConnectionPool::Lease> lease = pool.Acquire();
    ASSERT_TRUE(lease.ok()) << lease.status().ToString();
    before = Backend(**lease);
  }
  const int32_t port = server.port();
  ASSERT_TRUE(server.Stop().ok());

  const auto start = SteadyClock::now();
  Result<ConnectionPool::Lease> down = pool.Acquire();
  const auto waited = SteadyClock::now() - start;
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.status().code(), ErrorCode::kUnavailable) << down.status().ToString();
  EXPECT_GE(waited, std::chrono::milliseconds(900));
  EXPECT_LE(waited, std::chrono::seconds(4));

  ASSERT_TRUE(server.Start().ok());
  ASSERT_EQ(server.port(), port);  // the URL the pool holds is still right
  Result<ConnectionPool::Lease> back = pool.Acquire();
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_NE(Backend(**back), before);
}

TEST(PoolTest, WaitsForTheServerToComeBackWithinTheTimeout) {
  TestCluster cluster;
  EmbeddedPostgres& server = cluster.Start();
  PoolOptions options;
  options.url = server.Url();
  options.size = 1;
  options.connect_timeout = 20 * kMicrosPerSecond;
  ConnectionPool pool(options);
  ASSERT_TRUE(pool.Acquire().ok());
  ASSERT_TRUE(server.Stop().ok());
  std::thread restarter([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    EXPECT_TRUE(server.Start().ok());
  });
  Result<ConnectionPool::Lease> lease = pool.Acquire();
  restarter.join();
  ASSERT_TRUE(lease.ok()) << lease.status().ToString();
  EXPECT_GT(Backend(**lease), 0);
}

TEST(PoolTest, TimesOutWhenEveryConnectionIsBusyAndDiscardsBrokenOnes) {
  TestCluster cluster;
  EmbeddedPostgres& server = cluster.Start();
  PoolOptions options;
  options.url = server.Url();
  options.size = 1;
  ConnectionPool pool(options);
  {
    Result<ConnectionPool::Lease> held = pool.Acquire();
    ASSERT_TRUE(held.ok());
    Result<ConnectionPool::Lease> second = pool.Acquire(200 * kMicrosPerMilli);
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.status().code(), ErrorCode::kTimeout);
    // Leaving a transaction open makes the connection unfit for the next user.
    ASSERT_TRUE((*held)->Execute("BEGIN").ok());
  }
  Result<ConnectionPool::Lease> next = pool.Acquire();
  ASSERT_TRUE(next.ok());
  pqxx::work tx((*next)->pqxx());  // would throw if a transaction were still open
  EXPECT_EQ(tx.exec1("SELECT 1")[0].as<int>(), 1);
}

TEST(PoolTest, SharesConnectionsBetweenThreads) {
  TestCluster cluster;
  EmbeddedPostgres& server = cluster.Start();
  PoolOptions options;
  options.url = server.Url();
  options.size = 3;
  ConnectionPool pool(options);
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        Result<ConnectionPool::Lease> lease = pool.Acquire();
        if (!lease.ok()) continue;
        pqxx::nontransaction tx((*lease)->pqxx());
        if (tx.exec1("SELECT 41 + 1")[0].as<int>() == 42) ++ok;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(ok.load(), 150);
  auto conn = cluster.Connect();
  pqxx::nontransaction tx(conn->pqxx());
  // At most the pool's size (plus this connection) was ever opened.
  EXPECT_LE(tx.exec1("SELECT count(*) FROM pg_stat_activity WHERE application_name = "
                     "'globalmart' AND backend_type = 'client backend'")[0]
                .as<int64_t>(),
            4);
}

TEST(PoolTest, ABadUrlFailsAtOnce) {
  PoolOptions options;
  options.url = "postgresql://nobody@127.0.0.1:1/none";
  options.connect_timeout = 300 * kMicrosPerMilli;
  ConnectionPool pool(options);
  Result<ConnectionPool::Lease> lease = pool.Acquire();
  ASSERT_FALSE(lease.ok());
  EXPECT_EQ(lease.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(lease.status().message().find("127.0.0.1"), std::string::npos);
}

}  // namespace
}  // namespace gm::store
