#pragma once

// The fixture of the HTTP API tests: a throw-away PostgreSQL filled by the real pipeline
// (`globalmart generate` → JSONL with some bad lines → `globalmart stream --until-eof`), the
// server on a free loopback port, and helpers to read both.

#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "server/server.h"
#include "store/migrations.h"
#include "tests/server/http_client.h"
#include "tests/store/test_cluster.h"

namespace gm::server::api_test {

using nlohmann::json;
using testing::FreePort;
using testing::HttpConnection;
using testing::HttpResponse;

class ApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cluster_ = new store::testing::TestCluster();
    cluster_->Start();
    db_ = cluster_->Connect().release();
    ASSERT_NE(db_, nullptr);
    Result<std::vector<store::Migration>> applied =
        store::Migrate(*db_, store::BuiltinMigrations());
    ASSERT_TRUE(applied.ok()) << applied.status().ToString();
    FillWithPipeline();
    ServerConfig config;
    config.port = FreePort();
    config.threads = 2;
    config.access_log = false;
    config.web_dir = std::string(GM_SOURCE_DIR) + "/web";
    config.health_max_lag = kMicrosPerHour;
    config.max_body_bytes = 64 * 1024;
    config.idle_timeout = 120 * kMicrosPerSecond;
    config.max_page_size = 100'000;
    port_ = config.port;
    server_ = new HttpServer(config, cluster_->server().Url());
    Status s = server_->Start();
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  static void TearDownTestSuite() {
    delete server_;
    delete db_;
    delete cluster_;
  }

  // generate → JSONL (+ malformed lines) → stream, as a user would run them.
  static void FillWithPipeline() {
    const std::string dir = cluster_->root();
    const std::string events = dir + "/events.jsonl";
    const std::string bin = GM_BINARY;
    std::string cmd = "cd " + dir + " && " + bin +
                      " generate --profile seed --rate max --set generator.max_event_rate=50 "
                      "--count 30000 --start "
                      "2026-01-01T00:00:00Z --anomaly-rate 0.05 --to file:" +
                      events +
                      " -q && printf '%s\\n' 'not json' '{\"event_type\":\"transactions\"}' "
                      "'{\"event_type\":\"cart_events\",\"action\":1}' >> " +
                      events + " && " + bin + " stream --from file:" + events +
                      " --until-eof --pg '" + cluster_->server().Url() + "' > stream.out 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << "pipeline failed; see " << dir << "/stream.out";
  }

  static int64_t SqlInt(const std::string& sql) {
    pqxx::nontransaction tx(db_->pqxx());
    return tx.exec1(sql)[0].as<int64_t>();
  }
  static std::string SqlText(const std::string& sql) {
    pqxx::nontransaction tx(db_->pqxx());
    return tx.exec1(sql)[0].as<std::string>();
  }

  static HttpResponse Get(const std::string& target, const std::string& headers = "") {
    HttpConnection c(port_);
    std::optional<HttpResponse> r = c.Request("GET", target, headers);
    EXPECT_TRUE(r.has_value()) << target;
    return r.value_or(HttpResponse{});
  }
  static json GetJson(const std::string& target) {
    HttpResponse r = Get(target);
    EXPECT_EQ(r.status, 200) << target << ": " << r.body;
    EXPECT_EQ(r.Header("content-type"), "application/json") << target;
    return json::parse(r.body, nullptr, false);
  }

  // Every item of a list, following next_cursor with pages of `limit`.
  static std::vector<json> AllPages(const std::string& target, int limit, int* pages = nullptr) {
    std::vector<json> items;
    std::string cursor;
    int n = 0;
    for (;;) {
      const std::string sep = target.find('?') == std::string::npos ? "?" : "&";
      json page = GetJson(target + sep + "limit=" + std::to_string(limit) +
                          (cursor.empty() ? "" : "&cursor=" + cursor));
      if (!page.is_object()) break;
      for (const json& item : page["items"]) items.push_back(item);
      ++n;
      if (page["next_cursor"].is_null()) break;
      cursor = page["next_cursor"].get<std::string>();
      if (n > 10000) break;
    }
    if (pages) *pages = n;
    return items;
  }

  inline static store::testing::TestCluster* cluster_ = nullptr;
  inline static store::Connection* db_ = nullptr;
  inline static HttpServer* server_ = nullptr;
  inline static int port_ = 0;
};

}  // namespace gm::server::api_test
