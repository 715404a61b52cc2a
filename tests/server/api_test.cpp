// The HTTP API's data routes end to end (api_test_fixture.h): every route checked against
// SQL computed here.
#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "tests/server/api_test_fixture.h"

namespace gm::server::api_test {
namespace {

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

}  // namespace
}  // namespace gm::server::api_test
