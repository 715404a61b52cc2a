// /api/v1/inventory and /api/v1/alerts/low-stock: stock per product (inventory_status, with
// the catalog's name) and the low-stock alerts of the inventory processor.
#include "server/internal/api.h"
#include "server/internal/list.h"
#include "server/problem.h"

namespace gm::server {
namespace {

const std::vector<Column> kStockColumns = {
    {"product_id", Kind::kText},     {"name", Kind::kText},
    {"category", Kind::kText},       {"in_catalog", Kind::kBool},
    {"current_stock", Kind::kInt},   {"reserved_stock", Kind::kInt},
    {"available_stock", Kind::kInt}, {"low_stock", Kind::kBool},
    {"last_event_time", Kind::kTime}};

// A product is low on stock while it has an alert that is not resolved (the stream engine
// applies stream.low_stock_threshold).
std::string StockSelect() {
  return "SELECT s.product_id, p.name, s.category, s.in_catalog, s.current_stock, "
         "s.reserved_stock, s.available_stock, EXISTS (SELECT 1 FROM low_stock_alerts a WHERE "
         "a.product_id = s.product_id AND a.status <> 'resolved'), " +
         MicrosOf("s.last_event_time") +
         " FROM inventory_status s LEFT JOIN products p USING (product_id) WHERE true";
}

Result<Response> List(ApiContext& ctx, const Request& req) {
  if (Status s = CheckParams(req, {"category", "low_stock"}, true); !s.ok()) return s;
  Result<ListParams> list = ParseListParams(req, ctx.config, 1);
  if (!list.ok()) return list.status();
  SqlParams params;
  std::string where;
  if (const std::string* c = req.Param("category")) where += " AND s.category = " + params.Add(*c);
  if (const std::string* low = req.Param("low_stock")) {
    if (*low != "true" && *low != "false") {
      return InvalidArgument("invalid low_stock '" + *low + "': expected true or false");
    }
    where += std::string(" AND ") + (*low == "true" ? "" : "NOT ") +
             "EXISTS (SELECT 1 FROM low_stock_alerts a WHERE a.product_id = s.product_id AND "
             "a.status <> 'resolved')";
  }
  where += KeysetCondition({{"s.product_id", Kind::kText}}, false, list->after, params);
  Result<Rows> rows = ctx.reader.Query(
      StockSelect() + where + " ORDER BY s.product_id LIMIT " + std::to_string(list->limit + 1),
      params.values());
  if (!rows.ok()) return rows.status();
  return RenderList(*list, kStockColumns, std::move(*rows), {0});
}

Result<Response> One(ApiContext& ctx, const Request& req) {
  if (Status s = CheckParams(req, {}, false); !s.ok()) return s;
  std::optional<std::string> id = PercentDecode(std::string_view(req.path).substr(18));
  if (!id) return InvalidArgument("malformed product id in the path");
  SqlParams params;
  const std::string sql = StockSelect() + " AND s.product_id = " + params.Add(*id);
  Result<Rows> rows = ctx.reader.Query(sql, params.values());
  if (!rows.ok()) return rows.status();
  if (rows->values.empty()) {
    return Status(ErrorCode::kNotFound, "no stock recorded for product '" + *id + "'");
  }
  std::string b = "{";
  for (size_t c = 0; c < kStockColumns.size(); ++c) {
    if (c) b.push_back(',');
    b += "\"" + kStockColumns[c].name + "\":";
    AppendJsonValue(b, kStockColumns[c].kind, rows->values[0][c]);
  }
  b += "}";
  return Json(std::move(b));
}

const std::vector<Column> kAlertColumns = {
    {"product_id", Kind::kText}, {"alert_no", Kind::kInt},        {"status", Kind::kText},
    {"severity", Kind::kText},   {"available_stock", Kind::kInt}, {"lowest_available", Kind::kInt},
    {"opened_at", Kind::kTime},  {"updated_at", Kind::kTime},     {"resolved_at", Kind::kTime}};

Result<Response> Alerts(ApiContext& ctx, const Request& req) {
  if (Status s = CheckParams(req, {"status", "severity", "from", "to"}, true); !s.ok()) return s;
  Result<TimeRange> range = ParseTimeRange(req);
  if (!range.ok()) return range.status();
  Result<ListParams> list = ParseListParams(req, ctx.config, 3);
  if (!list.ok()) return list.status();
  SqlParams params;
  std::string where;
  AppendTimeRange(*range, "opened_at", params, where);
  if (const std::string* st = req.Param("status")) {
    if (*st != "open" && *st != "updated" && *st != "resolved") {
      return InvalidArgument("invalid status '" + *st + "': expected open, updated or resolved");
    }
    where += " AND status = " + params.Add(*st);
  }
  if (const std::string* sev = req.Param("severity")) {
    if (*sev != "low" && *sev != "critical") {
      return InvalidArgument("invalid severity '" + *sev + "': expected low or critical");
    }
    where += " AND severity = " + params.Add(*sev);
  }
  where += KeysetCondition(
      {{"opened_at", Kind::kTime}, {"product_id", Kind::kText}, {"alert_no", Kind::kInt}}, true,
      list->after, params);
  Result<Rows> rows = ctx.reader.Query(
      "SELECT product_id, alert_no, status, severity, available_stock, lowest_available, " +
          MicrosOf("opened_at") + ", " + MicrosOf("updated_at") + ", " + MicrosOf("resolved_at") +
          " FROM low_stock_alerts WHERE true" + where +
          " ORDER BY opened_at DESC, product_id DESC, alert_no DESC LIMIT " +
          std::to_string(list->limit + 1),
      params.values());
  if (!rows.ok()) return rows.status();
  return RenderList(*list, kAlertColumns, std::move(*rows), {6, 0, 1});
}

}  // namespace

void AddInventoryRoutes(Router& router, ApiContext& ctx) {
  router.Add({"GET", "/api/v1/inventory",
              [&ctx](const Request& req) { return Answer([&] { return List(ctx, req); }); }});
  router.Add({"GET", "/api/v1/inventory/*",
              [&ctx](const Request& req) { return Answer([&] { return One(ctx, req); }); }});
  router.Add({"GET", "/api/v1/alerts/low-stock",
              [&ctx](const Request& req) { return Answer([&] { return Alerts(ctx, req); }); }});
}

}  // namespace gm::server
