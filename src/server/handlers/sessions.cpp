// /api/v1/sessions and /api/v1/carts/abandoned: closed sessions (session_metrics) and cart
// abandonments (cart_abandonment) as the stream engine's session processor writes them.
#include <fmt/format.h>

#include "server/internal/api.h"
#include "server/internal/json.h"
#include "server/internal/list.h"

namespace gm::server {
namespace {

Result<std::optional<bool>> BoolParam(const Request& req, const char* name) {
  const std::string* v = req.Param(name);
  if (v == nullptr) return std::optional<bool>();
  if (*v == "true") return std::optional<bool>(true);
  if (*v == "false") return std::optional<bool>(false);
  return InvalidArgument(std::string("invalid ") + name + " '" + *v + "': expected true or false");
}

Result<Response> Summary(ApiContext& ctx, const Request& req) {
  if (Status s = CheckParams(req, {"from", "to"}, false); !s.ok()) return s;
  Result<TimeRange> range = ParseTimeRange(req);
  if (!range.ok()) return range.status();
  SqlParams params;
  std::string where;
  AppendTimeRange(*range, "session_start", params, where);
  Result<Rows> rows = ctx.reader.Query(
      "SELECT count(*), count(*) FILTER (WHERE converted), count(*) FILTER (WHERE abandoned), "
      "coalesce(avg(duration_seconds), 0) FROM session_metrics WHERE true" +
          where,
      params.values());
  if (!rows.ok()) return rows.status();
  const auto& r = rows->values.at(0);
  const int64_t sessions = std::stoll(r[0].value_or("0"));
  const int64_t converted = std::stoll(r[1].value_or("0"));
  const int64_t abandoned = std::stoll(r[2].value_or("0"));
  const double share = sessions == 0 ? 0.0 : 1.0 / static_cast<double>(sessions);
  return Json(
      fmt::format("{{\"sessions\":{},\"converted\":{},\"conversion_rate\":{:.6f},\"abandoned\":{},"
                  "\"abandonment_rate\":{:.6f},\"average_duration_seconds\":{:.3f}}}",
                  sessions, converted, static_cast<double>(converted) * share, abandoned,
                  static_cast<double>(abandoned) * share, std::stod(r[3].value_or("0"))));
}

const std::vector<Column> kSessionColumns = {
    {"session_id", Kind::kText},       {"user_id", Kind::kText},
    {"session_start", Kind::kTime},    {"session_end", Kind::kTime},
    {"duration_seconds", Kind::kReal}, {"page_views", Kind::kInt},
    {"cart_adds", Kind::kInt},         {"cart_removes", Kind::kInt},
    {"purchases", Kind::kInt},         {"total_amount", Kind::kMoney},
    {"device", Kind::kText},           {"country", Kind::kText},
    {"converted", Kind::kBool},        {"abandoned", Kind::kBool}};

Result<Response> Sessions(ApiContext& ctx, const Request& req) {
  if (Status s = CheckParams(req, {"from", "to", "user", "converted"}, true); !s.ok()) return s;
  Result<TimeRange> range = ParseTimeRange(req);
  if (!range.ok()) return range.status();
  Result<ListParams> list = ParseListParams(req, ctx.config, 2);
  if (!list.ok()) return list.status();
  Result<std::optional<bool>> converted = BoolParam(req, "converted");
  if (!converted.ok()) return converted.status();
  SqlParams params;
  std::string where;
  AppendTimeRange(*range, "session_start", params, where);
  if (const std::string* user = req.Param("user")) where += " AND user_id = " + params.Add(*user);
  if (*converted) where += std::string(" AND ") + (**converted ? "" : "NOT ") + "converted";
  where += KeysetCondition({{"session_start", Kind::kTime}, {"session_id", Kind::kText}}, true,
                           list->after, params);
  Result<Rows> rows = ctx.reader.Query(
      "SELECT session_id, user_id, " + MicrosOf("session_start") + ", " + MicrosOf("session_end") +
          ", duration_seconds, page_views, cart_adds, cart_removes, purchases, "
          "total_amount_cents, device, country, converted, abandoned FROM session_metrics "
          "WHERE true" +
          where + " ORDER BY session_start DESC, session_id DESC LIMIT " +
          std::to_string(list->limit + 1),
      params.values());
  if (!rows.ok()) return rows.status();
  return RenderList(*list, kSessionColumns, std::move(*rows), {2, 0});
}

const std::vector<Column> kCartColumns = {
    {"session_id", Kind::kText},       {"session_start", Kind::kTime},
    {"abandonment_time", Kind::kTime}, {"user_id", Kind::kText},
    {"products_in_cart", Kind::kInt},  {"items_in_cart", Kind::kInt},
    {"cart_value", Kind::kMoney},      {"time_in_cart_seconds", Kind::kReal},
    {"recovered", Kind::kBool},        {"recovered_at", Kind::kTime}};

Result<Response> Abandoned(ApiContext& ctx, const Request& req) {
  if (Status s = CheckParams(req, {"from", "to", "user", "recovered"}, true); !s.ok()) return s;
  Result<TimeRange> range = ParseTimeRange(req);
  if (!range.ok()) return range.status();
  Result<ListParams> list = ParseListParams(req, ctx.config, 3);
  if (!list.ok()) return list.status();
  Result<std::optional<bool>> recovered = BoolParam(req, "recovered");
  if (!recovered.ok()) return recovered.status();
  SqlParams params;
  std::string where;
  AppendTimeRange(*range, "abandonment_time", params, where);
  if (const std::string* user = req.Param("user")) where += " AND user_id = " + params.Add(*user);
  if (*recovered) where += std::string(" AND ") + (**recovered ? "" : "NOT ") + "recovered";
  where += KeysetCondition({{"abandonment_time", Kind::kTime},
                            {"session_id", Kind::kText},
                            {"session_start", Kind::kTime}},
                           true, list->after, params);
  Result<Rows> rows = ctx.reader.Query(
      "SELECT session_id, " + MicrosOf("session_start") + ", " + MicrosOf("abandonment_time") +
          ", user_id, products_in_cart, items_in_cart, cart_value_cents, time_in_cart_seconds, "
          "recovered, " +
          MicrosOf("recovered_at") + " FROM cart_abandonment WHERE true" + where +
          " ORDER BY abandonment_time DESC, session_id DESC, session_start DESC LIMIT " +
          std::to_string(list->limit + 1),
      params.values());
  if (!rows.ok()) return rows.status();
  return RenderList(*list, kCartColumns, std::move(*rows), {2, 0, 1});
}

}  // namespace

void AddSessionRoutes(Router& router, ApiContext& ctx) {
  router.Add({"GET", "/api/v1/sessions/summary",
              [&ctx](const Request& req) { return Answer([&] { return Summary(ctx, req); }); }});
  router.Add({"GET", "/api/v1/sessions",
              [&ctx](const Request& req) { return Answer([&] { return Sessions(ctx, req); }); }});
  router.Add({"GET", "/api/v1/carts/abandoned",
              [&ctx](const Request& req) { return Answer([&] { return Abandoned(ctx, req); }); }});
}

}  // namespace gm::server
