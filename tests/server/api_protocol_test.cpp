// The HTTP API as a server end to end (api_test_fixture.h): errors as problem+json, bad
// requests, health, docs and static files, gzip, keep-alive, many idle connections, a
// graceful stop, and the security gate with the explorer.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <zlib.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "common/config.h"
#include "server/auth/api_key_store.h"
#include "tests/server/api_test_fixture.h"

namespace gm::server::api_test {
namespace {

TEST_F(ApiTest, ErrorsAreProblemJson) {
  struct Case {
    std::string method, target, body;
    int status;
  };
  const std::vector<Case> cases = {
      {"GET", "/api/v1/anomalies?limit=0", "", 400},
      {"GET", "/api/v1/anomalies?limit=abc", "", 400},
      {"GET", "/api/v1/anomalies?min_score=2", "", 400},
      {"GET", "/api/v1/anomalies?type=nonsense", "", 400},
      {"GET", "/api/v1/anomalies?cursor=!!!", "", 400},
      {"GET", "/api/v1/anomalies?cursor=MTox", "", 400},  // one key value where two belong
      {"GET", "/api/v1/anomalies?bogus=1", "", 400},
      {"GET", "/api/v1/sales/summary?from=yesterday", "", 400},
      {"GET", "/api/v1/sales/summary?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", "", 400},
      {"GET", "/api/v1/sales/timeseries?interval=5m", "", 400},
      {"GET", "/api/v1/sales/summary?x=%zz", "", 400},
      {"GET", "/api/v1/nothing", "", 404},
      {"GET", "/static/../CMakeLists.txt", "", 404},
      {"POST", "/api/v1/sales/summary", "{}", 405},
      {"DELETE", "/health", "", 405},
      {"POST", "/api/v1/sales/summary", std::string(100 * 1024, 'x'), 413},
  };
  for (const Case& c : cases) {
    HttpConnection conn(port_);
    std::optional<HttpResponse> r = conn.Request(c.method, c.target, "", c.body);
    ASSERT_TRUE(r) << c.method << " " << c.target;
    EXPECT_EQ(r->status, c.status) << c.method << " " << c.target << ": " << r->body;
    EXPECT_EQ(r->Header("content-type"), "application/problem+json") << c.target;
    json p = json::parse(r->body, nullptr, false);
    ASSERT_TRUE(p.is_object()) << r->body;
    EXPECT_EQ(p["status"], c.status);
    EXPECT_TRUE(p["title"].is_string());
    EXPECT_TRUE(p["detail"].is_string());
    EXPECT_EQ(r->body.find("SELECT"), std::string::npos) << "leaks SQL: " << r->body;
    if (c.status == 405) {
      EXPECT_EQ(r->Header("allow"), "GET");
    }
  }
}

TEST_F(ApiTest, MalformedRequestsCloseTheConnectionAndTheServerGoesOn) {
  for (const std::string& bad :
       std::vector<std::string>{"GARBAGE\r\n\r\n", "GET /health HTTP/9.Z\r\n\r\n",
                                "GET /health HTTP/1.1\r\nNo-Colon-Here\r\n\r\n",
                                "GET /" + std::string(20000, 'a') + " HTTP/1.1\r\n\r\n"}) {
    HttpConnection c(port_);
    ASSERT_TRUE(c.SendRaw(bad));
    // RESTinio cannot answer a request it could not parse: it closes the connection.
    std::optional<HttpResponse> r = c.ReadResponse(3000);
    if (r) {
      EXPECT_GE(r->status, 400) << bad.substr(0, 40);
    } else {
      EXPECT_TRUE(c.ClosedByPeer(3000)) << bad.substr(0, 40);
    }
  }
  EXPECT_EQ(Get("/health").status, 200);
}

TEST_F(ApiTest, HealthMetricsDocsAndStatic) {
  HttpResponse health = Get("/health");
  EXPECT_EQ(health.status, 200) << health.body;
  json h = json::parse(health.body);
  EXPECT_EQ(h["status"], "ok");
  EXPECT_EQ(h["components"]["database"]["status"], "ok");
  EXPECT_EQ(h["components"]["pipeline"]["status"], "ok");

  Get("/api/v1/sales/summary");
  HttpResponse metrics = Get("/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("globalmart_http_requests_total{route=\"GET /api/v1/sales/summary\""
                              ",code=\"200\"}"),
            std::string::npos);
  EXPECT_NE(metrics.body.find("globalmart_http_request_duration_seconds_bucket{route=\"GET "
                              "/api/v1/sales/summary\",le=\"+Inf\"}"),
            std::string::npos);
  // A file source's topic is its path (kafka_metrics.topic).
  EXPECT_NE(metrics.body.find("globalmart_pipeline_received_total{topic=\"" + cluster_->root() +
                              "/events.jsonl\"} 30003"),
            std::string::npos)
      << metrics.body;

  json openapi = GetJson("/openapi.json");
  EXPECT_EQ(openapi["openapi"], "3.1.0");
  HttpResponse docs = Get("/docs");
  EXPECT_EQ(docs.status, 200);
  EXPECT_NE(docs.body.find("swagger-ui-bundle.js"), std::string::npos);
  HttpResponse bundle = Get("/docs/swagger-ui-bundle.js");
  EXPECT_EQ(bundle.status, 200);
  EXPECT_EQ(bundle.Header("content-type"), "text/javascript; charset=utf-8");
  HttpResponse landing = Get("/");
  EXPECT_EQ(landing.status, 200);
  EXPECT_NE(landing.body.find("/static/landing.js"), std::string::npos);
  HttpResponse script = Get("/static/landing.js");
  EXPECT_EQ(script.status, 200);
  EXPECT_NE(script.body.find("/api/v1/live"), std::string::npos);
}

TEST_F(ApiTest, HealthNamesTheStalePipeline) {
  ServerConfig config;
  config.port = FreePort();
  config.threads = 1;
  config.access_log = false;
  config.health_max_lag = kMicrosPerMilli;  // anything older than 1 ms is stale
  HttpServer strict(config, cluster_->server().Url());
  ASSERT_TRUE(strict.Start().ok());
  HttpConnection c(config.port);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::optional<HttpResponse> r = c.Request("GET", "/health");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(json::parse(r->body)["failed"], "pipeline");
  strict.Stop();

  ServerConfig down = config;
  down.port = FreePort();
  HttpServer no_db(down, "postgresql://nobody@127.0.0.1:1/none");
  ASSERT_TRUE(no_db.Start().ok());
  HttpConnection c2(down.port);
  r = c2.Request("GET", "/health", "", "", 20000);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(json::parse(r->body)["failed"], "database");
  r = c2.Request("GET", "/api/v1/anomalies", "", "", 20000);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->body.find("127.0.0.1"), std::string::npos) << "leaks the URL: " << r->body;
}

TEST_F(ApiTest, GzipForLargeJson) {
  HttpResponse plain = Get("/api/v1/anomalies?limit=100000");
  HttpResponse gz = Get("/api/v1/anomalies?limit=100000", "Accept-Encoding: gzip\r\n");
  ASSERT_GT(plain.body.size(), 8192u);
  EXPECT_EQ(gz.Header("content-encoding"), "gzip");
  EXPECT_LT(gz.body.size(), plain.body.size() / 2);
  std::string out(plain.body.size() + 16, '\0');
  z_stream z{};
  ASSERT_EQ(inflateInit2(&z, 16 + MAX_WBITS), Z_OK);
  z.next_in = reinterpret_cast<Bytef*>(gz.body.data());
  z.avail_in = static_cast<uInt>(gz.body.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  inflateEnd(&z);
  EXPECT_EQ(out, plain.body);
}

TEST_F(ApiTest, KeepAliveAndLiveEvents) {
  HttpConnection c(port_);
  for (int i = 0; i < 5; ++i) {
    std::optional<HttpResponse> r = c.Request("GET", "/api/v1/sales/summary");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }
  HttpConnection live(port_);
  ASSERT_TRUE(live.SendRaw("GET /api/v1/live HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::string got;
  for (int i = 0; i < 30 && got.find("event: figures") == std::string::npos; ++i) {
    got += live.ReadSome(200);
  }
  EXPECT_NE(got.find("text/event-stream"), std::string::npos) << got;
  const size_t data = got.find("event: figures\ndata: ");
  ASSERT_NE(data, std::string::npos) << got;
  const size_t end = got.find('\n', data + 21);
  json figures = json::parse(got.substr(data + 21, end - data - 21), nullptr, false);
  EXPECT_TRUE(figures["orders_last_minute"].is_number()) << got;
  EXPECT_EQ(figures["latest_event_time"],
            SqlText("SELECT to_char(max(event_time) AT TIME ZONE 'UTC', "
                    "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') FROM transactions"));
}

TEST_F(ApiTest, ThousandIdleConnectionsDoNotStopService) {
  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  lim.rlim_cur = lim.rlim_max;
  setrlimit(RLIMIT_NOFILE, &lim);
  ASSERT_GE(lim.rlim_cur, 2200u) << "the test needs 2,200 descriptors";
  std::vector<std::unique_ptr<HttpConnection>> idle;
  for (int i = 0; i < 1000; ++i) {
    idle.push_back(std::make_unique<HttpConnection>(port_));
    ASSERT_TRUE(idle.back()->connected()) << i;
  }
  // Others are still answered promptly.
  for (int i = 0; i < 20; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    HttpConnection c(port_);
    std::optional<HttpResponse> r = c.Request("GET", "/api/v1/sales/summary", "", "", 5000);
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(r->status, 200);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
  }
  // The idle ones were accepted and still work.
  for (int i = 0; i < 1000; i += 97) {
    std::optional<HttpResponse> r = idle[i]->Request("GET", "/health", "", "", 5000);
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(r->status, 200);
  }
}

TEST_F(ApiTest, GracefulStopAnswersThenRefuses) {
  ServerConfig config;
  config.port = FreePort();
  config.threads = 2;
  config.access_log = false;
  auto server = std::make_unique<HttpServer>(config, cluster_->server().Url());
  ASSERT_TRUE(server->Start().ok());
  std::atomic<int> ok{0}, failed{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&] {
      HttpConnection c(config.port);
      while (!stop.load()) {
        std::optional<HttpResponse> r = c.Request("GET", "/api/v1/sales/by-country", "", "", 5000);
        if (!r) break;  // closed after the stop: fine
        (r->status == 200 || r->status == 503 ? ok : failed).fetch_add(1);
        if (r->status == 503) break;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  server->Stop();
  stop = true;
  for (auto& t : clients) t.join();
  EXPECT_GT(ok.load(), 0);
  EXPECT_EQ(failed.load(), 0);
  HttpConnection after(config.port);
  EXPECT_FALSE(after.connected() && after.Request("GET", "/health", "", "", 1000).has_value());
}

// The production gate (src/server/auth through security_gate.cpp) and the explorer routes:
// keys and scopes, public paths, CORS preflight, the explorer's answers.
TEST_F(ApiTest, SecurityGateAndExplorer) {
  Result<GeneratedApiKey> reader = CreateApiKey(*db_, "api-test-reader", Scope::kRead);
  Result<GeneratedApiKey> admin = CreateApiKey(*db_, "api-test-admin", Scope::kAdmin);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  ASSERT_TRUE(admin.ok()) << admin.status().ToString();
  ServerConfig config;
  config.port = FreePort();
  config.threads = 2;
  config.access_log = false;
  config.health_max_lag = 0;
  config.web_dir = std::string(GM_SOURCE_DIR) + "/web";
  AuthConfig auth;
  CorsConfig cors;
  cors.allowed_origins = {"http://dashboards.example"};
  HttpServer secured(config, cluster_->server().Url());
  secured.EnableExplorer(ExplorerConfig{});
  secured.EnableSecurity(auth, cors);
  ASSERT_TRUE(secured.Start().ok());
  const std::string read_key = "X-API-Key: " + reader->text + "\r\n";
  const std::string admin_key = "Authorization: Bearer " + admin->text + "\r\n";
  auto call = [&](const std::string& method, const std::string& target, const std::string& headers,
                  const std::string& body = "") {
    HttpConnection c(config.port);
    std::optional<HttpResponse> r = c.Request(method, target, headers, body);
    EXPECT_TRUE(r) << target;
    return r.value_or(HttpResponse{});
  };
  HttpResponse r = call("GET", "/api/v1/sales/summary", "");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.Header("content-type"), "application/problem+json");
  EXPECT_NE(r.Header("www-authenticate"), "");
  EXPECT_EQ(call("GET", "/api/v1/sales/summary", "X-API-Key: gm_bogus_key\r\n").status, 401);
  EXPECT_EQ(call("GET", "/api/v1/sales/summary", read_key).status, 200);
  EXPECT_EQ(call("GET", "/health", "").status, 200);
  EXPECT_EQ(call("GET", "/docs", "").status, 200);

  // Explorer: tables for readers, queries for admins only.
  HttpResponse tables = call("GET", "/api/v1/explorer/tables", read_key);
  ASSERT_EQ(tables.status, 200) << tables.body;
  EXPECT_NE(tables.body.find("transaction_anomalies"), std::string::npos);
  EXPECT_EQ(tables.body.find("api_keys"), std::string::npos);
  const std::string query =
      R"({"table":"transaction_anomalies","columns":["transaction_id","anomaly_score"],)"
      R"("filters":[{"column":"anomaly_score","op":">=","value":0.8}],"limit":5})";
  const std::string json_type = "Content-Type: application/json\r\n";
  EXPECT_EQ(call("POST", "/api/v1/explorer/query", read_key + json_type, query).status, 403);
  HttpResponse q = call("POST", "/api/v1/explorer/query", admin_key + json_type, query);
  ASSERT_EQ(q.status, 200) << q.body;
  json rows = json::parse(q.body);
  EXPECT_EQ(rows["rows"].size(), 5u);
  HttpResponse bad = call("POST", "/api/v1/explorer/query", admin_key + json_type,
                          R"({"table":"api_keys; DROP TABLE transactions"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.Header("content-type"), "application/problem+json");

  // CORS preflight needs no key; an allowed origin gets the Allow-* headers.
  HttpResponse pre = call("OPTIONS", "/api/v1/sales/summary",
                          "Origin: http://dashboards.example\r\n"
                          "Access-Control-Request-Method: GET\r\n"
                          "Access-Control-Request-Headers: X-API-Key\r\n");
  EXPECT_EQ(pre.status, 204);
  EXPECT_EQ(pre.Header("access-control-allow-origin"), "http://dashboards.example");
  HttpResponse cross =
      call("GET", "/api/v1/sales/summary", read_key + "Origin: http://dashboards.example\r\n");
  EXPECT_EQ(cross.Header("access-control-allow-origin"), "http://dashboards.example");
  secured.Stop();
}

}  // namespace
}  // namespace gm::server::api_test
