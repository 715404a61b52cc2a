// /api/v1/anomalies: scored transactions (transaction_anomalies), newest first.
#include <charconv>

#include "server/internal/api.h"
#include "server/internal/list.h"

namespace gm::server {
namespace {

constexpr std::string_view kTypes[] = {"high_value",   "unusual_quantity", "velocity",
                                       "geo_mismatch", "amount_mismatch",  "statistical"};

const std::vector<Column> kColumns = {
    {"transaction_id", Kind::kText}, {"user_id", Kind::kText},     {"event_time", Kind::kTime},
    {"total_amount", Kind::kMoney},  {"country", Kind::kText},     {"anomaly_score", Kind::kReal},
    {"anomaly_types", Kind::kList},  {"description", Kind::kText}, {"detected_at", Kind::kTime}};

Result<Response> List(ApiContext& ctx, const Request& req) {
  if (Status s = CheckParams(req, {"from", "to", "min_score", "type", "user"}, true); !s.ok()) {
    return s;
  }
  Result<TimeRange> range = ParseTimeRange(req);
  if (!range.ok()) return range.status();
  Result<ListParams> list = ParseListParams(req, ctx.config, 2);
  if (!list.ok()) return list.status();
  SqlParams params;
  std::string where;
  AppendTimeRange(*range, "event_time", params, where);
  if (const std::string* min_score = req.Param("min_score")) {
    double score = -1;
    auto [ptr, ec] =
        std::from_chars(min_score->data(), min_score->data() + min_score->size(), score);
    if (ec != std::errc() || ptr != min_score->data() + min_score->size() || score < 0 ||
        score > 1) {
      return InvalidArgument("invalid min_score '" + *min_score +
                             "': expected a number from 0 to 1");
    }
    where += " AND anomaly_score >= " + params.Add(*min_score) + "::real";
  }
  if (const std::string* type = req.Param("type")) {
    if (std::find(std::begin(kTypes), std::end(kTypes), *type) == std::end(kTypes)) {
      return InvalidArgument("invalid type '" + *type +
                             "': expected high_value, unusual_quantity, velocity, geo_mismatch, "
                             "amount_mismatch or statistical");
    }
    where += " AND " + params.Add(*type) + " = ANY(anomaly_types)";
  }
  if (const std::string* user = req.Param("user")) where += " AND user_id = " + params.Add(*user);
  where += KeysetCondition({{"event_time", Kind::kTime}, {"transaction_id", Kind::kText}},
                           /*descending=*/true, list->after, params);
  const std::string sql =
      "SELECT transaction_id, user_id, " + MicrosOf("event_time") +
      ", total_amount_cents, country, anomaly_score, array_to_string(anomaly_types, ','), "
      "description, " +
      MicrosOf("detected_at") + " FROM transaction_anomalies WHERE true" + where +
      " ORDER BY event_time DESC, transaction_id DESC LIMIT " + std::to_string(list->limit + 1);
  Result<Rows> rows = ctx.reader.Query(sql, params.values());
  if (!rows.ok()) return rows.status();
  return RenderList(*list, kColumns, std::move(*rows), {2, 0});
}

}  // namespace

void AddAnomalyRoutes(Router& router, ApiContext& ctx) {
  router.Add({"GET", "/api/v1/anomalies",
              [&ctx](const Request& req) { return Answer([&] { return List(ctx, req); }); }});
}

}  // namespace gm::server
