// /api/v1/sales/*: revenue, orders, units and average order value from the archive
// (transactions + transaction_items, late events included: the archive is the truth for
// sums over time; sales_metrics windows overlap). Answers are cached for server.cache_ttl.
#include <fmt/format.h>

#include "common/money.h"
#include "server/internal/api.h"
#include "server/internal/json.h"
#include "server/internal/list.h"

namespace gm::server {
namespace {

constexpr char kFrom[] =
    " FROM transactions t JOIN transaction_items i USING (transaction_id) WHERE true";
constexpr char kFigures[] =
    "coalesce(sum(i.quantity::bigint * i.price_cents), 0)::bigint AS revenue, "
    "count(DISTINCT t.transaction_id) AS orders, coalesce(sum(i.quantity), 0)::bigint AS units";

// The filters every sales route takes: from/to on the transaction's event time, category
// of the line items, country of the transaction.
struct SalesFilter {
  TimeRange range;
  const std::string* category = nullptr;
  const std::string* country = nullptr;
};

Result<SalesFilter> ParseFilter(const Request& req) {
  Result<TimeRange> range = ParseTimeRange(req);
  if (!range.ok()) return range.status();
  return SalesFilter{*range, req.Param("category"), req.Param("country")};
}

std::string Where(const SalesFilter& f, SqlParams& params) {
  std::string where;
  AppendTimeRange(f.range, "t.event_time", params, where);
  if (f.category) where += " AND i.category = " + params.Add(*f.category);
  if (f.country) where += " AND t.country = " + params.Add(*f.country);
  return where;
}

int64_t ToInt(const std::optional<std::string>& v) { return v ? std::stoll(*v) : 0; }

// Average order value in cents, rounded to the nearest cent (halves away from zero).
int64_t AverageCents(int64_t revenue, int64_t orders) {
  if (orders == 0) return 0;
  return (2 * revenue + (revenue >= 0 ? orders : -orders)) / (2 * orders);
}

void AppendOptionalTime(std::string& out, const std::optional<Micros>& t) {
  if (!t) {
    out += "null";
    return;
  }
  out += "\"";
  AppendTimestamp(*t, out);
  out += "\"";
}

void AppendOptionalText(std::string& out, const std::string* s) {
  if (s == nullptr) {
    out += "null";
  } else {
    AppendJsonString(out, *s);
  }
}

// Serves from the cache when the same request was answered within cache_ttl (refreshing it
// ahead of expiry, see ResponseCache::Get).
Response Cached(ApiContext& ctx, const Request& req, const std::function<Result<Response>()>& f) {
  const std::string key = CacheKey(req);
  ResponseCache::Lookup hit = ctx.cache.Get(key);
  if (hit.response && !hit.refresh) return std::move(*hit.response);
  Response r = Answer(f);
  ctx.cache.Put(key, r);
  return r;
}

Result<Response> Summary(ApiContext& ctx, const Request& req) {
  if (Status s = CheckParams(req, {"from", "to", "category", "country"}, false); !s.ok()) return s;
  Result<SalesFilter> f = ParseFilter(req);
  if (!f.ok()) return f.status();
  SqlParams params;
  const std::string sql = std::string("SELECT ") + kFigures + kFrom + Where(*f, params);
  Result<Rows> rows = ctx.reader.Query(sql, params.values());
  if (!rows.ok()) return rows.status();
  const auto& r = rows->values.at(0);
  const int64_t revenue = ToInt(r[0]);
  const int64_t orders = ToInt(r[1]);
  std::string b = "{\"from\":";
  AppendOptionalTime(b, f->range.from);
  b += ",\"to\":";
  AppendOptionalTime(b, f->range.to);
  b += ",\"category\":";
  AppendOptionalText(b, f->category);
  b += ",\"country\":";
  AppendOptionalText(b, f->country);
  b += ",\"revenue\":\"" + FormatCents(revenue) + "\"";
  b += fmt::format(",\"orders\":{},\"units\":{}", orders, ToInt(r[2]));
  b += ",\"average_order_value\":\"" + FormatCents(AverageCents(revenue, orders)) + "\"}";
  return Json(std::move(b));
}

const std::vector<Column> kSeriesColumns = {{"bucket_start", Kind::kTime},
                                            {"revenue", Kind::kMoney},
                                            {"orders", Kind::kInt},
                                            {"units", Kind::kInt}};

Result<Response> Timeseries(ApiContext& ctx, const Request& req) {
  if (Status s = CheckParams(req, {"from", "to", "category", "country", "interval"}, true);
      !s.ok()) {
    return s;
  }
  Result<SalesFilter> f = ParseFilter(req);
  if (!f.ok()) return f.status();
  Result<ListParams> list = ParseListParams(req, ctx.config, 1);
  if (!list.ok()) return list.status();
  const std::string* interval_param = req.Param("interval");
  const std::string interval = interval_param ? *interval_param : "1h";
  Micros step = 0;
  if (interval == "1m") {
    step = kMicrosPerMinute;
  } else if (interval == "1h") {
    step = kMicrosPerHour;
  } else if (interval == "1d") {
    step = kMicrosPerDay;
  } else {
    return InvalidArgument("invalid interval '" + interval + "': expected 1m, 1h or 1d");
  }
  SqlParams params;
  std::string where = Where(*f, params);
  // Buckets are aligned to the Unix epoch (days to UTC midnight); the page after a cursor
  // starts at the next bucket, which only needs rows from there on.
  if (!list->after.empty()) {
    int64_t after = 0;
    try {
      after = std::stoll(list->after[0]);
    } catch (const std::exception&) {
      return InvalidArgument("invalid cursor: pass next_cursor of the previous page unchanged");
    }
    where += " AND t.event_time >= " + params.AddTime(after + step);
  }
  const std::string bucket = "date_bin(" + params.Add(std::to_string(step)) +
                             "::bigint * interval '1 microsecond', t.event_time, "
                             "timestamptz 'epoch')";
  const std::string sql = "SELECT " + MicrosOf("b") + ", revenue, orders, units FROM (SELECT " +
                          bucket + " AS b, " + kFigures + kFrom + where +
                          " GROUP BY 1) s ORDER BY b LIMIT " + std::to_string(list->limit + 1);
  Result<Rows> rows = ctx.reader.Query(sql, params.values());
  if (!rows.ok()) return rows.status();
  return RenderList(*list, kSeriesColumns, std::move(*rows), {0});
}

// by-country and by-category: one row per group, ordered by the group's name.
Result<Response> Breakdown(ApiContext& ctx, const Request& req, const char* column,
                           const char* sql_column, const char* filter) {
  if (Status s = CheckParams(req, {"from", "to", filter}, true); !s.ok()) return s;
  Result<SalesFilter> f = ParseFilter(req);
  if (!f.ok()) return f.status();
  Result<ListParams> list = ParseListParams(req, ctx.config, 1);
  if (!list.ok()) return list.status();
  SqlParams params;
  std::string where = Where(*f, params);
  where += KeysetCondition({{sql_column, Kind::kText}}, false, list->after, params);
  const std::string sql = std::string("SELECT ") + sql_column + ", " + kFigures + kFrom + where +
                          " GROUP BY 1 ORDER BY 1 LIMIT " + std::to_string(list->limit + 1);
  Result<Rows> rows = ctx.reader.Query(sql, params.values());
  if (!rows.ok()) return rows.status();
  const std::vector<Column> columns = {{column, Kind::kText},
                                       {"revenue", Kind::kMoney},
                                       {"orders", Kind::kInt},
                                       {"units", Kind::kInt}};
  return RenderList(*list, columns, std::move(*rows), {0});
}

}  // namespace

void AddSalesRoutes(Router& router, ApiContext& ctx) {
  router.Add({"GET", "/api/v1/sales/summary", [&ctx](const Request& req) {
                return Cached(ctx, req, [&] { return Summary(ctx, req); });
              }});
  router.Add({"GET", "/api/v1/sales/timeseries", [&ctx](const Request& req) {
                return Cached(ctx, req, [&] { return Timeseries(ctx, req); });
              }});
  router.Add({"GET", "/api/v1/sales/by-country", [&ctx](const Request& req) {
                return Cached(ctx, req, [&] {
                  return Breakdown(ctx, req, "country", "t.country", "category");
                });
              }});
  router.Add({"GET", "/api/v1/sales/by-category", [&ctx](const Request& req) {
                return Cached(ctx, req, [&] {
                  return Breakdown(ctx, req, "category", "i.category", "country");
                });
              }});
}

}  // namespace gm::server
