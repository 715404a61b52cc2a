// The HTTP API end to end: a throw-away PostgreSQL filled by the real pipeline
// (`globalmart generate` → JSONL with some bad lines → `globalmart stream --until-eof`),
// the server on a free loopback port, and every route checked against SQL computed here.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <zlib.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <set>
#include <thread>

#include "common/config.h"
#include "server/auth/api_key_store.h"
#include "server/server.h"
#include "store/migrations.h"
#include "tests/server/http_client.h"
#include "tests/store/test_cluster.h"

namespace gm::server {
namespace {

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

  static store::testing::TestCluster* cluster_;
  static store::Connection* db_;
  static HttpServer* server_;
  static int port_;
};

store::testing::TestCluster* ApiTest::cluster_ = nullptr;
store::Connection* ApiTest::db_ = nullptr;
HttpServer* ApiTest::server_ = nullptr;
int ApiTest::port_ = 0;

std::string Cents(int64_t c) {
  char buf[64];
  snprintf(buf, sizeof buf, "%s%lld.%02lld", c < 0 ? "-" : "",
           static_cast<long long>(std::llabs(c) / 100),
           static_cast<long long>(std::llabs(c) % 100));
  return buf;
}

constexpr char kArchive[] =
    " FROM transactions t JOIN transaction_items i USING (transaction_id) WHERE true";

TEST_F(ApiTest, PipelineFilledTheTables) {
  EXPECT_GT(SqlInt("SELECT count(*) FROM transactions"), 1000);
  EXPECT_GT(SqlInt("SELECT count(*) FROM transaction_anomalies"), 50);
  EXPECT_EQ(SqlInt("SELECT count(*) FROM dead_letter_events"), 3);
  EXPECT_GT(SqlInt("SELECT count(*) FROM kafka_metrics"), 0);
}

TEST_F(ApiTest, SalesSummaryEqualsSql) {
  json all = GetJson("/api/v1/sales/summary");
  const int64_t revenue = SqlInt(std::string("SELECT sum(i.quantity * i.price_cents)") + kArchive);
  const int64_t orders = SqlInt(std::string("SELECT count(DISTINCT t.transaction_id)") + kArchive);
  const int64_t units = SqlInt(std::string("SELECT sum(i.quantity)") + kArchive);
  EXPECT_EQ(all["revenue"], Cents(revenue));
  EXPECT_EQ(all["orders"], orders);
  EXPECT_EQ(all["units"], units);
  EXPECT_EQ(all["average_order_value"], Cents((2 * revenue + orders) / (2 * orders)));
  EXPECT_TRUE(all["from"].is_null());

  // A range and a country narrow it exactly as SQL does.
  const std::string country =
      SqlText("SELECT country FROM transactions GROUP BY 1 ORDER BY count(*) DESC LIMIT 1");
  const std::string where =
      " AND t.event_time >= '2026-01-01T00:01:00Z' AND t.event_time < "
      "'2026-01-01T00:03:00Z' AND t.country = '" +
      country + "'";
  json part = GetJson(
      "/api/v1/sales/summary?from=2026-01-01T00:01:00Z&to=2026-01-01T00:03:00Z"
      "&country=" +
      country);
  EXPECT_EQ(part["revenue"],
            Cents(SqlInt(std::string("SELECT coalesce(sum(i.quantity * i.price_cents),0)") +
                         kArchive + where)));
  EXPECT_EQ(part["orders"],
            SqlInt(std::string("SELECT count(DISTINCT t.transaction_id)") + kArchive + where));
  EXPECT_EQ(part["country"], country);
  EXPECT_EQ(part["from"], "2026-01-01T00:01:00.000Z");
  EXPECT_LT(part["orders"].get<int64_t>(), orders);
  EXPECT_GT(part["orders"].get<int64_t>(), 0);
}

TEST_F(ApiTest, TimeseriesPagesConcatenateToOnePage) {
  for (const char* interval : {"1m", "1h"}) {
    const std::string target = std::string("/api/v1/sales/timeseries?interval=") + interval;
    int pages = 0;
    std::vector<json> paged = AllPages(target, 1, &pages);
    json one = GetJson(target + "&limit=100000");
    ASSERT_EQ(json(paged), one["items"]) << interval;
    EXPECT_TRUE(one["next_cursor"].is_null());
    int64_t orders = 0;
    for (const json& b : paged) orders += b["orders"].get<int64_t>();
    EXPECT_EQ(orders, SqlInt("SELECT count(*) FROM transactions t WHERE EXISTS (SELECT 1 FROM "
                             "transaction_items i WHERE i.transaction_id = t.transaction_id)"));
    if (std::string(interval) == "1m") {
      EXPECT_GT(pages, 2);
    }
  }
  // Buckets are epoch-aligned minutes with SQL's figures.
  json minutes = GetJson("/api/v1/sales/timeseries?interval=1m&limit=1");
  const json& first = minutes["items"][0];
  EXPECT_EQ(first["bucket_start"],
            SqlText("SELECT to_char(date_trunc('minute', min(event_time)) AT TIME ZONE 'UTC', "
                    "'YYYY-MM-DD\"T\"HH24:MI:SS.000Z') FROM transactions"));
}

TEST_F(ApiTest, BreakdownsAddUpAndFiltersNarrow) {
  json summary = GetJson("/api/v1/sales/summary");
  std::vector<json> countries = AllPages("/api/v1/sales/by-country", 3);
  EXPECT_EQ(static_cast<int64_t>(countries.size()),
            SqlInt("SELECT count(DISTINCT country) FROM transactions t WHERE EXISTS (SELECT 1 "
                   "FROM transaction_items i WHERE i.transaction_id = t.transaction_id)"));
  int64_t orders = 0;
  std::set<std::string> seen;
  for (const json& c : countries) {
    orders += c["orders"].get<int64_t>();
    EXPECT_TRUE(seen.insert(c["country"].get<std::string>()).second) << "duplicate row";
  }
  EXPECT_EQ(orders, summary["orders"].get<int64_t>());

  const std::string category =
      SqlText("SELECT category FROM transaction_items GROUP BY 1 ORDER BY count(*) DESC LIMIT 1");
  std::vector<json> narrowed = AllPages("/api/v1/sales/by-country?category=" + category, 1000);
  for (const json& c : narrowed) {
    const std::string where = " AND i.category = '" + category + "' AND t.country = '" +
                              c["country"].get<std::string>() + "'";
    EXPECT_EQ(c["revenue"], Cents(SqlInt(std::string("SELECT sum(i.quantity * i.price_cents)") +
                                         kArchive + where)));
  }
  std::vector<json> categories = AllPages("/api/v1/sales/by-category", 7);
  EXPECT_EQ(static_cast<int64_t>(categories.size()),
            SqlInt("SELECT count(DISTINCT category) FROM transaction_items"));
}

TEST_F(ApiTest, AnomaliesPaginateFilterAndMatchCsv) {
  int pages = 0;
  std::vector<json> all = AllPages("/api/v1/anomalies", 17, &pages);
  EXPECT_GT(pages, 2);
  EXPECT_EQ(static_cast<int64_t>(all.size()), SqlInt("SELECT count(*) FROM transaction_anomalies"));
  EXPECT_EQ(json(all), GetJson("/api/v1/anomalies?limit=100000")["items"]);
  std::set<std::string> ids;
  for (const json& a : all) EXPECT_TRUE(ids.insert(a["transaction_id"].get<std::string>()).second);

  std::vector<json> high = AllPages("/api/v1/anomalies?min_score=0.8", 50);
  EXPECT_EQ(static_cast<int64_t>(high.size()),
            SqlInt("SELECT count(*) FROM transaction_anomalies WHERE anomaly_score >= 0.8"));
  for (const json& a : high) EXPECT_GE(a["anomaly_score"].get<double>(), 0.8 - 1e-6);

  std::vector<json> typed = AllPages("/api/v1/anomalies?type=high_value", 50);
  EXPECT_EQ(
      static_cast<int64_t>(typed.size()),
      SqlInt("SELECT count(*) FROM transaction_anomalies WHERE 'high_value' = ANY(anomaly_types)"));
  for (const json& a : typed) {
    const auto& types = a["anomaly_types"];
    EXPECT_NE(std::find(types.begin(), types.end(), "high_value"), types.end());
  }
  const std::string user = all.front()["user_id"];
  std::vector<json> mine = AllPages("/api/v1/anomalies?user=" + user, 50);
  EXPECT_EQ(static_cast<int64_t>(mine.size()),
            SqlInt("SELECT count(*) FROM transaction_anomalies WHERE user_id = '" + user + "'"));

  // CSV = JSON: same rows, same values as text, header row first.
  HttpResponse csv = Get("/api/v1/anomalies?limit=100000&format=csv");
  EXPECT_EQ(csv.status, 200);
  EXPECT_EQ(csv.Header("content-type"), "text/csv; charset=utf-8");
  EXPECT_EQ(csv.Header("transfer-encoding"), "chunked");
  HttpResponse accept = Get("/api/v1/anomalies?limit=100000", "Accept: text/csv\r\n");
  EXPECT_EQ(accept.body, csv.body);
  std::vector<std::string> lines;
  for (size_t pos = 0; pos < csv.body.size();) {
    size_t end = csv.body.find("\r\n", pos);
    lines.push_back(csv.body.substr(pos, end - pos));
    pos = end + 2;
  }
  ASSERT_EQ(lines.size(), all.size() + 1);
  EXPECT_EQ(lines[0],
            "transaction_id,user_id,event_time,total_amount,country,anomaly_score,anomaly_types,"
            "description,detected_at");
  for (size_t i = 0; i < all.size(); ++i) {
    const json& a = all[i];
    std::string types;
    for (const auto& t : a["anomaly_types"])
      types += (types.empty() ? "" : ";") + t.get<std::string>();
    std::string description = a["description"];
    if (description.find_first_of(",\"") != std::string::npos) {
      std::string q = "\"";
      for (char c : description) q += c == '"' ? std::string("\"\"") : std::string(1, c);
      description = q + "\"";
    }
    const std::string expected =
        a["transaction_id"].get<std::string>() + "," + a["user_id"].get<std::string>() + "," +
        a["event_time"].get<std::string>() + "," + a["total_amount"].get<std::string>() + "," +
        a["country"].get<std::string>() + ",";
    EXPECT_EQ(lines[i + 1].substr(0, expected.size()), expected) << i;
    EXPECT_NE(lines[i + 1].find("," + types + "," + description + ","), std::string::npos)
        << lines[i + 1];
  }
}

TEST_F(ApiTest, IngestionAndDeadLetters) {
  std::vector<json> metrics = AllPages("/api/v1/ingestion/metrics", 3);
  EXPECT_EQ(static_cast<int64_t>(metrics.size()), SqlInt("SELECT count(*) FROM kafka_metrics"));
  int64_t received = 0;
  for (const json& m : metrics) received += m["received"].get<int64_t>();
  EXPECT_EQ(received, SqlInt("SELECT sum(received) FROM kafka_metrics"));
  EXPECT_EQ(json(metrics), GetJson("/api/v1/ingestion/metrics?limit=100000")["items"]);

  std::vector<json> dead = AllPages("/api/v1/dead-letters", 1);
  ASSERT_EQ(dead.size(), 3u);
  std::set<std::string> raws;
  for (const json& d : dead) raws.insert(d["raw_base64"].get<std::string>());
  EXPECT_TRUE(raws.count("bm90IGpzb24=")) << "base64 of 'not json'";
  HttpResponse csv = Get("/api/v1/dead-letters?format=csv");
  EXPECT_EQ(csv.body.substr(0, csv.body.find("\r\n")),
            "source_topic,source_partition,source_offset,received_at,reason,raw_size,raw_base64");
  EXPECT_EQ(GetJson("/api/v1/dead-letters?topic=nothing-here")["items"].size(), 0u);
}

TEST_F(ApiTest, SessionsCartsAndInventory) {
  json summary = GetJson("/api/v1/sessions/summary");
  const int64_t sessions = SqlInt("SELECT count(*) FROM session_metrics");
  ASSERT_GT(sessions, 0);
  EXPECT_EQ(summary["sessions"], sessions);
  EXPECT_EQ(summary["converted"], SqlInt("SELECT count(*) FROM session_metrics WHERE converted"));
  EXPECT_EQ(summary["abandoned"], SqlInt("SELECT count(*) FROM session_metrics WHERE abandoned"));
  EXPECT_NEAR(summary["conversion_rate"].get<double>(),
              static_cast<double>(summary["converted"].get<int64_t>()) / sessions, 1e-6);

  std::vector<json> all = AllPages("/api/v1/sessions", 997);
  EXPECT_EQ(static_cast<int64_t>(all.size()), sessions);
  EXPECT_EQ(json(all), GetJson("/api/v1/sessions?limit=100000")["items"]);
  std::vector<json> converted = AllPages("/api/v1/sessions?converted=true", 500);
  EXPECT_EQ(static_cast<int64_t>(converted.size()), summary["converted"].get<int64_t>());
  for (const json& x : converted) EXPECT_TRUE(x["converted"].get<bool>());

  std::vector<json> carts = AllPages("/api/v1/carts/abandoned", 7);
  EXPECT_EQ(static_cast<int64_t>(carts.size()), SqlInt("SELECT count(*) FROM cart_abandonment"));
  std::vector<json> recovered = AllPages("/api/v1/carts/abandoned?recovered=true", 7);
  EXPECT_EQ(static_cast<int64_t>(recovered.size()),
            SqlInt("SELECT count(*) FROM cart_abandonment WHERE recovered"));

  std::vector<json> stock = AllPages("/api/v1/inventory", 333);
  EXPECT_EQ(static_cast<int64_t>(stock.size()), SqlInt("SELECT count(*) FROM inventory_status"));
  std::vector<json> low = AllPages("/api/v1/inventory?low_stock=true", 50);
  EXPECT_EQ(static_cast<int64_t>(low.size()),
            SqlInt("SELECT count(DISTINCT product_id) FROM low_stock_alerts WHERE status <> "
                   "'resolved'"));
  ASSERT_FALSE(stock.empty());
  EXPECT_EQ(GetJson("/api/v1/inventory/" + stock[0]["product_id"].get<std::string>()), stock[0]);
  HttpResponse missing = Get("/api/v1/inventory/no-such-product");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.Header("content-type"), "application/problem+json");

  std::vector<json> alerts = AllPages("/api/v1/alerts/low-stock", 11);
  EXPECT_EQ(static_cast<int64_t>(alerts.size()), SqlInt("SELECT count(*) FROM low_stock_alerts"));
  std::vector<json> critical = AllPages("/api/v1/alerts/low-stock?severity=critical", 11);
  EXPECT_EQ(static_cast<int64_t>(critical.size()),
            SqlInt("SELECT count(*) FROM low_stock_alerts WHERE severity = 'critical'"));
  EXPECT_EQ(Get("/api/v1/alerts/low-stock?status=closed").status, 400);
  EXPECT_EQ(Get("/api/v1/sessions?converted=yes").status, 400);
}

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

}  // namespace
}  // namespace gm::server

namespace gm::server {
namespace {

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
}  // namespace gm::server
