// /api/v1/ingestion/metrics: the kafka_metrics view (messages per topic and 10-second
// interval), newest first.
#include "server/internal/api.h"
#include "server/internal/list.h"

namespace gm::server {
namespace {

const std::vector<Column> kColumns = {
    {"topic", Kind::kText},    {"interval_start", Kind::kTime}, {"received", Kind::kInt},
    {"valid", Kind::kInt},     {"invalid", Kind::kInt},         {"late", Kind::kInt},
    {"duplicate", Kind::kInt}, {"consumer_lag", Kind::kInt},    {"updated_at", Kind::kTime}};

Result<Response> List(ApiContext& ctx, const Request& req) {
  if (Status s = CheckParams(req, {"from", "to", "topic"}, true); !s.ok()) return s;
  Result<TimeRange> range = ParseTimeRange(req);
  if (!range.ok()) return range.status();
  Result<ListParams> list = ParseListParams(req, ctx.config, 2);
  if (!list.ok()) return list.status();
  SqlParams params;
  std::string where;
  AppendTimeRange(*range, "interval_start", params, where);
  if (const std::string* topic = req.Param("topic")) {
    where += " AND topic = " + params.Add(*topic);
  }
  where += KeysetCondition({{"interval_start", Kind::kTime}, {"topic", Kind::kText}},
                           /*descending=*/true, list->after, params);
  const std::string sql = "SELECT topic, " + MicrosOf("interval_start") +
                          ", received, valid, invalid, late, duplicate, consumer_lag, " +
                          MicrosOf("updated_at") + " FROM kafka_metrics WHERE true" + where +
                          " ORDER BY interval_start DESC, topic DESC LIMIT " +
                          std::to_string(list->limit + 1);
  Result<Rows> rows = ctx.reader.Query(sql, params.values());
  if (!rows.ok()) return rows.status();
  return RenderList(*list, kColumns, std::move(*rows), {1, 0});
}

}  // namespace

void AddIngestionRoutes(Router& router, ApiContext& ctx) {
  router.Add({"GET", "/api/v1/ingestion/metrics",
              [&ctx](const Request& req) { return Answer([&] { return List(ctx, req); }); }});
}

}  // namespace gm::server
