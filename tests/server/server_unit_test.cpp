// Unit tests of the server's pieces that need no socket or database: query parsing, the
// router, the Status → HTTP mapping, JSON/CSV writers, cursors and list rendering.
#include <gtest/gtest.h>

#include "server/http.h"
#include "server/internal/json.h"
#include "server/internal/list.h"
#include "server/internal/metrics.h"
#include "server/internal/ttl_cache.h"
#include "server/problem.h"
#include "server/router.h"

namespace gm::server {
namespace {

TEST(QueryString, DecodesAndRejectsBadEscapes) {
  auto q = ParseQueryString("a=1&b=x%20y+z&&c=&d");
  ASSERT_TRUE(q);
  ASSERT_EQ(q->size(), 4u);
  EXPECT_EQ((*q)[1], std::make_pair(std::string("b"), std::string("x y z")));
  EXPECT_EQ((*q)[2].second, "");
  EXPECT_EQ((*q)[3].first, "d");
  EXPECT_FALSE(ParseQueryString("a=%zz"));
  EXPECT_FALSE(ParseQueryString("a=%4"));
  EXPECT_FALSE(ParseQueryString("a=%"));
}

TEST(Router, ExactPrefixAndMethods) {
  Router r;
  r.Add({"GET", "/a", nullptr});
  r.Add({"POST", "/a", nullptr});
  r.Add({"GET", "/files/*", nullptr});
  EXPECT_EQ(r.Match("GET", "/a").index, 0);
  EXPECT_EQ(r.Match("POST", "/a").index, 1);
  EXPECT_EQ(r.Match("HEAD", "/a").index, 0);
  RouteMatch m = r.Match("DELETE", "/a");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_EQ(m.allowed, (std::vector<std::string>{"GET", "POST"}));
  EXPECT_EQ(r.Match("GET", "/files/x.js").index, 2);
  EXPECT_EQ(r.Match("GET", "/files/").route, nullptr);
  EXPECT_TRUE(r.Match("GET", "/files").allowed.empty());
  EXPECT_TRUE(r.Match("GET", "/a/b").allowed.empty());
}

TEST(Problem, OneMappingFromStatus) {
  EXPECT_EQ(HttpStatusFor(Status::Ok()), 200);
  EXPECT_EQ(HttpStatusFor(InvalidArgument("x")), 400);
  EXPECT_EQ(HttpStatusFor(Status(ErrorCode::kNotFound, "x")), 404);
  EXPECT_EQ(HttpStatusFor(Status(ErrorCode::kResourceExhausted, "x")), 413);
  EXPECT_EQ(HttpStatusFor(Unavailable("x")), 503);
  EXPECT_EQ(HttpStatusFor(Status(ErrorCode::kTimeout, "x")), 504);
  EXPECT_EQ(HttpStatusFor(Internal("x")), 500);
  Response p = ProblemFor(Internal("SELECT secret FROM t"));
  EXPECT_EQ(p.status, 500);
  EXPECT_EQ(p.content_type, "application/problem+json");
  EXPECT_EQ(p.body.find("SELECT"), std::string::npos);
  Response bad = ProblemFor(InvalidArgument("invalid limit \"x\""));
  EXPECT_EQ(bad.body,
            "{\"type\":\"about:blank\",\"title\":\"Bad Request\",\"status\":400,"
            "\"detail\":\"invalid limit \\\"x\\\"\"}");
}

TEST(Json, EscapesControlQuotesAndBadUtf8) {
  std::string out;
  AppendJsonString(out, std::string("a\"b\\c\n\x01\xC3\xA9\xFF", 10));
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\u0001\xC3\xA9\xEF\xBF\xBD\"");
  std::string csv;
  AppendCsvField(csv, "plain");
  csv += ",";
  AppendCsvField(csv, "a,\"b\"");
  EXPECT_EQ(csv, "plain,\"a,\"\"b\"\"\"");
}

TEST(Base64, RoundTripsEveryLength) {
  std::string data;
  for (int n = 0; n < 40; ++n) {
    std::string decoded;
    ASSERT_TRUE(Base64UrlDecode(Base64Encode(data, true), &decoded)) << n;
    EXPECT_EQ(decoded, data);
    data.push_back(static_cast<char>(n * 37));
  }
  EXPECT_EQ(Base64Encode("not json", false), "bm90IGpzb24=");
  std::string ignored;
  EXPECT_FALSE(Base64UrlDecode("a+b/", &ignored));
}

Request WithQuery(std::vector<std::pair<std::string, std::string>> q) {
  Request r;
  r.query = std::move(q);
  return r;
}

TEST(ListParams, LimitCursorFormat) {
  ServerConfig config;
  Result<ListParams> p = ParseListParams(WithQuery({}), config, 2);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->limit, 100);
  EXPECT_EQ(p->format, Format::kJson);
  EXPECT_FALSE(ParseListParams(WithQuery({{"limit", "0"}}), config, 2).ok());
  EXPECT_FALSE(ParseListParams(WithQuery({{"limit", "10001"}}), config, 2).ok());
  EXPECT_FALSE(ParseListParams(WithQuery({{"limit", "5x"}}), config, 2).ok());
  EXPECT_FALSE(ParseListParams(WithQuery({{"format", "xml"}}), config, 2).ok());
  EXPECT_FALSE(ParseListParams(WithQuery({{"cursor", "%%%"}}), config, 2).ok());
  Request csv;
  csv.headers = {{"accept", "text/csv"}};
  EXPECT_EQ(ParseListParams(csv, config, 1)->format, Format::kCsv);
  EXPECT_FALSE(CheckParams(WithQuery({{"limitt", "1"}}), {"from"}, true).ok());
  EXPECT_TRUE(CheckParams(WithQuery({{"limit", "1"}, {"from", "x"}}), {"from"}, true).ok());
  EXPECT_FALSE(CheckParams(WithQuery({{"limit", "1"}}), {}, false).ok());
}

TEST(RenderList, PagesCarryTheLastKeyAsCursor) {
  ServerConfig config;
  const std::vector<Column> columns = {{"id", Kind::kText},      {"t", Kind::kTime},
                                       {"amount", Kind::kMoney}, {"types", Kind::kList},
                                       {"ok", Kind::kBool},      {"n", Kind::kInt}};
  Rows rows;
  for (int i = 0; i < 3; ++i) {
    rows.values.push_back({std::string("id,") + std::to_string(i), std::to_string(i * 1'000'000),
                           std::to_string(-5 + i * 100), std::string("a,b"), std::string("t"),
                           std::nullopt});
  }
  ListParams params;
  params.limit = 2;
  Response page = RenderList(params, columns, rows, {1, 0});
  EXPECT_TRUE(page.body.starts_with(
      "{\"items\":[{\"id\":\"id,0\",\"t\":\"1970-01-01T00:00:00.000Z\",\"amount\":\"-0.05\","
      "\"types\":[\"a\",\"b\"],\"ok\":true,\"n\":null},{\"id\":\"id,1\""))
      << page.body;
  EXPECT_TRUE(page.body.ends_with("}],\"next_cursor\":\"" + page.headers[0].second + "\"}"));
  ASSERT_EQ(page.headers.size(), 1u);
  // The cursor decodes to the last row's key, and parses back as a cursor.
  Result<ListParams> next =
      ParseListParams(WithQuery({{"cursor", page.headers[0].second}}), config, 2);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->after, (std::vector<std::string>{"1000000", "id,1"}));

  params.format = Format::kCsv;
  Response csv = RenderList(params, columns, rows, {1, 0});
  ASSERT_TRUE(csv.chunked);
  std::string all;
  for (const auto& c : csv.chunks) all += c;
  EXPECT_EQ(all,
            "id,t,amount,types,ok,n\r\n"
            "\"id,0\",1970-01-01T00:00:00.000Z,-0.05,a;b,true,\r\n"
            "\"id,1\",1970-01-01T00:00:01.000Z,0.95,a;b,true,\r\n");
}

TEST(Keyset, ConditionBindsEveryPart) {
  SqlParams params;
  EXPECT_EQ(KeysetCondition({{"t", Kind::kTime}}, true, {}, params), "");
  std::string sql =
      KeysetCondition({{"t", Kind::kTime}, {"id", Kind::kText}}, true, {"5", "x'"}, params);
  EXPECT_EQ(sql,
            " AND (t, id) < ((timestamptz 'epoch' + $1::bigint * interval '1 microsecond'), "
            "$2::text)");
  EXPECT_EQ(params.values(), (std::vector<std::string>{"5", "x'"}));
}

TEST(Metrics, CountsAndHistogram) {
  RequestMetrics m({"GET /a"});
  m.Record(0, 200, 300);
  m.Record(0, 200, 2'000'000);
  m.Record(-1, 404, 100);
  const std::string text = m.Render();
  EXPECT_NE(text.find("globalmart_http_requests_total{route=\"GET /a\",code=\"200\"} 2"),
            std::string::npos);
  EXPECT_NE(text.find("globalmart_http_requests_total{route=\"unmatched\",code=\"404\"} 1"),
            std::string::npos);
  EXPECT_NE(text.find("route=\"GET /a\",le=\"0.0005\"} 1"), std::string::npos);
  EXPECT_NE(text.find("route=\"GET /a\",le=\"2.5\"} 2"), std::string::npos);
}

}  // namespace
}  // namespace gm::server

namespace gm::server {
namespace {

TEST(ResponseCache, FreshRefreshAheadAndExpiry) {
  ManualClock clock(0);
  ResponseCache cache(clock, 1000 * kMicrosPerMilli);
  EXPECT_TRUE(cache.Get("k").refresh);
  Response r;
  r.body = "v1";
  cache.Put("k", r);
  clock.Advance(400 * kMicrosPerMilli);
  ResponseCache::Lookup a = cache.Get("k");
  EXPECT_FALSE(a.refresh);
  EXPECT_EQ(a.response->body, "v1");
  // Past half the TTL exactly one caller is asked to refresh; the others get the entry.
  clock.Advance(200 * kMicrosPerMilli);
  EXPECT_TRUE(cache.Get("k").refresh);
  ResponseCache::Lookup b = cache.Get("k");
  EXPECT_FALSE(b.refresh);
  EXPECT_EQ(b.response->body, "v1");
  // A failed refresh lets the next caller try.
  Response failed;
  failed.status = 500;
  cache.Put("k", failed);
  EXPECT_TRUE(cache.Get("k").refresh);
  // Never older than the TTL.
  clock.Advance(400 * kMicrosPerMilli);
  ResponseCache::Lookup c = cache.Get("k");
  EXPECT_TRUE(c.refresh);
  EXPECT_FALSE(c.response.has_value());
}

}  // namespace
}  // namespace gm::server
