// API keys against a real PostgreSQL (a throw-away cluster): create/list/revoke through the
// library and through the `globalmart apikey` command, verification through a connection pool
// logged in as a read-only role, and the hashes hidden from that role.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <pqxx/pqxx>

#include "../store/test_cluster.h"
#include "server/auth/api_key_store.h"
#include "store/migrations.h"
#include "store/pool.h"

namespace gm::server {
namespace {

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs `globalmart <args>` through the shell, capturing stdout and stderr separately.
CommandResult RunCli(const std::string& args, const std::string& dir) {
  const std::string err_file = dir + "/stderr.txt";
  const std::string cmd = std::string(GM_BINARY) + " " + args + " 2>" + err_file;
  CommandResult r;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) r.out.append(buf, n);
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (FILE* f = fopen(err_file.c_str(), "r")) {
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) r.err.append(buf, n);
    fclose(f);
  }
  return r;
}

class ApiKeyIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_.Start();
    conn_ = cluster_.Connect();
    ASSERT_NE(conn_, nullptr);
    Result<std::vector<store::Migration>> applied =
        store::Migrate(*conn_, store::BuiltinMigrations());
    ASSERT_TRUE(applied.ok()) << applied.status().ToString();
    // A login role that only reads, as the API uses.
    ASSERT_TRUE(conn_
                    ->Execute("CREATE ROLE gm_api_test LOGIN PASSWORD 'api-pw' "
                              "IN ROLE globalmart_reader")
                    .ok());
  }

  std::string ReaderUrl() {
    return "host=127.0.0.1 port=" + std::to_string(cluster_.server().port()) +
           " dbname=globalmart user=gm_api_test password=api-pw";
  }

  store::testing::TestCluster cluster_;
  std::unique_ptr<store::Connection> conn_;
};

TEST_F(ApiKeyIntegrationTest, CreateListVerifyRevoke) {
  Result<GeneratedApiKey> key = CreateApiKey(*conn_, "grafana", Scope::kRead);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  Result<GeneratedApiKey> admin = CreateApiKey(*conn_, "ops", Scope::kAdmin);
  ASSERT_TRUE(admin.ok()) << admin.status().ToString();

  // Names are unique, revoked ones included.
  Result<GeneratedApiKey> again = CreateApiKey(*conn_, "grafana", Scope::kAdmin);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(CreateApiKey(*conn_, "bad name", Scope::kRead).status().code(),
            ErrorCode::kInvalidArgument);

  // The database holds no secret: neither the key text nor its secret part.
  {
    pqxx::read_transaction tx(conn_->pqxx());
    pqxx::result rows =
        tx.exec("SELECT key_id, encode(salt, 'hex'), encode(hash, 'hex') FROM api_keys");
    ASSERT_EQ(rows.size(), 2u);
    const std::string secret = key->text.substr(key->text.rfind('_') + 1);
    for (const auto& row : rows) {
      for (const auto& field : row) {
        EXPECT_EQ(std::string(field.c_str()).find(secret), std::string::npos);
      }
    }
  }

  // Verification through a pool logged in as the read-only role.
  store::ConnectionPool pool(store::PoolOptions{ReaderUrl(), 2, 10 * kMicrosPerSecond});
  PgKeyRecordSource source(pool);
  ManualClock clock(1'000 * kMicrosPerSecond);
  ApiKeyVerifier verifier(source, clock, {kMicrosPerSecond, kMicrosPerMinute, 100});
  Result<Principal> p = verifier.Verify(key->text);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->name, "grafana");
  EXPECT_EQ(p->scope, Scope::kRead);
  Result<Principal> pa = verifier.Verify(admin->text);
  ASSERT_TRUE(pa.ok());
  EXPECT_EQ(pa->scope, Scope::kAdmin);
  std::string forged = key->text;
  forged.back() = forged.back() == 'a' ? 'b' : 'a';
  EXPECT_EQ(verifier.Verify(forged).status().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(verifier.Verify("gm_0000000000000000_" + std::string(64, '0')).status().code(),
            ErrorCode::kUnauthenticated);

  // last_used_at was recorded (through api_key_touch, as the reader).
  Result<std::vector<ApiKeyInfo>> listed = ListApiKeys(*conn_);
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].name, "grafana");
  EXPECT_TRUE((*listed)[0].last_used_at.has_value());
  EXPECT_FALSE((*listed)[0].revoked_at.has_value());

  // Revocation: refused once the cache entry is older than the ttl.
  Result<bool> revoked = RevokeApiKey(*conn_, "grafana");
  ASSERT_TRUE(revoked.ok());
  EXPECT_TRUE(*revoked);
  EXPECT_FALSE(*RevokeApiKey(*conn_, "grafana"));
  EXPECT_EQ(RevokeApiKey(*conn_, "nobody").status().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(verifier.Verify(key->text).ok()) << "cached for up to cache_ttl";
  clock.Advance(kMicrosPerSecond);
  Result<Principal> after = verifier.Verify(key->text);
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.status().code(), ErrorCode::kUnauthenticated);
  EXPECT_NE(after.status().message().find("revoked"), std::string::npos);
  EXPECT_TRUE(verifier.Verify(admin->text).ok());
  EXPECT_EQ(CreateApiKey(*conn_, "grafana", Scope::kRead).status().code(),
            ErrorCode::kInvalidArgument);
}

TEST_F(ApiKeyIntegrationTest, ReadOnlyRoleCannotReadOrWriteKeys) {
  ASSERT_TRUE(CreateApiKey(*conn_, "ci", Scope::kRead).ok());
  Result<std::unique_ptr<store::Connection>> reader =
      store::Connection::Open(ReaderUrl(), 10 * kMicrosPerSecond);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  for (const char* sql : {"SELECT * FROM api_keys", "SELECT hash FROM api_keys",
                          "UPDATE api_keys SET revoked_at = NULL",
                          "INSERT INTO transactions VALUES ('t', 'u', NULL, now(), 1, 1, 'card', "
                          "'DE', NULL, NULL, NULL, false)",
                          "DELETE FROM api_keys"}) {
    Status s = (*reader)->Execute(sql);
    EXPECT_FALSE(s.ok()) << sql;
    EXPECT_NE(s.message().find("42501"), std::string::npos) << sql << ": " << s.ToString();
  }
  EXPECT_TRUE((*reader)->Execute("SELECT count(*) FROM transactions").ok());
}

TEST_F(ApiKeyIntegrationTest, CommandLine) {
  const std::string pg = "--pg '" + cluster_.server().Url() + "'";
  const std::string dir = cluster_.root();

  CommandResult created = RunCli("apikey create --name ci-bot --scope admin " + pg, dir);
  ASSERT_EQ(created.exit_code, 0) << created.err;
  std::string key = created.out;
  while (!key.empty() && key.back() == '\n') key.pop_back();
  ASSERT_TRUE(ParseApiKey(key).ok()) << "stdout is the key alone: '" << created.out << "'";
  EXPECT_NE(created.err.find("shown only now"), std::string::npos);

  CommandResult listed = RunCli("apikey list " + pg, dir);
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find("ci-bot"), std::string::npos);
  EXPECT_NE(listed.out.find("admin"), std::string::npos);
  EXPECT_NE(listed.out.find("active"), std::string::npos);
  EXPECT_EQ(listed.out.find(key.substr(key.rfind('_') + 1)), std::string::npos)
      << "list printed the secret";

  // Usage errors: exit 2, the message names the bad value.
  CommandResult bad_scope = RunCli("apikey create --name x --scope root " + pg, dir);
  EXPECT_EQ(bad_scope.exit_code, 2);
  EXPECT_NE(bad_scope.err.find("'root'"), std::string::npos) << bad_scope.err;
  CommandResult bad_name = RunCli("apikey create --name 'a;b' " + pg, dir);
  EXPECT_EQ(bad_name.exit_code, 2);
  EXPECT_NE(bad_name.err.find("'a;b'"), std::string::npos) << bad_name.err;
  EXPECT_EQ(RunCli("apikey create --scope read " + pg, dir).exit_code, 2);
  CommandResult taken = RunCli("apikey create --name ci-bot " + pg, dir);
  EXPECT_EQ(taken.exit_code, 2);
  EXPECT_NE(taken.err.find("ci-bot"), std::string::npos);
  EXPECT_EQ(RunCli("apikey create --help", dir).exit_code, 0);
  EXPECT_EQ(RunCli("apikey list --help", dir).exit_code, 0);
  EXPECT_EQ(RunCli("apikey revoke --help", dir).exit_code, 0);

  CommandResult revoked = RunCli("apikey revoke ci-bot " + pg, dir);
  ASSERT_EQ(revoked.exit_code, 0) << revoked.err;
  EXPECT_NE(revoked.out.find("revoked"), std::string::npos);
  CommandResult unknown = RunCli("apikey revoke nobody " + pg, dir);
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("nobody"), std::string::npos);
  CommandResult after = RunCli("apikey list " + pg, dir);
  EXPECT_NE(after.out.find("revoked"), std::string::npos);

  Result<std::vector<ApiKeyInfo>> keys = ListApiKeys(*conn_);
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_TRUE((*keys)[0].revoked_at.has_value());
}

}  // namespace
}  // namespace gm::server
