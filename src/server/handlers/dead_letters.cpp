// /api/v1/dead-letters: messages that were not valid events, newest first. The raw bytes
// (capped by the stream engine, possibly not UTF-8) are returned as standard base64.
#include "server/internal/api.h"
#include "server/internal/list.h"

namespace gm::server {
namespace {

const std::vector<Column> kColumns = {
    {"source_topic", Kind::kText}, {"source_partition", Kind::kInt}, {"source_offset", Kind::kInt},
    {"received_at", Kind::kTime},  {"reason", Kind::kText},          {"raw_size", Kind::kInt},
    {"raw_base64", Kind::kText}};

Result<Response> List(ApiContext& ctx, const Request& req) {
  if (Status s = CheckParams(req, {"from", "to", "topic"}, true); !s.ok()) return s;
  Result<TimeRange> range = ParseTimeRange(req);
  if (!range.ok()) return range.status();
  Result<ListParams> list = ParseListParams(req, ctx.config, 4);
  if (!list.ok()) return list.status();
  SqlParams params;
  std::string where;
  AppendTimeRange(*range, "received_at", params, where);
  if (const std::string* topic = req.Param("topic")) {
    where += " AND source_topic = " + params.Add(*topic);
  }
  where += KeysetCondition({{"received_at", Kind::kTime},
                            {"source_topic", Kind::kText},
                            {"source_partition", Kind::kInt},
                            {"source_offset", Kind::kInt}},
                           /*descending=*/true, list->after, params);
  const std::string sql = "SELECT source_topic, source_partition, source_offset, " +
                          MicrosOf("received_at") +
                          ", reason, raw_size, translate(encode(raw, 'base64'), E'\\n', '') "
                          "FROM dead_letter_events WHERE true" +
                          where +
                          " ORDER BY received_at DESC, source_topic DESC, source_partition DESC, "
                          "source_offset DESC LIMIT " +
                          std::to_string(list->limit + 1);
  Result<Rows> rows = ctx.reader.Query(sql, params.values());
  if (!rows.ok()) return rows.status();
  return RenderList(*list, kColumns, std::move(*rows), {3, 0, 1, 2});
}

}  // namespace

void AddDeadLetterRoutes(Router& router, ApiContext& ctx) {
  router.Add({"GET", "/api/v1/dead-letters",
              [&ctx](const Request& req) { return Answer([&] { return List(ctx, req); }); }});
}

}  // namespace gm::server
